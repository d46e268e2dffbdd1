r"""Brute-force Monte Carlo tail probabilities, k events out of N draws, with exact intervals (the
comparison for every importance-sampling estimate)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _validate
from riskcore._intervals import normal_quantile, wilson_interval

__all__ = ["MCTailEstimate", "mc_tail_estimate"]


@dataclass(frozen=True)
class MCTailEstimate:
    """Brute-force p = k/N with exact (Clopper-Pearson) and Wilson intervals."""

    estimate: np.ndarray
    se: np.ndarray
    cp_low: np.ndarray
    cp_high: np.ndarray
    wilson_low: np.ndarray
    wilson_high: np.ndarray


_SUM_TERMS = 100_000  # up to this many events the binomial sum is exact; beyond, the continued fraction


def _binomial_upper(a: int, b: int, x: float) -> float:
    """I_x(a, b) = P(Bin(a + b - 1, x) >= a) for whole a, as 1 - sum_{j < a} pmf_j with the pmf from its
    recursion pmf_{j+1} = pmf_j (N - j) x / ((j + 1)(1 - x)) in log space: no cancellation for N up to 2^64."""
    total = float(a + b - 1)
    j = np.arange(a - 1, dtype=np.float64)
    steps = np.log((total - j) / (j + 1)) + (math.log(x) - math.log1p(-x))
    log_pmf = total * math.log1p(-x) + np.concatenate(([0.0], np.cumsum(steps)))
    top = float(log_pmf.max())
    return 1.0 - math.exp(top) * float(np.exp(log_pmf - top).sum())


def _log_front(a: float, b: float, x: float) -> float:
    """log(x^a (1 - x)^b / B(a, b)) for a, b >= 8 from the deviations of x from a / (a + b) (TOMS 708's
    brcomp), without the cancellation of a log x + b log(1 - x) - log B(a, b)."""
    from riskcore._numba.special import _stirling_delta

    total = a + b
    x0, y0 = a / total, b / total
    lam = a - total * x if a <= b else total * (1.0 - x) - b
    e = -lam / a
    u = e - math.log(x / x0) if abs(e) > 0.6 else e - math.log1p(e)
    e = lam / b
    v = e - math.log((1.0 - x) / y0) if abs(e) > 0.6 else e - math.log1p(e)
    corr = _stirling_delta(a) + _stirling_delta(b) - _stirling_delta(total)
    return -0.5 * math.log(2 * math.pi) + 0.5 * math.log(b * x0) - (a * u + b * v) - corr


def _beta_cdf(a: int, b: int, x: float) -> float:
    """I_x(a, b) for whole a, b >= 1."""
    from riskcore._numba.special import _beta_fraction

    if a <= _SUM_TERMS:
        return _binomial_upper(a, b, x)
    front = math.exp(_log_front(float(a), float(b), x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front / (a * _beta_fraction(float(a), float(b), x))
    return 1.0 - front / (b * _beta_fraction(float(b), float(a), 1.0 - x))


def _beta_quantile(q: float, a: int, b: int) -> float:
    """The smallest double x in (0, 1] with I_x(a, b) >= q, by bisection over the doubles' bit patterns
    (positive doubles are ordered like their bits: 62 steps, exact to the last bit)."""
    lo, hi = 0, int(np.float64(1.0).view(np.int64))
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _beta_cdf(a, b, float(np.int64(mid).view(np.float64))) < q:
            lo = mid
        else:
            hi = mid
    return float(np.int64(hi).view(np.float64))


def mc_tail_estimate(k: ArrayLike, n: ArrayLike, *, confidence: float = 0.95) -> MCTailEstimate:
    r"""Brute-force Monte Carlo: :math:`\hat p = k/N`. Clopper-Pearson:
    :math:`[B^{-1}(\alpha/2; k, N-k+1),\ B^{-1}(1-\alpha/2; k+1, N-k)]`, with 0 / 1 at k = 0 / k = N (so
    k = 0 gives the finite upper bound :math:`1 - (\alpha/2)^{1/N} \approx 3.7/N`); Wilson likewise.

    >>> r = mc_tail_estimate(0, 1000)
    >>> round(float(r.cp_high), 6), float(r.cp_low)
    (0.003682, 0.0)
    """
    k_arr = _validate.real_array(k, "k", low=0)
    n_arr = _validate.real_array(n, "n", low=1)
    for name, arr in (("k", k_arr), ("n", n_arr)):
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name} must be integers, got {arr.dtype}")
    try:
        k_arr, n_arr = np.broadcast_arrays(k_arr, n_arr)
    except ValueError:
        raise ValueError(f"k {k_arr.shape} and n {n_arr.shape} do not broadcast") from None
    if (k_arr > n_arr).any():
        raise ValueError("k must be <= n (events out of trials)")
    confidence = _validate.probability(confidence, "confidence")
    alpha = 1 - confidence
    z = normal_quantile(0.5 + confidence / 2)
    k_float, n_float = k_arr.astype(np.float64), n_arr.astype(np.float64)  # no int64 overflow in n * n
    p = k_float / n_float
    # Python ints: k + 1 and n - k of NumPy small ints (uint8 255 + 1) must not wrap around
    pairs = list(zip(k_arr.ravel().tolist(), n_arr.ravel().tolist(), strict=True))
    cp_low = np.array([0.0 if kk == 0 else _beta_quantile(alpha / 2, kk, nn - kk + 1) for kk, nn in pairs])
    cp_high = np.array([1.0 if kk == nn else _beta_quantile(1 - alpha / 2, kk + 1, nn - kk) for kk, nn in pairs])
    wilson_low, wilson_high = wilson_interval(p, n_float, z)
    shape = k_arr.shape
    return MCTailEstimate(
        p[()],
        np.sqrt(p * (1 - p) / n_float)[()],
        cp_low.reshape(shape)[()],
        cp_high.reshape(shape)[()],
        wilson_low[()],
        wilson_high[()],
    )
