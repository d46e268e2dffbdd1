r"""Importance-sampled tail probabilities, with honest error bars and diagnostics.

Samples :math:`x_i \sim q` (or K proposals), log-weights :math:`\ell_i = \log p(x_i) - \log q(x_i)`
and the event (booleans, or ``score >= threshold``). Every sum runs in log space with the maximum
factored out (two passes per chunk in the kernel), so weights spanning 1e300 are fine.

- :func:`is_estimate`: :math:`\hat p = \frac1N \sum_i w_i 1\{e_i\}`,
  se = sd(w 1{e}) / sqrt(N);
- :func:`snis_estimate`: :math:`\hat p = \sum w_i 1\{e_i\} / \sum w_i` (unnormalised targets),
  delta-method se;
- :func:`mis_estimate`: several proposals, balance heuristic
  :math:`w_i = p(x_i) / \sum_k (n_k/N) q_k(x_i)` (deterministic mixture); :func:`per_proposal_estimates`
  gives the plain estimate of each proposal for comparison;
- diagnostics: Kish ESS :math:`(\sum w)^2 / \sum w^2` over all samples and over event samples,
  Pareto :math:`\hat k` (PSIS; > 0.7 warns), relative error se / p;
- :func:`mc_tail_estimate`: brute force k/N with Clopper-Pearson and Wilson intervals;
- samplers on the counter-based RNG: :func:`gaussian_tail_is` (optimal mean shift for linear
  functionals of Gaussians) and :func:`cross_entropy_is` (adaptive Gaussian proposal for a user event).

Intervals: ``ci_low``, ``ci_high`` are log-normal style, :math:`\hat p \exp(\pm z\,\sigma_{\log})`
with :math:`\sigma_{\log}^2 = \log(1 + (se/\hat p)^2)`: positive, and capped at 1.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore._backend import implementation, resolve
from riskcore._intervals import normal_quantile, wilson_interval

__all__ = [
    "CrossEntropyResult",
    "MCTailEstimate",
    "TailEstimate",
    "combine_log_sums",
    "cross_entropy_is",
    "gaussian_tail_is",
    "is_estimate",
    "is_from_sums",
    "khat_tail_size",
    "mc_tail_estimate",
    "mis_estimate",
    "pareto_khat",
    "per_proposal_estimates",
    "snis_estimate",
    "standard_normals",
]

KHAT_WARNING = 0.7


@dataclass(frozen=True)
class TailEstimate:
    """Per-query results (arrays of shape (queries,))."""

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    ess: np.ndarray  # Kish ESS of all weights
    ess_event: np.ndarray  # Kish ESS of the weights of event samples
    khat: np.ndarray  # Pareto k-hat of the largest weights (see each estimator)
    rel_error: np.ndarray  # se / estimate
    n: np.ndarray


# ---------------------------------------------------------------------------------- validation
def _log_array(name: str, value: Any) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a real array, got {arr.dtype}")
    arr = np.atleast_2d(arr.astype(np.float64))
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (samples,) or (queries, samples), got {np.shape(value)}")
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN")
    return arr


def _log_weights(log_p: Any, log_q: Any) -> np.ndarray:
    lp, lq = _log_array("log_p", log_p), _log_array("log_q", log_q)
    try:
        lp, lq = np.broadcast_arrays(lp, lq)
    except ValueError:
        raise ValueError(f"log_p {np.shape(log_p)} and log_q {np.shape(log_q)} do not broadcast") from None
    if lp.shape[1] == 0:
        raise ValueError("no samples")
    if np.isposinf(lp).any():
        raise ValueError("log_p contains +inf")
    if (np.isneginf(lq) & ~np.isneginf(lp)).any():
        raise ValueError("log_q is -inf where log_p is not: a sample the proposal cannot produce")
    with np.errstate(invalid="ignore"):
        lw = np.where(np.isneginf(lp), -np.inf, lp - lq)
    if np.isposinf(lw).any() or np.isnan(lw).any():
        raise ValueError("log-weights contain +inf or NaN (log_q = -inf?)")
    dead = np.isneginf(lw).all(axis=1)
    if dead.any():
        raise ValueError(
            f"all log-weights are -inf for queries {np.nonzero(dead)[0].tolist()}: no sample has target mass"
        )
    return np.ascontiguousarray(lw)


def _events(shape: tuple[int, int], event: Any, score: Any, threshold: Any) -> np.ndarray:
    if (event is None) == (score is None):
        raise ValueError("give either event= (booleans) or score= with threshold=")
    if event is not None:
        ev = np.atleast_2d(np.asarray(event))
        if ev.dtype != bool:
            raise TypeError(f"event must be a bool array, got {ev.dtype}")
    else:
        if threshold is None:
            raise ValueError("score= needs threshold=")
        s = np.atleast_2d(np.asarray(score, dtype=np.float64))
        t = np.asarray(threshold, dtype=np.float64)
        if np.isnan(t).any():
            raise ValueError("threshold is NaN")
        if np.isnan(s).any():
            raise ValueError("score contains NaN")
        ev = s >= (t[:, None] if t.ndim == 1 else t)
    try:
        return np.ascontiguousarray(np.broadcast_to(ev, shape), dtype=np.uint8)
    except ValueError:
        raise ValueError(f"event/score shape {ev.shape} does not match the samples {shape}") from None


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    return normal_quantile(0.5 + confidence / 2)


# ------------------------------------------------------------------------------ estimators
def _log_normal_interval(p: np.ndarray, se: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.sqrt(np.log1p((se / p) ** 2))
        low, high = p * np.exp(-z * sigma), np.minimum(p * np.exp(z * sigma), 1.0)
    return np.where(p > 0, low, 0.0), np.where(p > 0, high, np.nan)


def _finish(p, se, sums, n, khat, confidence) -> TailEstimate:
    _, s0, s1, s2, s2e = sums.T
    low, high = _log_normal_interval(p, se, _z(confidence))
    with np.errstate(divide="ignore", invalid="ignore"):
        ess_event = np.where(s1 > 0, s1 * s1 / s2e, 0.0)
        rel = np.where(p > 0, se / p, np.inf)
    bad = khat > KHAT_WARNING
    if bad.any():
        warnings.warn(
            f"Pareto k-hat above {KHAT_WARNING} for queries {np.nonzero(bad)[0].tolist()}: the weights are too "
            "heavy-tailed for a reliable estimate (use a better proposal or more samples)",
            RuntimeWarning,
            stacklevel=3,
        )
    if (s1 == 0).any():
        warnings.warn(
            "no event sample for some queries: estimate 0 with an undefined upper bound", RuntimeWarning, stacklevel=3
        )
    return TailEstimate(p, se, low, high, s0 * s0 / s2, ess_event, khat, rel, np.full(p.shape, n))


def _sums(lw: np.ndarray, ev: np.ndarray, backend: str) -> np.ndarray:
    return np.asarray(implementation("log_sums", resolve(backend))(lw, ev))


def is_estimate(
    log_p: ArrayLike,
    log_q: ArrayLike,
    *,
    event: ArrayLike | None = None,
    score: ArrayLike | None = None,
    threshold: ArrayLike | None = None,
    confidence: float = 0.95,
    backend: str = "auto",
) -> TailEstimate:
    r"""Standard importance sampling: :math:`\hat p = \frac1N \sum_i w_i 1\{e_i\}`,
    :math:`se = \mathrm{sd}(w 1\{e\}) / \sqrt N`, computed as
    :math:`\hat p \sqrt{(N s_{2e} / s_1^2 - 1) / (N - 1)}` from the log-space sums. ``khat`` is that of
    the non-zero terms :math:`w_i 1\{e_i\}`.

    Parameters
    ----------
    log_p, log_q : array_like, shape (N,) or (queries, N) -- log target and proposal densities
    event : bool array like log_p, or score (same shape) with threshold (scalar or (queries,))

    >>> z = np.random.default_rng(0).normal(4.0, 1.0, 1000)         # N(4, 1) proposal for P(Z > 4)
    >>> r = is_estimate(-z**2 / 2, -(z - 4)**2 / 2, score=z, threshold=4.0)
    >>> bool(abs(r.estimate[0] - 3.16712e-5) < 4 * r.se[0]), bool(r.rel_error[0] < 0.1)
    (True, True)
    """
    lw = _log_weights(log_p, log_q)
    ev = _events(lw.shape, event, score, threshold)
    khat = np.array(
        [pareto_khat(row[e.astype(bool)]) if e.sum() > 0 else np.inf for row, e in zip(lw, ev, strict=True)]
    )
    return is_from_sums(_sums(lw, ev, backend), lw.shape[1], khat, confidence)


def is_from_sums(sums: np.ndarray, n: int, khat: np.ndarray, confidence: float = 0.95) -> TailEstimate:
    """Standard-IS result from the log-space sums (queries, 5) of n samples (see kernels/tail.hpp);
    used directly by sharded computations, whose shards' sums merge with :func:`combine_log_sums`."""
    m, _, s1, _, s2e = np.asarray(sums).T
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        p = np.where(s1 > 0, np.exp(m + np.log(s1) - math.log(n)), 0.0)
        rel_var = np.where(s1 > 0, np.maximum(n * s2e / (s1 * s1) - 1.0, 0.0) / max(n - 1, 1), 0.0)
    return _finish(p, p * np.sqrt(rel_var), np.asarray(sums), n, khat, confidence)


def combine_log_sums(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Merge the log-space sums (queries, 5) of two disjoint sample sets (NumPy form of
    combine_log_sums in kernels/tail.hpp): rescale both to the larger maximum."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    m = np.maximum(a[:, 0], b[:, 0])
    with np.errstate(invalid="ignore"):
        fa = np.where(a[:, 0] == -np.inf, 0.0, np.exp(a[:, 0] - m))[:, None]
        fb = np.where(b[:, 0] == -np.inf, 0.0, np.exp(b[:, 0] - m))[:, None]
    factors_a, factors_b = np.hstack([fa, fa, fa * fa, fa * fa]), np.hstack([fb, fb, fb * fb, fb * fb])
    return np.column_stack([m, a[:, 1:] * factors_a + b[:, 1:] * factors_b])


def snis_estimate(
    log_p: ArrayLike,
    log_q: ArrayLike,
    *,
    event: ArrayLike | None = None,
    score: ArrayLike | None = None,
    threshold: ArrayLike | None = None,
    confidence: float = 0.95,
    backend: str = "auto",
) -> TailEstimate:
    r"""Self-normalised importance sampling (target known up to a constant):
    :math:`\hat p = \sum w_i 1\{e_i\} / \sum w_i`, delta-method
    :math:`se^2 = \sum w_i^2 (1\{e_i\} - \hat p)^2 / (\sum w_i)^2`. ``khat`` is that of all weights.

    >>> z = np.random.default_rng(1).normal(1.0, 1.0, 4000)                 # P(Z > 1) = 0.158655
    >>> r = snis_estimate(-z**2 / 2 + 7.0, -(z - 1)**2 / 2, score=z, threshold=1.0)  # constant ignored
    >>> bool(abs(r.estimate[0] - 0.158655) < 4 * r.se[0]), bool(r.khat[0] < 0.7)
    (True, True)
    """
    lw = _log_weights(log_p, log_q)
    ev = _events(lw.shape, event, score, threshold)
    sums = _sums(lw, ev, backend)
    _, s0, s1, s2, s2e = sums.T
    p = s1 / s0
    se = np.sqrt(np.maximum(s2e * (1 - p) ** 2 + (s2 - s2e) * p * p, 0.0)) / s0
    khat = np.array([pareto_khat(row) for row in lw])
    return _finish(p, se, sums, lw.shape[1], khat, confidence)


def mis_estimate(
    log_p: ArrayLike,
    log_q_components: ArrayLike,
    n_per_proposal: ArrayLike,
    *,
    event: ArrayLike | None = None,
    score: ArrayLike | None = None,
    threshold: ArrayLike | None = None,
    confidence: float = 0.95,
    backend: str = "auto",
) -> TailEstimate:
    r"""Multiple importance sampling with the balance heuristic: the N samples (n_k from proposal k,
    in any order) are weighted by :math:`p(x_i) / \sum_k (n_k / N)\, q_k(x_i)`, i.e. standard IS from
    the deterministic mixture.

    Parameters
    ----------
    log_q_components : array_like, shape (K, N) or (queries, K, N) -- every proposal's log density at
        every sample
    n_per_proposal : ints (K,) summing to N

    >>> rng = np.random.default_rng(2); z = np.concatenate([rng.normal(3.5, 1, 500), rng.normal(4.5, 1, 500)])
    >>> lq = np.stack([-(z - 3.5)**2 / 2, -(z - 4.5)**2 / 2])
    >>> r = mis_estimate(-z**2 / 2, lq, [500, 500], score=z, threshold=4.0)
    >>> bool(abs(r.estimate[0] - 3.16712e-5) < 4 * r.se[0])
    True
    """
    lq = np.asarray(log_q_components, dtype=np.float64)
    if lq.ndim == 2:
        lq = lq[None]
    if lq.ndim != 3:
        raise ValueError(
            f"log_q_components must have shape (K, N) or (queries, K, N), got {np.shape(log_q_components)}"
        )
    counts = np.asarray(n_per_proposal)
    if counts.dtype.kind not in "iu" or counts.shape != (lq.shape[1],) or (counts < 0).any():
        raise ValueError(f"n_per_proposal must be {lq.shape[1]} non-negative ints")
    if counts.sum() != lq.shape[2]:
        raise ValueError(f"n_per_proposal sums to {counts.sum()} but there are {lq.shape[2]} samples")
    if np.isnan(lq).any():
        raise ValueError("log_q_components contains NaN")
    with np.errstate(divide="ignore"):
        log_share = np.log(counts / counts.sum())
    log_mixture = np.logaddexp.reduce(lq + log_share[None, :, None], axis=1)
    return is_estimate(
        log_p, log_mixture, event=event, score=score, threshold=threshold, confidence=confidence, backend=backend
    )


def per_proposal_estimates(
    log_p: ArrayLike,
    log_q_components: ArrayLike,
    n_per_proposal: ArrayLike,
    *,
    event: ArrayLike | None = None,
    score: ArrayLike | None = None,
    threshold: ArrayLike | None = None,
    confidence: float = 0.95,
    backend: str = "auto",
) -> list[TailEstimate]:
    """Plain importance sampling within each proposal: the samples come in blocks (the first n_1 from
    proposal 1, the next n_2 from proposal 2, ...), each weighted by p / q_k alone. Compare with
    :func:`mis_estimate`, which pools all samples with the balance heuristic.

    >>> rng = np.random.default_rng(2); z = np.concatenate([rng.normal(3.5, 1, 500), rng.normal(4.5, 1, 500)])
    >>> lq = np.stack([-(z - 3.5)**2 / 2, -(z - 4.5)**2 / 2])
    >>> [bool(abs(r.estimate[0] - 3.16712e-5) < 4 * r.se[0]) for r in per_proposal_estimates(
    ...     -z**2 / 2, lq, [500, 500], score=z, threshold=4.0)]
    [True, True]
    """
    lq = np.asarray(log_q_components, dtype=np.float64)
    lq = lq[None] if lq.ndim == 2 else lq
    counts = np.asarray(n_per_proposal)
    if lq.ndim != 3 or counts.dtype.kind not in "iu" or counts.shape != (lq.shape[1],) or counts.sum() != lq.shape[2]:
        raise ValueError("log_q_components (K, N) or (queries, K, N) needs n_per_proposal: K ints summing to N")
    lp = np.broadcast_to(np.atleast_2d(np.asarray(log_p, dtype=np.float64)), (lq.shape[0], lq.shape[2]))
    marks = {"event": event, "score": score}
    edges = np.concatenate([[0], np.cumsum(counts)])
    out = []
    for k in range(counts.size):
        block = slice(edges[k], edges[k + 1])
        given = {name: np.atleast_2d(np.asarray(v))[:, block] for name, v in marks.items() if v is not None}
        out.append(
            is_estimate(
                lp[:, block], lq[:, k, block], threshold=threshold, confidence=confidence, backend=backend, **given
            )
        )
    return out


# ------------------------------------------------------------------------------ diagnostics
def _gpd_shape(exceedances: np.ndarray) -> float:
    """Zhang & Stephens (2009) posterior-mean estimate of the generalised Pareto shape k from sorted
    exceedances, with the weakly informative prior of PSIS (Vehtari et al. 2024): k <- (n k + 5)/(n + 10)."""
    n = exceedances.size
    grid = 30 + int(math.sqrt(n))
    b = 1 - np.sqrt(grid / (np.arange(1, grid + 1) - 0.5))
    b = b / (3 * exceedances[int(n / 4 + 0.5) - 1]) + 1 / exceedances[-1]
    k = np.log1p(-b[:, None] * exceedances).mean(axis=1)
    profile = n * (np.log(-b / k) - k - 1)
    weights = 1 / np.exp(profile - profile[:, None]).sum(axis=1)
    keep = weights >= 10 * np.finfo(float).eps
    weights, b = weights[keep] / weights[keep].sum(), b[keep]
    k_post = np.log1p(-np.sum(b * weights) * exceedances).mean()
    return float((n * k_post + 10 * 0.5) / (n + 10))


def khat_tail_size(count: int) -> int:
    """M = ceil(min(0.2 S, 3 sqrt(S))): the k-hat fit uses the M largest of S weights (and the cutoff
    is the (M + 1)-th), so a shard need only keep its M + 1 largest for an exact merged k-hat."""
    return math.ceil(min(0.2 * count, 3 * math.sqrt(count)))


def _khat_row(log_weights: np.ndarray, count: int | None = None) -> float:
    """k-hat of S = ``count`` finite log-weights, of which ``log_weights`` holds at least the M + 1 largest."""
    x = log_weights[np.isfinite(log_weights)]
    total = x.size if count is None else count
    if total < 5:
        return math.inf
    x = x - x.max()
    tail_size = khat_tail_size(total)
    rank = x.size - tail_size - 1 if tail_size < x.size else 0  # the (M+1)-th largest: O(S), no full sort
    cutoff = max(np.partition(x, rank)[rank], math.log(np.finfo(float).tiny))
    tail = np.sort(x[x > cutoff])
    if tail.size <= 4:
        return math.inf
    return _gpd_shape(np.exp(tail) - math.exp(cutoff))


def pareto_khat(log_weights: ArrayLike) -> Any:
    r"""Pareto :math:`\hat k` of the largest importance weights (PSIS, Vehtari et al. 2024): a
    generalised Pareto fit to the :math:`M = \lceil\min(0.2 S, 3\sqrt S)\rceil` largest weights.
    k < 0.5 good, 0.5-0.7 usable, > 0.7 unreliable. -inf log-weights are ignored; fewer than 5 finite
    weights give inf. Shape (S,) -> float; (queries, S) -> array.

    >>> rng = np.random.default_rng(0)
    >>> bool(pareto_khat(rng.normal(size=4000)) < 0.5), bool(pareto_khat(rng.standard_cauchy(4000) * 10) > 0.7)
    (True, True)
    """
    lw = np.asarray(log_weights, dtype=np.float64)
    if lw.ndim not in (1, 2):
        raise ValueError(f"log_weights must have shape (S,) or (queries, S), got {lw.shape}")
    if np.isnan(lw).any() or np.isposinf(lw).any():
        raise ValueError("log_weights contain NaN or +inf")
    return _khat_row(lw) if lw.ndim == 1 else np.array([_khat_row(row) for row in lw])


# ------------------------------------------------------------------------------ brute force
@dataclass(frozen=True)
class MCTailEstimate:
    """Brute-force p = k/N with exact (Clopper-Pearson) and Wilson intervals."""

    estimate: np.ndarray
    se: np.ndarray
    cp_low: np.ndarray
    cp_high: np.ndarray
    wilson_low: np.ndarray
    wilson_high: np.ndarray


def _beta_quantile(q: float, a: float, b: float) -> float:
    """x with I_x(a, b) = q, by bisection on the regularised incomplete beta."""
    from riskcore._numba.special import beta_inc

    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if beta_inc(a, b, mid) < q:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def mc_tail_estimate(k: ArrayLike, n: ArrayLike, *, confidence: float = 0.95) -> MCTailEstimate:
    r"""Brute-force Monte Carlo: :math:`\hat p = k/N`. Clopper-Pearson:
    :math:`[B^{-1}(\alpha/2; k, N-k+1),\ B^{-1}(1-\alpha/2; k+1, N-k)]`, with 0 / 1 at k = 0 / k = N (so
    k = 0 gives the finite upper bound :math:`1 - (\alpha/2)^{1/N} \approx 3.7/N`); Wilson likewise.

    >>> r = mc_tail_estimate(0, 1000)
    >>> round(float(r.cp_high), 6), float(r.cp_low)
    (0.003682, 0.0)
    """
    k_arr, n_arr = np.broadcast_arrays(np.asarray(k), np.asarray(n))
    if k_arr.dtype.kind not in "iu" or n_arr.dtype.kind not in "iu":
        raise TypeError("k and n must be integers")
    if (n_arr < 1).any() or (k_arr < 0).any() or (k_arr > n_arr).any():
        raise ValueError("need 0 <= k <= n and n >= 1")
    alpha = 1 - confidence
    z = _z(confidence)
    p = k_arr / n_arr
    cp_low = np.array(
        [
            0.0 if kk == 0 else _beta_quantile(alpha / 2, kk, nn - kk + 1)
            for kk, nn in zip(k_arr.flat, n_arr.flat, strict=True)
        ]
    )
    cp_high = np.array(
        [
            1.0 if kk == nn else _beta_quantile(1 - alpha / 2, kk + 1, nn - kk)
            for kk, nn in zip(k_arr.flat, n_arr.flat, strict=True)
        ]
    )
    wilson_low, wilson_high = wilson_interval(p, n_arr, z)
    shape = k_arr.shape
    return MCTailEstimate(
        p[()],
        np.sqrt(p * (1 - p) / n_arr)[()],
        cp_low.reshape(shape)[()],
        cp_high.reshape(shape)[()],
        wilson_low[()],
        wilson_high[()],
    )


# -------------------------------------------------------------------------------- samplers
def standard_normals(n: int, seed: int, *, stream: int = 0, backend: str = "auto") -> np.ndarray:
    r"""n standard normals from Philox4x64-10 (key (seed, stream), counter (block, 0, 0, 0)): each block's
    four words give two Box-Muller pairs, :math:`\sqrt{-2\log(1-u_1)}\,(\cos, \sin)(2\pi u_2)`.
    Identical on every backend (the Philox stream is bit-identical; the transform is NumPy's).

    >>> standard_normals(3, seed=1).shape
    (3,)
    """
    from riskcore.random import philox4x64

    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    blocks = -(-n // 4)
    counters = np.zeros((blocks, 4), dtype=np.uint64)
    counters[:, 0] = np.arange(blocks, dtype=np.uint64)
    # The draws are made on the host (CUDA callers get the same stream; the IS sums still run on cuda).
    host = "auto" if backend == "cuda" else backend
    words = philox4x64(counters, np.array([seed, stream], dtype=np.uint64), backend=host)
    u = (words >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
    radius = np.sqrt(-2.0 * np.log1p(-u[:, 0::2]))
    angle = 2.0 * np.pi * u[:, 1::2]
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=-1).reshape(-1)[:n]


def gaussian_tail_is(
    a: ArrayLike, threshold: float, n: int, seed: int, *, confidence: float = 0.95, backend: str = "auto"
) -> TailEstimate:
    r"""P(a^T Z > t), Z ~ N(0, I), by importance sampling with the optimal mean shift: the dominating
    point :math:`\mu^* = t\,a / \lVert a\rVert^2`. Only the projection :math:`S = a^T Z/\lVert a\rVert`
    matters, so samples are :math:`S = c + \varepsilon`, :math:`c = t / \lVert a \rVert`, with weights
    :math:`\exp(-c S + c^2/2)` (exact: :math:`\bar\Phi(c)`).

    >>> r = gaussian_tail_is(np.ones(20), 20.0, 1000, seed=0)              # 3.8721e-6
    >>> bool(abs(r.estimate[0] - 3.8721e-6) < 4 * r.se[0])
    True
    """
    a = np.atleast_1d(np.asarray(a, dtype=np.float64))
    norm = float(np.linalg.norm(a))
    if a.ndim != 1 or not np.isfinite(norm) or norm == 0:
        raise ValueError("a must be a finite, non-zero vector")
    if math.isnan(threshold):
        raise ValueError("threshold is NaN")
    c = threshold / norm
    s = c + standard_normals(n, seed, backend=backend)
    return is_estimate(-0.5 * s * s, -0.5 * (s - c) ** 2, score=s, threshold=c, confidence=confidence, backend=backend)


@dataclass(frozen=True)
class CrossEntropyResult:
    """Final-stage estimate of the cross-entropy method, with the path that led to it."""

    estimate: TailEstimate
    levels: list[float]  # the elite level gamma of each stage
    mean: np.ndarray  # final proposal N(mean, diag(sd^2))
    sd: np.ndarray


def cross_entropy_is(
    score: Callable[[np.ndarray], np.ndarray],
    dim: int,
    threshold: float,
    n: int,
    seed: int,
    *,
    rho: float = 0.1,
    max_stages: int = 50,
    final_n: int | None = None,
    fit_sd: bool = False,
    confidence: float = 0.95,
    backend: str = "auto",
) -> CrossEntropyResult:
    r"""P(score(Z) >= t), Z ~ N(0, I_dim), by the cross-entropy method (Rubinstein & Kroese):
    proposals N(mu, diag(sd^2)); each stage draws n points, sets the level
    :math:`\gamma = \min(t, (1-\rho)\text{-quantile of the scores})` and refits mu, sd to the elite
    points :math:`\{s \ge \gamma\}` with likelihood-ratio weights; once :math:`\gamma = t`, a final
    stage of ``final_n`` (default n) fresh points gives the importance-sampling estimate.

    By default only the mean adapts (sd stays 1): refitting the sd to the elite points shrinks it
    below 1 (to ~0.2 for P(Z > 4)), and a proposal lighter-tailed than the target gives weights of
    unbounded variance. ``fit_sd=True`` refits it anyway (as in the textbook method).

    ``score`` maps an (n, dim) float64 array to n scores: a NumPy function or a Numba-compiled one.

    >>> r = cross_entropy_is(lambda x: x.sum(axis=1), dim=2, threshold=6.0, n=2000, seed=3)
    >>> bool(abs(r.estimate.estimate[0] - 1.0393e-5) < 4 * r.estimate.se[0])     # P(N(0, 2) > 6)
    True
    """
    if not 0 < rho < 1:
        raise ValueError(f"rho must lie in (0, 1), got {rho}")
    if dim < 1 or n < 2 or max_stages < 1:
        raise ValueError("need dim >= 1, n >= 2 and max_stages >= 1")
    if math.isnan(threshold):
        raise ValueError("threshold is NaN")
    mean, sd = np.zeros(dim), np.ones(dim)

    def draw(count: int, stream: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = mean + sd * standard_normals(count * dim, seed, stream=stream, backend=backend).reshape(count, dim)
        s = np.asarray(score(x), dtype=np.float64).reshape(-1)
        if s.shape != (count,) or np.isnan(s).any():
            raise ValueError(f"score must return {count} scores without NaN, got shape {s.shape}")
        log_p = -0.5 * (x * x).sum(axis=1)
        log_q = -0.5 * (((x - mean) / sd) ** 2).sum(axis=1) - np.log(sd).sum()
        return x, s, log_p - log_q

    levels: list[float] = []
    for stage in range(max_stages):
        x, s, lw = draw(n, stage + 1)
        gamma = min(float(threshold), float(np.quantile(s, 1 - rho)))
        levels.append(gamma)
        elite = s >= gamma
        w = np.exp(lw[elite] - lw[elite].max())
        mean = (w[:, None] * x[elite]).sum(axis=0) / w.sum()
        if fit_sd:
            sd = np.maximum(np.sqrt((w[:, None] * (x[elite] - mean) ** 2).sum(axis=0) / w.sum()), 1e-12)
        if gamma >= threshold:
            break
    x, s, lw = draw(final_n or n, 0)
    estimate = is_estimate(lw, np.zeros_like(lw), score=s, threshold=threshold, confidence=confidence, backend=backend)
    return CrossEntropyResult(estimate, levels, mean, sd)
