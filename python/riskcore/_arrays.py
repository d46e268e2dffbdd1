"""Input checking and canonical layouts, shared by every public function and every backend.

Everything a kernel relies on is established here, once: float dtype (float32 stays float32, other
real inputs become float64), C-contiguous buffers, the member axis moved last and the batch axes
broadcast and flattened. Messages name the argument and what was expected.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from riskcore import _validate
from riskcore._validate import namespace

NAN_POLICIES = ("propagate", "omit", "raise")
__all__ = ["namespace"]  # re-exported: the one implementation lives in riskcore._validate


def as_array(xp: Any, value: Any, name: str) -> Any:
    """``value`` as an array of a real numeric dtype (:func:`riskcore._validate.real_array`): TypeError for
    bool, complex, strings, objects; pandas nullable dtypes read with pd.NA as NaN; GPU arrays stay put."""
    return _validate.real_array(value, name, xp=xp)


def result_dtype(*values: Any) -> np.dtype:
    """float32 if every array input is float16/float32 (Python scalars don't count), else float64."""
    dtypes = [_real_dtype(d) for v in values for d in _dtypes_of(v)]
    if dtypes and all(d.kind == "f" and d.itemsize <= 4 for d in dtypes):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _dtypes_of(value: Any) -> list[Any]:
    if hasattr(value, "dtype"):
        return [value.dtype]
    return list(getattr(value, "dtypes", []))  # a DataFrame: one per column


def _real_dtype(dtype: Any) -> np.dtype:
    """NumPy dtypes as they are; pandas nullable dtypes compute as float64 (pd.NA read as NaN)."""
    return dtype if isinstance(dtype, np.dtype) else np.dtype(np.float64)


def contiguous(xp: Any, array: Any, dtype: np.dtype) -> Any:
    """C-contiguous copy of ``array`` in ``dtype``, or ``array`` itself when it already is one."""
    return xp.ascontiguousarray(array, dtype=dtype)


def rows_view(xp: Any, array: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """``array`` broadcast and reshaped to ``shape`` without copying when NumPy can express it as a view
    of the right dtype (a broadcast row, a sliding window, a strided slice); a contiguous copy otherwise.
    Kernels that take views read the member axis contiguously and any stride across rows."""
    if xp is np and array.dtype == dtype:
        try:
            reshaped = np.reshape(array, shape, copy=False)
        except (TypeError, ValueError):  # needs a copy (or NumPy < 2.1 without copy=)
            reshaped = None
        if reshaped is not None and (
            reshaped.ndim < 2 or reshaped.shape[-1] <= 1 or reshaped.strides[-1] == dtype.itemsize
        ):
            return reshaped
    return contiguous(xp, xp.reshape(array, shape), dtype)


def normalize_axis(axis: int, ndim: int, name: str, argument: str = "axis") -> int:
    """``axis`` (the parameter called ``argument``) of an array ``name`` with ``ndim`` dims, as 0..ndim-1."""
    try:
        axis = _validate.integer(axis, argument, high=None)
    except TypeError:
        raise TypeError(f"{argument} must be an int, got {type(axis).__name__}") from None
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name} has {ndim} dims but {argument}={axis}")
    return axis % ndim


def broadcast_shape(shapes: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    """Common broadcast shape of the named shapes, or a ValueError listing them."""
    try:
        return tuple(np.broadcast_shapes(*shapes.values()))
    except ValueError:
        listed = ", ".join(f"{k} {v}" for k, v in shapes.items())
        raise ValueError(f"shapes do not broadcast: {listed}") from None


def check_nan_policy(nan_policy: str) -> None:
    _validate.choice(nan_policy, "nan_policy", NAN_POLICIES)


def reject_nan(xp: Any, **arrays: Any) -> None:
    """ValueError naming the first argument containing NaN (for nan_policy='raise')."""
    for name, array in arrays.items():
        if array is not None and bool(xp.isnan(array).any()):
            raise ValueError(f"{name} contains NaN and nan_policy='raise'")


def check_positive(xp: Any, name: str, value: Any) -> None:
    """ValueError when an element of ``value`` is <= 0. NaN passes on purpose: a NaN parameter gives a
    NaN score, the rule of every closed form (see the README's guarantees)."""
    if bool((value <= 0).any()):
        raise ValueError(f"{name} must be > 0")


def check_unit_interval(name: str, value: float, *, closed_right: bool) -> float:
    """``value`` as float in (0, 1) or (0, 1]; ValueError otherwise (NaN included)."""
    try:
        value = _validate.real(value, name, allow_inf=True)
    except ValueError:  # NaN: reported with the interval below
        value = float("nan")
    upper_ok = value <= 1 if closed_right else value < 1
    if not (value > 0 and upper_ok):
        interval = "(0, 1]" if closed_right else "(0, 1)"
        raise ValueError(f"{name} must lie in {interval}, got {value}")
    return value


def to_output(xp: Any, result: Any, shape: tuple[int, ...], on_host: bool) -> Any:
    """Reshape a kernel result; a host caller gets numpy (whatever backend ran), a 0-d result a scalar."""
    if on_host and _validate.on_gpu(result):
        import cupy

        result = cupy.asnumpy(result)
    result = result.reshape(shape)
    return result[()] if shape == () else result
