r"""Variance-reduced Monte Carlo for sequence models: MC, SCOPE and REACH.

A sequence model predicts the risk p = P(outcome before stopping | prefix). Along a trajectory let
:math:`h_t` be the probability mass on the outcome tokens at step t (the conditional hazard).

- **MC**: sample the model; :math:`X = \mathbf 1\{\text{an outcome is drawn}\}`, Var = p(1 - p).
- **SCOPE**: same samples; :math:`X = \sum_t h_t` over the steps alive, up to and including the step
  on which the outcome is drawn. Unbiased: P(first outcome at t) = E[1{alive at t} h_t].
- **REACH**: sample the *outcome-masked* model (outcome tokens removed, renormalised);
  :math:`X = 1 - \prod_t (1 - h_t)`. Unbiased, and the Rao-Blackwellisation of MC: Var(X) <= p(1-p).

The estimate is the mean over N trajectories; se = sample sd / sqrt(N); the interval is Wilson's for
MC and normal (clipped to [0, 1]) otherwise; ``efficiency`` = Var_MC / Var_estimator is the number of
MC samples each sample is worth. Results keep (count, mean, M2) so shards merge exactly
(:func:`merge_estimates`, Chan et al.'s parallel update).

From arrays (the model runs elsewhere): :func:`mc_estimate`, :func:`scope_estimate`,
:func:`reach_estimate`. For simulation jobs: :func:`simulate_outcome_risk` samples a finite Markov
chain itself (counter-based Philox streams: identical on every backend and thread count) and
:func:`exact_outcome_risk` gives the exact answer by matrix powers or a linear solve.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore._backend import implementation, resolve
from riskcore._intervals import normal_quantile, wilson_interval

__all__ = [
    "RiskAccumulator",
    "RiskEstimate",
    "SimulationResult",
    "exact_outcome_risk",
    "mc_estimate",
    "merge_estimates",
    "reach_estimate",
    "scope_estimate",
    "simulate_outcome_risk",
]

KINDS = ("mc", "scope", "reach")


# --------------------------------------------------------------------------------- accumulators
@dataclass(frozen=True)
class RiskAccumulator:
    """Count, mean and sum of squared deviations (M2) per query; merges exactly (Chan et al. 1979):

    .. math:: n = n_a + n_b,\\quad \\delta = \\bar x_b - \\bar x_a,\\quad
              \\bar x = \\bar x_a + \\delta n_b / n,\\quad M_2 = M_{2,a} + M_{2,b} + \\delta^2 n_a n_b / n
    """

    count: np.ndarray
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def from_values(cls, values: np.ndarray, valid: np.ndarray | None = None) -> RiskAccumulator:
        """Statistics of per-trajectory values (..., N) along the last axis (two-pass, float64)."""
        values = np.asarray(values, dtype=np.float64)
        weight = np.ones_like(values) if valid is None else valid.astype(np.float64)
        count = weight.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, (values * weight).sum(axis=-1) / count, 0.0)
        m2 = (((values - mean[..., None]) ** 2) * weight).sum(axis=-1)
        return cls(count, mean, m2)

    def merge(self, other: RiskAccumulator) -> RiskAccumulator:
        count = self.count + other.count
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = other.mean - self.mean
            share = np.where(count > 0, other.count / count, 0.0)
            mean = self.mean + delta * share
            m2 = self.m2 + other.m2 + delta**2 * self.count * share
        return RiskAccumulator(count, mean, m2)


@dataclass(frozen=True)
class RiskEstimate:
    """Estimate of the outcome risk per query (arrays of shape (queries,) or (queries, outcomes))."""

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: np.ndarray
    variance: np.ndarray  # per-trajectory sample variance
    efficiency: np.ndarray | None  # Var_MC / Var of this estimator, when MC is known
    kind: str
    accumulator: RiskAccumulator

    @classmethod
    def from_accumulator(
        cls, acc: RiskAccumulator, kind: str, confidence: float = 0.95, mc_variance: np.ndarray | None = None
    ) -> RiskEstimate:
        z = normal_quantile(0.5 + confidence / 2)
        n = acc.count
        with np.errstate(invalid="ignore", divide="ignore"):
            variance = np.where(n > 1, acc.m2 / np.maximum(n - 1, 1), np.nan)
            se = np.sqrt(variance / n)
            p = acc.mean
            if kind == "mc":
                low, high = wilson_interval(p, n, z)
            else:
                low, high = p - z * se, p + z * se
            efficiency = None if mc_variance is None else mc_variance / variance
        return cls(p, se, np.clip(low, 0, 1), np.clip(high, 0, 1), n.astype(np.int64), variance, efficiency, kind, acc)


def merge_estimates(results: Sequence[RiskEstimate], *, confidence: float = 0.95) -> RiskEstimate:
    """Combine estimates from disjoint shards of trajectories into the estimate of their union."""
    if not results:
        raise ValueError("merge_estimates needs at least one result")
    kinds = {r.kind for r in results}
    if len(kinds) != 1:
        raise ValueError(f"cannot merge estimates of different kinds {sorted(kinds)}")
    acc = results[0].accumulator
    for r in results[1:]:
        acc = acc.merge(r.accumulator)
    return RiskEstimate.from_accumulator(acc, results[0].kind, confidence)


# ----------------------------------------------------------------------------- from arrays
def _xp(backend: str, *arrays: Any) -> Any:
    name = resolve(backend, *(a for a in arrays if a is not None))
    if name == "cuda":
        import cupy

        return cupy
    return np


def _valid_steps(xp: Any, shape: tuple[int, ...], lengths: Any, mask: Any) -> Any:
    """Boolean (Q, N, T) of the steps that belong to each trajectory."""
    if lengths is not None and mask is not None:
        raise ValueError("give lengths or mask, not both")
    steps = shape[2]
    if mask is not None:
        mask = xp.asarray(mask)
        if mask.dtype != bool or mask.shape != shape[:3]:
            raise ValueError(f"mask must be a bool array of shape {shape[:3]}, got {mask.dtype} {mask.shape}")
        return mask
    if lengths is None:
        return xp.ones(shape[:3], dtype=bool)
    lengths = xp.asarray(lengths)
    if lengths.dtype.kind not in "iu" or lengths.shape != shape[:2]:
        raise ValueError(f"lengths must be an integer array of shape {shape[:2]}, got {lengths.dtype} {lengths.shape}")
    if bool((lengths < 0).any()) or bool((lengths > steps).any()):
        raise ValueError(f"lengths must lie in 0..{steps} (the step axis)")
    return xp.arange(steps)[None, None, :] < lengths[:, :, None]


def _hazards(xp: Any, hazards: Any) -> Any:
    h = xp.asarray(hazards)
    if h.dtype.kind != "f":
        raise TypeError(f"hazards must be a float array, got {h.dtype}")
    if h.ndim not in (3, 4):
        raise ValueError(f"hazards must have shape (queries, trajectories, steps[, outcomes]), got {h.shape}")
    if h.shape[1] == 0:
        raise ValueError("hazards has no trajectories")
    return h


def _check_hazard_range(xp: Any, h: Any, valid: Any) -> None:
    inside = xp.where(valid, h, 0.0)
    if bool(xp.isnan(inside).any()):
        raise ValueError("hazards contain NaN on valid steps")
    if bool(((inside < 0) | (inside > 1)).any()):
        raise ValueError("hazards must lie in [0, 1]")


def _first_hit(xp: Any, first_hit: Any, shape: tuple[int, ...], valid_len: Any) -> Any:
    hit = xp.asarray(first_hit)
    want = shape[:2] + shape[3:]
    if hit.dtype.kind not in "iu" or hit.shape != want:
        raise ValueError(f"first_hit must be an integer array of shape {want}, got {hit.dtype} {hit.shape}")
    length = valid_len if hit.ndim == 2 else valid_len[..., None]
    if bool((hit < -1).any()) or bool((hit >= length).any()):
        raise ValueError("first_hit must be -1 (no outcome) or a valid step of its trajectory")
    return hit


def _host(xp: Any, a: Any) -> np.ndarray:
    return a.get() if xp is not np else a


def mc_estimate(first_hit: ArrayLike, *, confidence: float = 0.95) -> RiskEstimate:
    """Plain Monte Carlo from the first-hit steps (Q, N[, K]) (-1: no outcome), with Wilson intervals.

    >>> round(float(mc_estimate([[0, -1, 3, -1]]).estimate[0]), 3)
    0.5
    """
    hit = np.asarray(first_hit)
    if hit.dtype.kind not in "iu" or hit.ndim not in (2, 3):
        raise ValueError(
            f"first_hit must be an integer array (queries, trajectories[, outcomes]), got {hit.dtype} {hit.shape}"
        )
    if (hit < -1).any():
        raise ValueError("first_hit must be -1 (no outcome) or a step index")
    return RiskEstimate.from_accumulator(RiskAccumulator.from_values(np.moveaxis(hit >= 0, 1, -1)), "mc", confidence)


def scope_estimate(
    hazards: ArrayLike,
    first_hit: ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    mask: ArrayLike | None = None,
    confidence: float = 0.95,
    backend: str = "auto",
) -> RiskEstimate:
    r"""SCOPE from hazards (Q, N, T[, K]) of trajectories sampled from the unmodified model.

    :math:`X = \sum_{t \le \tau} h_t` over valid steps, :math:`\tau` = first_hit (Q, N[, K]) or the
    last step when no outcome was drawn. ``efficiency`` compares with MC on the same trajectories.

    >>> h = [[[0.1, 0.2, 0.3], [0.5, 0.5, 0.5]]]
    >>> scope_estimate(h, [[-1, 0]]).estimate.round(3).tolist()
    [0.55]
    """
    xp = _xp(backend, hazards)
    h = _hazards(xp, hazards)
    valid = _valid_steps(xp, h.shape, lengths, mask)
    length = valid.sum(axis=2)
    hit = _first_hit(xp, first_hit, h.shape, length)
    t = xp.arange(h.shape[2])[None, None, :]
    valid_k = valid if h.ndim == 3 else valid[..., None]
    t_k = t if h.ndim == 3 else t[..., None]
    alive = valid_k & ((hit[:, :, None] < 0) | (t_k <= hit[:, :, None]))
    _check_hazard_range(xp, h, valid_k)
    values = xp.where(alive, h.astype(xp.float64), 0.0).sum(axis=2)
    mc_variance = mc_estimate(_host(xp, hit)).variance
    acc = RiskAccumulator.from_values(np.moveaxis(_host(xp, values), 1, -1))
    return RiskEstimate.from_accumulator(acc, "scope", confidence, mc_variance)


def reach_estimate(
    hazards: ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    mask: ArrayLike | None = None,
    baseline: RiskEstimate | None = None,
    confidence: float = 0.95,
    backend: str = "auto",
) -> RiskEstimate:
    r"""REACH from hazards (Q, N, T[, K]) along trajectories of the outcome-masked model:
    :math:`X = 1 - \prod_t (1 - h_t) = -\mathrm{expm1}(\sum_t \log1p(-h_t))` over valid steps (h = 1
    gives exactly 1). Pass an MC ``baseline`` (from its own pool) to get ``efficiency``.

    >>> reach_estimate([[[0.5, 0.5], [0.0, 1.0]]]).estimate.round(3).tolist()
    [0.875]
    """
    xp = _xp(backend, hazards)
    h = _hazards(xp, hazards)
    valid = _valid_steps(xp, h.shape, lengths, mask)
    valid_k = valid if h.ndim == 3 else valid[..., None]
    _check_hazard_range(xp, h, valid_k)
    with np.errstate(divide="ignore"):
        log_survival = xp.where(valid_k, xp.log1p(-xp.where(valid_k, h.astype(xp.float64), 0.0)), 0.0).sum(axis=2)
    values = -xp.expm1(log_survival)
    acc = RiskAccumulator.from_values(np.moveaxis(_host(xp, values), 1, -1))
    return RiskEstimate.from_accumulator(acc, "reach", confidence, None if baseline is None else baseline.variance)


# ------------------------------------------------------------------------------- simulation
@dataclass(frozen=True)
class SimulationResult:
    """MC, SCOPE and REACH estimates from one simulation job (None for estimators not requested)."""

    mc: RiskEstimate | None
    scope: RiskEstimate | None
    reach: RiskEstimate | None
    steps: int  # transitions simulated (both passes)
    seconds: float

    def merge(self, other: SimulationResult) -> SimulationResult:
        """Union of two shards (disjoint trajectory ranges of the same job)."""
        merged = {k: _merge_pair(getattr(self, k), getattr(other, k)) for k in KINDS}
        return _with_efficiency(merged, self.steps + other.steps, self.seconds + other.seconds)


def _merge_pair(a: RiskEstimate | None, b: RiskEstimate | None) -> RiskEstimate | None:
    return None if a is None or b is None else merge_estimates([a, b])


def _with_efficiency(estimates: dict[str, RiskEstimate | None], steps: int, seconds: float) -> SimulationResult:
    mc = estimates["mc"]
    if mc is not None:
        for k in ("scope", "reach"):
            if estimates[k] is not None:
                estimates[k] = replace(estimates[k], efficiency=mc.variance / estimates[k].variance)
    return SimulationResult(estimates["mc"], estimates["scope"], estimates["reach"], steps, seconds)


def _check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < low or (high is not None and value > high):
        limit = f" and <= {high}" if high is not None else ""
        raise ValueError(f"{name} must be >= {low}{limit}, got {value}")
    return int(value)


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
    horizon : int >= 0 -- number of transitions
    n_trajectories : int >= 1 -- per query
    seed : int in [0, 2**64) -- with (query, trajectory, step) it fixes every draw (Philox4x64-10), so
        results are identical on every backend and thread count; ``first_trajectory`` offsets the
        trajectory range, so shards [a, b) and [b, c) merge into the run of [a, c)
    estimators : subset of ("mc", "scope", "reach"); efficiency is reported against MC when present
    chunk : trajectories per kernel call (bounds memory; does not change results)

    Returns
    -------
    SimulationResult with .mc, .scope, .reach (RiskEstimate, arrays over queries)

    >>> P = [[0.6, 0.25, 0.05, 0.02, 0.08], [0.2, 0.5, 0.2, 0.05, 0.05], [0.1, 0.2, 0.4, 0.25, 0.05],
    ...      [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]
    >>> r = simulate_outcome_risk(P, 0, [3], [4], horizon=20, n_trajectories=20_000, seed=1)
    >>> bool(abs(r.reach.estimate[0] - 0.465864) < 4 * r.reach.se[0])
    True
    """
    from riskcore import _markov_chain

    chains = _markov_chain.validate(P, start, outcome_states, end_states)
    horizon = _check_int("horizon", horizon, 0)
    n = _check_int("n_trajectories", n_trajectories, 1)
    seed = _check_int("seed", seed, 0, 2**64 - 1)
    first = _check_int("first_trajectory", first_trajectory, 0)
    chunk = _check_int("chunk", chunk, 1)
    unknown = set(estimators) - set(KINDS)
    if unknown or not estimators:
        raise ValueError(f"estimators must be a non-empty subset of {KINDS}, got {tuple(estimators)}")
    tables = _markov_chain.sampling_tables(chains)
    kernel = implementation("simulate_chunk", resolve(backend))
    accumulators: list[RiskAccumulator | None] = [None, None, None]
    steps = 0
    began = time.perf_counter()
    for offset in range(0, n, chunk):
        count = min(chunk, n - offset)
        values, chunk_steps = kernel(
            tables["cdf"],
            tables["masked_cdf"],
            tables["hazard"],
            tables["kind"],
            chains.start,
            horizon,
            seed,
            first + offset,
            count,
        )
        steps += int(chunk_steps)
        for k in range(3):
            acc = RiskAccumulator.from_values(np.asarray(values[k]))
            accumulators[k] = acc if accumulators[k] is None else accumulators[k].merge(acc)
    estimates = {
        kind: RiskEstimate.from_accumulator(accumulators[k], kind, confidence) if kind in estimators else None
        for k, kind in enumerate(KINDS)
    }
    return _with_efficiency(estimates, steps, time.perf_counter() - began)


def exact_outcome_risk(
    P: ArrayLike, start: ArrayLike, outcome_states: ArrayLike, end_states: ArrayLike, horizon: int | None = None
) -> np.ndarray:
    r"""Exact P(an outcome state is reached within ``horizon`` steps) with outcome and end states
    absorbing: the outcome mass of :math:`e_{start} A^{T}`; ``horizon=None`` solves
    :math:`(I - Q) x = r` over the transient states. Returns an array over queries.

    >>> P = [[0.6, 0.25, 0.05, 0.02, 0.08], [0.2, 0.5, 0.2, 0.05, 0.05], [0.1, 0.2, 0.4, 0.25, 0.05],
    ...      [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]
    >>> exact_outcome_risk(P, 0, [3], [4], horizon=20).round(6).tolist()
    [0.465864]
    """
    from riskcore import _markov_chain

    chains = _markov_chain.validate(P, start, outcome_states, end_states)
    return _markov_chain.exact_risk(chains, None if horizon is None else _check_int("horizon", horizon, 0))
