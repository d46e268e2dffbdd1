r"""Weighted CRPS of ensembles with a weight function w(z) (Allen, Ginsbourger & Ziegel 2023):
outcome-weighted and vertically re-scaled CRPS (scoringrules 0.10 names). Both reduce to the weighted
ensemble CRPS kernel with member weights :math:`w(x_i)`; ``w_func`` is evaluated once on the members
and once on the observations (its output is the only array made)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _arrays, _crps_args, _validate
from riskcore.crps.ensemble import crps_ensemble

__all__ = ["owcrps_ensemble", "vrcrps_ensemble"]


def _weights(
    w_func: Callable[[Any], Any], obs: Any, fct: Any, axis: int, weights: Any
) -> tuple[Any, Any, Any, Any, int]:
    """y, x, v, w(y), axis with v_i = omega_i w(x_i): the weight function's values at the members times
    the member weights omega (scaled to mean 1 along the member axis; all ones without ``weights``)."""
    _validate.function(w_func, "w_func")
    y = _validate.real_array(obs, "obs")
    x = _validate.real_array(fct, "fct")
    ax = _arrays.normalize_axis(axis, x.ndim, "fct")
    wx = _validate.weight_values(w_func(x), "w_func(fct)", x.shape)
    wy = _validate.weight_values(w_func(y), "w_func(obs)", y.shape)
    if weights is not None:
        wx = wx * _member_weights(weights, x.shape, ax)
    return y, x, wx, wy, ax


def _member_weights(weights: Any, shape: tuple[int, ...], ax: int) -> Any:
    """Member weights read as :func:`riskcore.crps_ensemble` reads them, scaled to mean 1 along the member
    axis (divided by their largest first, so weights near the float64 maximum do not overflow)."""
    w = _crps_args.member_weights(np, weights, shape, ax).astype(np.float64)
    w = w / w.max(axis=ax, keepdims=True)
    return w * (shape[ax] / w.sum(axis=ax, keepdims=True))


def _weighted_nrg(y: Any, x: Any, wx: Any, ax: int, backend: str) -> tuple[Any, Any]:
    """Weighted nrg CRPS with member weights wx (NaN where they sum to 0) and mean(w(x))."""
    wbar = wx.mean(axis=ax)
    safe = np.where(np.expand_dims(wbar, ax) > 0, wx, 1.0)
    score = crps_ensemble(y, x, axis=ax, weights=safe, backend=backend)
    return np.where(wbar > 0, score, np.nan), wbar


def owcrps_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    w_func: Callable[[Any], Any],
    axis: int = -1,
    weights: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""Outcome-weighted CRPS of an ensemble.

    .. math:: \mathrm{owCRPS} = \frac{w(y)}{\bar w} \frac1m \sum_i |x_i - y| w(x_i)
              - \frac{w(y)}{2 \bar w^2 m^2} \sum_{i,j} |x_i - x_j| w(x_i) w(x_j),
              \qquad \bar w = \frac1m \sum_i w(x_i),

    i.e. :math:`w(y)` times the weighted ensemble CRPS with member weights :math:`w(x_i)`. NaN where
    every member has weight 0. With member weights :math:`\omega_i` (``weights``) every
    :math:`\frac1m \sum_i` becomes :math:`\sum_i \omega_i / \sum_j \omega_j` (scoringrules' ``ens_w``).

    Parameters
    ----------
    w_func : callable
        Non-negative weight function, applied elementwise to arrays (booleans are read as 0/1).
    weights : array_like, optional
        Member weights, read as :func:`riskcore.crps_ensemble` reads them: (m,) along ``axis`` or
        broadcastable to ``fct``, non-negative, finite and not all 0 for a forecast.

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11; Holzmann & Klar (2017), Ann. Appl. Stat. 11.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.owcrps_ensemble(0.5, [0.0, 1.0, 2.0], w_func=lambda z: (z >= 0.5) * 1.0)), 6)
    0.75
    """
    y, x, wx, wy, ax = _weights(w_func, obs, fct, axis, weights)
    score, _ = _weighted_nrg(y, x, wx, ax, backend)
    out = np.asarray(wy * score)
    return out[()] if out.ndim == 0 else out


def vrcrps_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    w_func: Callable[[Any], Any],
    axis: int = -1,
    weights: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""Vertically re-scaled CRPS of an ensemble.

    .. math:: \mathrm{vrCRPS} = \frac1m \sum_i |x_i - y| w(x_i) w(y)
              - \frac{1}{2m^2} \sum_{i,j} |x_i - x_j| w(x_i) w(x_j)
              + \Big(\frac1m \sum_i |x_i| w(x_i) - |y| w(y)\Big)\Big(\bar w - w(y)\Big)

    computed from the weighted ensemble CRPS (member weights :math:`w(x_i)`) and two weighted sums.
    With member weights :math:`\omega_i` (``weights``) every :math:`\frac1m \sum_i` becomes
    :math:`\sum_i \omega_i / \sum_j \omega_j`.

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.vrcrps_ensemble(0.5, [0.0, 1.0, 2.0], w_func=lambda z: (z >= 0.5) * 1.0)), 6)
    0.388889
    """
    y, x, wx, wy, ax = _weights(w_func, obs, fct, axis, weights)
    score, wbar = _weighted_nrg(y, x, wx, ax, backend)
    ys = np.expand_dims(y, ax) if y.ndim == x.ndim - 1 else y
    to_obs = (np.abs(x - ys) * wx).mean(axis=ax)  # wbar * A of the weighted score
    half_spread = np.where(wbar > 0, wbar * to_obs - wbar**2 * np.nan_to_num(score), 0.0)  # (1/2m^2) sum|.|ww
    first = wy * to_obs
    third = ((np.abs(x) * wx).mean(axis=ax) - np.abs(y) * wy) * (wbar - wy)
    out = np.asarray(first - half_spread + third)
    return out[()] if out.ndim == 0 else out
