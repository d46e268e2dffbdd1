"""Counter-based random numbers shared by every backend: Philox4x64-10.

A block of four 64-bit words is a pure function of a 256-bit counter and a 128-bit key, so a
simulation that draws block ``(trajectory, step, ...)`` under key ``(seed, stream)`` gives the same
numbers on any backend and any thread count. The stream is bit-identical to
:class:`numpy.random.Philox`: ``Philox(key=k, counter=c).random_raw(4)`` is ``philox4x64(c + 1, k)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _validate
from riskcore._backend import implementation, resolve

__all__ = ["philox4x64"]


def _words(value: ArrayLike, name: str, ndim: int) -> np.ndarray:
    """64-bit words: integers in [0, 2**64) (Python ints beyond int64 included), as contiguous uint64."""
    if isinstance(value, np.ndarray) and value.dtype == np.uint64:
        array = value
    else:
        array = np.asarray(value, dtype=object) if not isinstance(value, np.ndarray) else value
        if array.dtype == object:
            flat = [_validate.seed(v, name) for v in array.reshape(-1).tolist()]
            array = np.array(flat, dtype=np.uint64).reshape(array.shape)
        elif array.dtype.kind not in "iu":
            raise TypeError(f"{name} must be integers in [0, 2**64), got {array.dtype}")
        elif array.size and int(array.min()) < 0:
            raise ValueError(f"{name} must be in [0, 2**64), got {int(array.min())}")
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-d, got shape {array.shape}")
    return np.ascontiguousarray(array, dtype=np.uint64)


def philox4x64(counters: ArrayLike, key: ArrayLike, *, backend: str = "auto") -> Any:
    """Philox4x64-10 blocks.

    Parameters
    ----------
    counters : array_like of uint64, shape (n, 4)
        Counter words, least significant first.
    key : array_like of uint64, shape (2,)
    backend : {"auto", "cpu", "numba"}
        There is no CUDA kernel: blocks are drawn on the host and come back as NumPy arrays.
        ``"auto"`` with ``RISKCORE_BACKEND=cuda`` (or a CUDA build) uses the CPU kernel; an explicit
        ``backend="cuda"`` raises ValueError.

    Returns
    -------
    ndarray of uint64, shape (n, 4)

    Examples
    --------
    >>> import numpy as np
    >>> block = philox4x64([[1, 0, 0, 0]], [7, 0])
    >>> bool((block[0] == np.random.Philox(key=7, counter=0).random_raw(4)).all())
    True
    """
    counters = _words(counters, "counters", 2)
    key = _words(key, "key", 1)
    if counters.shape[1] != 4:
        raise ValueError(f"counters must have shape (n, 4), got {counters.shape}")
    if key.shape != (2,):
        raise ValueError(f"key must have shape (2,), got {key.shape}")
    if backend == "cuda":
        raise ValueError("philox4x64 runs on the host: use backend 'cpu' or 'numba'")
    name = resolve(backend)
    name = "cpu" if name == "cuda" else name  # a CUDA build always has the CPU kernels too
    return implementation("philox4x64", name)(counters, key)
