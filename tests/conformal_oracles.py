"""Enumeration oracles for batch conformal: every multiset of m slots from 1..n+1, exact fractions."""

from __future__ import annotations

import functools
import itertools
import math
from fractions import Fraction


@functools.cache
def multisets(n: int, m: int) -> tuple[tuple[int, ...], ...]:
    """All multisets (sorted tuples) of m slots from 1..n+1, each with probability 1 / C(n+m, m)."""
    return tuple(itertools.combinations_with_replacement(range(1, n + 2), m))


def law(n: int, m: int, statistic) -> dict:
    weight = Fraction(1, math.comb(n + m, m))
    out: dict = {}
    for ms in multisets(n, m):
        key = statistic(ms)
        out[key] = out.get(key, 0) + weight
    return out


def cdf_at(n: int, m: int, statistic, value) -> Fraction:
    return sum((p for v, p in law(n, m, statistic).items() if v <= value), Fraction(0))


def sum_quantile(n: int, m: int, level: Fraction) -> int:
    """min{t : P(T <= t) >= level} exactly."""
    dist = law(n, m, sum)
    total = Fraction(0)
    for t in sorted(dist):
        total += dist[t]
        if total >= level:
            return t
    raise AssertionError


def sum_lower_quantile(n: int, m: int, level: Fraction) -> int:
    """max{t : P(T >= t) >= level} exactly."""
    dist = law(n, m, sum)
    return max(t for t in dist if sum((p for s, p in dist.items() if s >= t), Fraction(0)) >= level)


def mean_upper_bound(values_1_to_n1, m: int, t_star: int) -> float:
    """max over multisets M with sum(M) <= t* of mean of values[r - 1] (brute force)."""
    n = len(values_1_to_n1) - 1
    return max(math.fsum(values_1_to_n1[r - 1] for r in ms) / m for ms in multisets(n, m) if sum(ms) <= t_star)


def mean_lower_bound(padded, m: int, t_lo: int) -> float:
    """min over multisets with sum >= t_lo of mean S_(r - 1) (padded[0] = a): the spec's mirror problem."""
    n = len(padded) - 2
    return min(math.fsum(padded[r - 1] for r in ms) / m for ms in multisets(n, m) if sum(ms) >= t_lo)
