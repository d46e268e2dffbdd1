"""A NumPy-backed stand-in for the few CuPy calls riskcore uses, for the emulated CUDA build's tests.

``tests/conftest.py`` puts this package first on ``sys.path`` when riskcore was built with
``RISKCORE_CUDA=EMULATE``: the emulated kernels read and write host memory, so a "device" array is a
NumPy array behind a wrapper that exposes ``__cuda_array_interface__`` and ``.data.ptr`` like CuPy.
Like real CuPy it refuses implicit conversion to NumPy (``np.asarray(x)`` raises TypeError; use
``x.get()`` or ``cupy.asnumpy``), and its functions refuse NumPy arrays, so a host/device leak fails a test.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from . import cuda

__all__ = ["asarray", "ascontiguousarray", "asnumpy", "empty", "get_default_memory_pool", "ndarray"]

_IMPLICIT = (
    "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a NumPy array explicitly."
)


class _Pointer:
    def __init__(self, ptr: int) -> None:
        self.ptr = ptr


class ndarray:
    """A "device" array: a NumPy array that NumPy may not read implicitly."""

    __slots__ = ("_a",)

    def __init__(self, array: np.ndarray) -> None:
        self._a = array

    # metadata
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: ndarray(self._a.T))
    data = property(lambda self: _Pointer(self._a.__array_interface__["data"][0]))

    @property
    def __cuda_array_interface__(self) -> dict[str, Any]:
        a = self._a
        return {
            "shape": a.shape,
            "typestr": a.dtype.str,
            "data": (a.__array_interface__["data"][0], False),
            "strides": None if a.flags.c_contiguous else a.strides,
            "version": 3,
        }

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TypeError(_IMPLICIT)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return _wrap(getattr(ufunc, method)(*_strict(inputs), **_strict(kwargs)))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return _wrap(func(*_strict(args), **_strict(kwargs)))

    def get(self) -> np.ndarray:
        """Copy to the host."""
        return self._a.copy()

    def __repr__(self) -> str:
        return f"fake_cupy.{self._a!r}"

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self):
        return (_wrap(x) for x in self._a)

    def __bool__(self) -> bool:
        return bool(self._a)

    def __float__(self) -> float:
        return float(self._a)

    def __int__(self) -> int:
        return int(self._a)

    def __index__(self) -> int:
        return operator.index(self._a)

    def __getitem__(self, key: Any) -> Any:
        return _wrap(self._a[_unwrap(key)])

    def __setitem__(self, key: Any, value: Any) -> None:
        self._a[_unwrap(key)] = _unwrap(value)

    def __getattr__(self, name: str) -> Any:  # methods: reshape, astype, sum, any, item, ...
        if name.startswith("__"):
            raise AttributeError(name)
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr)
        return lambda *args, **kwargs: _wrap(attr(*_unwrap(args), **_unwrap(kwargs)))


def _binary(op: Any, reflected: bool = False) -> Any:
    if reflected:
        return lambda self, other: _wrap(op(_operand(other), self._a))
    return lambda self, other: _wrap(op(self._a, _operand(other)))


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and_", "or_", "xor", "matmul"):
    _dunder = _name.rstrip("_")
    setattr(ndarray, f"__{_dunder}__", _binary(getattr(operator, _name)))
    setattr(ndarray, f"__r{_dunder}__", _binary(getattr(operator, _name), reflected=True))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(ndarray, f"__{_name}__", _binary(getattr(operator, _name)))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(ndarray, f"__{_name}__", (lambda op: lambda self: _wrap(op(self._a)))(getattr(operator, _name)))
ndarray.__hash__ = None  # type: ignore[assignment]


def _operand(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.ndim > 0:
        raise TypeError(f"Unsupported type {type(value)}")
    return _unwrap(value)


def _unwrap(value: Any) -> Any:
    if isinstance(value, ndarray):
        return value._a
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _wrap(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return ndarray(value)
    if isinstance(value, tuple):
        return tuple(_wrap(v) for v in value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


def _strict(value: Any) -> Any:
    """Arguments of CuPy functions: device arrays or scalars, never NumPy arrays."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        raise TypeError(f"Unsupported type {type(value)}")
    if isinstance(value, (list, tuple)):
        return type(value)(_strict(v) for v in value)
    if isinstance(value, dict):
        return {k: _strict(v) for k, v in value.items()}
    return _unwrap(value)


def asarray(value: Any, dtype: Any = None, order: str | None = None) -> ndarray:
    """A device array (a copy of host data, the same array for a device array of that dtype)."""
    if isinstance(value, ndarray):
        return value if dtype is None or value.dtype == np.dtype(dtype) else ndarray(value._a.astype(dtype))
    if hasattr(value, "__cuda_array_interface__"):
        raise TypeError("the stand-in only holds its own device arrays")
    return ndarray(np.array(value, dtype=dtype, order=order or "K", copy=True))


array = asarray


def ascontiguousarray(value: Any, dtype: Any = None) -> ndarray:
    device = asarray(value, dtype)
    return device if device._a.flags.c_contiguous else ndarray(np.ascontiguousarray(device._a))


def asnumpy(value: Any) -> np.ndarray:
    """Copy to the host (host input: as NumPy)."""
    return value.get() if isinstance(value, ndarray) else np.asarray(value)


def empty(shape: Any, dtype: Any = float) -> ndarray:
    return ndarray(np.empty(shape, dtype))


def get_default_memory_pool() -> cuda.MemoryPool:
    return cuda.default_pool


def __getattr__(name: str) -> Any:
    """Every other name: NumPy's function on device arrays, with NumPy arrays refused."""
    target = getattr(np, name)
    if not callable(target) or isinstance(target, type):
        return target
    return lambda *args, **kwargs: _wrap(target(*_strict(args), **_strict(kwargs)))
