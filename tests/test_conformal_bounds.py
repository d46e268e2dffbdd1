"""Every bound against brute force over all multisets (exact laws, exact quantiles, exhaustive DP)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from conformal_oracles import law, mean_lower_bound, mean_upper_bound, sum_lower_quantile, sum_quantile

from riskcore import conformal

ALPHAS = [0.05, 0.1, 0.3]
CASES = [(n, m) for n in (2, 4, 7, 9) for m in (1, 2, 3, 5) if n + m <= 14]


def exact_alpha(alpha: float) -> Fraction:
    return Fraction(alpha).limit_denominator(1000)


def scores_for(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(0.05, 0.95, size=n), 3)


@pytest.mark.parametrize("n, m", CASES)
@pytest.mark.parametrize("alpha", ALPHAS)
def test_quantile_bounds_match_enumeration(n, m, alpha):
    scores = scores_for(n, n * 10 + m)
    padded = np.concatenate([[0.0], np.sort(scores), [1.0]])
    level = 1 - exact_alpha(alpha)
    for k in range(1, m + 1):
        dist = law(n, m, lambda ms, k=k: ms[k - 1])
        r_star = min(r for r in range(1, n + 2) if sum((p for v, p in dist.items() if v <= r), Fraction(0)) >= level)
        r_lo = max(r for r in range(1, n + 2) if sum((p for v, p in dist.items() if v >= r), Fraction(0)) >= level)
        assert conformal.batch_quantile_bound(scores, m, k, alpha, bounds=(0, 1)) == padded[r_star]
        assert conformal.batch_quantile_bound(scores, m, k, alpha, side="lower", bounds=(0, 1)) == padded[r_lo - 1]


@pytest.mark.parametrize("n, m", CASES)
@pytest.mark.parametrize("alpha", ALPHAS)
def test_mean_bounds_match_exhaustive_search(backend, n, m, alpha):
    scores = scores_for(n, n + 100 * m)
    padded = np.concatenate([[0.0], np.sort(scores), [1.0]])
    level = 1 - exact_alpha(alpha)
    upper = mean_upper_bound(padded[1:], m, sum_quantile(n, m, level))
    lower = mean_lower_bound(padded, m, sum_lower_quantile(n, m, level))
    got_upper = conformal.batch_mean_bound(scores, m, alpha, bounds=(0, 1), method="dp", backend=backend)
    got_lower = conformal.batch_mean_bound(scores, m, alpha, side="lower", bounds=(0, 1), method="dp", backend=backend)
    assert got_upper == pytest.approx(upper, abs=1e-12)
    assert got_lower == pytest.approx(lower, abs=1e-12)
    assert conformal.batch_mean_bound_relaxed(scores, m, alpha, bounds=(0, 1)) >= upper - 1e-12


def test_mean_bound_with_monotone_transform(backend):
    scores = scores_for(8, 3)
    padded = np.sort(scores)
    g = np.sqrt
    level = 1 - exact_alpha(0.1)
    want = mean_upper_bound([*list(g(padded)), 1.0], 4, sum_quantile(8, 4, level))
    assert conformal.batch_mean_bound(
        scores, 4, 0.1, g=g, bounds=(0, 1), method="dp", backend=backend
    ) == pytest.approx(want)
    with pytest.raises(ValueError, match="non-decreasing"):
        conformal.batch_mean_bound(scores, 4, 0.1, g=lambda x: -x, bounds=(0, 1), method="dp")


def test_two_quantile_bounds_match_brute_force():
    for n, m, k1, k2 in [(6, 4, 1, 3), (8, 4, 2, 4), (9, 5, 2, 4), (7, 3, 1, 2)]:
        scores = scores_for(n, n + m)
        padded = np.concatenate([[0.0], np.sort(scores), [1.0]])
        dist = law(n, m, lambda ms, k1=k1, k2=k2: (ms[k1 - 1], ms[k2 - 1]))
        level = 1 - exact_alpha(0.2)
        best = None
        below = law(n, m, lambda ms, k1=k1: ms[k1 - 1])
        above = law(n, m, lambda ms, k2=k2: ms[k2 - 1])
        for lo, hi in itertools.product(range(0, n + 1), range(1, n + 2)):
            coverage = sum((p for (r1, r2), p in dist.items() if lo < r1 and r2 <= hi), Fraction(0))
            if coverage >= level:  # data-free: rank width, then the most symmetric tails, then lo
                lower_tail = sum((p for r, p in below.items() if r <= lo), Fraction(0))
                upper_tail = sum((p for r, p in above.items() if r > hi), Fraction(0))
                key = (hi - lo, abs(lower_tail - upper_tail), lo, hi)
                best = key if best is None or key < best else best
        assert conformal.two_quantile_bounds(scores, m, k1, k2, 0.2, bounds=(0, 1)) == (
            padded[best[2]],
            padded[best[3]],
        )


def test_batched_calls_equal_one_by_one(backend):
    rng = np.random.default_rng(5)
    cal = rng.uniform(size=(40, 30))
    ms = rng.integers(1, 8, size=40)
    alphas = rng.uniform(0.05, 0.3, size=40)
    batched = conformal.batch_mean_bound(cal, ms, alphas, bounds=(0, 1), method="dp", backend=backend)
    single = [
        conformal.batch_mean_bound(cal[p], int(ms[p]), alphas[p], bounds=(0, 1), method="dp", backend=backend)
        for p in range(40)
    ]
    np.testing.assert_array_equal(batched, single)
    two = conformal.batch_mean_bound(cal, 5, 0.1, side="two-sided", bounds=(0, 1), method="dp", backend=backend)
    assert two.shape == (40, 2) and (two[:, 0] <= two[:, 1]).all()
    q = conformal.batch_quantile_bound(cal, 5, 3, 0.1)
    np.testing.assert_array_equal(q, [conformal.batch_quantile_bound(c, 5, 3, 0.1) for c in cal])


def test_backends_agree_bitwise():
    rng = np.random.default_rng(6)
    cal = rng.beta(2, 5, size=(6, 300))
    results = {
        b: conformal.batch_mean_bound(cal, 20, 0.1, bounds=(0, 1), method="dp", backend=b) for b in ("cpu", "numba")
    }
    np.testing.assert_array_equal(results["cpu"], results["numba"])


def test_relaxation_is_valid_and_close():
    rng = np.random.default_rng(7)
    cal = rng.beta(0.5, 0.5, size=500)
    exact = conformal.batch_mean_bound(cal, 20, 0.1, bounds=(0, 1), method="dp")
    relaxed = conformal.batch_mean_bound_relaxed(cal, 20, 0.1, bounds=(0, 1))
    assert exact <= relaxed <= exact + 0.05


def test_small_n_returns_the_pad():
    assert conformal.batch_quantile_bound([0.3, 0.5], m=5, k=5, alpha=0.05) == math.inf
    assert conformal.batch_quantile_bound([0.3, 0.5], m=5, k=5, alpha=0.05, bounds=(0, 1)) == 1.0
    assert conformal.batch_quantile_bound([0.3, 0.5], m=5, k=1, alpha=0.05, side="lower") == -math.inf
    assert conformal.simultaneous_bound([0.3], m=3, alpha=0.1, bounds=(-2, 2)) == 2.0


def test_baseline_comparison_reports_the_gain():
    rng = np.random.default_rng(9)
    c = conformal.compare_with_baselines(rng.uniform(size=3000), 30, 0.1, bounds=(0, 1))
    assert c.mean_exact < c.mean_bonferroni and c.mean_exact < c.mean_split
    assert c.max_exact <= c.max_bonferroni and c.max_exact <= c.max_split
    assert 0 < c.mean_width_exact < c.mean_width_bonferroni
    assert 0 < c.max_width_exact <= c.max_width_bonferroni


def test_exact_bounds_are_tighter_than_baselines():
    rng = np.random.default_rng(8)
    cal = rng.normal(size=2000)
    exact_max = conformal.simultaneous_bound(cal, 20, 0.1)
    assert exact_max <= conformal.bonferroni_bound(cal, 20, 0.1)
    assert exact_max <= conformal.split_calibration_bound(cal, 20, 0.1)
    u = rng.uniform(size=2000)
    mean_exact = conformal.batch_mean_bound(u, 20, 0.1, bounds=(0, 1), method="dp")
    assert mean_exact < conformal.bonferroni_bound(u, 20, 0.1)
    assert mean_exact < conformal.split_calibration_bound(u, 20, 0.1, statistic="mean", bounds=(0, 1))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: conformal.batch_quantile_bound([1.0], 3, 2, 1.0), ValueError, r"alpha must be in \(0, 1\)"),
        (lambda: conformal.batch_quantile_bound([1.0], 3, 2, 0.0), ValueError, "alpha"),
        (lambda: conformal.batch_quantile_bound([1.0], 0, 1, 0.1), ValueError, "m must be in 1"),
        (lambda: conformal.batch_quantile_bound([1.0], 3, 4, 0.1), ValueError, "k must be in 1..3"),
        (lambda: conformal.batch_quantile_bound([1.0], 3.0, 1, 0.1), TypeError, "m must be an int"),
        (lambda: conformal.batch_quantile_bound([], 3, 1, 0.1), ValueError, "empty"),
        (lambda: conformal.batch_quantile_bound([1.0, np.nan], 3, 1, 0.1), ValueError, "NaN"),
        (lambda: conformal.batch_quantile_bound(["a"], 3, 1, 0.1), TypeError, "real numeric"),
        (lambda: conformal.batch_quantile_bound([1.0], 3, 1, 0.1, side="both"), ValueError, "side"),
        (lambda: conformal.batch_quantile_bound([1.0, 5.0], 3, 1, 0.1, bounds=(0, 2)), ValueError, "within bounds"),
        (lambda: conformal.batch_mean_bound([0.5], 3, 0.1), ValueError, "bounds=.a, b. is required"),
        (lambda: conformal.batch_mean_bound([0.5], 3.0, 0.1, bounds=(0, 1)), TypeError, "m must be an int"),
        (lambda: conformal.batch_mean_bound([[0.5], [0.4]], [3, 0], 0.1, bounds=(0, 1)), ValueError, "m must be in"),
        (lambda: conformal.batch_mean_bound([0.5], 3, [0.1, 0.2], bounds=(0, 1)), ValueError, "broadcast"),
        (lambda: conformal.batch_mean_bound([0.5], 3, 0.1, bounds=(1, 0)), ValueError, "a < b"),
        (lambda: conformal.two_quantile_bounds([0.5], 3, 2, 2, 0.1), ValueError, "k2"),
        (lambda: conformal.select_exceeding([1.0], [1.0], [1.0, 2.0], 0.0, k=2, alpha=0.1), ValueError, "k must be"),
        (lambda: conformal.slot_sum_quantile(5, 2, 1.0), ValueError, "level"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
