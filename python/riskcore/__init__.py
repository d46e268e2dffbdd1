"""riskcore: exact, fast statistical kernels for risk and uncertainty estimation.

Capabilities live in one module each (:mod:`riskcore.crps`, :mod:`riskcore.conformal`, :mod:`riskcore.mc`,
:mod:`riskcore.tail`); the CRPS
functions are re-exported here. ``riskcore.backends()`` tells which backends can run here.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from riskcore import conformal, crps, mc, tail
from riskcore._backend import BackendStatus, backends
from riskcore._threads import get_num_threads, set_num_threads
from riskcore.crps import *  # noqa: F403  (the CRPS functions, listed in crps.__all__)

try:
    __version__ = version("riskcore")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "BackendStatus",
    "backends",
    "conformal",
    "crps",
    "mc",
    "tail",
    "get_num_threads",
    "set_num_threads",
    *crps.__all__,
]
