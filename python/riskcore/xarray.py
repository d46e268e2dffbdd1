"""xarray support (forecast verification data lives in xarray / netCDF / zarr): CRPS over a named
member dimension, keeping every other dimension and its coordinates. Dask-backed DataArrays stay lazy."""

from __future__ import annotations

from typing import Any

import xarray as xr

from riskcore import crps

__all__ = ["crps_ensemble", "twcrps_ensemble"]


def _over_members(fn: Any, obs: xr.DataArray, fct: xr.DataArray, member_dim: str, **kwargs: Any) -> xr.DataArray:
    if not isinstance(fct, xr.DataArray):
        raise TypeError(f"fct must be an xarray.DataArray, got {type(fct).__name__}")
    if member_dim not in fct.dims:
        raise ValueError(f"member_dim {member_dim!r} is not a dimension of fct (dims: {tuple(fct.dims)})")
    if isinstance(obs, xr.DataArray) and member_dim in obs.dims:
        raise ValueError(f"obs must not have the member dimension {member_dim!r}")
    return xr.apply_ufunc(
        lambda o, f: fn(o, f, axis=-1, **kwargs),
        obs,
        fct,
        input_core_dims=[[], [member_dim]],
        dask="parallelized",
        output_dtypes=[fct.dtype if fct.dtype.kind == "f" else "float64"],
    )


def crps_ensemble(obs: Any, fct: xr.DataArray, *, member_dim: str = "member", **kwargs: Any) -> xr.DataArray:
    """:func:`riskcore.crps_ensemble` over ``member_dim`` of a DataArray; obs and fct align and
    broadcast by dimension name; the result keeps the other dimensions and their coordinates.

    >>> import numpy as np
    >>> fct = xr.DataArray(np.random.default_rng(0).normal(size=(3, 10)), dims=("time", "member"),
    ...                    coords={"time": [1, 2, 3]})
    >>> crps_ensemble(xr.DataArray([0.0, 0.5, 1.0], dims="time"), fct).dims
    ('time',)
    """
    return _over_members(crps.crps_ensemble, obs, fct, member_dim, **kwargs)


def twcrps_ensemble(obs: Any, fct: xr.DataArray, *, member_dim: str = "member", **kwargs: Any) -> xr.DataArray:
    """:func:`riskcore.twcrps_ensemble` over ``member_dim`` (give ``threshold=`` or ``interval=``)."""
    return _over_members(crps.twcrps_ensemble, obs, fct, member_dim, **kwargs)
