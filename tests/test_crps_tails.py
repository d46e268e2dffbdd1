"""Closed forms far in the tails against mpmath (50 digits; the textbook formulas, whose cancellation
that precision absorbs), and the same numbers from every backend."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import riskcore

mp = pytest.importorskip("mpmath")
mp.mp.dps = 50
RTOL = 1e-12


def _q(x):
    return mp.erfc(x / mp.sqrt(2)) / 2


def _phi(x):
    return mp.erfc(-x / mp.sqrt(2)) / 2


def _between(lo, u):
    """P(lo < X <= u) for N(0, 1), from the tail that keeps it exact."""
    return _q(lo) - _q(u) if lo >= 0 else _phi(u) - _phi(lo)


def gtc_normal_oracle(w, lo, u, lmass, umass):
    """Jordan, Krueger & Lerch (2019) gtcnormal at 50 digits (standardised: mu = 0, sigma = 1)."""
    w, lo, u = mp.mpf(w), mp.mpf(lo), mp.mpf(u)
    z = min(max(w, lo), u)
    d = _between(lo, u)
    inner = 1 - lmass - umass
    c = inner / d
    f_z = _between(lo, z) / d  # truncated CDF at z
    pdf = mp.npdf
    s1 = abs(w - z) + (u * umass**2 if umass else 0) - (lo * lmass**2 if lmass else 0)
    s2 = z * (2 * (lmass + inner * f_z) - 1)  # c z (2 Phi(z) - ((1 - 2L) Phi(u) + (1 - 2U) Phi(lo)) / inner)
    s3 = c * (2 * pdf(z) - (2 * pdf(u) * umass if umass else 0) - (2 * pdf(lo) * lmass if lmass else 0))
    s4 = c**2 * _between(lo * mp.sqrt(2), u * mp.sqrt(2)) / mp.sqrt(mp.pi)
    return s1 + s2 + s3 - s4


def test_gtc_oracle_is_the_integral():
    """The oracle itself against quadrature of (F - H)^2 (so the tail sweep rests on the definition)."""
    for w, lo, u, lm, um in ((0.3, -0.5, 1.5, 0.2, 0.1), (6.1, 6.0, mp.inf, 0.0, 0.0), (-1.0, -2.0, 0.5, 0.0, 0.3)):
        d = _between(mp.mpf(lo), mp.mpf(u))

        def cdf(x, lo=lo, lm=lm, um=um, d=d):
            return lm + (1 - lm - um) * _between(mp.mpf(lo), x) / d

        c = min(max(w, lo), u)
        quad = abs(w - c) + mp.quad(lambda x: cdf(x) ** 2, [lo, c]) + mp.quad(lambda x: (1 - cdf(x)) ** 2, [c, u])
        assert float(gtc_normal_oracle(w, lo, u, lm, um)) == pytest.approx(float(quad), rel=1e-20)


def _interval_cases():
    for lo in (-40.0, -8.0, -3.0, -0.5, 0.0, 0.5, 3.0, 6.0, 9.0, 12.0, 20.0, 40.0):
        for u in (lo + 0.5, lo + 3.0, math.inf):
            for w in (lo - 1.0, lo + 1e-3, lo + 0.1, lo + 1.0, u + 1.0 if u < math.inf else lo + 30.0):
                yield w, lo, u
        yield -lo - 0.3, -math.inf, -lo


CASES = list(_interval_cases())


def check_normal_on_intervals(backend, kind, cases):
    """crps_truncated_normal / crps_censored_normal at (w, lo, u) cases against gtc_normal_oracle."""
    w, lo, u = (np.array(v) for v in zip(*cases, strict=True))
    fn = riskcore.crps_truncated_normal if kind == "truncated" else riskcore.crps_censored_normal
    got = fn(w, 0.0, 1.0, lo, u, backend=backend)
    want = []
    for wi, li, ui in cases:
        lm, um = (0, 0) if kind == "truncated" else (_phi(li), _q(ui))
        want.append(float(gtc_normal_oracle(wi, li, ui, lm, um)))
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=0)


@pytest.mark.parametrize("kind", ["truncated", "censored"])
def test_normal_on_interval_tail_sweep(backend, kind):
    check_normal_on_intervals(backend, kind, CASES)


def test_gtcnormal_with_point_masses(backend):
    cases = [(w, lo, u) for w, lo, u in CASES if np.isfinite(lo) and np.isfinite(u)]
    w, lo, u = (np.array(v) for v in zip(*cases, strict=True))
    got = riskcore.crps_gtcnormal(2.0 * w + 1.0, 1.0, 2.0, 2.0 * lo + 1.0, 2.0 * u + 1.0, 0.2, 0.3, backend=backend)
    want = [2.0 * float(gtc_normal_oracle(wi, li, ui, mp.mpf("0.2"), mp.mpf("0.3"))) for wi, li, ui in cases]
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=0)


def test_the_cases_of_issue_13(backend):
    assert float(riskcore.crps_truncated_normal(6.1, 0.0, 1.0, 6.0, backend=backend)) == pytest.approx(
        0.0310596645573, rel=1e-11
    )
    assert float(riskcore.crps_censored_normal(0.5, -10.0, 1.0, 0.0, backend=backend)) == pytest.approx(0.5, rel=1e-15)
    assert np.isfinite(riskcore.crps_truncated_normal(9.5, 0.0, 1.0, 9.0, backend=backend))


def gev_oracle(y, xi, loc=0.0, scale=1.0):
    """Friederichs & Thorarinsdottir (2012) with 50 digits beyond those that 1/xi cancels (Gumbel
    limit at xi = 0)."""
    with mp.workdps(50 + (0 if xi == 0 else max(0, int(-math.log10(abs(xi)))))):
        return +_gev_oracle(y, xi, loc, scale)


def _gev_oracle(y, xi, loc, scale):
    z = (mp.mpf(y) - loc) / scale
    xi = mp.mpf(xi)
    if xi == 0:
        return scale * (-z + 2 * mp.e1(mp.exp(-z)) + mp.euler - mp.log(2))
    t = 1 + xi * z
    const = (1 - (2 - mp.power(2, xi)) * mp.gamma(1 - xi)) / xi
    if t <= 0:
        cdf, g = (0, 0) if xi > 0 else (1, (mp.gamma(1 - xi) - 1) / xi)
    else:
        x = mp.power(t, -1 / xi)
        cdf = mp.exp(-x)
        g = (-cdf + mp.gammainc(1 - xi, x)) / xi
    return scale * (z * (2 * cdf - 1) - 2 * g - const)


GEV_SHAPES = [-5.0, -0.9, -0.3, -1e-3, -1e-6, -1e-10, -1e-300, 0.0, 1e-300, 1e-10, 1e-6, 1e-3, 0.05, 0.3, 0.7, 0.95]
GEV_OBS = [-30.0, -4.0, -1.0, -0.2, 0.0, 0.3, 1.0, 3.0, 10.0, 40.0, 2e3]  # 2e3: e^-z underflows at xi = 0


def test_gev_sweep_through_zero_shape(backend):
    xi, y = (a.ravel() for a in np.meshgrid(GEV_SHAPES, GEV_OBS))
    got = riskcore.crps_gev(y, xi, 0.5, 1.5, backend=backend)
    want = [float(gev_oracle(yi, xii, 0.5, 1.5)) for yi, xii in zip(y, xi, strict=True)]
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=0)


@pytest.mark.parametrize(
    "fn, args",
    [
        (riskcore.crps_truncated_normal, lambda w, lo, u: (w, 0.0, 1.0, lo, u)),
        (riskcore.crps_censored_normal, lambda w, lo, u: (w, 0.0, 1.0, lo, u)),
        (riskcore.crps_gtcnormal, lambda w, lo, u: (w, 0.0, 1.0, lo, u, 0.0, 0.0)),
    ],
    ids=["truncated", "censored", "gtc"],
)
def test_cpu_and_numba_agree_in_the_tails(fn, args):
    w, lo, u = (np.array(v) for v in zip(*CASES, strict=True))
    np.testing.assert_allclose(fn(*args(w, lo, u), backend="cpu"), fn(*args(w, lo, u), backend="numba"), rtol=1e-13)


def test_gev_cpu_and_numba_agree():
    xi, y = (a.ravel() for a in np.meshgrid(GEV_SHAPES, GEV_OBS))
    np.testing.assert_allclose(
        riskcore.crps_gev(y, xi, backend="cpu"), riskcore.crps_gev(y, xi, backend="numba"), rtol=1e-13
    )


def _ncdf(x):
    return mp.ncdf(x)


def _normal(y, mu, s):
    z = (mp.mpf(y) - mu) / s
    return s * (z * (2 * _ncdf(z) - 1) + 2 * mp.npdf(z) - 1 / mp.sqrt(mp.pi))


def _logistic(y, mu, s):
    z = (mp.mpf(y) - mu) / s
    return s * (z + 2 * mp.log(1 + mp.exp(-z)) - 1)


def _laplace(y, m, s):
    z = abs((mp.mpf(y) - m) / s)
    return s * (z + mp.exp(-z) - mp.mpf(3) / 4)


def _exponential(y, r):
    y = mp.mpf(y)
    cdf = 1 - mp.exp(-r * y) if y > 0 else 0
    return abs(y) - 2 * cdf / r + 1 / (2 * mp.mpf(r))


def _lognormal(y, m, s):
    y = mp.mpf(y)
    w = (mp.log(y) - m) / s
    return y * (2 * _ncdf(w) - 1) - 2 * mp.exp(m + s * s / 2) * (_ncdf(w - s) + _ncdf(s / mp.sqrt(2)) - 1)


def _gamma(y, a, b):
    y = mp.mpf(y)

    def p(a, x):
        return mp.gammainc(a, 0, x, regularized=True)

    return y * (2 * p(a, b * y) - 1) - a / mp.mpf(b) * (2 * p(a + 1, b * y) - 1) - 1 / (b * mp.beta(0.5, a))


def _student_t(y, df, m, s):
    z = (mp.mpf(y) - m) / s
    df = mp.mpf(df)
    tail = mp.betainc(df / 2, 0.5, 0, df / (df + z * z), regularized=True) / 2
    cdf = 1 - tail if z > 0 else tail
    pdf = mp.gamma((df + 1) / 2) / (mp.gamma(df / 2) * mp.sqrt(df * mp.pi)) * (1 + z * z / df) ** (-(df + 1) / 2)
    c = 2 * mp.sqrt(df) * mp.beta(0.5, df - 0.5) / ((df - 1) * mp.beta(0.5, df / 2) ** 2)
    return s * (z * (2 * cdf - 1) + 2 * pdf * (df + z * z) / (df - 1) - c)


# (riskcore function, mpmath closed form, grid of (obs, *parameters) swept into the tails)
FAMILIES = {
    "normal": (riskcore.crps_normal, _normal, [[-1e6, -40, -8, -1, 0, 0.3, 5, 38, 1e8], [0, 2.5], [1e-3, 1, 1e3]]),
    "logistic": (
        riskcore.crps_logistic,
        _logistic,
        [[-1e6, -800, -40, -1, 0, 0.3, 5, 38, 750, 1e8], [0, 2.5], [1e-3, 1, 1e3]],
    ),
    "laplace": (riskcore.crps_laplace, _laplace, [[-1e6, -40, -1, 0, 1e-9, 0.3, 5, 38, 1e8], [0, 2.5], [1e-3, 1, 1e3]]),
    "exponential": (riskcore.crps_exponential, _exponential, [[-5, 0, 1e-9, 0.3, 5, 38, 1e8], [1e-3, 1, 1e3]]),
    "lognormal": (
        riskcore.crps_lognormal,
        _lognormal,
        [[1e-30, 1e-5, 0.3, 1, 5, 1e3, 1e30], [-3, 0, 2.5], [1e-3, 0.5, 1, 3, 8]],
    ),
    "gamma": (
        riskcore.crps_gamma,
        _gamma,
        [[1e-30, 1e-5, 0.3, 1, 5, 80, 1e3, 1e4, 1e5], [1e-3, 0.3, 1, 7, 80, 1e4], [1e-2, 1, 30]],
    ),
    "t": (
        riskcore.crps_t,
        _student_t,
        [[-1e6, -40, -1, 0, 0.3, 5, 1e8], [1.001, 1.5, 3, 30, 1e3], [0, 2], [0.1, 1, 10]],
    ),
}


@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_tail_sweep(backend, family):
    fn, oracle, grid = FAMILIES[family]
    points = list(itertools.product(*grid))
    columns = [np.array(c, dtype=float) for c in zip(*points, strict=True)]
    want = [float(oracle(*p)) for p in points]
    np.testing.assert_allclose(fn(*columns, backend=backend), want, rtol=RTOL, atol=0)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_cpu_and_numba_agree(family):
    fn, _, grid = FAMILIES[family]
    columns = [np.array(c, dtype=float) for c in zip(*itertools.product(*grid), strict=True)]
    cpu, numba = fn(*columns, backend="cpu"), fn(*columns, backend="numba")
    # 1e-13 relative, or one ulp of the observation where the score is a difference of obs-sized terms
    # (the lognormal at sigmalog = 1e-3 scores 2e-4 from terms of size 1: both backends are within the
    # sweep's RTOL of mpmath there, but not within 1e-13 of each other)
    bound = 1e-13 * np.abs(numba) + np.finfo(float).eps * np.abs(columns[0])
    assert np.all(np.abs(cpu - numba) <= bound), np.max(np.abs(cpu - numba) / bound)


# --------------------------------------------------------------------------------- narrow intervals
def _family_cdf(family, x, df=4):
    if family == "normal":
        return mp.ncdf(x)
    if family == "logistic":
        return 1 / (1 + mp.exp(-x))
    tail = mp.betainc(mp.mpf(df) / 2, 0.5, 0, df / (df + x * x), regularized=True) / 2
    return 1 - tail if x > 0 else tail


def gtc_quadrature_oracle(family, w, lo, u, lmass, umass):
    """The definition |w - c| + int_l^c F^2 + int_c^u (1 - F)^2 (standardised law; F = lmass + kappa x the
    truncated CDF on [lo, u)), by quadrature at 50 digits: no closed form's cancellation enters."""
    w, lo, u = mp.mpf(w), mp.mpf(lo), mp.mpf(u)
    g_lo, kappa = _family_cdf(family, lo), 1 - lmass - umass
    d = _family_cdf(family, u) - g_lo

    def cdf(x):
        return lmass + kappa * (_family_cdf(family, x) - g_lo) / d

    c = min(max(w, lo), u)
    return abs(w - c) + mp.quad(lambda x: cdf(x) ** 2, [lo, c]) + mp.quad(lambda x: (1 - cdf(x)) ** 2, [c, u])


NARROW = [
    (lo + width * at, lo, lo + width)
    for width in (1e-8, 1e-5, 1e-3, 0.05, 0.3, 0.49)
    for lo in (-9.0, -3.0, -0.2, 0.0, 0.4, 4.0)
    for at in (-0.5, 0.3, 1.7)
]
GTC = {
    "normal": lambda b, w, lo, u, lm, um: riskcore.crps_gtcnormal(w, 0.0, 1.0, lo, u, lm, um, backend=b),
    "logistic": lambda b, w, lo, u, lm, um: riskcore.crps_gtclogistic(w, 0.0, 1.0, lo, u, lm, um, backend=b),
    "t": lambda b, w, lo, u, lm, um: riskcore.crps_gtct(w, 4.0, 0.0, 1.0, lo, u, lm, um, backend=b),
}


@pytest.mark.costly_oracle
@pytest.mark.parametrize("masses", [(0.0, 0.0), (0.1, 0.2)])
@pytest.mark.parametrize("family", list(GTC))
def test_narrow_intervals_against_quadrature(backend, family, masses):
    """Intervals down to 1e-8 sigma wide, where the closed forms' differences cancel by about width^3
    (they gave 4e-3 relative at 1e-4 sigma, 4e-6 at 1e-3): the Gauss-Legendre path keeps RTOL."""
    w, lo, u = (np.array(v) for v in zip(*NARROW, strict=True))
    got = GTC[family](backend, w, lo, u, *masses)
    want = [float(gtc_quadrature_oracle(family, *p, mp.mpf(masses[0]), mp.mpf(masses[1]))) for p in NARROW]
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=0)


@pytest.mark.parametrize("kind", ["truncated", "censored"])
def test_narrow_normal_intervals_against_the_closed_form_oracle(backend, kind):
    check_normal_on_intervals(backend, kind, NARROW)
