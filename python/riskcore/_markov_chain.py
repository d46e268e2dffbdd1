"""Finite Markov chains for the outcome-risk simulator: validation, sampling tables, exact risk."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from riskcore import _validate

ROW_SUM_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Chains:
    """Validated chains: P (C, S, S) with C = 1 or one per query, start (Q,), state kinds (S,)."""

    P: np.ndarray
    start: np.ndarray
    kind: np.ndarray  # 0 transient, 1 outcome, 2 end
    outcome: np.ndarray
    end: np.ndarray
    scalar: bool  # one chain and a scalar start: a scalar problem (0-d results)


def _states(name: str, states: Any, count: int) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(states))
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integer state indices, got {arr.dtype}")
    if ((arr < 0) | (arr >= count)).any():
        raise ValueError(f"{name} must be states in 0..{count - 1}, got {arr.tolist()}")
    arr = arr.astype(np.int64).reshape(-1)
    if np.unique(arr).size != arr.size:
        raise ValueError(f"{name} has repeated states")
    return arr


def validate(P: Any, start: Any, outcome_states: Any, end_states: Any) -> Chains:
    matrix = _validate.real_array(P, "P").astype(np.float64)
    if matrix.ndim == 2:
        matrix = matrix[None]
    if matrix.ndim != 3 or matrix.shape[1] != matrix.shape[2] or matrix.shape[1] == 0:
        raise ValueError(f"P must have shape (S, S) or (queries, S, S), got {np.shape(P)}")
    states = matrix.shape[1]
    outcome = _states("outcome_states", outcome_states, states)
    end = _states("end_states", end_states, states)
    if outcome.size == 0:
        raise ValueError("outcome_states is empty")
    if np.intersect1d(outcome, end).size:
        raise ValueError("outcome_states and end_states overlap")
    kind = np.zeros(states, dtype=np.uint8)
    kind[outcome], kind[end] = 1, 2
    transient = kind == 0
    rows = matrix[:, transient, :]
    if not np.isfinite(rows).all() or (rows < 0).any() or (rows > 1).any():
        raise ValueError("P must hold probabilities in [0, 1] (no NaN) on the rows of transient states")
    worst = np.abs(rows.sum(axis=2) - 1).max(initial=0.0)
    if worst > ROW_SUM_TOLERANCE:
        raise ValueError(f"rows of P must sum to 1 (tolerance {ROW_SUM_TOLERANCE}); worst row is off by {worst:.3g}")
    start_arr = np.atleast_1d(np.asarray(start))
    if start_arr.dtype.kind not in "iu" or start_arr.ndim != 1:
        raise TypeError("start must be a state index or a 1-d array of them (one per query)")
    if ((start_arr < 0) | (start_arr >= states)).any():
        raise ValueError(f"start must be in 0..{states - 1}, got {start_arr.tolist()}")
    start_arr = start_arr.astype(np.int64)
    scalar = np.ndim(P) == 2 and np.ndim(start) == 0
    if matrix.shape[0] > 1 and start_arr.size == 1:
        start_arr = np.repeat(start_arr, matrix.shape[0])
    if matrix.shape[0] not in (1, start_arr.size):
        raise ValueError(f"{matrix.shape[0]} chains but {start_arr.size} start states")
    if (kind[start_arr] != 0).any():
        raise ValueError("start state is absorbing (an outcome or end state): the trajectory has no steps")
    return Chains(matrix, start_arr, kind, outcome, end, scalar)


def _cumulative(rows: np.ndarray) -> np.ndarray:
    """Row-wise cumulative sums, exactly 1.0 from each row's last positive entry on."""
    cdf = np.cumsum(rows, axis=-1)
    positive = rows > 0
    last = rows.shape[-1] - 1 - np.argmax(positive[..., ::-1], axis=-1)
    cols = np.arange(rows.shape[-1])
    cdf = cdf / np.where(cdf[..., -1:] > 0, cdf[..., -1:], 1.0)
    return np.where(cols >= last[..., None], 1.0, cdf)


def sampling_tables(chains: Chains) -> dict[str, np.ndarray]:
    """The host-prepared tables of kernels/mc.hpp (one set per chain), identical for every backend."""
    P = chains.P
    masked = P.copy()
    masked[..., chains.outcome] = 0.0
    remaining = masked.sum(axis=-1)
    hazard = np.where(remaining > 0, P[..., chains.outcome].sum(axis=-1), 1.0)
    return {
        "cdf": np.ascontiguousarray(_cumulative(P)),
        "masked_cdf": np.ascontiguousarray(_cumulative(masked)),
        "hazard": np.ascontiguousarray(hazard),
        "kind": np.ascontiguousarray(np.broadcast_to(chains.kind, hazard.shape)),
    }


def exact_risk(chains: Chains, horizon: int | None) -> np.ndarray:
    """P(an outcome state within `horizon` steps) per query; infinite horizon by a linear solve."""
    kind = chains.kind
    out = np.empty(chains.start.size)
    for q, s0 in enumerate(chains.start):
        P = chains.P[q if chains.P.shape[0] > 1 else 0]
        if horizon is None:
            transient = np.nonzero(kind == 0)[0]
            Q = P[np.ix_(transient, transient)]
            r = P[np.ix_(transient, chains.outcome)].sum(axis=1)
            try:
                x = np.linalg.solve(np.eye(transient.size) - Q, r)
            except np.linalg.LinAlgError:
                raise ValueError(
                    "some transient states never reach an outcome or end state: the infinite-horizon "
                    "risk is undefined; pass a horizon"
                ) from None
            out[q] = x[np.searchsorted(transient, s0)]
        else:
            A = P.copy()
            absorbing = kind != 0
            A[absorbing] = np.eye(P.shape[0])[absorbing]
            out[q] = _row_power(A, s0, horizon)[chains.outcome].sum()
    return out


def _row_power(A: np.ndarray, row: int, power: int) -> np.ndarray:
    """Row ``row`` of A**power by repeated squaring: O(S^3 log power) (vector-matrix products while the
    power is below the state count, which is cheaper and exactly the step-by-step recursion)."""
    dist = np.zeros(A.shape[0])
    dist[row] = 1.0
    if power <= A.shape[0]:
        for _ in range(power):
            dist = dist @ A
        return dist
    square = A
    while power:
        if power & 1:
            dist = dist @ square
        power >>= 1
        if power:
            square = square @ square
    return dist


def can_loop_forever(chains: Chains) -> bool:
    """True when some transient state reachable from a start state cannot reach an absorbing state
    (its trajectories may run for the whole horizon)."""
    edges = (chains.P > 0).any(axis=0)
    edges[chains.kind != 0] = False
    absorbing = chains.kind != 0
    reaches = absorbing.copy()
    frontier = absorbing.copy()
    while frontier.any():  # backwards breadth-first search from the absorbing states
        new = edges[:, frontier].any(axis=1) & ~reaches
        reaches |= new
        frontier = new
    seen = np.zeros_like(absorbing)
    seen[chains.start] = True
    frontier = seen.copy()
    while frontier.any():  # forwards from the start states
        new = edges[frontier].any(axis=0) & ~seen
        seen |= new
        frontier = new
    return bool((seen & ~reaches).any())
