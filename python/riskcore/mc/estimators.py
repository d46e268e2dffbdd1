r"""MC, SCOPE and REACH from arrays computed elsewhere (the model ran outside riskcore).

One kernel pass over the hazards (C++ threads, Numba, or CUDA for device arrays; every array read in
place through its strides, no copies) computes the per-(query, outcome) moments and checks the hazards
and first hits on the way: an offending value is reported with its count and the index of the first
one. Results are host objects on every backend.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _validate
from riskcore._backend import implementation, on_gpu, resolve
from riskcore._validate import namespace
from riskcore.mc.results import RiskAccumulator, RiskEstimate

_KIND = {"mc": 0, "scope": 1, "reach": 2}
_INT64 = np.int64


def _kernel(backend: str, *arrays: Any) -> Any:
    """The risk_moments kernel: device arrays go to the cuda one (read in place), host arrays stay on
    the host (a GPU would first need a copy of the hazards)."""
    name = resolve(backend, *arrays)
    if name == "cuda" and not any(on_gpu(a) for a in arrays):
        name = resolve("cpu")
    return implementation("risk_moments", name)


def _hazards(hazards: ArrayLike) -> np.ndarray:
    h = _validate.real_array(hazards, "hazards", ndim=(3, 4))
    if h.dtype.kind != "f":
        raise TypeError(f"hazards must be a float array (float32 or float64), got {h.dtype}")
    if h.dtype == np.float16:
        h = h.astype(np.float32)
    if h.shape[1] == 0:
        raise ValueError("hazards has no trajectories (axis 1 is empty)")
    return h


def _per_trajectory(value: ArrayLike, name: str, shape: tuple[int, ...], outcomes: int) -> np.ndarray:
    """An integer array of shape (Q, N) or (Q, N, K) as an int64 (Q, N, K) view (on its device)."""
    a = namespace(value).asarray(value)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name} must be an integer array, got {a.dtype}")
    q, n = shape
    allowed = [(q, n), (q, n, outcomes)]
    if a.shape not in allowed:
        raise ValueError(f"{name} must have shape {allowed[0]} or {allowed[1]}, got {a.shape}")
    if a.dtype.kind == "u" and a.dtype.itemsize == 8 and a.size and int(a.max()) > np.iinfo(_INT64).max:
        raise ValueError(f"{name} holds values beyond int64")
    a = a.astype(_INT64, copy=False)
    return namespace(a).broadcast_to(a[..., None] if a.ndim == 2 else a, (q, n, outcomes))


def _steps(h: np.ndarray, lengths: ArrayLike | None, mask: ArrayLike | None) -> tuple[np.ndarray, np.ndarray | None]:
    """(lengths (Q, N, K) int64, mask (Q, N, T) uint8 or None) of the valid steps."""
    q, n, t = h.shape[:3]
    k = h.shape[3] if h.ndim == 4 else 1
    if lengths is not None and mask is not None:
        raise ValueError("give lengths or mask, not both")
    if mask is not None:
        m = namespace(mask).asarray(mask)
        if m.dtype != bool or m.shape != (q, n, t):
            raise ValueError(f"mask must be a bool array of shape {(q, n, t)}, got {m.dtype} {m.shape}")
        return np.broadcast_to(np.asarray(t, _INT64), (q, n, k)), m.view(np.uint8)
    if lengths is None:
        return np.broadcast_to(np.asarray(t, _INT64), (q, n, k)), None
    lengths = _per_trajectory(lengths, "lengths", (q, n), k)
    _validate.real_array(lengths, "lengths", low=0, high=t)  # small: (Q, N, K), 1/T of the hazards
    return lengths, None


def _moments(kind: str, h: np.ndarray, lengths: np.ndarray, mask: Any, hit: Any, backend: str) -> np.ndarray:
    h4 = h if h.ndim == 4 else h[..., None]
    out, checks = _kernel(backend, h, lengths, mask, hit)(h4, lengths, mask, hit, _KIND[kind])
    out, checks = np.asarray(out), [int(c) for c in np.asarray(checks)]
    _validate.fused_error("hazards", "in [0, 1] (not NaN) on valid steps", checks[0], checks[1], h.shape)
    hit_shape = h.shape[:2] + h.shape[3:]
    _validate.fused_error(
        "first_hit", "-1 (no outcome) or a valid step of its trajectory", checks[2], checks[3], hit_shape
    )
    return out if h.ndim == 4 else out[..., 0]


def _estimate(kind: str, out: np.ndarray, confidence: float, mc_variance: Any = None) -> RiskEstimate:
    acc = RiskAccumulator(out[0], out[1], out[2])
    return RiskEstimate.from_accumulator(acc, kind, confidence, mc_variance)


def _baseline_variance(baseline: RiskEstimate | None, shape: tuple[int, ...]) -> np.ndarray | None:
    if baseline is None:
        return None
    if not isinstance(baseline, RiskEstimate) or baseline.kind != "mc":
        raise TypeError("baseline must be an MC RiskEstimate (from mc_estimate or a simulation's .mc)")
    variance = np.asarray(baseline.variance)
    if variance.shape == shape or (len(shape) == 2 and variance.shape == shape[:1]):
        return variance if variance.shape == shape else variance[:, None]
    raise ValueError(f"baseline must have shape {shape} (or {shape[:1]} for every outcome), got {variance.shape}")


def mc_estimate(first_hit: ArrayLike, *, confidence: float = 0.95, backend: str = "auto") -> RiskEstimate:
    r"""Plain Monte Carlo from the first-hit steps: :math:`X = \mathbf 1\{\text{hit} \ge 0\}`.

    Parameters
    ----------
    first_hit : int array (Q, N) or (Q, N, K) -- step of the first outcome draw, -1 for none
    confidence : interval level (Wilson's interval)

    Returns
    -------
    RiskEstimate of shape (Q,) or (Q, K)

    >>> round(float(mc_estimate([[0, -1, 3, -1]]).estimate[0]), 3)
    0.5
    """
    confidence = _validate.probability(confidence, "confidence")
    hit = namespace(first_hit).asarray(first_hit)
    if hit.dtype.kind not in "iu" or hit.ndim not in (2, 3):
        raise ValueError(
            f"first_hit must be an integer array (queries, trajectories[, outcomes]), got {hit.dtype} {hit.shape}"
        )
    if hit.shape[1] == 0:
        raise ValueError("first_hit has no trajectories (axis 1 is empty)")
    k = hit.shape[2] if hit.ndim == 3 else 1
    hit3 = _per_trajectory(hit, "first_hit", hit.shape[:2], k)
    dummy = np.broadcast_to(np.zeros((), np.float64), (*hit.shape[:2], 0, k))
    lengths = np.broadcast_to(np.asarray(np.iinfo(_INT64).max, _INT64), hit3.shape)
    out, checks = _kernel(backend, hit)(dummy, lengths, None, hit3, _KIND["mc"])
    out, checks = np.asarray(out), [int(c) for c in np.asarray(checks)]
    _validate.fused_error("first_hit", "-1 (no outcome) or a step index", checks[2], checks[3], hit.shape)
    return _estimate("mc", out if hit.ndim == 3 else out[..., 0], confidence)


def scope_estimate(
    hazards: ArrayLike,
    first_hit: ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    mask: ArrayLike | None = None,
    confidence: float = 0.95,
    backend: str = "auto",
) -> RiskEstimate:
    r"""SCOPE from the hazards of trajectories sampled from the unmodified model:
    :math:`X = \sum_{t \le \tau} h_t` over the valid steps, :math:`\tau` = first hit (or the last
    step when no outcome was drawn). ``efficiency`` compares with MC on the same trajectories.

    Parameters
    ----------
    hazards : float array (Q, N, T) or (Q, N, T, K) -- outcome mass per step (K outcome sets)
    first_hit : int array (Q, N) or (Q, N, K) -- step of the first outcome draw, -1 for none
    lengths : int array (Q, N) or (Q, N, K), optional -- valid steps per trajectory (and outcome)
    mask : bool array (Q, N, T), optional -- valid steps (instead of lengths)

    Returns
    -------
    RiskEstimate of shape (Q,) or (Q, K); ``result[q, k]`` slices it

    >>> h = [[[0.1, 0.2, 0.3], [0.5, 0.5, 0.5]]]
    >>> scope_estimate(h, [[-1, 0]]).estimate.round(3).tolist()
    [0.55]
    """
    confidence = _validate.probability(confidence, "confidence")
    h = _hazards(hazards)
    steps, m = _steps(h, lengths, mask)
    k = h.shape[3] if h.ndim == 4 else 1
    hit = _per_trajectory(first_hit, "first_hit", h.shape[:2], k)
    if np.ndim(first_hit) != h.ndim - 1:
        raise ValueError(f"first_hit must have shape {h.shape[:2] + h.shape[3:]}, got {np.shape(first_hit)}")
    out = _moments("scope", h, steps, m, hit, backend)
    mc_variance = RiskEstimate.from_accumulator(RiskAccumulator(out[0], out[3], out[4]), "mc").variance
    return _estimate("scope", out, confidence, mc_variance)


def reach_estimate(
    hazards: ArrayLike,
    *,
    lengths: ArrayLike | None = None,
    mask: ArrayLike | None = None,
    baseline: RiskEstimate | None = None,
    confidence: float = 0.95,
    backend: str = "auto",
) -> RiskEstimate:
    r"""REACH from the hazards along trajectories of the outcome-masked model:
    :math:`X = 1 - \prod_t (1 - h_t) = -\mathrm{expm1}(\sum_t \log1p(-h_t))` over the valid steps
    (h = 1 gives exactly 1).

    Parameters
    ----------
    hazards : float array (Q, N, T) or (Q, N, T, K)
    lengths : int array (Q, N) or (Q, N, K), optional -- per-outcome lengths allowed
    mask : bool array (Q, N, T), optional
    baseline : RiskEstimate of MC, shape (Q,) or (Q, K), from its own pool -- gives ``efficiency``

    Returns
    -------
    RiskEstimate of shape (Q,) or (Q, K)

    >>> reach_estimate([[[0.5, 0.5], [0.0, 1.0]]]).estimate.round(3).tolist()
    [0.875]
    """
    confidence = _validate.probability(confidence, "confidence")
    h = _hazards(hazards)
    steps, m = _steps(h, lengths, mask)
    mc_variance = _baseline_variance(baseline, h.shape[:1] + h.shape[3:])
    return _estimate("reach", _moments("reach", h, steps, m, None, backend), confidence, mc_variance)
