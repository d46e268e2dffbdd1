"""The exact, data-free laws of the test slots (public views of :mod:`riskcore._conformal_laws`)."""

from __future__ import annotations

import numpy as np

from riskcore import _conformal_laws as laws
from riskcore import _validate as v
from riskcore.conformal._checks import _nm_sum, _nmk, _pair_args

MAX_JOINT_ENTRIES = 10**8  # entries of slot_order_statistics_joint_pmf (0.8 GB)


def slot_order_statistic_pmf(n: int, m: int, k: int) -> np.ndarray:
    r"""Exact law of the k-th smallest test slot: :math:`P(R_{(k)} = r)`, r = 1..n+1, shape (n+1,).

    .. math:: P(R_{(k)} = r) = \binom{r+k-2}{k-1}\binom{n+m-r-k+1}{m-k} \Big/ \binom{n+m}{m}

    >>> slot_order_statistic_pmf(2, 1, 1).round(4).tolist()
    [0.3333, 0.3333, 0.3333]
    """
    n, m, k = _nmk(n, m, k)
    return laws.order_statistic_pmf(n, m, k)


def slot_order_statistic_cdf(n: int, m: int, k: int) -> np.ndarray:
    """P(R_(k) <= r) for r = 1..n+1, shape (n+1,).

    >>> slot_order_statistic_cdf(2, 1, 1).round(4).tolist()
    [0.3333, 0.6667, 1.0]
    """
    n, m, k = _nmk(n, m, k)
    return laws.order_statistic_cdf(n, m, k)


def slot_order_statistics_joint_pmf(n: int, m: int, k1: int, k2: int) -> np.ndarray:
    r"""Joint law of the k1-th and k2-th smallest test slots (k1 < k2), shape (n+1, n+1), entry
    [r1 - 1, r2 - 1] = :math:`P(R_{(k1)} = r_1, R_{(k2)} = r_2)` (zero below the diagonal):

    .. math:: \binom{r_1+k_1-2}{k_1-1}\binom{r_2-r_1+k_2-k_1-1}{k_2-k_1-1}\binom{n+m-r_2-k_2+1}{m-k_2}
              \Big/ \binom{n+m}{m}

    O(n^2) memory: refused (MemoryError) beyond MAX_JOINT_ENTRIES = 1e8 entries (n about 10,000);
    :func:`two_quantile_bounds` works row by row.

    >>> slot_order_statistics_joint_pmf(1, 2, 1, 2).round(4).tolist()
    [[0.3333, 0.3333], [0.0, 0.3333]]
    """
    n, m, k1, k2 = _pair_args(n, m, k1, k2)
    v.limit(
        "(n + 1)**2 entries of the joint law",
        (n + 1) ** 2,
        MAX_JOINT_ENTRIES,
        "use two_quantile_bounds (row by row, O(n) memory) or fewer calibration points",
        memory=True,
    )
    return np.stack([laws.pair_pmf_row(n, m, k1, k2, r1) for r1 in range(1, n + 2)])


def slot_sum_pmf(n: int, m: int) -> np.ndarray:
    """Exact law of the slot sum T = R_1 + ... + R_m: P(T = t) for t = m..m(n+1), shape (mn+1,).

    T - m has the null law of the Mann-Whitney U statistic with group sizes (m, n).

    >>> (slot_sum_pmf(6, 3)[:3] * 84).round(6).tolist()
    [1.0, 1.0, 2.0]
    """
    return laws.slot_sum_pmf(*_nm_sum(n, m))


def slot_sum_cdf(n: int, m: int) -> np.ndarray:
    """P(T <= t) for t = m..m(n+1), shape (mn+1,).

    >>> round(float(slot_sum_cdf(6, 3)[8 - 3]), 6)  # P(T <= 8) = 16/84
    0.190476
    """
    return laws.slot_sum_cdf(*_nm_sum(n, m))


def slot_sum_quantile(n: int, m: int, level: float) -> int:
    """min{t : P(T <= t) >= level}, from the exact law (accurate in the upper tail).

    >>> slot_sum_quantile(6, 3, 0.9)
    17
    """
    level = v.probability(level, "level")
    return laws.slot_sum_quantile(*_nm_sum(n, m), 1 - laws.exact_level(level))
