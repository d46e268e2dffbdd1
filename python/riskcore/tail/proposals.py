r"""Proposal side: mixture log densities (defensive mixtures, deterministic mixtures of several
proposals) and per-particle component draws with known probabilities.

A defensive mixture :math:`q_\lambda = \lambda p + (1 - \lambda) q` keeps the weights bounded by
:math:`1/\lambda`; several proposals mix as :math:`\sum_k \alpha_k q_k`. All densities are combined in
log space, :math:`\log \sum_k \alpha_k e^{\ell_k} = m + \log \sum_k \alpha_k e^{\ell_k - m}` with
:math:`m = \max_k \ell_k`, so log densities of -425 (a 150-token sequence) are fine.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _validate

__all__ = ["defensive_mixture", "mixture_log_density", "sample_mixture_assignments"]


def _mixture_weights(weights: Any, count: int, name: str = "weights") -> np.ndarray:
    w = _validate.real_array(weights, name, ndim=1, allow_nan=False, low=0.0, high=1.0).astype(np.float64)
    if w.shape != (count,):
        raise ValueError(f"{name} must have {count} entries, got {w.shape[0]}")
    if abs(w.sum() - 1.0) > 1e-9:
        raise ValueError(f"{name} must sum to 1, got {w.sum()!r}")
    return w


def mixture_log_density(log_components: np.ndarray, weights: np.ndarray, axis: int = 0) -> np.ndarray:
    r""":math:`\log \sum_k w_k e^{\ell_k}` along ``axis`` (weights already checked; zero weights drop a
    component, -inf log densities are zero densities).

    >>> round(float(np.exp(mixture_log_density(np.log([[0.2], [0.4]]), np.array([0.5, 0.5]))[0])), 12)
    0.3
    """
    shape = [1] * log_components.ndim
    shape[axis] = -1
    with np.errstate(divide="ignore"):
        terms = log_components + np.log(weights).reshape(shape)
    m = np.max(terms, axis=axis, keepdims=True)
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(terms - safe), axis=axis)) + np.squeeze(safe, axis=axis)
    return np.where(np.squeeze(m, axis=axis) == -np.inf, -np.inf, out)


def defensive_mixture(log_p: ArrayLike, log_q_components: ArrayLike, weights: ArrayLike | float) -> Any:
    r"""Log density of the defensive mixture :math:`\lambda p + \sum_k \alpha_k q_k` at the samples.

    Parameters
    ----------
    log_p : array_like, shape (N,) -- log target density
    log_q_components : array_like, shape (N,) for one proposal or (K, N) for K proposals
    weights : float :math:`\lambda` in [0, 1] for one proposal (mixture :math:`\lambda p + (1-\lambda) q`),
        or K + 1 weights :math:`(\lambda, \alpha_1, \dots, \alpha_K)` summing to 1

    Returns
    -------
    ndarray (N,): the log mixture density, to use as ``log_q`` of :func:`riskcore.tail.is_estimate`

    >>> lp, lq = np.log([0.1, 0.5]), np.log([0.4, 0.2])
    >>> np.exp(defensive_mixture(lp, lq, 0.25))            # 0.25 p + 0.75 q
    array([0.325, 0.275])
    """
    lp = _validate.real_array(log_p, "log_p", ndim=1, allow_nan=False)
    lq = _validate.real_array(log_q_components, "log_q_components", ndim=(1, 2), allow_nan=False)
    lq2 = lq[None] if lq.ndim == 1 else lq
    if lq2.shape[1] != lp.shape[0]:
        raise ValueError(f"log_q_components has {lq2.shape[1]} samples but log_p has {lp.shape[0]}")
    if np.ndim(weights) == 0 and lq.ndim == 1:
        lam = _validate.probability(weights, "weights", interval="[]")
        w = np.array([lam, 1.0 - lam])
    else:
        w = _mixture_weights(weights, lq2.shape[0] + 1)
    stacked = np.concatenate([lp[None].astype(np.float64), lq2.astype(np.float64)], axis=0)
    return mixture_log_density(stacked, w, axis=0)


def sample_mixture_assignments(n: int, weights: ArrayLike, seed: int, *, stream: int = 0) -> np.ndarray:
    r"""Component index of each of n particles, drawn independently with probabilities ``weights``
    (Philox uniforms :math:`u_i`, component :math:`\min\{k : u_i < \sum_{j \le k} w_j\}`), so the
    particles' density is exactly the mixture :math:`\sum_k w_k q_k`: pass its log density
    (:func:`mixture_log_density` or :func:`defensive_mixture`) as log q.

    >>> a = sample_mixture_assignments(10_000, [0.2, 0.8], seed=0)
    >>> a.dtype, bool(abs((a == 0).mean() - 0.2) < 0.02)
    (dtype('int64'), True)
    """
    from riskcore.tail.samplers import standard_uniforms

    n = _validate.integer(n, "n", low=0)
    w = _validate.real_array(weights, "weights", ndim=1, nonempty=True, allow_nan=False, low=0.0, high=1.0)
    w = _mixture_weights(w, w.shape[0])
    edges = np.cumsum(w)
    edges[-1] = np.inf  # rounding never puts a particle past the last component
    u = standard_uniforms(n, seed, stream=stream)
    return np.minimum(np.searchsorted(edges, u, side="right"), w.size - 1).astype(np.int64)
