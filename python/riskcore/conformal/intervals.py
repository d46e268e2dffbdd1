"""Intervals for outcomes from a regression model's predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore.conformal._checks import _bounds
from riskcore.conformal.mean import batch_mean_bound
from riskcore.conformal.quantiles import batch_quantile_bound, simultaneous_bound
from riskcore.conformal.selection import _selection_inputs


def _residuals(cal_outcomes, cal_predictions, test_predictions):
    pred, y, test = _selection_inputs(cal_predictions, cal_outcomes, test_predictions)
    return y - pred, test


def batch_mean_interval(
    cal_outcomes: ArrayLike,
    cal_predictions: ArrayLike,
    test_predictions: ArrayLike,
    alpha: float,
    *,
    residual_bounds: tuple[float, float],
    method: str = "auto",
    seed: int | None = None,
    backend: str = "auto",
) -> tuple[Any, Any]:
    r"""Interval for the mean of the m test outcomes: with signed residuals :math:`s = y - \hat\mu`
    in the known range ``residual_bounds``, :math:`\bar Y = \bar{\hat\mu} + \bar s` and
    :math:`\bar s \in [L, U]` (two-sided :func:`batch_mean_bound` with ``method`` and ``seed``),
    jointly with prob. >= 1 - alpha.

    >>> cal = np.linspace(0, 1, 101); lo, hi = batch_mean_interval(cal + 0.1 * np.cos(cal * 40), cal,
    ...     [0.2, 0.4, 0.6, 0.8], 0.1, residual_bounds=(-0.2, 0.2), seed=0)
    >>> round(lo, 4), round(hi, 4)
    (np.float64(0.4521), np.float64(0.551))
    """
    residuals, test = _residuals(cal_outcomes, cal_predictions, test_predictions)
    _bounds(residual_bounds, np.sort(residuals), True, "residual_bounds", "residuals cal_outcomes - cal_predictions")
    lower, upper = batch_mean_bound(
        residuals, test.size, alpha, side="two-sided", bounds=residual_bounds, method=method, seed=seed,
        backend=backend,
    )  # fmt: skip
    return test.mean() + lower, test.mean() + upper


def simultaneous_intervals(
    cal_outcomes: ArrayLike, cal_predictions: ArrayLike, test_predictions: ArrayLike, alpha: float
) -> tuple[np.ndarray, np.ndarray]:
    r"""Intervals :math:`\hat\mu_j \pm q` covering all m test outcomes at once, q the simultaneous
    bound of the absolute residuals :math:`|y - \hat\mu|` (infinite when n is too small).

    >>> cal = np.linspace(0, 1, 200); lo, hi = simultaneous_intervals(cal + 0.1 * np.sin(cal * 50), cal, [0.5], 0.1)
    >>> round(float(hi[0] - lo[0]), 4)
    0.1967
    """
    residuals, test = _residuals(cal_outcomes, cal_predictions, test_predictions)
    q = simultaneous_bound(np.abs(residuals), test.size, alpha)
    return test - q, test + q


def batch_residual_quantile_band(
    cal_outcomes: ArrayLike,
    cal_predictions: ArrayLike,
    test_predictions: ArrayLike,
    alpha: float,
    *,
    k: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Band :math:`[\hat\mu_j + L, \hat\mu_j + U]` with :math:`[L, U]` a two-sided bound on the k-th
    smallest test residual :math:`y - \hat\mu` (default k = ceil(m/2): the batch median). With
    probability >= 1 - alpha at least m - k + 1 outcomes lie above their lower edge and at least k
    below their upper edge (for the median: half the batch on each side).

    >>> cal = np.linspace(0, 1, 101); lo, hi = batch_residual_quantile_band(cal + 0.1 * np.cos(cal * 40), cal,
    ...     [0.2, 0.4], 0.1)
    >>> (hi - lo).round(4).tolist()
    [0.1804, 0.1804]
    """
    residuals, test = _residuals(cal_outcomes, cal_predictions, test_predictions)
    m = test.size
    k = (m + 1) // 2 if k is None else k
    lower, upper = batch_quantile_bound(residuals, m, k, alpha, side="two-sided")
    return test + lower, test + upper
