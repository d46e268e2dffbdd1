"""Log scores -log f(y) of the parametric families in Numba (mirror of kernels/log_scores.hpp)."""

from __future__ import annotations

import math

import numba

from riskcore._numba.crps_truncated import LOGISTIC, NORMAL, T, family_cdf, t_log_c, tail_mass, tail_norm
from riskcore._numba.special import log_beta, mills

_HALF_LOG_2PI = 0.91893853320467274178


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _xlogy(c, x):
    return 0.0 if c == 0.0 else c * math.log(x)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _xlog1py(c, x):
    return 0.0 if c == 0.0 else c * math.log1p(x)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _outside(y):
    """+inf, or NaN for a NaN observation."""
    return y if y != y else math.inf


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _nll(fam, df, z):
    if fam == NORMAL:
        return 0.5 * z * z + _HALF_LOG_2PI
    if fam == LOGISTIC:
        a = abs(z)
        return a + 2.0 * math.log1p(math.exp(-a))
    return -t_log_c(df) + 0.5 * (df + 1.0) * math.log1p(z * z / df)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _log_sf_upper(fam, df, lo):
    if fam == NORMAL:
        return math.log(mills(lo)) - 0.5 * lo * lo - _HALF_LOG_2PI
    if fam == LOGISTIC:
        return -lo - math.log1p(math.exp(-lo))
    return math.log(family_cdf(fam, df, -lo))


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _log_interval_mass(fam, df, lo, u):
    if lo >= 0.0:
        extra = 0.0 if math.isinf(u) else math.log(tail_mass(fam, df, lo, tail_norm(fam, df, lo), u))
        return _log_sf_upper(fam, df, lo) + extra
    if u <= 0.0:
        extra = 0.0 if math.isinf(lo) else math.log(tail_mass(fam, df, -u, tail_norm(fam, df, -u), -lo))
        return _log_sf_upper(fam, df, -u) + extra
    return math.log1p(-family_cdf(fam, df, lo) - family_cdf(fam, df, -u))


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _truncated(fam, df, y, mu, sigma, lower, upper):
    if not (y >= lower and y <= upper):
        return _outside(y)
    lo, u = (lower - mu) / sigma, (upper - mu) / sigma
    return _nll(fam, df, (y - mu) / sigma) + math.log(sigma) + _log_interval_mass(fam, df, lo, u)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def normal(y, mu, sigma):
    return _nll(NORMAL, 0.0, (y - mu) / sigma) + math.log(sigma)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def logistic(y, mu, sigma):
    return _nll(LOGISTIC, 0.0, (y - mu) / sigma) + math.log(sigma)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def laplace(y, location, scale):
    return abs(y - location) / scale + math.log(2.0 * scale)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def t(y, df, location, scale):
    return _nll(T, df, (y - location) / scale) + math.log(scale)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def exponential(y, rate):
    return math.inf if y < 0.0 else rate * y - math.log(rate)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def exponential2(y, location, scale):
    z = y - location
    return math.inf if z < 0.0 else z / scale + math.log(scale)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def twopexponential(y, scale1, scale2, location):
    z = y - location
    return abs(z) / (scale1 if z < 0.0 else scale2) + math.log(scale1 + scale2)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def twopnormal(y, scale1, scale2, location):
    z = y - location
    return _nll(NORMAL, 0.0, z / (scale1 if z < 0.0 else scale2)) + math.log(0.5 * (scale1 + scale2))


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def uniform(y, lower, upper):
    return math.log(upper - lower) if y >= lower and y <= upper else _outside(y)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def gamma(y, a, b):
    if y < 0.0:
        return math.inf
    if y == 0.0 and a < 1.0:
        return -math.inf
    return -(a * math.log(b) + _xlogy(a - 1.0, y) - b * y - math.lgamma(a))


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def beta(y, a, b, lower, upper):
    width = upper - lower
    w = (y - lower) / width
    if not (w >= 0.0 and w <= 1.0):
        return _outside(w)
    if (w == 0.0 and a < 1.0) or (w == 1.0 and b < 1.0):
        return -math.inf
    return -(_xlogy(a - 1.0, w) + _xlog1py(b - 1.0, -w) - log_beta(a, b)) + math.log(width)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def lognormal(y, mulog, sigmalog):
    if not y > 0.0:
        return _outside(y)
    return _nll(NORMAL, 0.0, (math.log(y) - mulog) / sigmalog) + math.log(sigmalog) + math.log(y)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def loglaplace(y, locationlog, scalelog):
    if not y > 0.0:
        return _outside(y)
    return abs(math.log(y) - locationlog) / scalelog + math.log(2.0 * scalelog) + math.log(y)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def loglogistic(y, mulog, sigmalog):
    if not y > 0.0:
        return _outside(y)
    return _nll(LOGISTIC, 0.0, (math.log(y) - mulog) / sigmalog) + math.log(sigmalog) + math.log(y)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def gev(y, shape, location, scale):
    z = (y - location) / scale
    if shape == 0.0:
        return math.log(scale) + z + math.exp(-z)
    if not 1.0 + shape * z > 0.0:
        return _outside(z)
    lt = math.log1p(shape * z)
    return math.log(scale) + lt + lt / shape + math.exp(-lt / shape)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def gpd(y, shape, location, scale):
    z = (y - location) / scale
    if not z >= 0.0 or (shape < 0.0 and z > -1.0 / shape):
        return _outside(z)
    if shape == 0.0:
        return math.log(scale) + z
    lt = math.log1p(shape * z)
    return math.log(scale) + lt + lt / shape


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def tnormal(y, mu, sigma, lower, upper):
    return _truncated(NORMAL, 0.0, y, mu, sigma, lower, upper)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def tlogistic(y, mu, sigma, lower, upper):
    return _truncated(LOGISTIC, 0.0, y, mu, sigma, lower, upper)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def tt(y, df, mu, sigma, lower, upper):
    return _truncated(T, df, y, mu, sigma, lower, upper)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _not_in_integers(y, lo, hi):
    return not (y >= lo and y <= hi and y == math.floor(y))


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def _neg_log_choose(n, k):
    return math.log1p(n) + log_beta(n - k + 1.0, k + 1.0)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def binomial(y, n, prob):
    if _not_in_integers(y, 0.0, n):
        return _outside(y)
    return _neg_log_choose(n, y) - _xlogy(y, prob) - _xlog1py(n - y, -prob)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def poisson(y, mean):
    if _not_in_integers(y, 0.0, math.inf):
        return _outside(y)
    return mean - _xlogy(y, mean) + math.lgamma(y + 1.0)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def negbinom(y, n, prob):
    if _not_in_integers(y, 0.0, math.inf):
        return _outside(y)
    return -(math.lgamma(y + n) - math.lgamma(n) - math.lgamma(y + 1.0)) - n * math.log(prob) - _xlog1py(y, -prob)


@numba.njit(cache=True, error_model="numpy")  # inf/NaN as in C++, no ZeroDivisionError
def hypergeometric(y, m, n, k):
    if _not_in_integers(y, max(0.0, k - n), min(k, m)):
        return _outside(y)
    return _neg_log_choose(m, y) + _neg_log_choose(n, k - y) - _neg_log_choose(m + n, k)


DISTRIBUTIONS = {
    f"logs_{f.__name__}": f
    for f in (
        normal,
        logistic,
        laplace,
        t,
        exponential,
        exponential2,
        twopexponential,
        twopnormal,
        uniform,
        gamma,
        beta,
        lognormal,
        loglaplace,
        loglogistic,
        gev,
        gpd,
        tnormal,
        tlogistic,
        tt,
        binomial,
        poisson,
        negbinom,
        hypergeometric,
    )
}
