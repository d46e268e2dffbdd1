"""The batch-mean problems and the rank-sum knapsack DP (C++ / CUDA / Numba) and its relaxation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from riskcore import _conformal_laws as laws
from riskcore import _validate as v
from riskcore._backend import implementation, resolve
from riskcore.conformal._checks import _bounds, _nm_sum, _scores, _side


def _values(
    scores: np.ndarray, b: float, g: Callable[[np.ndarray], np.ndarray] | None, infinite_pad: bool = False
) -> np.ndarray:
    """v_r = g(S_(r)), r = 1..n+1 (with the pad b), checked non-decreasing; the pad's v_{n+1} may be
    +inf when ``infinite_pad`` (see _with_infinite_pad)."""
    padded = np.concatenate([scores, np.full((*scores.shape[:-1], 1), b)], axis=-1)
    values = padded if g is None else np.asarray(g(padded), dtype=np.float64)
    if values.shape != padded.shape:
        raise ValueError(f"g must map an array to an array of the same shape, got {values.shape}")
    pad = values[..., -1]
    if not np.isfinite(values[..., :-1]).all() or not (np.isfinite(pad) | (infinite_pad & np.isposinf(pad))).all():
        raise ValueError("g(bounds) and g(cal_scores) must be finite")
    if (np.diff(values, axis=-1) < 0).any():
        raise ValueError("g must be non-decreasing on the scores and bounds")
    return values


def _with_infinite_pad(values: np.ndarray, max_sum: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """max_sum(values) of (P, n + 1) values whose pad v_{n+1} may be +inf (a bound b = inf), exactly:
    +inf where a multiset of the level set holds the pad slot (max_sum of the pad's indicator is > 0),
    else max_sum with the pad's value replaced by v_n (a pad no multiset holds never counts)."""
    infinite = np.isposinf(values[:, -1])
    if not infinite.any():
        return np.asarray(max_sum(values), dtype=np.float64)
    finite = values.copy()
    finite[infinite, -1] = finite[infinite, -2]
    indicator = np.zeros_like(values)
    indicator[:, -1] = 1.0
    held = np.asarray(max_sum(indicator)) > 0
    return np.where(infinite & held, np.inf, np.asarray(max_sum(finite), dtype=np.float64))


def _mean_problems(cal_scores, m, alpha, side, g, bounds):
    """Validated, broadcast inputs of the batch-mean bounds: sorted (P, n) scores, m and alpha (P,)."""
    scores = _scores(cal_scores)
    v.function(g, "g", optional=True)
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
    values = _values(scores, b, g, infinite_pad=True)
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
    knapsack, t_max = implementation("knapsack_max_sums", name), t_max.astype(np.int64)
    sums = _with_infinite_pad(values, lambda x: knapsack(list(x), ms, t_max))
    return sums / ms


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
