"""Confidence-interval helpers shared by riskcore.mc and riskcore.tail."""

from __future__ import annotations

import math

import numpy as np

from riskcore._validate import probability


def normal_quantile(q: float) -> float:
    """Inverse standard normal CDF by bisection on erfc (no SciPy dependency); q in (0, 1)."""
    q = probability(q, "q")
    lo, hi = -10.0, 10.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def wilson_interval(p: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion p out of n trials, with the exact endpoints 0 at p = 0
    and 1 at p = 1 (the formula leaves rounding dust there)."""
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return np.where(p == 0, 0.0, centre - half), np.where(p == 1, 1.0, centre + half)
