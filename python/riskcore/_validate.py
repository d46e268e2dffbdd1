"""The one validation layer: every public function states its arguments through these helpers.

The rules, the same for every capability (the README's "What is guaranteed" repeats them):

- **Messages** name the argument and say what was expected and what came:
  ``ValueError: alpha must be in (0, 1), got 1.5``; ``TypeError: m must be an integer, got float``.
- **Real arrays** (:func:`real_array`) accept int, uint and float dtypes (float16 computes as float32)
  and pandas objects (nullable ``Float64``/``Int64`` with ``pd.NA`` read as NaN); bool, complex,
  object, string and datetime dtypes raise TypeError (a weight function's values, :func:`weight_values`,
  may be bool: 0/1). NaN and +/-inf are rejected unless the argument
  allows them; ranges are checked with the interval in the message.
- **Integers** (:func:`integer`) are Python ints or NumPy integers of any width (never bool, never a
  float); values beyond int64 or outside the stated range raise ValueError, never OverflowError.
- **Reals** (:func:`real`) are finite unless stated; NaN always raises.
- **Seeds** (:func:`seed`) are integers in [0, 2**64).
- **Work and memory** (:func:`limit`): arguments whose cost grows with their value are checked up front;
  past the limit a ValueError (work) or MemoryError (memory) says how big is too big and what to use.
- **Checks fused into kernels** report ``(count, first_index)``; :func:`fused_error` turns that into the
  same kind of message as a NumPy-side check.
- **Scalars in, scalars out** (:func:`scalar_or_array`): a problem given without batch axes returns 0-d
  results (NumPy scalars), like NumPy.

>>> integer(np.int8(5), "n", low=0)
5
>>> real(0.1, "alpha", low=0, high=1, interval="()")
0.1
>>> real(1.5, "alpha", low=0, high=1, interval="()")
Traceback (most recent call last):
...
ValueError: alpha must be in (0, 1), got 1.5
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

INT64_MAX = int(np.iinfo(np.int64).max)
SEED_MAX = 2**64 - 1
_KIND_NAMES = {"b": "bool", "c": "complex", "O": "object", "U": "str", "S": "bytes", "M": "datetime", "m": "timedelta"}


def _interval(low: float | None, high: float | None, interval: str) -> str:
    left = "(" if interval[0] == "(" or low is None else "["
    right = ")" if interval[1] == ")" or high is None else "]"
    lo = "-inf" if low is None else _number(low)
    hi = "inf" if high is None else _number(high)
    return f"{left}{lo}, {hi}{right}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else f"{value:g}"


def _outside(value: Any, low: float | None, high: float | None, interval: str, xp: Any = np) -> Any:
    """Boolean (array) of values outside the interval; NaN counts as outside."""
    ok = xp.ones(np.shape(value), dtype=bool)
    with np.errstate(invalid="ignore"):
        if low is not None:
            ok &= (value > low) if interval[0] == "(" else (value >= low)
        if high is not None:
            ok &= (value < high) if interval[1] == ")" else (value <= high)
    return ~ok


# ------------------------------------------------------------------------------------------ scalars
def integer(value: Any, name: str, *, low: int | None = None, high: int | None = INT64_MAX) -> int:
    """``value`` as a Python int in [low, high] (high defaults to the int64 maximum).

    >>> integer(2**63, "m", low=1)
    Traceback (most recent call last):
    ...
    ValueError: m must be in 1..9223372036854775807, got 9223372036854775808
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral, np.integer)):
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
            value = value[()]
        else:
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)  # NumPy small ints: no wrap-around from here on
    if (low is not None and value < low) or (high is not None and value > high):
        if high is None:
            raise ValueError(f"{name} must be >= {low}, got {value}")
        if low is None:
            raise ValueError(f"{name} must be <= {high}, got {value}")
        raise ValueError(f"{name} must be in {low}..{high}, got {value}")
    return value


def real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    interval: str = "[]",
    allow_inf: bool = False,
) -> float:
    """``value`` as a Python float; NaN, +/-inf (unless ``allow_inf``) and values outside the interval
    (``interval`` is "[]", "(]", "[)" or "()") raise ValueError naming ``name``."""
    if on_gpu(value) and getattr(value, "ndim", None) == 0 and getattr(value.dtype, "kind", "") in "iuf":
        value = value.item()  # a 0-d device array: one scalar comes to the host
    if isinstance(value, (bool, np.bool_, str, bytes)) or not isinstance(value, (numbers.Real, np.generic, np.ndarray)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if isinstance(value, (np.ndarray, np.generic)) and (np.ndim(value) or np.asarray(value).dtype.kind not in "iuf"):
        raise TypeError(
            f"{name} must be a real number, got a {np.asarray(value).dtype} array of shape {np.shape(value)}"
        )
    try:
        number = float(value)
    except OverflowError:  # a Python int beyond the float range
        raise ValueError(f"{name} must be a finite number, got {value}") from None
    if math.isnan(number) or (math.isinf(number) and not allow_inf):
        raise ValueError(f"{name} must be a finite number, got {number}")
    if _outside(number, low, high, interval):
        raise ValueError(f"{name} must be in {_interval(low, high, interval)}, got {value}")
    return number


def probability(value: Any, name: str, *, interval: str = "()") -> float:
    """A level such as alpha or a confidence: a real in (0, 1) by default."""
    return real(value, name, low=0.0, high=1.0, interval=interval)


def choice(value: Any, name: str, options: Sequence[str]) -> str:
    """``value`` if it is one of ``options``; ValueError listing them otherwise."""
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {value!r}")
    return value


def function(value: Any, name: str, *, optional: bool = False) -> Any:
    """``value`` if it is callable (or None with ``optional``); TypeError naming ``name`` otherwise."""
    if not (callable(value) or (optional and value is None)):
        raise TypeError(f"{name} must be callable{' or None' if optional else ''}, got {type(value).__name__}")
    return value


def seed(value: Any, name: str = "seed") -> int:
    """A seed: an integer in [0, 2**64)."""
    return integer(value, name, low=0, high=SEED_MAX)


def limit(what: str, amount: float, maximum: float, advice: str, *, memory: bool = False) -> None:
    """Refuse work (ValueError) or memory (MemoryError) beyond ``maximum`` with a message saying how
    big is too big and what to use instead.

    >>> limit("n_trajectories * horizon", 1e20, 1e15, "split the run into shards")
    Traceback (most recent call last):
    ...
    ValueError: n_trajectories * horizon is 1e+20, above the limit of 1e+15: split the run into shards
    """
    if amount > maximum:
        error = MemoryError if memory else ValueError
        raise error(f"{what} is {_amount(amount)}, above the limit of {_amount(maximum)}: {advice}")


def _amount(value: float) -> str:
    """``value`` as ``%.3g``, also for Python ints beyond the float range."""
    try:
        return f"{float(value):.3g}"
    except OverflowError:
        digits = str(int(value))
        return f"{digits[0]}.{digits[1:3]}e+{len(digits) - 1}"


# ------------------------------------------------------------------------------------------- arrays
def on_gpu(value: Any) -> bool:
    """True for device arrays (CuPy and anything exposing ``__cuda_array_interface__``)."""
    return hasattr(value, "__cuda_array_interface__")


def namespace(*arrays: Any) -> Any:
    """numpy, or cupy when any input is a GPU array (GPU arrays are never copied to the host)."""
    if any(on_gpu(a) for a in arrays):
        import cupy

        return cupy
    return np


def is_pandas(value: Any) -> bool:
    """True for pandas objects (Series, DataFrame, Index, extension arrays)."""
    return type(value).__module__.startswith("pandas")


def _pandas_dtypes(value: Any) -> list[Any]:
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return [dtype]
    dtypes = getattr(value, "dtypes", None)
    return [] if dtypes is None else list(dtypes)


def _from_pandas(value: Any, name: str = "value") -> Any:
    """pandas Series/DataFrame/extension arrays as NumPy (nullable ``Float64``/``Int64`` with pd.NA -> NaN,
    as float64); plain NumPy-backed columns without a copy; anything else unchanged."""
    if not is_pandas(value):
        return value
    dtypes = _pandas_dtypes(value)
    nullable = [d for d in dtypes if not isinstance(d, np.dtype)]
    if any(getattr(d, "kind", "O") == "b" for d in dtypes):
        raise dtype_kind_error(name, np.dtype(bool))
    if nullable and all(getattr(d, "kind", "O") in "iuf" for d in nullable):
        return value.to_numpy(dtype=np.float64, na_value=np.nan)
    return value.to_numpy()


def dtype_kind_error(name: str, dtype: np.dtype) -> TypeError:
    what = _KIND_NAMES.get(dtype.kind, str(dtype))
    return TypeError(f"{name} must have a real numeric dtype (float or int), got {what}")


def _first(xp: Any, bad: Any, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Index (tuple) of the first True of a boolean array."""
    return tuple(int(i) for i in np.unravel_index(int(xp.argmax(bad.reshape(-1))), shape))


def _asarray(value: Any, name: str, xp: Any) -> Any:
    if xp is np and on_gpu(value):
        xp = namespace(value)  # a GPU array stays on its device
    try:
        return xp.asarray(value)
    except OverflowError:
        raise ValueError(f"{name} has integers beyond the int64/uint64 range") from None
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real numeric array ({exc})") from None


def real_array(
    value: Any,
    name: str,
    *,
    xp: Any = np,
    ndim: int | Sequence[int] | None = None,
    nonempty: bool = False,
    allow_nan: bool = True,
    allow_inf: bool = True,
    low: float | None = None,
    high: float | None = None,
    interval: str = "[]",
) -> Any:
    """``value`` as an array of a real dtype (no copy when it already is one), with the stated rules.

    Accepted: int, uint and float dtypes, lists of numbers, pandas objects (nullable dtypes with pd.NA
    read as NaN) and GPU arrays (returned as they are, on their device). Rejected with TypeError: bool,
    complex, object, str, bytes, datetime and timedelta dtypes. The checks that read the whole array
    (NaN, inf, range) are done here only when asked; kernels that can check in their own pass leave
    them off and report through :func:`fused_error`.

    >>> real_array([1, 2], "x").dtype
    dtype('int64')
    >>> real_array([True], "x")
    Traceback (most recent call last):
    ...
    TypeError: x must have a real numeric dtype (float or int), got bool
    >>> real_array([0.5, -1.0], "p", low=0, high=1)
    Traceback (most recent call last):
    ...
    ValueError: p must be in [0, 1], got -1.0 at index (1,)
    """
    array = _asarray(_from_pandas(value, name), name, xp)
    xp = namespace(array)
    if array.dtype.kind not in "iuf":
        if array.dtype.kind == "O" and any(
            isinstance(v, numbers.Integral) and not -(2**63) <= v <= 2**64 - 1 for v in array.flat
        ):  # a list NumPy could only hold as objects because of a huge int
            raise ValueError(f"{name} has integers beyond the int64/uint64 range")
        raise dtype_kind_error(name, np.dtype(array.dtype))
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if array.ndim not in allowed:
            dims = " or ".join(f"{d}-d" for d in allowed)
            raise ValueError(f"{name} must be {dims}, got shape {tuple(array.shape)}")
    if nonempty and array.size == 0:
        raise ValueError(f"{name} is empty")
    if array.dtype.kind == "f" and array.size and not (allow_nan and allow_inf):
        for allowed_here, test, what in ((allow_nan, xp.isnan, "NaN"), (allow_inf, xp.isinf, "inf")):
            if not allowed_here:
                bad = test(array)
                if bool(bad.any()):
                    first = _first(xp, bad, array.shape)
                    raise ValueError(f"{name} contains {what}: {array[first]} at index {first}")
    if (low is not None or high is not None) and array.size:
        bad = _outside(array, low, high, interval, xp)
        if array.dtype.kind == "f":
            bad &= ~xp.isnan(array)  # NaN follows allow_nan, not the range
        if bool(bad.any()):
            first = _first(xp, bad, array.shape)
            raise ValueError(f"{name} must be in {_interval(low, high, interval)}, got {array[first]} at index {first}")
    return array


def weight_values(value: Any, name: str, shape: tuple[int, ...] | None = None) -> Any:
    """Values returned by a user's weight function: real numbers >= 0 (not NaN), broadcast to ``shape``
    when given. Booleans are read as 0/1 here (and only here): a weight function is often an
    indicator such as ``lambda x: x > t``.

    >>> weight_values(np.array([True, False]), "w_func(obs)")
    array([1., 0.])
    >>> weight_values([1.0, 2.0], "w_func(fct)", (3,))
    Traceback (most recent call last):
    ...
    ValueError: w_func(fct) returned shape (2,), which does not broadcast to (3,)
    """
    array = _asarray(_from_pandas(value, name), name, np)
    if array.dtype == bool:
        array = array.astype(np.float64)
    if shape is not None:
        try:
            array = namespace(array).broadcast_to(array, shape)
        except ValueError:
            got = tuple(array.shape)
            raise ValueError(f"{name} returned shape {got}, which does not broadcast to {shape}") from None
    return real_array(array, name, low=0.0, allow_nan=False)


def integer_array(
    value: Any, name: str, *, xp: Any = np, low: int | None = None, high: int | None = None, ndim: int | None = None
) -> Any:
    """``value`` as an integer array (int/uint dtypes, or floats holding whole numbers, converted to int64)
    with every element in [low, high].

    >>> integer_array([3, 0], "hits", low=0)
    array([3, 0])
    >>> integer_array([1.5], "hits")
    Traceback (most recent call last):
    ...
    TypeError: hits must hold integers, got 1.5 at index (0,)
    """
    array = real_array(value, name, xp=xp, ndim=ndim, allow_nan=False, allow_inf=False)
    xp = namespace(array)
    if array.dtype.kind == "f":
        fractional = array != xp.floor(array)
        if bool(fractional.any()):
            first = _first(xp, fractional, array.shape)
            raise TypeError(f"{name} must hold integers, got {array[first]} at index {first}")
        if array.size and bool((xp.abs(array) >= 2.0**63).any()):
            raise ValueError(f"{name} has integers beyond the int64 range")
        array = array.astype(np.int64)
    if (low is not None or high is not None) and array.size:
        bad = _outside(array, low, high, "[]", xp)
        if bool(bad.any()):
            first = _first(xp, bad, array.shape)
            lo = "-inf" if low is None else low
            hi = "inf" if high is None else high
            raise ValueError(f"{name} must be in {lo}..{hi}, got {array[first]} at index {first}")
    return array


def positive(value: Any, name: str, *, allow_inf: bool = False) -> float:
    """A real scalar > 0 (a scale, a rate, a tolerance); arrays use ``real_array(..., low=0, interval="()")``.

    >>> positive(0.0, "sigma")
    Traceback (most recent call last):
    ...
    ValueError: sigma must be in (0, inf), got 0.0
    """
    return real(value, name, low=0.0, interval="()", allow_inf=allow_inf)


def flag(value: Any, name: str) -> bool:
    """A yes/no option: Python or NumPy bool only (an array or a number is a ``TypeError``: its truth
    value would be ambiguous or accidental).

    >>> flag(1, "onehot")
    Traceback (most recent call last):
    ...
    TypeError: onehot must be True or False, got int
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def scalar_problem(*values: Any) -> bool:
    """True when every input is a scalar (0-d): the result is then a NumPy scalar (:func:`scalar_or_array`)."""
    return all(np.ndim(v) == 0 for v in values)


def fused_error(name: str, rule: str, count: int, first_index: int, shape: tuple[int, ...], value: Any = None) -> None:
    """Raise the ValueError of a check a kernel did in its own pass: ``count`` offending values, the
    first at flat index ``first_index`` of an array of ``shape`` (and, when given, its ``value``);
    nothing when ``count`` is 0.

    >>> fused_error("hazards", "in [0, 1]", 2, 5, (2, 3), value=1.5)
    Traceback (most recent call last):
    ...
    ValueError: hazards must be in [0, 1]: 2 value(s) are not, the first at index (1, 2): 1.5
    """
    if count:
        where = tuple(int(i) for i in np.unravel_index(int(first_index), shape)) if shape else ()
        got = "" if value is None else f": {value}"
        raise ValueError(f"{name} must be {rule}: {int(count)} value(s) are not, the first at index {where}{got}")


def scalar_or_array(result: Any, scalar_problem: bool) -> Any:
    """0-d NumPy scalar for a scalar problem (no batch axes given), the array unchanged otherwise."""
    if scalar_problem:
        return np.asarray(result).reshape(-1)[0] if np.size(result) == 1 else result
    return result


# ------------------------------------------------------------------------------------------- pandas
def pandas_like(result: Any, *inputs: Any) -> Any:
    """``result`` as pandas when an input is pandas: a 1-d result of the input's length becomes a Series
    on its index, a 2-d result of a DataFrame's shape a DataFrame with its index and columns; tuples
    are converted element by element; anything else (scalars, other shapes) is returned unchanged.

    >>> import pandas as pd
    >>> pandas_like(np.array([1.0, 2.0]), pd.Series([5.0, 6.0], index=["a", "b"]))
    a    1.0
    b    2.0
    dtype: float64
    """
    template = next((v for v in inputs if is_pandas(v) and hasattr(v, "index") and hasattr(v, "ndim")), None)
    if template is None:
        return result
    if isinstance(result, tuple) and not hasattr(result, "_fields"):
        return tuple(pandas_like(r, template) for r in result)
    import pandas as pd

    if isinstance(result, np.ndarray) and result.ndim == 1 and len(result) == len(template.index):
        return pd.Series(
            result, index=template.index, name=getattr(template, "name", None) if template.ndim == 1 else None
        )
    if isinstance(result, np.ndarray) and result.ndim == 2 and template.ndim == 2 and result.shape == template.shape:
        return pd.DataFrame(result, index=template.index, columns=template.columns)
    return result


def returns_pandas(function: Any) -> Any:
    """Decorator: pandas in -> pandas out (:func:`pandas_like` on the result), free for NumPy inputs."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        if any(is_pandas(v) for v in (*args, *kwargs.values())):
            return pandas_like(result, *args, *kwargs.values())
        return result

    return wrapper
