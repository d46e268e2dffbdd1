"""Closed forms far in the tails against mpmath (50 digits; the textbook formulas, whose cancellation
that precision absorbs), and the same numbers from every backend."""

from __future__ import annotations

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


@pytest.mark.parametrize("kind", ["truncated", "censored"])
def test_normal_on_interval_tail_sweep(backend, kind):
    w, lo, u = (np.array(v) for v in zip(*CASES, strict=True))
    fn = riskcore.crps_truncated_normal if kind == "truncated" else riskcore.crps_censored_normal
    got = fn(w, 0.0, 1.0, lo, u, backend=backend)
    want = []
    for wi, li, ui in CASES:
        lm, um = (0, 0) if kind == "truncated" else (_phi(li), _q(ui))
        want.append(float(gtc_normal_oracle(wi, li, ui, lm, um)))
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=0)


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
GEV_OBS = [-30.0, -4.0, -1.0, -0.2, 0.0, 0.3, 1.0, 3.0, 10.0, 40.0]


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
