"""The fused importance-sampling pass: threshold grids, graded events, log-space results, in-kernel
checks, diagnostics that say what happened, mixtures, and the regressions of the bad-input issue."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from riskcore import _core, tail
from riskcore._numba import tail_sums as numba_tail_sums
from riskcore.random import philox4x64


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def gaussian_sample(n: int, seed: int, shift: float = 3.0):
    z = np.random.default_rng(seed).normal(shift, 1.0, n)
    return z, -z * z / 2, -((z - shift) ** 2) / 2


# ------------------------------------------------------------------------------ threshold grids
@pytest.mark.parametrize("estimator", [tail.is_estimate, tail.snis_estimate])
def test_threshold_grid_equals_a_loop_over_thresholds(estimator, backend):
    z, lp, lq = gaussian_sample(3000, 0)
    grid = np.array([4.0, 2.0, 3.5, 3.0, 10.0, 3.0])  # unsorted, repeated, one above every sample
    r = estimator(lp, lq, score=z, threshold=grid, backend=backend)
    assert r.estimate.shape == (6,)
    for j, t in enumerate(grid):
        one = estimator(lp, lq, score=z, threshold=t, backend=backend)
        for field in ("estimate", "se", "log_estimate", "ess_event", "khat", "events", "ci_high"):
            want, got = getattr(one, field), getattr(r, field)[j]
            assert got == pytest.approx(want, rel=1e-12, nan_ok=True), (field, t)


def test_batched_grid_has_a_trailing_threshold_axis():
    z, lp, lq = gaussian_sample(2000, 1)
    z2, lp2, lq2 = (np.stack([a, a[::-1]]) for a in (z, lp, lq))
    r = tail.is_estimate(lp2, lq2, score=z2, threshold=[3.0, 4.0, 5.0])
    assert r.estimate.shape == (2, 3)
    per_query = tail.is_estimate(lp2, lq2, score=z2, threshold=[[3.0], [5.0]])
    assert per_query.estimate.shape == (2, 1)
    assert per_query.estimate[1, 0] == pytest.approx(r.estimate[1, 2], rel=1e-12)


# ------------------------------------------------------------------------------ graded events
def test_graded_events_equal_the_weighted_sum():
    rng = np.random.default_rng(2)
    lw = rng.normal(size=5000)
    h = np.clip(rng.uniform(-0.5, 1.2, size=5000), 0, 1)  # exact zeros and ones included
    w = np.exp(lw)
    r = tail.is_estimate(lw, 0.0, event=h)
    assert r.estimate == pytest.approx(math.fsum(w * h) / 5000, rel=1e-12)
    assert r.se == pytest.approx((w * h).std(ddof=1) / math.sqrt(5000), rel=1e-9)
    assert r.events == int((h > 0).sum())
    s = tail.snis_estimate(lw, 0.0, event=h)
    assert s.estimate == pytest.approx(math.fsum(w * h) / math.fsum(w), rel=1e-12)
    boolean = tail.is_estimate(lw, 0.0, event=h > 0.5)
    assert boolean.estimate == pytest.approx(tail.is_estimate(lw, 0.0, event=(h > 0.5).astype(float)).estimate)


# ------------------------------------------------------------------------------ log space
def test_log_estimate_stays_finite_to_e_minus_1000():
    z, lp, lq = gaussian_sample(2000, 3)
    r = tail.is_estimate(lp, lq, score=z, threshold=3.0)
    deep = tail.is_estimate(lp - 1000.0, lq, score=z, threshold=3.0)
    assert deep.estimate == 0.0  # below the float64 range: underflows, as it must
    assert deep.log_estimate == pytest.approx(r.log_estimate - 1000.0, rel=1e-12)
    assert deep.log_se == pytest.approx(r.log_se - 1000.0, rel=1e-12)
    assert r.log_estimate == pytest.approx(math.log(r.estimate), rel=1e-13)
    assert r.log_se == pytest.approx(math.log(r.se), rel=1e-13)
    sn = tail.snis_estimate(lp - 1000.0, lq, score=z, threshold=3.0)
    assert np.isfinite(sn.log_estimate) and sn.log_estimate == pytest.approx(math.log(sn.estimate), rel=1e-13)


# ------------------------------------------------------------------------------ backends, fused checks
def test_fused_pass_is_bit_identical_on_cpu_and_numba():
    rng = np.random.default_rng(4)
    lp = rng.normal(scale=20, size=(3, 150_000))
    lp[1, :7] = -np.inf
    score = rng.normal(size=lp.shape)
    thresholds = np.sort(rng.normal(size=(1, 5)), axis=1)
    zero = np.broadcast_to(np.float64(0.0), lp.shape)
    graded = rng.uniform(size=lp.shape)
    for kind, mark, t, khat in [
        (0, (score > 1).view(np.uint8), np.zeros((1, 1)), 1),
        (1, graded, np.zeros((1, 1)), 1),
        (2, score, thresholds, 1),
        (2, score, thresholds, 2),
    ]:
        a = _core.tail_sums(lp, zero, kind, mark, t, khat, 500)
        b = numba_tail_sums(lp, zero, kind, mark, t, khat, 500)
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.parametrize(
    "log_p, log_q, match",
    [
        (
            [0.0, 1.0, np.nan, np.nan],
            0.0,
            r"log_p must be a number or -inf .*: 2 value\(s\) are not, the first at index \(2,\)",
        ),
        ([0.0, np.inf, 0.0, 0.0], 0.0, r"log_p .* 1 value\(s\) .* index \(1,\)"),
        ([0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, np.nan], r"log_q must be a number or \+-inf .* index \(3,\)"),
        ([[0.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, -np.inf]], r"cannot produce\): 1 value\(s\) .* index \(1, 1\)"),
    ],
)
def test_checks_in_the_kernel_report_count_and_first_index(log_p, log_q, match, backend):
    lp = np.asarray(log_p)
    with pytest.raises(ValueError, match=match):
        tail.is_estimate(lp, log_q, event=np.ones(lp.shape, bool), backend=backend)


def test_graded_event_and_score_checks_are_fused():
    with pytest.raises(ValueError, match=r"event must be in \[0, 1\]: 1 value\(s\) .* index \(2,\)"):
        tail.is_estimate(np.zeros(4), 0.0, event=[0.0, 1.0, 1.5, 0.5])
    with pytest.raises(ValueError, match=r"score must be a number \(not NaN\): 1 value"):
        tail.is_estimate(np.zeros(4), 0.0, score=[0.0, 1.0, np.nan, 0.5], threshold=0.5)


def test_a_scalar_log_q_is_read_in_place_and_float32_stays_float32():
    lw = np.random.default_rng(5).normal(size=1000).astype(np.float32)
    ev = lw > 1
    r32 = tail.is_estimate(lw, 0.0, event=ev)
    r64 = tail.is_estimate(lw.astype(np.float64), 0.0, event=ev)
    assert r32.estimate == r64.estimate  # the float32 values (exact in float64), summed in float64
    from riskcore.tail import _sums

    calls = []
    kernel = _core.tail_sums

    def spy(lp, lq, *rest):
        calls.append((lp.dtype, lq.dtype, lq.strides))
        return kernel(lp, lq, *rest)

    _core.tail_sums = spy
    try:
        _sums.fused_sums(lw, 0.0, ev, None, None, 0, "cpu")
    finally:
        _core.tail_sums = kernel
    assert calls == [(np.float32, np.float32, (0, 0))]  # no float64 copy, log q never expanded


# ------------------------------------------------------------------------------ diagnostics
def test_fewer_than_five_events_say_khat_is_undefined():
    lw = np.zeros(1000)
    ev = np.zeros(1000, bool)
    ev[:3] = True
    with pytest.warns(RuntimeWarning, match="k-hat is undefined") as caught:
        r = tail.is_estimate(lw + np.linspace(0, 1, 1000), 0.0, event=ev)
    assert math.isnan(r.khat) and r.events == 3
    assert not any("heavy-tailed" in str(w.message) for w in caught)


@pytest.mark.parametrize("events", [5, 20])
def test_too_few_tail_terms_for_the_fit_say_khat_is_undefined(events):
    """5..20 event terms give M = ceil(0.2 S) <= 4 tail weights: no GPD fit (arviz: inf), so NaN and no
    heavy-tail warning; 21 terms are the first with a fit."""
    rng = np.random.default_rng(3)
    lw = rng.normal(size=1000)
    ev = np.zeros(1000, bool)
    ev[:events] = True
    with pytest.warns(RuntimeWarning, match="k-hat is undefined") as caught:
        r = tail.is_estimate(lw, 0.0, event=ev)
    assert math.isnan(r.khat) and r.events == events
    assert not any("heavy-tailed" in str(w.message) for w in caught)
    ev[:21] = True
    assert np.isfinite(tail.is_estimate(lw, 0.0, event=ev).khat)


def test_equal_weights_have_no_heavy_tail():
    """A proposal equal to the target: every weight 1, the top M tied at the cutoff, nothing to fit."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = tail.is_estimate(np.zeros(1000), np.zeros(1000), event=np.arange(1000) % 10 == 0)
        s = tail.snis_estimate(np.full(1000, -2.0), 0.0, event=np.arange(1000) % 10 == 0)
    texts = [str(w.message) for w in caught]
    assert math.isnan(r.khat) and math.isnan(s.khat) and math.isnan(tail.pareto_khat(np.zeros(50)))
    assert r.estimate == pytest.approx(0.1, rel=1e-15)
    assert not any("heavy-tailed" in t for t in texts)
    assert any("proposal equals the target" in t for t in texts) and any("k-hat is undefined" in t for t in texts)


def test_zero_events_bound_scales_with_the_largest_weight():
    lw = np.log(np.r_[np.full(999, 0.5), 2.0])  # weights 0.5 .. 2
    r = tail.is_estimate(lw, 0.0, event=np.zeros(1000, bool))
    s = tail.snis_estimate(lw, 0.0, event=np.zeros(1000, bool))
    rule = 1 - 0.05 ** (1 / 1000)
    assert r.ci_high == pytest.approx(rule * 2.0, rel=1e-12) and r.ci_low == 0.0
    assert s.ci_high == pytest.approx(rule * 2.0 / np.exp(lw).mean(), rel=1e-12)


def test_proposal_equal_to_target_is_reported():
    with pytest.warns(RuntimeWarning, match="proposal equals the target"):
        r = tail.is_estimate(np.full(100, -3.0), np.full(100, -3.0), event=np.arange(100) < 10)
    assert r.kl == 0.0 and r.estimate == pytest.approx(0.1)
    with pytest.warns(RuntimeWarning, match="up to a constant"):
        tail.snis_estimate(np.full(100, 5.0), 0.0, event=np.arange(100) < 10)
    z, lp, lq = gaussian_sample(1000, 6)
    assert not any("equals" in m for m in tail.is_estimate(lp, lq, score=z, threshold=3.0).messages)


def test_kl_estimate_matches_the_gaussian_closed_form():
    # q = N(mu, 1), p = N(0, 1): KL(q || p) = mu^2 / 2
    z, lp, lq = gaussian_sample(200_000, 7, shift=2.0)
    r = tail.is_estimate(lp, lq, score=z, threshold=2.0)
    assert r.kl == pytest.approx(2.0, abs=0.05)
    dead = tail.is_estimate(np.r_[lp[:10], -np.inf], np.r_[lq[:10], 0.0], score=np.r_[z[:10], 0.0], threshold=2.0)
    assert dead.kl == math.inf


def test_cross_entropy_flags_a_threshold_it_never_reaches():
    with pytest.warns(RuntimeWarning, match="never reached"):
        r = tail.cross_entropy_is(lambda x: x[:, 0] * x[:, 1], 2, 8.0, 500, 0, max_stages=3)
    assert r.converged is False and len(r.levels) == 3 and r.levels[-1] < 8.0
    assert "level is" in r.messages[0]
    ok = tail.cross_entropy_is(lambda x: x.sum(axis=1), 2, 4.0, 1000, 0)
    assert ok.converged and not ok.messages


# ------------------------------------------------------------------------------ mixtures
def test_defensive_mixture_is_the_direct_density():
    rng = np.random.default_rng(8)
    lp, lq1, lq2 = (rng.normal(-400, 20, size=50) for _ in range(3))
    got = tail.defensive_mixture(lp, np.stack([lq1, lq2]), [0.1, 0.3, 0.6])
    shift = np.maximum(np.maximum(lp, lq1), lq2)
    want = shift + np.log(0.1 * np.exp(lp - shift) + 0.3 * np.exp(lq1 - shift) + 0.6 * np.exp(lq2 - shift))
    np.testing.assert_allclose(got, want, rtol=1e-13)
    np.testing.assert_allclose(
        tail.defensive_mixture(lp, lq1, 0.25), np.logaddexp(np.log(0.25) + lp, np.log(0.75) + lq1), rtol=1e-13
    )
    assert tail.defensive_mixture([-np.inf], [[-np.inf]], [0.5, 0.5])[0] == -np.inf
    with pytest.raises(ValueError, match="weights must sum to 1"):
        tail.defensive_mixture(lp, np.stack([lq1, lq2]), [0.1, 0.3, 0.5])


def test_mixture_assignments_have_the_stated_probabilities():
    a = tail.sample_mixture_assignments(200_000, [0.1, 0.0, 0.6, 0.3], seed=9)
    counts = np.bincount(a, minlength=4) / a.size
    assert counts[1] == 0
    np.testing.assert_allclose(counts, [0.1, 0.0, 0.6, 0.3], atol=4 * math.sqrt(0.25 / a.size))
    np.testing.assert_array_equal(a, tail.sample_mixture_assignments(200_000, [0.1, 0.0, 0.6, 0.3], seed=9))


# ------------------------------------------------------------------------------ issue 10 regressions
@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: tail.is_estimate(np.zeros(3), 0.0, score=np.array(["1"] * 3), threshold=0.5), TypeError, "score must"),
        (lambda: tail.is_estimate(np.zeros(3), 0.0, score=np.ones(3, complex), threshold=0.5), TypeError, "complex"),
        (lambda: tail.snis_estimate(np.zeros(3), 0.0, score=np.ones(3, bool), threshold=0.5), TypeError, "bool"),
        (
            lambda: tail.mis_estimate(np.zeros(3), np.array([["a"] * 3]), [3], event=np.ones(3, bool)),
            TypeError,
            "log_q_components must have a real",
        ),
        (
            lambda: tail.mis_estimate(np.zeros(3), np.full((1, 3), np.nan), [3], event=np.ones(3, bool)),
            ValueError,
            "log_q_components contains NaN",
        ),
        (
            lambda: tail.mis_estimate(np.zeros(3), np.zeros((1, 3)), [3.0], event=np.ones(3, bool)),
            TypeError,
            "n_per_proposal must be integers",
        ),
        (lambda: tail.pareto_khat(np.array(["1.0"] * 10)), TypeError, "log_weights must have a real"),
        (lambda: tail.pareto_khat(np.ones(10, complex)), TypeError, "complex"),
        (lambda: tail.gaussian_tail_is(np.array(["1"]), 2.0, 10, 0), TypeError, "a must have a real"),
        (lambda: tail.gaussian_tail_is([True], 2.0, 10, 0), TypeError, "bool"),
        (lambda: tail.gaussian_tail_is([np.nan], 2.0, 10, 0), ValueError, "a contains NaN"),
        (lambda: philox4x64(np.array([["1"] * 4]), [0, 0]), TypeError, "counters must be integers"),
        (lambda: philox4x64(np.ones((1, 4)), [0, 0]), TypeError, "counters must be integers"),
        (lambda: philox4x64([[1, 2, 3, 4]], [-1, 0]), ValueError, "key must be in"),
        (lambda: tail.standard_normals(5, seed=-1), ValueError, r"seed must be in 0\.\.18446744073709551615, got -1"),
        (lambda: tail.standard_normals(5, seed=2**64), ValueError, "seed must be in"),
        (lambda: tail.standard_normals(5, seed=1.5), TypeError, "seed must be an integer"),
        (lambda: tail.gaussian_tail_is([1.0], 2.0, 10, seed=-1), ValueError, "seed must be in"),
        (lambda: tail.gaussian_tail_is([1.0], 2.0, 10, seed=2**64), ValueError, "seed must be in"),
        (lambda: tail.cross_entropy_is(lambda x: x[:, 0], 1, 2.0, 100, -1), ValueError, "seed must be in"),
        (lambda: tail.cross_entropy_is(lambda x: x[:, 0], 1, 2.0, 100, 2**64), ValueError, "seed must be in"),
        (lambda: tail.standard_normals(2**63, seed=0), ValueError, "n must be in"),
        (lambda: tail.standard_normals(2**40, seed=0), MemoryError, "n is"),
        (lambda: tail.combine_log_sums(np.zeros(4), np.zeros(4)), ValueError, r"a must have shape \(5,\)"),
    ],
)
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_small_numpy_ints_do_not_overflow():
    r = tail.cross_entropy_is(lambda x: x.sum(axis=1), np.int8(5), 2.0, np.int8(100), np.uint8(0))
    assert r.mean.shape == (5,) and r.estimate.n == 100  # was "n must be >= 0, got -12"
    assert tail.standard_normals(np.int8(3), seed=np.uint64(2**64 - 1)).shape == (3,)


def test_combine_log_sums_accepts_one_record():
    out = tail.combine_log_sums(np.zeros(5), np.zeros(5))  # was an IndexError
    np.testing.assert_array_equal(out, [0.0, 0.0, 0.0, 0.0, 0.0])
    rng = np.random.default_rng(10)
    lw, ev = rng.normal(size=1000), rng.uniform(size=1000) < 0.3
    halves = [tail.is_estimate(lw[s], 0.0, event=ev[s]) for s in (slice(0, 500), slice(500, None))]
    assert halves[0].estimate.shape == ()
    whole = tail.is_estimate(lw, 0.0, event=ev)
    from riskcore.tail import _sums

    parts = [
        _sums.fused_sums(lw[s], 0.0, ev[s], None, None, 0, "cpu").sums[0, 0] for s in (slice(0, 500), slice(500, None))
    ]
    merged = tail.is_from_sums(tail.combine_log_sums(*parts), 1000, whole.khat)
    assert merged.estimate == pytest.approx(whole.estimate, rel=1e-13)


def test_single_problems_give_scalars_batches_give_arrays():
    z, lp, lq = gaussian_sample(500, 11)
    single = tail.is_estimate(lp, lq, score=z, threshold=3.0)
    for field in ("estimate", "se", "ci_low", "ci_high", "log_estimate", "ess", "khat", "kl", "events", "n"):
        assert np.ndim(getattr(single, field)) == 0, field
    assert np.ndim(tail.gaussian_tail_is([1.0], 3.0, 100, 0).estimate) == 0
    assert np.ndim(tail.cross_entropy_is(lambda x: x[:, 0], 1, 2.0, 200, 0).estimate.estimate) == 0
    batch = tail.is_estimate(lp[None], lq[None], score=z[None], threshold=3.0)
    assert batch.estimate.shape == (1,)


def test_samplers_run_on_every_backend(backend):
    """Issue 11, bug 2: gaussian_tail_is and cross_entropy_is with backend="cuda" must not raise."""
    r = tail.gaussian_tail_is(np.ones(4), 6.0, 500, 1, backend=backend)
    cpu = tail.gaussian_tail_is(np.ones(4), 6.0, 500, 1, backend="cpu").estimate
    if backend == "cuda":  # the same samples, summed by a block of threads: within the GPU tolerance
        np.testing.assert_allclose(r.estimate, cpu, rtol=1e-13)
    else:
        assert r.estimate == cpu
    ce = tail.cross_entropy_is(lambda x: x.sum(axis=1), 2, 4.0, 500, 1, backend=backend)
    assert ce.converged


# ------------------------------------------------------------------------------ fused samplers
def test_kernel_normals_are_identical_on_cpu_and_numba_and_standard_normal():
    from scipy import stats

    a = tail.standard_normals(100_003, seed=12, stream=3, backend="cpu")
    np.testing.assert_array_equal(a, tail.standard_normals(100_003, seed=12, stream=3, backend="numba"))
    assert stats.kstest(a, "norm").pvalue > 1e-3
    np.testing.assert_array_equal(a[:50], tail.standard_normals(50, seed=12, stream=3))  # prefix-stable
    assert not np.array_equal(a[:50], tail.standard_normals(50, seed=12, stream=4))


def test_box_muller_matches_the_libm_transform_of_the_same_philox_words():
    n = 4000
    counters = np.zeros((n // 4, 4), dtype=np.uint64)
    counters[:, 0] = np.arange(n // 4, dtype=np.uint64)
    u = (philox4x64(counters, [5, 0]) >> np.uint64(11)).astype(np.float64) / 2.0**53
    radius, angle = np.sqrt(-2 * np.log1p(-u[:, 0::2])), 2 * np.pi * u[:, 1::2]
    want = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=-1).reshape(-1)
    np.testing.assert_allclose(tail.standard_normals(n, seed=5), want, rtol=0, atol=1e-14)


def test_fused_gaussian_sampler_is_identical_on_cpu_and_numba_and_equals_is_on_its_samples():
    r = tail.gaussian_tail_is([3.0, 4.0], 20.0, 70_000, seed=13, backend="cpu")  # c = 4
    assert r.estimate == tail.gaussian_tail_is([3.0, 4.0], 20.0, 70_000, seed=13, backend="numba").estimate
    eps = tail.standard_normals(70_000, seed=13)
    s = 4.0 + eps
    direct = tail.is_estimate(-0.5 * s * s - -0.5 * eps * eps, 0.0, score=s, threshold=4.0)
    for field in ("estimate", "se", "khat", "ess", "kl", "events"):
        assert getattr(r, field) == getattr(direct, field), field
    assert abs(r.estimate - 0.5 * math.erfc(4 / math.sqrt(2))) < 4 * r.se


@pytest.mark.parametrize(("n", "khat"), [(5, 1), (65_536, 1), (200_003, 1), (100, 0), (131_073, 2)])
def test_the_numba_sampler_returns_the_cpu_kernels_outputs_bit_for_bit(n, khat):
    """Chunk edges, k-hat of the events, of all weights, or none: every output of the fused sampler."""
    from riskcore._numba import gaussian_shift_sums as numba_shift_sums
    from riskcore.tail import _sums

    keep = _sums.khat_keep(n)
    for got, want in zip(
        numba_shift_sums(2.5, n, 21, 3, khat, keep), _core.gaussian_shift_sums(2.5, n, 21, 3, khat, keep), strict=True
    ):
        got, want = np.asarray(got), np.asarray(want)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_a_query_gives_the_same_bits_alone_and_inside_a_batch(backend):
    rng = np.random.default_rng(14)
    lw = rng.normal(scale=5, size=(3, 140_000))
    score = rng.normal(size=lw.shape)
    batch = tail.is_estimate(lw, 0.0, score=score, threshold=[0.5, 2.0], backend=backend)
    alone = tail.is_estimate(lw[1], 0.0, score=score[1], threshold=[0.5, 2.0], backend=backend)
    for field in ("estimate", "se", "khat", "ess", "kl", "log_estimate"):
        np.testing.assert_array_equal(getattr(batch, field)[1], getattr(alone, field))
