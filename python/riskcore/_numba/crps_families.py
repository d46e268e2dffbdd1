"""Further closed-form CRPS families and the integer-valued laws in Numba (mirror of
kernels/crps_families.hpp and kernels/crps_discrete.hpp; formulas documented there)."""

from __future__ import annotations

import math

import numba

from riskcore._numba.crps_truncated import LOGISTIC, T, crps_censored, crps_gtc
from riskcore._numba.special import (
    beta_inc,
    beta_inc_pair,
    gamma_p_pair,
    gamma_q,
    log_beta,
    log_gamma_ratio,
    logistic_cdf,
    normal_cdf,
    normal_pdf,
)

_SQRT_PI = math.sqrt(math.pi)
_SQRT2 = math.sqrt(2.0)
_PHI0 = 1.0 / math.sqrt(2.0 * math.pi)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def twopexponential(y, scale1, scale2, location):
    z = y - location
    a = abs(z)
    s = scale1 if z < 0 else scale2
    total = scale1 + scale2
    c3 = (scale1**3 + scale2**3) / (2.0 * total * total)
    return a + 2.0 * s * s / total * math.expm1(-a / s) + c3


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def two_piece_normal_point(y, scale1, scale2, location):
    """two_piece_normal_point of kernels/crps_families.hpp: (t, s, o, S, Q(v), h(v), e, D, below)."""
    z = y - location
    t = abs(z)
    total = scale1 + scale2
    below = z < 0.0
    s, o = (scale1, scale2) if below else (scale2, scale1)
    v = min(t / s, 40.0)
    q = normal_cdf(-v)
    h = normal_pdf(v) - v * q
    e = (2.0 * _PHI0 * (o * o - s * s) + 4.0 * s * s * h) / total
    cubes = scale1 * scale1 * scale1 + scale2 * scale2 * scale2
    half_spread = (_SQRT2 * scale1 * scale2 * total + (2.0 - _SQRT2) * cubes) / (_SQRT_PI * total * total)
    return t, s, o, total, q, h, e, half_spread, below


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def twopnormal(y, scale1, scale2, location):
    t, _, _, _, _, _, e, half_spread, _ = two_piece_normal_point(y, scale1, scale2, location)
    return t + e - half_spread


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def beta_spread_ratio(a, b):
    """2 B(2a, 2b) / (a B(a, b)^2) by the duplication formula (see kernels/crps_families.hpp)."""
    return math.exp(log_gamma_ratio(a, 0.5) + log_gamma_ratio(b, 0.5) - log_gamma_ratio(a + b, 0.5)) / (a * _SQRT_PI)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def beta(y, a, b, lower, upper):
    width = upper - lower
    w = (y - lower) / width
    i, i_next = beta_inc_pair(a, b, w, log_beta(a, b))
    return width * (w * (2.0 * i - 1.0) + a / (a + b) * (1.0 - 2.0 * i_next - beta_spread_ratio(a, b)))


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def csg0(y, a, b, shift):
    if y != y:
        return y
    below = -y if y < 0.0 else 0.0
    t = max(y, 0.0) + shift
    fd, f1d = gamma_p_pair(a, b * shift)
    ft, f1t = gamma_p_pair(a, b * t)
    beta_term = math.exp(-log_gamma_ratio(a + 0.5, 0.5)) / math.sqrt(math.pi)
    return (
        below
        + t * (2.0 * ft - 1.0)
        - a / b * beta_term * gamma_q(2.0 * a, 2.0 * b * shift)
        + a / b * (1.0 + 2.0 * fd * f1d - fd * fd - 2.0 * f1t)
        - shift * fd * fd
    )


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def gpd(y, shape, location, scale, mass):
    z = (y - location) / scale
    keep = 1.0 - mass
    if z <= 0.0:
        head = 0.0
    elif shape < 0.0 and z >= -1.0 / shape:
        head = 1.0
    else:
        log_s = -z if shape == 0.0 else -math.log1p(shape * z) / shape
        head = -math.expm1((1.0 - shape) * log_s)
    return scale * (abs(z) - 2.0 * keep * head / (1.0 - shape) + keep * keep / (2.0 - shape))


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def exponentialm(y, mass, location, scale):
    z = y - location
    keep = 1.0 - mass
    cdf = -math.expm1(-z / scale) if z > 0.0 else 0.0
    return abs(z) - scale * keep * (2.0 * cdf - 0.5 * keep)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def loglaplace(y, mulog, s):
    if y <= 0.0:
        two_f_minus_1 = -1.0
        a = 1.0 / (1.0 + s)
    else:
        w = (math.log(y) - mulog) / s
        if w < 0.0:
            two_f_minus_1 = math.expm1(w)
            a = -math.expm1((1.0 + s) * w) / (1.0 + s)
        else:
            two_f_minus_1 = -math.expm1(-w)
            a = math.expm1(-(1.0 - s) * w) / (1.0 - s)
    return y * two_f_minus_1 + math.exp(mulog) * (a + s / (4.0 - s * s))


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def loglogistic(y, mulog, s):
    f = logistic_cdf((math.log(y) - mulog) / s) if y > 0.0 else 0.0
    b = 1.0 if s == 0.0 else math.pi * s / math.sin(math.pi * s)
    return y * (2.0 * f - 1.0) - math.exp(mulog) * b * (2.0 * beta_inc(1.0 + s, 1.0 - s, f) + s - 1.0)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def gtclogistic(y, mu, sigma, lower, upper, lmass, umass):
    return crps_gtc(LOGISTIC, 0.0, y, mu, sigma, lower, upper, lmass, umass)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def tlogistic(y, mu, sigma, lower, upper):
    return crps_gtc(LOGISTIC, 0.0, y, mu, sigma, lower, upper, 0.0, 0.0)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def clogistic(y, mu, sigma, lower, upper):
    return crps_censored(LOGISTIC, 0.0, y, mu, sigma, lower, upper)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def gtct(y, df, mu, sigma, lower, upper, lmass, umass):
    return crps_gtc(T, df, y, mu, sigma, lower, upper, lmass, umass)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def tt(y, df, mu, sigma, lower, upper):
    return crps_gtc(T, df, y, mu, sigma, lower, upper, 0.0, 0.0)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def ct(y, df, mu, sigma, lower, upper):
    return crps_censored(T, df, y, mu, sigma, lower, upper)


# ------------------------------------------------------------------ integer laws (crps_discrete.hpp)
BINOMIAL, POISSON, NEGBINOM, HYPERGEOMETRIC = 0, 1, 2, 3
_CUT = 1e-22


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _support(law, p1, p2, p3):
    if law == BINOMIAL:
        return 0.0, p1
    if law == HYPERGEOMETRIC:
        return max(0.0, p3 - p2), min(p3, p1)
    return 0.0, math.inf


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _mode(law, p1, p2, p3, lo, hi):
    if law == BINOMIAL:
        return min(math.floor((p1 + 1.0) * p2), p1)
    if law == POISSON:
        return math.floor(p1)
    if law == NEGBINOM:
        return math.floor((p1 - 1.0) * (1.0 - p2) / p2) if p1 > 1.0 else 0.0
    return min(max(math.floor((p3 + 1.0) * (p1 + 1.0) / (p1 + p2 + 2.0)), lo), hi)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _ratio(law, p1, p2, p3, k):
    """p(k + 1) / p(k)."""
    if law == BINOMIAL:
        return (p1 - k) / (k + 1.0) * (p2 / (1.0 - p2))
    if law == POISSON:
        return p1 / (k + 1.0)
    if law == NEGBINOM:
        return (k + p1) / (k + 1.0) * (1.0 - p2)
    return (p1 - k) * (p3 - k) / ((k + 1.0) * (p2 - p3 + k + 1.0))


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _ratio_bound(law, p1, p2, p3, k):
    r = _ratio(law, p1, p2, p3, k)
    if law == NEGBINOM and p1 < 1.0:
        return max(r, 1.0 - p2)
    return r


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def discrete_window(law, p1, p2, p3):
    """discrete_window of kernels/crps_discrete.hpp: (a, p(a), b, p(b), total), p(mode) = 1."""
    lo, hi = _support(law, p1, p2, p3)
    mode = _mode(law, p1, p2, p3, lo, hi)
    total = 1.0
    a, pa = mode, 1.0
    while a > lo:
        d = 1.0 / _ratio(law, p1, p2, p3, a - 1.0)
        if not d > 0.0 or (d < 1.0 and pa * d / (1.0 - d) < _CUT * total):
            break
        pa /= 1.0 / d
        a -= 1.0
        total += pa
    b, pb = mode, 1.0
    while b < hi:
        r = _ratio(law, p1, p2, p3, b)
        bound = _ratio_bound(law, p1, p2, p3, b)
        if not r > 0.0 or (bound < 1.0 and pb * bound / (1.0 - bound) < _CUT * total):
            break
        pb *= r
        b += 1.0
        total += pb
    return a, pa, b, pb, total


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def crps_discrete(law, p1, p2, p3, y):
    check = y + p1 + p2 + p3  # NaN if one of them is
    if check != check:
        return check
    a, pa, b, pb, total = discrete_window(law, p1, p2, p3)
    out = max(a - y, 0.0) + max(y - b, 0.0)
    f, p, k = 0.0, pa, a
    while k < b and k < y:
        f += p
        fk = f / total
        out += min(y - k, 1.0) * fk * fk
        p *= _ratio(law, p1, p2, p3, k)
        k += 1.0
    s, p, k = 0.0, pb, b - 1.0
    while k >= a and k + 1.0 > y:
        s += p
        sk = s / total
        out += (1.0 - max(y - k, 0.0)) * sk * sk
        p /= _ratio(law, p1, p2, p3, k)
        k -= 1.0
    return out


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def binomial(y, n, prob):
    return crps_discrete(BINOMIAL, n, prob, 0.0, y)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def poisson(y, mean):
    return crps_discrete(POISSON, mean, 0.0, 0.0, y)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def negbinom(y, n, prob):
    return crps_discrete(NEGBINOM, n, prob, 0.0, y)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def hypergeometric(y, m, n, k):
    return crps_discrete(HYPERGEOMETRIC, m, n, k, y)


DISTRIBUTIONS = {
    "twopexponential": twopexponential,
    "twopnormal": twopnormal,
    "beta": beta,
    "csg0": csg0,
    "gpd": gpd,
    "exponentialm": exponentialm,
    "loglaplace": loglaplace,
    "loglogistic": loglogistic,
    "gtclogistic": gtclogistic,
    "tlogistic": tlogistic,
    "clogistic": clogistic,
    "gtct": gtct,
    "tt": tt,
    "ct": ct,
    "binomial": binomial,
    "poisson": poisson,
    "negbinom": negbinom,
    "hypergeometric": hypergeometric,
}
