"""cupy.cuda of the stand-in: the current stream (the default stream, 0) and a memory pool."""

from __future__ import annotations

import weakref

import numpy as np


class OutOfMemoryError(MemoryError):
    """Raised when an allocation would exceed the pool's limit."""


class Stream:
    ptr = 0


def get_current_stream() -> Stream:
    return Stream()


class MemoryPointer:
    """Device memory from the pool: ``.ptr`` is valid while the object lives."""

    def __init__(self, pool: MemoryPool, nbytes: int) -> None:
        self._buffer = np.empty(max(nbytes, 1), np.uint8)
        self.ptr = self._buffer.ctypes.data
        self.size = nbytes
        pool._used += nbytes
        pool.allocations += 1
        weakref.finalize(self, pool._release, nbytes)


class MemoryPool:
    """Counts live bytes and allocations; ``set_limit(size=...)`` makes larger totals fail like CuPy's pool."""

    def __init__(self) -> None:
        self._used = 0
        self._limit = 0
        self.allocations = 0

    def _release(self, nbytes: int) -> None:
        self._used -= nbytes

    def malloc(self, nbytes: int) -> MemoryPointer:
        if self._limit and self._used + nbytes > self._limit:
            raise OutOfMemoryError(f"Out of memory allocating {nbytes:,} bytes (limit {self._limit:,})")
        return MemoryPointer(self, nbytes)

    def used_bytes(self) -> int:
        return self._used

    def set_limit(self, size: int = 0) -> None:
        self._limit = size

    def get_limit(self) -> int:
        return self._limit


default_pool = MemoryPool()


def alloc(nbytes: int) -> MemoryPointer:
    """Allocate from the default pool (``cupy.cuda.alloc``)."""
    return default_pool.malloc(nbytes)
