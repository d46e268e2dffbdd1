"""Peer implementations the benchmarks compare riskcore with (used by ``riskcore bench`` and bench/).

Each is the usual way the task is done without riskcore, written plainly; none is used by the library.
"""

from __future__ import annotations

import numpy as np

from riskcore import conformal

WORKED_CHAIN = np.array(
    [
        [0.60, 0.25, 0.05, 0.02, 0.08],
        [0.20, 0.50, 0.20, 0.05, 0.05],
        [0.10, 0.20, 0.40, 0.25, 0.05],
        [0.0, 0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 1.0],
    ]
)  # the spec's worked example: outcome 3, end 4, start 0, P(outcome within 20 steps) = 0.465864


def sparse_chain(states: int, seed: int = 0) -> np.ndarray:
    """Each transient state moves to 10 random states; outcome (S-2) ~3e-4 and end (S-1) ~0.01 per step."""
    rng = np.random.default_rng(seed)
    P = np.zeros((states, states))
    transient = states - 2
    for s in range(transient):
        targets = rng.choice(transient, size=10, replace=False)
        P[s, targets] = rng.dirichlet(np.ones(10)) * (1 - 0.01 - 3e-4)
        P[s, states - 2] = 3e-4 * rng.uniform(0.5, 1.5)
        P[s, states - 1] = 1 - P[s, :-1].sum()
    P[states - 2, states - 2] = P[states - 1, states - 1] = 1.0
    return P


def numpy_simulator(P, start, outcome, end, horizon, n, rng):
    """MC by lockstep vectorised sampling (the usual NumPy approach); returns (estimate, steps)."""
    cdf = np.cumsum(P, axis=1)
    state = np.full(n, start)
    alive = np.ones(n, dtype=bool)
    hit = np.zeros(n, dtype=bool)
    stop = np.concatenate([outcome, end])
    steps = 0
    for _ in range(horizon):
        idx = np.nonzero(alive)[0]
        if idx.size == 0:
            break
        u = rng.random(idx.size)
        nxt = (cdf[state[idx]] > u[:, None]).argmax(axis=1)
        steps += idx.size
        hit[idx] |= np.isin(nxt, outcome)
        alive[idx] = ~np.isin(nxt, stop)
        state[idx] = nxt
    return hit.mean(), steps


def reference_bound(scores: np.ndarray, m: int, alpha: float, b: float, rng) -> float:
    """The batch-mean reference approach: MC quantile of independent slots + DP loops (max vectorised)."""
    n = scores.size
    v = np.append(np.sort(scores), b)
    slot_sums = rng.integers(1, n + 2, size=(20_000, m)).sum(axis=1)
    t_star = int(np.quantile(slot_sums, 1 - alpha, method="higher"))
    prev = np.full(t_star + 1, -np.inf)
    prev[0] = 0.0
    for _ in range(m):
        nxt = np.full(t_star + 1, -np.inf)
        for j in range(1, t_star + 1):
            r_max = min(j, n + 1)
            nxt[j] = np.max(prev[j - r_max : j][::-1] + v[:r_max])
        prev = nxt
    return prev.max() / m


def numpy_vectorised_bound(scores: np.ndarray, m: int, alpha: float, b: float) -> float:
    """Exact t*, DP vectorised over the slot-sum axis (one NumPy op per (count, slot))."""
    n = scores.size
    v = np.append(np.sort(scores), b)
    t_star = conformal.slot_sum_quantile(n, m, 1 - alpha)
    prev = np.full(t_star + 1, -np.inf)
    prev[0] = 0.0
    for _ in range(m):
        nxt = np.full(t_star + 1, -np.inf)
        for r in range(1, min(n + 1, t_star) + 1):
            np.maximum(nxt[r:], prev[:-r] + v[r - 1], out=nxt[r:])
        prev = nxt
    return prev.max() / m


def openturns_importance(dim: int, t: float, n: int, seed: int) -> float:
    """OpenTURNS ImportanceSampling of P(sum of dim N(0,1) > t) with the optimal mean shift."""
    import openturns as ot

    ot.RandomGenerator.SetSeed(seed)
    names = [f"x{i}" for i in range(dim)]
    total = ot.CompositeRandomVector(ot.SymbolicFunction(names, ["+".join(names)]), ot.RandomVector(ot.Normal(dim)))
    event = ot.ThresholdEvent(total, ot.Greater(), t)
    shift = ot.Normal([t / dim] * dim, [1.0] * dim, ot.CorrelationMatrix(dim))
    algo = ot.ProbabilitySimulationAlgorithm(event, ot.ImportanceSamplingExperiment(shift))
    algo.setBlockSize(n)
    algo.setMaximumOuterSampling(1)
    algo.setMaximumCoefficientOfVariation(-1.0)
    algo.run()
    return algo.getResult().getProbabilityEstimate()


def openturns_cross_entropy(dim: int, t: float, n: int, seed: int) -> float:
    """OpenTURNS standard-space cross-entropy importance sampling of the same event."""
    import openturns as ot

    ot.RandomGenerator.SetSeed(seed)
    names = [f"x{i}" for i in range(dim)]
    total = ot.CompositeRandomVector(ot.SymbolicFunction(names, ["+".join(names)]), ot.RandomVector(ot.Normal(dim)))
    algo = ot.StandardSpaceCrossEntropyImportanceSampling(ot.ThresholdEvent(total, ot.Greater(), t), 0.1)
    algo.setMaximumOuterSampling(n)
    algo.run()
    return algo.getResult().getProbabilityEstimate()
