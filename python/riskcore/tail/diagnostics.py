r"""Diagnostics of importance weights: Pareto :math:`\hat k` (PSIS), the size of its tail, and the
messages that say what happened (too few events for k-hat, no event at all, a proposal equal to the
target, heavy tails).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _validate

__all__ = ["KHAT_MIN_TAIL", "KHAT_WARNING", "khat_tail_size", "pareto_khat"]

KHAT_WARNING = 0.7
KHAT_MIN_TAIL = 5  # fewer weights above the tail cutoff: k-hat is undefined (NaN)


def _gpd_shape(exceedances: np.ndarray) -> float:
    """Zhang & Stephens (2009) posterior-mean estimate of the generalised Pareto shape k from sorted
    exceedances, with the weakly informative prior of PSIS (Vehtari et al. 2024): k <- (n k + 5)/(n + 10)."""
    n = exceedances.size
    grid = 30 + int(math.sqrt(n))
    b = 1 - np.sqrt(grid / (np.arange(1, grid + 1) - 0.5))
    b = b / (3 * exceedances[int(n / 4 + 0.5) - 1]) + 1 / exceedances[-1]
    # k_j = mean_i log(1 - b_j x_i), a (grid, n) table built 16 rows at a time: whole it would be
    # 7% of the inputs' size at 1e7 samples (grid ~ sqrt(n) rows of n tail terms)
    k = np.concatenate([np.log1p(-b[j : j + 16, None] * exceedances).mean(axis=1) for j in range(0, grid, 16)])
    profile = n * (np.log(-b / k) - k - 1)
    # w_j = 1 / sum_i e^{profile_i - profile_j} (as PSIS writes it) = softmax(profile)_j: the same value
    # without the overflow of e^{profile_i - profile_j} when the profile spans more than ~709
    scaled = np.exp(profile - profile.max())
    weights = scaled / scaled.sum()
    keep = weights >= 10 * np.finfo(float).eps
    weights, b = weights[keep] / weights[keep].sum(), b[keep]
    k_post = np.log1p(-np.sum(b * weights) * exceedances).mean()
    return float((n * k_post + 10 * 0.5) / (n + 10))


def khat_tail_size(count: int) -> int:
    """M = ceil(min(0.2 S, 3 sqrt(S))): the k-hat fit uses the M largest of S weights (and the cutoff
    is the (M + 1)-th), so a shard need only keep its M + 1 largest for an exact merged k-hat.

    >>> khat_tail_size(10_000)
    300
    """
    count = _validate.integer(count, "count", low=0)
    return math.ceil(min(0.2 * count, 3 * math.sqrt(count)))


def khat_row(log_weights: np.ndarray, count: int | None = None) -> float:
    """k-hat of S = ``count`` finite log-weights, of which ``log_weights`` holds at least the M + 1
    largest; NaN (undefined) when fewer than KHAT_MIN_TAIL of them lie above the cutoff."""
    x = log_weights[np.isfinite(log_weights)]
    total = x.size if count is None else count
    if khat_tail_size(total) < KHAT_MIN_TAIL:
        return math.nan
    x = x - x.max()
    tail_size = khat_tail_size(total)
    rank = x.size - tail_size - 1 if tail_size < x.size else 0  # the (M+1)-th largest: O(S), no full sort
    raw_cutoff, floor = np.partition(x, rank)[rank], math.log(np.finfo(float).tiny)
    cutoff = max(raw_cutoff, floor)
    tail = np.sort(x[x > cutoff])
    if tail.size < KHAT_MIN_TAIL:
        # below the floor: a few weights exceed all others by more than 1e308, as heavy as tails get;
        # otherwise the largest weights are tied, with no tail to fit (arviz gives inf for both)
        return math.inf if raw_cutoff < floor else math.nan
    return _gpd_shape(np.exp(tail) - math.exp(cutoff))


_MIN_SAMPLES = next(s for s in range(1, 100) if khat_tail_size(s) >= KHAT_MIN_TAIL)  # 21


def pareto_khat(log_weights: ArrayLike) -> Any:
    r"""Pareto :math:`\hat k` of the largest importance weights (PSIS, Vehtari et al. 2024): a
    generalised Pareto fit to the :math:`M = \lceil\min(0.2 S, 3\sqrt S)\rceil` largest weights.
    k < 0.5 good, 0.5-0.7 usable, > 0.7 unreliable. -inf log-weights are ignored. k-hat is undefined
    (NaN) when fewer than 5 weights lie above the cutoff: below S = 21 finite weights (M < 5), or when
    the largest are tied (constant weights: a proposal equal to the target). arviz's ``psislw`` gives
    inf there, which reads as "heavy-tailed"; elsewhere the two agree (inf when a few weights exceed
    the cutoff by more than 1e308). Shape (S,) -> float; (queries,
    S) -> array.

    >>> rng = np.random.default_rng(0)
    >>> bool(pareto_khat(rng.normal(size=4000)) < 0.5), bool(pareto_khat(rng.standard_cauchy(4000) * 10) > 0.7)
    (True, True)
    >>> pareto_khat([0.0, 1.0, 2.0]), pareto_khat(np.zeros(1000))
    (nan, nan)
    """
    lw = _validate.real_array(log_weights, "log_weights", ndim=(1, 2), allow_nan=False).astype(np.float64, copy=False)
    if np.isposinf(lw).any():
        raise ValueError("log_weights must be numbers or -inf, got +inf")
    return khat_row(lw) if lw.ndim == 1 else np.array([khat_row(row) for row in lw])


def describe(
    events: np.ndarray, khat: np.ndarray, lw_max: np.ndarray, lw_min: np.ndarray, self_normalised: bool
) -> list[str]:
    """The messages of a result: one per situation, naming the queries (flat indices) it concerns."""
    messages = []

    def where(mask: np.ndarray) -> str:
        idx = np.flatnonzero(mask)
        return "" if mask.size == 1 else f" (problems {idx[:10].tolist()}{' ...' if idx.size > 10 else ''})"

    none = events == 0
    if none.any():
        messages.append(
            "no event sample" + where(none) + ": the estimate is 0 and ci_high is the one-sided exact bound "
            "(1 - (1 - confidence)^(1/N)) * max weight, valid when no weight on the event exceeds the largest "
            "weight seen (brute force: the rule of three)"
        )
    undefined = (events > 0) & np.isnan(khat)
    if undefined.any():
        messages.append(
            "k-hat is undefined (NaN)" + where(undefined) + f": its fit needs at least {KHAT_MIN_TAIL} weights "
            f"above the tail cutoff, so at least {_MIN_SAMPLES} non-zero terms whose largest are not all tied "
            "(fewer event samples, or equal weights); this is not evidence of heavy tails. For few events, draw "
            "more samples or use a proposal that hits the event more often"
        )
    heavy = khat > KHAT_WARNING
    if heavy.any():
        messages.append(
            f"Pareto k-hat above {KHAT_WARNING}" + where(heavy) + ": the weights are too heavy-tailed for a reliable "
            "estimate (use a better proposal or more samples)"
        )
    with np.errstate(invalid="ignore"):
        flat = lw_max - lw_min <= 1e-12 * np.maximum(1.0, np.abs(lw_max))
        equal = flat if self_normalised else flat & (np.abs(lw_max) <= 1e-12)
    if equal.any():
        messages.append(
            "the proposal equals the target"
            + (" up to a constant" if self_normalised else "")
            + where(equal)
            + " (all log-weights are equal): this is plain Monte Carlo, with no variance reduction"
        )
    return messages
