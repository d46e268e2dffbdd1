"""Special functions for the Numba closed forms (mirror of kernels/special.hpp; same algorithms)."""

from __future__ import annotations

import math

import numba

_TINY = 1e-300
_EPS = 1e-16
_MAX_ITER = 1000
EULER_GAMMA = 0.57721566490153286061


@numba.njit(cache=True)
def normal_cdf(x):
    return 0.5 * math.erfc(-x * 0.70710678118654752440)


@numba.njit(cache=True)
def normal_pdf(x):
    return 0.39894228040143267794 * math.exp(-0.5 * x * x)


@numba.njit(cache=True)
def log_beta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


@numba.njit(cache=True)
def _lentz_step(f, c, d, a, b):
    d = b + a * d
    d = _TINY if abs(d) < _TINY else d
    c = b + a / c
    c = _TINY if abs(c) < _TINY else c
    d = 1.0 / d
    delta = c * d
    return f * delta, c, d, abs(delta - 1.0) < _EPS


@numba.njit(cache=True)
def _gamma_p_series(a, x):
    term = 1.0 / a
    total = term
    for n in range(1, _MAX_ITER + 1):
        term *= x / (a + n)
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


@numba.njit(cache=True)
def _gamma_q_fraction(a, x):
    f = x + 1.0 - a
    f = _TINY if f == 0.0 else f
    c, d = f, 0.0
    for n in range(1, _MAX_ITER + 1):
        f, c, d, done = _lentz_step(f, c, d, -n * (n - a), x + 2.0 * n + 1.0 - a)
        if done:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) / f


@numba.njit(cache=True)
def gamma_p(a, x):
    """Regularised lower incomplete gamma P(a, x)."""
    if x <= 0.0:
        return 0.0
    if math.isinf(x):
        return 1.0
    return _gamma_p_series(a, x) if x < a + 1.0 else 1.0 - _gamma_q_fraction(a, x)


@numba.njit(cache=True)
def gamma_q(a, x):
    """Regularised upper incomplete gamma Q(a, x)."""
    if x <= 0.0:
        return 1.0
    if math.isinf(x):
        return 0.0
    return 1.0 - _gamma_p_series(a, x) if x < a + 1.0 else _gamma_q_fraction(a, x)


@numba.njit(cache=True)
def _beta_fraction(a, b, x):
    f, c, d = 1.0, 1.0, 0.0
    for n in range(1, _MAX_ITER + 1):
        k = (n + 1) // 2
        if n % 2 == 1:
            an = -(a + k - 1) * (a + b + k - 1) * x / ((a + 2 * k - 2) * (a + 2 * k - 1))
        else:
            an = k * (b - k) * x / ((a + 2 * k - 1) * (a + 2 * k))
        f, c, d, done = _lentz_step(f, c, d, an, 1.0)
        if done:
            break
    return f


@numba.njit(cache=True)
def beta_inc(a, b, x):
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - log_beta(a, b))
    if x < (a + 1.0) / (a + b + 2.0):
        return front / (a * _beta_fraction(a, b, x))
    return 1.0 - front / (b * _beta_fraction(b, a, 1.0 - x))


@numba.njit(cache=True)
def expint_e1(x):
    """Exponential integral E1(x), x > 0."""
    if x <= 0.0:
        return math.inf
    if x <= 1.0:
        total = 0.0
        term = 1.0
        for k in range(1, _MAX_ITER + 1):
            term *= -x / k
            total += term / k
            if abs(term / k) < _EPS * abs(total):
                break
        return -EULER_GAMMA - math.log(x) - total
    f = x + 1.0
    c, d = f, 0.0
    for n in range(1, _MAX_ITER + 1):
        f, c, d, done = _lentz_step(f, c, d, -float(n) * n, x + 2.0 * n + 1.0)
        if done:
            break
    return math.exp(-x) / f
