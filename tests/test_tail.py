"""Importance-sampled tail probabilities against exact values, direct computations and arviz."""

from __future__ import annotations

import math
import warnings

import numba
import numpy as np
import pytest

from riskcore import tail

P_Z_GT_4 = 0.5 * math.erfc(4 / math.sqrt(2))  # 3.16712e-5
P_SUM20_GT_20 = 0.5 * math.erfc(20 / math.sqrt(20) / math.sqrt(2))  # 3.8721e-6


@pytest.fixture(autouse=True)
def quiet_khat_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def test_worked_numbers_of_the_spec(backend):
    assert P_Z_GT_4 == pytest.approx(3.16712e-5, rel=1e-5) and P_SUM20_GT_20 == pytest.approx(3.8721e-6, rel=1e-4)
    for seed in range(5):
        z = np.random.default_rng(seed).normal(4.0, 1.0, 1000)
        r = tail.is_estimate(-z * z / 2, -((z - 4) ** 2) / 2, score=z, threshold=4.0, backend=backend)
        assert abs(r.estimate - P_Z_GT_4) < 4 * r.se
        assert 0.05 < r.rel_error < 0.09  # the spec: about 0.07
    brute = tail.mc_tail_estimate(0, 1000)
    assert math.sqrt((1 - P_Z_GT_4) / (P_Z_GT_4 * 1000)) == pytest.approx(5.6, abs=0.05)  # brute force: useless
    assert brute.cp_high == pytest.approx(1 - 0.025 ** (1 / 1000))


def test_sum_of_twenty_normals_by_optimal_shift(backend):
    r = tail.gaussian_tail_is(np.ones(20), 20.0, 2000, seed=4, backend=backend)
    assert abs(r.estimate - P_SUM20_GT_20) < 4 * r.se
    if backend != "cpu":  # the Philox stream is bit-identical; CUDA's exp is within an ulp of the host's
        cpu = tail.gaussian_tail_is(np.ones(20), 20.0, 2000, 4, backend="cpu").estimate
        np.testing.assert_allclose(r.estimate, cpu, rtol=1e-13 if backend == "cuda" else 0)


def test_se_shrinks_like_one_over_sqrt_n():
    small = tail.gaussian_tail_is([1.0], 4.0, 1000, seed=5)
    large = tail.gaussian_tail_is([1.0], 4.0, 16000, seed=6)
    assert small.se / large.se == pytest.approx(4.0, rel=0.2)


def test_discrete_sequence_toy():
    """Two tokens, length L, event 'all bad': exact p = prod p_t; proposal raises P(bad) to 0.6."""
    rng = np.random.default_rng(7)
    p_bad = np.linspace(0.1, 0.3, 10)
    q_bad = 0.6
    n = 20_000
    bad = rng.uniform(size=(n, 10)) < q_bad
    log_p = np.where(bad, np.log(p_bad), np.log1p(-p_bad)).sum(axis=1)
    log_q = np.where(bad, math.log(q_bad), math.log(1 - q_bad)).sum(axis=1)
    exact = float(np.prod(p_bad))
    for estimator in (tail.is_estimate, tail.snis_estimate):
        r = estimator(log_p, log_q, event=bad.all(axis=1))
        assert abs(r.estimate - exact) < 4 * r.se, estimator.__name__
    weights = np.exp(log_p - log_q)  # exact in expectation: E_q[w] = 1
    assert abs(weights.mean() - 1) < 4 * weights.std() / math.sqrt(n)


def test_log_space_sums_survive_weights_spanning_1e300(backend):
    rng = np.random.default_rng(8)
    lw = rng.uniform(-690, 690, size=(3, 5000))
    event = rng.uniform(size=(3, 5000)) < 0.3
    r = tail.is_estimate(lw, np.zeros_like(lw), event=event, backend=backend)
    for q in range(3):
        m = lw[q].max()
        terms = [math.exp(v - m) for v in lw[q]]
        event_terms = [t for t, e in zip(terms, event[q], strict=True) if e]
        want = math.exp(m + math.log(math.fsum(event_terms)) - math.log(5000))
        assert r.estimate[q] == pytest.approx(want, rel=1e-12)
        assert r.ess[q] == pytest.approx(math.fsum(terms) ** 2 / math.fsum(t * t for t in terms), rel=1e-12)
        assert r.ess_event[q] == pytest.approx(
            math.fsum(event_terms) ** 2 / math.fsum(t * t for t in event_terms), rel=1e-12
        )


def test_standard_and_self_normalised_match_direct_formulas():
    rng = np.random.default_rng(10)
    lw = rng.normal(size=3000)
    ev = rng.uniform(size=3000) < 0.2
    w = np.exp(lw)
    r = tail.is_estimate(lw, 0.0, event=ev)
    assert r.estimate == pytest.approx((w * ev).mean(), rel=1e-12)
    assert r.se == pytest.approx((w * ev).std(ddof=1) / math.sqrt(3000), rel=1e-10)
    s = tail.snis_estimate(lw, 0.0, event=ev)
    p = (w * ev).sum() / w.sum()
    assert s.estimate == pytest.approx(p, rel=1e-12)
    assert s.se == pytest.approx(math.sqrt(((w * (ev - p)) ** 2).sum()) / w.sum(), rel=1e-10)


def test_mixture_weights_are_the_balance_heuristic():
    rng = np.random.default_rng(11)
    z = np.concatenate([rng.normal(3, 1, 300), rng.normal(5, 1, 700)])
    lq = np.stack([-((z - 3) ** 2) / 2, -((z - 5) ** 2) / 2])
    r = tail.mis_estimate(-z * z / 2, lq, [300, 700], score=z, threshold=4.0)
    mixture = 0.3 * np.exp(lq[0]) + 0.7 * np.exp(lq[1])
    assert r.estimate == pytest.approx(np.mean(np.exp(-z * z / 2) / mixture * (z >= 4)), rel=1e-12)
    assert abs(r.estimate - P_Z_GT_4) < 4 * r.se


@pytest.mark.parametrize("sampler", ["normal", "student_t", "lognormal_heavy", "uniform"])
def test_pareto_khat_matches_arviz(sampler):
    az = pytest.importorskip("arviz")
    rng = np.random.default_rng(12)
    lw = {
        "normal": rng.normal(size=4000),
        "student_t": rng.standard_t(3, size=2000),
        "lognormal_heavy": rng.normal(scale=3, size=1000),
        "uniform": rng.uniform(size=500),
    }[sampler]
    assert tail.pareto_khat(lw) == pytest.approx(float(az.psislw(lw.copy())[1]), rel=1e-10)


def test_khat_warning_and_batched_khat():
    rng = np.random.default_rng(13)
    heavy = rng.standard_cauchy(size=(2, 3000)) * 5
    with pytest.warns(RuntimeWarning, match="k-hat above 0.7"):
        tail.snis_estimate(heavy, 0.0, event=np.ones_like(heavy, dtype=bool))
    assert tail.pareto_khat(heavy).shape == (2,)
    assert math.isnan(tail.pareto_khat([0.0, 1.0, 2.0]))  # undefined below 5 weights


def test_pareto_khat_of_many_weights_raises_no_overflow_warning_and_matches_arviz():
    """M = 3000 tail weights: the profile log-likelihood spans far more than 709, so the PSIS form
    1 / sum_i e^{profile_i - profile_j} overflows; the softmax form gives the same weights without it."""
    az = pytest.importorskip("arviz")
    lw = np.random.default_rng(0).normal(size=1_000_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        khat = tail.pareto_khat(lw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # arviz's own overflow
        want = float(az.psislw(lw.copy())[1])
    assert khat == pytest.approx(want, rel=1e-10)


def test_clopper_pearson_and_wilson_match_scipy():
    from scipy import stats

    for k, n in [(0, 10), (3, 10), (10, 10), (17, 1000), (1, 1_000_000)]:
        r = tail.mc_tail_estimate(k, n)
        want_low = 0.0 if k == 0 else stats.beta.ppf(0.025, k, n - k + 1)
        want_high = 1.0 if k == n else stats.beta.ppf(0.975, k + 1, n - k)
        assert r.cp_low == pytest.approx(want_low, rel=1e-9, abs=1e-15)
        assert r.cp_high == pytest.approx(want_high, rel=1e-9)
        ci = stats.binomtest(k, n).proportion_ci(method="wilson")
        assert (r.wilson_low, r.wilson_high) == pytest.approx((ci.low, ci.high), rel=1e-9, abs=1e-15)


def test_clopper_pearson_stays_exact_for_huge_counts_and_small_int_types():
    """Oracle: the bounds solve P(Bin(N, x) < a) = 1 - q, a binomial sum in 50-digit mpmath, by bisection
    (scipy's beta.ppf is itself off by ~1e-8 relative at N = 1e9, so it is no oracle there)."""
    mp = pytest.importorskip("mpmath")

    def bound(q, a, total, near):  # x with P(Bin(total, x) >= a) = q, bracketed within 1e-9 of `near`
        def upper(x):
            pmf, below = (1 - x) ** total, mp.mpf(0)
            for j in range(a):
                below += pmf
                pmf *= (total - j) * x / ((j + 1) * (1 - x))
            return 1 - below

        with mp.workdps(50):
            lo, hi = mp.mpf(near) * (1 - mp.mpf(1e-9)), mp.mpf(near) * (1 + mp.mpf(1e-9))
            assert upper(lo) < q <= upper(hi)  # the root is inside the bracket
            for _ in range(60):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if upper(mid) < q else (lo, mid)
            return float(hi)

    for k, n in [(1, 10**9), (7, 10**12), (40, 2**53 + 5), (3, 2**63), (np.uint8(255), 4_611_686_018_427_387_904)]:
        r = tail.mc_tail_estimate(k, n)
        kk, nn = int(k), int(n)
        assert r.cp_low == pytest.approx(bound(0.025, kk, nn, r.cp_low), rel=1e-12), (k, n)
        assert r.cp_high == pytest.approx(bound(0.975, kk + 1, nn, r.cp_high), rel=1e-12), (k, n)
        assert r.cp_low <= r.estimate <= r.cp_high and r.wilson_low <= r.estimate <= r.wilson_high
    assert tail.mc_tail_estimate(np.uint8(255), np.uint8(255)).cp_high == 1.0


@numba.njit
def both_above_two(x):
    return np.minimum(x[:, 0], x[:, 1])


def test_cross_entropy_with_a_numba_event_function():
    exact = (0.5 * math.erfc(2 / math.sqrt(2))) ** 2  # P(Z1 > 2, Z2 > 2)
    r = tail.cross_entropy_is(both_above_two, dim=2, threshold=2.0, n=4000, seed=14)
    assert abs(r.estimate.estimate - exact) < 4 * r.estimate.se
    assert r.levels[-1] == 2.0 and np.all(r.mean > 1.5)
    linear = tail.cross_entropy_is(lambda x: x.sum(axis=1), dim=4, threshold=10.0, n=2000, seed=15)
    assert abs(linear.estimate.estimate - 0.5 * math.erfc(5 / math.sqrt(2))) < 4 * linear.estimate.se


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: tail.is_estimate(np.full(5, -np.inf), 0.0, event=np.ones(5, bool)),
            ValueError,
            "all log-weights are -inf",
        ),
        (lambda: tail.is_estimate([0.0, np.nan], 0.0, event=[True, False]), ValueError, "NaN"),
        (lambda: tail.is_estimate([0.0, np.inf], 0.0, event=[True, False]), ValueError, r"not NaN or \+inf"),
        (lambda: tail.is_estimate([0.0, 1.0], [0.0, -np.inf], event=[True, False]), ValueError, r"cannot produce"),
        (lambda: tail.is_estimate(np.zeros(3), np.zeros(4), event=np.ones(3, bool)), ValueError, "broadcast"),
        (lambda: tail.is_estimate(np.zeros(3), 0.0, event=np.ones(4, bool)), ValueError, "does not match"),
        (
            lambda: tail.is_estimate(np.zeros(3), 0.0, score=np.zeros(3), threshold=np.nan),
            ValueError,
            "threshold contains NaN",
        ),
        (lambda: tail.is_estimate(np.zeros(3), 0.0), ValueError, "either event"),
        (lambda: tail.is_estimate(np.zeros(3), 0.0, event=np.full(3, 2.0)), ValueError, r"event must be in \[0, 1\]"),
        (lambda: tail.is_estimate(np.zeros(3), 0.0, event=np.array(["a"] * 3)), TypeError, "event must have a real"),
        (lambda: tail.is_estimate(np.zeros(3), 0.0, score=np.zeros(3)), ValueError, "threshold"),
        (lambda: tail.is_estimate(np.zeros(0), 0.0, event=np.ones(0, bool)), ValueError, "has no samples"),
        (
            lambda: tail.mis_estimate(np.zeros(4), np.zeros((2, 4)), [2, 1], event=np.ones(4, bool)),
            ValueError,
            "sums to 3",
        ),
        (lambda: tail.mc_tail_estimate(5, 3), ValueError, "k must be <= n"),
        (lambda: tail.pareto_khat([0.0, np.nan]), ValueError, "NaN"),
        (lambda: tail.gaussian_tail_is([0.0, 0.0], 1.0, 10, 0), ValueError, "non-zero"),
        (
            lambda: tail.is_estimate(np.zeros(3), 0.0, score=np.zeros(3), threshold=1.0, confidence=1.5),
            ValueError,
            r"confidence must be in \(0, 1\), got 1.5",
        ),
        (lambda: tail.cross_entropy_is(lambda x: x[:, 0], 1, 2.0, 100, 0, rho=1.5), ValueError, "rho"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_zero_event_samples_give_the_one_sided_exact_bound():
    with pytest.warns(RuntimeWarning, match="no event sample"):
        r = tail.is_estimate(np.zeros(1000), 0.0, event=np.zeros(1000, bool))
    # q = p: brute force, the one-sided Clopper-Pearson bound 1 - 0.05^(1/N) (about 3/N)
    assert r.estimate == 0 and r.ci_high == pytest.approx(1 - 0.05 ** (1 / 1000), rel=1e-12)
    assert r.rel_error == math.inf and r.log_estimate == -math.inf and any("no event" in m for m in r.messages)


def test_per_proposal_estimates_are_plain_is_on_each_block():
    rng = np.random.default_rng(16)
    z = np.concatenate([rng.normal(3, 1, 400), rng.normal(5, 1, 600)])
    lq = np.stack([-((z - 3) ** 2) / 2, -((z - 5) ** 2) / 2])
    first, second = tail.per_proposal_estimates(-z * z / 2, lq, [400, 600], score=z, threshold=4.0)
    direct = tail.is_estimate(-(z[400:] ** 2) / 2, lq[1, 400:], score=z[400:], threshold=4.0)
    assert second.estimate == direct.estimate and first.n == 400
    with pytest.raises(ValueError, match="sums to 900"):
        tail.per_proposal_estimates(-z * z / 2, lq, [400, 500], score=z, threshold=4.0)
