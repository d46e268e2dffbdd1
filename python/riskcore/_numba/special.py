"""Special functions for the Numba closed forms (mirror of kernels/special.hpp; same algorithms)."""

from __future__ import annotations

import math

import numba

_TINY = 1e-300
_EPS = 1e-16
_MAX_ITER = 1000
EULER_GAMMA = 0.57721566490153286061


@numba.njit(cache=True, error_model="numpy")
def normal_cdf(x):
    return 0.5 * math.erfc(-x * 0.70710678118654752440)


@numba.njit(cache=True, error_model="numpy")
def normal_pdf(x):
    return 0.39894228040143267794 * math.exp(-0.5 * x * x)


@numba.njit(cache=True, error_model="numpy")
def log_beta(a, b):
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


@numba.njit(cache=True, error_model="numpy")
def _lentz_step(f, c, d, a, b):
    d = b + a * d
    d = _TINY if abs(d) < _TINY else d
    c = b + a / c
    c = _TINY if abs(c) < _TINY else c
    d = 1.0 / d
    delta = c * d
    return f * delta, c, d, abs(delta - 1.0) < _EPS


@numba.njit(cache=True, error_model="numpy")
def _gamma_p_series(a, x):
    term = 1.0 / a
    total = term
    for n in range(1, _MAX_ITER + 1):
        term *= x / (a + n)
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


@numba.njit(cache=True, error_model="numpy")
def _gamma_fraction(a, x):
    """cf(a, x) with Q(a, x) = x^a e^-x / (Gamma(a) cf(a, x)), x >= a + 1."""
    f = x + 1.0 - a
    f = _TINY if f == 0.0 else f
    c, d = f, 0.0
    for n in range(1, _MAX_ITER + 1):
        f, c, d, done = _lentz_step(f, c, d, -n * (n - a), x + 2.0 * n + 1.0 - a)
        if done:
            break
    return f


@numba.njit(cache=True, error_model="numpy")
def _gamma_q_fraction(a, x):
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) / _gamma_fraction(a, x)


@numba.njit(cache=True, error_model="numpy")
def gamma_p_pair(a, x):
    """(P(a, x), P(a + 1, x)) from one evaluation: P(a + 1, x) = P(a, x) - x^a e^-x / Gamma(a + 1)."""
    if x <= 0.0 or math.isinf(x):
        edge = 0.0 if x <= 0.0 else 1.0
        return edge, edge
    g = math.exp(-x + a * math.log(x) - math.lgamma(a + 1.0))
    if x < a + 1.0:
        term = 1.0
        total = 0.0
        for n in range(1, _MAX_ITER + 1):
            term *= x / (a + n)
            total += term
            if term < total * _EPS:
                break
        return g + g * total, g * total
    q = a * g / _gamma_fraction(a, x)
    return 1.0 - q, 1.0 - (q + g)


@numba.njit(cache=True, error_model="numpy")
def gamma_q_pair(a, x):
    """(Q(a, x), Q(a + 1, x)) without a 1 - P cancellation (gamma_q_pair of kernels/special.hpp)."""
    if x <= 0.0 or math.isinf(x) or x < a + 1.0:
        p, p_next = gamma_p_pair(a, x)
        return 1.0 - p, 1.0 - p_next
    g = math.exp(-x + a * math.log(x) - math.lgamma(a + 1.0))
    q = a * g / _gamma_fraction(a, x)
    return q, q + g


@numba.njit(cache=True, error_model="numpy")
def log1p_curvature(u):
    """log1p_curvature of kernels/special.hpp: (log1p(u) - u / (1 + u)) / u^2."""
    if abs(u) >= 0.1:
        return (math.log1p(u) - u / (1.0 + u)) / (u * u)
    total = 0.0
    for j in range(15, -1, -1):
        total = total * -u + (j + 1.0) / (j + 2.0)
    return total


@numba.njit(cache=True, error_model="numpy")
def _stirling_delta_slope(x):
    r = 1.0 / (x * x)
    tail = 1.0 / 132.0 + r * (-691.0 / 32760.0 + r / 12.0)
    return -r * (1.0 / 12.0 + r * (-1.0 / 120.0 + r * (1.0 / 252.0 + r * (-1.0 / 240.0 + r * tail))))


@numba.njit(cache=True, error_model="numpy")
def digamma(x):
    """psi(x), x > 0 (digamma of kernels/special.hpp)."""
    shift = 0.0
    while x < 10.0:
        shift -= 1.0 / x
        x += 1.0
    return shift + math.log(x) - 0.5 / x + _stirling_delta_slope(x)


@numba.njit(cache=True, error_model="numpy")
def digamma_difference(x, h):
    """psi(x + h) - psi(x) without the difference (digamma_difference of kernels/special.hpp)."""
    total = 0.0
    while x < 10.0:
        total += h / (x * (x + h))
        x += 1.0
    return total + math.log1p(h / x) + h / (2.0 * x * (x + h)) + _stirling_delta_slope(x + h) - _stirling_delta_slope(x)


@numba.njit(cache=True, error_model="numpy")
def gamma_fraction_slope(a, x):
    """(cf(a, x), dcf/da): _gamma_fraction with the Lentz recurrence in forward mode (gamma_fraction_slope of
    kernels/special.hpp)."""
    f, df = x + 1.0 - a, -1.0
    if f == 0.0:
        f = _TINY
    c, dc, d, dd = f, df, 0.0, 0.0
    for n in range(1, _MAX_ITER + 1):
        an, dan, bn = -n * (n - a), float(n), x + 2.0 * n + 1.0 - a
        d_next, dd_next = bn + an * d, -1.0 + dan * d + an * dd
        if abs(d_next) < _TINY:
            d_next, dd_next = _TINY, 0.0
        c_next, dc_next = bn + an / c, -1.0 + dan / c - an * dc / (c * c)
        if abs(c_next) < _TINY:
            c_next, dc_next = _TINY, 0.0
        d = 1.0 / d_next
        dd = -dd_next * d * d
        c, dc = c_next, dc_next
        delta, ddelta = c * d, dc * d + c * dd
        df = df * delta + f * ddelta
        f *= delta
        if abs(delta - 1.0) < _EPS and abs(ddelta) <= _EPS * abs(df / f):
            break
    return f, df


@numba.njit(cache=True, error_model="numpy")
def gamma_p_shape_slope(a, x, g, lr):
    """dP(a, x)/da, 0 < x < inf, g = x^a e^-x / Gamma(a + 1), lr = log x - psi(a + 1) (gamma_p_shape_slope
    of kernels/special.hpp: the series below x = a + 1, the forward-differentiated continued fraction above)."""
    if x < a + 1.0:
        term, total, harmonic, weighted = 1.0, 0.0, 0.0, 0.0
        for n in range(1, _MAX_ITER + 1):
            term *= x / (a + n)
            harmonic += 1.0 / (a + n)
            total += term
            weighted += term * harmonic
            if term < total * _EPS and term * harmonic < weighted * _EPS:
                break
        return g * (lr * (1.0 + total) - weighted)
    cf, cf_a = gamma_fraction_slope(a, x)
    return -(a * g / cf) * (1.0 / a + lr - cf_a / cf)


@numba.njit(cache=True, error_model="numpy")
def gamma_shape_terms(a, x):
    """(dP(a, x)/da, d g/da, 2 (x - a) dP(a, x)/da + 2 a d g/da), g = x^a e^-x / Gamma(a + 1): gamma_shape_terms
    of kernels/special.hpp, all 0 at x = 0 and x = inf."""
    if not x > 0.0 or math.isinf(x):
        return 0.0, 0.0, 0.0
    lr = math.log(x) - digamma(a + 1.0)
    g = math.exp(-x + a * math.log(x) - math.lgamma(a + 1.0))
    slope = gamma_p_shape_slope(a, x, g, lr)
    return slope, g * lr, 2.0 * (x - a) * slope + 2.0 * a * g * lr


@numba.njit(cache=True, error_model="numpy")
def gamma_q(a, x):
    """Regularised upper incomplete gamma Q(a, x)."""
    if x <= 0.0:
        return 1.0
    if math.isinf(x):
        return 0.0
    return 1.0 - _gamma_p_series(a, x) if x < a + 1.0 else _gamma_q_fraction(a, x)


@numba.njit(cache=True, error_model="numpy")
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


@numba.njit(cache=True, error_model="numpy")
def beta_inc_pair(a, b, x, lbeta):
    """(I_x(a, b), I_x(a + 1, b)) from one continued fraction: I_x(a + 1, b) = I_x(a, b) - x^a (1-x)^b / (a B)."""
    if x <= 0.0 or x >= 1.0:
        edge = 0.0 if x <= 0.0 else 1.0
        return edge, edge
    front = math.exp(a * math.log(x) + b * math.log1p(-x) - lbeta)
    if x < (a + 1.0) / (a + b + 2.0):
        i = front / (a * _beta_fraction(a, b, x))
    else:
        i = 1.0 - front / (b * _beta_fraction(b, a, 1.0 - x))
    return i, i - front / a


@numba.njit(cache=True, error_model="numpy")
def beta_inc(a, b, x):
    """Regularised incomplete beta I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    return beta_inc_pair(a, b, x, log_beta(a, b))[0]


_SQRT2 = math.sqrt(2.0)
_SQRT_PI = math.sqrt(math.pi)
_ZETA = (
    1.6449340668482264365,
    1.2020569031595942854,
    1.0823232337111381915,
    1.0369277551433699263,
    1.0173430619844491397,
    1.0083492773819228268,
    1.0040773561979443394,
    1.0020083928260822144,
    1.0009945751278180853,
    1.0004941886041194646,
    1.0002460865533080483,
    1.0001227133475784891,
)


@numba.njit(cache=True, error_model="numpy")
def _square_error(x):
    # x * x - fl(x * x) exactly (Dekker's product; what fma(x, x, -hi) gives in C++)
    split = 134217729.0 * x
    hi = split - (split - x)
    lo = x - hi
    p = x * x
    return ((hi * hi - p) + 2.0 * hi * lo) + lo * lo


@numba.njit(cache=True, error_model="numpy")
def exp_square(x):
    return math.exp(x * x) * (1.0 + _square_error(x))


@numba.njit(cache=True, error_model="numpy")
def _erfcx_positive(x):
    if x < 10.0:
        return math.erfc(x) * exp_square(x)
    r = 0.5 / (x * x)
    term = 1.0
    total = 1.0
    for n in range(1, 40):
        term *= -(2 * n - 1) * r
        total += term
        if abs(term) < _EPS * total:
            break
    return total / (x * _SQRT_PI)


@numba.njit(cache=True, error_model="numpy")
def erfcx(x):
    return _erfcx_positive(x) if x >= 0.0 else 2.0 * exp_square(x) - _erfcx_positive(-x)


@numba.njit(cache=True, error_model="numpy")
def mills(x):
    return 1.25331413731550025121 * erfcx(x * 0.70710678118654752440)


@numba.njit(cache=True, error_model="numpy")
def mills_v(x):
    if x < 10.0:
        return 1.0 - x * mills(x)
    r = 1.0 / (x * x)
    term = r
    total = r
    for n in range(2, 60):
        term *= -(2 * n - 1) * r
        total += term
        if abs(term) < _EPS * total:
            break
    return total


@numba.njit(cache=True, error_model="numpy")
def mills_w(x):
    if x < 10.0:
        return _SQRT2 * mills(_SQRT2 * x) - mills(x)
    r = 1.0 / (x * x)
    dfact = 1.0
    power = 1.0 / x
    half = 1.0
    total = 0.0
    for n in range(1, 60):
        dfact *= -(2 * n - 1)
        power *= r
        half *= 0.5
        term = dfact * (half - 1.0) * power
        total += term
        if abs(term) < _EPS * abs(total):
            break
    return total


@numba.njit(cache=True, error_model="numpy")
def normal_q_integral(x):
    if math.isinf(x):
        return 0.0 if x > 0 else math.inf
    if x >= 0.0:
        return normal_pdf(x) * mills_v(x)
    return normal_pdf(x) - x * normal_cdf(-x)


@numba.njit(cache=True, error_model="numpy")
def normal_q2_integral(x):
    if math.isinf(x):
        return 0.0 if x > 0 else math.inf
    if x >= 0.0:
        pdf = normal_pdf(x)
        return -pdf * pdf * (mills_w(x) - mills(x) * mills_v(x))
    q = normal_cdf(-x)
    return -x * q * q + 2.0 * normal_pdf(x) * q - normal_cdf(-_SQRT2 * x) / _SQRT_PI


@numba.njit(cache=True, error_model="numpy")
def lgamma1p(a):
    if abs(a) >= 0.05:
        return math.lgamma(1.0 + a)
    total = 0.0
    power = -a
    for k in range(12):
        power *= -a
        total += _ZETA[k] * power / (k + 2)
    return -EULER_GAMMA * a + total


@numba.njit(cache=True, error_model="numpy")
def upper_gamma_series(a, x):
    """S = sum_{n>=1} (-x)^n / (n! (a + n)), 0 < x < 1 (upper_gamma_series of kernels/special.hpp)."""
    term = 1.0
    total = 0.0
    for n in range(1, _MAX_ITER + 1):
        term *= -x / n
        t = term / (a + n)
        total += t
        if abs(t) < _EPS * abs(total):
            break
    return total


@numba.njit(cache=True, error_model="numpy")
def upper_gamma_log(a, log_x):
    """Gamma(a, x), a > -1, from log_x = log x > -inf (x may underflow; upper_gamma_log of kernels/special.hpp)."""
    x = math.exp(log_x)
    if math.isinf(x):
        return 0.0
    if x >= 1.0 and (a < 1.0 or x >= a + 1.0):
        return math.exp(-x + a * log_x) / _gamma_fraction(a, x)
    if a >= 1.0:
        return math.exp(math.lgamma(a)) * gamma_q(a, x)
    head = -EULER_GAMMA - log_x if a == 0.0 else (math.expm1(lgamma1p(a)) - math.expm1(a * log_x)) / a
    if not x > 0.0:
        return head
    return head - math.exp(a * log_x) * upper_gamma_series(a, x)


_GAMMA1P_RATIO_SLOPE = (
    0.9890559953279725554,
    -1.814958152161772578,
    2.945184260503200562,
    -3.9279802756125808084,
    4.9657455731063809658,
    -5.9760105626545892038,
    6.9867398564819024539,
    -7.9922021409756389424,
    8.9956409046549969696,
    -9.9975659750860128703,
    10.998660984466466033,
    -11.999268770477331802,
    12.999603730925267358,
    -13.999786537791278682,
    14.999885617186098238,
    -15.999938985431572992,
    16.999967582379225165,
    -17.999982836440400839,
)


@numba.njit(cache=True, error_model="numpy")
def gamma1p_ratio(a):
    """(Gamma(1 + a) - 1) / a, -euler at a = 0 (gamma1p_ratio of kernels/special.hpp)."""
    return -EULER_GAMMA if a == 0.0 else math.expm1(lgamma1p(a)) / a


@numba.njit(cache=True, error_model="numpy")
def gamma1p_ratio_slope(a):
    """d/da (Gamma(1 + a) - 1) / a, a > -1 (gamma1p_ratio_slope of kernels/special.hpp)."""
    if abs(a) >= 0.1:
        g = math.exp(lgamma1p(a))
        return (a * g * digamma(1.0 + a) - (g - 1.0)) / (a * a)
    total = 0.0
    for j in range(17, -1, -1):
        total = total * a + _GAMMA1P_RATIO_SLOPE[j]
    return total


@numba.njit(cache=True, error_model="numpy")
def upper_gamma_series_slopes(a, x):
    """(S, dS/da, x dS/dx) of upper_gamma_series' S (x < 1)."""
    term, total, total_a, total_x = 1.0, 0.0, 0.0, 0.0
    for n in range(1, _MAX_ITER + 1):
        term *= -x / n
        t_n = term / (a + n)
        total += t_n
        total_a -= t_n / (a + n)
        total_x += n * t_n
        if abs(t_n) < _EPS * abs(total) and abs(n * t_n) < _EPS * abs(total_x):
            break
    return total, total_a, total_x


@numba.njit(cache=True, error_model="numpy")
def expm1_ratio(w):
    return 1.0 if w == 0.0 else math.expm1(w) / w


@numba.njit(cache=True, error_model="numpy")
def expm1_ratio_slope(w):
    """d/dw expm1(w) / w (expm1_ratio_slope of kernels/special.hpp)."""
    if abs(w) >= 1.0:
        return ((w - 1.0) * math.exp(w) + 1.0) / (w * w)
    term, total = 0.5, 0.5
    for k in range(1, 20):
        term *= (k + 1.0) / k * w / (k + 2.0)
        total += term
    return total


@numba.njit(cache=True, error_model="numpy")
def _stirling_delta(x):
    r = 1.0 / (x * x)
    return (
        1.0 / 12.0
        + r
        * (
            -1.0 / 360.0
            + r
            * (1.0 / 1260.0 + r * (-1.0 / 1680.0 + r * (1.0 / 1188.0 + r * (-691.0 / 360360.0 + r * (1.0 / 156.0)))))
        )
    ) / x


@numba.njit(cache=True, error_model="numpy")
def log_gamma_ratio(x, a):
    """log(Gamma(x + a) / Gamma(x)), x > 0, a >= 0."""
    if x < 10.0:
        return math.lgamma(x + a) - math.lgamma(x)
    return (x - 0.5) * math.log1p(a / x) + a * math.log(x + a) - a + _stirling_delta(x + a) - _stirling_delta(x)


@numba.njit(cache=True, error_model="numpy")
def mills_triple(x):
    """R(x), V(x), W(x) at one point (two Mills ratios)."""
    r = mills(x)
    if x < 10.0:
        return r, 1.0 - x * r, _SQRT2 * mills(_SQRT2 * x) - r
    return r, mills_v(x), mills_w(x)


@numba.njit(cache=True, error_model="numpy")
def logistic_cdf(x):
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0.0 else math.exp(x) / (1.0 + math.exp(x))


@numba.njit(cache=True, error_model="numpy")
def log1m_over(s):
    """-log(1 - s)/s for 0 <= s <= 1/2 (series below 0.05)."""
    if s >= 0.05:
        return -math.log1p(-s) / s
    total = 0.0
    for n in range(14, 0, -1):
        total = 1.0 / n + s * total
    return total


@numba.njit(cache=True, error_model="numpy")
def log1m_minus_over2(s):
    """(-log(1 - s) - s)/s^2 for 0 <= s <= 1/2 (series below 0.05)."""
    if s >= 0.05:
        return (-math.log1p(-s) - s) / (s * s)
    total = 0.0
    for n in range(15, 1, -1):
        total = 1.0 / n + s * total
    return total


@numba.njit(cache=True, error_model="numpy")
def student_sf(x, df):
    """Student t survival function at x >= 0."""
    return 0.5 * beta_inc(0.5 * df, 0.5, df / (df + x * x))
