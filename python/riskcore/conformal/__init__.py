r"""Batch conformal prediction: distribution-free bounds for a function of a batch of m test scores.

Calibration scores :math:`S_1..S_n` and test scores :math:`S_{n+1..n+m}` are exchangeable. Sorting
the calibration scores, :math:`S_{(1)} \le \dots \le S_{(n)}`, padded with :math:`S_{(0)} = a` and
:math:`S_{(n+1)} = b` (``bounds=(a, b)``, default :math:`(-\infty, +\infty)`), test score j lies at or
below :math:`S_{(R_j)}`, and the multiset of slots :math:`\{R_j\}` is uniform over the
:math:`\binom{n+m}{m}` multisets of size m from 1..n+1 (not m independent slots). The bounds below are
quantiles of that exact law (see :mod:`riskcore._conformal_laws`), so they hold in finite samples:

- :func:`batch_quantile_bound` -- the k-th smallest test score (median: k = ceil(m/2));
- :func:`simultaneous_bound` -- the largest (all m scores at once);
- :func:`two_quantile_bounds` -- two order statistics jointly (e.g. the quartiles);
- :func:`batch_mean_bound` -- the mean of the test scores (or of g(score), g non-decreasing), by the
  knapsack DP; needs known score bounds; :func:`batch_mean_bound_relaxed` is its O(n) Lagrangian
  relaxation (wider, still valid);
- :func:`coverage_fraction_bound` -- at least a fraction 1 - delta of the m scores (PAC);
  :func:`covariate_shift_subsample` -- an exchangeable subsample under a known covariate shift;
- :func:`select_exceeding` -- claims "Y_j > c" with P(#false claims > k) <= alpha;
- :func:`bonferroni_bound`, :func:`split_calibration_bound`, :func:`partition_bound` -- the baselines,
  side by side with widths in :func:`compare_with_baselines`;
- :func:`batch_mean_interval`, :func:`simultaneous_intervals`, :func:`batch_residual_quantile_band`
  -- intervals for outcomes from a regression model's predictions.

``side="upper"`` (default) gives U with P(statistic <= U) >= 1 - alpha, ``"lower"`` gives L with
P(statistic >= L) >= 1 - alpha (the same law applied to the negated scores) and ``"two-sided"`` gives
(L, U) with alpha/2 on each side. When n is too small for the level, the bound is the pad (a, b or
+-inf): valid, documented, never an exception.

Modules: :mod:`~riskcore.conformal.laws`, :mod:`~riskcore.conformal.quantiles` (order statistics),
:mod:`~riskcore.conformal.pac`, :mod:`~riskcore.conformal.mean` (with :mod:`~riskcore.conformal.mean_dp`,
the knapsack DP, and :mod:`~riskcore.conformal.orderings`), :mod:`~riskcore.conformal.baselines`,
:mod:`~riskcore.conformal.comparison`, :mod:`~riskcore.conformal.selection` and
:mod:`~riskcore.conformal.intervals`.

>>> import numpy as np
>>> from riskcore import conformal
>>> b = conformal.batch_mean_bound(np.linspace(0, 1, 2000), m=100, alpha=0.1, bounds=(0, 1))
>>> b.method, round(float(b), 3)
('partition', 0.545)
"""

from __future__ import annotations

from riskcore.conformal.baselines import bonferroni_bound, partition_bound, split_calibration_bound
from riskcore.conformal.comparison import BaselineComparison, compare_with_baselines
from riskcore.conformal.intervals import batch_mean_interval, batch_residual_quantile_band, simultaneous_intervals
from riskcore.conformal.laws import (
    slot_order_statistic_cdf,
    slot_order_statistic_pmf,
    slot_order_statistics_joint_pmf,
    slot_sum_cdf,
    slot_sum_pmf,
    slot_sum_quantile,
)
from riskcore.conformal.mean import batch_mean_bound, batch_mean_bound_relaxed, mean_bound_method
from riskcore.conformal.mean_dp import MeanBound
from riskcore.conformal.pac import covariate_shift_subsample, coverage_fraction_bound
from riskcore.conformal.quantiles import batch_quantile_bound, simultaneous_bound, two_quantile_bounds
from riskcore.conformal.selection import Selection, select_exceeding

__all__ = [
    "BaselineComparison",
    "MeanBound",
    "Selection",
    "batch_mean_bound",
    "batch_mean_bound_relaxed",
    "batch_mean_interval",
    "batch_quantile_bound",
    "batch_residual_quantile_band",
    "bonferroni_bound",
    "compare_with_baselines",
    "covariate_shift_subsample",
    "coverage_fraction_bound",
    "mean_bound_method",
    "partition_bound",
    "select_exceeding",
    "simultaneous_bound",
    "simultaneous_intervals",
    "slot_order_statistic_cdf",
    "slot_order_statistic_pmf",
    "slot_order_statistics_joint_pmf",
    "slot_sum_cdf",
    "slot_sum_pmf",
    "slot_sum_quantile",
    "split_calibration_bound",
    "two_quantile_bounds",
]
