"""Log scores -log f(y) against scipy's logpdf/logpmf in the bulk and mpmath far in the tails (where
scipy's truncated laws and the textbook forms underflow), the same numbers from every backend, the
categorical log and ranked log scores against their definitions and scoringrules, and bad inputs."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import stats

import riskcore

mp = pytest.importorskip("mpmath")

# (riskcore function, kwargs, scipy frozen law, observations inside/outside the support)
BULK = [
    (riskcore.logs_normal, {"mu": 0.3, "sigma": 1.7}, stats.norm(0.3, 1.7), [-30.0, -1.0, 0.3, 4.0]),
    (riskcore.logs_logistic, {"mu": -1.0, "sigma": 0.6}, stats.logistic(-1.0, 0.6), [-300.0, -1.0, 0.5, 400.0]),
    (riskcore.logs_laplace, {"location": 2.0, "scale": 0.8}, stats.laplace(2.0, 0.8), [-30.0, 2.0, 5.0]),
    (riskcore.logs_t, {"df": 3.5, "location": 1.0, "scale": 2.0}, stats.t(3.5, 1.0, 2.0), [-1e4, 0.0, 1.0, 7.0]),
    (riskcore.logs_exponential, {"rate": 1.5}, stats.expon(scale=1 / 1.5), [-1.0, 0.0, 0.3, 40.0]),
    (riskcore.logs_exponential2, {"location": 0.5, "scale": 2.0}, stats.expon(0.5, 2.0), [0.0, 0.5, 3.0]),
    (riskcore.logs_uniform, {"lower": -1.0, "upper": 3.0}, stats.uniform(-1.0, 4.0), [-2.0, -1.0, 0.0, 3.0, 4.0]),
    (riskcore.logs_gamma, {"shape": 2.5, "rate": 1.3}, stats.gamma(2.5, scale=1 / 1.3), [-1.0, 0.0, 0.7, 30.0]),
    (riskcore.logs_gamma, {"shape": 1.0, "rate": 2.0}, stats.gamma(1.0, scale=0.5), [0.0, 1.0]),
    (riskcore.logs_beta, {"a": 2.0, "b": 3.0, "lower": -1.0, "upper": 2.0}, stats.beta(2, 3, -1, 3), [-2, -0.5, 1.9]),
    (riskcore.logs_lognormal, {"mulog": 0.2, "sigmalog": 0.5}, stats.lognorm(0.5, scale=math.exp(0.2)), [-1, 0.1, 9]),
    (
        riskcore.logs_loglaplace,
        {"locationlog": 0.2, "scalelog": 0.5},
        stats.loglaplace(2.0, scale=math.exp(0.2)),
        [-1.0, 0.1, 1.2, 9.0],
    ),
    (
        riskcore.logs_loglogistic,
        {"mulog": 0.2, "sigmalog": 0.5},
        stats.fisk(2.0, scale=math.exp(0.2)),
        [-1.0, 0.1, 1.2, 9.0],
    ),
    (riskcore.logs_gev, {"shape": 0.3, "location": 1.0, "scale": 2.0}, stats.genextreme(-0.3, 1.0, 2.0), [-9, 0, 5]),
    (riskcore.logs_gev, {"shape": -0.4, "location": 0.0, "scale": 1.0}, stats.genextreme(0.4), [-3.0, 0.0, 2.6]),
    (riskcore.logs_gev, {"shape": 0.0, "location": 0.5, "scale": 1.5}, stats.genextreme(0.0, 0.5, 1.5), [-3.0, 9.0]),
    (riskcore.logs_gpd, {"shape": 0.3, "location": 0.0, "scale": 1.5}, stats.genpareto(0.3, 0.0, 1.5), [-1, 0, 4]),
    (riskcore.logs_gpd, {"shape": -0.5, "location": 0.0, "scale": 1.0}, stats.genpareto(-0.5), [0.5, 1.9, 2.5]),
    (
        riskcore.logs_tnormal,
        {"location": 0.5, "scale": 1.0, "lower": 0.0, "upper": 2.0},
        stats.truncnorm(-0.5, 1.5, 0.5, 1.0),
        [-1.0, 0.0, 1.0, 2.0, 3.0],
    ),
    (riskcore.logs_binomial, {"n": 10, "prob": 0.3}, stats.binom(10, 0.3), [-1.0, 0.0, 3.0, 3.5, 10.0, 11.0]),
    (riskcore.logs_poisson, {"mean": 2.5}, stats.poisson(2.5), [-1.0, 0.0, 3.0, 2.5, 60.0]),
    (riskcore.logs_negbinom, {"n": 2.5, "prob": 0.4}, stats.nbinom(2.5, 0.4), [-1.0, 0.0, 3.0, 3.2, 80.0]),
    (riskcore.logs_hypergeometric, {"m": 5, "n": 7, "k": 4}, stats.hypergeom(12, 5, 4), [-1.0, 0.0, 2.0, 4.0, 5.0]),
]


def _scipy_logs(law, y):
    with np.errstate(divide="ignore"):
        if hasattr(law, "logpmf"):
            return -np.array([law.logpmf(v) if v == math.floor(v) else -np.inf for v in y])
        return -law.logpdf(np.array(y, dtype=float))


@pytest.mark.parametrize("case", BULK, ids=lambda c: c[0].__name__)
def test_matches_scipy(backend, case):
    fn, kwargs, law, y = case
    got = fn(np.array(y, dtype=float), **kwargs, backend=backend)
    np.testing.assert_allclose(got, _scipy_logs(law, y), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("case", BULK, ids=lambda c: c[0].__name__)
def test_cpu_and_numba_agree(case):
    fn, kwargs, _, y = case
    y = np.array(y, dtype=float)
    np.testing.assert_allclose(fn(y, **kwargs, backend="cpu"), fn(y, **kwargs, backend="numba"), rtol=1e-14)


def test_two_piece_laws(backend):
    y = np.array([-3.0, -0.1, 0.1, 0.2, 5.0])
    s1, s2, m = 0.4, 2.0, 0.1
    z = y - m
    s = np.where(z < 0, s1, s2)
    np.testing.assert_allclose(
        riskcore.logs_2pexponential(y, s1, s2, m, backend=backend), np.abs(z) / s + np.log(s1 + s2), rtol=1e-14
    )
    want = -np.log(2 / (s1 + s2) * stats.norm.pdf(z / s))
    np.testing.assert_allclose(riskcore.logs_2pnormal(y, s1, s2, m, backend=backend), want, rtol=1e-14)


# ------------------------------------------------------------------ tails, against mpmath (50 digits)
def _mp_trunc(logpdf, sf, cdf, y, mu, s, lo, hi):
    """-log f_T(y) with the interval's mass from its tail."""
    y, mu, s = mp.mpf(y), mp.mpf(mu), mp.mpf(s)
    a, b = (mp.mpf(lo) - mu) / s, (mp.mpf(hi) - mu) / s
    mass = sf(a) - sf(b) if a >= 0 else cdf(b) - cdf(a)
    return -logpdf((y - mu) / s) + mp.log(s) + mp.log(mass)


def _t_funcs(df):
    df = mp.mpf(df)
    c = mp.loggamma((df + 1) / 2) - mp.loggamma(df / 2) - mp.log(df * mp.pi) / 2

    def tail(z):
        return mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + z * z), regularized=True) / 2

    return (
        lambda z: c - (df + 1) / 2 * mp.log(1 + z * z / df),
        lambda z: tail(z) if z > 0 else 1 - tail(z),
        lambda z: tail(z) if z < 0 else 1 - tail(z),
    )


TAIL_INTERVALS = [(-math.inf, math.inf), (3.0, math.inf), (12.0, 13.0), (40.0, math.inf), (-41.0, -40.0), (-2.0, 0.5)]


def _tail_points():
    for lo, hi in TAIL_INTERVALS:
        for frac in (0.0, 0.3, 1.0):
            if math.isinf(lo) or math.isinf(hi):
                y = (lo + 0.5 if math.isfinite(lo) else hi - 0.5) if not (math.isinf(lo) and math.isinf(hi)) else 0.7
            else:
                y = lo + frac * (hi - lo)
            yield y, lo, hi


@pytest.mark.parametrize("family", ["tnormal", "tlogistic", "tt"])
def test_truncated_laws_far_in_the_tails(backend, family):
    points = sorted(set(_tail_points()))
    with mp.workdps(50):
        if family == "tnormal":
            funcs = (lambda z: -z * z / 2 - mp.log(2 * mp.pi) / 2, lambda z: mp.ncdf(-z), mp.ncdf)
        elif family == "tlogistic":
            funcs = (
                lambda z: -abs(z) - 2 * mp.log1p(mp.exp(-abs(z))),
                lambda z: 1 / (1 + mp.exp(z)),
                lambda z: 1 / (1 + mp.exp(-z)),
            )
        else:
            funcs = _t_funcs(4.0)
        want = [
            float(_mp_trunc(*funcs, y, 0.2, 1.5, 1.5 * lo + 0.2, 1.5 * hi + 0.2))
            for y, lo, hi in [(1.5 * y + 0.2, lo, hi) for y, lo, hi in points]
        ]
    y, lo, hi = (np.array(c) for c in zip(*points, strict=True))
    y, lo, hi = 1.5 * y + 0.2, 1.5 * lo + 0.2, 1.5 * hi + 0.2
    fn = getattr(riskcore, f"logs_{family}")
    got = fn(y, 4.0, 0.2, 1.5, lo, hi, backend=backend) if family == "tt" else fn(y, 0.2, 1.5, lo, hi, backend=backend)
    np.testing.assert_allclose(got, want, rtol=1e-12 if family != "tt" else 1e-10)


def test_gev_small_shape_against_mpmath(backend):
    xs, ys = [-1e-300, -1e-9, 1e-9, 1e-4, 0.2], [-5.0, 0.0, 0.4, 9.0]
    points = list(itertools.product(ys, xs))
    with mp.workdps(60):
        want = []
        for y, xi in points:
            z, xi_ = mp.mpf(y), mp.mpf(xi)
            if 1 + xi_ * z <= 0:
                want.append(math.inf)
                continue
            lt = mp.log1p(xi_ * z)  # log t without rounding t = 1 + xi z
            want.append(float(lt + lt / xi_ + mp.exp(-lt / xi_)))
    y, xi = (np.array(c) for c in zip(*points, strict=True))
    np.testing.assert_allclose(riskcore.logs_gev(y, xi, backend=backend), want, rtol=1e-13)


def test_log_density_option_and_nan(backend):
    assert float(riskcore.logs_normal(0.5, negative=False, backend=backend)) == pytest.approx(stats.norm.logpdf(0.5))
    assert np.isnan(riskcore.logs_poisson(np.nan, 2.0, backend=backend))
    assert np.isnan(riskcore.logs_tnormal(np.nan, 0.0, 1.0, 0.0, backend=backend))


def test_float32_and_broadcasting(backend):
    y = np.linspace(0.1, 3, 8, dtype=np.float32).reshape(2, 4)
    got = riskcore.logs_gamma(y, np.float32(2.0), scale=np.float32(1.5), backend=backend)
    assert got.shape == (2, 4) and got.dtype == np.float32
    np.testing.assert_allclose(got, -stats.gamma(2.0, scale=1.5).logpdf(y.astype(float)), rtol=2e-6)


def test_negbinom_mu_and_mixnorm():
    np.testing.assert_allclose(riskcore.logs_negbinom(3, 2.0, mu=3.0), riskcore.logs_negbinom(3, 2.0, 0.4), rtol=1e-15)
    m, s, w = np.array([-1.0, 0.5, 2.0]), np.array([0.5, 1.0, 0.3]), np.array([0.2, 0.5, 0.3])
    y = np.array([-40.0, 0.0, 1.3, 60.0])
    with mp.workdps(40):
        want = [float(-mp.log(sum(wk * mp.npdf(yi, mk, sk) for mk, sk, wk in zip(m, s, w, strict=True)))) for yi in y]
    np.testing.assert_allclose(riskcore.logs_mixnorm(y, m, s, 10 * w), want, rtol=1e-13)


def test_agrees_with_scoringrules():
    sr = pytest.importorskip("scoringrules")
    y = np.array([0.2, 1.0, 3.0])
    for ours, theirs in [
        (riskcore.logs_normal(y, 0.3, 1.2), sr.logs_normal(y, 0.3, 1.2)),
        (riskcore.logs_t(y, 4.0, 0.3, 1.2), sr.logs_t(y, 4.0, 0.3, 1.2)),
        (riskcore.logs_gev(y, 0.2, 0.1, 1.3), sr.logs_gev(y, 0.2, 0.1, 1.3)),
        (riskcore.logs_tnormal(y, 0.3, 1.2, 0.0, 4.0), sr.logs_tnormal(y, 0.3, 1.2, 0.0, 4.0)),
        (riskcore.logs_loglogistic(y, 0.1, 0.4), sr.logs_loglogistic(y, 0.1, 0.4)),
        (riskcore.logs_2pnormal(y, 0.5, 2.0, 0.7), sr.logs_2pnormal(y, 0.5, 2.0, 0.7)),
        (riskcore.logs_binomial(np.floor(y), 10, 0.3), sr.logs_binomial(np.floor(y), 10, 0.3)),
        (riskcore.logs_mixnorm(y, [0.0, 1.0], [1.0, 0.5]), sr.logs_mixnorm(y, [0.0, 1.0], [1.0, 0.5], [0.5, 0.5])),
    ]:
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


# ------------------------------------------------------------------------- categorical log scores
def test_log_score_definition():
    p = np.array([0.0, 0.25, 0.75, 1.0])
    with np.errstate(divide="ignore"):
        np.testing.assert_allclose(riskcore.log_score(np.array([1, 1, 0, 0]), p), -np.log([0.0, 0.25, 0.25, 0.0]))
    assert np.isnan(riskcore.log_score(np.nan, 0.3))


def test_rls_score_definition_and_peer():
    p = np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.0, 0.25, 0.25]])
    obs = np.array([3, 1])
    cum = np.cumsum(p, axis=-1)
    observed = (np.arange(1, 5) >= obs[:, None]).astype(float)
    want = -np.log(np.abs(cum + observed - 1)).sum(axis=-1)
    np.testing.assert_allclose(riskcore.rls_score(obs, p), want, rtol=1e-15)
    onehot = np.eye(4)[obs - 1]
    np.testing.assert_allclose(riskcore.rls_score(onehot, p, onehot=True), want, rtol=1e-15)
    sr = pytest.importorskip("scoringrules")
    np.testing.assert_allclose(riskcore.rls_score(onehot, p, onehot=True), sr.rls_score(onehot, p, onehot=True))
    np.testing.assert_allclose(riskcore.rls_score(obs, p.T, axis=0), want, rtol=1e-15)


BAD = [
    (lambda: riskcore.logs_normal(0.0, 0.0, 0.0), ValueError, "sigma must be > 0"),
    (lambda: riskcore.logs_t(0.0, 0.0), ValueError, "df must be > 0"),
    (lambda: riskcore.logs_tt(0.0, 1.0), ValueError, "df must be > 1"),
    (lambda: riskcore.logs_gamma(1.0, 2.0), ValueError, "exactly one of rate and scale"),
    (lambda: riskcore.logs_beta(0.5, -1.0, 1.0), ValueError, "a must be > 0"),
    (lambda: riskcore.logs_uniform(0.5, 1.0, 0.0), ValueError, "lower must be < upper"),
    (lambda: riskcore.logs_binomial(1.0, 2.5, 0.3), ValueError, "n must be an integer"),
    (lambda: riskcore.logs_poisson(1.0, -2.0), ValueError, "mean must be >= 0"),
    (lambda: riskcore.logs_hypergeometric(1.0, 2, 2, 5), ValueError, "k must be <= m \\+ n"),
    (lambda: riskcore.logs_tnormal(0.0, 0.0, 1.0, 1.0, 0.0), ValueError, "lower must be < upper"),
    (lambda: riskcore.logs_normal(0.0, negative="no"), TypeError, "negative must be a bool"),
    (lambda: riskcore.logs_mixnorm(0.0, [0.0], [-1.0]), ValueError, "s must be > 0"),
    (lambda: riskcore.log_score(2, 0.5), ValueError, "obs must be 0, 1 or NaN"),
    (lambda: riskcore.log_score(1, 1.5), ValueError, "fct"),
    (lambda: riskcore.rls_score(5, [0.5, 0.5]), ValueError, "obs must be a category in 1..2"),
    (lambda: riskcore.rls_score(1, [0.5, 0.5], onehot=1), TypeError, "onehot must be a bool"),
    (lambda: riskcore.logs_poisson("a", 1.0), TypeError, "obs"),
]


@pytest.mark.parametrize("call, error, message", BAD)
def test_bad_inputs(call, error, message):
    with pytest.raises(error, match=message):
        call()
