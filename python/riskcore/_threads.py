"""Thread count of the CPU kernels (results do not depend on it)."""

from __future__ import annotations


def get_num_threads() -> int:
    """Threads the cpu backend uses (default: all cores, or ``RISKCORE_NUM_THREADS``)."""
    from riskcore import _core

    return int(_core.num_threads())


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in the cpu backend; ``n <= 0`` restores the default."""
    from riskcore import _core

    _core.set_num_threads(int(n))
