"""Mergeable results of MC, SCOPE and REACH: moments per (query[, outcome]) with the trajectory
ranges they cover, estimates with intervals and efficiency, and the simulation result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from riskcore import _validate
from riskcore._intervals import normal_quantile, wilson_interval
from riskcore.mc.efficiency import PairMoments

KINDS = ("mc", "scope", "reach")
Ranges = tuple[tuple[int, int], ...]


def _union(a: Ranges | None, b: Ranges | None) -> Ranges | None:
    """Union of two sets of half-open trajectory ranges; overlapping sets raise (the same shard twice)."""
    if a is None or b is None:
        return None
    merged: list[list[int]] = []
    for lo, hi in sorted(a + b):
        if merged and lo < merged[-1][1]:
            raise ValueError(
                f"cannot merge results covering overlapping trajectory ranges ([{lo}, {hi}) overlaps "
                f"[{merged[-1][0]}, {merged[-1][1]})): each shard may be merged once"
            )
        if merged and lo == merged[-1][1]:
            merged[-1][1] = hi
        else:
            merged.append([lo, hi])
    return tuple((lo, hi) for lo, hi in merged)


@dataclass(frozen=True)
class RiskAccumulator:
    r"""Count, mean and sum of squared deviations (M2) per query (and outcome); merges exactly
    (Chan et al. 1979):

    .. math:: n = n_a + n_b,\quad \delta = \bar x_b - \bar x_a,\quad
              \bar x = \bar x_a + \delta n_b / n,\quad M_2 = M_{2,a} + M_{2,b} + \delta^2 n_a n_b / n

    ``ranges`` are the trajectory ranges [a, b) the moments cover (None: unknown, e.g. arrays given by
    the caller); merging results whose ranges overlap raises.
    """

    count: np.ndarray
    mean: np.ndarray
    m2: np.ndarray
    ranges: Ranges | None = None

    @classmethod
    def from_values(cls, values: Any, ranges: Ranges | None = None) -> RiskAccumulator:
        """Statistics of per-trajectory values (..., N) along the last axis (two-pass, float64)."""
        values = np.asarray(values, dtype=np.float64)
        count = np.full(values.shape[:-1], float(values.shape[-1]))
        mean = values.mean(axis=-1) if values.shape[-1] else np.zeros(values.shape[:-1])
        m2 = ((values - mean[..., None]) ** 2).sum(axis=-1)
        return cls(count, mean, m2, ranges)

    def merge(self, other: RiskAccumulator) -> RiskAccumulator:
        if other is self:
            raise ValueError("cannot merge a result with itself: each shard may be merged once")
        ranges = _union(self.ranges, other.ranges)
        count = self.count + other.count
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = other.mean - self.mean
            share = np.where(count > 0, other.count / np.where(count > 0, count, 1), 0.0)
            mean = self.mean + delta * share
            m2 = self.m2 + other.m2 + delta**2 * self.count * share
        return RiskAccumulator(count, mean, m2, ranges)

    def __getitem__(self, key: Any) -> RiskAccumulator:
        return RiskAccumulator(self.count[key], self.mean[key], self.m2[key], self.ranges)


@dataclass(frozen=True)
class RiskEstimate:
    """Estimate of the outcome risk: arrays of shape (queries,), (queries, outcomes) or (queries,
    outcomes, horizons), 0-d for a scalar problem. ``result[q]`` / ``result[q, k]`` slices every field.

    ``efficiency`` = Var_MC / Var of this estimator (MC samples each sample is worth) when MC is known;
    ``efficiency_low`` / ``efficiency_high`` bound it (delta-method interval at ``confidence``, see
    :mod:`riskcore.mc.efficiency`) where the per-trajectory pairs were seen (the simulators).
    """

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: np.ndarray
    variance: np.ndarray  # per-trajectory sample variance
    efficiency: np.ndarray | None
    kind: str
    accumulator: RiskAccumulator
    confidence: float = 0.95
    efficiency_low: np.ndarray | None = None
    efficiency_high: np.ndarray | None = None

    @classmethod
    def from_accumulator(
        cls, acc: RiskAccumulator, kind: str, confidence: float = 0.95, mc_variance: Any = None
    ) -> RiskEstimate:
        z = normal_quantile(0.5 + confidence / 2)
        n = np.asarray(acc.count)
        with np.errstate(invalid="ignore", divide="ignore"):
            variance = np.where(n > 1, acc.m2 / np.maximum(n - 1, 1), np.nan)
            se = np.sqrt(variance / n)
            p = np.asarray(acc.mean)
            if kind == "mc":
                low, high = wilson_interval(p, n, z)
            else:
                low, high = p - z * se, p + z * se
            efficiency = None if mc_variance is None else np.asarray(mc_variance) / variance
        return cls(
            p,
            se,
            np.clip(low, 0, 1),
            np.clip(high, 0, 1),
            n.astype(np.int64),
            variance,
            efficiency,
            kind,
            acc,
            confidence,
        )

    def __getitem__(self, key: Any) -> RiskEstimate:
        return replace(
            self,
            estimate=self.estimate[key],
            se=self.se[key],
            ci_low=self.ci_low[key],
            ci_high=self.ci_high[key],
            n=self.n[key],
            variance=self.variance[key],
            efficiency=None if self.efficiency is None else self.efficiency[key],
            accumulator=self.accumulator[key],
            efficiency_low=None if self.efficiency_low is None else self.efficiency_low[key],
            efficiency_high=None if self.efficiency_high is None else self.efficiency_high[key],
        )

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self.estimate)


def merge_estimates(results: Sequence[RiskEstimate], *, confidence: float = 0.95) -> RiskEstimate:
    """Combine estimates from disjoint shards of trajectories into the estimate of their union
    (overlapping trajectory ranges raise ValueError).

    >>> from riskcore import mc
    >>> a, b = mc.mc_estimate([[0, -1]]), mc.mc_estimate([[-1, -1]])
    >>> merge_estimates([a, b]).estimate.tolist()
    [0.25]
    """
    if isinstance(results, RiskEstimate) or not isinstance(results, Sequence):
        raise TypeError(f"results must be a sequence of RiskEstimate, got {type(results).__name__}")
    if not results:
        raise ValueError("results must hold at least one estimate, got none")
    for i, r in enumerate(results):
        if not isinstance(r, RiskEstimate):
            raise TypeError(f"results[{i}] must be a RiskEstimate, got {type(r).__name__}")
    kinds = {r.kind for r in results}
    if len(kinds) != 1:
        raise ValueError(f"cannot merge estimates of different kinds {sorted(kinds)}")
    confidence = _validate.probability(confidence, "confidence")
    acc = results[0].accumulator
    for r in results[1:]:
        acc = acc.merge(r.accumulator)
    return RiskEstimate.from_accumulator(acc, results[0].kind, confidence)


@dataclass(frozen=True)
class SimulationResult:
    """MC, SCOPE and REACH estimates from one simulation job (None for estimators not requested)."""

    mc: RiskEstimate | None
    scope: RiskEstimate | None
    reach: RiskEstimate | None
    steps: int  # transitions (model steps) simulated over all passes
    seconds: float
    pairs: dict[str, PairMoments] | None = None  # (MC, SCOPE / REACH) moments: the efficiency intervals

    def merge(self, other: SimulationResult) -> SimulationResult:
        """Union of two shards (disjoint trajectory ranges of the same job; overlapping ranges raise)."""
        merged = {k: _merge_pair(getattr(self, k), getattr(other, k)) for k in KINDS}
        pairs = None
        if self.pairs is not None and other.pairs is not None:
            pairs = {k: v.merge(other.pairs[k]) for k, v in self.pairs.items() if k in other.pairs}
        return with_efficiency(merged, self.steps + other.steps, self.seconds + other.seconds, pairs)

    def __getitem__(self, key: Any) -> SimulationResult:
        parts = {k: None if getattr(self, k) is None else getattr(self, k)[key] for k in KINDS}
        pairs = None if self.pairs is None else {k: v[key] for k, v in self.pairs.items()}
        return SimulationResult(parts["mc"], parts["scope"], parts["reach"], self.steps, self.seconds, pairs)


def _merge_pair(a: RiskEstimate | None, b: RiskEstimate | None) -> RiskEstimate | None:
    return None if a is None or b is None else merge_estimates([a, b], confidence=a.confidence)


def with_efficiency(
    estimates: dict[str, RiskEstimate | None],
    steps: int,
    seconds: float,
    pairs: dict[str, PairMoments] | None = None,
) -> SimulationResult:
    """The simulation result, with SCOPE's and REACH's efficiency against MC when MC was run, and its
    interval where the (MC, estimator) pair moments are given."""
    mc = estimates["mc"]
    if mc is None:
        pairs = None
    if mc is not None:
        for k in ("scope", "reach"):
            e = estimates[k]
            if e is None:
                continue
            with np.errstate(invalid="ignore", divide="ignore"):
                e = replace(e, efficiency=mc.variance / e.variance)
            if pairs is not None and k in pairs:
                _, low, high = pairs[k].interval(e.confidence)
                e = replace(e, efficiency_low=low, efficiency_high=high)
            estimates[k] = e
    if pairs is not None:
        pairs = {k: v for k, v in pairs.items() if estimates[k] is not None}
    return SimulationResult(estimates["mc"], estimates["scope"], estimates["reach"], steps, seconds, pairs)
