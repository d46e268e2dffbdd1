"""Issue 10's conformal defects, one regression test each: dtypes (1), overflow (3), size guards (4), the
scalar rule (8)."""

from __future__ import annotations

import numpy as np
import pytest

from riskcore import conformal

BAD_DTYPES = [np.array(["0.1"] * 90), np.zeros(90, dtype=bool), np.zeros(90, dtype=complex), np.zeros(90, dtype=object)]


@pytest.mark.parametrize("bad", BAD_DTYPES, ids=["str", "bool", "complex", "object"])
def test_non_real_dtypes_are_refused(bad):
    good = np.zeros(90)
    calls = [
        lambda: conformal.batch_mean_interval(bad, good, np.zeros(10), 0.1, residual_bounds=(-5, 5)),
        lambda: conformal.batch_mean_interval(good, bad, np.zeros(10), 0.1, residual_bounds=(-5, 5)),
        lambda: conformal.simultaneous_intervals(good, good, bad, 0.1),
        lambda: conformal.select_exceeding(bad, good, np.zeros(5), 0.0, 0, 0.1),
        lambda: conformal.select_exceeding(good, good, bad, 0.0, 0, 0.1),
        lambda: conformal.compare_with_baselines(bad, 5, 0.1, bounds=(0, 1)),
        lambda: conformal.split_calibration_bound(bad, 5, 0.1),
        lambda: conformal.batch_quantile_bound(bad, 5, 1, 0.1),
        lambda: conformal.batch_mean_bound(bad, 5, 0.1, bounds=(0, 1)),
        lambda: conformal.partition_bound(bad, 5, 0.1, bounds=(0, 1)),
    ]
    for call in calls:
        with pytest.raises(TypeError, match="must have a real numeric dtype"):
            call()


def test_none_test_predictions_are_refused():
    with pytest.raises(TypeError, match="test_predictions"):
        conformal.simultaneous_intervals(np.zeros(300), np.zeros(300), None, 0.1)


def test_nan_inputs_are_refused():
    with pytest.raises(ValueError, match="test_predictions contains NaN"):
        conformal.simultaneous_intervals(np.zeros(300), np.zeros(300), [0.0, np.nan], 0.1)
    with pytest.raises(ValueError, match="test_predictions contains NaN"):
        conformal.batch_mean_interval(np.zeros(90), np.zeros(90), [np.nan] * 3, 0.1, residual_bounds=(-5, 5))
    with pytest.raises(ValueError, match="cal_outcomes contains NaN"):
        conformal.select_exceeding(np.zeros(9), [np.nan] * 9, [1.0], 0.0, 0, 0.1)
    with pytest.raises(ValueError, match="cal_scores contains NaN"):
        conformal.split_calibration_bound([0.0, np.nan], 1, 0.1)
    with pytest.raises(ValueError, match="threshold must be a finite number"):
        conformal.select_exceeding(np.zeros(9), np.zeros(9), [1.0], np.nan, 0, 0.1)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: conformal.batch_mean_bound([0.0], m=2**63, alpha=0.1), "m must be in 1.."),
        (lambda: conformal.batch_mean_bound([0.0], m=np.uint64(2**63), alpha=0.1, bounds=(0, 1)), "m must be in 1.."),
        (lambda: conformal.slot_order_statistics_joint_pmf(2**63, 5, 1, 2), "n must be in 1.."),
        (lambda: conformal.batch_quantile_bound([0.0], 2**70, 1, 0.1), "m must be in 1.."),
        (lambda: conformal.slot_sum_quantile(5, -(2**70), 0.5), "m must be in 1.."),
        (lambda: conformal.select_exceeding([1.0], [1.0], [1.0], 0.0, 2**64, 0.1), "k must be in 0..0"),
        (lambda: conformal.partition_bound([0.0], 2**63, 0.1), "m must be in 1.."),
        (lambda: conformal.partition_bound([0.0], 1, 0.1, seed=-1), "seed must be in 0.."),
    ],
)
def test_huge_integers_give_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_numpy_small_ints_do_not_wrap():
    cal = np.arange(300.0)
    assert conformal.batch_quantile_bound(cal, np.int8(100), np.int8(60), 0.1) == conformal.batch_quantile_bound(
        cal, 100, 60, 0.1
    )
    assert conformal.slot_sum_quantile(np.int8(100), np.int8(100), 0.9) == conformal.slot_sum_quantile(100, 100, 0.9)


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: conformal.slot_order_statistics_joint_pmf(100_000, 10, 1, 2), MemoryError, r"\(n \+ 1\)\*\*2"),
        (lambda: conformal.slot_sum_pmf(10**6, 10**3), ValueError, "m \\* n"),
        (lambda: conformal.slot_sum_quantile(10**6, 10**3, 0.9), ValueError, "m \\* n"),
        (lambda: conformal.slot_order_statistic_pmf(10**8, 5, 1), ValueError, "n \\+ m"),
        (lambda: conformal.batch_quantile_bound(np.zeros(3), 10**8, 1, 0.1), ValueError, "n \\+ m"),
        (lambda: conformal.two_quantile_bounds(np.zeros(30_000), 5, 1, 2, 0.1), ValueError, "steps of the joint law"),
        (
            lambda: conformal.batch_mean_bound(np.zeros(10**5), 400, 0.1, bounds=(0, 1), method="dp"),
            ValueError,
            "max-add steps",
        ),
        (lambda: conformal.batch_mean_bound(np.zeros(10**6), 10**3, 0.1, bounds=(0, 1)), ValueError, "m \\* n"),
    ],
)
def test_size_guards_refuse_up_front(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_scalar_problems_give_scalars():
    cal = np.linspace(0, 1, 50)
    results = [
        conformal.batch_quantile_bound(cal, 5, 2, 0.1),
        conformal.simultaneous_bound(cal, 5, 0.1),
        conformal.batch_mean_bound(cal, 5, 0.1, bounds=(0, 1)),
        conformal.batch_mean_bound_relaxed(cal, 5, 0.1, bounds=(0, 1)),
        conformal.bonferroni_bound(cal, 5, 0.1),
        conformal.split_calibration_bound(cal, 5, 0.1),
        conformal.partition_bound(cal, 5, 0.1, bounds=(0, 1), seed=0),
        *conformal.two_quantile_bounds(cal, 5, 1, 3, 0.1),
        *conformal.batch_mean_interval(cal, cal, [0.5, 0.4], 0.1, residual_bounds=(-1, 1)),
        *conformal.batch_quantile_bound(cal, 5, 2, 0.1, side="two-sided"),
        conformal.select_exceeding(cal, cal, [0.5], 0.3, 0, 0.1).score_bound,
    ]
    for value in results:
        assert isinstance(value, np.floating) and np.ndim(value) == 0, value
    assert conformal.batch_mean_bound(cal[None], 5, 0.1, bounds=(0, 1)).shape == (1,)
