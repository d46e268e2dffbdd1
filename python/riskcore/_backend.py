"""Backend discovery and dispatch: the one place that maps (operation, backend) to an implementation.

Each backend is a module defining functions named after the operations, all taking the canonical
arrays the validation layer produces (C-contiguous, float32 or float64, member axis last):

- ``cpu``   -> :mod:`riskcore._core` (C++ kernels, threads, GIL released)
- ``cuda``  -> :mod:`riskcore._cuda` (the same kernel headers compiled by nvcc; CuPy arrays in/out)
- ``numba`` -> :mod:`riskcore._numba` (pure-Python fallback, works without the extension)

``backend="auto"`` picks cuda, then cpu, then numba; the environment variable ``RISKCORE_BACKEND``
replaces ``"auto"``. Arrays that live on a GPU (``__cuda_array_interface__``) always go to cuda. Host
inputs go to cuda under ``"auto"`` only from ``AUTO_GPU_MIN_ELEMENTS`` elements on (smaller ones cost more
in transfers and launches than the GPU saves; calls that take no arrays count as small), and never to an
emulated CUDA build (``RISKCORE_CUDA=EMULATE``, which exists for tests).
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

BACKENDS = ("cuda", "cpu", "numba")
#: Host inputs with fewer elements than this stay on the CPU under ``backend="auto"``.
AUTO_GPU_MIN_ELEMENTS = 1 << 20
_MODULES = {"cpu": "riskcore._core", "cuda": "riskcore._cuda", "numba": "riskcore._numba"}


@dataclass(frozen=True)
class BackendStatus:
    """Whether a backend can run here, and why not if it cannot."""

    available: bool
    reason: str


def _import_failure(module: str) -> str | None:
    try:
        importlib.import_module(module)
    except ImportError as exc:
        return f"{module} cannot be imported ({exc})"
    return None


@functools.cache
def _status(name: str) -> BackendStatus:
    if name == "numba":
        failure = _import_failure("numba")
        return BackendStatus(failure is None, failure or "numba JIT fallback")
    failure = _import_failure("riskcore._core")
    if failure:
        return BackendStatus(False, f"no compiled extension: {failure}")
    from riskcore import _core

    if name == "cpu":
        return BackendStatus(True, f"C++ extension, {_core.num_threads()} threads")
    count, why = _core.cuda_status()
    if count == 0:
        return BackendStatus(False, ("no CUDA build: " if "without CUDA" in why else "") + why)
    failure = _import_failure("cupy")
    if failure:
        return BackendStatus(False, f"CUDA build and {count} GPU(s), but {failure}")
    if _core.cuda_emulated:
        return BackendStatus(True, "CUDA emulated on the host (RISKCORE_CUDA=EMULATE, for tests; never picked by auto)")
    return BackendStatus(True, f"CUDA build, {count} GPU(s), {why}")


def _emulated() -> bool:
    from riskcore import _core

    return bool(_core.cuda_emulated)


def backends() -> dict[str, BackendStatus]:
    """Status of every backend, in the order ``backend="auto"`` tries them.

    >>> sorted(backends())
    ['cpu', 'cuda', 'numba']
    """
    return {name: _status(name) for name in BACKENDS}


def on_gpu(array: Any) -> bool:
    """True for device arrays (CuPy and anything exposing ``__cuda_array_interface__``)."""
    return hasattr(array, "__cuda_array_interface__")


def resolve(backend: str | None, *arrays: Any) -> str:
    """Name of the backend that will run a call on ``arrays``; raises if it is unavailable."""
    requested = backend or "auto"
    if requested == "auto":
        requested = os.environ.get("RISKCORE_BACKEND", "auto") or "auto"
    if requested not in ("auto", *BACKENDS):
        raise ValueError(f"backend must be 'auto', 'cuda', 'cpu' or 'numba', got {requested!r}")
    on_device = any(on_gpu(a) for a in arrays)
    if on_device:
        if requested not in ("auto", "cuda"):
            raise ValueError(f"inputs are GPU arrays but backend={requested!r}; use 'cuda' or 'auto'")
        requested = "cuda"
    if requested == "auto":
        small = sum(getattr(a, "size", 1) for a in arrays) < AUTO_GPU_MIN_ELEMENTS
        for name in BACKENDS:
            if name == "cuda" and _status(name).available and (small or _emulated()):
                continue
            if _status(name).available:
                return name
        raise RuntimeError(f"no riskcore backend is available: {backends()}")
    status = _status(requested)
    if not status.available:
        raise RuntimeError(f"backend {requested!r} is not available: {status.reason}")
    return requested


def implementation(operation: str, backend: str) -> Callable[..., Any]:
    """The function implementing ``operation`` on ``backend`` (a resolved name)."""
    return getattr(importlib.import_module(_MODULES[backend]), operation)
