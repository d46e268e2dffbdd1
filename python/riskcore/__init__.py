"""riskcore: exact, fast statistical kernels for risk and uncertainty estimation.

Capabilities live in one module each (:mod:`riskcore.crps`, ...); the most used functions are
re-exported here. ``riskcore.backends()`` tells which backends can run on this machine.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from riskcore._backend import BackendStatus, backends
from riskcore._threads import get_num_threads, set_num_threads
from riskcore.crps import (
    crps_censored_normal,
    crps_ensemble,
    crps_ensemble_grad,
    crps_exponential,
    crps_gamma,
    crps_gev,
    crps_laplace,
    crps_logistic,
    crps_lognormal,
    crps_mixnorm,
    crps_normal,
    crps_t,
    crps_truncated_normal,
    crps_uniform,
    energy_score,
    twcrps_ensemble,
)

try:
    __version__ = version("riskcore")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "BackendStatus",
    "backends",
    "crps_censored_normal",
    "crps_ensemble",
    "crps_ensemble_grad",
    "crps_exponential",
    "crps_gamma",
    "crps_gev",
    "crps_laplace",
    "crps_logistic",
    "crps_lognormal",
    "crps_mixnorm",
    "crps_normal",
    "crps_t",
    "crps_truncated_normal",
    "crps_uniform",
    "energy_score",
    "get_num_threads",
    "set_num_threads",
    "twcrps_ensemble",
]
