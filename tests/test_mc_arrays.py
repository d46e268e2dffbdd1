"""The array estimators as one-pass kernels: explicit loops as the oracle, per-outcome lengths, a
(Q, K) baseline, per-(query, outcome) slicing, fused checks (count and first index), strided inputs
read in place, the same moments on every backend and thread count; and the #10 regressions of mc."""

from __future__ import annotations

import math

import numpy as np
import pytest
from chains import WORKED

import riskcore
from riskcore import mc


def loops(h, lengths, first_hit):
    """Per-trajectory SCOPE and REACH values of (Q, N, T, K) hazards with (Q, N, K) lengths/first hits."""
    q_count, n_count, _, k_count = h.shape
    scope, reach = np.zeros((q_count, n_count, k_count)), np.zeros((q_count, n_count, k_count))
    for q in range(q_count):
        for i in range(n_count):
            for k in range(k_count):
                steps, hit = range(lengths[q, i, k]), first_hit[q, i, k]
                scope[q, i, k] = math.fsum(float(h[q, i, t, k]) for t in steps if hit < 0 or t <= hit)
                survival = 1.0
                for t in steps:
                    survival *= 1.0 - float(h[q, i, t, k])
                reach[q, i, k] = 1.0 - survival
    return scope, reach


def ragged(seed=0, q_count=2, n_count=50, steps=9, k_count=3, dtype=np.float64):
    rng = np.random.default_rng(seed)
    h = rng.uniform(0, 0.3, size=(q_count, n_count, steps, k_count)).astype(dtype)
    lengths = rng.integers(0, steps + 1, size=(q_count, n_count, k_count))
    hit = np.where(rng.uniform(size=lengths.shape) < 0.4, rng.integers(0, steps, size=lengths.shape), -1)
    hit = np.where(hit < lengths, hit, -1)
    padded = np.where(np.arange(steps)[:, None] < lengths[:, :, None, :], h, np.nan).astype(dtype)
    return h, padded, lengths, hit


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_per_outcome_lengths_match_loops(backend, dtype):
    h, padded, lengths, hit = ragged(dtype=dtype)
    scope_v, reach_v = loops(h.astype(np.float64), lengths, hit)
    scope = mc.scope_estimate(padded, hit, lengths=lengths, backend=backend)
    reach = mc.reach_estimate(padded, lengths=lengths, backend=backend)
    rtol = 1e-6 if dtype == np.float32 else 1e-13
    for est, v in ((scope, scope_v), (reach, reach_v)):
        assert est.estimate.shape == (2, 3)
        np.testing.assert_allclose(est.estimate, v.mean(axis=1), rtol=rtol)
        np.testing.assert_allclose(est.variance, v.var(axis=1, ddof=1), rtol=rtol * 10)
    mc_v = (hit >= 0).astype(float)
    np.testing.assert_allclose(scope.efficiency, mc_v.var(axis=1, ddof=1) / scope_v.var(axis=1, ddof=1), rtol=1e-5)


def test_results_slice_per_query_and_outcome():
    _, padded, lengths, _ = ragged()
    joint = mc.reach_estimate(padded, lengths=lengths)
    for q in range(2):
        for k in range(3):
            alone = mc.reach_estimate(
                np.ascontiguousarray(padded[q : q + 1, :, :, k]), lengths=lengths[q : q + 1, :, k]
            )
            part = joint[q, k]
            assert part.estimate.shape == ()
            np.testing.assert_allclose(part.estimate, alone.estimate[0], rtol=1e-14)
            np.testing.assert_allclose(part.ci_high, alone.ci_high[0], rtol=1e-14)
            assert part.n == alone.n[0] and part.kind == "reach"
    assert joint[:, 1].estimate.shape == (2,)


def test_baseline_of_shape_q_k_gives_efficiency_per_outcome():
    _, padded, lengths, hit = ragged()
    baseline = mc.mc_estimate(hit)
    assert baseline.estimate.shape == (2, 3)
    reach = mc.reach_estimate(padded, lengths=lengths, baseline=baseline)
    np.testing.assert_allclose(reach.efficiency, baseline.variance / reach.variance)
    shared = mc.reach_estimate(padded, lengths=lengths, baseline=baseline[:, 0])  # (Q,) for every outcome
    np.testing.assert_allclose(shared.efficiency, baseline.variance[:, :1] / reach.variance)
    with pytest.raises(ValueError, match=r"baseline must have shape \(2, 3\)"):
        mc.reach_estimate(padded, lengths=lengths, baseline=baseline[:1])
    with pytest.raises(TypeError, match="baseline must be an MC"):
        mc.reach_estimate(padded, lengths=lengths, baseline=shared)


def test_fused_checks_report_count_and_first_index(backend):
    h = np.full((2, 3, 4), 0.1)
    h[1, 2, 3], h[1, 0, 2], h[0, 2, 1] = 1.5, np.nan, -0.2
    lengths = np.full((2, 3), 4)
    lengths[0, 2] = 1  # h[0, 2, 1] is padding: not checked
    with pytest.raises(
        ValueError, match=r"hazards must be in \[0, 1\].*: 2 value\(s\) are not, the first at index \(1, 0, 2\)"
    ):
        mc.reach_estimate(h, lengths=lengths, backend=backend)
    hit = np.full((2, 3), -1)
    hit[1, 1], hit[0, 2] = 4, 1
    with pytest.raises(ValueError, match=r"first_hit must be -1 .*: 2 value\(s\) are not, the first at index \(0, 2\)"):
        mc.scope_estimate(np.full((2, 3, 4), 0.1), hit, lengths=lengths, backend=backend)
    with pytest.raises(ValueError, match=r"first_hit must be -1 .*index \(0, 1\)"):
        mc.mc_estimate([[0, -3]], backend=backend)
    masked = np.full((1, 2, 3), 0.2)
    mask = np.array([[[True, False, True], [True, True, True]]])
    with pytest.raises(ValueError, match=r"first_hit.*index \(0, 0\)"):  # a hit on a masked-out step
        mc.scope_estimate(masked, [[1, -1]], mask=mask, backend=backend)


def test_strided_and_broadcast_inputs_are_read_in_place(backend):
    h, _, lengths, hit = ragged(n_count=30)
    wide = np.zeros((*h.shape[:3], 6))
    wide[..., ::2] = h
    view = wide[..., ::2]  # strided along the outcomes
    assert not view.flags.c_contiguous
    a = mc.reach_estimate(view, lengths=lengths, backend=backend)
    b = mc.reach_estimate(np.ascontiguousarray(view), lengths=lengths, backend=backend)
    np.testing.assert_array_equal(a.estimate, b.estimate)
    swapped = np.moveaxis(np.ascontiguousarray(np.moveaxis(h, 2, 0)), 0, 2)  # steps outermost in memory
    c = mc.scope_estimate(swapped, hit, lengths=lengths, backend=backend)
    d = mc.scope_estimate(h, hit, lengths=lengths, backend=backend)
    np.testing.assert_array_equal(c.estimate, d.estimate)
    np.testing.assert_array_equal(c.variance, d.variance)


def test_same_moments_on_every_backend_and_thread_count():
    rng = np.random.default_rng(3)
    h = rng.uniform(0, 0.05, size=(2, 9000, 7))  # several blocks of 2048 trajectories
    hit = np.where(rng.uniform(size=(2, 9000)) < 0.2, rng.integers(0, 7, size=(2, 9000)), -1)
    previous = riskcore.get_num_threads()
    runs = []
    try:
        for threads in (1, 2, 5):
            riskcore.set_num_threads(threads)
            runs.append((mc.reach_estimate(h, backend="cpu"), mc.scope_estimate(h, hit, backend="cpu")))
    finally:
        riskcore.set_num_threads(previous)
    numba = (mc.reach_estimate(h, backend="numba"), mc.scope_estimate(h, hit, backend="numba"))
    for reach, scope in runs[1:]:
        np.testing.assert_array_equal(reach.accumulator.m2, runs[0][0].accumulator.m2)
        np.testing.assert_array_equal(scope.accumulator.mean, runs[0][1].accumulator.mean)
    np.testing.assert_allclose(numba[0].accumulator.mean, runs[0][0].accumulator.mean, rtol=1e-15)
    np.testing.assert_allclose(numba[1].accumulator.m2, runs[0][1].accumulator.m2, rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("steps", [3, 7, 22, 45])
def test_lockstep_groups_give_the_numba_bits(dtype, steps):
    """Equal lengths: the cpu folds groups of 4 short trajectories in lockstep and longer ones (45 >
    32 steps) one at a time (AVX2 where the CPU has it); numba folds them one at a time. Same
    arithmetic per trajectory, so the same bits, also for a block ending in a partial group and with a
    hit breaking a SCOPE group."""
    rng = np.random.default_rng(steps)
    h = rng.uniform(0, 0.2, size=(2, 2048 + 4 * 5 + 3, steps)).astype(dtype)
    hit = np.full(h.shape[:2], -1)
    hit[0, 9] = steps - 1
    for hits in (hit, np.full_like(hit, -1)):
        cpu = mc.reach_estimate(h, backend="cpu"), mc.scope_estimate(h, hits, backend="cpu")
        numba = mc.reach_estimate(h, backend="numba"), mc.scope_estimate(h, hits, backend="numba")
        for a, b in zip(cpu, numba, strict=True):
            np.testing.assert_array_equal(a.accumulator.mean, b.accumulator.mean)
            np.testing.assert_array_equal(a.accumulator.m2, b.accumulator.m2)
    reach = 1.0 - np.prod(1.0 - h.astype(np.float64), axis=2)
    np.testing.assert_allclose(cpu[0].estimate, reach.mean(axis=1), rtol=1e-13)
    np.testing.assert_allclose(cpu[0].variance, reach.var(axis=1, ddof=1), rtol=1e-12)


def test_bad_hazard_inside_a_lockstep_group_is_found(backend):
    h = np.full((1, 9, 6), 0.1)
    h[0, 5, 2], h[0, 6, 5], h[0, 8, 0] = np.nan, 1.01, -1.0
    with pytest.raises(ValueError, match=r"3 value\(s\) are not, the first at index \(0, 5, 2\)"):
        mc.reach_estimate(h, backend=backend)
    with pytest.raises(ValueError, match=r"3 value\(s\) are not, the first at index \(0, 5, 2\)"):
        mc.scope_estimate(h, np.full((1, 9), -1), backend=backend)


def test_hazard_one_gives_reach_one_on_every_backend(backend):
    est = mc.reach_estimate(np.array([[[0.3, 1.0, 0.2], [0.0, 0.0, 0.0]]]), backend=backend)
    np.testing.assert_allclose(est.estimate, [0.5])
    np.testing.assert_allclose(est.variance, [0.5])


# ------------------------------------------------------------------------- issue #10 regressions
def test_horizon_beyond_int64_is_a_value_error():
    with pytest.raises(ValueError, match=r"horizon must be in 0\.\.9223372036854775807, got 9223372036854775808"):
        mc.simulate_outcome_risk(WORKED, 0, [3], [4], horizon=2**63, n_trajectories=10, seed=0)
    with pytest.raises(ValueError, match="horizon"):
        mc.exact_outcome_risk(WORKED, 0, [3], [4], horizon=2**64)


def test_huge_horizon_is_exact_and_fast():
    risk = mc.exact_outcome_risk(WORKED, 0, [3], [4], horizon=2**31)  # was linear in the horizon (minutes)
    assert risk == pytest.approx(mc.exact_outcome_risk(WORKED, 0, [3], [4]), rel=1e-12)
    stepwise = np.zeros(5)
    stepwise[0] = 1.0
    for _ in range(57):
        stepwise = stepwise @ WORKED
    assert mc.exact_outcome_risk(WORKED, 0, [3], [4], horizon=57) == pytest.approx(stepwise[3], rel=1e-13)


def test_too_many_trajectories_are_refused_with_advice():
    with pytest.raises(ValueError, match=r"n_trajectories \* queries is 1e\+15, above the limit.*shards"):
        mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 10**15, 0)
    loop = WORKED.copy()
    loop[1] = [0.0, 1.0, 0.0, 0.0, 0.0]  # state 1 never leaves: trajectories run the whole horizon
    with pytest.raises(ValueError, match="loop without ever being absorbed"):
        mc.simulate_outcome_risk(loop, 0, [3], [4], 2**60, 1000, 0)
    assert mc.simulate_outcome_risk(WORKED, 0, [3], [4], 2**60, 100, 0).steps > 0  # absorbing chain: finite work


def test_merging_the_same_shard_twice_raises():
    a = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 1000, 5)
    b = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 1000, 5, first_trajectory=500)
    c = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 1000, 5, first_trajectory=1000)
    with pytest.raises(ValueError, match="itself"):
        a.merge(a)
    with pytest.raises(ValueError, match=r"overlapping trajectory ranges \(\[500, 1500\) overlaps \[0, 1000\)\)"):
        a.merge(b)
    with pytest.raises(ValueError, match="overlapping"):
        mc.merge_estimates([a.reach, c.reach, mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 10, 5).reach])
    assert a.merge(c).reach.accumulator.ranges == ((0, 2000),)
    assert a.merge(c).reach.n == 2000


def test_scalar_problem_gives_0d_results():
    exact = mc.exact_outcome_risk(WORKED, 0, [3], [4], horizon=20)
    assert np.ndim(exact) == 0 and round(float(exact), 6) == 0.465864
    r = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 1000, 1)
    for est in (r.mc, r.scope, r.reach):
        assert est.estimate.shape == est.se.shape == est.ci_low.shape == est.n.shape == ()
    assert r.reach.efficiency.shape == ()
    batched = mc.simulate_outcome_risk(WORKED, [0], [3], [4], 20, 1000, 1)
    assert batched.reach.estimate.shape == (1,)
    assert mc.exact_outcome_risk(WORKED, [0, 1], [3], [4], 20).shape == (2,)


def test_hand_written_checks_are_gone():
    source = "".join(open(m.__file__).read() for m in (mc.chain, mc.estimators, mc.results, mc.planning))
    assert "_check_int" not in source


# ------------------------------------------------------------------------------------ planning
def test_required_trajectories_reach_the_target_se():
    pilot = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 4000, 1)
    need = mc.required_trajectories(pilot, target_se=0.004)
    assert set(need) == {"mc", "scope", "reach"} and need["reach"] < need["mc"]
    for kind in mc.KINDS:
        run = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, int(need[kind]), 2)
        assert getattr(run, kind).se == pytest.approx(0.004, rel=0.08)
    rel = mc.required_trajectories(pilot.reach, target_rel_se=0.01)
    assert rel == math.ceil(pilot.reach.variance / (0.01 * pilot.reach.estimate) ** 2)
    assert mc.required_trajectories(mc.mc_estimate([[-1, -1]]), target_rel_se=0.1).tolist() == [-1]


@pytest.mark.parametrize(
    "kwargs, match",
    [({}, "exactly one"), ({"target_se": 0.1, "target_rel_se": 0.1}, "exactly one"), ({"target_se": 0}, r"\(0, inf")],
)
def test_required_trajectories_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mc.required_trajectories(mc.mc_estimate([[0, -1]]), **kwargs)
