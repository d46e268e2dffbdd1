"""Validation and canonical layouts for the CRPS functions (one place, before any kernel runs)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from riskcore import _arrays
from riskcore._backend import implementation, on_gpu, resolve

ESTIMATORS = ("nrg", "fair", "afcrps", "pwm", "int")
GRADIENT_ESTIMATORS = ("nrg", "fair", "afcrps")
_NEEDS_TWO_MEMBERS = ("fair", "afcrps", "pwm")
MIN_RELATIVE_WEIGHT = 1e-300


@dataclass
class Canonical:
    """Kernel-ready arrays plus what is needed to shape the result like the inputs."""

    arrays: tuple[Any, ...]
    batch_shape: tuple[int, ...]
    on_host: bool
    xp: Any

    def run(self, operation: str, backend: str | None, *options: Any, empty_shape: tuple[int, ...] = (0,)) -> Any:
        """Calls ``operation(*arrays, *options)`` on the chosen backend; an empty batch returns
        ``empty_shape`` at once."""
        return self._dispatch(operation, (*self.arrays, *options), backend, empty_shape)

    def run_elementwise(self, distribution: str, backend: str | None) -> Any:
        """Closed-form CRPS of ``distribution`` on the flattened arguments."""
        return self._dispatch("crps_parametric", (distribution, list(self.arrays)), backend, (0,))

    def _dispatch(
        self, operation: str, args: tuple[Any, ...], backend: str | None, empty_shape: tuple[int, ...]
    ) -> Any:
        if math.prod(self.batch_shape) == 0:
            return self.xp.empty(empty_shape, dtype=self.arrays[0].dtype)
        return implementation(operation, resolve(backend, *self.arrays))(*args)

    def finish(self, result: Any, shape: tuple[int, ...] | None = None) -> Any:
        return _arrays.to_output(self.xp, result, self.batch_shape if shape is None else shape, self.on_host)


def check_estimator(estimator: str, alpha: float, allowed: tuple[str, ...] = ESTIMATORS) -> float:
    if estimator not in allowed:
        raise ValueError(f"estimator must be one of {allowed}, got {estimator!r}")
    return _arrays.check_unit_interval("alpha", alpha, closed_right=True)


def ensemble(obs: Any, fct: Any, axis: int, weights: Any, nan_policy: str, estimator: str) -> Canonical:
    """obs -> (n,), fct -> (n, m) with members last, weights -> (n, m) or None."""
    _arrays.check_nan_policy(nan_policy)
    xp = _arrays.namespace(obs, fct, weights)
    obs_a = _arrays.as_array(xp, obs, "obs")
    fct_a = _arrays.as_array(xp, fct, "fct")
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
        w_a = _arrays.as_array(xp, weights, "weights")
        try:
            w_a = xp.broadcast_to(w_a, fct_a.shape)
        except ValueError:
            raise ValueError(f"weights shape {w_a.shape} does not broadcast to fct shape {fct_a.shape}") from None
        if not bool((xp.isfinite(w_a) & (w_a >= 0)).all()):
            raise ValueError("weights must be finite and >= 0")
        if not bool((w_a.sum(axis=ax) > 0).all()):
            raise ValueError("weights sum to 0 for at least one forecast")
        largest = w_a.max(axis=ax, keepdims=True)
        if bool(((w_a > 0) & (w_a < MIN_RELATIVE_WEIGHT * largest)).any()):
            raise ValueError(
                f"weights span more than 300 orders of magnitude (a positive weight below {MIN_RELATIVE_WEIGHT:g} "
                "times the largest): float64 cannot represent such a weight exactly; set it to 0"
            )
        w_a = xp.moveaxis(w_a, ax, -1)
    fct_a = xp.moveaxis(fct_a, ax, -1)
    batch = _arrays.broadcast_shape({"obs": obs_a.shape, "fct without its member axis": fct_a.shape[:-1]})
    if nan_policy == "raise":
        _arrays.reject_nan(xp, obs=obs_a, fct=fct_a)
    dtype = _arrays.result_dtype(obs, fct, weights)
    n = math.prod(batch)
    arrays = (  # obs and fct stay views when possible (broadcast inputs cost no memory)
        _arrays.rows_view(xp, xp.broadcast_to(obs_a, batch), (n,), dtype),
        _arrays.rows_view(xp, xp.broadcast_to(fct_a, (*batch, members)), (n, members), dtype),
        None
        if w_a is None
        else _arrays.contiguous(xp, xp.broadcast_to(w_a, (*batch, members)).reshape(n, members), dtype),
    )
    return Canonical(arrays, batch, not any(on_gpu(a) for a in (obs, fct, weights)), xp)


def elementwise(obs: Any, params: dict[str, Any], rules: dict[str, Callable[[dict[str, Any]], Any]]) -> Canonical:
    """obs and parameters broadcast together and flattened; an argument of size 1 stays of size 1.

    ``rules`` maps an error message to a predicate that is true where the parameters are invalid
    (NaN parameters pass and give NaN scores).
    """
    xp = _arrays.namespace(obs, *params.values())
    named = {"obs": _arrays.as_array(xp, obs, "obs")}
    named.update({k: _arrays.as_array(xp, v, k) for k, v in params.items()})
    batch = _arrays.broadcast_shape({k: a.shape for k, a in named.items()})
    for message, invalid in rules.items():
        if bool(xp.any(invalid(named))):
            raise ValueError(message)
    dtype = _arrays.result_dtype(obs, *params.values())
    n = math.prod(batch)
    flat = tuple(
        _arrays.contiguous(xp, a.reshape(1) if a.size == 1 else xp.broadcast_to(a, batch).reshape(n), dtype)
        for a in named.values()
    )
    return Canonical(flat, batch, not any(on_gpu(a) for a in (obs, *params.values())), xp)


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
    return Canonical(arrays, batch, not any(on_gpu(a) for a in (obs, m, s, w)), xp)


def multivariate(obs: Any, fct: Any) -> Canonical:
    """Energy score inputs: obs (..., d) -> (n, d), fct (..., m, d) -> (n, m, d)."""
    xp = _arrays.namespace(obs, fct)
    obs_a = _arrays.as_array(xp, obs, "obs")
    fct_a = _arrays.as_array(xp, fct, "fct")
    if fct_a.ndim < 2 or obs_a.ndim < 1:
        raise ValueError("energy_score needs fct of shape (..., m, d) and obs of shape (..., d)")
    m, d = fct_a.shape[-2:]
    if obs_a.shape[-1] != d:
        raise ValueError(f"obs has {obs_a.shape[-1]} variables but fct has d={d} (last axis)")
    if m == 0:
        raise ValueError("fct has no members (axis -2)")
    batch = _arrays.broadcast_shape(
        {"obs without its last axis": obs_a.shape[:-1], "fct without (m, d)": fct_a.shape[:-2]}
    )
    dtype = _arrays.result_dtype(obs, fct)
    n = math.prod(batch)
    arrays = (
        _arrays.contiguous(xp, xp.broadcast_to(obs_a, (*batch, d)).reshape(n, d), dtype),
        _arrays.contiguous(xp, xp.broadcast_to(fct_a, (*batch, m, d)).reshape(n, m, d), dtype),
    )
    return Canonical(arrays, batch, not any(on_gpu(a) for a in (obs, fct)), xp)


def as_float_bound(name: str, value: Any) -> float:
    value = float(value)
    if np.isnan(value):
        raise ValueError(f"{name} must not be NaN")
    return value
