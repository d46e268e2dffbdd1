"""Closed-form CRPS against numerical integration of (F - H)^2 with scipy's CDFs."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from oracles import crps_by_integration
from scipy import special, stats

import riskcore

# (function, parameters, scipy distribution with the same parameters, support)
CASES = [
    (riskcore.crps_normal, {"mu": 0.3, "sigma": 1.7}, stats.norm(0.3, 1.7)),
    (riskcore.crps_logistic, {"mu": -1.0, "sigma": 0.6}, stats.logistic(-1.0, 0.6)),
    (riskcore.crps_laplace, {"location": 2.0, "scale": 0.8}, stats.laplace(2.0, 0.8)),
    (riskcore.crps_exponential, {"rate": 1.5}, stats.expon(scale=1 / 1.5)),
    (riskcore.crps_uniform, {"lower": -1.0, "upper": 3.0}, stats.uniform(-1.0, 4.0)),
    (riskcore.crps_lognormal, {"mulog": 0.2, "sigmalog": 0.5}, stats.lognorm(0.5, scale=np.exp(0.2))),
    (riskcore.crps_gamma, {"shape": 2.5, "rate": 1.3}, stats.gamma(2.5, scale=1 / 1.3)),
    (riskcore.crps_gamma, {"shape": 0.4, "rate": 2.0}, stats.gamma(0.4, scale=0.5)),
    (riskcore.crps_t, {"df": 3.5, "location": 1.0, "scale": 2.0}, stats.t(3.5, 1.0, 2.0)),
    (riskcore.crps_t, {"df": 1.5, "location": 0.0, "scale": 1.0}, stats.t(1.5)),
    (riskcore.crps_gev, {"shape": 0.3, "location": 1.0, "scale": 2.0}, stats.genextreme(-0.3, 1.0, 2.0)),
    (riskcore.crps_gev, {"shape": -0.4, "location": 0.0, "scale": 1.0}, stats.genextreme(0.4)),
    (riskcore.crps_gev, {"shape": 0.0, "location": 0.5, "scale": 1.5}, stats.genextreme(0.0, 0.5, 1.5)),
    (
        riskcore.crps_truncated_normal,
        {"mu": 0.5, "sigma": 1.0, "lower": 0.0, "upper": 2.0},
        stats.truncnorm(-0.5, 1.5, 0.5, 1.0),
    ),
    (
        riskcore.crps_truncated_normal,
        {"mu": 0.0, "sigma": 2.0, "lower": -1.0, "upper": np.inf},
        stats.truncnorm(-0.5, np.inf, 0.0, 2.0),
    ),
]
OBS = [-3.0, -0.7, 0.0, 0.4, 1.1, 2.5, 6.0]


@pytest.mark.parametrize("fn, params, dist", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_closed_form_matches_integral(backend, fn, params, dist):
    got = fn(np.array(OBS), **params, backend=backend)
    want = [crps_by_integration(y, dist.cdf) for y in OBS]
    np.testing.assert_allclose(got, want, rtol=2e-8, atol=1e-9)


@pytest.mark.parametrize("lower, upper", [(0.0, np.inf), (-np.inf, 1.0), (-0.5, 1.5)])
def test_censored_normal_matches_integral(backend, lower, upper):
    mu, sigma = 0.4, 1.2
    base = stats.norm(mu, sigma)

    def cdf(z):  # point masses at the bounds: F jumps there
        return 0.0 if z < lower else (1.0 if z >= upper else base.cdf(z))

    got = riskcore.crps_censored_normal(np.array(OBS), mu, sigma, lower, upper, backend=backend)
    want = [
        crps_by_integration(
            y,
            cdf,
            min(lower, y) - 1 if np.isfinite(lower) else -np.inf,
            max(upper, y) + 1 if np.isfinite(upper) else np.inf,
        )
        for y in OBS
    ]
    np.testing.assert_allclose(got, want, rtol=2e-8, atol=1e-9)


def test_mixture_of_normals_matches_integral(backend):
    m, s, w = np.array([-1.0, 0.5, 2.0]), np.array([0.5, 1.0, 0.3]), np.array([0.2, 0.5, 0.3])

    def cdf(z):
        return float((w * stats.norm.cdf(z, m, s)).sum())

    got = riskcore.crps_mixnorm(np.array(OBS), m, s, w, backend=backend)
    np.testing.assert_allclose(got, [crps_by_integration(y, cdf) for y in OBS], rtol=2e-8, atol=1e-9)


def test_mixture_with_one_component_is_normal(backend):
    got = riskcore.crps_mixnorm(
        np.array(OBS)[:, None] * 0 + np.array(OBS)[:, None], [[0.3]], [[1.7]], axis=-1, backend=backend
    )
    np.testing.assert_allclose(
        got[:, 0] if got.ndim == 2 else got, riskcore.crps_normal(np.array(OBS), 0.3, 1.7), rtol=1e-13
    )


def test_broadcasting_and_dtype(backend):
    obs = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    sigma = np.array([0.5, 1.0, 2.0, 4.0], dtype=np.float32)
    got = riskcore.crps_normal(obs, 0.0, sigma, backend=backend)
    assert got.shape == (3, 4) and got.dtype == np.float32
    want = riskcore.crps_normal(obs.astype(np.float64), 0.0, sigma.astype(np.float64), backend=backend)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert isinstance(riskcore.crps_normal(0.0, 0.0, 1.0, backend=backend), np.floating)


def test_numba_threads_split_the_elements_without_changing_a_bit():
    """Above 2^15 elements per thread the Numba closed forms run on slices from several threads: each
    element's score is the one-thread score, for array and broadcast (length-1) parameters alike."""
    numba = pytest.importorskip("numba")
    from riskcore._numba import crps_parametric as numba_kernel

    rng = np.random.default_rng(7)
    n = 3 * 2**15 + 7
    obs, scale = rng.normal(size=n) * 3, np.exp(rng.normal(size=n) * 0.3)
    cases = [("normal", [obs, np.array([0.2]), scale]), ("t", [obs, np.array([4.0]), rng.normal(size=n), scale])]
    threads = numba.get_num_threads()
    try:
        for name, args in cases:
            numba.set_num_threads(1)
            one = numba_kernel(name, args)
            numba.set_num_threads(min(3, numba.config.NUMBA_NUM_THREADS))
            several = numba_kernel(name, args)
            np.testing.assert_array_equal(several, one)
        z = (obs - 0.2) / scale  # every slice scored its own elements: the formula, elementwise
        density = np.exp(-z * z / 2) / np.sqrt(2 * np.pi)
        want = scale * (z * (2 * special.ndtr(z) - 1) + 2 * density - 1 / np.sqrt(np.pi))
        np.testing.assert_allclose(numba_kernel("normal", cases[0][1]), want, rtol=1e-12)
    finally:
        numba.set_num_threads(threads)


def test_matches_scoringrules():
    sr = pytest.importorskip("scoringrules")
    rng = np.random.default_rng(0)
    y = rng.normal(size=100) * 2
    pairs = [
        (riskcore.crps_normal(y, 0.2, 1.3), sr.crps_normal(y, 0.2, 1.3)),
        (riskcore.crps_logistic(y, 0.2, 1.3), sr.crps_logistic(y, 0.2, 1.3)),
        (riskcore.crps_laplace(y, 0.2, 1.3), sr.crps_laplace(y, 0.2, 1.3)),
        (riskcore.crps_t(y, 4.0, 0.2, 1.3), sr.crps_t(y, 4.0, 0.2, 1.3)),
        (riskcore.crps_gev(y, 0.2, 0.1, 1.3), sr.crps_gev(y, 0.2, 0.1, 1.3)),
        (riskcore.crps_gamma(np.abs(y), 2.0, 1.5), sr.crps_gamma(np.abs(y), 2.0, 1.5)),
        (riskcore.crps_lognormal(np.abs(y), 0.1, 0.7), sr.crps_lognormal(np.abs(y), 0.1, 0.7)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_numba_special_functions_match_scipy():
    from riskcore._numba import special as nb

    for a in (0.3, 1.0, 2.5, 20.0):
        for x in (1e-3, 0.5, 1.0, 3.0, 25.0):
            p, p_next = nb.gamma_p_pair(a, x)
            assert p == pytest.approx(special.gammainc(a, x), rel=1e-12, abs=1e-15)
            assert p_next == pytest.approx(special.gammainc(a + 1.0, x), rel=1e-12, abs=1e-15)
            assert nb.gamma_q(a, x) == pytest.approx(special.gammaincc(a, x), rel=1e-11, abs=1e-15)
    for a, b in ((0.5, 0.5), (2.0, 0.5), (10.0, 3.0)):
        for x in (0.01, 0.3, 0.7, 0.99):
            assert nb.beta_inc(a, b, x) == pytest.approx(special.betainc(a, b, x), rel=1e-11)
    for x in (1e-4, 0.3, 1.0, 2.0, 30.0):
        assert nb.upper_gamma_log(0.0, math.log(x)) == pytest.approx(special.exp1(x), rel=1e-13)
        for a in (-0.9, -0.3, -1e-8, 1e-8, 0.5, 3.0, 12.0):
            want = float(mpmath.gammainc(a, x))  # upper incomplete gamma, any real a
            assert nb.upper_gamma_log(a, math.log(x)) == pytest.approx(want, rel=1e-13)
    for a in (-0.9, -1e-8, 0.0, 1e-8, 0.5):  # x = e^-800 underflows; the x < 1 branch only needs log x
        want = float(mpmath.gammainc(a, mpmath.exp(-800)))
        assert nb.upper_gamma_log(a, -800.0) == pytest.approx(want, rel=1e-13)
    for x in (-5.0, -0.3, 0.0, 0.7, 5.0, 9.99, 10.01, 40.0, 1e5):
        assert nb.erfcx(x) == pytest.approx(special.erfcx(x), rel=2e-15)


def test_numba_digamma_and_incomplete_gamma_shape_slope_match_mpmath():
    """psi, psi(x + h) - psi(x) (no difference of two ~log x values) and dP(a, x)/da (series below
    x = a + 1, forward-differentiated continued fraction above) against mpmath at 40 digits."""
    from riskcore._numba import special as nb

    with mpmath.workdps(40):
        for x in (1e-3, 0.5, 1.0, 9.99, 10.0, 37.0, 1e4, 1e8):
            assert nb.digamma(x) == pytest.approx(float(mpmath.digamma(x)), rel=1e-15, abs=1e-16)
            want = float(mpmath.digamma(mpmath.mpf(x) + 0.5) - mpmath.digamma(x))
            assert nb.digamma_difference(x, 0.5) == pytest.approx(want, rel=4e-15)
        for a in (1e-3, 0.3, 1.0, 7.0, 80.0, 1e4):
            for x in (1e-5, 0.3, 1.0, 0.9 * a, a + 1.0, 1.2 * a + 3.0, 5.0 * a + 30.0):
                ma, mx = mpmath.mpf(a), mpmath.mpf(x)
                g = float(mx**ma * mpmath.exp(-mx) / mpmath.gamma(ma + 1))
                lr = float(mpmath.log(mx) - mpmath.digamma(ma + 1))
                lower, upper, sign = (0, mx, 1) if x < a + 1 else (mx, mpmath.inf, -1)  # dP = -dQ: no 1 - Q
                slope = mpmath.diff(lambda s, lo=lower, hi=upper: mpmath.gammainc(s, lo, hi, regularized=True), ma)
                want = sign * float(slope)
                assert nb.gamma_p_shape_slope(a, x, g, lr) == pytest.approx(want, rel=1e-11, abs=1e-300)


def test_gamma_takes_rate_or_scale(backend):
    y = np.array([0.2, 1.0, 4.0])
    np.testing.assert_allclose(
        riskcore.crps_gamma(y, 2.0, scale=0.5, backend=backend),
        riskcore.crps_gamma(y, 2.0, 2.0, backend=backend),
        rtol=1e-15,
    )
    with pytest.raises(ValueError, match="exactly one of rate and scale"):
        riskcore.crps_gamma(y, 2.0, backend=backend)
    with pytest.raises(ValueError, match="exactly one of rate and scale"):
        riskcore.crps_gamma(y, 2.0, 1.0, scale=1.0, backend=backend)
    with pytest.raises(ValueError, match="scale must be in"):
        riskcore.crps_gamma(y, 2.0, scale=-1.0, backend=backend)


def test_mixnorm_normalises_weights(backend):
    m, s, w = [-1.0, 0.5, 2.0], [0.5, 1.0, 0.3], np.array([0.2, 0.5, 0.3])
    np.testing.assert_allclose(
        riskcore.crps_mixnorm(0.4, m, s, 10 * w, backend=backend),
        riskcore.crps_mixnorm(0.4, m, s, w, backend=backend),
        rtol=1e-14,
    )


def test_gtcnormal_special_cases(backend):
    y = np.array(OBS)
    np.testing.assert_allclose(
        riskcore.crps_gtcnormal(y, 0.4, 1.2, -0.5, 1.5, backend=backend),
        riskcore.crps_truncated_normal(y, 0.4, 1.2, -0.5, 1.5, backend=backend),
        rtol=1e-15,
    )
    lm, um = stats.norm.cdf(-0.5, 0.4, 1.2), stats.norm.sf(1.5, 0.4, 1.2)
    np.testing.assert_allclose(
        riskcore.crps_gtcnormal(y, 0.4, 1.2, -0.5, 1.5, lm, um, backend=backend),
        riskcore.crps_censored_normal(y, 0.4, 1.2, -0.5, 1.5, backend=backend),
        rtol=1e-13,
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lmass": -0.1, "lower": 0.0}, "lmass must be in"),
        ({"umass": 1.5, "upper": 0.0}, "umass must be in"),
        ({"lmass": 0.6, "umass": 0.4, "lower": 0.0, "upper": 1.0}, "lmass \\+ umass must be < 1"),
        ({"lmass": 0.1}, "lmass > 0 needs a finite lower"),
        ({"umass": 0.1}, "umass > 0 needs a finite upper"),
        ({"scale": 0.0}, "scale must be > 0"),
        ({"lower": 1.0, "upper": 0.0}, "lower must be < upper"),
    ],
)
def test_gtcnormal_rejects_invalid_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        riskcore.crps_gtcnormal(0.0, **kwargs)
