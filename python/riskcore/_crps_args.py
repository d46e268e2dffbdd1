"""Validation and canonical layouts for the CRPS functions (one place, before any kernel runs)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from riskcore import _arrays, _validate
from riskcore._backend import implementation, on_gpu, resolve

ESTIMATORS = ("nrg", "fair", "afcrps", "pwm", "int", "akr", "akr_circperm")
GRADIENT_ESTIMATORS = ("nrg", "fair", "afcrps", "akr", "akr_circperm")
_UNWEIGHTED = ("pwm", "akr", "akr_circperm")
_NEEDS_TWO_MEMBERS = ("fair", "afcrps", "pwm")
MIN_RELATIVE_WEIGHT = 1e-300


@dataclass
class Canonical:
    """Kernel-ready arrays plus what is needed to shape the result like the inputs."""

    arrays: tuple[Any, ...]
    batch_shape: tuple[int, ...]
    on_host: bool
    xp: Any
    pandas: Any = None  # a pandas input whose index labels the batch (results come back as pandas)

    def run(self, operation: str, backend: str | None, *options: Any, empty_shape: tuple[int, ...] = (0,)) -> Any:
        """Calls ``operation(*arrays, *options)`` on the chosen backend; an empty batch returns
        ``empty_shape`` at once."""
        return self._dispatch(operation, (*self.arrays, *options), backend, empty_shape)

    def run_chained(
        self, backend: str | None, estimator: str, alpha: float, omit_nan: bool, lower: float, upper: float
    ) -> Any:
        """Ensemble CRPS of the members and observations mapped through min(max(z, lower), upper) inside
        the cpu and numba kernels (no copy of the ensemble); the CUDA launcher has no chaining arguments,
        so there the arrays are clipped on the device first."""
        if math.prod(self.batch_shape) == 0:
            return self.xp.empty((0,), dtype=self.arrays[0].dtype)
        name = resolve(backend, *self.arrays)
        if name == "cuda":
            obs, fct, weights = self.arrays
            clipped = (self.xp.clip(obs, lower, upper), self.xp.clip(fct, lower, upper), weights)
            return implementation("crps_ensemble", name)(*clipped, estimator, alpha, omit_nan)
        return implementation("crps_ensemble", name)(*self.arrays, estimator, alpha, omit_nan, lower, upper)

    def run_elementwise(self, distribution: str, backend: str | None) -> Any:
        """Closed-form CRPS of ``distribution`` on the flattened arguments."""
        return self._dispatch("crps_parametric", (distribution, list(self.arrays)), backend, (0,))

    def _dispatch(
        self, operation: str, args: tuple[Any, ...], backend: str | None, empty_shape: tuple[int, ...]
    ) -> Any:
        if math.prod(self.batch_shape) == 0:
            return self.xp.empty(empty_shape, dtype=self.arrays[0].dtype)
        return implementation(operation, resolve(backend, *self.arrays))(*args)

    def finish(self, result: Any, shape: tuple[int, ...] | None = None, columns: Any = None) -> Any:
        """The kernel result in the batch shape (or ``shape``); pandas in -> pandas out with its index
        (a Series, or a DataFrame with ``columns`` for per-member results)."""
        out = _arrays.to_output(self.xp, result, self.batch_shape if shape is None else shape, self.on_host)
        if self.pandas is None:
            return out
        import pandas as pd

        if out.ndim == 1:
            return pd.Series(out, index=self.pandas.index, name=getattr(self.pandas, "name", None))
        return pd.DataFrame(out, index=self.pandas.index, columns=columns)


def check_estimator(estimator: str, alpha: float, allowed: tuple[str, ...] = ESTIMATORS) -> float:
    if estimator not in allowed:
        raise ValueError(f"estimator must be one of {allowed}, got {estimator!r}")
    return _arrays.check_unit_interval("alpha", alpha, closed_right=True)


def ensemble(obs: Any, fct: Any, axis: int, weights: Any, nan_policy: str, estimator: str) -> Canonical:
    """obs -> (n,), fct -> (n, m) with members last, weights -> (n, m) or None.

    All three stay views of the caller's arrays when NumPy can express them as (n,) / (n, m) views of the
    result dtype (a broadcast weight vector has member stride 8 and row stride 0, ``fct[:, ::2]`` member
    stride 16): the cpu and numba kernels read any strides, so nothing is expanded or copied. pandas
    inputs are read through :func:`riskcore._validate.real_array` (nullable dtypes, pd.NA as NaN) and
    their index is given back by :meth:`Canonical.finish`.
    """
    _arrays.check_nan_policy(nan_policy)
    xp = _arrays.namespace(obs, fct, weights)
    obs_a = _validate.real_array(obs, "obs", xp=xp)
    fct_a = _validate.real_array(fct, "fct", xp=xp)
    if fct_a.ndim == 0:
        raise ValueError("fct must have a member axis, got a 0-d array")
    ax = _arrays.normalize_axis(axis, fct_a.ndim, "fct")
    members = fct_a.shape[ax]
    if members == 0:
        raise ValueError(f"fct has no members along axis {axis}")
    if members < 2 and estimator in _NEEDS_TWO_MEMBERS:
        raise ValueError(f"estimator {estimator!r} needs at least 2 members, fct has 1 along axis {axis}")
    w_a = None
    if weights is not None:
        if estimator == "pwm":
            raise ValueError("estimator 'pwm' takes no weights; use 'fair' (the same score) with weights")
        if estimator in _UNWEIGHTED:
            raise ValueError(f"estimator {estimator!r} takes no weights (it pairs members by their order)")
        w_a = xp.moveaxis(member_weights(xp, weights, fct_a.shape, ax), ax, -1)
    fct_a = xp.moveaxis(fct_a, ax, -1)
    batch = _arrays.broadcast_shape({"obs": obs_a.shape, "fct without its member axis": fct_a.shape[:-1]})
    if nan_policy == "raise":
        for name, a in (("obs", obs_a), ("fct", fct_a)):
            if contains_nan(xp, a):
                raise ValueError(f"{name} contains NaN and nan_policy='raise'")
    given = ((obs, obs_a), (fct, fct_a), (weights, w_a))  # Python scalars do not set the dtype
    dtype = _arrays.result_dtype(*(a if hasattr(v, "dtype") else v for v, a in given))
    n = math.prod(batch)
    arrays = tuple(
        None if a is None else strided_rows(xp, xp.broadcast_to(a, shape), (n, *shape[len(batch) :]), dtype)
        for a, shape in ((obs_a, batch), (fct_a, (*batch, members)), (w_a, (*batch, members)))
    )
    on_host = not any(on_gpu(a) for a in (obs, fct, weights))
    return Canonical(arrays, batch, on_host, xp, pandas_like(obs, fct, ax, batch))


def member_weights(xp: Any, weights: Any, shape: tuple[int, ...], ax: int) -> Any:
    """Member weights read for an ensemble ``fct`` of ``shape`` with members on axis ``ax``: a view of
    fct's ndim that broadcasts to ``shape``, checked by :func:`check_weights`. A 1-D array of length m lies
    along the member axis whatever ``ax`` is (weights along any other axis would cancel in the per-forecast
    normalisation); any other shape broadcasts to ``shape`` as NumPy does."""
    w = _validate.real_array(weights, "weights", xp=xp)
    if w.ndim == 1 and len(shape) > 1 and w.shape[0] == shape[ax]:
        w = xp.reshape(w, tuple(shape[ax] if d == ax else 1 for d in range(len(shape))))
    if not broadcasts_to(w.shape, shape):
        raise ValueError(f"weights of shape {w.shape} must be (m,) = ({shape[ax]},) or broadcast to fct shape {shape}")
    w = xp.reshape(w, (1,) * (len(shape) - w.ndim) + w.shape)
    check_weights(xp, w, ax)
    return w


def broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether an array of ``shape`` broadcasts to ``target`` (without growing it)."""
    try:
        return len(shape) <= len(target) and np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def check_weights(xp: Any, w: Any, ax: int) -> None:
    """Member weights (already of fct's ndim, broadcastable to it): finite, >= 0, not all 0 for a forecast
    and spanning at most 300 orders of magnitude. Reductions only (min, max, per-forecast max), and the
    last check in slices of about 2**20 elements: no temporary as large as the weights."""
    if w.size == 0:
        return
    low, high = float(w.min()), float(w.max())  # NaN propagates into both
    if not (low >= 0 and math.isfinite(high)):
        raise ValueError("weights must be finite and >= 0 (NaN weights raise under every nan_policy)")
    largest = w.max(axis=ax, keepdims=True)
    if not bool((largest > 0).all()):
        raise ValueError("weights sum to 0 for at least one forecast")
    bound = MIN_RELATIVE_WEIGHT * largest
    others = [k for k in range(w.ndim) if k != ax]
    other = max(others, key=lambda k: w.shape[k]) if others else None
    length = 1 if other is None else w.shape[other]
    step = max(1, (2**20 * length) // w.size)
    for start in range(0, length, step):
        cut = () if other is None else (slice(None),) * other + (slice(start, start + step),)
        if bool(((w[cut] > 0) & (w[cut] < bound[cut])).any()):
            raise ValueError(
                f"weights span more than 300 orders of magnitude (a positive weight below {MIN_RELATIVE_WEIGHT:g} "
                "times the largest): float64 cannot represent such a weight exactly; set it to 0"
            )


def contains_nan(xp: Any, a: Any) -> bool:
    """Whether a float array holds a NaN, by one reduction (min propagates NaN): no boolean temporary."""
    return a.dtype.kind == "f" and a.size > 0 and bool(xp.isnan(a.min()))


def strided_rows(xp: Any, array: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """``array`` reshaped to ``shape`` as a view with any strides when it has the dtype already (the
    kernels read strided rows and members); a contiguous copy in ``dtype`` otherwise."""
    if xp is np and array.dtype == dtype:
        try:
            return np.reshape(array, shape, copy=False)
        except (TypeError, ValueError):  # the batch axes cannot be merged without a copy
            pass
    return _arrays.contiguous(xp, xp.reshape(array, shape), dtype)


def pandas_like(obs: Any, fct: Any, ax: int, batch: tuple[int, ...]) -> Any:
    """The pandas object whose index labels a 1-d batch (fct as a DataFrame with members as columns,
    else obs as a Series/DataFrame), or None."""
    if len(batch) != 1:
        return None
    if type(fct).__name__ == "DataFrame" and type(fct).__module__.startswith("pandas") and ax == 1:
        return fct if len(fct.index) == batch[0] else None
    if type(obs).__name__ in ("Series", "DataFrame") and type(obs).__module__.startswith("pandas"):
        return obs if len(obs.index) == batch[0] else None
    return None


def pandas_template(batch: tuple[int, ...], *inputs: Any) -> Any:
    """The first pandas Series (or one-column-per-row DataFrame) among ``inputs`` whose index labels a
    1-d batch, or None: elementwise scores of pandas inputs come back as a Series on that index."""
    if len(batch) != 1:
        return None
    for value in inputs:
        if type(value).__name__ == "Series" and type(value).__module__.startswith("pandas"):
            if len(value.index) == batch[0]:
                return value
    return None


def elementwise(obs: Any, params: dict[str, Any], rules: dict[str, Callable[[dict[str, Any]], Any]]) -> Canonical:
    """obs and parameters broadcast together and flattened; an argument of size 1 stays of size 1.

    ``rules`` maps an error message to a predicate that is true where the parameters are invalid
    (NaN parameters pass and give NaN scores).
    """
    xp = _arrays.namespace(obs, *params.values())
    named = {"obs": _arrays.as_array(xp, obs, "obs")}
    named.update({k: _arrays.as_array(xp, v, k) for k, v in params.items()})
    batch = _arrays.broadcast_shape({k: a.shape for k, a in named.items()})
    # the rules compare with limits float16 cannot hold (1e5 is inf there): float16 is checked as float32,
    # the type it computes in
    checked = {k: a.astype(xp.float32) if a.dtype == xp.float16 else a for k, a in named.items()}
    for message, invalid in rules.items():
        if bool(xp.any(invalid(checked))):
            raise ValueError(message)
    dtype = _arrays.result_dtype(obs, *params.values())
    n = math.prod(batch)
    flat = tuple(
        _arrays.contiguous(xp, a.reshape(1) if a.size == 1 else xp.broadcast_to(a, batch).reshape(n), dtype)
        for a in named.values()
    )
    on_host = not any(on_gpu(a) for a in (obs, *params.values()))
    return Canonical(flat, batch, on_host, xp, pandas_template(batch, obs, *params.values()))


def components(obs: Any, m: Any, s: Any, w: Any, axis: int) -> Canonical:
    """Normal mixtures: obs -> (n,), m, s, w -> (n, K) with components last."""
    xp = _arrays.namespace(obs, m, s, w)
    obs_a = _arrays.as_array(xp, obs, "obs")
    m_a = _arrays.as_array(xp, m, "m")
    if m_a.ndim == 0:
        raise ValueError("m must have a component axis, got a 0-d array")
    ax = _arrays.normalize_axis(axis, m_a.ndim, "m")
    s_a = _arrays.as_array(xp, s, "s")
    w_a = xp.ones_like(m_a) if w is None else _arrays.as_array(xp, w, "w")
    _arrays.check_positive(xp, "s", s_a)
    if not bool((xp.isfinite(w_a) & (w_a >= 0)).all()):
        raise ValueError("w must be finite and >= 0")
    comp = _arrays.broadcast_shape({"m": m_a.shape, "s": s_a.shape, "w": w_a.shape})
    if m_a.shape[ax] == 0:
        raise ValueError(f"m has no components along axis {axis}")
    moved = [xp.moveaxis(xp.broadcast_to(a, comp), ax, -1) for a in (m_a, s_a, w_a)]
    if not bool((moved[2].sum(axis=-1) > 0).all()):
        raise ValueError("w sums to 0 for at least one mixture")
    k = moved[0].shape[-1]
    batch = _arrays.broadcast_shape({"obs": obs_a.shape, "m without its component axis": moved[0].shape[:-1]})
    dtype = _arrays.result_dtype(obs, m, s, *([] if w is None else [w]))
    n = math.prod(batch)
    arrays = (
        _arrays.contiguous(xp, xp.broadcast_to(obs_a, batch).reshape(n), dtype),
        *tuple(_arrays.contiguous(xp, xp.broadcast_to(a, (*batch, k)).reshape(n, k), dtype) for a in moved),
    )
    return Canonical(arrays, batch, not any(on_gpu(a) for a in (obs, m, s, w)), xp, pandas_template(batch, obs))


def as_float_bound(name: str, value: Any) -> float:
    """A threshold or interval end: a real number, +/-inf allowed, NaN refused."""
    number = _validate.real(value, name, allow_inf=True) if not isinstance(value, float) else value
    if math.isnan(number):
        raise ValueError(f"{name} must not be NaN")
    return number
