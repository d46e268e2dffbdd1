"""Truncated / censored normal, logistic and t in Numba (mirror of kernels/crps_truncated.hpp, where the
decomposition is documented). The C++ family objects become a family code: NORMAL, LOGISTIC, T, with the
t's degrees of freedom passed alongside."""

from __future__ import annotations

import math

import numba
import numpy as np

from riskcore._numba.special import (
    log1m_minus_over2,
    log1m_over,
    log_gamma_ratio,
    logistic_cdf,
    mills,
    mills_triple,
    normal_cdf,
    normal_pdf,
    normal_q2_integral,
    normal_q_integral,
    student_sf,
)

NORMAL, LOGISTIC, T = 0, 1, 2


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def t_log_c(df):
    return log_gamma_ratio(0.5 * df, 0.5) - 0.5 * math.log(df * math.pi)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _t_cdf(df, x):
    return 1.0 - student_sf(x, df) if x > 0 else student_sf(-x, df)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _t_g(df, log_c, x):
    return math.exp(log_c - 0.5 * (df - 1.0) * math.log1p(x * x / df)) * df / (df - 1.0)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _t_k(df, log_c, x):
    m = 2.0 * df - 1.0
    log_cm = log_gamma_ratio(0.5 * m, 0.5) - 0.5 * math.log(m * math.pi)
    xm = x * math.sqrt(m / df)
    sm = student_sf(abs(xm), m)
    return math.exp(2.0 * log_c - log_cm) * df * math.sqrt(df / m) * (sm if xm >= 0.0 else 1.0 - sm)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def family_cdf(fam, df, x):
    if fam == NORMAL:
        return normal_cdf(x)
    if fam == LOGISTIC:
        return logistic_cdf(x)
    return _t_cdf(df, x)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _js(fam, df, x):
    if math.isinf(x):
        return 0.0 if x > 0 else math.inf
    if fam == NORMAL:
        return normal_q_integral(x)
    if fam == LOGISTIC:
        return math.log1p(math.exp(-x)) if x > 0 else -x + math.log1p(math.exp(x))
    return -x * _t_cdf(df, -x) + _t_g(df, t_log_c(df), x)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _js2(fam, df, x):
    if math.isinf(x):
        return 0.0 if x > 0 else math.inf
    if fam == NORMAL:
        return normal_q2_integral(x)
    if fam == LOGISTIC:
        if x >= 0.0:
            s = logistic_cdf(-x)
            return s * s * log1m_minus_over2(s)
        return -x + math.log1p(math.exp(x)) - logistic_cdf(-x)
    s = _t_cdf(df, -x)
    log_c = t_log_c(df)
    return -x * s * s + 2.0 * s * _t_g(df, log_c, x) - 2.0 * _t_k(df, log_c, x) / (df - 1.0)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def tail_norm(fam, df, lo):
    """R(l) (normal), unused (logistic) or S(l) (t): what the upper tail's functions divide by."""
    if fam == NORMAL:
        return mills(lo)
    if fam == LOGISTIC:
        return 1.0
    return _t_cdf(df, -lo)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _tail_at(fam, df, lo, norm, x):
    if math.isinf(x):
        return 0.0, 0.0, 0.0
    if fam == NORMAL:
        r, v, w = mills_triple(x)
        e = math.exp(-0.5 * (x - lo) * (x + lo)) / norm
        return e * r, e * v, -e * e * (w - r * v)
    if fam == LOGISTIC:
        ex = math.exp(-x)
        s = ex / (1.0 + ex)
        q = math.exp(-(x - lo)) * (1.0 + math.exp(-lo)) / (1.0 + ex)
        return q, q * log1m_over(s), q * q * log1m_minus_over2(s)
    s = _t_cdf(df, -x)
    log_c = t_log_c(df)
    gx = _t_g(df, log_c, x)
    j2 = (-x * s * s + 2.0 * s * gx - 2.0 * _t_k(df, log_c, x) / (df - 1.0)) / (norm * norm)
    return s / norm, (-x * s + gx) / norm, j2


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def tail_mass(fam, df, lo, norm, u):
    """1 - q(u): the mass of [l, u] over S(l)."""
    if fam == LOGISTIC:
        return -math.expm1(-(u - lo)) / (1.0 + math.exp(-u))
    return 1.0 - _tail_at(fam, df, lo, norm, u)[0]


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _upper_tail_integrals(fam, df, lo, u, c):
    norm = tail_norm(fam, df, lo)
    jl, j2l = _tail_at(fam, df, lo, norm, lo)[1:]
    jc, j2c = (jl, j2l) if c == lo else _tail_at(fam, df, lo, norm, c)[1:]
    bounded = not math.isinf(u)
    if bounded:
        qu, ju, j2u = _tail_at(fam, df, lo, norm, u)
        mass = tail_mass(fam, df, lo, norm, u)
    else:
        qu, ju, j2u, mass = 0.0, 0.0, 0.0, 1.0
    iq_lc, iq_cu = jl - jc, jc - ju
    iq2_lc, iq2_cu = j2l - j2c, j2c - j2u
    tail_len = u - c if bounded else 0.0
    return (
        ((c - lo) - iq_lc) / mass,
        ((c - lo) - 2.0 * iq_lc + iq2_lc) / (mass * mass),
        (iq_cu - qu * tail_len) / mass,
        (iq2_cu - 2.0 * qu * iq_cu + qu * qu * tail_len) / (mass * mass),
    )


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _central_integrals(fam, df, lo, u, c):
    fl, su = family_cdf(fam, df, lo), family_cdf(fam, df, -u)
    mass = 1.0 - fl - su
    ip = _js(fam, df, -c) - _js(fam, df, -lo)
    ip2 = _js2(fam, df, -c) - _js2(fam, df, -lo)
    iq = _js(fam, df, c) - _js(fam, df, u)
    iq2 = _js2(fam, df, c) - _js2(fam, df, u)
    head = c - lo if fl > 0.0 else 0.0
    tail = u - c if su > 0.0 else 0.0
    return (
        (ip - fl * head) / mass,
        (ip2 - 2.0 * fl * ip + fl * fl * head) / (mass * mass),
        (iq - su * tail) / mass,
        (iq2 - 2.0 * su * iq + su * su * tail) / (mass * mass),
    )


NARROW_WIDTH, NARROW_SPREAD = 0.5, 2.0  # kernels/crps_truncated.hpp's kNarrowWidth, kNarrowSpread
_GAUSS8_NODES = np.array([
    0.019855071751231912, 0.10166676129318664, 0.2372337950418355, 0.4082826787521751,
    0.5917173212478248, 0.7627662049581645, 0.8983332387068134, 0.9801449282487681,
])  # fmt: skip
_GAUSS8_WEIGHTS = np.array([
    0.05061426814518853, 0.11119051722668721, 0.15685332293894344, 0.18134189168918083,
    0.18134189168918083, 0.15685332293894344, 0.11119051722668721, 0.05061426814518853,
])  # fmt: skip


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _log_slope(fam, df, lo, u):
    """A bound on |(log f)'| on [lo, u] (the families' log_slope)."""
    if fam == NORMAL:
        return max(abs(lo), abs(u))
    if fam == LOGISTIC:
        return 1.0
    return (df + 1.0) * min(0.5 / math.sqrt(df), max(abs(lo), abs(u)) / df)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def narrow_interval(fam, df, lo, u):
    return u - lo <= NARROW_WIDTH and (u - lo) * _log_slope(fam, df, lo, u) <= NARROW_SPREAD


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _log_ratio(fam, df, lo, s):
    """log f(lo + s) / f(lo) (the families' log_ratio)."""
    if fam == NORMAL:
        return -s * (lo + 0.5 * s)
    if fam == LOGISTIC:
        x, a = abs(lo + s), abs(lo)
        return (a - x) + 2.0 * (math.log1p(math.exp(-a)) - math.log1p(math.exp(-x)))
    x = lo + s
    return -0.5 * (df + 1.0) * (math.log1p(x * x / df) - math.log1p(lo * lo / df))


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _density_integral(fam, df, lo, a, b):
    total = 0.0
    for i in range(8):
        total += _GAUSS8_WEIGHTS[i] * math.exp(_log_ratio(fam, df, lo, a + (b - a) * _GAUSS8_NODES[i]))
    return total * (b - a)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _narrow_integrals(fam, df, lo, u, c):
    """kernels/crps_truncated.hpp's narrow_integrals: the four integrals by Gauss-Legendre rules."""
    w, b = u - lo, c - lo
    z = _density_integral(fam, df, lo, 0.0, w)
    a1 = a2 = b1 = b2 = 0.0
    for i in range(8):
        t, v, g = b * _GAUSS8_NODES[i], b + (w - b) * _GAUSS8_NODES[i], _GAUSS8_WEIGHTS[i]
        a1 += g * (b - t) * math.exp(_log_ratio(fam, df, lo, t))
        b1 += g * (v - b) * math.exp(_log_ratio(fam, df, lo, v))
        below, above = _density_integral(fam, df, lo, 0.0, t), _density_integral(fam, df, lo, v, w)
        a2 += g * below * below
        b2 += g * above * above
    return a1 * b / z, a2 * b / (z * z), b1 * (w - b) / z, b2 * (w - b) / (z * z)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def truncated_integrals(fam, df, lo, u, c):
    if narrow_interval(fam, df, lo, u):
        return _narrow_integrals(fam, df, lo, u, c)
    if lo >= 0.0:
        return _upper_tail_integrals(fam, df, lo, u, c)
    if u <= 0.0:
        a1, a2, b1, b2 = _upper_tail_integrals(fam, df, -u, -lo, -c)
        return b1, b2, a1, a2
    return _central_integrals(fam, df, lo, u, c)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def interval_mass(fam, df, lo, u):
    if lo >= 0.0:
        return family_cdf(fam, df, -lo) - family_cdf(fam, df, -u)
    if u <= 0.0:
        return family_cdf(fam, df, u) - family_cdf(fam, df, lo)
    return 1.0 - family_cdf(fam, df, lo) - family_cdf(fam, df, -u)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _pdf(fam, df, x):
    if fam == NORMAL:
        return normal_pdf(x)
    if fam == LOGISTIC:
        return logistic_cdf(x) * logistic_cdf(-x)
    return math.exp(t_log_c(df) - 0.5 * (df + 1.0) * math.log1p(x * x / df))


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _hazard(fam, df, x):
    """f/S at x >= 0."""
    if fam == NORMAL:
        return 1.0 / mills(x)
    if fam == LOGISTIC:
        return logistic_cdf(x)
    return _pdf(fam, df, x) / _t_cdf(df, -x)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _upper_tail_ends(fam, df, lo, u, c):
    norm = tail_norm(fam, df, lo)
    bounded = not math.isinf(u)
    qu = _tail_at(fam, df, lo, norm, u)[0] if bounded else 0.0
    mass = tail_mass(fam, df, lo, norm, u) if bounded else 1.0
    qc = 1.0 if c == lo else _tail_at(fam, df, lo, norm, c)[0]
    density_u = _hazard(fam, df, u) * qu / mass if bounded else 0.0
    return (1.0 - qc) / mass, _hazard(fam, df, lo) / mass, density_u


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def interval_ends(fam, df, lo, u, c):
    """interval_ends of kernels/crps_truncated.hpp: F_T(c), f(l)/Z, f(u)/Z."""
    if narrow_interval(fam, df, lo, u):
        z = _density_integral(fam, df, lo, 0.0, u - lo)
        return _density_integral(fam, df, lo, 0.0, c - lo) / z, 1.0 / z, math.exp(_log_ratio(fam, df, lo, u - lo)) / z
    if lo >= 0.0:
        return _upper_tail_ends(fam, df, lo, u, c)
    if u <= 0.0:
        cdf_c, density_l, density_u = _upper_tail_ends(fam, df, -u, -lo, -c)
        return 1.0 - cdf_c, density_u, density_l
    fl = family_cdf(fam, df, lo)
    mass = 1.0 - fl - family_cdf(fam, df, -u)
    return (family_cdf(fam, df, c) - fl) / mass, _pdf(fam, df, lo) / mass, _pdf(fam, df, u) / mass


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _combine(y, lo, u, lmass, umass, kappa, a1, a2, b1, b2):
    c = min(max(y, lo), u)
    out = abs(y - c) + kappa * kappa * (a2 + b2)
    if lmass > 0.0:
        out += lmass * (lmass * (c - lo) + 2.0 * kappa * a1)
    if umass > 0.0:
        out += umass * (umass * (u - c) + 2.0 * kappa * b1)
    return out


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def crps_gtc(fam, df, y, mu, sigma, lower, upper, lmass, umass):
    w, lo, u = (y - mu) / sigma, (lower - mu) / sigma, (upper - mu) / sigma
    a1, a2, b1, b2 = truncated_integrals(fam, df, lo, u, min(max(w, lo), u))
    return sigma * _combine(w, lo, u, lmass, umass, 1.0 - lmass - umass, a1, a2, b1, b2)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def crps_censored(fam, df, y, mu, sigma, lower, upper):
    w, lo, u = (y - mu) / sigma, (lower - mu) / sigma, (upper - mu) / sigma
    a1, a2, b1, b2 = truncated_integrals(fam, df, lo, u, min(max(w, lo), u))
    kappa = interval_mass(fam, df, lo, u)
    return sigma * _combine(w, lo, u, family_cdf(fam, df, lo), family_cdf(fam, df, -u), kappa, a1, a2, b1, b2)
