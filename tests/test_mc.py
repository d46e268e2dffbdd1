"""MC / SCOPE / REACH: exact Markov-chain absorption as the oracle, explicit loops for the array
estimators, and exact merging of shards."""

from __future__ import annotations

import math

import numpy as np
import pytest
from chains import WORKED
from hypothesis import given
from hypothesis import strategies as st

import riskcore
from riskcore import mc


def rare_chain() -> np.ndarray:
    """Three transient states that mostly end; the outcome (state 3) has probability about 1e-3."""
    P = np.array(
        [
            [0.70, 0.20, 0.00, 0.0002, 0.0998],
            [0.10, 0.60, 0.20, 0.0003, 0.0997],
            [0.05, 0.25, 0.60, 0.0004, 0.0996],
            [0.0, 0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 1.0],
        ]
    )
    return P


def absorption_oracle(P: np.ndarray, start: int, outcome: int, horizon: int) -> float:
    """(A^T)[start, outcome] with A = P (absorbing rows are identity rows already)."""
    return float(np.linalg.matrix_power(P, horizon)[start, outcome])


def test_worked_example_exact_value():
    assert mc.exact_outcome_risk(WORKED, 0, [3], [4], horizon=20) == pytest.approx(0.465864, abs=5e-7)
    oracle = absorption_oracle(WORKED, 0, 3, 20)
    assert mc.exact_outcome_risk(WORKED, 0, [3], [4], horizon=20) == pytest.approx(oracle)
    long_run = mc.exact_outcome_risk(WORKED, 0, [3], [4], horizon=3000)
    assert mc.exact_outcome_risk(WORKED, 0, [3], [4]) == pytest.approx(long_run, rel=1e-12)


@pytest.mark.costly_oracle
@pytest.mark.parametrize("chain, horizon, n", [(WORKED, 20, 20_000), (rare_chain(), 50, 200_000)])
def test_estimators_are_unbiased_and_reach_beats_mc(backend, chain, horizon, n):
    exact = mc.exact_outcome_risk(chain, 0, [3], [4], horizon=horizon)
    for seed in (1, 2):
        r = mc.simulate_outcome_risk(chain, 0, [3], [4], horizon, n, seed, backend=backend)
        for est in (r.mc, r.scope, r.reach):
            assert abs(est.estimate - exact) < 4 * est.se, (est.kind, est.estimate, exact, est.se)
            assert est.ci_low <= est.estimate <= est.ci_high
        assert r.reach.variance < r.mc.variance
        assert r.reach.efficiency > 1


def test_worked_example_variances_match_the_spec():
    r = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 200_000, 7)
    assert r.mc.variance == pytest.approx(0.249, abs=0.005)
    assert r.scope.variance == pytest.approx(0.216, abs=0.01)
    assert r.reach.variance == pytest.approx(0.103, abs=0.005)
    assert r.reach.efficiency == pytest.approx(2.4, abs=0.15)


def test_identical_on_every_backend_and_thread_count():
    runs = []
    previous = riskcore.get_num_threads()
    try:
        for threads in (1, 2, 8):
            riskcore.set_num_threads(threads)
            runs.append(mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 5000, 11, backend="cpu"))
    finally:
        riskcore.set_num_threads(previous)
    runs.append(mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 5000, 11, backend="numba"))
    for run in runs[1:]:
        for kind in mc.KINDS:
            a, b = getattr(runs[0], kind).accumulator, getattr(run, kind).accumulator
            np.testing.assert_array_equal(a.mean, b.mean)
            np.testing.assert_array_equal(a.m2, b.m2)
        assert run.steps == runs[0].steps


def test_shards_merge_into_the_single_run():
    whole = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 10_000, 5)
    first = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 3_000, 5)
    second = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 7_000, 5, first_trajectory=3_000)
    merged = first.merge(second)
    for kind in mc.KINDS:
        a, b = getattr(whole, kind), getattr(merged, kind)
        np.testing.assert_array_equal(a.n, b.n)
        np.testing.assert_allclose(a.estimate, b.estimate, rtol=1e-13)
        np.testing.assert_allclose(a.variance, b.variance, rtol=1e-11)
    assert merged.steps == whole.steps
    chunked = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 10_000, 5, chunk=999)
    np.testing.assert_allclose(chunked.reach.estimate, whole.reach.estimate, rtol=1e-13)


def test_batched_chains_one_per_query():
    chains = np.stack([WORKED, rare_chain(), WORKED])
    starts = np.array([0, 0, 2])
    exact = mc.exact_outcome_risk(chains, starts, [3], [4], horizon=30)
    assert exact[2] == pytest.approx(absorption_oracle(WORKED, 2, 3, 30))
    r = mc.simulate_outcome_risk(chains, starts, [3], [4], 30, 50_000, 3)
    assert r.reach.estimate.shape == (3,)
    assert (np.abs(r.reach.estimate - exact) < 4 * r.reach.se).all()


@given(values=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=60), cut=st.integers(1, 59))
def test_accumulator_merge_equals_single_pass(values, cut):
    values = np.array(values)[None, :]
    cut = min(cut, values.shape[1] - 1)
    whole = mc.RiskAccumulator.from_values(values)
    merged = mc.RiskAccumulator.from_values(values[:, :cut]).merge(mc.RiskAccumulator.from_values(values[:, cut:]))
    np.testing.assert_allclose(merged.mean, whole.mean, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(merged.m2, whole.m2, rtol=1e-9, atol=1e-6)


# ------------------------------------------------------------------------------ array estimators
def explicit_values(h, lengths, first_hit):
    """Per-trajectory MC, SCOPE and REACH values by plain loops."""
    q_count, n_count, _ = h.shape
    mc_v, scope_v, reach_v = (np.zeros((q_count, n_count)) for _ in range(3))
    for q in range(q_count):
        for i in range(n_count):
            steps = range(lengths[q, i])
            hit = first_hit[q, i]
            mc_v[q, i] = float(hit >= 0)
            scope_v[q, i] = math.fsum(float(h[q, i, t]) for t in steps if hit < 0 or t <= hit)
            survival = 1.0
            for t in steps:
                survival *= 1.0 - float(h[q, i, t])
            reach_v[q, i] = 1.0 - survival
    return mc_v, scope_v, reach_v


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_array_estimators_match_explicit_loops(dtype):
    rng = np.random.default_rng(0)
    q_count, n_count, steps = 3, 40, 12
    h = rng.uniform(0, 0.3, size=(q_count, n_count, steps)).astype(dtype)
    h[0, 0, :] = 0.0  # h = 0 everywhere
    h[0, 1, 2] = 1.0  # h = 1 on a valid step
    lengths = rng.integers(0, steps + 1, size=(q_count, n_count))
    lengths[0, 1], lengths[1, 0] = 5, 0  # a zero-length trajectory
    drawn = rng.integers(0, steps, size=(q_count, n_count))
    first_hit = np.where(rng.uniform(size=(q_count, n_count)) < 0.4, drawn, -1)
    first_hit = np.where(first_hit < lengths, first_hit, -1)
    h_padded = np.where(np.arange(steps) < lengths[..., None], h, np.nan).astype(dtype)  # NaN padding is ignored
    mc_v, scope_v, reach_v = explicit_values(h.astype(np.float64), lengths, first_hit)
    scope = mc.scope_estimate(h_padded, first_hit, lengths=lengths)
    reach = mc.reach_estimate(h_padded, lengths=lengths)
    plain = mc.mc_estimate(first_hit)
    for est, v in ((plain, mc_v), (scope, scope_v), (reach, reach_v)):
        np.testing.assert_allclose(est.estimate, v.mean(axis=1), rtol=1e-6 if dtype == np.float32 else 1e-13)
        np.testing.assert_allclose(est.variance, v.var(axis=1, ddof=1), rtol=1e-5 if dtype == np.float32 else 1e-11)
        np.testing.assert_allclose(est.se, np.sqrt(v.var(axis=1, ddof=1) / n_count), rtol=1e-5)
    np.testing.assert_allclose(scope.efficiency, mc_v.var(axis=1, ddof=1) / scope_v.var(axis=1, ddof=1), rtol=1e-5)
    assert reach_v[0, 1] == 1.0 and reach.estimate.dtype == np.float64
    mask = np.arange(steps) < lengths[..., None]
    np.testing.assert_array_equal(mc.reach_estimate(h_padded, mask=mask).estimate, reach.estimate)


def test_several_outcomes_share_one_pool():
    rng = np.random.default_rng(1)
    h = rng.uniform(0, 0.2, size=(2, 30, 8, 3))
    first_hit = np.where(rng.uniform(size=(2, 30, 3)) < 0.3, rng.integers(0, 8, size=(2, 30, 3)), -1)
    joint = mc.scope_estimate(h, first_hit)
    assert joint.estimate.shape == (2, 3)
    for k in range(3):
        alone = mc.scope_estimate(h[..., k], first_hit[..., k])
        np.testing.assert_allclose(joint.estimate[:, k], alone.estimate, rtol=1e-14)
    np.testing.assert_allclose(mc.reach_estimate(h).estimate[:, 1], mc.reach_estimate(h[..., 1]).estimate)


def test_mc_wilson_interval_handles_zero_events():
    est = mc.mc_estimate(np.full((1, 1000), -1))
    assert est.estimate[0] == 0 and est.ci_low[0] == 0 and 0 < est.ci_high[0] < 0.005


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: mc.reach_estimate([[[0.5, 1.5]]]), ValueError, r"\[0, 1\].*1 value\(s\).*index \(0, 0, 1\)"),
        (lambda: mc.reach_estimate([[[0.5, -0.1]]]), ValueError, r"\[0, 1\]"),
        (lambda: mc.reach_estimate([[[0.5, np.nan]]]), ValueError, "NaN"),
        (lambda: mc.reach_estimate([[[0.5, 0.5]]], lengths=[[3]]), ValueError, r"lengths must be in \[0, 2\]"),
        (lambda: mc.reach_estimate([[[0.5, 0.5]]], lengths=[[1]], mask=[[[True, False]]]), ValueError, "not both"),
        (lambda: mc.reach_estimate([[[1, 0]]]), TypeError, "float"),
        (lambda: mc.reach_estimate([[0.5, 0]]), ValueError, "3-d or 4-d"),
        (lambda: mc.scope_estimate([[[0.5, 0.5]]], [[2]]), ValueError, "first_hit"),
        (lambda: mc.scope_estimate([[[0.5, 0.5]]], [[1]], lengths=[[1]]), ValueError, "first_hit"),
        (lambda: mc.mc_estimate([[0.5]]), ValueError, "integer"),
        (lambda: mc.exact_outcome_risk(WORKED * 1.01, 0, [3], [4], 5), ValueError, "sum to 1"),
        (lambda: mc.exact_outcome_risk(np.where(WORKED == 0.6, np.nan, WORKED), 0, [3], [4], 5), ValueError, "NaN"),
        (lambda: mc.exact_outcome_risk(WORKED, 3, [3], [4], 5), ValueError, "absorbing"),
        (lambda: mc.exact_outcome_risk(WORKED, 0, [3], [3], 5), ValueError, "overlap"),
        (lambda: mc.exact_outcome_risk(WORKED, 0, [7], [4], 5), ValueError, "states in 0..4"),
        (lambda: mc.exact_outcome_risk(WORKED, 0, [3], [4], -1), ValueError, "horizon must be in 0.."),
        (lambda: mc.simulate_outcome_risk(WORKED, 0, [3], [4], -2, 10, 0), ValueError, "horizon"),
        (lambda: mc.simulate_outcome_risk(WORKED, 0, [3], [4], 5, 0, 0), ValueError, "n_trajectories"),
        (lambda: mc.simulate_outcome_risk(WORKED, 0, [3], [4], 5, 10, -1), ValueError, "seed"),
        (lambda: mc.simulate_outcome_risk(WORKED, 0, [3], [4], 5, 10, 0, estimators=("is",)), ValueError, "estimators"),
        (lambda: mc.simulate_outcome_risk(WORKED[:4], 0, [3], [4], 5, 10, 0), ValueError, "shape"),
        (lambda: mc.merge_estimates([]), ValueError, "at least one"),
        (lambda: mc.merge_estimates([1, 2]), TypeError, r"results\[0\] must be a RiskEstimate, got int"),
        (lambda: mc.merge_estimates(None), TypeError, "results must be a sequence of RiskEstimate"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_absorbing_rows_are_not_validated():
    P = WORKED.copy()
    P[3] = 0.0  # the outcome row is ignored (absorbing)
    assert mc.exact_outcome_risk(P, 0, [3], [4], 20) == pytest.approx(0.465864, abs=5e-7)
