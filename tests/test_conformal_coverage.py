"""Seeded coverage simulations: over R replications of exchangeable data, the empirical coverage of
every bound is at least 1 - alpha - 3 se, se = sqrt(alpha (1 - alpha) / R)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from riskcore import conformal

REPS, N, M, ALPHA = 2000, 40, 8, 0.1
FLOOR = 1 - ALPHA - 3 * math.sqrt(ALPHA * (1 - ALPHA) / REPS)

BOUNDED = {
    "uniform": lambda rng, size: rng.uniform(size=size),
    "beta(0.5,0.5)": lambda rng, size: rng.beta(0.5, 0.5, size=size),
    "beta(2,5)": lambda rng, size: rng.beta(2, 5, size=size),
    "beta(0.5,3)": lambda rng, size: rng.beta(0.5, 3, size=size),
    "ties (poisson/10)": lambda rng, size: np.minimum(rng.poisson(3, size=size) / 10, 1.0),
}
UNBOUNDED = {
    "normal": lambda rng, size: rng.normal(size=size),
    "cauchy": lambda rng, size: rng.standard_cauchy(size=size),
    "ties (poisson)": lambda rng, size: rng.poisson(2, size=size).astype(float),
}


def draw(name, sampler, seed):
    rng = np.random.default_rng(seed + sum(map(ord, name)))
    return sampler(rng, (REPS, N)), sampler(rng, (REPS, M))


@pytest.mark.parametrize("name", BOUNDED)
def test_batch_mean_coverage(name):
    cal, test = draw(name, BOUNDED[name], 1)
    mean = test.mean(axis=1)
    bounds = conformal.batch_mean_bound(cal, M, ALPHA, side="two-sided", bounds=(0, 1), method="dp")
    upper = conformal.batch_mean_bound(cal, M, ALPHA, bounds=(0, 1), method="dp")
    lower = conformal.batch_mean_bound(cal, M, ALPHA, side="lower", bounds=(0, 1), method="dp")
    assert (mean <= upper).mean() >= FLOOR
    assert (mean >= lower).mean() >= FLOOR
    assert ((bounds[:, 0] <= mean) & (mean <= bounds[:, 1])).mean() >= FLOOR


@pytest.mark.parametrize("name", {**UNBOUNDED, **BOUNDED})
def test_median_and_max_coverage(name):
    cal, test = draw(name, {**UNBOUNDED, **BOUNDED}[name], 2)
    ordered = np.sort(test, axis=1)
    k = math.ceil(M / 2)
    median_set = conformal.batch_quantile_bound(cal, M, k, ALPHA, side="two-sided")
    assert ((median_set[:, 0] <= ordered[:, k - 1]) & (ordered[:, k - 1] <= median_set[:, 1])).mean() >= FLOOR
    assert (ordered[:, -1] <= conformal.simultaneous_bound(cal, M, ALPHA)).mean() >= FLOOR
    assert (ordered[:, 0] >= conformal.simultaneous_bound(cal, M, ALPHA, side="lower")).mean() >= FLOOR


@pytest.mark.parametrize("name", {**UNBOUNDED, **BOUNDED})
def test_quartiles_joint_coverage(name):
    cal, test = draw(name, {**UNBOUNDED, **BOUNDED}[name], 3)
    ordered = np.sort(test, axis=1)
    k1, k2 = 2, 6
    hits = 0
    for p in range(REPS):
        lo, hi = conformal.two_quantile_bounds(cal[p], M, k1, k2, ALPHA)
        hits += lo <= ordered[p, k1 - 1] and ordered[p, k2 - 1] <= hi
    assert hits / REPS >= FLOOR


@pytest.mark.parametrize("name", BOUNDED)
def test_relaxation_and_baselines_coverage(name):
    """The relaxed mean bound, Bonferroni (max and mean), calibration splitting (max and mean), the
    partition bound (mean, max) and the k-th order statistic for every k, on the five bounded laws."""
    cal, test = draw(name, BOUNDED[name], 4)
    mean, ordered = test.mean(axis=1), np.sort(test, axis=1)
    relaxed = conformal.batch_mean_bound_relaxed(cal, M, ALPHA, bounds=(0, 1))
    assert (mean <= relaxed).mean() >= FLOOR
    bonferroni = conformal.bonferroni_bound(cal, M, ALPHA, bounds=(0, 1))
    assert (ordered[:, -1] <= bonferroni).mean() >= FLOOR
    for k in range(1, M + 1):
        upper = conformal.batch_quantile_bound(cal, M, k, ALPHA, bounds=(0, 1))
        lower = conformal.batch_quantile_bound(cal, M, k, ALPHA, side="lower", bounds=(0, 1))
        assert (ordered[:, k - 1] <= upper).mean() >= FLOOR, k
        assert (ordered[:, k - 1] >= lower).mean() >= FLOOR, k
    big_cal, _ = draw(name, lambda rng, size: BOUNDED[name](rng, (size[0], 10 * N)), 5)  # n/m = 50 for splitting
    split_max = [conformal.split_calibration_bound(c, M, ALPHA, bounds=(0, 1)) for c in big_cal]
    split_mean = [conformal.split_calibration_bound(c, M, ALPHA, statistic="mean", bounds=(0, 1)) for c in big_cal]
    partition = [conformal.partition_bound(c, M, ALPHA, seed=i) for i, c in enumerate(big_cal)]
    partition_max = [conformal.partition_bound(c, M, ALPHA, stat="max", seed=i) for i, c in enumerate(big_cal)]
    assert (ordered[:, -1] <= split_max).mean() >= FLOOR
    assert (mean <= split_mean).mean() >= FLOOR
    assert (mean <= partition).mean() >= FLOOR
    assert (ordered[:, -1] <= partition_max).mean() >= FLOOR


@pytest.mark.parametrize("k", [0, 2])
def test_selection_controls_false_claims(k):
    rng = np.random.default_rng(10 + k)
    n, m, c = 200, 20, 1.0
    exceed = 0
    for _ in range(REPS):
        x_cal, x_test = rng.normal(size=n), rng.normal(size=m)
        y_cal, y_test = x_cal + rng.standard_t(3, size=n), x_test + rng.standard_t(3, size=m)
        chosen = conformal.select_exceeding(x_cal, y_cal, x_test, c, k, ALPHA).selected
        exceed += np.sum(y_test[chosen] <= c) > k
    assert exceed / REPS <= ALPHA + 3 * math.sqrt(ALPHA * (1 - ALPHA) / REPS)


def test_outcome_intervals_cover():
    rng = np.random.default_rng(12)
    mean_hits = all_hits = 0
    for _ in range(REPS):
        x_cal, x_test = rng.uniform(size=N), rng.uniform(size=M)
        noise = lambda size: np.clip(rng.normal(scale=0.1, size=size), -0.29, 0.29)  # noqa: E731
        y_cal, y_test = x_cal + noise(N), x_test + noise(M)
        lo, hi = conformal.batch_mean_interval(y_cal, x_cal, x_test, ALPHA, residual_bounds=(-0.3, 0.3))
        mean_hits += lo <= y_test.mean() <= hi
        lows, highs = conformal.simultaneous_intervals(y_cal, x_cal, x_test, ALPHA)
        all_hits += bool(((lows <= y_test) & (y_test <= highs)).all())
    assert mean_hits / REPS >= FLOOR
    assert all_hits / REPS >= FLOOR


def test_residual_quantile_band_covers_half_the_batch():
    """batch_residual_quantile_band: at least m - k + 1 outcomes above their lower edges and k below their
    upper edges (k = ceil(m/2)), jointly, with probability >= 1 - alpha."""
    rng = np.random.default_rng(13)
    k, hits = math.ceil(M / 2), 0
    for _ in range(REPS):
        x_cal, x_test = rng.uniform(size=N), rng.uniform(size=M)
        y_cal, y_test = x_cal + rng.standard_t(4, size=N), x_test + rng.standard_t(4, size=M)
        lows, highs = conformal.batch_residual_quantile_band(y_cal, x_cal, x_test, ALPHA)
        hits += (y_test >= lows).sum() >= M - k + 1 and (y_test <= highs).sum() >= k
    assert hits / REPS >= FLOOR
