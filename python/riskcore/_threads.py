"""Thread count of the CPU kernels (results do not depend on it)."""

from __future__ import annotations

from riskcore._validate import integer

MAX_THREADS = 4096


def get_num_threads() -> int:
    """Threads the cpu backend uses (default: all cores, or ``RISKCORE_NUM_THREADS``)."""
    from riskcore import _core

    return int(_core.num_threads())


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in the cpu backend (at most 4096); ``n <= 0`` restores the default."""
    from riskcore import _core

    n = integer(n, "n", low=None, high=MAX_THREADS)
    _core.set_num_threads(max(n, 0))
