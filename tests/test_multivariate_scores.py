"""Multivariate and weighted kernel scores against their O(m^2 d) definitions written here, scoringrules,
and each other across backends."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from conftest import BACKENDS, require_backend

import riskcore

RNG = np.random.default_rng(20261202)
N, M, D = 6, 7, 3
OBS = RNG.normal(size=(N, D))
FCT = RNG.normal(size=(N, M, D))
ENS_W = RNG.uniform(0.1, 1.0, size=(N, M))
VW = RNG.uniform(size=(D, D))


@pytest.fixture(params=["cpu", "numba"])
def cpu_or_numba(request: pytest.FixtureRequest) -> str:
    """The host backends (the member gradients have no CUDA kernel)."""
    return require_backend(request.param)


@pytest.fixture(params=BACKENDS)
def score_backend(request: pytest.FixtureRequest) -> str:
    """Every backend available here: each score runs on CUDA too (kernels/multivariate.cu)."""
    return require_backend(request.param)


def w_func(z):
    return float(z.sum() > -0.5) + 0.5 * float(z[0] > 0)


def v_func(z):
    return np.maximum(z, 0.2)


# ----------------------------------------------------------------------------------------- the oracle
def rho(kind, a, b, vw=None, p=0.5):
    """The negative-type kernel of each score on two vectors."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if kind == "es":
        return math.sqrt(math.fsum((a - b) ** 2))
    if kind == "gks":
        return -math.exp(-0.5 * math.fsum((a - b) ** 2))
    d = len(a)
    return math.fsum(
        vw[k, j] * (abs(a[k] - a[j]) ** p - abs(b[k] - b[j]) ** p) ** 2 for k in range(d) for j in range(d)
    )


def oracle(kind, form, y, x, v=None, fw=None, ow=1.0, estimator="nrg", vw=None, p=0.5):
    """Every score as its pair sums: plain (nrg, fair, akr, akr_circperm), ow and vr."""
    m = len(x)
    v = np.full(m, 1.0 / m) if v is None else np.asarray(v, float) / np.sum(v)
    r = lambda a, b: rho(kind, a, b, vw, p)  # noqa: E731
    rho0 = r(y, y)
    if form == "plain" and estimator.startswith("akr"):
        s = m - 1 if estimator == "akr" else m // 2
        pairs = math.fsum(r(x[i], x[(i + s) % m]) for i in range(m)) / m
        return math.fsum(v[i] * r(x[i], y) for i in range(m)) - 0.5 * pairs - 0.5 * rho0
    q = v if fw is None else v * np.asarray(fw, float)
    if form == "ow":
        q = q / q.sum()
    to_obs = math.fsum(q[i] * r(x[i], y) for i in range(m))
    if form == "plain" and estimator == "fair":
        pairs = math.fsum(q[i] * q[j] * r(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (
            1 - (v**2).sum()
        )
    else:
        pairs = math.fsum(q[i] * q[j] * r(x[i], x[j]) for i in range(m) for j in range(m))
    if form == "plain":
        return to_obs - 0.5 * pairs - 0.5 * rho0
    if form == "ow":
        return ow * (to_obs - 0.5 * pairs - 0.5 * rho0)
    score = ow * to_obs - 0.5 * pairs - 0.5 * ow * ow * rho0
    if kind != "gks":
        zero = np.zeros_like(y)
        score += (math.fsum(q[i] * r(x[i], zero) for i in range(m)) - ow * r(y, zero)) * (q.sum() - ow)
    return score


def rows(kind, form, obs, fct, weights=None, wf=None, **kw):
    out = []
    for k in range(len(obs)):
        fw = None if wf is None else [wf(xi) for xi in fct[k]]
        ow = 1.0 if wf is None else wf(obs[k])
        out.append(oracle(kind, form, obs[k], fct[k], None if weights is None else weights[k], fw, ow, **kw))
    return np.array(out)


def variogram_definition(y, x, vw, p):
    """Scheuerer & Hamill's VS_p: sum_kl w_kl (|y_k - y_l|^p - mean_i |x_ik - x_il|^p)^2."""
    d = len(y)
    return math.fsum(
        vw[k, j] * (abs(y[k] - y[j]) ** p - np.mean(np.abs(x[:, k] - x[:, j]) ** p)) ** 2
        for k in range(d)
        for j in range(d)
    )


# --------------------------------------------------------------------------------- exact definitions
@pytest.mark.parametrize("estimator", ["nrg", "fair", "akr", "akr_circperm"])
@pytest.mark.parametrize("kind", ["es", "gks"])
def test_kernel_scores_match_their_pair_sums(score_backend, kind, estimator):
    fn = riskcore.energy_score if kind == "es" else riskcore.gksmv_ensemble
    got = fn(OBS, FCT, estimator=estimator, backend=score_backend)
    np.testing.assert_allclose(got, rows(kind, "plain", OBS, FCT, estimator=estimator), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("estimator", ["nrg", "fair"])
def test_energy_score_matches_its_pair_sums_on_every_backend(backend, estimator):
    got = riskcore.energy_score(OBS, FCT, estimator=estimator, backend=backend)
    np.testing.assert_allclose(got, rows("es", "plain", OBS, FCT, estimator=estimator), rtol=1e-13)


@pytest.mark.parametrize("estimator", ["nrg", "fair"])
@pytest.mark.parametrize("kind", ["es", "gks", "vs"])
def test_member_weights_match_the_weighted_pair_sums(score_backend, kind, estimator):
    fn = {"es": riskcore.energy_score, "gks": riskcore.gksmv_ensemble, "vs": riskcore.vs_ensemble}[kind]
    extra = {"w": VW, "p": 0.7} if kind == "vs" else {}
    got = fn(OBS, FCT, weights=ENS_W, estimator=estimator, backend=score_backend, **extra)
    oracle_extra = {"vw": VW, "p": 0.7} if kind == "vs" else {}
    want = rows(kind, "plain", OBS, FCT, ENS_W, estimator=estimator, **oracle_extra)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("form", ["ow", "vr"])
@pytest.mark.parametrize("kind", ["es", "gks", "vs"])
@pytest.mark.parametrize("weighted", [False, True])
def test_outcome_weighted_and_rescaled_scores_match_their_pair_sums(score_backend, kind, form, weighted):
    name = {"es": "es", "gks": "gksmv", "vs": "vs"}[kind]
    fn = getattr(riskcore, f"{form}{name}_ensemble")
    extra = {"w": VW, "p": 1.5} if kind == "vs" else {}
    weights = ENS_W if weighted else None
    got = fn(OBS, FCT, w_func=w_func, weights=weights, backend=score_backend, **extra)
    oracle_extra = {"vw": VW, "p": 1.5} if kind == "vs" else {}
    want = rows(kind, form, OBS, FCT, weights, w_func, **oracle_extra)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("p", [0.5, 1.0, 2.0, 3.3])
def test_variogram_score_is_scheuerer_hamills_definition(score_backend, p):
    got = riskcore.vs_ensemble(OBS, FCT, w=VW, p=p, backend=score_backend)
    want = [variogram_definition(OBS[k], FCT[k], VW, p) for k in range(N)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    fair = riskcore.vs_ensemble(OBS, FCT, w=VW, p=p, estimator="fair", backend=score_backend)
    np.testing.assert_allclose(fair, rows("vs", "plain", OBS, FCT, estimator="fair", vw=VW, p=p), rtol=1e-12)


def test_threshold_weighted_scores_are_the_scores_of_the_chained_ensemble(score_backend):
    y, x = v_func(OBS), v_func(FCT)
    b = score_backend
    np.testing.assert_allclose(
        riskcore.twes_ensemble(OBS, FCT, v_func=v_func, backend=b), rows("es", "plain", y, x), rtol=1e-13
    )
    np.testing.assert_allclose(
        riskcore.twgksmv_ensemble(OBS, FCT, v_func=v_func, backend=b), rows("gks", "plain", y, x), rtol=1e-13
    )
    got = riskcore.twvs_ensemble(OBS, FCT, v_func=v_func, w=VW, estimator="fair", backend=b)
    np.testing.assert_allclose(got, rows("vs", "plain", y, x, estimator="fair", vw=VW), rtol=1e-12)


def test_one_dimension_reduces_to_the_univariate_scores(score_backend):
    # atol: the scores are differences of O(1) sums, so their rounding is absolute (~1e-16)
    b = score_backend
    y, x = OBS[:, 0], FCT[:, :, 0]
    np.testing.assert_allclose(
        riskcore.energy_score(y[:, None], x[:, :, None], backend=b),
        riskcore.crps_ensemble(y, x),
        rtol=1e-13,
        atol=1e-15,
    )
    for est in ("nrg", "fair", "akr", "akr_circperm"):
        got = riskcore.gksmv_ensemble(y[:, None], x[:, :, None], estimator=est, backend=b)
        np.testing.assert_allclose(got, riskcore.gksuv_ensemble(y, x, estimator=est), rtol=1e-13, atol=1e-15)
        got = riskcore.twgksuv_ensemble(y, x, 0.1, estimator=est, backend=b)
        np.testing.assert_allclose(
            got, riskcore.gksuv_ensemble(np.maximum(y, 0.1), np.maximum(x, 0.1), estimator=est), rtol=1e-13, atol=1e-15
        )
    wf = lambda z: (z > -0.3) * 1.0  # noqa: E731
    for form in ("ow", "vr"):
        got = getattr(riskcore, f"{form}gksuv_ensemble")(y, x, w_func=wf, weights=ENS_W, backend=b)
        np.testing.assert_allclose(
            got, rows("gks", form, y[:, None], x[:, :, None], ENS_W, lambda z: wf(z[0])), rtol=1e-12, atol=1e-15
        )
        default = getattr(riskcore, f"{form}gksuv_ensemble")(y, x, -0.3, 1.0, backend=b)
        indicator = lambda z: float(-0.3 <= z[0] <= 1.0)  # noqa: E731
        np.testing.assert_allclose(
            default, rows("gks", form, y[:, None], x[:, :, None], None, indicator), rtol=1e-12, atol=1e-15
        )


def test_equal_member_weights_change_nothing(score_backend):
    for est in ("nrg", "fair"):
        for fn in (riskcore.energy_score, riskcore.gksmv_ensemble, riskcore.vs_ensemble):
            plain = fn(OBS, FCT, estimator=est, backend=score_backend)
            np.testing.assert_allclose(fn(OBS, FCT, weights=np.full(M, 3.0), estimator=est), plain, rtol=1e-13)


# ----------------------------------------------------------------------------------- Dawid-Sebastiani
@pytest.mark.parametrize("bias", [False, True])
def test_dssmv_is_the_gaussian_log_score_of_the_ensemble_moments(score_backend, bias):
    got = riskcore.dssmv_ensemble(OBS, FCT, bias=bias, backend=score_backend)
    want = []
    for y, x in zip(OBS, FCT, strict=True):
        mp = mpmath.mp
        mp.dps = 40
        mean = [mpmath.fsum(x[:, k]) / M for k in range(D)]
        cov = mpmath.matrix(D, D)
        for k in range(D):
            for j in range(D):
                cov[k, j] = mpmath.fsum((x[i, k] - mean[k]) * (x[i, j] - mean[j]) for i in range(M)) / (M - 1 + bias)
        r = mpmath.matrix([y[k] - mean[k] for k in range(D)])
        want.append(float((r.T * mpmath.inverse(cov) * r)[0] + mpmath.log(mpmath.det(cov))))
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_dssmv_in_one_dimension_is_dssuv(score_backend):
    got = riskcore.dssmv_ensemble(OBS[:, :1], FCT[:, :, :1], backend=score_backend)
    np.testing.assert_allclose(got, riskcore.dssuv_ensemble(OBS[:, 0], FCT[:, :, 0]), rtol=1e-13)


def test_dssmv_is_nan_for_a_singular_covariance(score_backend):
    x = RNG.normal(size=(5, 2))
    collinear = np.stack([x[:, 0], x[:, 1], x[:, 0] - 2 * x[:, 1]], axis=1)
    assert np.isnan(riskcore.dssmv_ensemble([0.0, 0.0, 0.0], collinear, backend=score_backend))


def test_dssmv_is_invariant_to_scaling_the_variables(score_backend):
    # a stable solve: scaling variable k by s_k shifts the score by 2 sum log s_k only
    s = np.array([1e-6, 1.0, 1e5])
    got = riskcore.dssmv_ensemble(OBS * s, FCT * s, backend=score_backend)
    want = riskcore.dssmv_ensemble(OBS, FCT) + 2 * np.log(s).sum()
    np.testing.assert_allclose(got, want, rtol=1e-10)


# ------------------------------------------------------------------------------ censored likelihood
def clogs_oracle(y, x, a, b, h, cens):
    """In 60 digits with mpmath's unbounded exponents; a tail probability is taken on the side where it is
    small (Phi(-t) for 1 - Phi(t)), so that nothing rounds to 1."""
    mpmath.mp.dps = 60
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    f = mpmath.fsum(mpmath.npdf((y - xi) / h) for xi in x) / (len(x) * h)
    inside = a < y < b
    if cens:
        if inside:
            return float(-mpmath.log(f))
        outside = mpmath.fsum(mpmath.ncdf((a - xi) / h) + mpmath.ncdf((xi - b) / h) for xi in x) / len(x)
        return float(-mpmath.log(outside))
    if not inside:
        return 0.0

    def mass(lo, hi):
        return mpmath.ncdf(-lo) - mpmath.ncdf(-hi) if lo > 0 else mpmath.ncdf(hi) - mpmath.ncdf(lo)

    total = mpmath.fsum(mass((a - xi) / h, (b - xi) / h) for xi in x) / len(x)
    return float(-mpmath.log(f) + mpmath.log(total))


@pytest.mark.parametrize("cens", [True, False])
def test_clogs_matches_mpmath_including_far_tails(score_backend, cens):
    x = np.array([-0.4, 0.1, 0.3, 0.9, 1.2])
    cases = [(0.5, -0.5, 1.0, 0.4), (2.0, -0.5, 1.0, 0.4), (-1.0, -np.inf, 0.0, 0.3), (0.2, 0.0, np.inf, 0.3),
             (45.0, 40.0, np.inf, 0.5), (-50.0, -np.inf, -30.0, 0.5), (35.0, -np.inf, 30.0, 0.5),
             (20.5, 20.0, 21.0, 0.5), (0.6, 0.55, 0.56, 2.0), (12.0, 10.0, np.inf, 0.5), (10.5, 10.0, 11.0, 0.5),
             (-9.0, -8.0, 8.0, 0.3)]  # fmt: skip  # direct sums to 1e-280, log space below
    for y, a, b, h in cases:
        got = riskcore.clogs_ensemble(y, x, a, b, bw=h, cens=cens, backend=score_backend)
        want = clogs_oracle(y, x, a, b, h, cens)
        assert math.isfinite(float(got))
        np.testing.assert_allclose(float(got), want, rtol=1e-11, atol=1e-300, err_msg=str((y, a, b, h)))


def test_clogs_default_bandwidth_is_logs_ensembles(score_backend):
    y, x = OBS[:, 0], FCT[:, :, 0]
    inside = riskcore.clogs_ensemble(y, x, -10.0, 10.0, backend=score_backend)
    np.testing.assert_allclose(inside, riskcore.logs_ensemble(y, x), rtol=1e-13)


# ----------------------------------------------------------------------------------------- scoringrules
sr = pytest.importorskip("scoringrules")


def _sr_cases():
    vw = VW
    yield "es", riskcore.energy_score, {}, sr.es_ensemble, {}
    for est in ("fair", "akr", "akr_circperm"):
        yield f"es {est}", riskcore.energy_score, {"estimator": est}, sr.es_ensemble, {"estimator": est}
        yield f"gks {est}", riskcore.gksmv_ensemble, {"estimator": est}, sr.gksmv_ensemble, {"estimator": est}
    yield "es w", riskcore.energy_score, {"weights": ENS_W}, sr.es_ensemble, {"ens_w": ENS_W}
    yield (
        "es w fair",
        riskcore.energy_score,
        {"weights": ENS_W, "estimator": "fair"},
        sr.es_ensemble,
        {"ens_w": ENS_W, "estimator": "fair"},
    )
    yield "gks", riskcore.gksmv_ensemble, {}, sr.gksmv_ensemble, {}
    yield "gks w", riskcore.gksmv_ensemble, {"weights": ENS_W}, sr.gksmv_ensemble, {"ens_w": ENS_W}
    for est in ("nrg", "fair"):
        yield (
            f"vs {est}",
            riskcore.vs_ensemble,
            {"w": vw, "estimator": est},
            sr.vs_ensemble,
            {"w": vw, "estimator": est},
        )
        yield (
            f"vs w {est}",
            riskcore.vs_ensemble,
            {"w": vw, "weights": ENS_W, "estimator": est},
            sr.vs_ensemble,
            {"w": vw, "ens_w": ENS_W, "estimator": est},
        )
        yield (
            f"twvs {est}",
            riskcore.twvs_ensemble,
            {"v_func": v_func, "estimator": est},
            sr.twvs_ensemble,
            {"v_func": v_func, "estimator": est},
        )
    yield "twes", riskcore.twes_ensemble, {"v_func": v_func}, sr.twes_ensemble, {"v_func": v_func}
    yield "twgks", riskcore.twgksmv_ensemble, {"v_func": v_func}, sr.twgksmv_ensemble, {"v_func": v_func}
    for name in ("owes", "vres", "owgksmv", "vrgksmv"):
        for weights in (None, ENS_W):
            yield (
                name,
                getattr(riskcore, f"{name}_ensemble"),
                {"w_func": w_func, "weights": weights},
                getattr(sr, f"{name}_ensemble"),
                {"w_func": w_func, "ens_w": weights},
            )
    for name in ("owvs", "vrvs"):
        for weights in (None, ENS_W):
            yield (
                name,
                getattr(riskcore, f"{name}_ensemble"),
                {"w_func": w_func, "w": vw, "weights": weights},
                getattr(sr, f"{name}_ensemble"),
                {"w_func": w_func, "w": vw, "ens_w": weights},
            )
    yield "dss", riskcore.dssmv_ensemble, {}, sr.dssmv_ensemble, {}
    yield "dss bias", riskcore.dssmv_ensemble, {"bias": True}, sr.dssmv_ensemble, {"bias": True}


@pytest.mark.parametrize("case", list(_sr_cases()), ids=lambda c: c[0])
def test_multivariate_scores_equal_scoringrules(case):
    _, ours, kw, theirs, sr_kw = case
    np.testing.assert_allclose(ours(OBS, FCT, **kw), theirs(OBS, FCT, **sr_kw), rtol=1e-12, atol=1e-14)


def test_univariate_weighted_kernel_scores_and_clogs_equal_scoringrules():
    y, x, ew = OBS[:, 0], FCT[:, :, 0], ENS_W
    wf = lambda z: (z > 0.1) * 1.0  # noqa: E731
    for name in ("owgksuv", "vrgksuv"):
        ours, theirs = getattr(riskcore, f"{name}_ensemble"), getattr(sr, f"{name}_ensemble")
        # atol: forecasts whose weights leave a score near 0 agree to the rounding of O(1) sums
        np.testing.assert_allclose(ours(y, x, 0.1, 2.0), theirs(y, x, 0.1, 2.0), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(
            ours(y, x, w_func=wf, weights=ew), theirs(y, x, w_func=wf, ens_w=ew), rtol=1e-12, atol=1e-15
        )
    for est in ("nrg", "fair", "akr", "akr_circperm"):
        np.testing.assert_allclose(riskcore.twgksuv_ensemble(y, x, 0.1, estimator=est),
                                   sr.twgksuv_ensemble(y, x, 0.1, estimator=est), rtol=1e-12, atol=1e-15)  # fmt: skip
    for cens in (True, False):
        np.testing.assert_allclose(riskcore.clogs_ensemble(y, x, -0.5, 0.5, cens=cens),
                                   sr.clogs_ensemble(y, x, -0.5, 0.5, cens=cens), rtol=1e-12)  # fmt: skip


def test_weighted_fair_kernel_score_differs_from_scoringrules_by_its_diagonal():
    # Decided convention: the weighted fair kernel score drops the i = j pairs (k(x, x) = 1), so that equal
    # weights give the unweighted fair score; scoringrules 0.10 keeps them when weighted (and drops them
    # unweighted), so its weighted fair gks with equal weights is not its own fair gks.
    ours = riskcore.gksmv_ensemble(OBS, FCT, weights=np.ones(M), estimator="fair")
    np.testing.assert_allclose(ours, sr.gksmv_ensemble(OBS, FCT, estimator="fair"), rtol=1e-13)
    theirs = sr.gksmv_ensemble(OBS, FCT, ens_w=np.ones((N, M)), estimator="fair")
    np.testing.assert_allclose(theirs - ours, 0.5 * (1 / M) / (1 - 1 / M), rtol=1e-12)


def test_clogs_stays_finite_where_scoringrules_overflows():
    x = np.array([-0.4, 0.1, 0.3, 0.9, 1.2])
    ours = riskcore.clogs_ensemble(45.0, x, 40.0, bw=0.5)
    with np.errstate(all="ignore"):
        theirs = sr.clogs_ensemble(45.0, x, 40.0, bw=0.5)
    assert np.isinf(theirs) and math.isfinite(float(ours))
    assert float(ours) == pytest.approx(clogs_oracle(45.0, x, 40.0, np.inf, 0.5, True), rel=1e-11)


# ---------------------------------------------------------------------------- layouts, dtypes, backends
def test_a_weight_function_may_return_booleans():
    """An indicator weight (lambda x: x > t) is read as 0/1: the same score as its float version, for
    the multivariate, the univariate kernel and the outcome-weighted CRPS."""

    def as_float(v):
        return np.all(v > 0.2) * 1.0

    def as_bool(v):
        return np.all(v > 0.2)

    np.testing.assert_array_equal(
        riskcore.owes_ensemble(OBS, FCT, w_func=as_bool), riskcore.owes_ensemble(OBS, FCT, w_func=as_float)
    )
    y, x = OBS[:, 0], FCT[:, :, 0]
    for score in (riskcore.owgksuv_ensemble, riskcore.owcrps_ensemble):
        as_number = score(y, x, w_func=lambda z: (z > 0.2) * 1.0)
        np.testing.assert_array_equal(score(y, x, w_func=lambda z: z > 0.2), as_number)
    with pytest.raises(ValueError, match=r"w_func\(fct\) returned shape \(2,\)"):
        riskcore.owcrps_ensemble(y, x, w_func=lambda z: np.ones(2))


def test_axes_broadcasting_and_views(score_backend):
    b = score_backend
    want = riskcore.vs_ensemble(OBS, FCT, w=VW, weights=ENS_W, backend=b)
    moved = np.moveaxis(FCT, (1, 2), (0, 1))  # (m, d, n)
    got = riskcore.vs_ensemble(OBS.T, moved, w=VW, weights=ENS_W.T, m_axis=0, v_axis=1, backend=b)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    batch = riskcore.energy_score(OBS[0], np.stack([FCT, FCT])[:, :, :, :], backend=b)  # obs broadcast
    assert batch.shape == (2, N)
    np.testing.assert_allclose(batch[1], rows("es", "plain", np.repeat(OBS[:1], N, 0), FCT), rtol=1e-13)
    one = riskcore.gksmv_ensemble(OBS[2], FCT[2], backend=b)
    assert np.ndim(one) == 0 and float(one) == pytest.approx(oracle("gks", "plain", OBS[2], FCT[2]), rel=1e-13)
    strided = riskcore.energy_score(OBS[::2], FCT[::2, ::-1], weights=ENS_W[::2, ::-1], backend=b)
    np.testing.assert_allclose(strided, rows("es", "plain", OBS[::2], FCT[::2, ::-1], ENS_W[::2, ::-1]), rtol=1e-13)
    assert riskcore.energy_score(np.zeros((0, D)), np.zeros((0, M, D)), backend=b).shape == (0,)


@pytest.mark.parametrize(
    "call",
    [
        lambda o, f, b: riskcore.energy_score(o, f, weights=np.ones(M, o.dtype), backend=b),
        lambda o, f, b: riskcore.vrvs_ensemble(o, f, w_func=w_func, backend=b),
        lambda o, f, b: riskcore.owgksmv_ensemble(o, f, w_func=w_func, backend=b),
        lambda o, f, b: riskcore.dssmv_ensemble(o, f, backend=b),
        lambda o, f, b: riskcore.clogs_ensemble(o[:, 0], f[:, :, 0], -0.5, 0.5, backend=b),
    ],
)
def test_float32_in_float32_out_and_backends_agree(call):
    o32, f32 = OBS.astype(np.float32), FCT.astype(np.float32)
    cpu, numba = call(o32, f32, "cpu"), call(o32, f32, "numba")
    assert cpu.dtype == numba.dtype == np.float32
    np.testing.assert_allclose(cpu, numba, rtol=1e-6)
    np.testing.assert_allclose(cpu, call(o32.astype(float), f32.astype(float), "cpu"), rtol=1e-5)


def test_cpu_and_numba_agree_on_every_score():
    calls = [riskcore.owes_ensemble, riskcore.vres_ensemble, riskcore.owvs_ensemble, riskcore.vrvs_ensemble,
             riskcore.owgksmv_ensemble, riskcore.vrgksmv_ensemble]  # fmt: skip
    for fn in calls:
        np.testing.assert_allclose(fn(OBS, FCT, w_func=w_func, weights=ENS_W, backend="cpu"),
                                   fn(OBS, FCT, w_func=w_func, weights=ENS_W, backend="numba"), rtol=1e-13)  # fmt: skip
    for est in ("nrg", "fair", "akr", "akr_circperm"):
        for fn in (riskcore.energy_score, riskcore.gksmv_ensemble):
            np.testing.assert_allclose(
                fn(OBS, FCT, estimator=est, backend="cpu"), fn(OBS, FCT, estimator=est, backend="numba"), rtol=1e-13
            )


def test_nan_propagates_and_zero_weight_ensembles_are_nan(score_backend):
    b = score_backend
    fct = FCT.copy()
    fct[1, 2, 0] = np.nan
    for fn in (riskcore.energy_score, riskcore.gksmv_ensemble, riskcore.vs_ensemble, riskcore.dssmv_ensemble):
        out = fn(OBS, fct, backend=b)
        assert np.isnan(out[1]) and np.isfinite(np.delete(out, 1)).all()
    none = riskcore.owes_ensemble(OBS, FCT, w_func=lambda z: 0.0, backend=b)
    assert np.isnan(none).all()
    assert (riskcore.vres_ensemble(OBS, FCT, w_func=lambda z: 0.0, backend=b) == 0).all()


def test_cuda_runs_every_score_and_gradient():
    if not riskcore.backends()["cuda"].available:
        pytest.skip(f"no CUDA backend: {riskcore.backends()['cuda'].reason}")
    np.testing.assert_allclose(riskcore.energy_score(OBS, FCT, estimator="fair", backend="cuda"),
                               rows("es", "plain", OBS, FCT, estimator="fair"), rtol=1e-13)  # fmt: skip
    for score in (lambda b: riskcore.gksmv_ensemble(OBS, FCT, backend=b),
                  lambda b: riskcore.energy_score(OBS, FCT, weights=ENS_W, backend=b),
                  lambda b: riskcore.vs_ensemble(OBS, FCT, w=VW, weights=ENS_W, backend=b),
                  lambda b: riskcore.dssmv_ensemble(OBS, FCT, backend=b),
                  lambda b: riskcore.clogs_ensemble(OBS[:, 0], FCT[:, :, 0], -0.5, 0.5, backend=b)):  # fmt: skip
        cuda, cpu = score("cuda"), score("cpu")
        assert type(cuda) is np.ndarray
        np.testing.assert_allclose(cuda, cpu, rtol=1e-13)
    for est in ("nrg", "fair", "akr", "akr_circperm"):
        weights = ENS_W if est in ("nrg", "fair") else None
        cuda = riskcore.energy_score_grad(OBS, FCT, weights=weights, estimator=est, backend="cuda")
        assert type(cuda) is np.ndarray
        cpu = riskcore.energy_score_grad(OBS, FCT, weights=weights, estimator=est, backend="cpu")
        np.testing.assert_allclose(cuda, cpu, rtol=1e-13, atol=1e-15)  # entries are sums of O(1) terms
    for est in ("nrg", "fair"):
        for p in (0.5, 1.0, 2.5):
            kw = {"w": VW, "p": p, "weights": ENS_W, "estimator": est}
            cuda, cpu = (riskcore.vs_ensemble_grad(OBS, FCT, backend=b, **kw) for b in ("cuda", "cpu"))
            np.testing.assert_allclose(cuda, cpu, rtol=1e-13, atol=1e-15)


# --------------------------------------------------------------------------------------- gradients
def central_difference(score, fct, h=1e-6):
    grad = np.empty_like(fct)
    for idx in np.ndindex(fct.shape):
        up, down = fct.copy(), fct.copy()
        up[idx] += h
        down[idx] -= h
        grad[idx] = (score(up) - score(down)).sum() / (2 * h)
    return grad


@pytest.mark.parametrize("estimator", ["nrg", "fair", "akr", "akr_circperm"])
def test_energy_score_grad_is_the_derivative(cpu_or_numba, estimator):
    weights = ENS_W[:2] if estimator in ("nrg", "fair") else None
    obs, fct = OBS[:2], FCT[:2]
    got = riskcore.energy_score_grad(obs, fct, weights=weights, estimator=estimator, backend=cpu_or_numba)
    want = central_difference(lambda f: riskcore.energy_score(obs, f, weights=weights, estimator=estimator), fct)
    assert got.shape == fct.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("estimator", ["nrg", "fair"])
@pytest.mark.parametrize("p", [0.5, 1.0, 2.0, 2.5])
def test_variogram_score_grad_is_the_derivative(cpu_or_numba, estimator, p):
    obs, fct = OBS[:2], FCT[:2]
    got = riskcore.vs_ensemble_grad(obs, fct, w=VW, p=p, weights=ENS_W[:2], estimator=estimator, backend=cpu_or_numba)
    score = lambda f: riskcore.vs_ensemble(obs, f, w=VW, p=p, weights=ENS_W[:2], estimator=estimator)  # noqa: E731
    np.testing.assert_allclose(got, central_difference(score, fct), rtol=1e-6, atol=1e-8)


def test_energy_score_grad_in_one_dimension_is_the_crps_gradient(cpu_or_numba):
    y, x = OBS[:, 0], FCT[:, :, 0]
    for est in ("nrg", "fair", "akr", "akr_circperm"):
        got = riskcore.energy_score_grad(y[:, None], x[:, :, None], estimator=est, backend=cpu_or_numba)[:, :, 0]
        np.testing.assert_allclose(got, riskcore.crps_ensemble_grad(y, x, estimator=est), rtol=1e-13, atol=1e-15)


def test_gradients_keep_the_axes_and_agree_across_backends():
    moved = np.moveaxis(FCT, (1, 2), (0, 1))  # (m, d, n)
    grad = riskcore.vs_ensemble_grad(OBS.T, moved, m_axis=0, v_axis=1, backend="cpu")
    np.testing.assert_allclose(np.moveaxis(grad, (0, 1), (1, 2)), riskcore.vs_ensemble_grad(OBS, FCT), rtol=1e-13)
    for fn in (riskcore.energy_score_grad, riskcore.vs_ensemble_grad):
        for est in ("nrg", "fair"):
            cpu = fn(OBS, FCT, weights=ENS_W, estimator=est, backend="cpu")
            numba = fn(OBS, FCT, weights=ENS_W, estimator=est, backend="numba")
            np.testing.assert_allclose(cpu, numba, rtol=1e-13, atol=1e-15)  # entries are sums of O(1) terms
    f32 = riskcore.energy_score_grad(OBS.astype(np.float32), FCT.astype(np.float32))
    assert f32.dtype == np.float32 and f32.shape == FCT.shape
    nan = FCT.copy()
    nan[0, 0, 0] = np.nan
    g = riskcore.energy_score_grad(OBS, nan)
    assert np.isnan(g[0]).all() and np.isfinite(g[1:]).all()


# ---------------------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: riskcore.energy_score([0.0], [1.0, 2.0]), ValueError, "member and a variable axis"),
        (lambda: riskcore.energy_score(OBS, FCT, m_axis=1, v_axis=-2), ValueError, "must differ"),
        (lambda: riskcore.energy_score(OBS[:, :2], FCT), ValueError, "variables"),
        (lambda: riskcore.energy_score(OBS, FCT, v_axis=3), ValueError, "axis=3"),
        (lambda: riskcore.energy_score(OBS, FCT, estimator="pwm"), ValueError, "estimator"),
        (lambda: riskcore.energy_score(OBS, FCT[:, :1], estimator="fair"), ValueError, "at least 2"),
        (lambda: riskcore.energy_score(OBS, FCT, weights=-ENS_W), ValueError, "weights must be finite and >= 0"),
        (lambda: riskcore.energy_score(OBS, FCT, weights=np.ones(M + 1)), ValueError, "does not broadcast"),
        (lambda: riskcore.energy_score(OBS, FCT, weights=ENS_W, estimator="akr"), ValueError, "takes no weights"),
        (lambda: riskcore.energy_score(OBS.astype(complex), FCT), TypeError, "real numeric dtype"),
        (lambda: riskcore.vs_ensemble(OBS, FCT, p=0.0), ValueError, "p"),
        (lambda: riskcore.vs_ensemble(OBS, FCT, w=-VW), ValueError, "w must be in"),
        (lambda: riskcore.vs_ensemble(OBS, FCT, w=np.ones((2, 2))), ValueError, r"w must have shape \(\.\.\., d, d\)"),
        (lambda: riskcore.vs_ensemble(OBS, FCT, estimator="akr"), ValueError, "estimator"),
        (lambda: riskcore.owes_ensemble(OBS, FCT, w_func=3), TypeError, "w_func must be callable"),
        (lambda: riskcore.owes_ensemble(OBS, FCT, w_func=lambda z: -1.0), ValueError, r"w_func\(obs\) must be in"),
        (lambda: riskcore.owvs_ensemble(OBS, FCT, w_func=np.abs), ValueError, "one number per vector"),
        (lambda: riskcore.twes_ensemble(OBS, FCT, v_func=lambda z: z.sum()), ValueError, "keep the shape"),
        (lambda: riskcore.twgksmv_ensemble(OBS, FCT, v_func=None), TypeError, "v_func must be callable"),
        (lambda: riskcore.dssmv_ensemble(OBS, FCT[:, :3]), ValueError, "more members than variables"),
        (lambda: riskcore.dssmv_ensemble(OBS, FCT, bias=np.ones(2)), TypeError, "bias"),
        (lambda: riskcore.clogs_ensemble(0.0, [1.0, 2.0], 1.0, 1.0), ValueError, "a must be < b"),
        (lambda: riskcore.clogs_ensemble(0.0, [1.0, 2.0], bw=0.0), ValueError, "bw must be in"),
        (lambda: riskcore.clogs_ensemble(0.0, [1.0, 2.0], cens="yes"), TypeError, "cens"),
        (lambda: riskcore.clogs_ensemble(0.0, [1.0]), ValueError, "at least 2 members"),
        (lambda: riskcore.clogs_ensemble(0.0, [1.0, 2.0], np.nan), ValueError, "a contains NaN"),
        (lambda: riskcore.owgksuv_ensemble(0.0, [1.0, 2.0], 2.0, 1.0), ValueError, "a must be < b"),
        (lambda: riskcore.twgksuv_ensemble(0.0, [1.0, 2.0], v_func="max"), TypeError, "v_func must be callable"),
        (lambda: riskcore.gksmv_ensemble(OBS, FCT, backend="gpu"), ValueError, "backend must be"),
    ],
)
def test_bad_inputs_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
