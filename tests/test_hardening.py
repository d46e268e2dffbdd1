"""Very large inputs, allocation failures, determinism across threads and backends, thread safety."""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from chains import WORKED
from oracles import ensemble_crps

import riskcore
from riskcore import conformal, mc, tail


def test_more_than_2_to_the_31_elements_through_a_strided_view():
    """A sliding-window view: 43 million ensembles of 50 members (2.15e9 elements) in 170 MB."""
    m = 50
    rows = 2**31 // m + 1
    base = np.random.default_rng(0).normal(size=rows + m - 1).astype(np.float32)
    fct = np.lib.stride_tricks.sliding_window_view(base, m)
    assert fct.shape[0] * fct.shape[1] > 2**31 and not fct.flags.c_contiguous
    out = riskcore.crps_ensemble(np.float32(0.25), fct, backend="cpu")
    assert out.shape == (rows,) and out.dtype == np.float32
    for r in (0, 12345, rows // 2, rows - 1):
        assert out[r] == pytest.approx(ensemble_crps(0.25, fct[r].astype(np.float64)), rel=1e-5)


def test_an_output_that_cannot_be_allocated_is_a_memory_error():
    huge = np.broadcast_to(np.float64(0.5), (2**40,))  # 8 TiB of output
    with pytest.raises(MemoryError):
        riskcore.crps_normal(huge, 0.0, 1.0)


def run_everything():
    rng = np.random.default_rng(1)
    obs, fct = rng.normal(size=3000), rng.normal(size=(3000, 40))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return [
            riskcore.crps_ensemble(obs, fct),
            riskcore.crps_ensemble(obs, fct, weights=rng.uniform(size=40), estimator="fair"),
            riskcore.crps_ensemble_grad(obs, fct),
            riskcore.crps_normal(obs, 0.0, 1.0),
            riskcore.crps_gev(obs, 0.1),
            conformal.batch_mean_bound(rng.uniform(size=(20, 200)), 10, 0.1, bounds=(0, 1), method="dp"),
            mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 20_000, 3).reach.accumulator.m2,
            tail.is_estimate(rng.normal(size=(3, 100_000)), 0.0, event=rng.uniform(size=(3, 100_000)) < 0.1).estimate,
        ]


def test_results_are_bit_identical_for_1_2_and_8_threads():
    previous = riskcore.get_num_threads()
    try:
        runs = []
        for threads in (1, 2, 8):
            riskcore.set_num_threads(threads)
            runs.append(run_everything())
    finally:
        riskcore.set_num_threads(previous)
    for run in runs[1:]:
        for a, b in zip(runs[0], run, strict=True):
            np.testing.assert_array_equal(a, b)


def test_concurrent_calls_from_python_threads_equal_serial_calls():
    serial = run_everything()
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: run_everything(), range(6)))
    for result in results:
        for a, b in zip(serial, result, strict=True):
            np.testing.assert_array_equal(a, b)


def test_cpu_and_numba_agreement_bounds():
    """Documented in the README: bit-identical where both run the same operations in the same order
    (knapsack DP, simulator, log-sums, Philox); ensemble CRPS and closed forms agree to a few ulp (the
    sort order of ties and glibc's vector math differ)."""
    rng = np.random.default_rng(2)
    cal = rng.uniform(size=(5, 300))
    np.testing.assert_array_equal(
        conformal.batch_mean_bound(cal, 20, 0.1, bounds=(0, 1), method="dp", backend="cpu"),
        conformal.batch_mean_bound(cal, 20, 0.1, bounds=(0, 1), method="dp", backend="numba"),
    )
    obs, fct = rng.normal(size=2000), rng.normal(size=(2000, 33))
    for est in ("nrg", "fair", "afcrps", "pwm", "int"):
        np.testing.assert_allclose(
            riskcore.crps_ensemble(obs, fct, estimator=est, backend="cpu"),
            riskcore.crps_ensemble(obs, fct, estimator=est, backend="numba"),
            rtol=1e-13,
            atol=1e-15,
        )
    for fn, args in (
        (riskcore.crps_normal, (0.3, 1.2)),
        (riskcore.crps_logistic, (0.3, 1.2)),
        (riskcore.crps_gamma, (2.0, 1.5)),
    ):
        x = np.abs(obs) if fn is riskcore.crps_gamma else obs
        np.testing.assert_allclose(fn(x, *args, backend="cpu"), fn(x, *args, backend="numba"), rtol=1e-13, atol=1e-15)


def test_float32_crps_matches_float64_up_to_ten_thousand_members():
    rng = np.random.default_rng(3)
    for m in (10, 1000, 10_000):
        fct = rng.normal(size=(64, m)).astype(np.float32)
        obs = rng.normal(size=64).astype(np.float32)
        for est in ("nrg", "fair", "afcrps", "int"):
            got = riskcore.crps_ensemble(obs, fct, estimator=est)
            want = riskcore.crps_ensemble(obs.astype(np.float64), fct.astype(np.float64), estimator=est)
            np.testing.assert_allclose(got, want, rtol=1e-5)


def test_size_limits_give_clear_errors_instead_of_hangs():
    with pytest.raises(ValueError, match="above the limit of"):
        conformal.slot_sum_pmf(100_000, 1000)
    with pytest.raises(ValueError, match="above the limit of"):
        conformal.batch_quantile_bound(np.zeros(10), 10**9, 1, 0.1)
    with pytest.raises(ValueError, match="batch_mean_bound_relaxed"):
        conformal.batch_mean_bound(np.linspace(0, 1, 10_000), 200, 0.1, bounds=(0, 1), method="dp")
    relaxed = conformal.batch_mean_bound_relaxed(np.linspace(0, 1, 10_000), 200, 0.1, bounds=(0, 1))
    assert 0.5 < relaxed < 0.6 and math.isfinite(relaxed)


def test_dp_is_stable_with_ten_thousand_calibration_points():
    """n = 1e4 (m = 20: 2e10 max-add steps); the law at n = 1e4, m = 500 is tested in test_conformal_laws."""
    cal = np.random.default_rng(4).beta(2, 5, size=10_000)
    upper = conformal.batch_mean_bound(cal, 20, 0.1, bounds=(0, 1), method="dp")
    lower = conformal.batch_mean_bound(cal, 20, 0.1, side="lower", bounds=(0, 1), method="dp")
    relaxed = conformal.batch_mean_bound_relaxed(cal, 20, 0.1, bounds=(0, 1))
    assert 0 <= lower < cal.mean() < upper <= relaxed <= 1
    assert relaxed - upper < 0.01
