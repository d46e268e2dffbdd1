"""The Markov-chain simulator (MC, SCOPE and REACH in one pass, counter-based Philox streams) and the
exact outcome risk of a finite chain."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _markov_chain, _validate
from riskcore._backend import implementation, resolve
from riskcore.mc.efficiency import PairMoments
from riskcore.mc.results import KINDS, RiskAccumulator, RiskEstimate, SimulationResult, with_efficiency

MAX_TRAJECTORIES = 10**12  # per call, over all queries
MAX_STEPS_WITHOUT_ABSORPTION = 10**13  # n_trajectories * queries * horizon when a chain can loop forever


def _estimators(estimators: Sequence[str]) -> tuple[str, ...]:
    chosen = (estimators,) if isinstance(estimators, str) else tuple(estimators)
    if not chosen:
        raise ValueError(f"estimators must be a non-empty subset of {KINDS}, got ()")
    for e in chosen:
        _validate.choice(e, "estimators", KINDS)
    return chosen


def simulate_outcome_risk(
    P: ArrayLike,
    start: ArrayLike,
    outcome_states: ArrayLike,
    end_states: ArrayLike,
    horizon: int,
    n_trajectories: int,
    seed: int,
    estimators: Sequence[str] = KINDS,
    *,
    first_trajectory: int = 0,
    chunk: int = 65_536,
    confidence: float = 0.95,
    backend: str = "auto",
) -> SimulationResult:
    r"""Sample trajectories of a finite Markov chain and estimate P(outcome within ``horizon`` steps)
    by MC, SCOPE and REACH in one pass.

    Parameters
    ----------
    P : array_like, shape (S, S) or (queries, S, S) -- one chain, or one per query
    start : int or array (queries,) -- start state(s), not absorbing
    outcome_states, end_states : state indices (absorbing; rows of P for them are ignored)
    horizon : int in [0, 2**63) -- number of transitions
    n_trajectories : int >= 1 -- per query (at most 10**12 over all queries per call: shard larger runs)
    seed : int in [0, 2**64) -- with (query, trajectory, step) it fixes every draw (Philox4x64-10), so
        results are identical on every backend and thread count; ``first_trajectory`` offsets the
        trajectory range, so shards [a, b) and [b, c) merge into the run of [a, c) (overlaps raise)
    estimators : subset of ("mc", "scope", "reach"); efficiency is reported against MC when present
    chunk : trajectories per kernel call on the CPU and Numba (bounds memory; does not change results);
        the CUDA backend simulates the whole range in one call and sums the values on the device (with
        MC and SCOPE / REACH, a second pass over the same trajectories sums the efficiency intervals' moments)

    Returns
    -------
    SimulationResult with .mc, .scope, .reach (RiskEstimate: 0-d for one chain and a scalar start,
    arrays over queries otherwise)

    >>> P = [[0.6, 0.25, 0.05, 0.02, 0.08], [0.2, 0.5, 0.2, 0.05, 0.05], [0.1, 0.2, 0.4, 0.25, 0.05],
    ...      [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]
    >>> r = simulate_outcome_risk(P, 0, [3], [4], horizon=20, n_trajectories=20_000, seed=1)
    >>> bool(abs(r.reach.estimate - 0.465864) < 4 * r.reach.se), r.reach.estimate.shape
    (True, ())
    """
    chains = _markov_chain.validate(P, start, outcome_states, end_states)
    horizon = _validate.integer(horizon, "horizon", low=0)
    n = _validate.integer(n_trajectories, "n_trajectories", low=1)
    seed = _validate.seed(seed)
    first = _validate.integer(first_trajectory, "first_trajectory", low=0, high=2**63 - 1 - n)
    chunk = _validate.integer(chunk, "chunk", low=1)
    confidence = _validate.probability(confidence, "confidence")
    chosen = _estimators(estimators)
    queries = chains.start.size
    _validate.limit(
        "n_trajectories * queries",
        n * queries,
        MAX_TRAJECTORIES,
        "split the run into shards with first_trajectory (riskcore.dask.simulate_outcome_risk)",
    )
    if _markov_chain.can_loop_forever(chains):
        _validate.limit(
            "n_trajectories * queries * horizon (a start state can loop without ever being absorbed)",
            n * queries * horizon,
            MAX_STEPS_WITHOUT_ABSORPTION,
            "use a smaller horizon or fewer trajectories",
        )
    tables = _markov_chain.sampling_tables(chains)
    name = resolve(backend)
    began = time.perf_counter()
    if name == "cuda":  # the whole range in one call: the device sums the values, `chunk` is not needed
        accumulators, steps = _moments_on_device(tables, chains.start, horizon, seed, first, n)
        pairs = _pairs_on_device(tables, chains.start, horizon, seed, first, n, accumulators, chosen)
    else:
        accumulators, steps, pairs = _moments_by_chunks(
            implementation("simulate_chunk", name), tables, chains.start, horizon, seed, first, n, chunk
        )
    estimates: dict[str, RiskEstimate | None] = {}
    for k, kind in enumerate(KINDS):
        acc = accumulators[k]
        if kind in chosen and acc is not None:
            acc = acc[0] if chains.scalar else acc
            estimates[kind] = RiskEstimate.from_accumulator(acc, kind, confidence)
        else:
            estimates[kind] = None
    if chains.scalar:
        pairs = {k: v[0] for k, v in pairs.items()}
    return with_efficiency(estimates, steps, time.perf_counter() - began, pairs)


def _moments_on_device(tables, start, horizon, seed, first, n):
    """Accumulators from the per-query sums and sums of squares of the CUDA simulator:
    mean = sum / n, M2 = sum of squares - sum * mean (clipped at 0)."""
    moments, steps = implementation("simulate_moments", "cuda")(
        tables["cdf"], tables["masked_cdf"], tables["hazard"], tables["kind"], start, horizon, seed, first, n
    )
    ranges = ((first, first + n),)
    accumulators = []
    for k in range(3):
        total, squares = moments[:, k, 0], moments[:, k, 1]
        mean = total / n
        m2 = np.maximum(squares - total * mean, 0.0)
        accumulators.append(RiskAccumulator(np.full(total.shape, float(n)), mean, m2, ranges))
    return accumulators, int(steps.sum())


def _pairs_on_device(tables, start, horizon, seed, first, n, accumulators, chosen) -> dict[str, PairMoments]:
    r"""The (MC, SCOPE) and (MC, REACH) pair moments of the efficiency intervals from a second pass over the
    same trajectories on the device, centred at the first pass's means :math:`a, b`: the MC value is 0 or
    1, so :math:`\sum (M - a)^i (X - b)^j = (-a)^i S_{0j} + (1 - a)^i S_{1j}` with :math:`S_{gj} =
    \sum_{M = g} (X - b)^j` (:math:`S_{g0}` the group's count). Skipped (no interval) without MC or
    without SCOPE / REACH among ``chosen``."""
    wanted = [(k, kind) for k, kind in ((1, "scope"), (2, "reach")) if kind in chosen]
    if "mc" not in chosen or not wanted:
        return {}
    centre = np.stack([acc.mean for acc in accumulators], axis=-1)  # (queries, 3)
    sums, _ = implementation("simulate_pair_sums", "cuda")(
        tables["cdf"], tables["masked_cdf"], tables["hazard"], tables["kind"], start, horizon, seed, first, n, centre
    )
    sums = np.asarray(sums)
    a = centre[:, 0]
    group = np.stack([-a, 1.0 - a], axis=-1)[:, :, None] ** np.arange(5)  # (queries, group, i): (g - a)^i
    pairs = {}
    for k, kind in wanted:
        x = k - 1  # SCOPE's sums first, then REACH's
        s_gj = np.empty((len(a), 2, 5))
        s_gj[:, :, 0] = sums[:, :2]
        s_gj[:, 0, 1:] = sums[:, 2 + 8 * x : 6 + 8 * x]
        s_gj[:, 1, 1:] = sums[:, 6 + 8 * x : 10 + 8 * x]
        pair_sums = np.einsum("qgi,qgj->qij", group, s_gj)
        pairs[kind] = PairMoments(np.stack([a, centre[:, k]], axis=-1), pair_sums)
    return pairs


def _moments_by_chunks(kernel, tables, start, horizon, seed, first, n, chunk):
    """Accumulators of per-trajectory values computed chunk by chunk (two-pass moments, merged exactly),
    the step count, and the (MC, SCOPE) and (MC, REACH) pair moments of the efficiency intervals."""
    accumulators: list[RiskAccumulator | None] = [None, None, None]
    pairs: dict[str, PairMoments] = {}
    steps = 0
    for offset in range(0, n, chunk):
        count = min(chunk, n - offset)
        values, chunk_steps = kernel(
            tables["cdf"],
            tables["masked_cdf"],
            tables["hazard"],
            tables["kind"],
            start,
            horizon,
            seed,
            first + offset,
            count,
        )
        steps += int(chunk_steps)
        values = np.asarray(values)
        for k in range(3):
            acc = RiskAccumulator.from_values(values[k], ((first + offset, first + offset + count),))
            accumulators[k] = acc if accumulators[k] is None else accumulators[k].merge(acc)
        for k, kind in ((1, "scope"), (2, "reach")):
            part = PairMoments.from_values(values[0], values[k])
            pairs[kind] = part if kind not in pairs else pairs[kind].merge(part)
    return accumulators, steps, pairs


def exact_outcome_risk(
    P: ArrayLike, start: ArrayLike, outcome_states: ArrayLike, end_states: ArrayLike, horizon: int | None = None
) -> np.ndarray:
    r"""Exact P(an outcome state is reached within ``horizon`` steps) with outcome and end states
    absorbing: the outcome mass of :math:`e_{start} A^{T}`, by repeated squaring (O(S^3 log T));
    ``horizon=None`` solves :math:`(I - Q) x = r` over the transient states.

    Returns a 0-d array for one chain and a scalar start, an array over queries otherwise.

    >>> P = [[0.6, 0.25, 0.05, 0.02, 0.08], [0.2, 0.5, 0.2, 0.05, 0.05], [0.1, 0.2, 0.4, 0.25, 0.05],
    ...      [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]
    >>> float(exact_outcome_risk(P, 0, [3], [4], horizon=20).round(6))
    0.465864
    """
    chains = _markov_chain.validate(P, start, outcome_states, end_states)
    risk = _markov_chain.exact_risk(chains, None if horizon is None else _validate.integer(horizon, "horizon", low=0))
    return _validate.scalar_or_array(risk, chains.scalar)
