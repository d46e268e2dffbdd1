"""Numba backend: the kernels in pure Python, JIT-compiled; used when the C++ extension is missing.

Functions take the canonical arrays of riskcore._crps_args and mirror riskcore._core's signatures.
Every kernel is compiled with ``error_model="numpy"``: x / 0 gives inf or NaN as in the C++ kernels,
never a ZeroDivisionError (Numba's default model raises, and inside a parallel loop that surfaces as a
SystemError: error_spread_score of identical members did).
"""

from riskcore._numba.conformal import knapsack_max_sums
from riskcore._numba.crps_ensemble import crps_ensemble, crps_ensemble_grad
from riskcore._numba.crps_mixnorm import crps_mixnorm, crps_mixnorm_grad
from riskcore._numba.crps_parametric import crps_parametric
from riskcore._numba.ensemble_scores import ensemble_score
from riskcore._numba.mc import simulate_chunk
from riskcore._numba.mc_stream import risk_moments, sequence_step
from riskcore._numba.multivariate import clogs_ensemble, multivariate_grad, multivariate_score
from riskcore._numba.philox import philox4x64, standard_normals
from riskcore._numba.tail import gaussian_shift_sums, tail_sums

__all__ = [
    "clogs_ensemble",
    "crps_ensemble",
    "crps_ensemble_grad",
    "crps_mixnorm",
    "crps_mixnorm_grad",
    "crps_parametric",
    "ensemble_score",
    "gaussian_shift_sums",
    "knapsack_max_sums",
    "multivariate_grad",
    "multivariate_score",
    "philox4x64",
    "risk_moments",
    "sequence_step",
    "simulate_chunk",
    "standard_normals",
    "tail_sums",
]
