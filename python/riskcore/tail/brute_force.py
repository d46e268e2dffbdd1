r"""Brute-force Monte Carlo tail probabilities, k events out of N draws, with exact intervals (the
comparison for every importance-sampling estimate)."""

from __future__ import annotations

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
