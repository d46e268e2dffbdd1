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

**Atoms are decided exactly.** A level 1 - alpha can equal a cdf value exactly (m = 1 and (n+1)(1-alpha)
an integer, alpha = 1/2, ...); the float laws above are off by a few ulps there, so every quantile first
locates its answer with the float law and then settles each candidate within ``ATOM_TOLERANCE`` of the
level with exact integer counts against alpha read as the simplest fraction that rounds to it (0.1 is
1/10, 1/3 is 1/3; :func:`exact_level`): the result is the exact quantile of the exact law.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np

# Sizes beyond which a law would take minutes or gigabytes: refused with a clear message instead.
MAX_ORDER_STATISTIC_SIZE = 20_000_000  # n + m (a table of n + m log-factorials)
MAX_SUM_SUPPORT = 50_000_000  # m n (the slot-sum pmf has m n + 1 entries)
MAX_SUM_WORK = 20_000_000_000  # additions of the slot-sum recursion: about half a minute of NumPy


def check_order_statistic_size(n: int, m: int) -> None:
    if n + m > MAX_ORDER_STATISTIC_SIZE:
        raise ValueError(
            f"n + m = {n + m} exceeds {MAX_ORDER_STATISTIC_SIZE}: the exact order-statistic law "
            "would need that many log-factorials"
        )


def sum_law_work(n: int, m: int) -> int:
    """Additions of the slot-sum recursion: min(m, n) factors, each over half the support m n + 1."""
    return min(m, n) * (m * n // 2 + 1)


def check_sum_size(n: int, m: int) -> None:
    if m * n > MAX_SUM_SUPPORT:
        raise ValueError(
            f"m * n = {m * n} exceeds {MAX_SUM_SUPPORT}: the exact slot-sum law would need "
            f"{8 * (m * n + 1) / 1e9:.1f} GB; use fewer calibration points or a smaller batch"
        )
    if sum_law_work(n, m) > MAX_SUM_WORK:
        raise ValueError(
            f"the exact slot-sum law for n={n}, m={m} needs about {sum_law_work(n, m):.1e} additions "
            f"(min(m, n) m n / 2), more than {MAX_SUM_WORK:.0e}; use fewer calibration points or a smaller batch"
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


ATOM_TOLERANCE = 1e-9  # far above the float laws' error (<= 1e-11 relative up to n = 1e4)


@functools.lru_cache(maxsize=256)
def exact_level(alpha: float | Fraction) -> Fraction:
    """alpha as the fraction with the smallest denominator (searched over 10, 100, ...) within 4 ulps of
    it: what the user meant (0.1 is 1/10, 0.3 is 3/10, 1/3 and 1 - (1 - 1/3) are 1/3, 0.05 is 1/20)."""
    if isinstance(alpha, Fraction):
        return alpha
    value = Fraction(float(alpha))
    for digits in range(1, 18):
        simple = value.limit_denominator(10**digits)
        if abs(float(simple) - float(alpha)) <= 4 * math.ulp(float(alpha)):
            return simple
    return value


def reaches(count: int, total: int, alpha: float) -> bool:
    """count / total >= 1 - alpha, exactly (alpha read by :func:`exact_level`)."""
    a = exact_level(alpha)
    return count * a.denominator >= (a.denominator - a.numerator) * total


def first_reaching(cdf: np.ndarray, alpha: float, exact_count: Callable[[int], int], total: int) -> int:
    """min{i : cdf[i] >= 1 - alpha} for a non-decreasing float cdf, with every index whose value is
    within ATOM_TOLERANCE of the level decided by ``exact_count(i) / total`` (len(cdf) if none)."""
    level = 1.0 - float(alpha)
    lo = int(np.searchsorted(cdf, level - ATOM_TOLERANCE, side="left"))
    hi = int(np.searchsorted(cdf, level + ATOM_TOLERANCE, side="left"))
    for i in range(lo, min(hi, len(cdf))):
        if reaches(exact_count(i), total, alpha):
            return i
    return hi


def multichoose(slots: int, count: int) -> int:
    """#multisets of ``count`` elements from ``slots`` slots (1 for count = 0, even with no slots)."""
    return 1 if count == 0 else math.comb(slots + count - 1, count) if slots > 0 else 0


def order_statistic_count(n: int, m: int, k: int, r: int) -> int:
    """#multisets with R_(k) <= r, i.e. with at least k of the m slots in 1..r (exact integer; the
    shorter of the two sums: j >= k slots in 1..r, or the total minus j < k)."""

    def with_j(j: int) -> int:  # j slots in 1..r, m - j in r+1..n+1
        return multichoose(r, j) * multichoose(n + 1 - r, m - j)

    if m - k + 1 <= k:
        return sum(with_j(j) for j in range(k, m + 1))
    return math.comb(n + m, m) - sum(with_j(j) for j in range(k))


def upper_slot(n: int, m: int, k: int, alpha: float) -> int:
    """r* = min{r : P(R_(k) <= r) >= 1 - alpha} (1-based), exact at atoms."""
    cdf = order_statistic_cdf(n, m, k)
    return 1 + first_reaching(cdf, alpha, lambda i: order_statistic_count(n, m, k, i + 1), math.comb(n + m, m))


def pair_coverage_count(n: int, m: int, k1: int, k2: int, lo: int, hi: int) -> int:
    """#multisets with lo < R_(k1) and R_(k2) <= hi: a < k1 slots in 1..lo, a + b >= k2 in 1..hi."""
    total = 0
    for a in range(0, k1):
        for b in range(max(k2 - a, 0), m - a + 1):
            c = m - a - b
            total += multichoose(lo, a) * multichoose(hi - lo, b) * multichoose(n + 1 - hi, c)
    return total


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
def mann_whitney_lower_counts(n: int, m: int) -> np.ndarray:
    """#multisets with U = u for u = 0..floor(mn/2), exact: int64 while C(n+m, m) < 2**62, Python
    ints otherwise (the same Gaussian-binomial recursion without the rescaling)."""
    half = m * n // 2
    g = np.zeros(half + 1, dtype=np.int64 if math.comb(n + m, m) < 2**62 else object)
    g[0] = 1
    for i in range(1, m + 1):
        shift = n + i
        if shift <= half:
            g[shift:] -= g[: half + 1 - shift].copy()
        rows = -(-(half + 1) // i)  # divide by (1 - q^i): prefix sums along stride i
        padded = np.zeros(rows * i, dtype=g.dtype)
        padded[: half + 1] = g
        g = np.cumsum(padded.reshape(rows, i), axis=0).reshape(-1)[: half + 1]
    return g


@functools.lru_cache(maxsize=4)
def _mann_whitney_lower_half(n: int, m: int) -> np.ndarray:
    """P(U = u) for u = 0..floor(mn/2), U = T - m. U's generating function, the Gaussian binomial
    [n + m choose m]_q = prod_{i<=m} (1 - q^(n+i)) / (1 - q^i), is symmetric in n and m: the product runs
    over the smaller of the two."""
    check_sum_size(n, m)
    n, m = max(n, m), min(n, m)
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


MAX_EXACT_SUM_WORK = 5_000_000  # m * mn / 2 Python-int additions for exact counts beyond int64


@functools.lru_cache(maxsize=4)
def _mann_whitney_lower_count_cdf(n: int, m: int) -> np.ndarray | None:
    """Exact #multisets with U <= u, u = 0..floor(mn/2); None when beyond int64 and too costly."""
    if math.comb(n + m, m) >= 2**62 and m * (m * n // 2) > MAX_EXACT_SUM_WORK:
        return None
    return np.cumsum(mann_whitney_lower_counts(n, m))


def slot_sum_count_le(n: int, m: int, t: int) -> int | None:
    """Exact #multisets with T <= t (None when not affordable, see MAX_EXACT_SUM_WORK)."""
    counts = _mann_whitney_lower_count_cdf(n, m)
    if counts is None:
        return None
    u, total = t - m, m * n
    if u < 0:
        return 0
    if u >= total:
        return math.comb(n + m, m)
    if u < counts.size:
        return int(counts[u])
    return math.comb(n + m, m) - int(counts[total - u - 1])  # symmetry u <-> mn - u


def slot_sum_quantile(n: int, m: int, alpha: float | Fraction) -> int:
    """t* = min{t : P(T <= t) >= 1 - alpha}, from the accurate tail (P(T > t) <= alpha) and exact
    integer counts at atoms (float decision with a 4-ulp tolerance only beyond MAX_EXACT_SUM_WORK)."""
    lower_cdf = _mann_whitney_lower_cdf(n, m)
    total, exact_alpha, alpha = m * n, alpha, float(alpha)
    tol = 4 * np.finfo(float).eps
    if alpha <= lower_cdf[-1]:
        # P(T > t) = P(U <= mn + m - 1 - t); largest u with lower_cdf[u] <= alpha, then t = mn + m - 1 - u
        hi = int(np.searchsorted(lower_cdf, alpha + ATOM_TOLERANCE, side="right")) - 1
        lo = int(np.searchsorted(lower_cdf, alpha - ATOM_TOLERANCE, side="right")) - 1
        u0 = lo
        for u in range(hi, lo, -1):  # P(T > t) <= alpha  <=>  P(T <= t) >= 1 - alpha
            exact = slot_sum_count_le(n, m, total + m - 1 - u)
            if reaches(exact, math.comb(n + m, m), alpha) if exact is not None else lower_cdf[u] <= alpha * (1 + tol):
                u0 = u
                break
        return total + m - 1 - u0 if u0 >= 0 else total + m

    def exact(i: int) -> int:
        count = slot_sum_count_le(n, m, i + m)
        if count is None:  # unaffordable: the float value with the 4-ulp tolerance
            return math.comb(n + m, m) if lower_cdf[i] >= (1 - alpha) * (1 - tol) else 0
        return count

    return m + first_reaching(lower_cdf, exact_alpha, exact, math.comb(n + m, m))


MAX_WEIGHTED_WORK = 2 * 10**9  # (n + 1) m * m max(h) steps of the weighted-sum law


def weighted_sum_law(h: np.ndarray, m: int) -> tuple[np.ndarray, int | None]:
    """Law of G_h = sum_j h(R_j) for the uniform multiset of m slots from 1..len(h): (values, total)
    with values[g] = #multisets with G_h = g (exact int64, total = C(len(h)+m-1, m)) when the count
    fits, else probabilities (float64, total None). h: non-decreasing non-negative integers."""
    from riskcore._numba import conformal as kernels

    slots = len(h)
    total = math.comb(slots + m - 1, m)
    exact = total < 2**62
    counts = np.zeros((m + 1, m * int(h[-1]) + 1), dtype=np.int64 if exact else np.float64)
    kernel = kernels.weighted_sum_counts if exact else kernels.weighted_sum_probabilities
    law = kernel(np.ascontiguousarray(h, dtype=np.int64), m, counts).copy()
    return law, (total if exact else None)


def weighted_sum_quantile(h: np.ndarray, m: int, alpha: float) -> int:
    """q_h = min{g : P(G_h <= g) >= 1 - alpha}, exact when the counts fit in int64."""
    law, total = weighted_sum_law(h, m)
    if total is None:
        cdf = np.cumsum(law)
        return int(np.searchsorted(cdf, (1 - float(alpha)) * (1 - 4 * np.finfo(float).eps), side="left"))
    cumulative = np.cumsum(law)
    return first_reaching(cumulative / total, alpha, lambda i: int(cumulative[i]), total)
