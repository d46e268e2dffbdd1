"""The closed forms of riskcore.crps.families against the definition CRPS = int (F - H_y)^2, evaluated
in mpmath (quadrature of F^2 below y and S^2 above it, with S = 1 - F written from the tail so the
oracle does not cancel; exact sums for the integer laws), swept into the tails; the same numbers from
every backend; and the invalid parameters each function refuses."""

from __future__ import annotations

import inspect
import itertools
import math

import numpy as np
import pytest

import riskcore

mp = pytest.importorskip("mpmath")
RTOL = 1e-12


def quad_crps(y, cdf, sf, lo=-mp.inf, hi=mp.inf, points=()):
    """int_lo^y F^2 + int_y^hi S^2 (+ the distance from y to the support), breakpoints at the kinks."""
    y = mp.mpf(y)
    out = mp.mpf(0)
    if y < lo:
        out += lo - y
    if y > hi:
        out += y - hi
    c = min(max(y, lo), hi)
    kinks = sorted({mp.mpf(p) for p in points if lo < p < hi} | {c})
    below = [lo, *[k for k in kinks if k < c], c]
    above = [c, *[k for k in kinks if k > c], hi]
    if c > lo:
        out += mp.quad(lambda z: cdf(z) ** 2, below)
    if c < hi:
        out += mp.quad(lambda z: sf(z) ** 2, above)
    return out


def _ncdf(z):
    return mp.ncdf(z)


def _nsf(z):
    return mp.ncdf(-z)


# ------------------------------------------------------------------------- mpmath laws (cdf, sf)
def two_piece_exponential(s1, s2, m):
    s1, s2 = mp.mpf(s1), mp.mpf(s2)
    below = s1 / (s1 + s2)

    def cdf(z):
        return below * mp.exp((z - m) / s1) if z < m else 1 - sf(z)

    def sf(z):
        return s2 / (s1 + s2) * mp.exp(-(z - m) / s2) if z >= m else 1 - cdf(z)

    return cdf, sf, (m,)


def two_piece_normal(s1, s2, m):
    s1, s2 = mp.mpf(s1), mp.mpf(s2)

    def cdf(z):
        return 2 * s1 / (s1 + s2) * _ncdf((z - m) / s1) if z < m else 1 - sf(z)

    def sf(z):
        return 2 * s2 / (s1 + s2) * _nsf((z - m) / s2) if z >= m else 1 - cdf(z)

    return cdf, sf, (m,)


def beta_law(a, b, lo, hi):
    def cdf(z):
        return mp.betainc(a, b, 0, (z - lo) / (mp.mpf(hi) - lo), regularized=True)

    def sf(z):
        return mp.betainc(a, b, (z - lo) / (mp.mpf(hi) - lo), 1, regularized=True)

    return cdf, sf


def csg0_law(a, rate, shift):
    def cdf(z):
        return mp.gammainc(a, 0, rate * (z + shift), regularized=True)

    def sf(z):
        return mp.gammainc(a, rate * (z + shift), mp.inf, regularized=True)

    return cdf, sf


def gpd_law(xi, m, s, mass):
    xi = mp.mpf(xi)

    def surv(z):  # of the continuous part
        w = (z - m) / s
        if xi == 0:
            return mp.exp(-w)
        t = 1 + xi * w
        return mp.mpf(0) if t <= 0 else t ** (-1 / xi)

    return (lambda z: mass + (1 - mass) * (1 - surv(z))), (lambda z: (1 - mass) * surv(z))


def exponential_m(mass, m, s):
    return (lambda z: mass + (1 - mass) * -mp.expm1(-(z - m) / s)), (lambda z: (1 - mass) * mp.exp(-(z - m) / s))


def log_laplace(m, s):
    def cdf(z):
        w = (mp.log(z) - m) / s
        return mp.exp(w) / 2 if w < 0 else 1 - mp.exp(-w) / 2

    def sf(z):
        return 1 - cdf(z) if z < mp.exp(m) else mp.exp(-(mp.log(z) - m) / s) / 2

    return cdf, sf, (mp.exp(m),)


def log_logistic(m, s):
    def cdf(z):
        return 1 / (1 + mp.exp(-(mp.log(z) - m) / s))

    def sf(z):
        return 1 / (1 + mp.exp((mp.log(z) - m) / s))

    return cdf, sf, (mp.exp(m),)


def logistic_law():
    return (lambda z: 1 / (1 + mp.exp(-z))), (lambda z: 1 / (1 + mp.exp(z)))


def t_law(df):
    df = mp.mpf(df)

    def tail(z):  # P(T > |z|)
        return mp.betainc(df / 2, mp.mpf(1) / 2, 0, df / (df + z * z), regularized=True) / 2

    return (lambda z: tail(z) if z < 0 else 1 - tail(z)), (lambda z: tail(z) if z > 0 else 1 - tail(z))


def gtc(y, cdf, sf, mu, sigma, lower, upper, lmass, umass):
    """CRPS of the law (cdf, sf) standardised by (mu, sigma), truncated to [lower, upper], with point
    masses: quadrature of the definition, F_T from the tail the interval lies in."""
    y, mu, sigma = mp.mpf(y), mp.mpf(mu), mp.mpf(sigma)
    lo, hi = (mp.mpf(lower) - mu) / sigma, (mp.mpf(upper) - mu) / sigma
    w = (y - mu) / sigma
    upper_tail = lo >= 0
    mass = sf(lo) - sf(hi) if upper_tail else cdf(hi) - cdf(lo)
    kappa = 1 - lmass - umass

    def cdf_t(z):
        return (sf(lo) - sf(z)) / mass if upper_tail else (cdf(z) - cdf(lo)) / mass

    def sf_t(z):
        return (sf(z) - sf(hi)) / mass if upper_tail else (cdf(hi) - cdf(z)) / mass

    def g_cdf(z):
        return lmass + kappa * cdf_t(z)

    def g_sf(z):
        return umass + kappa * sf_t(z)

    return sigma * quad_crps(w, g_cdf, g_sf, lo, hi, (0,))


def discrete_crps(y, pmf, lo, hi):
    """sum over integers k of int_k^{k+1} (F(k) - H_y)^2, with S summed from the top (exact in mpmath)."""
    y = mp.mpf(y)
    probs = [pmf(k) for k in range(lo, hi + 1)]
    cdf = list(itertools.accumulate(probs))
    sf = [*list(itertools.accumulate(reversed(probs)))[::-1][1:], mp.mpf(0)]  # sf[i] = sum_{j > i}
    out = max(lo - y, 0) + max(y - hi, 0)
    for i, k in enumerate(range(lo, hi)):
        frac = min(max(y - k, 0), 1)
        out += frac * cdf[i] ** 2 + (1 - frac) * sf[i] ** 2
    return out


# (id, riskcore function, grid of (obs, *params), mpmath oracle taking the same arguments)
def _o_2pexp(y, s1, s2, m):
    cdf, sf, pts = two_piece_exponential(s1, s2, m)
    return quad_crps(y, cdf, sf, points=pts)


def _o_2pnorm(y, s1, s2, m):
    cdf, sf, pts = two_piece_normal(s1, s2, m)
    return quad_crps(y, cdf, sf, points=pts)


def _o_beta(y, a, b, lo, hi):
    cdf, sf = beta_law(a, b, lo, hi)
    return quad_crps(y, cdf, sf, lo, hi)


def _o_csg0(y, a, rate, shift):
    cdf, sf = csg0_law(a, rate, shift)
    return quad_crps(y, cdf, sf, 0, mp.inf)


def _o_gpd(y, xi, m, s, mass):
    cdf, sf = gpd_law(xi, m, s, mass)
    hi = mp.inf if xi >= 0 else m - s / mp.mpf(xi)
    return quad_crps(y, cdf, sf, m, hi)


def _o_expm(y, mass, m, s):
    cdf, sf = exponential_m(mass, m, s)
    return quad_crps(y, cdf, sf, m, mp.inf)


def _o_loglaplace(y, m, s):
    cdf, sf, pts = log_laplace(m, s)
    return quad_crps(y, cdf, sf, 0, mp.inf, pts)


def _o_loglogistic(y, m, s):
    cdf, sf, pts = log_logistic(m, s)
    return quad_crps(y, cdf, sf, 0, mp.inf, pts)


def _o_uniform(y, lo, hi, lmass, umass):
    kappa = 1 - lmass - umass
    span = mp.mpf(hi) - lo
    return quad_crps(y, lambda z: lmass + kappa * (z - lo) / span, lambda z: umass + kappa * (hi - z) / span, lo, hi)


def _o_gtclogis(y, mu, s, lo, hi, lm, um):
    return gtc(y, *logistic_law(), mu, s, lo, hi, mp.mpf(lm), mp.mpf(um))


def _o_gtct(y, df, mu, s, lo, hi, lm, um):
    return gtc(y, *t_law(df), mu, s, lo, hi, mp.mpf(lm), mp.mpf(um))


INF = math.inf
CONTINUOUS = {
    "2pexponential": (
        riskcore.crps_2pexponential,
        [[-1e6, -30, -1, 0.1, 0.11, 2, 40, 1e7], [1e-3, 0.5, 3], [0.2, 2.0], [0.1]],
        _o_2pexp,
    ),
    "2pnormal": (
        riskcore.crps_2pnormal,
        [[-1e6, -30, -1, 0.1, 0.11, 2, 40, 1e7], [1e-3, 0.5, 3], [0.2, 2.0], [0.1]],
        _o_2pnorm,
    ),
    "beta": (
        riskcore.crps_beta,
        [
            [-1, 0, 1e-6, 0.3, 0.5, 0.99, 0.999, 1.5],
            [0.2, 2.0, 30.0, 400.0],
            [0.5, 4.0, 400.0],
            [0.0, -2.0],
            [1.0, 5.0],
        ],
        _o_beta,
    ),
    "csg0": (
        lambda y, a, rate, shift, backend: riskcore.crps_csg0(y, a, rate, shift=shift, backend=backend),
        [[-2, 0, 1e-6, 0.5, 3, 60], [0.3, 2.0, 20.0], [0.5, 3.0], [0.0, 0.4, 5.0]],
        lambda y, a, r, d: _o_csg0(y, a, r, d),
    ),
    "gpd": (
        riskcore.crps_gpd,
        [[-3, 0, 1e-6, 0.3, 2, 40, 1e6], [-2.0, -0.3, -1e-9, 0.0, 1e-9, 0.3, 0.9], [0.0, 1.0], [1.5], [0.0, 0.2]],
        _o_gpd,
    ),
    "exponentialM": (
        riskcore.crps_exponentialM,
        [[-3, 0.2, 0.2001, 1, 40, 1e6], [0.0, 0.3, 0.999], [0.2], [0.01, 2.0]],
        _o_expm,
    ),
    "loglaplace": (
        riskcore.crps_loglaplace,
        [[-1, 0, 1e-8, 0.5, 1.3, 10, 1e5], [-2.0, 0.3], [0.05, 0.4, 0.9]],
        _o_loglaplace,
    ),
    "loglogistic": (
        riskcore.crps_loglogistic,
        [[-1, 0, 1e-8, 0.5, 1.3, 10, 1e5], [-2.0, 0.3], [0.05, 0.4, 0.9]],
        _o_loglogistic,
    ),
    "uniform": (
        riskcore.crps_uniform,
        [[-1e6, -1, 0.0, 0.3, 1.0, 3.0, 1e6], [0.0, -1e3], [1.0, 1e3], [0.0, 0.2], [0.0, 0.1]],
        _o_uniform,
    ),
    "gtclogistic": (
        riskcore.crps_gtclogistic,
        [
            [-800.5, -35.0, -1.0, 0.3, 5.5, 40.2, 750.3],
            [0.0],
            [1.0],
            [-INF, -800.0, -1.0, 5.0, 40.0],
            [-799.0, 2.0, 41.0, INF],
            [0.0, 0.2],
            [0.0, 0.3],
        ],
        _o_gtclogis,
    ),
    "gtct": (
        riskcore.crps_gtct,
        [
            [-30.5, -1.0, 0.3, 5.5, 90.0],
            [1.5, 3.0, 30.0],
            [0.0],
            [1.0],
            [-INF, -1.0, 5.0],
            [2.0, 12.0, INF],
            [0.0, 0.2],
            [0.0, 0.3],
        ],
        _o_gtct,
    ),
}


def _valid(family, point):
    if family in ("gtclogistic", "gtct"):
        lo, hi, lm, um = point[-4:]
        return lo < hi and (lm == 0 or math.isfinite(lo)) and (um == 0 or math.isfinite(hi))
    return True


def _points(family):
    _, grid, _ = CONTINUOUS[family]
    return [p for p in itertools.product(*grid) if _valid(family, p)]


def _columns(points):
    return [np.array(c, dtype=float) for c in zip(*points, strict=True)]


# Families whose closed form cancels somewhere in the sweep; the loss is stated here (and in their
# docstrings): gtct on short intervals far out, csg0 where nearly all the mass sits at 0 (the score is
# then ~1e-17 and the formula's O(1) terms cancel: relative accuracy there is lost, absolute ~1e-15), beta
# at a = b = 400 (2.3e-12: at the median the score is 2 g - ratio, terms 5x its size, and g = x^a (1-x)^b
# / (a B(a, b)) carries the lgamma(a + b) eps ~ 1e-12 error of log B in its exponent).
TOLERANCE = {"gtct": 2e-10, "loglogistic": 1e-11, "beta": 5e-12, "csg0": 1e-12}
ABSOLUTE = {"csg0": 2e-15}


@pytest.mark.slow
@pytest.mark.parametrize("family", list(CONTINUOUS))
def test_tail_sweep_against_mpmath(backend, family):
    fn, _, oracle = CONTINUOUS[family]
    points = _points(family)
    with mp.workdps(30):
        want = [float(oracle(*p)) for p in points]
    got = fn(*_columns(points), backend=backend)
    np.testing.assert_allclose(got, want, rtol=TOLERANCE.get(family, RTOL), atol=ABSOLUTE.get(family, 0))


@pytest.mark.parametrize("family", list(CONTINUOUS))
def test_one_point_against_mpmath(backend, family):
    """A fast subset of the sweep (the first, middle and last points of the grid)."""
    fn, _, oracle = CONTINUOUS[family]
    points = _points(family)
    points = [points[0], points[len(points) // 2], points[-1]]
    with mp.workdps(30):
        want = [float(oracle(*p)) for p in points]
    np.testing.assert_allclose(fn(*_columns(points), backend=backend), want, rtol=TOLERANCE.get(family, RTOL), atol=0)


@pytest.mark.parametrize("family", list(CONTINUOUS))
def test_cpu_and_numba_agree(family):
    """Backends agree to 1e-13 relative, or within the family's stated absolute accuracy where its formula
    cancels (csg0: both backends are within 2e-15 of mpmath there, but round differently: the C++
    instruction-set clones may contract a * b + c into FMAs, Numba does not)."""
    fn, _, _ = CONTINUOUS[family]
    cols = _columns(_points(family))
    atol = ABSOLUTE.get(family, 1e-300)
    np.testing.assert_allclose(fn(*cols, backend="cpu"), fn(*cols, backend="numba"), rtol=1e-13, atol=atol)


def test_truncated_and_censored_are_gtc(backend):
    y = np.array([-3.0, -0.2, 0.4, 1.7, 6.0])
    lo, hi = -0.5, 1.5
    np.testing.assert_allclose(
        riskcore.crps_tlogistic(y, 0.3, 1.2, lo, hi, backend=backend),
        riskcore.crps_gtclogistic(y, 0.3, 1.2, lo, hi, backend=backend),
        rtol=1e-15,
    )
    lm, um = 1 / (1 + math.exp(-(lo - 0.3) / 1.2)), 1 / (1 + math.exp((hi - 0.3) / 1.2))
    np.testing.assert_allclose(
        riskcore.crps_clogistic(y, 0.3, 1.2, lo, hi, backend=backend),
        riskcore.crps_gtclogistic(y, 0.3, 1.2, lo, hi, lm, um, backend=backend),
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        riskcore.crps_tt(y, 4.0, 0.3, 1.2, lo, hi, backend=backend),
        riskcore.crps_gtct(y, 4.0, 0.3, 1.2, lo, hi, backend=backend),
        rtol=1e-15,
    )
    np.testing.assert_allclose(
        riskcore.crps_gtct(y, 4.0, 0.3, 1.2, backend=backend),
        riskcore.crps_t(y, 4.0, 0.3, 1.2, backend=backend),
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        riskcore.crps_gtclogistic(y, 0.3, 1.2, backend=backend),
        riskcore.crps_logistic(y, 0.3, 1.2, backend=backend),
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        riskcore.crps_tnormal(y, 0.3, 1.2, lo, hi, backend=backend),
        riskcore.crps_truncated_normal(y, 0.3, 1.2, lo, hi, backend=backend),
        rtol=0,
    )
    np.testing.assert_allclose(
        riskcore.crps_cnormal(y, 0.3, 1.2, lo, hi, backend=backend),
        riskcore.crps_censored_normal(y, 0.3, 1.2, lo, hi, backend=backend),
        rtol=0,
    )


def test_ct_matches_mpmath(backend):
    cdf, sf = t_law(4.0)
    for y, lo, hi in ((0.5, 0.0, 2.0), (-3.0, -1.0, 1.0), (30.0, 20.0, INF)):
        with mp.workdps(30):
            z_lo, z_hi = mp.mpf(lo) / 2, mp.mpf(hi) / 2
            want = gtc(y, cdf, sf, 0, 2, lo, hi, cdf(z_lo), sf(z_hi))
        got = riskcore.crps_ct(y, 4.0, 0.0, 2.0, lo, hi, backend=backend)
        assert float(got) == pytest.approx(float(want), rel=1e-12)


def test_clogistic_far_in_the_tail(backend):
    """All but e^-40 of the mass sits at the bound: the score is the distance to it, plus a tail term."""
    with mp.workdps(40):
        cdf, sf = logistic_law()
        want = gtc(0.5, cdf, sf, -40.0, 1.0, 0.0, INF, cdf(mp.mpf(40)), 0)
    assert float(riskcore.crps_clogistic(0.5, -40.0, 1.0, 0.0, backend=backend)) == pytest.approx(
        float(want), rel=1e-13
    )


# ------------------------------------------------------------------------------- integer laws
def _binom_pmf(n, p):
    return lambda k: mp.binomial(n, k) * mp.mpf(p) ** k * (1 - mp.mpf(p)) ** (n - k)


def _pois_pmf(m):
    return lambda k: mp.exp(-m) * mp.mpf(m) ** k / mp.factorial(k)


def _nb_pmf(n, p):
    return lambda k: mp.gamma(k + n) / (mp.gamma(n) * mp.factorial(k)) * mp.mpf(p) ** n * (1 - mp.mpf(p)) ** k


def _hyper_pmf(m, n, k):
    return lambda x: mp.binomial(m, x) * mp.binomial(n, k - x) / mp.binomial(m + n, k)


def _reach(mean, sd):
    return int(mean + 45 * sd + 60)


def _nb_reach(n, p):
    """The tail decays like (1 - p)^k k^(n - 1): 45 sd leave ~1e-11 of the mass out at n = 0.3, p = 0.007
    (mean 40), so the sum runs 110 / p further ((1 - p)^k < 1e-47). From p to 8 digits: a central
    difference's p +- 1e-15 must not move the end (a moved end changed the difference by 0.4% at y = 900,
    p = 0.4)."""
    q = float(mp.nstr(p, 8))
    return _reach(n * (1 - q) / q, math.sqrt(n * (1 - q)) / q) + int(110 / q)


DISCRETE = {
    "binomial": (
        riskcore.crps_binomial,
        [[-2.0, 0.0, 0.5, 3.0, 3.7, 10.0, 60.0], [1, 10, 200], [1e-10, 0.3, 0.5, 0.999, 1.0]],
        lambda y, n, p: discrete_crps(y, _binom_pmf(n, p), 0, int(n)),
    ),
    "poisson": (
        riskcore.crps_poisson,
        [[-2.0, 0.0, 0.5, 3.0, 40.0, 1500.0], [0.0, 1e-8, 0.5, 2.5, 30.0, 1000.0]],
        lambda y, m: discrete_crps(y, _pois_pmf(m), 0, _reach(m, math.sqrt(m))),
    ),
    "negbinom": (
        riskcore.crps_negbinom,
        [[-1.0, 0.0, 2.5, 3.0, 40.0, 900.0], [0.3, 2.0, 25.0], [0.05, 0.4, 0.999, 1.0]],
        lambda y, n, p: discrete_crps(y, _nb_pmf(n, p), 0, _nb_reach(n, p)),
    ),
    "hypergeometric": (
        riskcore.crps_hypergeometric,
        [[-1.0, 0.0, 2.0, 2.5, 7.0, 30.0], [0, 5, 40], [0, 7, 60], [0, 4, 12]],
        lambda y, m, n, k: discrete_crps(y, _hyper_pmf(m, n, k), int(max(0, k - n)), int(min(k, m))),
    ),
}


def _discrete_points(family):
    _, grid, _ = DISCRETE[family]
    points = list(itertools.product(*grid))
    if family == "hypergeometric":
        points = [p for p in points if p[3] <= p[1] + p[2]]
    return points


@pytest.mark.costly_oracle
@pytest.mark.parametrize("family", list(DISCRETE))
def test_integer_laws_against_exact_sums(backend, family):
    fn, _, oracle = DISCRETE[family]
    points = _discrete_points(family)
    with mp.workdps(40):
        want = [float(oracle(*p)) for p in points]
    np.testing.assert_allclose(fn(*_columns(points), backend=backend), want, rtol=RTOL, atol=0)


@pytest.mark.parametrize("family", list(DISCRETE))
def test_integer_laws_cpu_and_numba_agree(family):
    fn, _, _ = DISCRETE[family]
    cols = _columns(_discrete_points(family))
    np.testing.assert_allclose(fn(*cols, backend="cpu"), fn(*cols, backend="numba"), rtol=1e-13, atol=0)


def test_bernoulli_tail_mass_is_exact(backend):
    """S(0) = p itself, not 1 - F(0): CRPS(Bernoulli(1e-10), 0) = 1e-20 (scoringrules: 1.00000008e-20)."""
    assert float(riskcore.crps_binomial(0.0, 1, 1e-10, backend=backend)) == pytest.approx(
        1e-20 * (1 - 1e-10), rel=1e-14
    )


def test_negbinom_takes_prob_or_mu(backend):
    y = np.array([0.0, 3.0, 11.0])
    n, mu = 2.5, 4.0
    np.testing.assert_allclose(
        riskcore.crps_negbinom(y, n, mu=mu, backend=backend),
        riskcore.crps_negbinom(y, n, n / (n + mu), backend=backend),
        rtol=1e-15,
    )
    with pytest.raises(ValueError, match="exactly one of prob and mu"):
        riskcore.crps_negbinom(y, n, backend=backend)


# ------------------------------------------------------------------------------- conventions
def test_float32_broadcasting_and_scalars(backend):
    y = np.linspace(-1, 3, 12, dtype=np.float32).reshape(3, 4)
    scale2 = np.array([0.5, 1.0, 2.0, 4.0], dtype=np.float32)
    got = riskcore.crps_2pnormal(y, np.float32(0.7), scale2, backend=backend)
    assert got.shape == (3, 4) and got.dtype == np.float32
    want = riskcore.crps_2pnormal(y.astype(np.float64), 0.7, scale2.astype(np.float64), backend=backend)
    np.testing.assert_allclose(got, want, rtol=2e-6)
    assert np.ndim(riskcore.crps_poisson(2.0, 3.0, backend=backend)) == 0
    assert riskcore.crps_binomial(np.zeros((0, 2)), 3, 0.5, backend=backend).shape == (0, 2)


def test_nan_parameters_give_nan(backend):
    assert np.isnan(riskcore.crps_gtct(0.0, np.nan, backend=backend))
    assert np.isnan(riskcore.crps_poisson(np.nan, 2.0, backend=backend))
    assert np.isnan(riskcore.crps_gpd(0.5, 0.2, np.nan, backend=backend))


def _nan_cases():
    """(name, function, grid) for every closed form of this file and test_crps_tails, and the log score of
    the same family where it takes the same arguments."""
    from test_crps_tails import FAMILIES

    cases = [(fn, grid) for fn, grid, *_ in CONTINUOUS.values()] + [(v[0], v[1]) for v in DISCRETE.values()]
    cases += [(fn, grid) for fn, _, grid in FAMILIES.values()]
    for fn, grid in list(cases):
        logs = getattr(riskcore, fn.__name__.replace("crps_", "logs_"), None)
        if logs is not None and inspect.signature(logs).parameters == inspect.signature(fn).parameters:
            cases.append((logs, grid))
    return {fn.__name__: (fn, grid) for fn, grid in cases}


NAN_CASES = _nan_cases()


@pytest.mark.parametrize("name", list(NAN_CASES))
def test_nan_in_any_argument_gives_nan(backend, name):
    """(crps_csg0 on cpu/cuda returned a finite score for a NaN observation through fmax.)"""
    check_nan_arguments(*NAN_CASES[name], backend)


def check_nan_arguments(fn, grid, backend):
    """NaN in the observation or in any one parameter gives NaN in the result (or every array of a tuple of
    results: a gradient's partials) at that element and not at the other, the grid's middle point."""
    point = [np.array([column[len(column) // 2]] * 2, dtype=float) for column in grid]
    for k in range(len(point)):
        args = [a.copy() for a in point]
        args[k][0] = np.nan
        try:
            got = fn(*args, backend=backend)
        except ValueError:  # a parameter the validation layer checks for NaN
            continue
        for result in got if isinstance(got, tuple) else (got,):
            assert np.isnan(result[0]) and not np.isnan(result[1]), (k, got)


BAD = [
    (riskcore.crps_2pexponential, (0.0, -1.0, 1.0), "scale1 must be > 0"),
    (riskcore.crps_2pnormal, (0.0, 1.0, 0.0), "scale2 must be > 0"),
    (riskcore.crps_beta, (0.5, 0.0, 1.0), "a must be > 0"),
    (riskcore.crps_beta, (0.5, 1.0, 1.0, 1.0, 0.0), "lower must be < upper"),
    (riskcore.crps_csg0, (0.5, 1.0, 1.0), "shift must be >= 0", {"shift": -1.0}),
    (riskcore.crps_csg0, (0.5, 1.0), "exactly one of rate and scale"),
    (riskcore.crps_gpd, (0.5, 1.0), "shape must be < 1"),
    (riskcore.crps_gpd, (0.5, 0.1, 0.0, 1.0, 1.5), "mass must be in"),
    (riskcore.crps_exponentialM, (0.5, -0.1), "mass must be in"),
    (riskcore.crps_loglaplace, (0.5, 0.0, 1.0), "scalelog must be in"),
    (riskcore.crps_loglogistic, (0.5, 0.0, 0.0), "sigmalog must be in"),
    (riskcore.crps_uniform, (0.5, 0.0, 1.0, 0.7, 0.5), "lmass \\+ umass must be < 1"),
    (riskcore.crps_gtclogistic, (0.5, 0.0, 1.0, -np.inf, np.inf, 0.1), "lmass > 0 needs a finite lower"),
    (riskcore.crps_gtct, (0.5, 1.0), "df must be > 1"),
    (riskcore.crps_tt, (0.5, 3.0, 0.0, -1.0), "scale must be > 0"),
    (riskcore.crps_ct, (0.5, 3.0, 0.0, 1.0, 2.0, 1.0), "lower must be < upper"),
    (riskcore.crps_binomial, (1.0, 2.5, 0.5), "n must be an integer"),
    (riskcore.crps_binomial, (1.0, 3, 1.5), "prob must be in \\[0, 1\\]"),
    (riskcore.crps_binomial, (5.0, 2**60, 1.0), "n must be an integer in \\[0, 2\\^53\\]"),  # was an endless walk
    (riskcore.logs_binomial, (5.0, 2**60, 1.0), "n must be an integer in \\[0, 2\\^53\\]"),
    (riskcore.crps_hypergeometric, (1.0, 2**60, 2, 1), "m must be an integer in \\[0, 2\\^53\\]"),
    (riskcore.crps_poisson, (1.0, -1.0), "mean must be >= 0"),
    (riskcore.crps_negbinom, (1.0, 0.0, 0.5), "n must be > 0"),
    (riskcore.crps_negbinom, (1.0, 2.0, 0.0), "prob must be in \\(0, 1\\]"),
    (riskcore.crps_hypergeometric, (1.0, 3, 2, 6), "k must be <= m \\+ n"),
    (riskcore.crps_hypergeometric, (1.0, -3, 2, 1), "m must be an integer"),
    (riskcore.crps_poisson, (1.0, np.inf), "mean give a standard deviation above"),
    (riskcore.crps_poisson, (1.0, 1e12), "mean give a standard deviation above"),
    # float16 parameters: the limit 1e5 is inf in float16, so the rule must not compare in float16 (was an
    # endless window walk at mean = inf)
    (riskcore.crps_poisson, (9.0, np.array([np.inf, 2.4e4], dtype=np.float16)), "mean give a standard deviation"),
    (riskcore.crps_binomial, (1.0, np.inf, 0.5), "n and prob give a standard deviation above"),
    (riskcore.crps_negbinom, (1.0, 2.0, 1e-300), "n and prob give a standard deviation above"),
    (riskcore.crps_hypergeometric, (1.0, np.inf, np.inf, 1e12), "k give a standard deviation above"),
]


@pytest.mark.parametrize("case", BAD, ids=lambda c: f"{c[0].__name__}:{c[2]}")
def test_invalid_parameters_raise(case):
    fn, arguments, message = case[:3]
    kwargs = case[3] if len(case) > 3 else {}
    with pytest.raises(ValueError, match=message):
        fn(*arguments, **kwargs)


@pytest.mark.parametrize("bad", ["x", [1j], True])
def test_non_real_arguments_raise_type_error(bad):
    with pytest.raises(TypeError):
        riskcore.crps_poisson(bad, 2.0)


def test_agrees_with_scoringrules_where_it_is_exact():
    """Moderate parameters, where scoringrules' formulas keep their digits (conventions match)."""
    sr = pytest.importorskip("scoringrules")
    y = np.array([0.0, 0.4, 1.0, 2.5, 7.0])
    y.flags.writeable = False  # scoringrules' crps_exponentialM subtracts the location from obs in place
    pairs = [
        (riskcore.crps_2pexponential(y, 0.5, 2.0, 0.1), sr.crps_2pexponential(y, 0.5, 2.0, 0.1)),
        (riskcore.crps_2pnormal(y, 0.5, 2.0, 0.1), sr.crps_2pnormal(y, 0.5, 2.0, 0.1)),
        (riskcore.crps_beta((y + 0.1) / 8, 2.0, 3.0), sr.crps_beta((y + 0.1) / 8, 2.0, 3.0)),  # sr: NaN at 0
        (riskcore.crps_csg0(y, 2.0, 1.5, shift=0.4), sr.crps_csg0(y, 2.0, 1.5, shift=0.4)),
        (riskcore.crps_gpd(y, 0.3, 0.0, 1.5, 0.1), sr.crps_gpd(y, 0.3, 0.0, 1.5, 0.1)),
        (riskcore.crps_exponentialM(y, 0.3, 0.2, 2.0), sr.crps_exponentialM(y.copy(), 0.3, 0.2, 2.0)),
        (riskcore.crps_loglaplace(y + 0.1, 0.3, 0.4), sr.crps_loglaplace(y + 0.1, 0.3, 0.4)),
        (riskcore.crps_loglogistic(y + 0.1, 0.3, 0.4), sr.crps_loglogistic(y + 0.1, 0.3, 0.4)),
        (riskcore.crps_uniform(y / 8, 0.0, 1.0, 0.2, 0.1), sr.crps_uniform(y / 8, 0.0, 1.0, 0.2, 0.1)),
        (riskcore.crps_gtclogistic(y, 0.5, 1.2, -1, 3, 0.1, 0.2), sr.crps_gtclogistic(y, 0.5, 1.2, -1, 3, 0.1, 0.2)),
        (riskcore.crps_tlogistic(y, 0.5, 1.2, -1, 3), sr.crps_tlogistic(y, 0.5, 1.2, -1, 3)),
        (riskcore.crps_clogistic(y, 0.5, 1.2, -1, 3), sr.crps_clogistic(y, 0.5, 1.2, -1, 3)),
        (riskcore.crps_gtct(y, 4.0, 0.5, 1.2, -1, 3, 0.1, 0.2), sr.crps_gtct(y, 4.0, 0.5, 1.2, -1, 3, 0.1, 0.2)),
        (riskcore.crps_tt(y, 4.0, 0.5, 1.2, -1, 3), sr.crps_tt(y, 4.0, 0.5, 1.2, -1, 3)),
        (riskcore.crps_ct(y, 4.0, 0.5, 1.2, -1, 3), sr.crps_ct(y, 4.0, 0.5, 1.2, -1, 3)),
        (riskcore.crps_binomial(y, 10, 0.3), sr.crps_binomial(y, 10, 0.3)),
        (riskcore.crps_poisson(y, 2.5), sr.crps_poisson(y, 2.5)),
        (riskcore.crps_negbinom(y, 2.0, 0.4), sr.crps_negbinom(y, 2.0, 0.4)),
        (riskcore.crps_hypergeometric(np.floor(y), 5, 7, 4), sr.crps_hypergeometric(np.floor(y), 5, 7, 4)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


# ------------------------------------------------------------------------------- quantile forecasts
def test_crps_quantile_is_twice_the_mean_pinball_loss():
    rng = np.random.default_rng(3)
    y, q = rng.normal(size=5), np.sort(rng.normal(size=(5, 4)), axis=-1)
    alpha = np.array([0.1, 0.4, 0.6, 0.9])
    want = [
        2 * math.fsum(((yi < qk) - ak) * (qk - yi) for qk, ak in zip(qi, alpha, strict=True)) / 4
        for yi, qi in zip(y, q, strict=True)
    ]
    np.testing.assert_allclose(riskcore.crps_quantile(y, q, alpha), want, rtol=1e-14)
    np.testing.assert_allclose(riskcore.crps_quantile(y, q.T, alpha, axis=0), want, rtol=1e-14)
    sr = pytest.importorskip("scoringrules")
    np.testing.assert_allclose(riskcore.crps_quantile(y, q, alpha), sr.crps_quantile(y, q, alpha), rtol=1e-14)


def test_crps_quantile_converges_to_the_closed_form():
    """Midpoint levels k/K - 1/(2K) of N(0, 1): the quadrature error is O(1/K^2) (here < 1e-5 at K = 2000)."""
    from scipy import stats

    k = 2000
    alpha = (np.arange(k) + 0.5) / k
    q = stats.norm.ppf(alpha)
    for y in (-2.0, 0.0, 0.7):
        assert float(riskcore.crps_quantile(y, q, alpha)) == pytest.approx(float(riskcore.crps_normal(y)), abs=1e-5)


@pytest.mark.parametrize(
    "alpha, message", [([0.0, 0.5], "alpha must be in"), ([0.5], "alpha must have one level per quantile")]
)
def test_crps_quantile_bad_levels(alpha, message):
    with pytest.raises(ValueError, match=message):
        riskcore.crps_quantile(0.0, [0.1, 0.2], alpha)
