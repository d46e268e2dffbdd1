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
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _conformal_laws as laws
from riskcore import _validate as v
from riskcore._backend import implementation, resolve

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

SIDES = ("upper", "lower", "two-sided")


# ----------------------------------------------------------------------------------------- checks
def _side(side: Any) -> str:
    return v.choice(side, "side", SIDES)


def _bounds(bounds: Any, scores: np.ndarray, required: bool = False) -> tuple[float, float]:
    if bounds is None:
        if required:
            raise ValueError(
                "bounds=(a, b) is required for the batch mean: with an unbounded score range the "
                "multiset {1, ..., 1, n+1} is in the level set and the upper bound is +inf for every data set"
            )
        return -np.inf, np.inf
    if isinstance(bounds, (str, bytes)) or np.ndim(bounds) != 1 or len(bounds) != 2:
        raise TypeError(f"bounds must be a pair of numbers (a, b), got {bounds!r}")
    a = v.real(bounds[0], "bounds[0]", allow_inf=True)
    b = v.real(bounds[1], "bounds[1]", allow_inf=True)
    if not a < b:
        raise ValueError(f"bounds must satisfy a < b, got {bounds}")
    if scores.size and (scores.min() < a or scores.max() > b):
        raise ValueError(f"cal_scores must lie within bounds {bounds}")
    return a, b


def _scores(cal_scores: ArrayLike, name: str = "cal_scores", ndim: tuple[int, ...] = (1, 2)) -> np.ndarray:
    """Calibration scores as float64 (n,) or (P, n), non-empty, no NaN, sorted along the last axis."""
    scores = v.real_array(cal_scores, name, ndim=ndim, allow_nan=False)
    if scores.shape[-1] == 0:
        raise ValueError(f"{name} is empty: need at least one calibration score")
    return np.sort(scores.astype(np.float64), axis=-1)


def _size(n: int, m: int) -> None:
    """Refuse (n, m) whose order-statistic law would not fit (n + m log-factorials)."""
    v.limit("n + m", n + m, laws.MAX_ORDER_STATISTIC_SIZE, "the exact order-statistic law needs n + m log-factorials")


def _padded(sorted_scores: np.ndarray, a: float, b: float) -> np.ndarray:
    """[S_(0) = a, S_(1), ..., S_(n), S_(n+1) = b] along the last axis."""
    pad_shape = (*sorted_scores.shape[:-1], 1)
    return np.concatenate([np.full(pad_shape, a), sorted_scores, np.full(pad_shape, b)], axis=-1)


def _two_sided(fn: Callable[..., Any], alpha: float, *args: Any, **kwargs: Any) -> Any:
    lower = fn(*args, alpha=alpha / 2, side="lower", **kwargs)
    upper = fn(*args, alpha=alpha / 2, side="upper", **kwargs)
    return np.stack([lower, upper], axis=-1) if np.ndim(lower) else (lower, upper)


# ------------------------------------------------------------------------------------------- laws
MAX_JOINT_ENTRIES = 10**8  # entries of slot_order_statistics_joint_pmf (0.8 GB)
MAX_PAIR_WORK = 4 * 10**8  # (n + 1)**2 steps of two_quantile_bounds (about a minute)


def _nmk(n: Any, m: Any, k: Any) -> tuple[int, int, int]:
    n, m = v.integer(n, "n", low=1), v.integer(m, "m", low=1)
    k = v.integer(k, "k", low=1, high=m)
    _size(n, m)
    return n, m, k


def _pair_args(n: Any, m: Any, k1: Any, k2: Any) -> tuple[int, int, int, int]:
    n, m = v.integer(n, "n", low=1), v.integer(m, "m", low=2)
    k1 = v.integer(k1, "k1", low=1, high=m - 1)
    k2 = v.integer(k2, "k2", low=k1 + 1, high=m)
    _size(n, m)
    return n, m, k1, k2


def _nm_sum(n: Any, m: Any) -> tuple[int, int]:
    n, m = v.integer(n, "n", low=1), v.integer(m, "m", low=1)
    v.limit(
        "m * n (support of the slot-sum law)",
        m * n,
        laws.MAX_SUM_SUPPORT,
        "use fewer calibration points or a smaller batch",
    )
    return n, m


def slot_order_statistic_pmf(n: int, m: int, k: int) -> np.ndarray:
    r"""Exact law of the k-th smallest test slot: :math:`P(R_{(k)} = r)`, r = 1..n+1, shape (n+1,).

    .. math:: P(R_{(k)} = r) = \binom{r+k-2}{k-1}\binom{n+m-r-k+1}{m-k} \Big/ \binom{n+m}{m}

    >>> slot_order_statistic_pmf(2, 1, 1).round(4).tolist()
    [0.3333, 0.3333, 0.3333]
    """
    n, m, k = _nmk(n, m, k)
    return laws.order_statistic_pmf(n, m, k)


def slot_order_statistic_cdf(n: int, m: int, k: int) -> np.ndarray:
    """P(R_(k) <= r) for r = 1..n+1, shape (n+1,).

    >>> slot_order_statistic_cdf(2, 1, 1).round(4).tolist()
    [0.3333, 0.6667, 1.0]
    """
    n, m, k = _nmk(n, m, k)
    return laws.order_statistic_cdf(n, m, k)


def slot_order_statistics_joint_pmf(n: int, m: int, k1: int, k2: int) -> np.ndarray:
    r"""Joint law of the k1-th and k2-th smallest test slots (k1 < k2), shape (n+1, n+1), entry
    [r1 - 1, r2 - 1] = :math:`P(R_{(k1)} = r_1, R_{(k2)} = r_2)` (zero below the diagonal):

    .. math:: \binom{r_1+k_1-2}{k_1-1}\binom{r_2-r_1+k_2-k_1-1}{k_2-k_1-1}\binom{n+m-r_2-k_2+1}{m-k_2}
              \Big/ \binom{n+m}{m}

    O(n^2) memory: refused (MemoryError) beyond MAX_JOINT_ENTRIES = 1e8 entries (n about 10,000);
    :func:`two_quantile_bounds` works row by row.

    >>> slot_order_statistics_joint_pmf(1, 2, 1, 2).round(4).tolist()
    [[0.3333, 0.3333], [0.0, 0.3333]]
    """
    n, m, k1, k2 = _pair_args(n, m, k1, k2)
    v.limit(
        "(n + 1)**2 entries of the joint law",
        (n + 1) ** 2,
        MAX_JOINT_ENTRIES,
        "use two_quantile_bounds (row by row, O(n) memory) or fewer calibration points",
        memory=True,
    )
    return np.stack([laws.pair_pmf_row(n, m, k1, k2, r1) for r1 in range(1, n + 2)])


def slot_sum_pmf(n: int, m: int) -> np.ndarray:
    """Exact law of the slot sum T = R_1 + ... + R_m: P(T = t) for t = m..m(n+1), shape (mn+1,).

    T - m has the null law of the Mann-Whitney U statistic with group sizes (m, n).

    >>> (slot_sum_pmf(6, 3)[:3] * 84).round(6).tolist()
    [1.0, 1.0, 2.0]
    """
    return laws.slot_sum_pmf(*_nm_sum(n, m))


def slot_sum_cdf(n: int, m: int) -> np.ndarray:
    """P(T <= t) for t = m..m(n+1), shape (mn+1,).

    >>> round(float(slot_sum_cdf(6, 3)[8 - 3]), 6)  # P(T <= 8) = 16/84
    0.190476
    """
    return laws.slot_sum_cdf(*_nm_sum(n, m))


def slot_sum_quantile(n: int, m: int, level: float) -> int:
    """min{t : P(T <= t) >= level}, from the exact law (accurate in the upper tail).

    >>> slot_sum_quantile(6, 3, 0.9)
    17
    """
    level = v.probability(level, "level")
    return laws.slot_sum_quantile(*_nm_sum(n, m), 1 - laws.exact_level(level))


# ---------------------------------------------------------------------------------- order statistics
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


def coverage_fraction_bound(
    cal_scores: ArrayLike,
    m: int,
    delta: float,
    alpha: float,
    *,
    bounds: tuple[float, float] | None = None,
) -> Any:
    r"""PAC bound U: with probability >= 1 - alpha, at least :math:`k = \lceil (1-\delta) m \rceil` of the
    m test scores lie at or below U. It is :func:`batch_quantile_bound` for the k-th smallest test score
    (k of them are at most the k-th smallest); delta = 0 is the simultaneous bound.

    >>> coverage_fraction_bound(np.arange(1.0, 200.0), m=20, delta=0.1, alpha=0.1)
    np.float64(190.0)
    """
    m = v.integer(m, "m", low=1)
    delta = v.real(delta, "delta", low=0.0, high=1.0, interval="[)")
    k = max(1, math.ceil((1 - laws.exact_level(delta)) * m))
    return batch_quantile_bound(cal_scores, m, k, alpha, bounds=bounds)


def covariate_shift_subsample(likelihood_ratios: ArrayLike, ratio_bound: float, seed: int) -> np.ndarray:
    r"""Indices of an exchangeable-with-the-test subsample of the calibration points under covariate
    shift, by rejection sampling: point i is kept with probability :math:`w_i / B`, where
    :math:`w(x) = dP_{test}/dP_{cal}(x)` is the known likelihood ratio and B >= sup w a bound fixed in
    advance (``ratio_bound``; not the sample maximum, which would make acceptance depend on the data).
    Kept points are i.i.d. from the test law, so any bound of this module computed on them is valid
    for the test batch (the authors' counterfactual experiments). Seeded: the same seed keeps the same
    points.

    >>> covariate_shift_subsample([0.5, 2.0, 1.0, 0.0], ratio_bound=2.0, seed=1).tolist()
    [1, 2]
    """
    w = v.real_array(likelihood_ratios, "likelihood_ratios", ndim=(1,), allow_nan=False, allow_inf=False, low=0.0)
    bound = v.real(ratio_bound, "ratio_bound", low=0.0, interval="(]")
    if w.size and float(w.max()) > bound:
        raise ValueError(f"likelihood_ratios must be <= ratio_bound = {bound}, got {float(w.max())}")
    u = np.random.default_rng(v.seed(seed)).uniform(size=w.size)
    return np.nonzero(u * bound < w)[0]


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


# -------------------------------------------------------------------------------------------- mean
def _values(scores: np.ndarray, b: float, g: Callable[[np.ndarray], np.ndarray] | None) -> np.ndarray:
    """v_r = g(S_(r)), r = 1..n+1 (with the pad b), checked non-decreasing."""
    padded = np.concatenate([scores, np.full((*scores.shape[:-1], 1), b)], axis=-1)
    values = padded if g is None else np.asarray(g(padded), dtype=np.float64)
    if values.shape != padded.shape:
        raise ValueError(f"g must map an array to an array of the same shape, got {values.shape}")
    if not np.isfinite(values).all():
        raise ValueError("g(bounds) and g(cal_scores) must be finite")
    if (np.diff(values, axis=-1) < 0).any():
        raise ValueError("g must be non-decreasing on the scores and bounds")
    return values


def _mean_problems(cal_scores, m, alpha, side, g, bounds):
    """Validated, broadcast inputs of the batch-mean bounds: sorted (P, n) scores, m and alpha (P,)."""
    scores = _scores(cal_scores)
    single = scores.ndim == 1
    scores = np.atleast_2d(scores)
    problems = scores.shape[0]
    checked = max(problems, 1)  # scalars are checked even for an empty batch
    ms = np.array([v.integer(x, "m", low=1) for x in _per_problem(m, "m", checked, "iu")], dtype=np.int64)
    alphas = np.array([v.probability(x, "alpha") for x in _per_problem(alpha, "alpha", checked, "iuf")])
    ms, alphas = ms[:problems], alphas[:problems]
    a, b = _bounds(bounds, scores, required=True)
    n = scores.shape[-1]
    for mm in ms.tolist():
        _nm_sum(n, mm)
    return scores, ms, alphas, _side(side), a, b, single


def _per_problem(value: Any, name: str, problems: int, kinds: str) -> list:
    """A scalar or a 1-d array of ``problems`` values, as a list of Python scalars."""
    if np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        return [value] * problems
    array = np.asarray(value) if not isinstance(value, np.ndarray) else value
    if array.dtype.kind not in kinds or array.ndim > 1:
        raise TypeError(
            f"{name} must be a scalar or a 1-d array of numbers, got {array.dtype} with shape {array.shape}"
        )
    try:
        return np.broadcast_to(array, (problems,)).tolist()
    except ValueError:
        raise ValueError(f"{name} of shape {array.shape} does not broadcast to the {problems} problems") from None


def _negate(g):
    return None if g is None else (lambda x: -np.asarray(g(-x)))


def _mean_bound(solver, cal_scores, m, alpha, side, g, bounds, backend, method=None):
    """Upper bounds by ``solver(scores, ms, alphas, (a, b), g, backend, sign)``; lower bounds as minus the
    upper bounds of the mirrored problem (negated scores, sign = -1)."""
    scores, ms, alphas, side, a, b, single = _mean_problems(cal_scores, m, alpha, side, g, bounds)
    if ms.size == 0:  # an empty batch of problems
        return np.empty((0, 2) if side == "two-sided" else (0,))

    def upper(level):
        return solver(scores, ms, level, (a, b), g, backend, 1)

    def lower(level):
        return -solver(-scores[:, ::-1], ms, level, (-b, -a), _negate(g), backend, -1)

    if side == "two-sided":
        result = np.stack([lower(alphas / 2), upper(alphas / 2)], axis=-1)
    else:
        result = lower(alphas) if side == "lower" else upper(alphas)
    if not single:
        return result
    if side == "two-sided":
        return tuple(MeanBound(x, method) for x in result[0]) if method else tuple(result[0])
    return MeanBound(result[0], method) if method else result[0]


MAX_DP_WORK = 10**12  # max-add steps of one DP (about two minutes on two cores)


def _knapsack_solver(scores, ms, alphas, pads, g, backend, sign):
    del sign
    b = pads[1]
    values = _values(scores, b, g)
    n = scores.shape[-1]
    # t* is at least the median m (n + 2) / 2 of the slot sum: refuse hopeless sizes before any law
    m_max = int(ms.max())
    hopeless = m_max * (m_max * (n + 2) // 2) * (n + 1) > MAX_DP_WORK
    t_max = np.array(
        [
            mm * (n + 2) // 2 if hopeless else laws.slot_sum_quantile(n, mm, al)
            for mm, al in zip(ms.tolist(), alphas, strict=True)
        ]
    )
    v.limit(
        "the exact DP's max-add steps (m t* (n+1))",
        max(int(mm) * int(t) for mm, t in zip(ms, t_max, strict=True)) * (n + 1),
        MAX_DP_WORK,
        "use batch_mean_bound_relaxed (O(n), valid, slightly wider) or fewer calibration points",
    )
    name = resolve(backend)
    sums = implementation("knapsack_max_sums", name)(list(values), ms, t_max.astype(np.int64))
    return np.asarray(sums) / ms


def _lagrangian_solver(scores, ms, alphas, pads, g, backend, sign):
    del backend, sign  # O(n) per problem in NumPy
    b = pads[1]
    values = _values(scores, b, g)
    n = scores.shape[-1]
    out = np.empty(len(ms))
    for p, (mm, al) in enumerate(zip(ms, alphas, strict=True)):
        t_star = laws.slot_sum_quantile(n, int(mm), al)
        out[p] = _lagrangian_max_sum(values[p], int(mm), t_star) / mm
    return out


def _lagrangian_max_sum(v: np.ndarray, m: int, t_star: int) -> float:
    """min over lambda >= 0 of lambda t* + m max_r (v_r - lambda r): the minimum of this convex
    piecewise-linear function is at lambda = 0 or at a slope of the upper hull of (r, v_r)."""
    r = np.arange(1, v.size + 1, dtype=np.float64)
    hull: list[int] = []  # upper convex hull, monotone chain over increasing r
    for i in range(v.size):
        while len(hull) >= 2:
            i1, i2 = hull[-2], hull[-1]
            if (v[i2] - v[i1]) * (r[i] - r[i1]) <= (v[i] - v[i1]) * (r[i2] - r[i1]):
                hull.pop()
            else:
                break
        hull.append(i)
    slopes = np.diff(v[hull]) / np.diff(r[hull]) if len(hull) > 1 else np.array([])
    lambdas = np.concatenate([[0.0], slopes[slopes > 0]])
    objective = lambdas * t_star + m * np.max(v[None, :] - lambdas[:, None] * r[None, :], axis=1)
    return float(objective.min())


class MeanBound(np.float64):
    """A batch-mean bound (a NumPy float) that names the method that made it: ``bound.method``."""

    method: str

    def __new__(cls, value: float, method: str) -> MeanBound:
        self = super().__new__(cls, value)
        self.method = method
        return self


MEAN_METHODS = ("auto", "dp", "partition")
ORDERINGS = ("rank-sum", "quantile")
QUANTILE_LEVELS = 20  # K: h takes the values 0..K
DEFAULT_PILOT = 0.25  # fraction of the calibration points held out to build h


def mean_bound_method(n: int, m: int, alpha: float) -> str:
    """The method ``batch_mean_bound(method="auto")`` uses for (n, m, alpha) -- never the data.

    From the simulation table in :func:`batch_mean_bound`: the partition bound once it has
    K = floor(n/m) batches with ceil((1-alpha)(K+1)) <= K and K >= 8; else the quantile ordering when
    n >= 5m; else the rank-sum DP.

    >>> mean_bound_method(2000, 100, 0.1), mean_bound_method(40, 8, 0.1), mean_bound_method(10, 8, 0.1)
    ('partition', 'quantile', 'rank-sum')
    """
    n, m = v.integer(n, "n", low=1), v.integer(m, "m", low=1)
    alpha = v.probability(alpha, "alpha")
    batches = n // m
    if batches >= 8 and math.ceil((1 - laws.exact_level(alpha)) * (batches + 1)) <= batches:
        return "partition"
    if n >= 5 * m:
        return "quantile"
    return "rank-sum"


def _quantile_h(pilot: np.ndarray, slots: int, a: float, b: float, levels: int) -> np.ndarray:
    """h(r) = round(K (F_pilot^-1(r / slots) - a) / (b - a)) for r = 1..slots - 1, h(slots) = K."""
    q = np.quantile(pilot, np.arange(1, slots) / slots)
    h = np.rint(levels * (np.clip(q, a, b) - a) / (b - a)).astype(np.int64)
    return np.concatenate([np.maximum.accumulate(h), [levels]])


def _weighted_max_sum(values: np.ndarray, h: np.ndarray, m: int, q: int) -> float:
    """max of sum_{r in M} values[r-1] over multisets M of m slots with sum_{r in M} h(r) <= q; within
    one h-level only its largest value matters (values non-decreasing: the last slot of the level)."""
    last = np.r_[np.nonzero(np.diff(h))[0], h.size - 1]
    weights, best = h[last], values[last]
    table = np.full(q + 1, -np.inf)
    table[0] = 0.0
    for _ in range(m):
        nxt = np.full(q + 1, -np.inf)
        for w, val in zip(weights.tolist(), best.tolist(), strict=True):
            if w <= q:
                np.maximum(nxt[w:], table[: q + 1 - w] + val, out=nxt[w:])
        table = nxt
    return float(table.max())


def _ordering_solver(ordering, pilot, seed, levels=QUANTILE_LEVELS):
    """Solver for a rank-weighted ordering G_h: "quantile" (h from a pilot) or a user's h array."""

    def solve(scores, ms, alphas, pads, g, backend, sign):
        del backend
        a, b = pads
        out = np.empty(len(ms))
        rng = np.random.default_rng(0 if seed is None else v.seed(seed))
        for p, (m, alpha) in enumerate(zip(ms.tolist(), alphas.tolist(), strict=True)):
            cal = scores[p]
            if isinstance(ordering, str):  # "quantile": h from held-out points
                if isinstance(pilot, np.ndarray):
                    held = sign * pilot
                else:
                    held_out = np.zeros(cal.size, dtype=bool)
                    held_out[rng.choice(cal.size, size=pilot_size(pilot, cal.size), replace=False)] = True
                    held, cal = cal[held_out], cal[~held_out]
                h = _quantile_h(held, cal.size + 1, a, b, levels)
            else:
                h = ordering if sign == 1 else ordering[-1] - ordering[::-1]
                if h.size != cal.size + 1:
                    raise ValueError(f"ordering h must have n + 1 = {cal.size + 1} entries, got {h.size}")
            values = _values(cal[None], b, g)[0]
            q = laws.weighted_sum_quantile(h, m, alpha)
            out[p] = _weighted_max_sum(values, h, m, q) / m
        return out

    return solve


def pilot_size(pilot: Any, n: int) -> int:
    """The number of held-out points: an int k in 1..n-1 or a fraction in (0, 1) of n (at least 1)."""
    if isinstance(pilot, float):
        fraction = v.probability(pilot, "pilot")
        return min(max(1, round(fraction * n)), n - 1) if n > 1 else _no_pilot(n)
    return v.integer(pilot, "pilot", low=1, high=max(n - 1, 1)) if n > 1 else _no_pilot(n)


def _no_pilot(n: int) -> int:
    raise ValueError(f"the quantile ordering holds calibration points out for its pilot: need n >= 2, got {n}")


def _partition_solver(seed):
    def solve(scores, ms, alphas, pads, g, backend, sign):
        del backend, sign
        b = pads[1]

        def stat(x):
            return np.mean(x if g is None else np.asarray(g(x), dtype=np.float64), axis=1)

        rng = np.random.default_rng(0 if seed is None else v.seed(seed))
        out = np.empty(len(ms))
        for p, (m, alpha) in enumerate(zip(ms.tolist(), alphas.tolist(), strict=True)):
            draw = int(rng.integers(0, 2**63))
            out[p] = partition_bound(scores[p], m, alpha, stat=stat, seed=draw, bounds=(scores[p, 0], b))
        return out

    return solve


def batch_mean_bound(
    cal_scores: ArrayLike,
    m: ArrayLike,
    alpha: ArrayLike,
    *,
    side: str = "upper",
    g: Callable[[np.ndarray], np.ndarray] | None = None,
    bounds: tuple[float, float] | None = None,
    method: str = "auto",
    ordering: str | ArrayLike = "rank-sum",
    pilot: int | float | ArrayLike | None = None,
    seed: int | None = None,
    backend: str = "auto",
) -> Any:
    r"""Bound on the mean of m test scores (or of g(score) for a non-decreasing g).

    **Rank orderings** (``method="dp"``). For a non-decreasing integer h on slots 1..n+1 fixed
    independently of the calibration and test points, :math:`G_h = \sum_j h(R_j)` has an exact,
    data-free law (uniform multiset of slots: a DP over (slots used, sum) with exact counts), q_h its
    1 - alpha quantile, and

    .. math:: \frac1m \sum_j g(S_{n+j}) \le \frac1m \max\Big\{\sum_{r \in M} g(S_{(r)}) :
              |M| = m,\ \textstyle\sum_{r \in M} h(r) \le q_h\Big\}

    with probability at least 1 - alpha. Proof: (1) the slot multiset {R_j} is uniform over the
    multisets whatever the score law, and h does not depend on the scores used, so P(G_h(R) <= q_h)
    >= 1 - alpha; (2) S_{n+j} <= S_(R_j) and g is non-decreasing; (3) on {G_h(R) <= q_h} the multiset
    {R_j} is feasible for the maximum, so the mean is at most the bound; (4) a pilot held out of the
    calibration set leaves the other n - k points and the test batch exchangeable given the pilot, so
    (1)-(3) hold conditionally on h, hence unconditionally.

    - ``ordering="rank-sum"``: h(r) = r (the slot sum T, Mann-Whitney law), the knapsack DP over
      (count, slot sum) in O(m t* n) (the hot kernel: C++ threads + SIMD, CUDA, Numba; refused beyond
      1e12 steps: use :func:`batch_mean_bound_relaxed`). The maximiser can put about m/2 test slots at
      the pad b, so the bound over-covers (coverage near 1) and sits near the midpoint of [S_(1), b].
    - ``ordering="quantile"``: h(r) = round(K (F_pilot^{-1}(r/(n'+1)) - a)/(b - a)) on K = 20 levels
      (h(n'+1) = K), F_pilot the empirical law of ``pilot`` held-out scores: ``pilot=k`` (int) or a
      fraction (default 0.25) of the calibration points drawn at random (``seed``), or an array of
      held-out scores from elsewhere. The bound uses the remaining n' points.
    - ``ordering=h``: an integer array of n + 1 non-decreasing values (fixed before seeing the data).

    **Partition** (``method="partition"``): :func:`partition_bound` of the mean of g (seeded).

    **Auto** (default): chosen from (n, m, alpha) only by :func:`mean_bound_method`, from this table
    of average 90% upper bounds measured by simulation (alpha = .1, 10 seeds, ``bounds=(0, 1)``;
    beta(2,5) / beta(.5,3) / uniform scores; every coverage >= 0.8, the nominal 0.9 within noise):

    ========== ================== ================== ==================
    n / m      rank-sum           quantile           partition
    ========== ================== ================== ==================
    40 / 8     .656 / .627 / .726 .525 / .489 / .790 1 / 1 / 1 (K = 5)
    200 / 20   .590 / .560 / .625 .407 / .282 / .661 .358 / .211 / .610
    2000 / 100 (too slow)         .356 / .210 / .576 .309 / .166 / .536
    ========== ================== ================== ==================

    The partition bound wins once it has enough batches; below that the quantile ordering wins on
    skewed laws by far and loses a little on the uniform law, and with n < 5m the pilot is too small.

    The scalar result is a :class:`MeanBound` (a NumPy float) whose ``method`` names the method used
    ("rank-sum", "quantile", "h" or "partition").

    Parameters
    ----------
    cal_scores : array_like, shape (n,) or (problems, n) -- many calibration sets in one call
    m, alpha : int and float, or arrays of shape (problems,)
    side : {"upper", "lower", "two-sided"}
    g : callable, optional -- non-decreasing transform applied to the padded order statistics
    bounds : (a, b) -- required: the known range of the scores (see the module notes)
    method : {"auto", "dp", "partition"}
    ordering : {"rank-sum", "quantile"} or integer array (n + 1,) -- the ordering of ``method="dp"``
    pilot : int, float or array, optional -- the held-out points of ``ordering="quantile"``
    seed : int, optional -- the pilot draw and the partition order (None: seed 0, reproducible)
    backend : {"auto", "cpu", "cuda", "numba"} -- for the rank-sum DP

    Returns
    -------
    MeanBound (or a pair); arrays of shape (problems,) / (problems, 2) for a batch

    >>> b = batch_mean_bound(np.linspace(0, 1, 50), m=10, alpha=0.1, bounds=(0, 1), method="dp")
    >>> round(float(b), 6), b.method
    (0.642857, 'rank-sum')
    """
    method = v.choice(method, "method", MEAN_METHODS)
    if isinstance(ordering, str):
        ordering = v.choice(ordering, "ordering", ORDERINGS)
    else:
        ordering = np.asarray(v.real_array(ordering, "ordering", ndim=(1,), nonempty=True, allow_nan=False))
        if ordering.dtype.kind not in "iu" or (np.diff(ordering) < 0).any() or ordering[0] < 0:
            raise ValueError("ordering h must be a non-decreasing array of non-negative integers")
        ordering = ordering.astype(np.int64)
    if pilot is not None and not isinstance(pilot, (int, float, np.integer)):
        pilot = np.asarray(v.real_array(pilot, "pilot", ndim=(1,), nonempty=True, allow_nan=False), dtype=float)
    elif pilot is None:
        pilot = DEFAULT_PILOT
    if method == "auto":
        scores, ms, alphas, *_ = _mean_problems(cal_scores, m, alpha, side, g, bounds)
        n = scores.shape[-1]
        chosen = {mean_bound_method(n, mm, al) for mm, al in zip(ms.tolist(), alphas.tolist(), strict=True)}
        if len(chosen) > 1:
            raise ValueError(
                f"method='auto' picks {sorted(chosen)} for these problems: call once per method "
                "(see mean_bound_method) or name the method"
            )
        method, ordering = {"partition": ("partition", ordering), "quantile": ("dp", "quantile")}.get(
            chosen.pop() if chosen else "rank-sum", ("dp", "rank-sum")
        )
    if method == "partition":
        return _mean_bound(_partition_solver(seed), cal_scores, m, alpha, side, g, bounds, backend, "partition")
    if isinstance(ordering, str) and ordering == "rank-sum":
        return _mean_bound(_knapsack_solver, cal_scores, m, alpha, side, g, bounds, backend, "rank-sum")
    name = ordering if isinstance(ordering, str) else "h"
    solver = _ordering_solver(ordering, pilot, seed)
    return _mean_bound(solver, cal_scores, m, alpha, side, g, bounds, backend, name)


def batch_mean_bound_relaxed(
    cal_scores: ArrayLike,
    m: ArrayLike,
    alpha: ArrayLike,
    *,
    side: str = "upper",
    g: Callable[[np.ndarray], np.ndarray] | None = None,
    bounds: tuple[float, float] | None = None,
) -> Any:
    r"""O(n) Lagrangian relaxation of :func:`batch_mean_bound`:

    .. math:: \frac1m \min_{\lambda \ge 0}\Big[\lambda t^* + m \max_r \big(g(S_{(r)}) - \lambda r\big)\Big]

    By weak duality it is at least the exact DP bound (so still valid), and usually close to it.

    >>> round(float(batch_mean_bound_relaxed(np.linspace(0, 1, 50), m=10, alpha=0.1, bounds=(0, 1))), 6)
    0.642857
    """
    return _mean_bound(_lagrangian_solver, cal_scores, m, alpha, side, g, bounds, None)


# -------------------------------------------------------------------------------------- baselines
def bonferroni_bound(cal_scores: ArrayLike, m: int, alpha: float, *, bounds: tuple[float, float] | None = None) -> Any:
    r"""Split conformal at level alpha/m for each test point: :math:`S_{(\lceil (n+1)(1-\alpha/m)\rceil)}`
    bounds every one of the m test scores (union bound), hence their maximum and their mean.

    >>> bonferroni_bound(np.arange(1.0, 100.0), m=10, alpha=0.1)
    np.float64(99.0)
    """
    scores = _scores(cal_scores)
    m, alpha = v.integer(m, "m", low=1), v.probability(alpha, "alpha")
    a, b = _bounds(bounds, scores)
    n = scores.shape[-1]
    r = math.ceil((n + 1) * (1 - laws.exact_level(alpha) / m))  # exact: ties at atoms decided in rationals
    return _padded(scores, a, b)[..., min(r, n + 1)][()]


def split_calibration_bound(
    cal_scores: ArrayLike,
    m: int,
    alpha: float,
    *,
    statistic: str = "max",
    bounds: tuple[float, float] | None = None,
) -> float:
    r"""Calibration splitting: the n scores (in the given order) form m disjoint groups of
    :math:`\lfloor n/m \rfloor`; test point j gets the split-conformal bound of group j at level
    :math:`1 - (1-\alpha)^{1/m}`, and the m events are independent, so all hold with probability
    >= 1 - alpha. Returns the bound for the ``"max"`` or the ``"mean"`` of the test scores.

    >>> split_calibration_bound(np.arange(1.0, 201.0), m=4, alpha=0.2)
    np.float64(199.0)
    """
    _scores(cal_scores, ndim=(1,))  # checks only: the groups keep the given order
    scores = np.asarray(v.real_array(cal_scores, "cal_scores"), dtype=np.float64)
    statistic = v.choice(statistic, "statistic", ("max", "mean"))
    m, alpha = v.integer(m, "m", low=1), v.probability(alpha, "alpha")
    a, b = _bounds(bounds, scores)
    size = scores.size // m
    if size == 0:
        return np.float64(b)
    # r = min{r : (r / (size + 1))**m >= 1 - alpha}, exact in rationals around the float estimate
    r = max(1, math.ceil((size + 1) * (1 - alpha) ** (1 / m)) - 1)
    while r <= size and Fraction(r, size + 1) ** m < 1 - laws.exact_level(alpha):
        r += 1
    groups = np.sort(scores[: size * m].reshape(m, size), axis=1)
    per_point = _padded(groups, a, b)[:, min(r, size + 1)]
    return per_point.max() if statistic == "max" else per_point.mean()


PARTITION_STATS: dict[str, Callable[..., np.ndarray]] = {"mean": np.mean, "median": np.median, "max": np.max}


def partition_bound(
    cal_scores: ArrayLike,
    m: int,
    alpha: float,
    *,
    stat: str | Callable[[np.ndarray], np.ndarray] = "mean",
    seed: int | None = None,
    bounds: tuple[float, float] | None = None,
) -> Any:
    r"""Partition baseline: split the n calibration scores in a seeded random order into
    :math:`K = \lfloor n/m \rfloor` disjoint batches of m, compute the statistic of each, and bound the
    test batch's statistic by the :math:`\lceil (1-\alpha)(K+1) \rceil`-th smallest of the K values.

    Valid under exchangeability alone: the K calibration batches and the test batch are K + 1
    exchangeable batches, so the test statistic is among the r smallest of the K + 1 with probability
    >= r / (K + 1) >= 1 - alpha. When r > K the bound is the pad: the statistic of m copies of b
    (``bounds``, default +inf; for a callable that needs it to be non-decreasing in each score). For the
    mean it is the tightest known valid method once n/m >= 10 (see :func:`batch_mean_bound`).

    Parameters
    ----------
    cal_scores : array_like, shape (n,)
    m : int >= 1, the batch size
    alpha : float in (0, 1)
    stat : {"mean", "median", "max"} or callable mapping an array (K, m) to (K,) (row statistics)
    seed : int in [0, 2**64), optional -- the random order (None: seed 0, so results are reproducible;
        any fixed order is valid, being independent of the scores)
    bounds : (a, b), optional

    >>> float(partition_bound(np.linspace(0, 1, 2000), m=100, alpha=0.1, seed=0, bounds=(0, 1)))  # doctest: +ELLIPSIS
    0.54...
    """
    raw = v.real_array(cal_scores, "cal_scores", ndim=(1,), nonempty=True, allow_nan=False)
    m, alpha = v.integer(m, "m", low=1), v.probability(alpha, "alpha")
    _, b = _bounds(bounds, np.sort(raw.astype(np.float64)))
    if isinstance(stat, str):
        function = PARTITION_STATS[v.choice(stat, "stat", tuple(PARTITION_STATS))]
        statistic = lambda x: function(x, axis=1)  # noqa: E731
    elif callable(stat):
        statistic = stat
    else:
        raise TypeError(f"stat must be one of {tuple(PARTITION_STATS)} or a callable, got {type(stat).__name__}")
    rng = np.random.default_rng(0 if seed is None else v.seed(seed))
    batches = raw.size // m
    r = math.ceil((1 - laws.exact_level(alpha)) * (batches + 1))
    if r > batches:
        return np.float64(np.asarray(statistic(np.full((1, m), b)), dtype=np.float64).reshape(-1)[0])
    order = rng.permutation(raw.size)[: batches * m]
    values = np.asarray(statistic(raw[order].astype(np.float64).reshape(batches, m)), dtype=np.float64)
    if values.shape != (batches,):
        raise ValueError(f"stat must map an array (K, m) to shape (K,), got {values.shape}")
    return np.partition(values, r - 1)[r - 1]


@dataclass(frozen=True)
class BaselineComparison:
    """Bounds on the max and the mean of m test scores: exact versus the two baselines.

    ``*_width`` is the two-sided width (upper - lower) at the same level, so the gain reads directly.
    """

    max_exact: float
    max_bonferroni: float
    max_split: float
    mean_exact: float
    mean_bonferroni: float
    mean_split: float
    mean_partition: float
    max_width_exact: float
    max_width_bonferroni: float
    mean_width_exact: float
    mean_width_bonferroni: float


def compare_with_baselines(
    cal_scores: ArrayLike, m: int, alpha: float, *, bounds: tuple[float, float], seed: int | None = 0
) -> BaselineComparison:
    """Upper bounds and two-sided widths for the max and the mean of m test scores from the exact
    laws, Bonferroni split conformal, calibration splitting and the partition bound (seeded by ``seed``)
    (one calibration set, known bounds).

    >>> c = compare_with_baselines(np.linspace(0, 1, 1001), m=20, alpha=0.1, bounds=(0, 1))
    >>> bool(c.mean_width_exact < c.mean_width_bonferroni)
    True
    """
    scores = np.asarray(v.real_array(cal_scores, "cal_scores", ndim=(1,), allow_nan=False), dtype=np.float64)
    m, alpha = v.integer(m, "m", low=1), v.probability(alpha, "alpha")
    bounds = _bounds(bounds, np.sort(scores), required=True)

    def bonferroni_two_sided() -> tuple[float, float]:
        return -float(bonferroni_bound(-scores, m, alpha / 2, bounds=(-bounds[1], -bounds[0]))), float(
            bonferroni_bound(scores, m, alpha / 2, bounds=bounds)
        )

    max_lo, max_hi = simultaneous_bound(scores, m, alpha, side="two-sided", bounds=bounds)
    mean_lo, mean_hi = batch_mean_bound(scores, m, alpha, side="two-sided", bounds=bounds, method="dp")
    bonf_lo, bonf_hi = bonferroni_two_sided()
    return BaselineComparison(
        max_exact=float(simultaneous_bound(scores, m, alpha, bounds=bounds)),
        max_bonferroni=float(bonferroni_bound(scores, m, alpha, bounds=bounds)),
        max_split=float(split_calibration_bound(scores, m, alpha, bounds=bounds)),
        mean_exact=float(batch_mean_bound(scores, m, alpha, bounds=bounds, method="dp")),
        mean_bonferroni=float(bonferroni_bound(scores, m, alpha, bounds=bounds)),
        mean_split=float(split_calibration_bound(scores, m, alpha, statistic="mean", bounds=bounds)),
        mean_partition=float(partition_bound(scores, m, alpha, seed=seed, bounds=bounds)),
        max_width_exact=float(max_hi - max_lo),
        max_width_bonferroni=bonf_hi - bonf_lo,
        mean_width_exact=float(mean_hi - mean_lo),
        mean_width_bonferroni=bonf_hi - bonf_lo,
    )


# ------------------------------------------------------------------------------------- selection
SELECTION_SCORES = ("null-restricted", "residual")


@dataclass(frozen=True)
class Selection:
    """Test points claimed to have outcome > threshold, with P(#false claims > k) <= alpha."""

    selected: np.ndarray  # indices into the test predictions
    score_bound: float  # q: at most k null test scores exceed it, with probability >= 1 - alpha
    lower_bounds: np.ndarray | None  # prediction - q for every test point (residual score only)
    k: int
    alpha: float
    score: str = "null-restricted"


def _selection_inputs(cal_predictions, cal_outcomes, test_predictions):
    pred = v.real_array(cal_predictions, "cal_predictions", ndim=(1,), allow_nan=False, allow_inf=False)
    outcomes = v.real_array(cal_outcomes, "cal_outcomes", ndim=(1,), allow_nan=False, allow_inf=False)
    if pred.shape != outcomes.shape:
        raise ValueError(f"cal_predictions {pred.shape} and cal_outcomes {outcomes.shape} must have equal shapes")
    if pred.size == 0:
        raise ValueError("cal_predictions is empty: need at least one calibration point")
    test = v.real_array(test_predictions, "test_predictions", nonempty=True, allow_nan=False, allow_inf=False)
    return pred.astype(np.float64), outcomes.astype(np.float64), test.astype(np.float64).reshape(-1)


def select_exceeding(
    cal_predictions: ArrayLike,
    cal_outcomes: ArrayLike,
    test_predictions: ArrayLike,
    threshold: float,
    k: int,
    alpha: float,
    *,
    score: str = "null-restricted",
    bounds: tuple[float, float] | None = None,
) -> Selection:
    r"""Claim :math:`Y_j > c` for test points, with :math:`P(\#\text{false claims} > k) \le \alpha`
    (k = 0: no false claim at all with probability >= 1 - alpha).

    ``score="null-restricted"`` (default, the authors' rule): calibration scores
    :math:`V_i = \hat\mu(X_i)` if :math:`Y_i \le c` and :math:`-\infty` (the lower pad ``bounds[0]``)
    otherwise -- a point can only look large when its outcome is not above c; this ranks like the
    authors' :math:`\hat\mu(x) 1\{y \le c\}` for non-negative predictions. With q the upper bound of the
    (m-k)-th smallest of the m test scores, claim every j with :math:`\hat\mu_j > q`. A false claim is a
    test point with :math:`Y_j \le c`, whose score is :math:`\hat\mu_j > q`; more than k of them put the
    (m-k)-th smallest test score above q, which has probability <= alpha (calibration and test scores
    are exchangeable).

    ``score="residual"``: :math:`s = \hat\mu - Y`, claim j when :math:`\hat\mu_j - q > c` (a false
    claim needs :math:`s_j > q`): valid too, with far less power (the residual of every calibration
    point counts, not just those that could be false claims).

    >>> cal_pred = np.linspace(0, 10, 200); cal_y = cal_pred + np.sin(np.arange(200))
    >>> select_exceeding(cal_pred, cal_y, [2.0, 8.0, 9.5], threshold=7.0, k=0, alpha=0.1).selected.tolist()
    [1, 2]
    """
    pred, outcomes, test = _selection_inputs(cal_predictions, cal_outcomes, test_predictions)
    threshold = v.real(threshold, "threshold")
    score = v.choice(score, "score", SELECTION_SCORES)
    m = test.size
    k = v.integer(k, "k", low=0, high=m - 1)
    alpha = v.probability(alpha, "alpha")
    if score == "residual":
        q = batch_quantile_bound(pred - outcomes, m, m - k, alpha, bounds=bounds)
        lower = test - q
        return Selection(np.nonzero(lower > threshold)[0], q, lower, k, alpha, score)
    floor = -np.inf if bounds is None else v.real(bounds[0], "bounds[0]", allow_inf=True)
    null_scores = np.where(outcomes <= threshold, pred, floor)
    q = batch_quantile_bound(null_scores, m, m - k, alpha, bounds=bounds)
    return Selection(np.nonzero(test > q)[0], q, None, k, alpha, score)


# ------------------------------------------------------------------------ intervals for outcomes
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
    lower, upper = batch_mean_bound(
        residuals, test.size, alpha, side="two-sided", bounds=residual_bounds, method=method, seed=seed, backend=backend
    )
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
