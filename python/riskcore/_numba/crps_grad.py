"""Partial derivatives of the closed-form CRPS in Numba (mirror of kernels/crps_grad.hpp)."""

from __future__ import annotations

import math

import numba

from riskcore._numba.crps_families import (
    BINOMIAL,
    NEGBINOM,
    POISSON,
    _ratio,
    beta_spread_ratio,
    discrete_window,
    two_piece_normal_point,
)
from riskcore._numba.crps_truncated import (
    LOGISTIC,
    NORMAL,
    T,
    family_cdf,
    interval_ends,
    interval_mass,
    t_log_c,
    truncated_integrals,
)
from riskcore._numba.special import (
    EULER_GAMMA,
    beta_inc,
    beta_inc_pair,
    digamma,
    digamma_difference,
    expm1_ratio,
    expm1_ratio_slope,
    gamma1p_ratio,
    gamma1p_ratio_slope,
    gamma_fraction_slope,
    gamma_p_pair,
    gamma_p_shape_slope,
    gamma_q,
    gamma_q_pair,
    gamma_shape_terms,
    lgamma1p,
    log1p_curvature,
    log_beta,
    log_gamma_ratio,
    logistic_cdf,
    mills,
    normal_cdf,
    normal_pdf,
    upper_gamma_log,
    upper_gamma_series,
    upper_gamma_series_slopes,
)

_LOG2 = math.log(2.0)
_SQRT2 = math.sqrt(2.0)
_SQRT_PI = math.sqrt(math.pi)
_PHI0 = 1.0 / math.sqrt(2.0 * math.pi)


@numba.njit(cache=True, error_model="numpy")
def lognormal_terms(y, mulog, sigmalog):
    """e^{mu + s^2/2} Phi(w - s) and e^{mu + s^2/2} Q(s / sqrt 2) in scaled form (as in C++)."""
    w = (math.log(y) - mulog) / sigmalog if y > 0 else -math.inf
    if sigmalog >= w:
        below = y * normal_pdf(w) * mills(sigmalog - w) if y > 0 else 0.0
    else:
        below = math.exp(mulog + 0.5 * sigmalog * sigmalog) * normal_cdf(w - sigmalog)
    spread = (
        math.exp(mulog + 0.25 * sigmalog * sigmalog) * mills(sigmalog * 0.70710678118654752440) * 0.3989422804014327
    )
    return below, spread


@numba.njit(cache=True, error_model="numpy")
def normal_mu(y, mu, sigma):
    return 2.0 * normal_cdf(-(y - mu) / sigma) - 1.0


@numba.njit(cache=True, error_model="numpy")
def normal_sigma(y, mu, sigma):
    return 2.0 * normal_pdf((y - mu) / sigma) - 1.0 / math.sqrt(math.pi)


@numba.njit(cache=True, error_model="numpy")
def logistic_mu(y, mu, sigma):
    return -math.tanh(0.5 * (y - mu) / sigma)


@numba.njit(cache=True, error_model="numpy")
def logistic_sigma(y, mu, sigma):
    a = abs((y - mu) / sigma)
    return 2.0 * a * logistic_cdf(-a) + 2.0 * math.log1p(math.exp(-a)) - 1.0


@numba.njit(cache=True, error_model="numpy")
def laplace_location(y, location, scale):
    z = (y - location) / scale
    if z > 0:
        return math.expm1(-z)
    return -math.expm1(z) if z < 0 else 0.0


@numba.njit(cache=True, error_model="numpy")
def laplace_scale(y, location, scale):
    a = abs((y - location) / scale)
    return (1.0 + a) * math.exp(-a) - 0.75


@numba.njit(cache=True, error_model="numpy")
def t_location(y, df, location, scale):
    z = (y - location) / scale
    return -math.copysign(beta_inc(0.5, 0.5 * df, z * z / (df + z * z)), z)


@numba.njit(cache=True, error_model="numpy")
def t_scale(y, df, location, scale):
    z = (y - location) / scale
    g = math.exp(t_log_c(df) - 0.5 * (df - 1.0) * math.log1p(z * z / df)) * df / (df - 1.0)
    half_ratio = log_gamma_ratio(0.5 * df, 0.5)
    constant = 2.0 * math.sqrt(df / math.pi) / (df - 1.0) * math.exp(2.0 * half_ratio - log_gamma_ratio(df - 0.5, 0.5))
    return 2.0 * g - constant


@numba.njit(cache=True, error_model="numpy")
def gev_constant_slope(shape):
    """gev_constant_slope of kernels/crps_grad.hpp: dC/dxi."""
    w = shape * _LOG2
    bracket = _LOG2 * expm1_ratio_slope(w) - expm1_ratio(w) * digamma(1.0 - shape)
    return -gamma1p_ratio_slope(-shape) + _LOG2 * math.exp(lgamma1p(-shape)) * bracket


@numba.njit(cache=True, error_model="numpy")
def _gev_upper_gamma_path_slope(shape, z, t):
    """gev_upper_gamma_path_slope of kernels/crps_grad.hpp: d Gamma(-xi, x)/dxi at fixed z."""
    a = -shape
    log_x = -z if shape == 0.0 else -math.log1p(shape * z) / shape
    x = math.exp(log_x)
    path = z * z * log1p_curvature(shape * z)
    if x >= 1.0 and (a < 1.0 or x >= a + 1.0):
        e = math.exp(-x)
        if not e > 0.0:
            return 0.0
        cf, cf_a = gamma_fraction_slope(a, x)
        return -(t * e / cf) * (log_x - cf_a / cf) - t * e * path
    if not x > 0.0:
        return -gamma1p_ratio_slope(a)
    if a >= 1.0:
        g = math.exp(-x + a * log_x - math.lgamma(a + 1.0))
        p_a = gamma_p_shape_slope(a, x, g, log_x - digamma(a + 1.0))
        return -math.exp(math.lgamma(a)) * (digamma(a) * gamma_q(a, x) - p_a) - t * math.exp(-x) * path
    total, total_a, total_x = upper_gamma_series_slopes(a, x)
    return -gamma1p_ratio_slope(a) - z * total + t * total_a - t * total_x * path


@numba.njit(cache=True, error_model="numpy")
def gev_shape(y, shape, location, scale):
    """GevGradShape of kernels/crps_grad.hpp."""
    z = (y - location) / scale
    t = 1.0 + shape * z
    c_slope = gev_constant_slope(shape)
    if t <= 0.0:
        return scale * (-c_slope if shape > 0 else -2.0 * gamma1p_ratio_slope(-shape) - c_slope)
    return scale * (2.0 * _gev_upper_gamma_path_slope(shape, z, t) - c_slope)


@numba.njit(cache=True, error_model="numpy")
def lognormal_mulog(y, mulog, sigmalog):
    below, spread = lognormal_terms(y, mulog, sigmalog)
    return 2.0 * (spread - below)


@numba.njit(cache=True, error_model="numpy")
def lognormal_sigmalog(y, mulog, sigmalog):
    below, spread = lognormal_terms(y, mulog, sigmalog)
    pdf_term = 2.0 * y * normal_pdf((math.log(y) - mulog) / sigmalog) if y > 0 else 0.0
    return (
        pdf_term - 2.0 * sigmalog * (below - spread) - math.exp(mulog + 0.25 * sigmalog * sigmalog) / math.sqrt(math.pi)
    )


@numba.njit(cache=True, error_model="numpy")
def gev_constant(shape, lg):
    if shape == 0.0:
        return _LOG2 - EULER_GAMMA
    return (-math.expm1(lg) + math.expm1(shape * _LOG2) * math.exp(lg)) / shape


@numba.njit(cache=True, error_model="numpy")
def gev_location(y, shape, location, scale):
    z = (y - location) / scale
    if 1.0 + shape * z <= 0.0:
        return 1.0 if shape > 0 else -1.0
    log_x = -z if shape == 0.0 else -math.log1p(shape * z) / shape
    return 1.0 - 2.0 * math.exp(-math.exp(log_x))


@numba.njit(cache=True, error_model="numpy")
def gev_scale(y, shape, location, scale):
    z = (y - location) / scale
    lg = lgamma1p(-shape)
    constant = gev_constant(shape, lg)
    if 1.0 + shape * z <= 0.0:
        return -constant if shape > 0 else -2.0 * math.expm1(lg) / shape - constant
    log_x = -z if shape == 0.0 else -math.log1p(shape * z) / shape
    x = math.exp(log_x)
    if x < 1.0 and shape > -1.0:
        series = upper_gamma_series(-shape, x) if x > 0.0 else 0.0
        return 2.0 * (gamma1p_ratio(-shape) - (1.0 + shape * z) * series) - constant - 2.0 * z * math.expm1(-x)
    return 2.0 * upper_gamma_log(-shape, log_x) - constant - 2.0 * z * math.exp(-x)


@numba.njit(cache=True, error_model="numpy")
def _two_piece_spread_slope(a, b):
    r2 = _SQRT2
    return ((2.0 - r2) * a**3 + 3.0 * (2.0 - r2) * a * a * b + r2 * a * b * b + (3.0 * r2 - 4.0) * b**3) / (
        _SQRT_PI * (a + b) ** 3
    )


@numba.njit(cache=True, error_model="numpy")
def _two_piece_normal_scale_slope(y, scale1, scale2, location, first):
    t, s, o, total, q, h, e, _, below = two_piece_normal_point(y, scale1, scale2, location)
    v = min(t / s, 40.0)
    if first == below:  # the scale on y's side
        slope = (-4.0 * _PHI0 * s + 8.0 * s * h + 4.0 * s * v * q - e) / total
    else:
        slope = (4.0 * _PHI0 * o - e) / total
    return slope - (_two_piece_spread_slope(scale1, scale2) if first else _two_piece_spread_slope(scale2, scale1))


@numba.njit(cache=True, error_model="numpy")
def twopnormal_scale1(y, scale1, scale2, location):
    return _two_piece_normal_scale_slope(y, scale1, scale2, location, True)


@numba.njit(cache=True, error_model="numpy")
def twopnormal_scale2(y, scale1, scale2, location):
    return _two_piece_normal_scale_slope(y, scale1, scale2, location, False)


@numba.njit(cache=True, error_model="numpy")
def twopnormal_location(y, scale1, scale2, location):
    _, s, _, total, q, _, _, _, below = two_piece_normal_point(y, scale1, scale2, location)
    slope = 1.0 - 4.0 * s / total * q
    return slope if below else -slope


@numba.njit(cache=True, error_model="numpy")
def exponential_rate(y, rate):
    x = min(rate * max(y, 0.0), 800.0)
    return (-2.0 * math.expm1(-x) - 2.0 * x * math.exp(-x) - 0.5) / (rate * rate)


@numba.njit(cache=True, error_model="numpy")
def _two_piece_exponential_scale_slope(y, scale1, scale2, location, first):
    z = y - location
    total = scale1 + scale2
    below = z < 0.0
    s = scale1 if below else scale2
    v = min(abs(z) / s, 800.0)
    e = math.expm1(-v)
    far = -2.0 * s * s * e / (total * total)
    near = (4.0 * s * e + 2.0 * s * v * math.exp(-v)) / total + far
    mine = scale1 if first else scale2
    constant_slope = 1.5 * mine * mine / (total * total) - (scale1**3 + scale2**3) / total**3
    return (near if first == below else far) + constant_slope


@numba.njit(cache=True, error_model="numpy")
def twopexponential_scale1(y, scale1, scale2, location):
    return _two_piece_exponential_scale_slope(y, scale1, scale2, location, True)


@numba.njit(cache=True, error_model="numpy")
def twopexponential_scale2(y, scale1, scale2, location):
    return _two_piece_exponential_scale_slope(y, scale1, scale2, location, False)


@numba.njit(cache=True, error_model="numpy")
def twopexponential_location(y, scale1, scale2, location):
    z = y - location
    s = scale1 if z < 0.0 else scale2
    slope = 1.0 - 2.0 * s / (scale1 + scale2) * math.exp(-abs(z) / s)
    return slope if z < 0.0 else -slope


@numba.njit(cache=True, error_model="numpy")
def _gamma_rate_slope_times_rate2(y, shape, rate):
    _, p_next = gamma_p_pair(shape, rate * y)
    return shape * (2.0 * p_next - 1.0) + math.exp(log_gamma_ratio(shape, 0.5)) / _SQRT_PI


@numba.njit(cache=True, error_model="numpy")
def gamma_shape(y, shape, rate):
    """GammaGradShape of kernels/crps_grad.hpp."""
    _, p_next = gamma_p_pair(shape, rate * y)
    inv_beta = math.exp(log_gamma_ratio(shape, 0.5)) / _SQRT_PI
    moment = gamma_shape_terms(shape, rate * y)[2]
    return (moment - (2.0 * p_next - 1.0) - digamma_difference(shape, 0.5) * inv_beta) / rate


@numba.njit(cache=True, error_model="numpy")
def gamma_rate(y, shape, rate):
    return _gamma_rate_slope_times_rate2(y, shape, rate) / (rate * rate)


@numba.njit(cache=True, error_model="numpy")
def gamma_scale(y, shape, rate):
    return -_gamma_rate_slope_times_rate2(y, shape, rate)


@numba.njit(cache=True, error_model="numpy")
def _uniform_slopes(y, lower, upper, lmass, umass):
    """uniform_slopes of kernels/crps_grad.hpp: d/dlower, d/dupper, d/dlmass, d/dumass."""
    width = upper - lower
    kappa = 1.0 - lmass - umass
    w = (y - lower) / width
    f = min(max(w, 0.0), 1.0)
    c0 = kappa * kappa / 3.0 + (1.0 - lmass) * umass
    c1 = lmass - umass + c0
    if w < 0.0:
        d_lower, d_upper = 1.0 - c0, c0
    elif w > 1.0:
        d_lower, d_upper = -c1, c1 - 1.0
    else:
        d_lower, d_upper = kappa * w * w - 2.0 * kappa * w + 1.0 - 2.0 * lmass - c0, c0 - kappa * w * w
    d_lmass = width * (2.0 * f - f * f - 2.0 * kappa / 3.0 - umass)
    d_umass = width * (1.0 - lmass - f * f - 2.0 * kappa / 3.0)
    return d_lower, d_upper, d_lmass, d_umass


@numba.njit(cache=True, error_model="numpy")
def _gpd_slopes(y, shape, location, scale, mass):
    """gpd_slopes of kernels/crps_grad.hpp: d/dshape, d/dlocation, d/dscale, d/dmass."""
    z = (y - location) / scale
    keep = 1.0 - mass
    sf, head, head_shape = 1.0, 0.0, 0.0
    if z > 0.0:
        if shape < 0.0 and z >= -1.0 / shape:
            sf, head = 0.0, 1.0
        else:
            log_s = -z if shape == 0.0 else -math.log1p(shape * z) / shape
            power = math.exp((1.0 - shape) * log_s)
            sf = math.exp(log_s)
            head = -math.expm1((1.0 - shape) * log_s)
            if power > 0.0:
                head_shape = power * (log_s - (1.0 - shape) * z * z * log1p_curvature(shape * z))
    tail = keep * keep / (2.0 - shape)
    z_sf = z * sf if sf > 0.0 else 0.0
    spread = 1.0 - shape
    d_shape = scale * (tail / (2.0 - shape) - 2.0 * keep * (head_shape + head / spread) / spread)
    d_mass = scale * (2.0 * head / spread - 2.0 * keep / (2.0 - shape))
    if z > 0.0:
        return d_shape, 2.0 * keep * sf - 1.0, 2.0 * keep * z_sf - 2.0 * keep * head / spread + tail, d_mass
    return d_shape, 1.0, tail, d_mass


@numba.njit(cache=True, error_model="numpy")
def _exponential_m_slopes(y, mass, location, scale):
    """exponential_m_slopes of kernels/crps_grad.hpp: d/dmass, d/dlocation, d/dscale."""
    z = y - location
    keep = 1.0 - mass
    v = min(z / scale, 800.0) if z > 0.0 else 0.0
    e = math.exp(-v)
    cdf = -math.expm1(-v)
    d_mass = scale * (2.0 * cdf - keep)
    if z > 0.0:
        return d_mass, 2.0 * keep * e - 1.0, 2.0 * keep * v * e - keep * (2.0 * cdf - 0.5 * keep)
    return d_mass, 1.0, 0.5 * keep * keep


@numba.njit(cache=True, error_model="numpy")
def _beta_slopes(y, a, b, lower, upper):
    """beta_slopes of kernels/crps_grad.hpp: d/dlower, d/dupper."""
    w = (y - lower) / (upper - lower)
    i, i_next = beta_inc_pair(a, b, w, log_beta(a, b))
    up = a / (a + b) * (1.0 - 2.0 * i_next - beta_spread_ratio(a, b))
    return 1.0 - 2.0 * i - up, up


@numba.njit(cache=True, error_model="numpy")
def _csg0_slopes(y, a, b, shift):
    """csg0_slopes of kernels/crps_grad.hpp: b^2 d/drate, d/dshift."""
    if y != y:
        return y, y
    t = (y if y > 0.0 else 0.0) + shift
    qd, q1d = gamma_q_pair(a, b * shift)
    qt, q1t = gamma_q_pair(a, b * t)
    spread = gamma_q(2.0 * a + 1.0, 2.0 * b * shift) * math.exp(log_gamma_ratio(a, 0.5)) / _SQRT_PI
    return a * q1d * (2.0 - q1d) - 2.0 * a * q1t + spread, qd * (2.0 - qd) - 2.0 * qt


@numba.njit(cache=True, error_model="numpy")
def csg0_shape(y, a, b, shift):
    """csg0_shape_slope of kernels/crps_grad.hpp."""
    t = (y if y > 0.0 else 0.0) + shift
    qd, q1d = gamma_q_pair(a, b * shift)
    _, q1t = gamma_q_pair(a, b * t)
    moment_t = gamma_shape_terms(a, b * t)[2]
    slope_d, g_lr_d, moment_d = gamma_shape_terms(a, b * shift)
    beta = math.exp(-log_gamma_ratio(a + 0.5, 0.5)) / _SQRT_PI
    mass_terms = 2.0 * q1t - 2.0 * q1d + qd * (2.0 * q1d - qd)
    mass_terms += 2.0 * slope_d * (b * shift * qd - a * q1d) + 2.0 * a * qd * g_lr_d
    spread_terms = -beta * gamma_q(2.0 * a, 2.0 * b * shift) * (1.0 - a * digamma_difference(a + 0.5, 0.5))
    spread_terms += 2.0 * a * beta * gamma_shape_terms(2.0 * a, 2.0 * b * shift)[0]
    return (moment_t - moment_d + mass_terms + spread_terms) / b


@numba.njit(cache=True, error_model="numpy")
def csg0_rate(y, a, b, shift):
    return _csg0_slopes(y, a, b, shift)[0] / (b * b)


@numba.njit(cache=True, error_model="numpy")
def csg0_scale(y, a, b, shift):
    return -_csg0_slopes(y, a, b, shift)[0]


@numba.njit(cache=True, error_model="numpy")
def csg0_shift(y, a, b, shift):
    return _csg0_slopes(y, a, b, shift)[1]


@numba.njit(cache=True, error_model="numpy")
def _loglaplace_slopes(y, mulog, s):
    """loglaplace_slopes of kernels/crps_grad.hpp: d/dlocationlog, d/dscalelog."""
    if y <= 0.0:
        a = 1.0 / (1.0 + s)
        a_s = -a * a
    else:
        w = (math.log(y) - mulog) / s
        if w < 0.0:
            k = 1.0 + s
            m = math.expm1(k * w)
            a = -m / k
            a_s = -w * (m + 1.0) / k + m / (k * k)
        else:
            k = 1.0 - s
            m = math.expm1(-k * w)
            e = m + 1.0
            a = m / k
            a_s = (w * e if e > 0.0 else 0.0) / k + m / (k * k)
    scale = math.exp(mulog)
    d = 4.0 - s * s
    return scale * (a + s / d), scale * (a_s + (4.0 + s * s) / (d * d))


@numba.njit(cache=True, error_model="numpy")
def _logit_power_integrals(x, c):
    """logit_power_integrals of kernels/crps_grad.hpp: int_0^x r^c du, int_0^x r^c log r du (x <= 1/2)."""
    if x == 0.0:
        return 0.0, 0.0
    a, da, xk, total, dtotal, k = 1.0, 0.0, 1.0, 0.0, 0.0, 0
    while xk > 2.0**-57:
        inv = 1.0 / (c + k + 1.0)
        total += a * xk * inv
        dtotal += (da - a * inv) * xk * inv
        da = (da * (c + k) + a) / (k + 1.0)
        a *= (c + k) / (k + 1.0)
        xk *= x
        k += 1
    lead = x ** (c + 1.0)
    return lead * total, lead * (total * math.log(x) + dtotal)


@numba.njit(cache=True, error_model="numpy")
def _beta_sym(s):
    """beta_sym of kernels/crps_grad.hpp: pi s/sin(pi s) and its derivative."""
    sin_ps = math.sin(math.pi * (1.0 - s)) if s > 0.5 else math.sin(math.pi * s)
    cos_ps = math.sin(math.pi * (0.5 - s)) if s > 0.25 else math.cos(math.pi * s)
    x = math.pi * s
    x2 = x * x
    if x < 0.25:
        tail = 1.0 / 4725 + x2 * (2.0 / 93555 + x2 * (1382.0 / 638512875 + x2 * (4.0 / 18243225)))
        one_minus_xcot = x2 * (1.0 / 3 + x2 * (1.0 / 45 + x2 * (2.0 / 945 + x2 * tail)))
    else:
        one_minus_xcot = 1.0 - x * cos_ps / sin_ps
    return x / sin_ps, math.pi / sin_ps * one_minus_xcot


@numba.njit(cache=True, error_model="numpy")
def _loglogistic_slopes(y, mulog, s):
    """loglogistic_slopes of kernels/crps_grad.hpp: d/dmulog, d/dsigmalog."""
    if y != y:
        return y, y
    b, db = _beta_sym(s)
    q = (math.log(y) - mulog) / s if y > 0.0 else -math.inf
    if q <= 0.0:
        m, lint = _logit_power_integrals(logistic_cdf(q), s)
        b_ip = m
        if s <= 0.5:
            half_gap = 0.5 * (b + (s - 1.0) * db)
        else:
            mb, mdb = _beta_sym(1.0 - s)
            half_gap = 0.5 * (s * mdb - mb)
        j_minus_k = half_gap + lint
    else:
        m, lint = _logit_power_integrals(logistic_cdf(-q), -s)
        b_ip = b - m
        j_minus_k = 0.5 * (b + (1.0 + s) * db) + lint
    scale = math.exp(mulog)
    return -scale * (2.0 * b_ip + (s - 1.0) * b), -2.0 * scale * j_minus_k


@numba.njit(cache=True, error_model="numpy")
def gtc_slopes(fam, df, y, mu, sigma, lower, upper, lmass, umass):
    """gtc_slopes of kernels/crps_grad.hpp: d/d(location, scale, lower, upper, lmass, umass)."""
    z, lo, u = (y - mu) / sigma, (lower - mu) / sigma, (upper - mu) / sigma
    c = min(max(z, lo), u)
    kappa = 1.0 - lmass - umass
    a1, a2, b1, b2 = truncated_integrals(fam, df, lo, u, c)
    cdf_c, density_l, density_u = interval_ends(fam, df, lo, u, c)
    finite_l, finite_u = not math.isinf(lo), not math.isinf(u)
    dz = -1.0 if z < lo else (1.0 if z >= u else 2.0 * (lmass + kappa * cdf_c) - 1.0)
    dl = du = 0.0
    if finite_l:
        il = lmass * ((c - lo) - a1) + kappa * ((a1 - a2) - b2) - umass * b1
        dl = (lmass * (2.0 - lmass) if z <= lo else -lmass * lmass) - 2.0 * kappa * density_l * il
    if finite_u:
        iu = lmass * a1 + kappa * a2 - umass * ((u - c) - b1) - kappa * (b1 - b2)
        du = (umass * umass if z <= u else -umass * (2.0 - umass)) - 2.0 * kappa * density_u * iu
    head = c - lo if finite_l else 0.0
    tail = u - c if finite_u else 0.0
    rest = (
        kappa * kappa * (a2 + b2)
        + lmass * (lmass * head + 2.0 * kappa * a1)
        + umass * (umass * tail + 2.0 * kappa * b1)
    )
    spread = -2.0 * kappa * (a2 + b2)
    scale = rest - c * dz - (lo * dl if finite_l else 0.0) - (u * du if finite_u else 0.0)
    d_lmass = (
        sigma * (spread + 2.0 * lmass * head + 2.0 * (kappa - lmass) * a1 - 2.0 * umass * b1) if finite_l else math.inf
    )
    d_umass = (
        sigma * (spread + 2.0 * umass * tail + 2.0 * (kappa - umass) * b1 - 2.0 * lmass * a1) if finite_u else math.inf
    )
    return -(dz + dl + du), scale, dl, du, d_lmass, d_umass


@numba.njit(cache=True, error_model="numpy")
def censored_slopes(fam, df, y, mu, sigma, lower, upper):
    """censored_slopes of kernels/crps_grad.hpp: d/d(location, scale, lower, upper)."""
    z, lo, u = (y - mu) / sigma, (lower - mu) / sigma, (upper - mu) / sigma
    c = min(max(z, lo), u)
    a1, a2, b1, b2 = truncated_integrals(fam, df, lo, u, c)
    fl, sl, su = family_cdf(fam, df, lo), family_cdf(fam, df, -lo), family_cdf(fam, df, -u)
    kappa = interval_mass(fam, df, lo, u)
    finite_l, finite_u = not math.isinf(lo), not math.isinf(u)
    if z < lo:
        dz = -1.0
    elif z >= u:
        dz = 1.0
    else:
        dz = 1.0 - 2.0 * family_cdf(fam, df, -z) if z > 0.0 else 2.0 * family_cdf(fam, df, z) - 1.0
    dl = (1.0 - sl * sl if z <= lo else -fl * fl) if finite_l else 0.0
    du = (su * su if z <= u else -su * (2.0 - su)) if finite_u else 0.0
    head = c - lo if finite_l else 0.0
    tail = u - c if finite_u else 0.0
    rest = kappa * kappa * (a2 + b2) + fl * (fl * head + 2.0 * kappa * a1) + su * (su * tail + 2.0 * kappa * b1)
    scale = rest - c * dz - (lo * dl if finite_l else 0.0) - (u * du if finite_u else 0.0)
    return -(dz + dl + du), scale, dl, du


def _part(slopes, k, *fixed):
    """The k-th partial of ``slopes(*fixed, *args)`` as an elementwise function of the score's arguments
    (the SlopeOf of kernels/crps_grad.hpp)."""

    @numba.njit(error_model="numpy")
    def partial(*args):
        return slopes(*(fixed + args))[k]

    return partial


@numba.njit(cache=True, error_model="numpy")
def _gtc_t_slopes(y, df, mu, sigma, lower, upper, lmass, umass):
    return gtc_slopes(T, df, y, mu, sigma, lower, upper, lmass, umass)


@numba.njit(cache=True, error_model="numpy")
def _censored_t_slopes(y, df, mu, sigma, lower, upper):
    return censored_slopes(T, df, y, mu, sigma, lower, upper)


@numba.njit(cache=True, error_model="numpy")
def _cdf_slope(law, p1, p2, k):
    """dF(k)/dtheta over p(k) (crps_discrete.hpp's slope functions)."""
    if law == POISSON:
        return -1.0
    if law == BINOMIAL:
        return -(p1 - k) / (1.0 - p2) if k < p1 else 0.0
    return (p1 + k) / p2


@numba.njit(cache=True, error_model="numpy")
def crps_discrete_slope(law, p1, p2, y):
    """crps_discrete_slope of kernels/crps_discrete.hpp."""
    check = y + p1 + p2
    if check != check:
        return check
    a, pa, b, pb, total = discrete_window(law, p1, p2, 0.0)
    out, f, p, k = 0.0, 0.0, pa, a
    while k <= b and k < y:
        f += p
        out += min(y - k, 1.0) * (f / total) * _cdf_slope(law, p1, p2, k) * (p / total)
        if k < b:
            p *= _ratio(law, p1, p2, 0.0, k)
        k += 1.0
    s, p, k = 0.0, pb, b - 1.0
    while k >= a and k + 1.0 > y:
        s += p
        p /= _ratio(law, p1, p2, 0.0, k)
        out -= (1.0 - max(y - k, 0.0)) * (s / total) * _cdf_slope(law, p1, p2, k) * (p / total)
        k -= 1.0
    return 2.0 * out


@numba.njit(cache=True, error_model="numpy")
def poisson_mean(y, mean):
    return crps_discrete_slope(POISSON, mean, 0.0, y)


@numba.njit(cache=True, error_model="numpy")
def binomial_prob(y, n, prob):
    return crps_discrete_slope(BINOMIAL, n, prob, y)


@numba.njit(cache=True, error_model="numpy")
def negbinom_prob(y, n, prob):
    return crps_discrete_slope(NEGBINOM, n, prob, y)


@numba.njit(cache=True, error_model="numpy")
def negbinom_mu(y, n, prob):
    return -prob * prob / n * crps_discrete_slope(NEGBINOM, n, prob, y)


_GTC_PARTS = ("location", "scale", "lower", "upper", "lmass", "umass")
TRUNCATED = {
    **{f"grad_gtcnormal_{n}": _part(gtc_slopes, i, NORMAL, 0.0) for i, n in enumerate(_GTC_PARTS)},
    **{f"grad_gtclogistic_{n}": _part(gtc_slopes, i, LOGISTIC, 0.0) for i, n in enumerate(_GTC_PARTS)},
    **{f"grad_gtct_{n}": _part(_gtc_t_slopes, i) for i, n in enumerate(_GTC_PARTS)},
    **{f"grad_cnormal_{n}": _part(censored_slopes, i, NORMAL, 0.0) for i, n in enumerate(_GTC_PARTS[:4])},
    **{f"grad_clogistic_{n}": _part(censored_slopes, i, LOGISTIC, 0.0) for i, n in enumerate(_GTC_PARTS[:4])},
    **{f"grad_ct_{n}": _part(_censored_t_slopes, i) for i, n in enumerate(_GTC_PARTS[:4])},
}
_SLOPES = {  # family: (slopes function, its partials in order)
    "uniform": (_uniform_slopes, ("lower", "upper", "lmass", "umass")),
    "gpd": (_gpd_slopes, ("shape", "location", "scale", "mass")),
    "exponentialm": (_exponential_m_slopes, ("mass", "location", "scale")),
    "beta": (_beta_slopes, ("lower", "upper")),
    "loglaplace": (_loglaplace_slopes, ("locationlog", "scalelog")),
    "loglogistic": (_loglogistic_slopes, ("mulog", "sigmalog")),
}
JOINT = {
    f"grad_{family}_{name}": _part(slopes, i)
    for family, (slopes, names) in _SLOPES.items()
    for i, name in enumerate(names)
}

DISTRIBUTIONS = {
    "grad_normal_mu": normal_mu,
    "grad_normal_sigma": normal_sigma,
    "grad_logistic_mu": logistic_mu,
    "grad_logistic_sigma": logistic_sigma,
    "grad_laplace_location": laplace_location,
    "grad_laplace_scale": laplace_scale,
    "grad_t_location": t_location,
    "grad_t_scale": t_scale,
    "grad_lognormal_mulog": lognormal_mulog,
    "grad_lognormal_sigmalog": lognormal_sigmalog,
    "grad_gev_shape": gev_shape,
    "grad_gev_location": gev_location,
    "grad_gev_scale": gev_scale,
    "grad_twopnormal_scale1": twopnormal_scale1,
    "grad_twopnormal_scale2": twopnormal_scale2,
    "grad_twopnormal_location": twopnormal_location,
    "grad_exponential_rate": exponential_rate,
    "grad_twopexponential_scale1": twopexponential_scale1,
    "grad_twopexponential_scale2": twopexponential_scale2,
    "grad_twopexponential_location": twopexponential_location,
    "grad_gamma_shape": gamma_shape,
    "grad_gamma_rate": gamma_rate,
    "grad_gamma_scale": gamma_scale,
    "grad_csg0_shape": csg0_shape,
    "grad_csg0_rate": csg0_rate,
    "grad_csg0_scale": csg0_scale,
    "grad_csg0_shift": csg0_shift,
    "grad_poisson_mean": poisson_mean,
    "grad_binomial_prob": binomial_prob,
    "grad_negbinom_prob": negbinom_prob,
    "grad_negbinom_mu": negbinom_mu,
    **TRUNCATED,
    **JOINT,
}
