r"""Exact, data-free laws of the test slots in batch conformal prediction (cached per (n, m)).

With n calibration and m exchangeable test scores, the multiset of test slots {R_1..R_m} (R_j - 1 =
number of calibration scores below test score j) is uniform over the C(n+m, m) multisets of size m
from {1..n+1}. Everything here follows from that and depends on (n, m) only.

- k-th smallest slot: P(R_(k) = r) = C(r+k-2, k-1) C(n+m-r-k+1, m-k) / C(n+m, m), r = 1..n+1,
  evaluated in log space from a table of log-factorials (relative error ~1e-11 at n = 1e4, ~1e-9 at
  n = 1e6: the rounding of lgamma near 1e7).
- slot sum T = sum_j R_j: T - m has the Mann-Whitney U null law, whose generating function is the
  Gaussian binomial [n+m choose m]_q = prod_{i=1..m} (1 - q^{n+i}) / (1 - q^i). Only the lower half
  u <= mn/2 is computed (the law is symmetric): the product is applied term by term, truncated at the
  half, rescaled by i/(n+i) at each step so that the values stay probabilities (no C(n+m, m) ever
  formed). In float64 this matches exact integer counts to ~1e-15 relative, tails included.
"""

from __future__ import annotations

import functools
import math

import numpy as np

# Sizes beyond which a law would take minutes or gigabytes: refused with a clear message instead.
MAX_ORDER_STATISTIC_SIZE = 20_000_000  # n + m (a table of n + m log-factorials)
MAX_SUM_SUPPORT = 50_000_000  # m n (the slot-sum pmf has m n + 1 entries)


def check_order_statistic_size(n: int, m: int) -> None:
    if n + m > MAX_ORDER_STATISTIC_SIZE:
        raise ValueError(
            f"n + m = {n + m} exceeds {MAX_ORDER_STATISTIC_SIZE}: the exact order-statistic law "
            "would need that many log-factorials"
        )


def check_sum_size(n: int, m: int) -> None:
    if m * n > MAX_SUM_SUPPORT:
        raise ValueError(
            f"m * n = {m * n} exceeds {MAX_SUM_SUPPORT}: the exact slot-sum law would need "
            f"{8 * (m * n + 1) / 1e9:.1f} GB; use fewer calibration points or a smaller batch"
        )


@functools.lru_cache(maxsize=8)
def log_factorials(count: int) -> np.ndarray:
    """log(x!) for x = 0..count, each from math.lgamma (no accumulated rounding)."""
    table = np.fromiter((math.lgamma(x + 1.0) for x in range(count + 1)), dtype=np.float64, count=count + 1)
    table.setflags(write=False)
    return table


def log_binomial(lf: np.ndarray, top, bottom):
    """log C(top, bottom) from a log-factorial table (arrays allowed; -inf where bottom > top)."""
    top, bottom = np.asarray(top), np.asarray(bottom)
    valid = (bottom >= 0) & (bottom <= top)
    t, b = np.where(valid, top, 0), np.where(valid, bottom, 0)
    return np.where(valid, lf[t] - lf[b] - lf[t - b], -np.inf)


@functools.lru_cache(maxsize=16)
def order_statistic_pmf(n: int, m: int, k: int) -> np.ndarray:
    """P(R_(k) = r) for r = 1..n+1 (array index r - 1)."""
    check_order_statistic_size(n, m)
    lf = log_factorials(n + m)
    r = np.arange(1, n + 2)
    log_p = log_binomial(lf, r + k - 2, k - 1) + log_binomial(lf, n + m - r - k + 1, m - k)
    pmf = np.exp(log_p - log_binomial(lf, n + m, m))
    pmf /= pmf.sum()
    pmf.setflags(write=False)
    return pmf


@functools.lru_cache(maxsize=16)
def order_statistic_cdf(n: int, m: int, k: int) -> np.ndarray:
    """P(R_(k) <= r) for r = 1..n+1; the last entry is exactly 1."""
    cdf = np.minimum(np.cumsum(order_statistic_pmf(n, m, k)), 1.0)
    cdf[-1] = 1.0
    cdf.setflags(write=False)
    return cdf


def upper_slot(cdf: np.ndarray, level: float) -> int:
    """min{r : cdf[r - 1] >= level} (1-based)."""
    return int(np.searchsorted(cdf, level * (1 - 4 * np.finfo(float).eps), side="left")) + 1


def pair_pmf_row(n: int, m: int, k1: int, k2: int, r1: int) -> np.ndarray:
    """P(R_(k1) = r1, R_(k2) = r2) for r2 = 1..n+1 (zero for r2 < r1):
    C(r1+k1-2, k1-1) C(r2-r1+k2-k1-1, k2-k1-1) C(n+m-r2-k2+1, m-k2) / C(n+m, m)."""
    lf = log_factorials(n + m)
    r2 = np.arange(1, n + 2)
    log_p = (
        log_binomial(lf, r1 + k1 - 2, k1 - 1)
        + log_binomial(lf, r2 - r1 + k2 - k1 - 1, k2 - k1 - 1)
        + log_binomial(lf, n + m - r2 - k2 + 1, m - k2)
        - log_binomial(lf, n + m, m)
    )
    return np.where(r2 >= r1, np.exp(log_p), 0.0)


@functools.lru_cache(maxsize=4)
def _mann_whitney_lower_half(n: int, m: int) -> np.ndarray:
    """P(U = u) for u = 0..floor(mn/2), U = T - m."""
    check_sum_size(n, m)
    half = m * n // 2
    g = np.zeros(half + 1)
    g[0] = 1.0
    for i in range(1, m + 1):
        shift = n + i
        if shift <= half:  # multiply by (1 - q^(n+i)); old values are read first
            g[shift:] -= g[: half + 1 - shift].copy()
        rows = -(-(half + 1) // i)  # divide by (1 - q^i): prefix sums along stride i
        padded = np.zeros(rows * i)
        padded[: half + 1] = g
        g = np.cumsum(padded.reshape(rows, i), axis=0).reshape(-1)[: half + 1]
        g *= i / (n + i)
    g.setflags(write=False)
    return g


@functools.lru_cache(maxsize=4)
def _mann_whitney_lower_cdf(n: int, m: int) -> np.ndarray:
    """P(U <= u) for u = 0..floor(mn/2) (cached: every quantile of a batch reads it)."""
    cdf = np.cumsum(_mann_whitney_lower_half(n, m))
    cdf.setflags(write=False)
    return cdf


@functools.lru_cache(maxsize=4)
def slot_sum_pmf(n: int, m: int) -> np.ndarray:
    """P(T = t) for t = m..m(n+1) (array index t - m)."""
    lower = _mann_whitney_lower_half(n, m)
    total = m * n
    pmf = np.empty(total + 1)
    pmf[: lower.size] = lower
    pmf[lower.size :] = lower[: total + 1 - lower.size][::-1]  # symmetry u <-> mn - u
    pmf.setflags(write=False)
    return pmf


def slot_sum_cdf(n: int, m: int) -> np.ndarray:
    """P(T <= t) for t = m..m(n+1); the upper half comes from the lower tail (no 1 - cumsum loss)."""
    lower_cdf = _mann_whitney_lower_cdf(n, m)
    total = m * n
    cdf = np.empty(total + 1)
    cdf[: lower_cdf.size] = lower_cdf
    below = total - np.arange(lower_cdf.size, total + 1) - 1  # P(U <= u) = 1 - P(U <= mn - u - 1)
    cdf[lower_cdf.size :] = 1.0 - np.where(below >= 0, lower_cdf[np.maximum(below, 0)], 0.0)
    return np.minimum(cdf, 1.0)


def slot_sum_quantile(n: int, m: int, level: float) -> int:
    """t* = min{t : P(T <= t) >= level}, from the accurate tail: P(T > t) <= 1 - level."""
    lower_cdf = _mann_whitney_lower_cdf(n, m)
    total, alpha = m * n, 1.0 - level
    tol = 4 * np.finfo(float).eps
    if alpha <= lower_cdf[-1]:
        # P(T > t) = P(U <= mn + m - 1 - t); largest u with lower_cdf[u] <= alpha, then t = mn + m - 1 - u
        u0 = int(np.searchsorted(lower_cdf, alpha * (1 + tol), side="right")) - 1
        return total + m - 1 - u0 if u0 >= 0 else total + m
    u = int(np.searchsorted(lower_cdf, level * (1 - tol), side="left"))
    return u + m
