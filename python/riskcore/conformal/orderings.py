"""Rank-weighted orderings of the batch mean (pilot quantile h, a user h) and the partition solver."""

from __future__ import annotations

from typing import Any

import numpy as np

from riskcore import _conformal_laws as laws
from riskcore import _validate as v
from riskcore.conformal.baselines import partition_bound
from riskcore.conformal.mean_dp import _values, _with_infinite_pad

QUANTILE_LEVELS = 20  # K: h takes the values 0..K
DEFAULT_PILOT = 0.25  # fraction of the calibration points held out to build h


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
            values = _values(cal[None], b, g, infinite_pad=True)
            q = laws.weighted_sum_quantile(h, m, alpha)
            out[p] = _with_infinite_pad(values, lambda x, h=h, m=m, q=q: [_weighted_max_sum(x[0], h, m, q)])[0] / m
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
