"""Argument checks and padding shared by the batch-conformal bounds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _conformal_laws as laws
from riskcore import _validate as v

SIDES = ("upper", "lower", "two-sided")


# ----------------------------------------------------------------------------------------- checks
def _side(side: Any) -> str:
    return v.choice(side, "side", SIDES)


def _bounds(
    bounds: Any, scores: np.ndarray, required: bool = False, name: str = "bounds", scores_name: str = "cal_scores"
) -> tuple[float, float]:
    """The known score range (a, b), a < b, containing the sorted ``scores``; messages name the caller's
    arguments ``name`` and ``scores_name``."""
    if bounds is None:
        if required:
            raise ValueError(
                f"{name}=(a, b) is required for the batch mean: with an unbounded score range the "
                "multiset {1, ..., 1, n+1} is in the level set and the upper bound is +inf for every data set"
            )
        return -np.inf, np.inf
    if isinstance(bounds, (str, bytes)) or np.ndim(bounds) != 1 or len(bounds) != 2:
        raise TypeError(f"{name} must be a pair of numbers (a, b), got {bounds!r}")
    a = v.real(bounds[0], f"{name}[0]", allow_inf=True)
    b = v.real(bounds[1], f"{name}[1]", allow_inf=True)
    if not a < b:
        raise ValueError(f"{name} must satisfy a < b, got {bounds}")
    if scores.size and (scores.min() < a or scores.max() > b):
        raise ValueError(f"{scores_name} must lie within {name} {bounds}")
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
    v.limit(
        "min(m, n) * m * n / 2 (additions of the exact slot-sum law)",
        laws.sum_law_work(n, m),
        laws.MAX_SUM_WORK,
        "use fewer calibration points or a smaller batch",
    )
    return n, m
