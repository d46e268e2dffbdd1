"""The ensemble scores beyond nrg/fair CRPS (akr, Dawid-Sebastiani, error-spread, Gaussian kernel,
kernel-density log score, rank histogram) and the categorical / quantile scores, each against its
definition written here (loops over members and pairs, mpmath where precision matters) and against
scoringrules / properscoring where they have the function."""

from __future__ import annotations

import math
import re

import mpmath
import numpy as np
import pytest
from conftest import BACKENDS, require_backend

import riskcore

RNG = np.random.default_rng(11)
OBS, FCT = RNG.normal(size=40), RNG.normal(size=(40, 9))


@pytest.fixture(params=["cpu", "numba"], scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    """The CRPS variants of this file on the host backends (their CUDA cases: tests/test_cuda_backend.py)."""
    return request.param


@pytest.fixture(params=BACKENDS, scope="module")
def score_backend(request: pytest.FixtureRequest) -> str:
    """The scores of riskcore.crps.univariate on every backend available here (cuda included)."""
    return require_backend(request.param)


def per_row(fn, obs, fct):
    return np.array([fn(float(y), [float(v) for v in x]) for y, x in zip(obs, fct, strict=True)])


def akr_oracle(y, x, shift_of):
    m = len(x)
    s = shift_of(m)
    return sum(abs(v - y) for v in x) / m - sum(abs(x[i] - x[(i - s) % m]) for i in range(m)) / (2 * m)


def dss_oracle(y, x, bias=False):
    mean = math.fsum(x) / len(x)
    var = math.fsum((v - mean) ** 2 for v in x) / (len(x) - (0 if bias else 1))
    return (y - mean) ** 2 / var + math.log(var)


def ess_oracle(y, x):
    m = len(x)
    mean = math.fsum(x) / m
    s = math.sqrt(math.fsum((v - mean) ** 2 for v in x) / (m - 1))
    g = math.fsum(((v - mean) / s) ** 3 for v in x) / ((m - 1) * (m - 2))
    e = mean - y
    return (s * s - e * e - e * s * g) ** 2


def gks_oracle(y, x, estimator):
    m = len(x)

    def k(a, b):
        return math.exp(-0.5 * (a - b) ** 2)

    if estimator == "nrg":
        pairs = [(i, j) for i in range(m) for j in range(m)]
    elif estimator == "fair":
        pairs = [(i, j) for i in range(m) for j in range(m) if i != j]
    else:
        s = 1 if estimator == "akr" else m // 2
        pairs = [(i, (i - s) % m) for i in range(m)]
    spread = math.fsum(k(x[i], x[j]) for i, j in pairs) / len(pairs)
    return -(math.fsum(k(v, y) for v in x) / m - 0.5 * spread - 0.5)


def logs_oracle(y, x, bw):
    """mpmath: exact in the far tail, where every member's density underflows in float64."""
    with mpmath.workdps(40):
        dens = mpmath.fsum(mpmath.npdf(y, v, bw) for v in x) / len(x)
        return float(-mpmath.log(dens))


@pytest.mark.parametrize("estimator", ["akr", "akr_circperm"])
def test_akr_estimators_match_definition_and_scoringrules(backend, estimator):
    shift = (lambda m: 1) if estimator == "akr" else (lambda m: m // 2)
    got = riskcore.crps_ensemble(OBS, FCT, estimator=estimator, backend=backend)
    np.testing.assert_allclose(got, per_row(lambda y, x: akr_oracle(y, x, shift), OBS, FCT), rtol=1e-13)
    sr = pytest.importorskip("scoringrules")
    np.testing.assert_allclose(got, sr.crps_ensemble(OBS, FCT, estimator=estimator, backend="numpy"), rtol=1e-13)
    strided = np.repeat(FCT, 2, axis=1)[:, ::2]  # read in place, members in their order
    np.testing.assert_allclose(riskcore.crps_ensemble(OBS, strided, estimator=estimator, backend=backend), got)
    with pytest.raises(ValueError, match="takes no weights"):
        riskcore.crps_ensemble(OBS, FCT, estimator=estimator, weights=np.ones(9), backend=backend)


@pytest.mark.parametrize("estimator", ["akr", "akr_circperm"])
def test_akr_gradient_is_the_derivative_of_the_score(backend, estimator):
    grad = riskcore.crps_ensemble_grad(OBS, FCT, estimator=estimator, backend=backend)
    h = 1e-6
    for k in (0, 4, 8):
        up, down = FCT.copy(), FCT.copy()
        up[:, k] += h
        down[:, k] -= h
        numeric = (
            riskcore.crps_ensemble(OBS, up, estimator=estimator)
            - riskcore.crps_ensemble(OBS, down, estimator=estimator)
        ) / (2 * h)
        np.testing.assert_allclose(grad[:, k], numeric, atol=1e-8)


@pytest.mark.parametrize("bias", [False, True])
def test_dss_matches_definition_and_scoringrules(score_backend, bias):
    got = riskcore.dssuv_ensemble(OBS, FCT, bias=bias, backend=score_backend)
    np.testing.assert_allclose(got, per_row(lambda y, x: dss_oracle(y, x, bias), OBS, FCT), rtol=1e-13)
    sr = pytest.importorskip("scoringrules")
    np.testing.assert_allclose(got, sr.dssuv_ensemble(OBS, FCT, bias=bias, backend="numpy"), rtol=1e-12)


def test_error_spread_matches_definition_and_scoringrules(score_backend):
    got = riskcore.error_spread_score(OBS, FCT, backend=score_backend)
    np.testing.assert_allclose(got, per_row(ess_oracle, OBS, FCT), rtol=1e-12)
    sr = pytest.importorskip("scoringrules")
    np.testing.assert_allclose(got, sr.error_spread_score(OBS, FCT, backend="numpy"), rtol=1e-11)
    with pytest.raises(ValueError, match="at least 3 members"):
        riskcore.error_spread_score(0.0, [1.0, 2.0], backend=score_backend)


@pytest.mark.parametrize("estimator", ["nrg", "fair", "akr", "akr_circperm"])
def test_gaussian_kernel_score_matches_definition_and_scoringrules(score_backend, estimator):
    got = riskcore.gksuv_ensemble(OBS, FCT, estimator=estimator, backend=score_backend)
    np.testing.assert_allclose(got, per_row(lambda y, x: gks_oracle(y, x, estimator), OBS, FCT), rtol=1e-12)
    sr = pytest.importorskip("scoringrules")
    np.testing.assert_allclose(got, sr.gksuv_ensemble(OBS, FCT, estimator=estimator, backend="numpy"), rtol=1e-12)


def test_kde_log_score_matches_mpmath_into_the_far_tail(score_backend):
    x = [0.0, 0.3, 1.0, 2.0]
    for y in (0.5, 5.0, 30.0, -200.0):
        got = float(riskcore.logs_ensemble(y, x, bw=0.7, backend=score_backend))
        assert got == pytest.approx(logs_oracle(y, x, 0.7), rel=1e-13)
    sr = pytest.importorskip("scoringrules")
    np.testing.assert_allclose(
        riskcore.logs_ensemble(OBS, FCT, backend=score_backend), sr.logs_ensemble(OBS, FCT, backend="numpy"), rtol=1e-12
    )


def test_nan_members_and_observations_give_nan(score_backend):
    fct = FCT[:3].copy()
    fct[1, 2] = np.nan
    obs = OBS[:3].copy()
    obs[2] = np.nan
    for fn in (riskcore.dssuv_ensemble, riskcore.error_spread_score, riskcore.gksuv_ensemble, riskcore.logs_ensemble):
        got = fn(obs, fct, backend=score_backend)
        assert np.isfinite(got[0]) and np.isnan(got[1:]).all()


def test_float32_and_axis(score_backend):
    got = riskcore.dssuv_ensemble(OBS.astype(np.float32), FCT.T.astype(np.float32), axis=0, backend=score_backend)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, riskcore.dssuv_ensemble(OBS, FCT), rtol=1e-5)


def test_rank_histogram_counts_ranks_and_splits_ties():
    fct = np.array([[0.0, 1.0], [1.0, 2.0], [0.0, 0.0], [np.nan, 1.0]])
    obs = np.array([0.5, 3.0, 0.0, 0.0])
    hist = riskcore.rank_histogram(obs, fct, seed=1)
    assert hist.sum() == 3 and hist[1] >= 1 and hist[2] >= 1  # the NaN forecast is left out
    rng = np.random.default_rng(3)
    big = riskcore.rank_histogram(rng.normal(size=20000), rng.normal(size=(20000, 4)))
    expected = 20000 / 5
    assert (np.abs(big - expected) < 5 * math.sqrt(expected)).all()  # calibrated: flat within 5 sigma


# ----------------------------------------------------------------------- categorical and quantile
def test_brier_and_threshold_brier_match_definitions_and_properscoring():
    ps = pytest.importorskip("properscoring")
    p, y = RNG.uniform(size=30), (RNG.uniform(size=30) < 0.5).astype(float)
    np.testing.assert_allclose(riskcore.brier_score(y, p), (p - y) ** 2)
    np.testing.assert_allclose(riskcore.brier_score(y, p), ps.brier_score(y, p))
    with pytest.raises(ValueError, match="0, 1 or NaN"):
        riskcore.brier_score(0.5, 0.5)
    thresholds = np.array([-0.5, 0.0, 0.7])
    got = riskcore.threshold_brier_score(OBS, FCT, thresholds)
    want = np.array([[(np.mean(x <= t) - (yv <= t)) ** 2 for t in thresholds] for yv, x in zip(OBS, FCT, strict=True)])
    np.testing.assert_allclose(got, want, rtol=1e-15)
    np.testing.assert_allclose(got, ps.threshold_brier_score(OBS, FCT, thresholds), rtol=1e-15)
    # integrated over all thresholds it is the CRPS
    grid = np.sort(np.concatenate([FCT[0], [OBS[0]]]))
    mids = (grid[1:] + grid[:-1]) / 2
    integral = (riskcore.threshold_brier_score(OBS[0], FCT[0], mids) * np.diff(grid)).sum()
    assert integral == pytest.approx(float(riskcore.crps_ensemble(OBS[0], FCT[0])), rel=1e-13)


def test_rps_matches_definition_and_scoringrules():
    fct = RNG.dirichlet(np.ones(5), size=20)
    cat = RNG.integers(1, 6, size=20)  # categories 1..K, as scoringrules numbers them
    want = [sum((fct[i, :k].sum() - (cat[i] <= k)) ** 2 for k in range(1, 6)) for i in range(20)]
    np.testing.assert_allclose(riskcore.rps_score(cat, fct), want, rtol=1e-14)
    onehot = np.eye(5)[cat - 1]
    np.testing.assert_allclose(riskcore.rps_score(onehot, fct, onehot=True), want, rtol=1e-14)
    sr = pytest.importorskip("scoringrules")
    np.testing.assert_allclose(riskcore.rps_score(cat, fct), sr.rps_score(cat, fct, backend="numpy"), rtol=1e-14)
    with pytest.raises(ValueError, match=r"category in 1\.\.5"):
        riskcore.rps_score(0, fct[0])


def test_rps_bad_inputs_name_the_argument():
    """Found by the slow fuzz run: an array `onehot`, no categories and unbroadcastable `obs` gave NumPy's
    own messages."""
    fct = RNG.dirichlet(np.ones(4), size=3)
    with pytest.raises(TypeError, match="onehot must be True or False, got ndarray"):
        riskcore.rps_score(np.eye(4)[:3], fct, onehot=np.array([]))
    with pytest.raises(ValueError, match="fct has no categories along axis -1"):
        riskcore.rps_score(0.0, np.zeros((0, 2, 0)))
    with pytest.raises(ValueError, match=r"obs must have fct's shape \(3, 4\) with onehot=True"):
        riskcore.rps_score(np.eye(4)[:2], fct, onehot=True)
    with pytest.raises(ValueError, match="shapes do not broadcast: obs"):
        riskcore.rps_score([1, 2], fct)
    onehot_first = np.eye(4)[[0, 3, 1]].T  # categories along axis 0
    np.testing.assert_allclose(riskcore.rps_score(onehot_first, fct.T, axis=0, onehot=True),
                               riskcore.rps_score([1, 4, 2], fct), rtol=1e-15)  # fmt: skip


@pytest.mark.parametrize(
    "score, arguments, names",
    [
        ("brier_score", (np.zeros(2), np.zeros(0)), "obs (2,), fct (0,)"),
        ("quantile_score", (np.zeros(0), np.zeros(2), 0.5), "obs (0,), fct (2,), alpha ()"),
        ("interval_score", (np.zeros(2), 0.0, np.zeros((5, 5)), 0.1), "obs (2,), lower (), upper (5, 5)"),
        ("weighted_interval_score", (np.zeros(0), np.zeros(2), [-1.0], [1.0], [0.2]), "obs (0,), median (2,)"),
        ("threshold_brier_score", (np.zeros(2), np.zeros((3, 4)), 0.0), "obs (2,), fct without its member axis"),
    ],
)
def test_elementwise_scores_name_unbroadcastable_arguments(score, arguments, names):
    """Found by the slow fuzz run: NumPy's 'operands could not be broadcast' named no argument."""
    with pytest.raises(ValueError, match=re.escape(f"shapes do not broadcast: {names}")):
        getattr(riskcore, score)(*arguments)


def test_threshold_brier_score_with_no_thresholds_has_an_empty_last_axis():
    assert riskcore.threshold_brier_score(np.zeros(3), np.zeros((3, 4)), np.array([])).shape == (3, 0)


def test_quantile_interval_and_weighted_interval_scores():
    y, q = RNG.normal(size=50), RNG.normal(size=50)
    for a in (0.1, 0.5, 0.9):
        want = [(1 - a) * (qi - yi) if yi < qi else a * (yi - qi) for yi, qi in zip(y, q, strict=True)]
        np.testing.assert_allclose(riskcore.quantile_score(y, q, a), want, rtol=1e-15)
    lo, up = q - 1.0, q + 1.0
    want = [
        (u - lw) + (2 / 0.2) * max(lw - yi, 0) + (2 / 0.2) * max(yi - u, 0) for yi, lw, u in zip(y, lo, up, strict=True)
    ]
    np.testing.assert_allclose(riskcore.interval_score(y, lo, up, 0.2), want, rtol=1e-15)
    alphas = np.array([0.1, 0.5])
    lows, ups = np.stack([q - 1.6, q - 0.7], -1), np.stack([q + 1.6, q + 0.7], -1)
    wis = riskcore.weighted_interval_score(y, q, lows, ups, alphas)
    is_k = np.stack([riskcore.interval_score(y, lows[:, k], ups[:, k], alphas[k]) for k in range(2)], -1)
    np.testing.assert_allclose(wis, (0.5 * np.abs(y - q) + (is_k * alphas / 2).sum(-1)) / 2.5, rtol=1e-15)
    # WIS with quantile levels alpha/2, 1 - alpha/2 equals the mean quantile score times 2 / (K + 1/2)
    qs = sum(
        riskcore.quantile_score(y, lows[:, k], alphas[k] / 2) + riskcore.quantile_score(y, ups[:, k], 1 - alphas[k] / 2)
        for k in range(2)
    )
    np.testing.assert_allclose(wis, (riskcore.quantile_score(y, q, 0.5) + qs) / 2.5, rtol=1e-13)
    sr = pytest.importorskip("scoringrules")
    np.testing.assert_allclose(riskcore.interval_score(y, lo, up, 0.2), sr.interval_score(y, lo, up, 0.2), rtol=1e-14)
    np.testing.assert_allclose(riskcore.quantile_score(y, q, 0.3), sr.quantile_score(y, q, 0.3), rtol=1e-14)
    with pytest.raises(ValueError, match="alpha must be in"):
        riskcore.quantile_score(0.0, 0.0, 1.5)


# ------------------------------------------------------------------------------ weighted CRPS
def weight(z):
    return 1.0 / (1.0 + np.exp(-3.0 * (np.asarray(z) - 0.2)))  # a smooth weight on the upper part


def ow_vr_oracle(y, x, kind, omega=None):
    """O(m^2) definitions of Allen, Ginsbourger & Ziegel (2023); member weights omega replace each 1/m by
    omega_i / sum omega."""
    m = len(x)
    p = [1.0 / m] * m if omega is None else [o / math.fsum(omega) for o in omega]
    wx, wy = [float(weight(v)) for v in x], float(weight(y))
    wbar = math.fsum(pi * w for pi, w in zip(p, wx, strict=True))
    to_obs = math.fsum(pi * abs(v - y) * w for pi, v, w in zip(p, x, wx, strict=True))
    pairs = math.fsum(p[i] * p[j] * abs(x[i] - x[j]) * wx[i] * wx[j] for i in range(m) for j in range(m))
    if kind == "ow":
        return wy * to_obs / wbar - 0.5 * wy * pairs / wbar**2
    third = (math.fsum(pi * abs(v) * w for pi, v, w in zip(p, x, wx, strict=True)) - abs(y) * wy) * (wbar - wy)
    return wy * to_obs - 0.5 * pairs + third


@pytest.mark.parametrize("kind", ["ow", "vr"])
def test_member_weights_of_outcome_weighted_and_vertically_rescaled_crps(backend, kind):
    fn = riskcore.owcrps_ensemble if kind == "ow" else riskcore.vrcrps_ensemble
    omega = np.random.default_rng(5).uniform(0.1, 2.0, size=FCT.shape[-1])
    got = fn(OBS, FCT, w_func=weight, weights=omega, backend=backend)
    want = per_row(lambda y, x: ow_vr_oracle(y, x, kind, omega), OBS, FCT)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    huge = fn(OBS, FCT, w_func=weight, weights=omega * 1e307, backend=backend)  # no overflow in the scaling
    np.testing.assert_allclose(huge, want, rtol=1e-12)
    ones = fn(OBS, FCT, w_func=weight, weights=np.ones_like(FCT), backend=backend)
    np.testing.assert_allclose(ones, fn(OBS, FCT, w_func=weight, backend=backend), rtol=1e-14)
    with pytest.raises(ValueError, match="weights"):
        fn(OBS, FCT, w_func=weight, weights=-omega, backend=backend)
    with pytest.raises(ValueError, match="weights of shape"):
        fn(OBS, FCT, w_func=weight, weights=omega[:-1], backend=backend)


@pytest.mark.parametrize("kind", ["ow", "vr"])
def test_outcome_weighted_and_vertically_rescaled_crps(backend, kind):
    fn = riskcore.owcrps_ensemble if kind == "ow" else riskcore.vrcrps_ensemble
    got = fn(OBS, FCT, w_func=weight, backend=backend)
    np.testing.assert_allclose(got, per_row(lambda y, x: ow_vr_oracle(y, x, kind), OBS, FCT), rtol=1e-12)
    sr = pytest.importorskip("scoringrules")
    peer = getattr(sr, f"{kind}crps_ensemble")(OBS, FCT, w_func=weight, backend="numpy")
    np.testing.assert_allclose(got, peer, rtol=1e-11)
    np.testing.assert_allclose(fn(OBS, FCT.T, w_func=weight, axis=0, backend=backend), got, rtol=1e-14)
    if kind == "ow":  # every member of weight 0: NaN (0/0), as the definition
        assert np.isnan(fn(0.0, [-5.0, -4.0], w_func=lambda z: (np.asarray(z) > 0) * 1.0, backend=backend))


def test_twcrps_with_a_chaining_function_matches_scoringrules(backend):
    def v(z):
        return np.minimum(np.maximum(z, -0.3), 1.1)

    got = riskcore.twcrps_ensemble(OBS, FCT, v_func=v, backend=backend)
    np.testing.assert_allclose(
        got, riskcore.twcrps_ensemble(OBS, FCT, interval=(-0.3, 1.1), backend=backend), rtol=1e-14
    )
    sr = pytest.importorskip("scoringrules")
    np.testing.assert_allclose(
        got, sr.twcrps_ensemble(OBS, FCT, v_func=v, estimator="nrg", backend="numpy"), rtol=1e-12
    )
    with pytest.raises(ValueError, match="exactly one"):
        riskcore.twcrps_ensemble(OBS, FCT, v_func=v, threshold=0.0)
