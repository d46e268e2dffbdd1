r"""Importance-sampling estimators from arrays: standard, self-normalised and multiple-proposal IS.

Samples :math:`x_i \sim q`, log-weights :math:`\ell_i = \log p(x_i) - \log q(x_i)` and an event given as
booleans :math:`1\{e_i\}`, graded values :math:`h_i \in [0, 1]` (a judge's score instead of an
indicator: the estimate is :math:`E_p[h]`), or ``score >= threshold`` for one threshold or a grid. One
fused pass (kernels/tail_sums.hpp) computes the log-weights, checks them and forms the log-space sums
with the maximum :math:`M` factored out: :math:`s_0 = \sum w_i`, :math:`s_1 = \sum h_i w_i`,
:math:`s_2 = \sum w_i^2`, :math:`s_{2e} = \sum h_i^2 w_i^2` with :math:`w_i = e^{\ell_i - M}`, so weights
spanning 1e300 are fine and ``log_estimate`` stays finite far below the float64 range (e^-1000).

Intervals: ``ci_low``, ``ci_high`` are log-normal style, :math:`\hat p \exp(\pm z\,\sigma_{\log})` with
:math:`\sigma_{\log}^2 = \log(1 + (se/\hat p)^2)`: positive, and capped at 1. With no event sample the
interval is one-sided, [0, (1 - (1 - confidence)^{1/N}) max w] (see ``messages``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _arrays, _validate
from riskcore._intervals import normal_quantile
from riskcore.tail import _sums
from riskcore.tail.diagnostics import describe, khat_row

__all__ = [
    "TailEstimate",
    "combine_log_sums",
    "is_estimate",
    "is_from_sums",
    "mis_estimate",
    "per_proposal_estimates",
    "snis_estimate",
]


@dataclass(frozen=True)
class TailEstimate:
    """Results of one estimator: 0-d for a single problem, (queries,) for a batch, with a trailing
    threshold axis (T,) when ``threshold`` is a grid. ``messages`` say what went wrong, if anything
    (each is also issued as a RuntimeWarning)."""

    estimate: Any
    se: Any
    ci_low: Any
    ci_high: Any
    log_estimate: Any  # log(estimate) computed in log space: finite where estimate underflows
    log_se: Any
    ess: Any  # Kish ESS of all weights
    ess_event: Any  # Kish ESS of the weights of event samples
    khat: Any  # Pareto k-hat (NaN: undefined, fewer than 5 weights above the tail cutoff)
    rel_error: Any  # se / estimate
    kl: Any  # estimate of KL(q || p) = E_q[log q - log p] (self-normalised: log mean w - mean log w)
    events: Any  # number of event samples (graded: h > 0) with a non-zero weight
    n: Any
    messages: tuple[str, ...] = ()


def _z(confidence: float) -> float:
    return normal_quantile(0.5 + _validate.probability(confidence, "confidence") / 2)


def _log_space(sums: np.ndarray, n: int, self_normalised: bool) -> tuple[np.ndarray, np.ndarray]:
    """log p-hat and log se from the sums [..., 5], never leaving log space."""
    m, s0, s1, s2, s2e = np.moveaxis(sums, -1, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if self_normalised:
            log_p = np.log(s1) - np.log(s0)
            p = s1 / s0
            log_se = 0.5 * np.log(np.maximum(s2e * (1 - p) ** 2 + (s2 - s2e) * p * p, 0.0)) - np.log(s0)
        else:
            log_p = m + np.log(s1) - math.log(n)
            rel_var = np.maximum(n * s2e / (s1 * s1) - 1.0, 0.0) / max(n - 1, 1)
            log_se = np.where(s1 > 0, log_p + 0.5 * np.log(rel_var), -np.inf)
    return log_p, log_se


def _result(
    sums: np.ndarray,
    n: int,
    khat: np.ndarray,
    events: np.ndarray,
    stats: np.ndarray | None,
    confidence: float,
    self_normalised: bool,
    scalar: bool,
) -> TailEstimate:
    """The result of the sums [..., 5] of n samples (any leading shape); stats [..., 3] of the log-weights
    (sum, count of -inf, min) give KL(q||p) and the proposal-equals-target check."""
    z = _z(confidence)
    log_p, log_se = _log_space(sums, n, self_normalised)
    m, s0, s1, s2, s2e = np.moveaxis(sums, -1, 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sigma = np.sqrt(np.log1p(np.exp(2 * (log_se - log_p))))
        low = np.where(s1 > 0, np.exp(log_p - z * sigma), 0.0)
        # no event: P_q(event) <= 1 - (1 - confidence)^(1/N) exactly, times the largest weight (relative to
        # the mean weight when self-normalised)
        one_sided = -math.expm1(math.log1p(-confidence) / n) * (n / s0 if self_normalised else np.exp(m))
        high = np.where(s1 > 0, np.minimum(np.exp(log_p + z * sigma), 1.0), np.minimum(one_sided, 1.0))
        ess_event = np.where(s1 > 0, s1 * s1 / s2e, 0.0)
        rel = np.where(s1 > 0, np.exp(log_se - log_p), np.inf)
        if stats is None:
            kl, lw_min = np.full(m.shape, np.nan), np.full(m.shape, -np.inf)
        else:
            total, dead, lw_min = np.moveaxis(stats, -1, 0)
            log_mean_w = m + np.log(s0) - math.log(n)
            kl = np.where(dead > 0, np.inf, log_mean_w - total / n)
        # In the float64 range the plain values come from the sums directly (exp(log p) would lose
        # |log p| ulps); outside it from log space, so they underflow only where float64 must.
        scale = np.ones(m.shape) if self_normalised else np.exp(m) / n
        direct = np.abs(m) < 700 if not self_normalised else np.ones(m.shape, bool)
        denominator = s0 if self_normalised else 1.0
        estimate = np.where(direct, s1 / denominator * scale, np.exp(log_p))
        se = np.where(direct & (s1 > 0), estimate * np.exp(log_se - log_p), np.exp(log_se))
    messages = describe(events, khat, m, lw_min, self_normalised)
    for message in messages:
        warnings.warn(message, RuntimeWarning, stacklevel=4)
    out = {
        "estimate": estimate,
        "se": se,
        "ci_low": low,
        "ci_high": high,
        "log_estimate": log_p,
        "log_se": log_se,
        "ess": s0 * s0 / s2,
        "ess_event": ess_event,
        "khat": khat,
        "rel_error": rel,
        "kl": kl,
        "events": events,
        "n": np.full(m.shape, n),
    }
    return TailEstimate(**{k: _validate.scalar_or_array(v, scalar) for k, v in out.items()}, messages=tuple(messages))


def _estimate(s: _sums.Sums, confidence: float, self_normalised: bool) -> TailEstimate:
    """Arrange the kernel's (Q, T, ...) outputs in the user's layout (thresholds unsorted) and finish."""
    queries, t = s.sums.shape[:2]
    if self_normalised:
        finite = s.n - s.stats[:, 1].astype(np.int64)
        khat = np.repeat([khat_row(top, int(c)) for top, c in zip(s.tops, finite, strict=True)], t).reshape(queries, t)
    else:
        khat = np.array([khat_row(top, int(c)) for top, c in zip(s.tops, s.counts.reshape(-1), strict=True)])
        khat = khat.reshape(queries, t)
    sums, counts, stats = s.sums, s.counts, np.repeat(s.stats[:, None, :], t, axis=1)
    if s.order is not None:
        take = np.broadcast_to(s.order, (queries, t))
        sums = np.take_along_axis(sums, take[..., None], axis=1)
        counts, khat = np.take_along_axis(counts, take, axis=1), np.take_along_axis(khat, take, axis=1)
    shape = (*s.batch, *s.grid)
    return _result(
        sums.reshape(*shape, 5),
        s.n,
        khat.reshape(shape),
        counts.reshape(shape),
        stats.reshape(*shape, 3),
        confidence,
        self_normalised,
        scalar=not shape,
    )


_EVENT_DOC = """
    Parameters
    ----------
    log_p, log_q : array_like, shape (N,) or (queries, N), broadcastable (a scalar log q is read in place)
        log target and proposal densities at the samples; log p = -inf is a zero weight.
    event : array_like, bool or real in [0, 1], like log_p
        the event, or a graded event h (the estimate is then of E_p[h]);
    score, threshold : the event is score >= threshold; threshold is a scalar, a grid (T,) for every
        query or (queries, T): the results get a trailing threshold axis (T,), all thresholds from one pass.
    confidence : level of the interval; backend : "auto", "cpu", "numba" or "cuda" (the
        pass on the device: CuPy inputs are read in place; the result is on the host).

    Returns
    -------
    TailEstimate (0-d fields for a single problem without a grid)
"""


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
    r"""Standard importance sampling: :math:`\hat p = \frac1N \sum_i w_i h_i`,
    :math:`se = \mathrm{sd}(w h) / \sqrt N`, computed as
    :math:`\hat p \sqrt{(N s_{2e} / s_1^2 - 1) / (N - 1)}` from the log-space sums. ``khat`` is that of
    the non-zero terms :math:`w_i h_i`; ``kl`` estimates KL(q||p) as :math:`-\frac1N\sum \ell_i` plus
    :math:`\log \frac1N\sum w_i` (which is 0 in expectation).
    {doc}
    >>> z = np.random.default_rng(0).normal(4.0, 1.0, 1000)         # N(4, 1) proposal for P(Z > 4)
    >>> r = is_estimate(-z**2 / 2, -(z - 4)**2 / 2, score=z, threshold=4.0)
    >>> bool(abs(r.estimate - 3.16712e-5) < 4 * r.se), bool(r.rel_error < 0.1)
    (True, True)
    >>> is_estimate(-z**2 / 2, -(z - 4)**2 / 2, score=z, threshold=[3.0, 4.0, 5.0]).estimate.shape
    (3,)
    """
    confidence = _validate.probability(confidence, "confidence")
    s = _sums.fused_sums(log_p, log_q, event, score, threshold, _sums.KHAT_EVENT, backend)
    return _estimate(s, confidence, self_normalised=False)


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
    :math:`\hat p = \sum w_i h_i / \sum w_i`, delta-method
    :math:`se^2 = \sum w_i^2 (h_i - \hat p)^2 / (\sum w_i)^2` (for 0/1 events). ``khat`` is that of all
    weights; ``kl`` is :math:`\log \frac1N\sum w_i - \frac1N\sum \ell_i`, which removes the unknown constant.
    {doc}
    >>> z = np.random.default_rng(1).normal(1.0, 1.0, 4000)                 # P(Z > 1) = 0.158655
    >>> r = snis_estimate(-z**2 / 2 + 7.0, -(z - 1)**2 / 2, score=z, threshold=1.0)  # constant ignored
    >>> bool(abs(r.estimate - 0.158655) < 4 * r.se), bool(r.khat < 0.7)
    (True, True)
    """
    confidence = _validate.probability(confidence, "confidence")
    s = _sums.fused_sums(log_p, log_q, event, score, threshold, _sums.KHAT_ALL, backend)
    return _estimate(s, confidence, self_normalised=True)


def _components(
    log_q_components: Any, n_per_proposal: Any, name: str = "log_q_components"
) -> tuple[np.ndarray, np.ndarray]:
    lq = _validate.real_array(log_q_components, name, ndim=(2, 3), allow_nan=False)
    counts = _validate.real_array(n_per_proposal, "n_per_proposal", ndim=1)
    if counts.dtype.kind not in "iu":
        raise TypeError(f"n_per_proposal must be integers, got {counts.dtype}")
    if counts.shape != (lq.shape[-2],):
        raise ValueError(f"n_per_proposal must have {lq.shape[-2]} entries (one per proposal), got {counts.shape}")
    for k, c in enumerate(counts.tolist()):
        _validate.integer(c, f"n_per_proposal[{k}]", low=0)
    if int(counts.sum()) != lq.shape[-1]:
        raise ValueError(f"n_per_proposal sums to {int(counts.sum())} but there are {lq.shape[-1]} samples")
    return lq, counts


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
    the deterministic mixture (its log density from :func:`riskcore.tail.defensive_mixture`).

    Parameters
    ----------
    log_q_components : array_like, shape (K, N) or (queries, K, N) -- every proposal's log density at
        every sample
    n_per_proposal : ints (K,) summing to N

    >>> rng = np.random.default_rng(2); z = np.concatenate([rng.normal(3.5, 1, 500), rng.normal(4.5, 1, 500)])
    >>> lq = np.stack([-(z - 3.5)**2 / 2, -(z - 4.5)**2 / 2])
    >>> r = mis_estimate(-z**2 / 2, lq, [500, 500], score=z, threshold=4.0)
    >>> bool(abs(r.estimate - 3.16712e-5) < 4 * r.se)
    True
    """
    from riskcore.tail.proposals import log_mixture

    lq, counts = _components(log_q_components, n_per_proposal)
    log_mix = log_mixture(lq, counts / counts.sum(), axis=lq.ndim - 2)
    confidence = _validate.probability(confidence, "confidence")
    s = _sums.fused_sums(
        log_p, log_mix, event, score, threshold, _sums.KHAT_EVENT, backend, ("log_p", "log_q_components")
    )
    return _estimate(s, confidence, self_normalised=False)


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
    >>> [bool(abs(r.estimate - 3.16712e-5) < 4 * r.se) for r in per_proposal_estimates(
    ...     -z**2 / 2, lq, [500, 500], score=z, threshold=4.0)]
    [True, True]
    """
    lq, counts = _components(log_q_components, n_per_proposal)
    lp = _validate.real_array(log_p, "log_p", ndim=(0, 1, 2))
    edges = np.concatenate([[0], np.cumsum(counts)])
    marks = {"event": event, "score": score}
    out = []
    for k in range(counts.size):
        block = slice(int(edges[k]), int(edges[k + 1]))
        given = {
            name: np.broadcast_to(np.asarray(v), (*lq.shape[:-2], lq.shape[-1]))[..., block]
            for name, v in marks.items()
            if v is not None
        }
        lp_k = np.broadcast_to(lp, (*lq.shape[:-2], lq.shape[-1]))[..., block]
        out.append(
            is_estimate(lp_k, lq[..., k, block], threshold=threshold, confidence=confidence, backend=backend, **given)
        )
    return out


for _f in (is_estimate, snis_estimate):
    _f.__doc__ = _f.__doc__.replace("    {doc}\n", _EVENT_DOC)


# ------------------------------------------------------------------------------ sharded sums
def _sums_array(value: Any, name: str) -> np.ndarray:
    a = _validate.real_array(value, name, ndim=(1, 2)).astype(np.float64, copy=False)
    if a.shape[-1] != 5:
        raise ValueError(f"{name} must have shape (5,) or (queries, 5), got {a.shape}")
    return a


def combine_log_sums(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Merge the log-space sums [M, s0, s1, s2, s2e], shape (5,) or (queries, 5), of two disjoint sample
    sets: rescale both to the larger maximum (the NumPy form of the kernel's chunk combination).

    >>> combine_log_sums([0.0, 1.0, 1.0, 1.0, 1.0], [np.log(2.0), 1.0, 0.0, 1.0, 0.0])
    array([0.69314718, 1.5       , 0.5       , 1.25      , 0.25      ])
    """
    a, b = _sums_array(a, "a"), _sums_array(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    m = np.maximum(a[..., 0], b[..., 0])
    with np.errstate(invalid="ignore"):
        fa = np.where(a[..., 0] == -np.inf, 0.0, np.exp(a[..., 0] - m))[..., None]
        fb = np.where(b[..., 0] == -np.inf, 0.0, np.exp(b[..., 0] - m))[..., None]
    scale_a = np.concatenate([fa, fa, fa * fa, fa * fa], axis=-1)
    scale_b = np.concatenate([fb, fb, fb * fb, fb * fb], axis=-1)
    return np.concatenate([m[..., None], a[..., 1:] * scale_a + b[..., 1:] * scale_b], axis=-1)


def is_from_sums(
    sums: ArrayLike,
    n: int,
    khat: ArrayLike,
    confidence: float = 0.95,
    *,
    events: ArrayLike | None = None,
    stats: ArrayLike | None = None,
) -> TailEstimate:
    """Standard-IS result from the log-space sums (5,) or (queries, 5) of n samples (see
    kernels/tail_sums.hpp); used by sharded computations, whose shards' sums merge with
    :func:`combine_log_sums`. ``events`` (counts of event samples) and ``stats`` (the log-weights' sum,
    number of -inf and minimum) enable the messages and KL(q||p); without them they are inferred / NaN.

    >>> is_from_sums([0.0, 10.0, 2.0, 10.0, 2.0], 10, np.nan).estimate
    np.float64(0.2)
    """
    s = _sums_array(sums, "sums")
    n = _validate.integer(n, "n", low=1)
    shape = s.shape[:-1]
    k = _validate.real_array(khat, "khat").astype(np.float64, copy=False)
    if events is None:
        ev = np.where(s[..., 2] > 0, np.iinfo(np.int64).max, 0)
    else:
        ev = _validate.integer_array(events, "events", low=0)
    st = None
    if stats is not None:
        st = _validate.real_array(stats, "stats", ndim=len(shape) + 1).astype(np.float64, copy=False)
        if st.shape != (*shape, 3):
            raise ValueError(f"stats must have shape {(*shape, 3)} (sum, count of -inf, minimum), got {st.shape}")
    for name, value in (("khat", k), ("events", ev)):
        if _arrays.broadcast_shape({"sums without its last axis": shape, name: np.shape(value)}) != shape:
            raise ValueError(f"{name} must broadcast to {shape} (one per query of sums), got shape {np.shape(value)}")
    with warnings.catch_warnings():
        if events is None:
            warnings.filterwarnings("ignore", message="k-hat is undefined")
        khat_b, ev_b = np.broadcast_to(k, shape), np.broadcast_to(ev, shape)
        return _result(s, n, khat_b, ev_b, st, confidence, False, scalar=not shape)
