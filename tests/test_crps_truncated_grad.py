"""Gradients of the truncated, censored and gtc normal / logistic / t CRPS against 40-digit central
differences of test_crps_closed_forms' quadrature oracle of the definition, with bounds from the centre
into both tails; an infinite bound has d/dbound = 0 and d/dmass = +inf; backends agree."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from test_crps_closed_forms import _ncdf, _nsf, check_nan_arguments, gtc, logistic_law, t_law
from test_crps_param_grad import _derivatives, one_per_parameter_set

import riskcore

mp = pytest.importorskip("mpmath")
INF = math.inf


def _o_gtcnormal(y, mu, s, lo, hi, lm, um):
    return gtc(y, _ncdf, _nsf, mu, s, lo, hi, mp.mpf(lm), mp.mpf(um))


def _o_gtclogistic(y, mu, s, lo, hi, lm, um):
    return gtc(y, *logistic_law(), mu, s, lo, hi, mp.mpf(lm), mp.mpf(um))


def _o_gtct(y, df, mu, s, lo, hi, lm, um):
    return gtc(y, *t_law(df), mu, s, lo, hi, mp.mpf(lm), mp.mpf(um))


def _censored(law):
    """The censored law as a gtc with its own tail masses (in mpmath)."""

    def oracle(y, mu, s, lo, hi):
        cdf, sf = law
        lm = cdf((mp.mpf(lo) - mu) / s) if math.isfinite(lo) else mp.mpf(0)
        um = sf((mp.mpf(hi) - mu) / s) if math.isfinite(hi) else mp.mpf(0)
        return gtc(y, cdf, sf, mu, s, lo, hi, lm, um)

    return oracle


def _o_ct(y, df, mu, s, lo, hi):
    return _censored(t_law(df))(y, mu, s, lo, hi)


# y values avoid the bounds (where a point mass makes the score kink)
_Y = [-35.5, -1.3, 0.3, 5.7, 40.6]
_BOUNDS = [[-INF, -1.0, 5.0, 40.0], [2.0, 41.0, INF]]
# (gradient, oracle, grid of (obs, *params), index of the first differentiated parameter, has masses)
CASES = {
    "gtcnormal": (riskcore.crps_gtcnormal_grad, _o_gtcnormal, [_Y, [0.2], [1.3], *_BOUNDS, [0.0, 0.2], [0.0, 0.3]], 1),
    "gtclogistic": (
        riskcore.crps_gtclogistic_grad,
        _o_gtclogistic,
        [_Y, [0.2], [1.3], *_BOUNDS, [0.0, 0.2], [0.0, 0.3]],
        1,
    ),
    "gtct": (
        riskcore.crps_gtct_grad,
        _o_gtct,
        [
            [-30.5, -1.3, 0.3, 5.7, 90.0],
            [1.5, 30.0],
            [0.2],
            [1.3],
            [-INF, -1.0, 5.0],
            [2.0, 12.0, INF],
            [0.0, 0.2],
            [0.3],
        ],
        2,
    ),
    "cnormal": (riskcore.crps_cnormal_grad, _censored((_ncdf, _nsf)), [_Y, [0.2], [1.3], *_BOUNDS], 1),
    "clogistic": (riskcore.crps_clogistic_grad, _censored(logistic_law()), [_Y, [0.2], [1.3], *_BOUNDS], 1),
    "ct": (
        riskcore.crps_ct_grad,
        _o_ct,
        [[-30.5, -1.3, 0.3, 5.7, 90.0], [1.5, 30.0], [0.2], [1.3], [-INF, -1.0, 5.0], [2.0, 12.0, INF]],
        2,
    ),
}


# The t's tail functions carry ~min(x^2, 4 df) eps relative error (kernels/crps_truncated.hpp), and
# d/dlocation on a fixed interval is a sum of O(1) terms that nearly cancel (0.013 on [5, 12] at df = 30,
# where the worst error is 4e-13): the t families are held to 1e-11 relative or 1e-12 absolute.
ABSOLUTE = {"gtct": 1e-12, "ct": 1e-12}


def _points(name):
    first = CASES[name][3]
    out = []
    for p in itertools.product(*CASES[name][2]):
        lo, hi = p[first + 2], p[first + 3]
        masses = p[first + 4 :]
        if lo >= hi or (
            masses and ((masses[0] > 0 and not math.isfinite(lo)) or (masses[1] > 0 and not math.isfinite(hi)))
        ):
            continue
        out.append(p)
    return out


def _expected(name, point):
    """Central differences for the finite parameters; 0 (d/dbound) or +inf (d/dmass) at an infinite bound."""
    _, oracle, _, first = CASES[name]
    count = len(point) - first
    finite = [
        i for i in range(first, first + count) if math.isfinite(point[i]) and not _mass_at_infinity(point, first, i)
    ]
    values = dict(zip(finite, _derivatives(oracle, point, tuple(finite)), strict=True))
    out = []
    for i in range(first, first + count):
        if i in values:
            out.append(values[i])
        else:
            out.append(0.0 if i in (first + 2, first + 3) else INF)
    return out


def _mass_at_infinity(point, first, i):
    return i >= first + 4 and not math.isfinite(point[first + 2 + (i - first - 4)])


def _columns(points):
    return [np.array(c, dtype=float) for c in zip(*points, strict=True)]


def _check(backend, name, points):
    got = np.stack(CASES[name][0](*_columns(points), backend=backend), axis=-1)
    want = np.array([_expected(name, p) for p in points])
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=ABSOLUTE.get(name, 1e-14))


@pytest.mark.costly_oracle
@pytest.mark.parametrize("name", list(CASES))
def test_gradient_matches_numerical_derivative(backend, name):
    """One point per set of parameters, y cycling through its values (each oracle point is a 40-digit
    quadrature per parameter: the whole sweep takes ~6 min on 2 cores, the slow test below)."""
    _check(backend, name, one_per_parameter_set(_points(name)))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_gradient_matches_numerical_derivative_over_the_whole_sweep(backend, name):
    _check(backend, name, _points(name))


@pytest.mark.parametrize("name", list(CASES))
def test_nan_arguments_give_nan(backend, name):
    check_nan_arguments(CASES[name][0], CASES[name][2], backend)


@pytest.mark.parametrize("name", list(CASES))
def test_gradient_cpu_and_numba_agree(name):
    """To 1e-13 relative, or within twice the absolute accuracy the oracle test holds each to: where a
    partial is a near-cancellation of O(1) terms (the censored logistic's d/dscale at l = 30.6: -1.16e-12 from
    terms of size 30) the backends round differently (FMA contraction in the C++ clones, none in Numba)."""
    cols = _columns(_points(name))
    fn = CASES[name][0]
    atol = 2 * ABSOLUTE.get(name, 1e-14)
    for a, b in zip(fn(*cols, backend="cpu"), fn(*cols, backend="numba"), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=atol)


def test_truncated_is_gtc_without_masses_and_aliases_agree(backend):
    y, lo, hi = np.array([-0.4, 0.6, 3.0]), -0.5, 2.5
    gtc_parts = riskcore.crps_gtcnormal_grad(y, 0.1, 1.2, lo, hi, 0.0, 0.0, backend=backend)[:4]
    for a, b in zip(riskcore.crps_tnormal_grad(y, 0.1, 1.2, lo, hi, backend=backend), gtc_parts, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(riskcore.crps_truncated_normal_grad(y, 0.1, 1.2, lo, hi, backend=backend), gtc_parts, strict=True):
        np.testing.assert_array_equal(a, b)
    for fn, alias in [(riskcore.crps_cnormal_grad, riskcore.crps_censored_normal_grad)]:
        for a, b in zip(
            fn(y, 0.1, 1.2, lo, hi, backend=backend), alias(y, 0.1, 1.2, lo, hi, backend=backend), strict=True
        ):
            np.testing.assert_array_equal(a, b)
    logistic = riskcore.crps_gtclogistic_grad(y, 0.1, 1.2, lo, hi, backend=backend)[:4]
    for a, b in zip(riskcore.crps_tlogistic_grad(y, 0.1, 1.2, lo, hi, backend=backend), logistic, strict=True):
        np.testing.assert_array_equal(a, b)
    student = riskcore.crps_gtct_grad(y, 3.0, 0.1, 1.2, lo, hi, backend=backend)[:4]
    for a, b in zip(riskcore.crps_tt_grad(y, 3.0, 0.1, 1.2, lo, hi, backend=backend), student, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: riskcore.crps_gtcnormal_grad(0.0, 0.0, -1.0), "scale must be > 0"),
        (lambda: riskcore.crps_gtclogistic_grad(0.0, 0.0, 1.0, 1.0, 0.0), "lower must be < upper"),
        (lambda: riskcore.crps_gtct_grad(0.0, 1.0), "df must be > 1"),
        (lambda: riskcore.crps_gtcnormal_grad(0.0, lmass=0.1), "lmass > 0 needs a finite lower"),
        (lambda: riskcore.crps_truncated_normal_grad(0.0, 0.0, 0.0), "sigma must be > 0"),
        (lambda: riskcore.crps_ct_grad(0.0, 0.5), "df must be > 1"),
    ],
)
def test_invalid_parameters_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()
