"""Ensemble CRPS against the O(m^2) definition, on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracles import afcrps_equal_weights, crps_by_integration, ensemble_crps

import riskcore

ESTIMATORS = ["nrg", "fair", "afcrps", "pwm", "int"]


def oracle_array(obs, fct, axis, estimator, alpha=0.95, weights=None, omit_nan=False):
    """Loop of the scalar oracle over the broadcast batch (float64)."""
    fct = np.moveaxis(np.asarray(fct, dtype=np.float64), axis, -1)
    w = (
        None
        if weights is None
        else np.moveaxis(np.broadcast_to(weights, np.shape(np.moveaxis(fct, -1, axis))), axis, -1)
    )
    batch = np.broadcast_shapes(np.shape(obs), fct.shape[:-1])
    obs_b = np.broadcast_to(np.asarray(obs, dtype=np.float64), batch)
    fct_b = np.broadcast_to(fct, batch + fct.shape[-1:])
    w_b = None if w is None else np.broadcast_to(w, batch + fct.shape[-1:])
    out = np.empty(batch)
    for idx in np.ndindex(*batch):
        out[idx] = ensemble_crps(obs_b[idx], fct_b[idx], None if w_b is None else w_b[idx], estimator, alpha, omit_nan)
    return out


def sorted_sum_crps(y: float, x) -> float:
    """nrg CRPS of one large ensemble from its sorted members, both sums exactly rounded (math.fsum):
    CRPS = sum |x_i - y| / m - sum_k (2k - m - 1) x_(k) / m^2 (k = 1..m); O(m log m) where the O(m^2)
    rational oracle takes minutes."""
    x = np.asarray(x, dtype=np.float64)
    m, k = x.size, np.arange(1, x.size + 1)
    return math.fsum(np.abs(x - y)) / m - math.fsum((2 * k - m - 1) * np.sort(x)) / m**2


def tolerance(dtype, *arrays):
    scale = 1.0 + max((float(np.nanmax(np.abs(a))) if np.size(a) and not np.all(np.isnan(a)) else 0.0) for a in arrays)
    return (2e-5 if dtype == np.float32 else 1e-11) * scale


@st.composite
def ensemble_case(draw):
    batch = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=2)))
    m = draw(st.integers(1, 12))
    axis_pos = draw(st.integers(0, len(batch)))
    fct_shape = (*batch[:axis_pos], m, *batch[axis_pos:])
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    ties = draw(st.booleans())
    n = int(np.prod(fct_shape))
    values = st.integers(-3, 3).map(float) if ties else st.floats(-1e3, 1e3, allow_nan=False, width=32)
    fct = np.array(draw(st.lists(values, min_size=n, max_size=n)), dtype=dtype).reshape(fct_shape)
    obs_shape = batch[draw(st.integers(0, len(batch))) :]  # a trailing part of the batch: broadcasts
    k = int(np.prod(obs_shape))
    obs = np.array(draw(st.lists(values, min_size=k, max_size=k)), dtype=dtype).reshape(obs_shape)
    if draw(st.booleans()) and fct.size:
        flat = fct.reshape(-1)
        for i in draw(st.lists(st.integers(0, fct.size - 1), max_size=3)):
            flat[i] = np.nan
    return obs, fct, axis_pos - len(fct_shape) if draw(st.booleans()) else axis_pos


@given(case=ensemble_case(), estimator=st.sampled_from(ESTIMATORS), nan_policy=st.sampled_from(["propagate", "omit"]))
def test_every_estimator_matches_quadratic_definition(backend, case, estimator, nan_policy):
    obs, fct, axis = case
    if estimator in ("fair", "afcrps", "pwm") and fct.shape[axis] < 2:
        with pytest.raises(ValueError, match="at least 2 members"):
            riskcore.crps_ensemble(obs, fct, axis=axis, estimator=estimator, backend=backend)
        return
    got = riskcore.crps_ensemble(obs, fct, axis=axis, estimator=estimator, nan_policy=nan_policy, backend=backend)
    want = oracle_array(obs, fct, axis, estimator, omit_nan=nan_policy == "omit")
    assert np.shape(got) == want.shape
    assert np.asarray(got).dtype == fct.dtype
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=0, atol=tolerance(fct.dtype, obs, fct))


@given(
    m=st.integers(2, 9),
    data=st.data(),
    estimator=st.sampled_from(["nrg", "fair", "afcrps", "int"]),
)
def test_weighted_estimators_match_definition(backend, m, data, estimator):
    x = np.array(data.draw(st.lists(st.floats(-50, 50), min_size=m, max_size=m)))
    w = np.array(data.draw(st.lists(st.floats(0, 5), min_size=m, max_size=m)))
    if w.sum() <= 0:
        w[0] = 1.0
    y = data.draw(st.floats(-60, 60))
    if ((w > 0) & (w < 1e-300 * w.max())).any():  # documented: rejected (no float64 weight that small)
        with pytest.raises(ValueError, match="300 orders of magnitude"):
            riskcore.crps_ensemble(y, x, weights=w, estimator=estimator, backend=backend)
        return
    got = float(riskcore.crps_ensemble(y, x, weights=w, estimator=estimator, backend=backend))
    want = ensemble_crps(y, x, w, estimator)
    if math.isnan(want):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(want, abs=1e-10 * (1 + np.abs(x).max() + abs(y)))


def test_afcrps_equals_pairwise_form_of_spec(backend):
    rng = np.random.default_rng(1)
    for alpha in (1.0, 0.95, 0.5, 0.01):
        x, y = rng.normal(size=7), 0.3
        got = float(riskcore.crps_ensemble(y, x, estimator="afcrps", alpha=alpha, backend=backend))
        assert got == pytest.approx(afcrps_equal_weights(y, list(x), alpha), abs=1e-13)


def test_fair_equals_pwm_and_nrg_equals_int(backend):
    rng = np.random.default_rng(2)
    obs, fct = rng.normal(size=500), rng.normal(size=(500, 31))
    results = {e: riskcore.crps_ensemble(obs, fct, estimator=e, backend=backend) for e in ESTIMATORS}
    np.testing.assert_allclose(results["pwm"], results["fair"], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(results["int"], results["nrg"], rtol=1e-12, atol=1e-13)


def test_int_estimator_is_the_integral_of_the_empirical_cdf(backend):
    x, w, y = np.array([-1.0, 0.5, 0.5, 2.0]), np.array([1.0, 2.0, 0.5, 1.5]), 0.25
    wn = w / w.sum()

    def cdf(z):
        return float(wn[x <= z].sum())

    want = crps_by_integration(y, cdf, -5.0, 6.0)
    got = float(riskcore.crps_ensemble(y, x, weights=w, estimator="int", backend=backend))
    assert got == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("m", [1, 2, 3, 7, 8, 9, 15, 16, 17, 33, 50, 64, 127, 513, 1000, 2048, 2049, 3000])
def test_sizes_around_network_and_lane_boundaries(backend, m):
    """Sorting networks for m <= 2048 (the cpu's bitonic one pads to a power of two >= 16 with +inf)
    and 8-row lanes: every m and every tail length matches."""
    rng = np.random.default_rng(m)
    n = 21 if m < 1000 else 9
    fct = rng.normal(size=(n, m))
    fct[3, :: max(1, m // 3)] = 0.25  # ties
    obs = rng.normal(size=n)
    got = riskcore.crps_ensemble(obs, fct, backend=backend)
    oracle = ensemble_crps if m <= 300 else sorted_sum_crps  # O(m^2) in rationals is slow in Python
    want = np.array([oracle(obs[i], fct[i]) for i in range(n)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("m", [5, 20, 200, 601])
def test_rows_with_infinities_or_nans_do_not_disturb_their_lane_block(backend, m):
    """A special row (a NaN or an infinity among its members) in an 8-row block moves the network's +inf
    padding of its lane; the block's other rows, and the special rows themselves (scored again by the
    row path), equal each row scored alone."""
    rng = np.random.default_rng(m)
    fct = rng.normal(size=(24, m))
    fct[2, 1], fct[5, 0], fct[9, m - 1], fct[12, m // 2] = np.inf, np.nan, -np.inf, np.inf
    fct[12, 0] = -np.inf
    obs = rng.normal(size=24)
    got = riskcore.crps_ensemble(obs, fct, nan_policy="omit", backend=backend)
    alone = [float(riskcore.crps_ensemble(obs[i], fct[i], nan_policy="omit", backend=backend)) for i in range(24)]
    np.testing.assert_array_equal(got, alone)
    finite = [i for i in range(24) if np.isfinite(fct[i]).all()]
    oracle = ensemble_crps if m <= 200 else sorted_sum_crps  # O(m^2) in rationals: 80 s a backend at m = 601
    np.testing.assert_allclose(got[finite], [oracle(obs[i], fct[i]) for i in finite], rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tiled_and_row_by_row_fills_of_the_network_give_the_same_scores(backend, dtype):
    """Contiguous ensembles of >= 512 members enter the cpu network in transposed 8 x 8 tiles, strided
    ones row by row: the same members (also chained through a threshold interval) give bitwise the same
    scores, which match the sorted-sum oracle."""
    rng = np.random.default_rng(11)
    m = 601  # 75 tiles and one member left over
    wide = rng.normal(size=(19, 2 * m)).astype(dtype)
    strided, contiguous = wide[:, ::2], np.ascontiguousarray(wide[:, ::2])
    obs = rng.normal(size=19).astype(dtype)
    got = riskcore.crps_ensemble(obs, contiguous, backend=backend)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, riskcore.crps_ensemble(obs, strided, backend=backend))
    x, y = contiguous.astype(np.float64), obs.astype(np.float64)
    want = [sorted_sum_crps(y[i], x[i]) for i in range(19)]
    np.testing.assert_allclose(got, np.array(want, dtype=dtype), rtol=1e-12 if dtype == np.float64 else 1e-6)
    chained = riskcore.twcrps_ensemble(obs, contiguous, interval=(-0.5, 1.0), backend=backend)
    chained_strided = riskcore.twcrps_ensemble(obs, strided, interval=(-0.5, 1.0), backend=backend)
    np.testing.assert_array_equal(chained, chained_strided)
    clipped = np.clip(x, -0.5, 1.0)
    np.testing.assert_allclose(
        chained, riskcore.crps_ensemble(np.clip(y, -0.5, 1.0), clipped, backend=backend), rtol=1e-6, atol=1e-7
    )


def test_nan_policies(backend):
    fct = np.array([[0.0, np.nan, 2.0], [0.0, 1.0, 2.0]])
    obs = np.array([0.5, np.nan])
    assert np.isnan(riskcore.crps_ensemble(obs, fct, backend=backend)).all()
    omitted = riskcore.crps_ensemble(obs, fct, nan_policy="omit", backend=backend)
    assert omitted[0] == pytest.approx(ensemble_crps(0.5, [0.0, 2.0]))
    assert np.isnan(omitted[1])
    with pytest.raises(ValueError, match="NaN"):
        riskcore.crps_ensemble(obs, fct, nan_policy="raise", backend=backend)
    # omit leaving fewer than 2 members: fair is undefined -> NaN, not an exception
    assert np.isnan(riskcore.crps_ensemble(0.0, [np.nan, 1.0], estimator="fair", nan_policy="omit", backend=backend))


def test_m1_and_m2_edge_cases(backend):
    assert float(riskcore.crps_ensemble(0.0, [2.0], backend=backend)) == 2.0
    assert float(riskcore.crps_ensemble(0.0, [-1.0, 1.0], backend=backend)) == pytest.approx(1.0 - 0.5)
    assert float(riskcore.crps_ensemble(0.0, [-1.0, 1.0], estimator="fair", backend=backend)) == pytest.approx(0.0)


def test_float32_accumulates_in_float64(backend):
    """Members far from zero: float32 inputs still give the float64 answer to float32 rounding."""
    rng = np.random.default_rng(3)
    fct = (1e4 + rng.normal(size=(64, 1000))).astype(np.float32)
    obs = (1e4 + rng.normal(size=64)).astype(np.float32)
    got = riskcore.crps_ensemble(obs, fct, backend=backend)
    want = riskcore.crps_ensemble(obs.astype(np.float64), fct.astype(np.float64), backend=backend)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_backends_agree_bitwise_on_the_network_path():
    available = [b for b in ("cpu", "numba") if riskcore.backends()[b].available]
    rng = np.random.default_rng(4)
    obs, fct = rng.normal(size=333), rng.normal(size=(333, 40))
    results = [riskcore.crps_ensemble(obs, fct, backend=b) for b in available]
    for r in results[1:]:
        np.testing.assert_allclose(r, results[0], rtol=1e-14, atol=1e-15)


def test_matches_scoringrules_and_properscoring():
    sr = pytest.importorskip("scoringrules")
    ps = pytest.importorskip("properscoring")
    rng = np.random.default_rng(5)
    obs, fct = rng.normal(size=200), rng.normal(size=(200, 25))
    for est in ("nrg", "fair", "pwm", "int"):
        np.testing.assert_allclose(
            riskcore.crps_ensemble(obs, fct, estimator=est),
            sr.crps_ensemble(obs, fct, estimator=est),
            rtol=1e-10,
            atol=1e-12,
        )
    np.testing.assert_allclose(riskcore.crps_ensemble(obs, fct), ps.crps_ensemble(obs, fct), rtol=1e-10)
    w = rng.uniform(0.1, 2.0, size=(200, 25))
    np.testing.assert_allclose(
        riskcore.crps_ensemble(obs, fct, weights=w), ps.crps_ensemble(obs, fct, weights=w), rtol=1e-10
    )


def test_twcrps_is_crps_of_chained_values(backend):
    rng = np.random.default_rng(6)
    obs, fct = rng.normal(size=50), rng.normal(size=(50, 9))
    tw = riskcore.twcrps_ensemble(obs, fct, threshold=0.3, backend=backend)
    want = oracle_array(np.maximum(obs, 0.3), np.maximum(fct, 0.3), -1, "nrg")
    np.testing.assert_allclose(tw, want, atol=1e-12)
    tw_int = riskcore.twcrps_ensemble(obs, fct, interval=(-0.5, 0.5), estimator="fair", backend=backend)
    np.testing.assert_allclose(
        tw_int, oracle_array(np.clip(obs, -0.5, 0.5), np.clip(fct, -0.5, 0.5), -1, "fair"), atol=1e-12
    )


def test_twcrps_equals_threshold_weighted_integral(backend):
    x, y, t = np.array([-1.0, 0.2, 0.9, 1.7]), 0.4, 0.5

    def weighted_cdf(z):  # weight 1{z > t}: integrate only above t
        return float((x <= z).mean())

    want = crps_by_integration(y, weighted_cdf, t, 5.0) if y >= t else (crps_by_integration(t, weighted_cdf, t, 5.0))
    assert float(riskcore.twcrps_ensemble(y, x, threshold=t, backend=backend)) == pytest.approx(want, abs=1e-9)


def test_fair_is_accurate_when_one_member_carries_almost_all_weight(backend):
    """Found by hypothesis: 1 - sum(w^2) cancels catastrophically when one weight is ~1; the pair
    weight is now accumulated from suffix sums. Exactly: fair = A - |x_a - x_b| / 2 for one pair."""
    x = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0])
    w = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.9229759469615847e-12])
    for estimator in ("fair", "afcrps"):
        got = float(riskcore.crps_ensemble(0.0, x, weights=w, estimator=estimator, backend=backend))
        assert got == pytest.approx(ensemble_crps(0.0, x, w, estimator), abs=1e-13)
    grad = riskcore.crps_ensemble_grad(0.0, x, weights=w, estimator="fair", backend=backend)
    assert np.isfinite(grad).all() and grad[4] == pytest.approx(1.0 - 0.5, abs=1e-9)


def test_weights_beyond_float64_range_are_rejected_and_tiny_normal_weights_are_exact(backend):
    """Found by hypothesis: a weight of 5e-324 made the pair weight's reciprocal overflow (NaN)."""
    x = np.array([0.0, 0.0, 1.0, 0.3])
    with pytest.raises(ValueError, match="300 orders of magnitude"):
        riskcore.crps_ensemble(0.0, x, weights=[0.0, 0.0, 1.0, 5e-324], estimator="fair", backend=backend)
    w = np.array([0.0, 0.0, 1.0, 1e-290])
    for est in ("fair", "afcrps", "nrg"):
        got = float(riskcore.crps_ensemble(0.0, x, weights=w, estimator=est, backend=backend))
        assert got == pytest.approx(ensemble_crps(0.0, x, w, est), rel=1e-12)
