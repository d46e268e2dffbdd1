"""Regression tests for the ensemble CRPS defects of issue #10: huge weights, the one +/-inf rule on
every backend, pandas in -> pandas out, and inputs read in place (broadcast weights, strided members,
twcrps chained in the kernel) with peak memory at most inputs + outputs + 5%."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from oracles import ensemble_crps

import riskcore

ESTIMATORS = ["nrg", "fair", "afcrps", "pwm", "int"]


def infinite_rule(y: float, x: list[float], w: list[float] | None = None) -> float:
    """The documented rule, from the definition integral (F - H)^2: with an infinite observation or
    positive-weight member, 0 if all of them are the same infinity, +inf otherwise."""
    live = [v for v, wi in zip(x, w or [1.0] * len(x), strict=True) if wi > 0]
    return 0.0 if all(v == y for v in live) else math.inf


# ------------------------------------------------------------------------------------ huge weights
@pytest.mark.parametrize("estimator", ["nrg", "fair", "afcrps", "int"])
def test_weights_near_the_float64_maximum_give_the_unweighted_score(backend, estimator):
    """Issue #10 defect 2: weights of 6e307 summed to inf and gave 0.0 (nrg) and NaN (fair)."""
    x = [0.0, 1.0, 2.0]
    got = float(riskcore.crps_ensemble(0.5, x, weights=[6e307] * 3, estimator=estimator, backend=backend))
    want = ensemble_crps(0.5, x, None, estimator)
    assert got == pytest.approx(want, rel=1e-15)
    if estimator == "nrg":
        assert got == pytest.approx(0.388889, abs=1e-6)


def test_huge_unequal_weights_match_the_exact_oracle(backend):
    x, w = [0.0, 1.0, 3.0, -2.0], [1.7e308, 3e307, 1e300, 0.0]
    for est in ("nrg", "fair", "afcrps"):
        got = float(riskcore.crps_ensemble(0.25, x, weights=w, estimator=est, backend=backend))
        assert got == pytest.approx(ensemble_crps(0.25, x, w, est), rel=1e-14)
    grad = riskcore.crps_ensemble_grad(0.25, x, weights=w, backend=backend)
    assert np.isfinite(grad).all() and grad[3] == 0.0


def test_a_weight_vector_lies_along_the_member_axis_whatever_the_axis(backend):
    """A 1-D weight vector of length m weights the members, also with ``axis=0`` on a square ensemble,
    where plain broadcasting would have laid it along the forecasts (where it cancels in the
    normalisation): the same rule as ow/vrCRPS, which read weights through the same function."""
    rng = np.random.default_rng(3)
    fct, obs, w = rng.normal(size=(4, 4)), rng.normal(size=4), [0.1, 0.2, 0.3, 0.4]
    got = riskcore.crps_ensemble(obs, fct, axis=0, weights=w, backend=backend)
    want = [ensemble_crps(obs[j], list(fct[:, j]), w, "nrg") for j in range(4)]
    np.testing.assert_allclose(got, want, rtol=1e-13)
    for fn in (riskcore.owcrps_ensemble, riskcore.vrcrps_ensemble):
        one = fn(obs, fct, w_func=lambda z: np.ones_like(z), axis=0, weights=w, backend=backend)
        np.testing.assert_allclose(one, want, rtol=1e-13)  # w_func = 1: both are the weighted CRPS
        with pytest.raises(ValueError, match="weights sum to 0"):
            fn(obs, fct, w_func=lambda z: np.ones_like(z), weights=np.zeros((4, 4)), backend=backend)


# ------------------------------------------------------------------------------------------ +/-inf
INF_CASES = [
    (-np.inf, [-np.inf]),
    (np.inf, [np.inf, np.inf]),
    (-np.inf, [-np.inf, 0.0]),
    (0.0, [np.inf, 1.0]),
    (0.0, [-np.inf, np.inf]),
    (np.inf, [0.0, 1.0, 2.0]),
    (-6.76, [-np.inf, -np.inf, 1e15, 3.0, 2.0]),
    (np.inf, [-np.inf, np.inf]),
]


@pytest.mark.parametrize(("y", "x"), INF_CASES)
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_infinities_follow_the_one_rule_on_every_backend(backend, y, x, estimator):
    """Issue #10 defect 5: cpu and numba disagreed (inf / NaN / 0); int was inf where nrg was NaN."""
    if len(x) < 2 and estimator in ("fair", "afcrps", "pwm"):
        return
    got = float(riskcore.crps_ensemble(y, x, estimator=estimator, backend=backend))
    assert got == infinite_rule(y, x)
    # the same row inside a batch large enough for the 8-row network path
    rng = np.random.default_rng(0)
    fct = rng.normal(size=(17, len(x)))
    fct[11] = x
    obs = rng.normal(size=17)
    obs[11] = y
    batch = riskcore.crps_ensemble(obs, fct, estimator=estimator, backend=backend)
    assert batch[11] == infinite_rule(y, x)
    assert np.isfinite(np.delete(batch, 11)).all()


def test_infinite_member_with_zero_weight_takes_no_part(backend):
    x, w = [np.inf, 0.0, 1.0], [0.0, 1.0, 1.0]
    assert float(riskcore.crps_ensemble(0.5, x, weights=w, backend=backend)) == pytest.approx(
        ensemble_crps(0.5, [0.0, 1.0], None, "nrg"), abs=1e-15
    )


@pytest.mark.parametrize(("y", "x"), INF_CASES)
def test_gradient_is_zero_for_a_perfect_infinite_forecast_and_nan_for_an_infinite_score(backend, y, x):
    got = riskcore.crps_ensemble_grad([y], [x], backend=backend)
    want = 0.0 if infinite_rule(y, x) == 0.0 else math.nan
    np.testing.assert_array_equal(got, np.full((1, len(x)), want))


def test_int_equals_nrg_with_infinities_and_large_values(backend):
    obs = np.array([-6.76, 0.0, np.inf, 1e300])
    fct = np.array([[-np.inf, -np.inf, 1e15, 0.0], [1e300, -1e300, 0.0, 1.0], [np.inf] * 4, [1e300, 1e300, 0, 0]])
    got_int = riskcore.crps_ensemble(obs, fct, estimator="int", backend=backend)
    got_nrg = riskcore.crps_ensemble(obs, fct, estimator="nrg", backend=backend)
    assert got_int[0] == got_nrg[0] == math.inf and got_int[2] == got_nrg[2] == 0.0
    np.testing.assert_allclose(got_int[[1, 3]], got_nrg[[1, 3]], rtol=1e-12)


# ------------------------------------------------------------------------------------------ pandas
def test_pandas_series_and_frame_come_back_with_their_index(backend):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(1)
    index = pd.date_range("2024-01-01", periods=12, name="time")
    fct = pd.DataFrame(rng.normal(size=(12, 5)), index=index, columns=[f"m{i}" for i in range(5)])
    obs = pd.Series(rng.normal(size=12), index=index, name="obs")
    want = riskcore.crps_ensemble(obs.to_numpy(), fct.to_numpy(), backend=backend)
    for got in (
        riskcore.crps_ensemble(obs, fct, backend=backend),
        riskcore.crps_ensemble(obs, fct.to_numpy(), backend=backend),
        riskcore.twcrps_ensemble(obs, fct, threshold=-10.0, backend=backend),
    ):
        assert isinstance(got, pd.Series) and got.index.equals(index)
        np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-13)
    grad = riskcore.crps_ensemble_grad(obs, fct, backend=backend)
    assert isinstance(grad, pd.DataFrame) and grad.index.equals(index) and list(grad.columns) == list(fct.columns)
    np.testing.assert_array_equal(grad.to_numpy(), riskcore.crps_ensemble_grad(obs.to_numpy(), fct.to_numpy()))


def test_closed_forms_and_elementwise_scores_keep_a_series_index(backend):
    """Issue #10 item 9: pandas in, pandas out for every elementwise score (the closed forms through the
    one canonicaliser, the quantile/interval/categorical scores through returns_pandas)."""
    pd = pytest.importorskip("pandas")
    index = pd.Index(["a", "b", "c"], name="site")
    obs = pd.Series(pd.array([0.1, -0.4, pd.NA], dtype="Float64"), index=index, name="obs")
    got = riskcore.crps_normal(obs, 0.0, 1.0, backend=backend)
    assert isinstance(got, pd.Series) and got.index.equals(index) and got.name == "obs"
    want = riskcore.crps_normal(np.array([0.1, -0.4, np.nan]), 0.0, 1.0, backend=backend)
    np.testing.assert_array_equal(got.to_numpy(), want)
    sigma = pd.Series([1.0, 2.0, 3.0], index=index)
    assert riskcore.crps_normal(0.3, 0.0, sigma, backend=backend).index.equals(index)  # a parameter labels it too
    assert isinstance(riskcore.crps_normal(0.3, 0.0, 1.0, backend=backend), np.floating)  # scalars stay scalars
    mixture = riskcore.crps_mixnorm(obs, [[0.0, 1.0]] * 3, [[1.0, 1.0]] * 3, backend=backend)
    assert isinstance(mixture, pd.Series) and mixture.index.equals(index)
    y = pd.Series([0.0, 1.0, 1.0], index=index)
    for score in (
        riskcore.quantile_score(y, 0.5, 0.3),
        riskcore.interval_score(y, 0.0, 0.5, 0.2),
        riskcore.brier_score(y, 0.25),
    ):
        assert isinstance(score, pd.Series) and score.index.equals(index)
    np.testing.assert_array_equal(riskcore.brier_score(y, 0.25).to_numpy(), (0.25 - y.to_numpy()) ** 2)


def test_nullable_float64_with_na_reads_as_nan(backend):
    pd = pytest.importorskip("pandas")
    fct = pd.DataFrame({"a": pd.array([0.0, 1.0, pd.NA], dtype="Float64"), "b": pd.array([2.0, pd.NA, 1.0], "Float64")})
    obs = pd.Series(pd.array([0.5, 0.5, pd.NA], dtype="Float64"), index=["x", "y", "z"])
    got = riskcore.crps_ensemble(obs, fct, nan_policy="omit", backend=backend)
    assert isinstance(got, pd.Series) and list(got.index) == [0, 1, 2]  # fct (the frame of members) labels rows
    assert got.iloc[0] == pytest.approx(ensemble_crps(0.5, [0.0, 2.0]), abs=1e-15)
    assert got.iloc[1] == pytest.approx(0.5, abs=1e-15)
    assert math.isnan(got.iloc[2])
    propagated = riskcore.crps_ensemble(obs, fct.to_numpy(dtype=float, na_value=np.nan), backend=backend)
    assert list(propagated.index) == ["x", "y", "z"] and np.isnan(propagated.iloc[1:]).all()


# ------------------------------------------------------------------------ no copies, bounded memory
def peak_bytes(fn) -> int:
    """Peak of the memory allocated (and tracked by tracemalloc: NumPy's buffers are) during fn()."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


N, M = 4000, 400  # fct: 12.8 MB


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(2)
    return rng.normal(size=N), rng.normal(size=(N, 2 * M)), rng.uniform(0.5, 2.0, size=M)


@pytest.mark.parametrize(
    "case",
    ["weights (m,)", "weights (n, 1)", "strided members", "twcrps", "twcrps interval", "nan_policy raise", "grad (m,)"],
)
@pytest.mark.parametrize("backend", ["cpu", "numba"])  # host peak memory: cuda copies host inputs to the device
def test_peak_memory_is_inputs_plus_outputs_plus_5_percent(backend, big, case):
    """Issue #10: weights (m,) were expanded to the ensemble's size (+100%), twcrps copied the ensemble
    and fct[:, ::2] was copied although strided members are read in place."""
    obs, wide, w = big
    fct = wide[:, :M].copy()
    strided = wide[:, ::2]
    calls = {
        "weights (m,)": lambda: riskcore.crps_ensemble(obs, fct, weights=w, estimator="fair", backend=backend),
        "weights (n, 1)": lambda: riskcore.crps_ensemble(
            obs, fct, weights=w[:1, None] * np.ones((N, 1)), backend=backend
        ),
        "strided members": lambda: riskcore.crps_ensemble(obs, strided, backend=backend),
        "twcrps": lambda: riskcore.twcrps_ensemble(obs, fct, threshold=0.5, backend=backend),
        "twcrps interval": lambda: riskcore.twcrps_ensemble(obs, strided, interval=(-1, 1), weights=w, backend=backend),
        "nan_policy raise": lambda: riskcore.crps_ensemble(obs, fct, nan_policy="raise", backend=backend),
        "grad (m,)": lambda: riskcore.crps_ensemble_grad(obs, fct, weights=w, backend=backend),
    }
    output = fct.nbytes if case.startswith("grad") else obs.nbytes
    calls[case]()  # warm-up (JIT compilation allocates)
    peak = peak_bytes(calls[case])
    assert peak <= output + 0.05 * (obs.nbytes + fct.nbytes), f"{case}: peak {peak / 1e6:.2f} MB"


def test_in_place_reads_equal_contiguous_copies(backend, big):
    obs, wide, w = big
    strided = wide[:100, ::2]
    dense = strided.copy()
    for est in ESTIMATORS:
        np.testing.assert_allclose(
            riskcore.crps_ensemble(obs[:100], strided, estimator=est, backend=backend),
            riskcore.crps_ensemble(obs[:100], dense, estimator=est, backend=backend),
            rtol=1e-14,
        )
    np.testing.assert_allclose(
        riskcore.crps_ensemble(obs[:100], strided, weights=w, estimator="fair", backend=backend),
        riskcore.crps_ensemble(obs[:100], dense, weights=np.tile(w, (100, 1)), estimator="fair", backend=backend),
        rtol=1e-14,
    )
    np.testing.assert_allclose(
        riskcore.twcrps_ensemble(obs[:100], strided, interval=(-0.5, 1.0), backend=backend),
        riskcore.crps_ensemble(np.clip(obs[:100], -0.5, 1.0), np.clip(dense, -0.5, 1.0), backend=backend),
        rtol=1e-14,
    )
    np.testing.assert_allclose(
        riskcore.crps_ensemble_grad(obs[:100], strided, weights=w, backend=backend),
        riskcore.crps_ensemble_grad(obs[:100], dense, weights=np.tile(w, (100, 1)), backend=backend),
        rtol=1e-14,
    )
    reversed_members = dense[:, ::-1]  # negative strides are read in place as well
    np.testing.assert_allclose(
        riskcore.crps_ensemble(obs[:100], reversed_members, backend=backend),
        riskcore.crps_ensemble(obs[:100], dense, backend=backend),
        rtol=1e-14,
    )


def test_twcrps_chains_nan_as_nan(backend):
    """The chaining inside the kernel keeps NaN members NaN (fmax would turn them into the threshold)."""
    assert math.isnan(float(riskcore.twcrps_ensemble(0.0, [np.nan, 1.0], threshold=0.5, backend=backend)))
    got = float(riskcore.twcrps_ensemble(0.0, [np.nan, 1.0, 2.0], threshold=0.5, nan_policy="omit", backend=backend))
    assert got == pytest.approx(ensemble_crps(0.5, [1.0, 2.0]), abs=1e-15)
