r"""Importance-sampled tail probabilities, with honest error bars and diagnostics.

Samples :math:`x_i \sim q` (or K proposals), log-weights :math:`\ell_i = \log p(x_i) - \log q(x_i)`
and the event (booleans, graded values in [0, 1], or ``score >= threshold`` for a threshold grid).
Every sum runs in log space with the maximum factored out, so weights spanning 1e300 are fine.

- :mod:`~riskcore.tail.estimators`: :func:`is_estimate`, :func:`snis_estimate`, :func:`mis_estimate`
  (balance heuristic), :func:`per_proposal_estimates`, and the sharded form (:func:`combine_log_sums`,
  :func:`is_from_sums`);
- :mod:`~riskcore.tail.diagnostics`: Pareto :math:`\hat k` (PSIS), Kish ESS, KL(q||p) and the messages
  of every result;
- :mod:`~riskcore.tail.proposals`: defensive / multi-proposal mixture densities, per-particle
  component draws, :func:`select_proposal` (cross-entropy or variance selection over a grid from a pilot,
  then a second stage on fresh samples);
- :mod:`~riskcore.tail.sequences`: sequence log-probabilities with the end-of-sequence factor;
- :mod:`~riskcore.tail.brute_force`: k/N with Clopper-Pearson and Wilson intervals;
- :mod:`~riskcore.tail.samplers`: counter-based samplers, :func:`gaussian_tail_is` (optimal mean
  shift) and :func:`cross_entropy_is` (adaptive Gaussian proposal for a user event).

>>> import numpy as np
>>> from riskcore import tail
>>> z = np.random.default_rng(0).normal(4.0, 1.0, 1000)
>>> r = tail.is_estimate(-z**2 / 2, -(z - 4)**2 / 2, score=z, threshold=4.0)   # P(Z > 4) = 3.17e-5
>>> bool(abs(r.log_estimate - np.log(3.16712e-5)) < 0.2)
True
"""

from __future__ import annotations

from riskcore.tail.brute_force import MCTailEstimate, mc_tail_estimate
from riskcore.tail.diagnostics import KHAT_WARNING, khat_tail_size, pareto_khat
from riskcore.tail.estimators import (
    TailEstimate,
    combine_log_sums,
    is_estimate,
    is_from_sums,
    mis_estimate,
    per_proposal_estimates,
    snis_estimate,
)
from riskcore.tail.proposals import (
    ProposalSelection,
    defensive_mixture,
    mixture_log_density,
    sample_mixture_assignments,
    select_proposal,
)
from riskcore.tail.samplers import (
    CrossEntropyResult,
    cross_entropy_is,
    gaussian_tail_is,
    standard_normals,
    standard_uniforms,
)
from riskcore.tail.sequences import sequence_log_prob

__all__ = [
    "KHAT_WARNING",
    "CrossEntropyResult",
    "MCTailEstimate",
    "ProposalSelection",
    "TailEstimate",
    "combine_log_sums",
    "cross_entropy_is",
    "defensive_mixture",
    "gaussian_tail_is",
    "is_estimate",
    "is_from_sums",
    "khat_tail_size",
    "mc_tail_estimate",
    "mis_estimate",
    "mixture_log_density",
    "pareto_khat",
    "per_proposal_estimates",
    "sample_mixture_assignments",
    "select_proposal",
    "sequence_log_prob",
    "snis_estimate",
    "standard_normals",
    "standard_uniforms",
]
