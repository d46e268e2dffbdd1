"""Order-statistic bounds: the k-th smallest, the largest (simultaneous) and two quantiles jointly."""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _conformal_laws as laws
from riskcore import _validate as v
from riskcore.conformal._checks import _bounds, _nmk, _padded, _pair_args, _scores, _side, _two_sided

MAX_PAIR_WORK = 4 * 10**8  # (n + 1)**2 steps of two_quantile_bounds (about a minute)


def _quantile_upper(scores: np.ndarray, m: int, k: int, alpha: float, a: float, b: float) -> Any:
    n = scores.shape[-1]
    r_star = laws.upper_slot(n, m, k, alpha)
    return _padded(scores, a, b)[..., r_star][()]


def batch_quantile_bound(
    cal_scores: ArrayLike,
    m: int,
    k: int,
    alpha: float,
    *,
    side: str = "upper",
    bounds: tuple[float, float] | None = None,
) -> Any:
    r"""Bound on the k-th smallest of m test scores (k = ceil(m/2): the batch median).

    Upper: :math:`S_{(r^*)}` with :math:`r^* = \min\{r : P(R_{(k)} \le r) \ge 1 - \alpha\}`
    (:math:`r^* = n + 1` gives the pad b). Lower: the same on the negated scores, i.e.
    :math:`S_{(r_{lo} - 1)}` with :math:`r_{lo} = \max\{r : P(R_{(k)} \ge r) \ge 1 - \alpha\}`.

    Parameters
    ----------
    cal_scores : array_like, shape (n,) or (problems, n)
    m : int >= 1, the batch size
    k : int in 1..m
    alpha : float in (0, 1)
    side : {"upper", "lower", "two-sided"}
    bounds : (a, b), optional -- known score range used as the pads (default -inf, +inf)

    Returns
    -------
    float, or array (problems,); for ``"two-sided"`` a pair (or array (problems, 2))

    >>> batch_quantile_bound(np.arange(1.0, 20.0), m=5, k=3, alpha=0.1)
    np.float64(16.0)
    """
    scores = _scores(cal_scores)
    _, m, k = _nmk(scores.shape[-1], m, k)
    alpha, side = v.probability(alpha, "alpha"), _side(side)
    a, b = _bounds(bounds, scores)
    if side == "two-sided":
        return _two_sided(batch_quantile_bound, alpha, scores, m, k, bounds=(a, b) if bounds else None)
    if side == "lower":
        return -_quantile_upper(-scores[..., ::-1], m, m + 1 - k, alpha, -b, -a)
    return _quantile_upper(scores, m, k, alpha, a, b)


def simultaneous_bound(
    cal_scores: ArrayLike, m: int, alpha: float, *, side: str = "upper", bounds: tuple[float, float] | None = None
) -> Any:
    """Bound holding for all m test scores at once (k = m: the maximum; lower: the minimum).

    >>> simultaneous_bound(np.arange(1.0, 100.0), m=10, alpha=0.1)
    np.float64(99.0)
    """
    m = v.integer(m, "m", low=1)
    k = 1 if side == "lower" else m
    if side == "two-sided":
        lower = batch_quantile_bound(cal_scores, m, 1, v.probability(alpha, "alpha") / 2, side="lower", bounds=bounds)
        upper = batch_quantile_bound(cal_scores, m, m, alpha / 2, side="upper", bounds=bounds)
        return np.stack([lower, upper], axis=-1) if np.ndim(lower) else (lower, upper)
    return batch_quantile_bound(cal_scores, m, k, alpha, side=side, bounds=bounds)


@functools.lru_cache(maxsize=64)
def _two_quantile_slots(n: int, m: int, k1: int, k2: int, alpha: float) -> tuple[int, int]:
    """The data-free pair (lo, hi) of :func:`two_quantile_bounds` (cached per arguments)."""
    upper_cdf = laws.order_statistic_cdf(n, m, k2)  # P(R_(k2) <= hi), hi = 1..n+1
    lower_cdf = laws.order_statistic_cdf(n, m, k1)  # P(R_(k1) <= lo)
    total = math.comb(n + m, m)
    joint = np.zeros(n + 1)  # P(R_(k1) <= lo, R_(k2) <= hi) for the current lo, hi = 1..n+1
    best: tuple[int, float, int, int] | None = None
    for lo in range(0, n + 1):
        if lo > 0:
            joint += np.cumsum(laws.pair_pmf_row(n, m, k1, k2, lo))
        coverage = upper_cdf[lo:] - joint[lo:]  # hi = lo + 1..n+1 (hi = lo covers nothing)
        i = laws.first_reaching(
            np.maximum.accumulate(coverage),
            alpha,
            lambda i, lo=lo: laws.pair_coverage_count(n, m, k1, k2, lo, lo + 1 + i),
            total,
        )
        if i == coverage.size:
            continue
        hi = lo + 1 + i
        tail_balance = abs((lower_cdf[lo - 1] if lo else 0.0) - (1.0 - upper_cdf[hi - 1]))
        key = (hi - lo, round(tail_balance, 12), lo, hi)
        if best is None or key < best:
            best = key
    if best is None:  # cannot happen: lo = 0, hi = n + 1 has coverage 1
        raise AssertionError("no valid (lo, hi)")
    return best[2], best[3]


def two_quantile_bounds(
    cal_scores: ArrayLike, m: int, k1: int, k2: int, alpha: float, *, bounds: tuple[float, float] | None = None
) -> tuple[Any, Any]:
    r"""Joint set :math:`[S_{(lo)}, S_{(hi)}]` containing the k1-th and k2-th smallest test scores
    (k1 < k2) together: :math:`P(lo < R_{(k1)},\ R_{(k2)} \le hi) \ge 1 - \alpha`, from the exact joint
    law of the two order statistics.

    The pair (lo, hi) depends on (n, m, k1, k2, alpha) only -- never on the scores, which would break
    validity: the smallest rank width hi - lo among the valid pairs; ties go to the most symmetric tails
    (smallest :math:`|P(R_{(k1)} \le lo) - P(R_{(k2)} > hi)|`), then the smallest lo. Slot 0 and n + 1 are
    the pads (``bounds``, default -inf/+inf). O(n^2) time (refused beyond 4e8 steps), O(n) memory;
    atoms are decided with exact integer counts. Returns (lower, upper) for one calibration set.

    >>> two_quantile_bounds(np.arange(1.0, 200.0), m=8, k1=2, k2=6, alpha=0.1)
    (np.float64(8.0), np.float64(177.0))
    """
    scores = _scores(cal_scores, ndim=(1,))
    n = scores.size
    _, m, k1, k2 = _pair_args(n, m, k1, k2)
    alpha = v.probability(alpha, "alpha")
    a, b = _bounds(bounds, scores)
    v.limit("(n + 1)**2 steps of the joint law", (n + 1) ** 2, MAX_PAIR_WORK, "use fewer calibration points")
    lo, hi = _two_quantile_slots(n, m, k1, k2, alpha)
    padded = _padded(scores, a, b)
    return padded[lo], padded[hi]
