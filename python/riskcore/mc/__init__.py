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
MC samples each sample is worth. Results keep (count, mean, M2) and the trajectory ranges they cover,
so shards merge exactly (:func:`merge_estimates`) and the same shard cannot be merged twice.

Modules: :mod:`riskcore.mc.estimators` (from arrays: :func:`mc_estimate`, :func:`scope_estimate`,
:func:`reach_estimate`), :mod:`riskcore.mc.chain` (the Markov-chain simulator and the exact risk),
:mod:`riskcore.mc.sequence` (the model-in-the-loop driver :func:`simulate_sequence_risk` and the
:class:`SequenceModel` protocol), :mod:`riskcore.mc.results` (accumulators and results),
:mod:`riskcore.mc.planning` (:func:`required_trajectories`).

>>> from riskcore import mc
>>> P = [[0.6, 0.25, 0.05, 0.02, 0.08], [0.2, 0.5, 0.2, 0.05, 0.05], [0.1, 0.2, 0.4, 0.25, 0.05],
...      [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]
>>> round(float(mc.exact_outcome_risk(P, 0, [3], [4], horizon=20)), 6)
0.465864
"""

from riskcore.mc.chain import exact_outcome_risk, simulate_outcome_risk
from riskcore.mc.estimators import mc_estimate, reach_estimate, scope_estimate
from riskcore.mc.planning import required_trajectories
from riskcore.mc.results import KINDS, RiskAccumulator, RiskEstimate, SimulationResult, merge_estimates
from riskcore.mc.sequence import SequenceModel, simulate_sequence_risk

__all__ = [
    "KINDS",
    "RiskAccumulator",
    "RiskEstimate",
    "SequenceModel",
    "SimulationResult",
    "exact_outcome_risk",
    "mc_estimate",
    "merge_estimates",
    "reach_estimate",
    "required_trajectories",
    "scope_estimate",
    "simulate_outcome_risk",
    "simulate_sequence_risk",
]
