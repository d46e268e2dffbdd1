r"""Proposal side: mixture log densities (defensive mixtures, deterministic mixtures of several
proposals) and per-particle component draws with known probabilities.

A defensive mixture :math:`q_\lambda = \lambda p + (1 - \lambda) q` keeps the weights bounded by
:math:`1/\lambda`; several proposals mix as :math:`\sum_k \alpha_k q_k`. All densities are combined in
log space, :math:`\log \sum_k \alpha_k e^{\ell_k} = m + \log \sum_k \alpha_k e^{\ell_k - m}` with
:math:`m = \max_k \ell_k`, so log densities of -425 (a 150-token sequence) are fine.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _arrays, _validate

__all__ = [
    "ProposalSelection",
    "defensive_mixture",
    "mixture_log_density",
    "sample_mixture_assignments",
    "select_proposal",
]


def _mixture_weights(weights: Any, count: int, name: str = "weights") -> np.ndarray:
    w = _validate.real_array(weights, name, ndim=1, allow_nan=False, low=0.0, high=1.0).astype(np.float64)
    if w.shape != (count,):
        raise ValueError(f"{name} must have {count} entries, got {w.shape[0]}")
    if abs(w.sum() - 1.0) > 1e-9:
        raise ValueError(f"{name} must sum to 1, got {w.sum()!r}")
    return w


def mixture_log_density(log_components: ArrayLike, weights: ArrayLike, axis: int = 0) -> Any:
    r""":math:`\log \sum_k w_k e^{\ell_k}` along ``axis``: the log density of a mixture whose component
    log densities ``log_components`` (K along ``axis``) have weights ``weights`` (K,), non-negative and
    summing to 1. Zero weights drop a component; -inf log densities are zero densities.

    >>> round(float(np.exp(mixture_log_density(np.log([[0.2], [0.4]]), np.array([0.5, 0.5]))[0])), 12)
    0.3
    """
    lc = _validate.real_array(log_components, "log_components", allow_nan=False)
    if lc.ndim == 0:
        raise ValueError("log_components must have at least 1 dimension (the components), got a scalar")
    axis = _arrays.normalize_axis(axis, lc.ndim, "log_components")
    w = _mixture_weights(weights, lc.shape[axis])
    return log_mixture(lc.astype(np.float64, copy=False), w, axis)


def log_mixture(log_components: np.ndarray, weights: np.ndarray, axis: int) -> np.ndarray:
    """:func:`mixture_log_density` on checked arrays (device arrays stay on their device; the few
    weights are moved there)."""
    shape = [1] * log_components.ndim
    shape[axis] = -1
    with np.errstate(divide="ignore"):
        log_w = _validate.namespace(log_components).asarray(np.log(weights).reshape(shape))
        terms = log_components + log_w
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
    return log_mixture(stacked, w, axis=0)


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


@dataclass(frozen=True)
class ProposalSelection:
    """Outcome of :func:`select_proposal`: the chosen grid index, each grid point's pilot estimate,
    k-hat and criterion value, and the second-stage estimate on fresh samples (unbiased: the samples
    that chose the proposal do not enter it)."""

    index: int
    criterion: np.ndarray  # (G,): cross-entropy objective (higher is better) or relative variance (lower)
    estimates: np.ndarray  # (G,) plain IS estimate of each grid point on its own pilot block
    khat: np.ndarray  # (G,)
    final: Any  # TailEstimate of the second stage (None when no `draw` is given)


def select_proposal(
    log_p: ArrayLike,
    log_q_grid: ArrayLike,
    event_or_score: ArrayLike,
    n_per_proposal: ArrayLike,
    *,
    threshold: ArrayLike | None = None,
    method: str = "cross_entropy",
    draw: Callable[[int], tuple[Any, Any, Any]] | None = None,
    confidence: float = 0.95,
    backend: str = "auto",
) -> ProposalSelection:
    r"""Choose one of G proposals (a discrete grid, e.g. steering setting x lambda x switch) from a
    pilot sample, then estimate on fresh samples from the chosen one.

    The pilot holds n_g samples from each grid proposal g (in blocks, as for
    :func:`riskcore.tail.mis_estimate`), and ``log_q_grid[g]`` is proposal g's log density at *every*
    pilot sample. Pooled pilot weights are the balance heuristic :math:`w_i = p_i / \sum_g (n_g/N) q_g(x_i)`.

    - ``method="cross_entropy"``: maximise :math:`\sum_i w_i h_i \log q_g(x_i) / \sum_i w_i h_i`, i.e.
      minimise the cross-entropy from the optimal proposal :math:`p(x) h(x) / P` to :math:`q_g`
      (the discrete form of the cross-entropy method's update);
    - ``method="variance"``: minimise the estimated relative variance
      :math:`\widehat{E}_{q_g}[(w h)^2] / \hat P^2 - 1`, estimated from the pooled pilot as
      :math:`\frac1N\sum_i w_i h_i^2\, p_i / q_g(x_i) / \hat P^2 - 1`.

    ``draw(index)`` returns ``(log_p, log_q, event_or_score)`` of fresh samples from proposal ``index``;
    its estimate (``final``) is unbiased whatever the pilot chose.

    >>> rng = np.random.default_rng(0); shifts = np.array([1.0, 3.0, 5.0])
    >>> z = np.concatenate([rng.normal(m, 1, 200) for m in shifts])
    >>> grid = -(z[None] - shifts[:, None])**2 / 2
    >>> def draw(g):
    ...     x = np.random.default_rng(1).normal(shifts[g], 1, 2000)
    ...     return -x**2 / 2, -(x - shifts[g])**2 / 2, x
    >>> s = select_proposal(-z**2 / 2, grid, z, [200, 200, 200], threshold=3.0, draw=draw)
    >>> s.index, bool(abs(s.final.estimate - 1.3499e-3) < 4 * s.final.se)
    (1, True)
    """
    from riskcore.tail.estimators import _components, is_estimate, per_proposal_estimates

    method = _validate.choice(method, "method", ("cross_entropy", "variance"))
    lq, counts = _components(log_q_grid, n_per_proposal, "log_q_grid")
    if lq.ndim != 2:
        raise ValueError(f"log_q_grid must have shape (G, N), got {lq.shape}")
    marks = {"score": event_or_score, "threshold": threshold} if threshold is not None else {"event": event_or_score}
    with warnings.catch_warnings():  # the pilot's own diagnostics are returned (khat), not warned
        warnings.simplefilter("ignore", RuntimeWarning)
        per = per_proposal_estimates(log_p, lq, counts, confidence=confidence, backend=backend, **marks)
    estimates = np.array([float(r.estimate) for r in per])
    khat = np.array([float(r.khat) for r in per])
    lp = _validate.real_array(log_p, "log_p", ndim=1).astype(np.float64)
    if threshold is not None:
        h = _validate.real_array(event_or_score, "event_or_score", ndim=1) >= _validate.real(threshold, "threshold")
    else:
        marks_array = np.asarray(event_or_score)
        h = marks_array if marks_array.dtype == bool else _validate.real_array(marks_array, "event_or_score", ndim=1)
    h = h.astype(np.float64)
    log_mix = log_mixture(lq.astype(np.float64), counts / counts.sum(), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_term = lp - log_mix + np.log(h)  # log(w_i h_i)
    if not np.isfinite(log_term).any():
        raise ValueError("no pilot sample is in the event: draw a larger pilot or widen the grid")
    if method == "cross_entropy":
        term = np.exp(log_term - np.max(log_term[np.isfinite(log_term)]))  # w h, rescaled
        with np.errstate(invalid="ignore"):
            value = (np.where(term > 0, term * lq, 0.0)).sum(axis=1) / term.sum()
        index = int(np.nanargmax(value))
    else:
        uniform = np.full(lp.size, 1.0 / lp.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_second = log_mixture(log_term[None] + np.log(h)[None] + lp[None] - lq, uniform, axis=1)
        log_mean = log_mixture(log_term, uniform, 0)
        value = np.expm1(log_second - 2 * log_mean)
        index = int(np.nanargmin(value))
    final = None
    if draw is not None:
        fresh_lp, fresh_lq, fresh_marks = draw(index)
        given = {"score": fresh_marks, "threshold": threshold} if threshold is not None else {"event": fresh_marks}
        final = is_estimate(fresh_lp, fresh_lq, confidence=confidence, backend=backend, **given)
    return ProposalSelection(index, value, estimates, khat, final)
