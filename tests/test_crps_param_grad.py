"""Gradients of the closed forms with respect to their parameters against central differences
(mpmath, 40 digits) of the mpmath closed forms of test_crps_tails (of the quadrature oracle of
test_crps_closed_forms for the two-piece normal), swept into the tails; backends agree."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pytest
from test_crps_closed_forms import (
    DISCRETE,
    _o_2pexp,
    _o_2pnorm,
    _o_beta,
    _o_csg0,
    _o_expm,
    _o_gpd,
    _o_loglaplace,
    _o_loglogistic,
    _o_uniform,
    check_nan_arguments,
)
from test_crps_tails import _exponential, _gamma, _laplace, _logistic, _lognormal, _normal, _student_t, gev_oracle

import riskcore

mp = pytest.importorskip("mpmath")


@functools.cache  # the same points for every backend
def _derivatives(oracle, point, which):
    """d oracle / d point[i] for i in which: central differences at 40 digits with step 1e-15 |x|
    (truncation ~1e-30, rounding ~1e-25; the oracles keep 50 digits)."""
    out = []
    with mp.workdps(40):
        for i in which:
            x = mp.mpf(point[i])
            h = mp.mpf("1e-15") * max(abs(x), 1)

            def f(v, i=i):
                p = list(point)
                p[i] = v
                return oracle(*p)

            out.append(float((f(x + h) - f(x - h)) / (2 * h)))
    return out


# (gradient function, mpmath CRPS taking (obs, *params), grid of (obs, *params), indices differentiated)
CASES = {
    "normal": (riskcore.crps_normal_grad, _normal, [[-40, -3, -0.2, 0, 0.5, 7, 1e3], [0.3], [0.01, 1, 20]], (1, 2)),
    "logistic": (
        riskcore.crps_logistic_grad,
        _logistic,
        [[-700, -30, -0.2, 0, 0.5, 7, 1e3], [0.3], [0.01, 1, 20]],
        (1, 2),
    ),
    "laplace": (
        riskcore.crps_laplace_grad,
        _laplace,
        [[-700, -30, -0.2, 0.31, 0.5, 7, 1e3], [0.3], [0.01, 1, 20]],
        (1, 2),
    ),
    "t": (
        riskcore.crps_t_grad,
        _student_t,
        [[-1e3, -4, -0.2, 0.31, 0.5, 7, 1e4], [1.5, 4.0, 60.0], [0.3], [0.1, 2.0]],
        (2, 3),
    ),
    "lognormal": (
        riskcore.crps_lognormal_grad,
        _lognormal,
        [[1e-6, 0.2, 1.0, 2.0, 30.0, 1e4], [-1.0, 0.5], [0.05, 0.7, 2.0]],
        (1, 2),
    ),
    "gev": (
        riskcore.crps_gev_grad,
        lambda y, xi, m, s: gev_oracle(y, xi, m, s),
        [[-20, -1.5, 0.0, 0.5, 3.0, 40.0, 1e4], [-3.0, -0.4, -0.05, -1e-6, 0.0, 0.05, 0.25, 0.7], [0.3], [0.5, 2.0]],
        (1, 2, 3),
    ),
    "exponential": (
        riskcore.crps_exponential_grad,
        _exponential,
        [[-5, 0, 1e-9, 0.3, 5, 38, 1e8], [1e-3, 1, 1e3]],
        (1,),
    ),
    "gamma": (
        riskcore.crps_gamma_grad,
        _gamma,
        [[1e-30, 1e-5, 0.3, 1, 5, 80, 1e3, 1e5], [1e-3, 0.3, 1, 7, 80, 1e4], [1e-2, 1, 30]],
        (1, 2),
    ),
    "uniform": (  # y off the support's ends, where point masses make the score kink
        riskcore.crps_uniform_grad,
        _o_uniform,
        [[-1e6, -1, 0.01, 0.3, 0.97, 3.0, 1e6], [0.0, -1e3], [1.0, 1e3], [0.0, 0.2], [0.0, 0.1]],
        (1, 2, 3, 4),
    ),
    "gpd": (  # y off the location, where the point mass makes the score kink
        riskcore.crps_gpd_grad,
        _o_gpd,
        [[-3, 1e-6, 0.3, 2, 40, 1e6], [-2.0, -0.3, -0.01, 0.0, 1e-9, 0.05, 0.3, 0.9], [0.0, 1.0], [1.5], [0.0, 0.2]],
        (1, 2, 3, 4),
    ),
    "exponentialM": (
        riskcore.crps_exponentialM_grad,
        _o_expm,
        [[-3, 0.2001, 1, 40, 1e6], [0.0, 0.3, 0.999], [0.2], [0.01, 2.0]],
        (1, 2, 3),
    ),
    "beta": (  # y off the support's ends
        riskcore.crps_beta_grad,
        _o_beta,
        [[-1, 0.01, 0.3, 0.7, 0.999, 1.5], [0.2, 3.0, 40.0], [0.5, 30.0], [0.0, -2.0], [1.0, 5.0]],
        (3, 4),
    ),
    "csg0": (  # shift > 0: the oracle's central difference would step below 0
        lambda y, a, rate, shift, backend: riskcore.crps_csg0_grad(y, a, rate, shift=shift, backend=backend),
        _o_csg0,
        [[-2, 0, 1e-6, 0.5, 3, 60], [0.3, 2.0, 20.0], [0.5, 3.0], [0.05, 0.4, 5.0]],
        (1, 2, 3),
    ),
    "loglaplace": (
        riskcore.crps_loglaplace_grad,
        _o_loglaplace,
        [[-1, 0, 1e-8, 0.5, 1.3, 10, 1e5], [-2.0, 0.3], [0.05, 0.4, 0.9]],
        (1, 2),
    ),
    "loglogistic": (
        riskcore.crps_loglogistic_grad,
        _o_loglogistic,
        [[-1, 0, 1e-8, 0.5, 1.3, 10, 1e5], [-2.0, 0.3], [0.001, 0.05, 0.4, 0.5, 0.6, 0.9, 0.99]],
        (1, 2),
    ),
    # the integer laws against 40-digit central differences of their exact mpmath sums; parameters inside
    # their ranges (at mean 0 and prob 0 or 1 the gradient is one-sided)
    "poisson": (
        riskcore.crps_poisson_grad,
        DISCRETE["poisson"][2],
        [[-2.0, 0.0, 0.5, 3.0, 40.0, 1500.0], [1e-12, 1e-8, 0.5, 2.5, 30.0, 1000.0]],
        (1,),
    ),
    "binomial": (
        riskcore.crps_binomial_grad,
        DISCRETE["binomial"][2],
        [[-2.0, 0.0, 0.5, 3.0, 3.7, 10.0, 60.0], [1, 10, 200], [1e-10, 0.3, 0.5, 0.999]],
        (2,),
    ),
    "negbinom": (
        riskcore.crps_negbinom_grad,
        DISCRETE["negbinom"][2],
        [[-1.0, 0.0, 2.5, 3.0, 40.0, 900.0], [0.3, 2.0, 25.0], [0.05, 0.4, 0.999]],
        (2,),
    ),
    "negbinom_mu": (
        lambda y, n, mu, backend: riskcore.crps_negbinom_grad(y, n, mu=mu, backend=backend),
        lambda y, n, mu: DISCRETE["negbinom"][2](y, n, n / (n + mu)),
        [[-1.0, 0.0, 2.5, 3.0, 40.0, 900.0], [0.3, 2.0, 25.0], [1e-3, 3.0, 40.0]],
        (2,),
    ),
    "2pexponential": (
        riskcore.crps_2pexponential_grad,
        _o_2pexp,
        [[-1e4, -30, -1, 0.1, 0.3, 2, 40, 1e5], [1e-3, 0.5, 3], [0.2, 2.0], [0.1]],
        (1, 2, 3),
    ),
    "2pnormal": (
        riskcore.crps_2pnormal_grad,
        _o_2pnorm,
        [[-1e4, -30, -1, 0.1, 0.3, 2, 40, 1e5], [1e-3, 0.5, 3], [0.2, 2.0], [0.1]],
        (1, 2, 3),
    ),
}


# d/drate of the gamma is a (1 - 2 P(a + 1, b y)) against 1 / B(1/2, a), which cancel near the mode at large
# shapes (17x at a = b y = 80); P's prefactor x^a e^-x / Gamma(a + 1) is exp of terms of size a log a, so it
# carries ~eps a log a relative error: 1.9e-11 at a = b y = 80 (worst of the sweep).
TOLERANCE = {"gamma": 5e-11}


def _points(name):
    return list(itertools.product(*CASES[name][2]))


def _columns(points):
    return [np.array(c, dtype=float) for c in zip(*points, strict=True)]


# Cases whose quadrature or long-sum oracle takes 25-45 s over the whole sweep: the default run checks one
# point per combination of the parameters (the observation cycling through its values), the slow run all.
HEAVY = ("beta", "csg0", "negbinom_mu")


def one_per_parameter_set(points):
    """The points grouped by everything but the observation (point[0]); group g keeps its (g mod size)-th."""
    groups = {}
    for p in points:
        groups.setdefault(tuple(p[1:]), []).append(p)
    return [group[g % len(group)] for g, group in enumerate(groups.values())]


def _check(backend, name, points):
    fn, oracle, _, which = CASES[name]
    got = np.stack(fn(*_columns(points), backend=backend), axis=-1)
    want = np.array([_derivatives(oracle, p, which) for p in points])
    np.testing.assert_allclose(got, want, rtol=TOLERANCE.get(name, 1e-11), atol=1e-14)


@pytest.mark.costly_oracle
@pytest.mark.parametrize("name", list(CASES))
def test_gradient_matches_numerical_derivative(backend, name):
    points = _points(name)
    _check(backend, name, one_per_parameter_set(points) if name in HEAVY else points)


@pytest.mark.slow
@pytest.mark.parametrize("name", HEAVY)
def test_gradient_matches_numerical_derivative_over_the_whole_sweep(backend, name):
    _check(backend, name, _points(name))


@pytest.mark.parametrize("name", list(CASES))
def test_nan_arguments_give_nan(backend, name):
    """(The partials branch on y and the parameters and a comparison reads NaN as false: laplace, lognormal,
    exponential, gpd, exponentialM and the two-piece laws gave finite slopes for a NaN observation.)"""
    check_nan_arguments(CASES[name][0], CASES[name][2], backend)


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_cpu_and_numba_agree(name):
    """To 1e-13 relative, or an absolute bound within the 1e-14 the oracle test allows where a partial is
    small by a cancellation (loglogistic's d/dsigmalog at y = 0.5, mulog = -2, s = 0.9: 1.6e-3 from terms
    of size 13; csg0's d/dshape at y = 1e-6, a = 0.3, rate = 0.5, shift = 5: 1.1e-3 from the difference of
    the O(1) terms at b T and b shift, T - shift = 1e-6; the C++ clones contract into FMAs, Numba does not)."""
    fn = CASES[name][0]
    cols = _columns(_points(name))
    atol = {"loglogistic": 1e-14, "csg0": 1e-15}.get(name, 1e-300)
    for a, b in zip(fn(*cols, backend="cpu"), fn(*cols, backend="numba"), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=atol)


def test_gamma_scale_gradient_is_the_rate_gradient_times_minus_rate_squared(backend):
    """d/dscale = -rate^2 d/drate at scale = 1 / rate (the chain rule), against the same oracle; the shape
    partial is the one at a fixed rate."""
    y, shape, rate = np.array([0.2, 3.0, 40.0]), np.array([0.5, 2.0, 30.0]), np.array([4.0, 1.0, 0.5])
    d_shape, by_scale = riskcore.crps_gamma_grad(y, shape, scale=1.0 / rate, backend=backend)
    want = [_derivatives(_gamma, (yi, a, r), (1, 2)) for yi, a, r in zip(y, shape, rate, strict=True)]
    np.testing.assert_allclose(by_scale, [-(r**2) * w[1] for w, r in zip(want, rate, strict=True)], rtol=1e-11)
    np.testing.assert_allclose(d_shape, [w[0] for w in want], rtol=1e-11)


def test_csg0_scale_gradient_is_the_rate_gradient_times_minus_rate_squared(backend):
    y, shape, rate, shift = np.array([-0.5, 0.7, 9.0]), np.array([0.4, 2.0, 9.0]), np.array([2.0, 1.0, 0.5]), 0.3
    _, by_scale, _ = riskcore.crps_csg0_grad(y, shape, scale=1.0 / rate, shift=shift, backend=backend)
    points = zip(y, shape, rate, strict=True)
    want = [-(r**2) * _derivatives(_o_csg0, (yi, a, r, shift), (2,))[0] for yi, a, r in points]
    np.testing.assert_allclose(by_scale, want, rtol=1e-11)


def test_poisson_gradient_at_a_tiny_mean_keeps_the_last_interval(backend):
    """At mean 1e-30 the window is {0} but dF(0)/dmean = -p(0) = -1: the slope is -2 min(y, 1), not 0
    (forward differences at 60 digits with step 1e-45: the central step of _derivatives would go below 0)."""
    y, mean = np.array([0.5, 3.0, -1.0]), 1e-30
    oracle = DISCRETE["poisson"][2]
    with mp.workdps(60):
        h = mp.mpf("1e-45")
        want = [float((oracle(yi, mp.mpf(mean) + h) - oracle(yi, mp.mpf(mean))) / h) for yi in y]
    (got,) = riskcore.crps_poisson_grad(y, mean, backend=backend)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    np.testing.assert_allclose(got, [-1.0, -2.0, 0.0], rtol=1e-13)


def test_loglogistic_gradient_at_the_ends_of_the_support(backend):
    """y <= 0: CRPS = -y - e^mu b (s - 1), b = pi s/sin(pi s); y -> inf: d/dmu -> -e^mu (1 + s) b and
    d/ds -> -e^mu (b + (1 + s) b') (the quadrature oracle does not reach y = 1e300); b' by mpmath's diff."""
    s, mulog = np.array([0.001, 0.3, 0.5, 0.8, 0.99]), 0.4
    with mp.workdps(40):
        b = [mp.pi * si / mp.sin(mp.pi * si) for si in map(mp.mpf, s)]
        db = [mp.diff(lambda v: mp.pi * v / mp.sin(mp.pi * v), mp.mpf(si)) for si in s]
        scale = mp.exp(mulog)
        below = [
            [float(-scale * (si - 1) * bi) for si, bi in zip(s, b, strict=True)],
            [float(-scale * (bi + (si - 1) * dbi)) for si, bi, dbi in zip(s, b, db, strict=True)],
        ]
        above = [[float(-scale * (1 + si) * bi) for si, bi in zip(s, b, strict=True)],
                 [float(-scale * (bi + (1 + si) * dbi)) for si, bi, dbi in zip(s, b, db, strict=True)]]  # fmt: skip
    for y, want in ((-3.0, below), (0.0, below), (np.inf, above)):
        got = riskcore.crps_loglogistic_grad(np.full(s.shape, y), mulog, s, backend=backend)
        np.testing.assert_allclose(np.stack(got), want, rtol=1e-13)
    # at y = 1e300 the mass above is F(y)^-1 - 1 ~ y^(-1/s): still 1e-3 of the limit at s = 0.99
    got = riskcore.crps_loglogistic_grad(1e300, mulog, s[:-1], backend=backend)
    np.testing.assert_allclose(np.stack(got), np.array(above)[:, :-1], rtol=1e-13)


def test_properscoring_convention():
    """crps_gaussian(grad=True) returns [d/dmu, d/dsig]; so does crps_normal_grad, stacked."""
    grad = np.stack(riskcore.crps_normal_grad(np.array([-1.0, 0.5]), 0.2, 1.3))
    from riskcore.compat import properscoring as ps

    np.testing.assert_allclose(grad, ps.crps_gaussian(np.array([-1.0, 0.5]), 0.2, 1.3, grad=True)[1], rtol=1e-15)


def test_float32_and_shapes(backend):
    y = np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3)
    dmu, dsig = riskcore.crps_logistic_grad(y, np.float32(0.1), np.float32(1.5), backend=backend)
    assert dmu.shape == dsig.shape == (2, 3) and dmu.dtype == dsig.dtype == np.float32
    assert np.ndim(riskcore.crps_gev_grad(0.0, 0.1, backend=backend)[0]) == 0


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: riskcore.crps_normal_grad(0.0, 0.0, -1.0), "sigma must be > 0"),
        (lambda: riskcore.crps_t_grad(0.0, 1.0), "df must be > 1"),
        (lambda: riskcore.crps_gev_grad(0.0, 1.0), "shape must be < 1"),
        (lambda: riskcore.crps_lognormal_grad(1.0, 0.0, 0.0), "sigmalog must be > 0"),
        (lambda: riskcore.crps_laplace_grad(1.0, 0.0, 0.0), "scale must be > 0"),
        (lambda: riskcore.crps_2pnormal_grad(1.0, 0.0, 1.0), "scale1 must be > 0"),
        (lambda: riskcore.crps_2pexponential_grad(1.0, 1.0, -1.0), "scale2 must be > 0"),
        (lambda: riskcore.crps_exponential_grad(1.0, 0.0), "rate must be > 0"),
        (lambda: riskcore.crps_gamma_grad(1.0, 0.0, 1.0), "shape must be > 0"),
        (lambda: riskcore.crps_uniform_grad(1.0, 2.0, 1.0), "lower must be < upper"),
        (lambda: riskcore.crps_gpd_grad(1.0, 1.0), "shape must be < 1"),
        (lambda: riskcore.crps_exponentialM_grad(1.0, 1.5), "mass must be in \\[0, 1\\]"),
        (lambda: riskcore.crps_uniform_grad(0.5, 0.0, 1.0, 0.7, 0.4), "lmass \\+ umass must be < 1"),
        (lambda: riskcore.crps_gamma_grad(1.0, 2.0), "exactly one of rate and scale"),
        (lambda: riskcore.crps_beta_grad(0.5, 0.0, 1.0), "a must be > 0"),
        (lambda: riskcore.crps_beta_grad(0.5, 1.0, 1.0, 2.0, 1.0), "lower must be < upper"),
        (lambda: riskcore.crps_csg0_grad(0.5, 1.0, 1.0, shift=-0.1), "shift must be >= 0"),
        (lambda: riskcore.crps_csg0_grad(0.5, 1.0), "exactly one of rate and scale"),
        (lambda: riskcore.crps_loglaplace_grad(0.5, 0.0, 1.0), "scalelog must be in \\(0, 1\\)"),
        (lambda: riskcore.crps_poisson_grad(1.0, -0.5), "mean must be >= 0"),
        (lambda: riskcore.crps_binomial_grad(1.0, 3.5, 0.5), "n must be"),
        (lambda: riskcore.crps_negbinom_grad(1.0, 2.0, 0.5, mu=1.0), "exactly one of prob and mu"),
    ],
)
def test_invalid_parameters_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()
