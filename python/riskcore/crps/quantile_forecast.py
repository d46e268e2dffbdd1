r"""CRPS of a forecast given by its quantiles (scoringrules 0.10's ``crps_quantile``): twice the mean
pinball loss over the levels, the quadrature of :math:`\mathrm{CRPS} = 2\int_0^1 \mathrm{QS}_\alpha\,d\alpha`
(Berrisch & Ziel 2023). Array-API code on the caller's arrays (NumPy or CuPy)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _arrays, _validate

__all__ = ["crps_quantile"]


def crps_quantile(obs: ArrayLike, fct: ArrayLike, alpha: ArrayLike, *, axis: int = -1) -> Any:
    r"""CRPS from the quantiles ``fct`` at levels ``alpha`` (along ``axis``, K of them):

    .. math:: \frac 2K \sum_{k=1}^K \big(\mathbf 1\{y < q_k\} - \alpha_k\big)(q_k - y)

    Parameters
    ----------
    obs : array_like, broadcastable to ``fct`` without ``axis``
    fct : array_like, quantiles along ``axis``
    alpha : array_like of shape (K,), levels in (0, 1)

    References
    ----------
    Berrisch & Ziel (2023), J. Econometrics 237, 105221.

    >>> import riskcore
    >>> round(float(riskcore.crps_quantile(0.3, [-1.0, 0.0, 1.0], [0.25, 0.5, 0.75])), 6)
    0.433333
    """
    xp = _arrays.namespace(obs, fct)
    y = _validate.real_array(obs, "obs", xp=xp)
    q = _validate.real_array(fct, "fct", xp=xp)
    if q.ndim == 0:
        raise ValueError("fct must have a quantile axis, got a 0-d array")
    ax = _arrays.normalize_axis(axis, q.ndim, "fct")
    a = _validate.real_array(alpha, "alpha", low=0.0, high=1.0, interval="()", allow_nan=False)
    if a.ndim != 1 or a.shape[0] != q.shape[ax]:
        raise ValueError(
            f"alpha must have one level per quantile ({q.shape[ax]} along axis {axis}), got shape {a.shape}"
        )
    q = xp.moveaxis(q, ax, -1)
    levels = xp.asarray(a, dtype=np.float64)
    diff = q - y[..., None]
    out = 2.0 * (((diff > 0) * 1.0 - levels) * diff).mean(axis=-1)
    dtype = _arrays.result_dtype(obs, fct)
    out = out.astype(dtype)
    return out[()] if out.ndim == 0 else out
