"""Rank-weighted orderings G_h = sum_j h(R_j), the partition bound and method="auto" (issue 12): exact
laws and bounds against enumeration, coverage simulations, the acceptance widths."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from conformal_oracles import multisets

from riskcore import _conformal_laws as laws
from riskcore import conformal

SMALL = [(n, m) for n in (1, 3, 5, 8) for m in (1, 2, 3, 5) if n + m <= 14]
LAWS = {
    "uniform": lambda rng, size: rng.uniform(size=size),
    "beta(0.5,0.5)": lambda rng, size: rng.beta(0.5, 0.5, size=size),
    "beta(2,5)": lambda rng, size: rng.beta(2, 5, size=size),
    "beta(0.5,3)": lambda rng, size: rng.beta(0.5, 3, size=size),
    "ties (poisson/10)": lambda rng, size: np.minimum(rng.poisson(3, size=size) / 10, 1.0),
}


def floor(alpha: float, reps: int) -> float:
    return 1 - alpha - 3 * math.sqrt(alpha * (1 - alpha) / reps)


def random_h(n: int, seed: int) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).integers(0, 3, size=n + 1))


@pytest.mark.parametrize("n, m", SMALL)
def test_weighted_law_and_bound_equal_enumeration(n, m):
    for seed in range(3):
        h = random_h(n, seed + 10 * n + m)
        counts, total = laws.weighted_sum_law(h, m)
        ref = np.zeros_like(counts)
        for ms in multisets(n, m):
            ref[sum(h[r - 1] for r in ms)] += 1
        assert total == math.comb(n + m, m) and (counts == ref).all()
        scores = np.round(np.random.default_rng(seed).uniform(size=n), 1)  # ties
        padded = np.concatenate([np.sort(scores), [1.0]])
        for alpha in (1e-6, 0.05, 0.3, 0.5, 1 - 1e-6):
            level = 1 - Fraction(alpha).limit_denominator(10**6)
            cdf, q = Fraction(0), None
            for g in range(counts.size):
                cdf += Fraction(int(ref[g]), total)
                if cdf >= level:
                    q = g
                    break
            want = max(
                math.fsum(padded[r - 1] for r in ms) / m for ms in multisets(n, m) if sum(h[r - 1] for r in ms) <= q
            )
            got = conformal.batch_mean_bound(scores, m, alpha, bounds=(0, 1), method="dp", ordering=h)
            assert got == pytest.approx(want, abs=1e-12) and got.method == "h"


def test_weighted_law_at_atoms_is_exact():
    """alpha at every atom of the law: q_h is the atom itself."""
    h = np.array([0, 0, 1, 1, 2, 4, 4])
    counts, total = laws.weighted_sum_law(h, 4)
    tail = np.cumsum(counts[::-1])[::-1]  # #multisets with G >= g
    for g in range(1, counts.size):
        if 0 < tail[g] < total:  # P(G <= q) >= P(G <= g - 1): the last atom at or below g - 1
            want = max(q for q in range(g) if counts[q] > 0)
            assert laws.weighted_sum_quantile(h, 4, float(Fraction(int(tail[g]), total))) == want


def test_rank_sum_ordering_is_the_slot_sum():
    h = np.arange(1, 12)
    counts, _ = laws.weighted_sum_law(h, 4)
    np.testing.assert_allclose(counts[4:] / counts.sum(), conformal.slot_sum_pmf(10, 4), rtol=1e-12)


def test_float_law_beyond_int64_is_a_probability_law():
    h = np.minimum(np.arange(300) // 15, 20)
    law, total = laws.weighted_sum_law(h, 60)
    assert total is None and law.sum() == pytest.approx(1.0, abs=1e-12) and (law >= 0).all()


@pytest.mark.parametrize("name", LAWS)
def test_quantile_ordering_and_partition_coverage(name):
    reps, n, m, alpha = 400, 60, 6, 0.1
    rng = np.random.default_rng(sum(map(ord, name)))
    hits = {"quantile": 0, "partition": 0, "two-sided": 0}
    for rep in range(reps):
        cal, mean = LAWS[name](rng, n), LAWS[name](rng, m).mean()
        q = conformal.batch_mean_bound(cal, m, alpha, bounds=(0, 1), method="dp", ordering="quantile", seed=rep)
        p = conformal.batch_mean_bound(cal, m, alpha, bounds=(0, 1), method="partition", seed=rep)
        lo, hi = conformal.batch_mean_bound(
            cal, m, alpha, side="two-sided", bounds=(0, 1), ordering="quantile", method="dp", seed=rep
        )
        hits["quantile"] += mean <= q
        hits["partition"] += mean <= p
        hits["two-sided"] += lo <= mean <= hi
    for key, count in hits.items():
        assert count / reps >= floor(alpha, reps), key


@pytest.mark.parametrize("stat", ["mean", "median", "max"])
def test_partition_bound_coverage_of_each_statistic(stat):
    reps, n, m, alpha = 1000, 100, 5, 0.2
    rng = np.random.default_rng(7)
    fn = {"mean": np.mean, "median": np.median, "max": np.max}[stat]
    hits = sum(
        fn(rng.normal(size=m)) <= conformal.partition_bound(rng.normal(size=n), m, alpha, stat=stat, seed=r)
        for r in range(reps)
    )
    assert hits / reps >= floor(alpha, reps)


def test_partition_bound_pads_when_there_are_too_few_batches():
    assert conformal.partition_bound(np.zeros(40), 8, 0.1, bounds=(0, 1), seed=0) == 1.0
    assert conformal.partition_bound(np.zeros(40), 8, 0.1, seed=0) == np.inf
    assert conformal.partition_bound(np.arange(10.0), 1, 0.5, seed=1) == 5.0  # the ceil(.5 * 11) = 6th smallest


def test_auto_depends_on_n_m_alpha_only_and_names_its_method():
    rng = np.random.default_rng(0)
    for n, m, want in [(2000, 100, "partition"), (200, 20, "partition"), (40, 8, "quantile"), (12, 8, "rank-sum")]:
        bound = conformal.batch_mean_bound(rng.uniform(size=n), m, 0.1, bounds=(0, 1), seed=1)
        assert bound.method == want == conformal.mean_bound_method(n, m, 0.1)
    assert conformal.compare_with_baselines(rng.uniform(size=400), 20, 0.1, bounds=(0, 1)).mean_partition < 1


def _acceptance(n: int, m: int, seeds: int) -> tuple[float, float, float]:
    alpha, hits, total = 0.1, 0, 0.0
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        cal, mean = rng.beta(0.5, 3, size=n), rng.beta(0.5, 3, size=m).mean()
        bound = conformal.batch_mean_bound(cal, m, alpha, bounds=(0, 1), seed=seed)
        hits += mean <= bound
        total += bound
    return total / seeds, hits / seeds, 3 * math.sqrt(alpha * (1 - alpha) / seeds)


def test_acceptance_default_method_n200_m20():
    average, coverage, three_se = _acceptance(200, 20, 100)
    assert average <= 0.23 and coverage >= 0.9 - three_se


@pytest.mark.slow
def test_acceptance_default_method_n2000_m100():
    average, coverage, three_se = _acceptance(2000, 100, 100)
    assert average <= 0.19 and coverage >= 0.9 - three_se


@pytest.mark.parametrize("name", LAWS)
def test_coverage_fraction_bound_coverage(name):
    reps, n, m, delta, alpha = 2000, 80, 10, 0.2, 0.1
    rng = np.random.default_rng(3 + sum(map(ord, name)))
    cal, test = LAWS[name](rng, (reps, n)), LAWS[name](rng, (reps, m))
    bound = conformal.coverage_fraction_bound(cal, m, delta, alpha)
    assert ((test <= bound[:, None]).sum(axis=1) >= 8).mean() >= floor(alpha, reps)
    assert conformal.coverage_fraction_bound(cal[0], m, 0.0, alpha) == conformal.simultaneous_bound(cal[0], m, alpha)


def test_covariate_shift_subsample_is_exchangeable_with_the_test_law():
    """Calibration X ~ U(0, 1), test X with density 2x (w = 2x <= 2); scores X. The kept points follow
    the test law (mean 2/3) and a bound from them covers a test batch."""
    reps, m, alpha = 1000, 5, 0.1
    rng = np.random.default_rng(4)
    hits, kept_means = 0, []
    for rep in range(reps):
        x = rng.uniform(size=200)
        kept = x[conformal.covariate_shift_subsample(2 * x, 2.0, seed=rep)]
        kept_means.append(kept.mean())
        test = np.sqrt(rng.uniform(size=m))  # density 2x
        hits += test.max() <= conformal.simultaneous_bound(kept, m, alpha, bounds=(0, 1))
    assert np.mean(kept_means) == pytest.approx(2 / 3, abs=0.005)
    assert hits / reps >= floor(alpha, reps)
    same = conformal.covariate_shift_subsample(np.ones(50), 2.0, seed=9)
    assert (same == conformal.covariate_shift_subsample(np.ones(50), 2.0, seed=9)).all()
    with pytest.raises(ValueError, match="ratio_bound"):
        conformal.covariate_shift_subsample([3.0], 2.0, seed=0)
