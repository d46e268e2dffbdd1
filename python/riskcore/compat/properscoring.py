r"""properscoring 0.1's public functions with its exact signatures and conventions, computed by riskcore,
so that code written against properscoring (xskillscore, climpred) switches by changing one import::

    import riskcore.compat.properscoring as properscoring

Conventions kept from properscoring (they differ from :func:`riskcore.crps_ensemble`'s):

- ``crps_ensemble`` is the plug-in (``nrg``) estimator; NaN members are skipped (a forecast with no
  member left gives NaN); ``forecasts`` of the same shape as ``observations`` are deterministic
  forecasts (the score is ``|y - x|``); ``weights`` must have the shape of ``forecasts``; zero-sum
  weights give NaN; ``issorted`` is accepted and ignored (riskcore sorts 8 rows at a time anyway).
- ``crps_gaussian(x, mu, sig, grad=True)`` returns ``(crps, np.array([d/dmu, d/dsig]))``.
- ``crps_quadrature`` integrates :math:`(F - H)^2` numerically (scipy's ``quad``; scipy is needed, as
  by properscoring itself) and raises ValueError when the bounds clip the CDF by more than ``tol``.
- ``threshold_brier_score`` takes one threshold or a sorted 1-d array of thresholds (last axis of the
  result); ``brier_score`` takes observations in {0, 1, NaN}.

>>> import riskcore.compat.properscoring as ps
>>> round(float(ps.crps_ensemble(0.5, [0.0, 1.0, 2.0])), 6)
0.388889
>>> crps, grad = ps.crps_gaussian(0.5, 0.0, 1.0, grad=True)
>>> round(float(crps), 6), grad.round(6).tolist()
(0.331404, [-0.382925, 0.139941])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import riskcore
from riskcore import _arrays, _validate

__all__ = ["brier_score", "crps_ensemble", "crps_gaussian", "crps_quadrature", "threshold_brier_score"]


def crps_ensemble(
    observations: Any, forecasts: Any, weights: Any = None, issorted: bool = False, axis: int = -1
) -> Any:
    """properscoring.crps_ensemble: plug-in CRPS, NaN members skipped, same-shape forecasts deterministic."""
    del issorted  # a hint properscoring uses to skip its sort; riskcore's sort needs none
    obs = _validate.real_array(observations, "observations")
    fct = _validate.real_array(forecasts, "forecasts")
    ax = _arrays.normalize_axis(axis, max(fct.ndim, 1), "forecasts") if fct.ndim else 0
    if fct.ndim:
        fct = np.moveaxis(fct, ax, -1)
    if weights is not None:
        w = np.moveaxis(_validate.real_array(weights, "weights"), ax, -1)
        if w.shape != fct.shape:
            raise ValueError("forecasts and weights must have the same shape")
    if obs.shape not in (fct.shape, fct.shape[:-1]):
        raise ValueError(
            f"observations and forecasts must have matching shapes or matching shapes except along `axis={axis}`"
        )
    if obs.shape == fct.shape:
        if weights is not None:
            raise ValueError("cannot supply weights unless you also supply an ensemble forecast")
        return abs(obs - fct)
    if weights is None:
        return riskcore.crps_ensemble(obs, fct, nan_policy="omit")
    w = np.where(np.isnan(fct), 0.0, w)  # properscoring ignores the weight of a NaN member
    empty = ~(w > 0).any(axis=-1)
    if empty.any():  # zero-sum weights: NaN (properscoring's 0/0), the other forecasts scored as usual
        out = np.full(np.broadcast_shapes(obs.shape, fct.shape[:-1]), np.nan)
        rows = ~empty
        out[rows] = riskcore.crps_ensemble(
            np.broadcast_to(obs, out.shape)[rows], fct[rows], weights=w[rows], nan_policy="omit"
        )
        return out[()] if out.ndim == 0 else out
    return riskcore.crps_ensemble(obs, fct, weights=w, nan_policy="omit")


def crps_gaussian(x: Any, mu: Any, sig: Any, grad: bool = False) -> Any:
    r"""properscoring.crps_gaussian; with ``grad=True`` also ``np.array([1 - 2\Phi(z), 2\varphi(z) - 1/\sqrt\pi])``."""
    crps = riskcore.crps_normal(x, mu, sig)
    if not grad:
        return crps
    z = (np.asarray(x, dtype=float) - np.asarray(mu, dtype=float)) / np.asarray(sig, dtype=float)
    cdf = 0.5 * _erfc(-z / math.sqrt(2.0))
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    return crps, np.array([1.0 - 2.0 * cdf, 2.0 * pdf - 1.0 / math.sqrt(math.pi)])


def _erfc(v: np.ndarray) -> np.ndarray:
    from scipy import special

    return special.erfc(v)


def _quadrature_single(x: float, cdf: Any, xmin: float | None, xmax: float | None, tol: float | None) -> float:
    from scipy import integrate, stats

    if xmin is None or xmax is None:

        class _FromCDF(stats.rv_continuous):
            def _cdf(self, v):
                return cdf(v)

        xmin, xmax = _FromCDF().ppf(1e-7), _FromCDF().ppf(1.0 - 1e-7)
    if tol is not None and (cdf(xmin) >= tol or cdf(xmax) <= 1.0 - tol):
        side = "lower" if cdf(xmin) >= tol else "upper"
        raise ValueError(
            f"CDF does not meet tolerance requirements at {side} extreme(s)! Consider using function "
            "defaults or using infinities at the bounds."
        )
    below, below_err = integrate.quad(lambda v: cdf(v) ** 2, xmin, x)
    above, above_err = integrate.quad(lambda v: (1.0 - cdf(v)) ** 2, x, xmax)
    if tol is not None and max(below_err, above_err) >= 0.5 * tol:
        raise ValueError(f"the integral did not evaluate to within tol={tol}; consider infinite bounds")
    return below + above


def crps_quadrature(x: Any, cdf_or_dist: Any, xmin: Any = None, xmax: Any = None, tol: float | None = 1e-6) -> Any:
    """properscoring.crps_quadrature: CRPS of ``cdf_or_dist`` (a callable CDF or an object with ``.cdf``)
    by numerical quadrature of (F - H)^2 between xmin and xmax (found from the CDF when not given)."""
    cdf = getattr(cdf_or_dist, "cdf", cdf_or_dist)
    if not callable(cdf):
        raise TypeError("cdf_or_dist must be a callable CDF or have a .cdf method")
    return np.vectorize(lambda v, lo, hi: _quadrature_single(v, cdf, lo, hi, tol), otypes=[float])(x, xmin, xmax)


def threshold_brier_score(
    observations: Any, forecasts: Any, threshold: Any, issorted: bool = False, axis: int = -1
) -> Any:
    """properscoring.threshold_brier_score (see :func:`riskcore.threshold_brier_score`)."""
    del issorted
    fct = _validate.real_array(forecasts, "forecasts")
    obs = _validate.real_array(observations, "observations")
    if fct.ndim and axis != -1:
        fct = np.moveaxis(fct, axis, -1)
    if fct.shape == obs.shape:
        fct = fct[..., None]
    if obs.shape != fct.shape[:-1]:
        raise ValueError(
            f"observations and forecasts must have matching shapes or matching shapes except along `axis={axis}`"
        )
    return riskcore.threshold_brier_score(obs, fct, threshold)


def brier_score(observations: Any, forecasts: Any) -> Any:
    """properscoring.brier_score: (p - y)^2 for y in {0, 1, NaN} and p in [0, 1]."""
    return riskcore.brier_score(observations, forecasts)
