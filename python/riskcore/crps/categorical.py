r"""Scores of probability forecasts of events and ordered categories: Brier, ranked probability and
threshold Brier scores (scoringrules 0.10 / properscoring names). Elementwise NumPy: no per-forecast loop."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _arrays, _validate

__all__ = ["brier_score", "rps_score", "threshold_brier_score"]


def _binary(obs: Any, name: str = "obs") -> np.ndarray:
    y = _validate.real_array(obs, name)
    bad = ~np.isnan(y) & (y != 0) & (y != 1) if y.dtype.kind == "f" else (y != 0) & (y != 1)
    if bool(np.any(bad)):
        raise ValueError(f"{name} must be 0, 1 or NaN")
    return y


@_validate.returns_pandas
def brier_score(obs: ArrayLike, fct: ArrayLike) -> Any:
    r"""Brier score of the probability ``fct`` of a binary event ``obs`` (0 or 1; NaN gives NaN).

    .. math:: \mathrm{BS}(p, y) = (p - y)^2

    References
    ----------
    Brier (1950), Mon. Wea. Rev. 78.

    Examples
    --------
    >>> import riskcore
    >>> float(riskcore.brier_score(1, 0.75))
    0.0625
    """
    p = _validate.real_array(fct, "fct", low=0.0, high=1.0, allow_nan=True)
    y = _binary(obs)
    _arrays.broadcast_shape({"obs": y.shape, "fct": p.shape})
    out = (p - y) ** 2
    return out[()] if out.ndim == 0 else out


@_validate.returns_pandas
def rps_score(obs: ArrayLike, fct: ArrayLike, *, axis: int = -1, onehot: bool = False) -> Any:
    r"""Ranked probability score of a forecast over K ordered categories.

    .. math:: \mathrm{RPS}(p, y) = \sum_{k=1}^{K} \Big(\sum_{j \le k} p_j - \mathbf 1\{y \le k\}\Big)^2

    Parameters
    ----------
    obs : array_like
        The category that occurs, numbered 1..K as in scoringrules (broadcast against ``fct``
        without ``axis``), or with ``onehot=True`` an array of 0s and 1s shaped like ``fct``.
    fct : array_like, categories along ``axis``
        Probabilities in [0, 1] (they are not renormalised).

    References
    ----------
    Epstein (1969), J. Appl. Meteor. 8.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.rps_score(3, [0.1, 0.2, 0.3, 0.4])), 6)
    0.26
    """
    p = _validate.real_array(fct, "fct", low=0.0, high=1.0, allow_nan=True)
    ax = _arrays.normalize_axis(axis, p.ndim, "fct")
    fct_shape, p = p.shape, np.moveaxis(p, ax, -1)
    k = p.shape[-1]
    if k == 0:
        raise ValueError(f"fct has no categories along axis {axis}")
    if _validate.flag(onehot, "onehot"):
        y = _binary(obs)
        if y.shape != fct_shape:
            raise ValueError(f"obs must have fct's shape {fct_shape} with onehot=True, got {y.shape}")
        observed = np.cumsum(np.moveaxis(y, ax, -1), axis=-1)
    else:
        cat = _validate.real_array(obs, "obs")
        _arrays.broadcast_shape({"obs": cat.shape, "fct without its category axis": p.shape[:-1]})
        bad = ((cat != np.floor(cat)) | (cat < 1) | (cat > k)) & ~np.isnan(cat)
        if bool(np.any(bad)):
            raise ValueError(f"obs must be a category in 1..{k} (or NaN)")
        observed = np.where(np.isnan(cat[..., None]), np.nan, (np.arange(1, k + 1) >= cat[..., None]).astype(float))
    out = ((np.cumsum(p, axis=-1) - observed) ** 2).sum(axis=-1)
    return out[()] if out.ndim == 0 else out


@_validate.returns_pandas
def threshold_brier_score(obs: ArrayLike, fct: ArrayLike, threshold: ArrayLike, *, axis: int = -1) -> Any:
    r"""Brier score of the event :math:`\{Y \le t\}` with the ensemble's probability, per threshold.

    .. math:: \mathrm{TBS}(F_m, y; t) = \big(F_m(t) - \mathbf 1\{y \le t\}\big)^2, \qquad
              \int \mathrm{TBS}\,dt = \mathrm{CRPS}(F_m, y).

    NaN members are left out (properscoring's convention); a NaN observation gives NaN.

    Parameters
    ----------
    threshold : scalar or 1-d array_like, sorted
        With a 1-d ``threshold`` the result has a last axis of thresholds.

    References
    ----------
    Gneiting & Ranjan (2011), J. Bus. Econ. Stat. 29.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.threshold_brier_score(0.5, [0.0, 1.0, 2.0], 1.0)), 6)
    0.111111
    """
    t = _validate.real_array(threshold, "threshold", ndim=(0, 1), allow_nan=False)
    if t.ndim == 1 and bool(np.any(np.diff(t) < 0)):
        raise ValueError("threshold must be sorted")
    x = _validate.real_array(fct, "fct")
    ax = _arrays.normalize_axis(axis, x.ndim, "fct")
    x = np.moveaxis(x, ax, -1)
    y = _validate.real_array(obs, "obs")
    _arrays.broadcast_shape({"obs": y.shape, "fct without its member axis": x.shape[:-1]})
    tt = t.reshape((1,) * (x.ndim - 1) + (-1,))
    valid = (~np.isnan(x)).sum(axis=-1)[..., None]
    below = np.zeros((*x.shape[:-1], t.size), dtype=np.int64)
    for j, v in enumerate(t.reshape(-1)):
        below[..., j] = (x <= v).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = below / valid
    event = np.where(np.isnan(y[..., None]), np.nan, (y[..., None] <= tt).astype(float))
    out = (prob - event) ** 2
    if t.ndim == 0:
        out = out[..., 0]
    return out[()] if out.ndim == 0 else out
