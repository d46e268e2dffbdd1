"""The exact slot laws against enumeration of all multisets and scipy's Mann-Whitney null law."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from conformal_oracles import cdf_at, law, multisets, sum_quantile

from riskcore import _conformal_laws as laws
from riskcore import conformal

SMALL = [(n, m) for n in range(1, 11) for m in range(1, 6) if n + m <= 14]


def test_multisets_are_counted_by_the_binomial():
    for n, m in SMALL:
        assert len(multisets(n, m)) == math.comb(n + m, m)


def test_worked_numbers_of_the_spec():
    cdf = conformal.slot_sum_cdf(6, 3)
    assert [round(cdf[t - 3] * 84, 9) for t in (5, 8, 11, 14)] == [4, 16, 38, 61]
    assert conformal.slot_sum_quantile(6, 3, 0.9) == 17
    # not the law of independent slots: P(sum of 3 iid U{1..7} <= 8) = 56/343 = 0.1633
    assert cdf[8 - 3] == pytest.approx(16 / 84) and abs(cdf[8 - 3] - 56 / 343) > 0.02


@pytest.mark.parametrize("n, m", SMALL)
def test_order_statistic_laws_match_enumeration(n, m):
    for k in range(1, m + 1):
        exact = law(n, m, lambda ms, k=k: ms[k - 1])
        got = conformal.slot_order_statistic_pmf(n, m, k)
        np.testing.assert_allclose(got, [float(exact.get(r, 0)) for r in range(1, n + 2)], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n, m", [(n, m) for n, m in SMALL if m >= 2])
def test_pair_law_matches_enumeration(n, m):
    for k1 in range(1, m):
        for k2 in range(k1 + 1, m + 1):
            exact = law(n, m, lambda ms, k1=k1, k2=k2: (ms[k1 - 1], ms[k2 - 1]))
            for r1 in range(1, n + 2):
                row = laws.pair_pmf_row(n, m, k1, k2, r1)
                want = [float(exact.get((r1, r2), 0)) for r2 in range(1, n + 2)]
                np.testing.assert_allclose(row, want, rtol=1e-12, atol=1e-15)


def test_public_joint_law_and_cdf_match_enumeration():
    n, m = 6, 4
    for k1, k2 in [(1, 2), (2, 4), (1, 4)]:
        exact = law(n, m, lambda ms, k1=k1, k2=k2: (ms[k1 - 1], ms[k2 - 1]))
        want = [[float(exact.get((r1, r2), 0)) for r2 in range(1, n + 2)] for r1 in range(1, n + 2)]
        np.testing.assert_allclose(conformal.slot_order_statistics_joint_pmf(n, m, k1, k2), want, atol=1e-15)
    cdf = conformal.slot_order_statistic_cdf(n, m, 3)
    np.testing.assert_allclose(cdf, [float(cdf_at(n, m, lambda ms: ms[2], r)) for r in range(1, n + 2)], atol=1e-15)


@pytest.mark.parametrize("n, m", SMALL)
def test_slot_sum_law_and_quantiles_match_enumeration(n, m):
    exact = law(n, m, sum)
    np.testing.assert_allclose(
        conformal.slot_sum_pmf(n, m), [float(exact.get(t, 0)) for t in range(m, m * (n + 1) + 1)], rtol=1e-12
    )
    cdf = conformal.slot_sum_cdf(n, m)
    for t in range(m, m * (n + 1) + 1):
        assert cdf[t - m] == pytest.approx(float(cdf_at(n, m, sum, t)), rel=1e-12, abs=1e-15)
    for level in (Fraction(1, 2), Fraction(4, 5), Fraction(9, 10), Fraction(19, 20), Fraction(99, 100)):
        assert conformal.slot_sum_quantile(n, m, float(level)) == sum_quantile(n, m, level)


@pytest.mark.parametrize("n, m", [(5, 3), (20, 7), (60, 12), (200, 40)])
def test_slot_sum_law_is_mann_whitney(n, m):
    from scipy.stats._mannwhitneyu import _MWU

    mwu = _MWU(m, n)
    u = np.arange(m * n + 1)
    # scipy's recurrence is accurate to ~1e-16 absolute (its far tail even goes negative)
    np.testing.assert_allclose(conformal.slot_sum_pmf(n, m), mwu.pmf(u), rtol=1e-9, atol=1e-15)


def test_slot_sum_tails_match_exact_integer_counts():
    """Relative accuracy deep in the tails, against the Gaussian binomial in exact integers."""
    n, m = 200, 40
    counts = [1] + [0] * (m * n)
    for i in range(1, m + 1):  # multiply by (1 - q^(n+i)), divide by (1 - q^i), exactly
        for u in range(m * n, n + i - 1, -1):
            counts[u] -= counts[u - n - i]
        for u in range(i, m * n + 1):
            counts[u] += counts[u - i]
    total = math.comb(n + m, m)
    exact = np.array([float(Fraction(c, total)) for c in counts])
    np.testing.assert_allclose(conformal.slot_sum_pmf(n, m), exact, rtol=1e-13)


def test_slot_sum_law_is_stable_at_large_sizes():
    n, m = 10_000, 100
    pmf = conformal.slot_sum_pmf(n, m)
    t = np.arange(m, m * (n + 1) + 1, dtype=np.float64)
    assert (pmf >= 0).all() and math.fsum(pmf) == pytest.approx(1.0, abs=1e-12)
    assert math.fsum(pmf * t) == pytest.approx(m * (n + 2) / 2, rel=1e-12)
    variance = math.fsum(pmf * (t - m * (n + 2) / 2) ** 2)
    assert variance == pytest.approx(m * n * (n + m + 1) / 12, rel=1e-10)


@pytest.mark.slow
def test_slot_sum_law_at_the_largest_supported_size():
    n, m = 10_000, 500
    pmf = conformal.slot_sum_pmf(n, m)
    assert (pmf >= 0).all() and math.fsum(pmf) == pytest.approx(1.0, abs=1e-12)
    t = np.arange(m, m * (n + 1) + 1, dtype=np.float64)
    assert math.fsum(pmf * (t - m * (n + 2) / 2) ** 2) == pytest.approx(m * n * (n + m + 1) / 12, rel=1e-10)


def test_order_statistic_law_at_a_million_calibration_points():
    n, m, k = 1_000_000, 50, 25
    pmf = conformal.slot_order_statistic_pmf(n, m, k)
    r = np.arange(1, n + 2, dtype=np.float64)
    assert math.fsum(pmf) == pytest.approx(1.0, abs=1e-12)
    # E[R_(k)] = 1 + k n / (m + 1) (k-th of m uniform order statistics scaled to n+1 slots)
    assert math.fsum(pmf * r) == pytest.approx(1 + k * n / (m + 1), rel=1e-9)
