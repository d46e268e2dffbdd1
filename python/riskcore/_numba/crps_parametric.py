"""Closed-form CRPS in Numba (mirror of kernels/crps_parametric.hpp; formulas documented there)."""

from __future__ import annotations

import math

import numba
import numpy as np

from riskcore._numba import crps_families, crps_grad, log_scores
from riskcore._numba.crps_grad import gev_constant, lognormal_terms
from riskcore._numba.crps_truncated import NORMAL, crps_censored, crps_gtc
from riskcore._numba.special import (
    beta_inc,
    gamma_p,
    lgamma1p,
    log_gamma_ratio,
    normal_cdf,
    normal_pdf,
    upper_gamma,
)

_SQRT_PI = math.sqrt(math.pi)


@numba.njit(cache=True)
def normal(y, mu, sigma):
    z = (y - mu) / sigma
    return sigma * (z * (2.0 * normal_cdf(z) - 1.0) + 2.0 * normal_pdf(z) - 1.0 / _SQRT_PI)


@numba.njit(cache=True)
def logistic(y, mu, sigma):
    z = (y - mu) / sigma
    log_cdf = -math.log1p(math.exp(-z)) if z > 0 else z - math.log1p(math.exp(z))
    return sigma * (z - 2.0 * log_cdf - 1.0)


@numba.njit(cache=True)
def laplace(y, location, scale):
    z = abs((y - location) / scale)
    return scale * (z + math.exp(-z) - 0.75)


@numba.njit(cache=True)
def exponential(y, rate):
    cdf = -math.expm1(-rate * y) if y > 0 else 0.0
    return abs(y) - 2.0 * cdf / rate + 0.5 / rate


@numba.njit(cache=True)
def uniform(y, lower, upper, lmass, umass):
    width = upper - lower
    kappa = 1.0 - lmass - umass
    w = (y - lower) / width
    f = min(max(w, 0.0), 1.0)
    return width * (abs(w - f) + kappa * f * f - (1.0 - 2.0 * lmass) * f + kappa * kappa / 3.0 + (1.0 - lmass) * umass)


@numba.njit(cache=True)
def lognormal(y, mulog, sigmalog):
    w = (math.log(y) - mulog) / sigmalog if y > 0 else -math.inf
    below, spread = lognormal_terms(y, mulog, sigmalog)
    return y * (2.0 * normal_cdf(w) - 1.0) - 2.0 * (below - spread)


@numba.njit(cache=True)
def gamma(y, shape, rate):
    x = rate * y
    return (
        y * (2.0 * gamma_p(shape, x) - 1.0)
        - shape / rate * (2.0 * gamma_p(shape + 1.0, x) - 1.0)
        - math.exp(log_gamma_ratio(shape, 0.5)) / (rate * _SQRT_PI)
    )


@numba.njit(cache=True)
def t(y, df, location, scale):
    z = (y - location) / scale
    tail = 0.5 * beta_inc(0.5 * df, 0.5, df / (df + z * z))
    cdf = 1.0 - tail if z > 0 else tail
    half_ratio = log_gamma_ratio(0.5 * df, 0.5)
    pdf = math.exp(half_ratio - 0.5 * math.log(df * math.pi) - 0.5 * (df + 1.0) * math.log1p(z * z / df))
    constant = 2.0 * math.sqrt(df / math.pi) / (df - 1.0) * math.exp(2.0 * half_ratio - log_gamma_ratio(df - 0.5, 0.5))
    return scale * (z * (2.0 * cdf - 1.0) + 2.0 * pdf * (df + z * z) / (df - 1.0) - constant)


@numba.njit(cache=True)
def gtcnormal(y, mu, sigma, lower, upper, lmass, umass):
    return crps_gtc(NORMAL, 0.0, y, mu, sigma, lower, upper, lmass, umass)


@numba.njit(cache=True)
def censored_normal(y, mu, sigma, lower, upper):
    return crps_censored(NORMAL, 0.0, y, mu, sigma, lower, upper)


@numba.njit(cache=True)
def truncated_normal(y, mu, sigma, lower, upper):
    return crps_gtc(NORMAL, 0.0, y, mu, sigma, lower, upper, 0.0, 0.0)


@numba.njit(cache=True)
def gev(y, shape, location, scale):
    z = (y - location) / scale
    lg = lgamma1p(-shape)
    constant = gev_constant(shape, lg)
    t_ = 1.0 + shape * z
    if t_ <= 0.0:
        return scale * (-z - constant if shape > 0 else z - 2.0 * math.expm1(lg) / shape - constant)
    log_x = -z if shape == 0.0 else -math.log1p(shape * z) / shape
    return scale * (-z + 2.0 * upper_gamma(-shape, math.exp(log_x)) - constant)


@numba.njit  # not cached: Numba cannot cache a function that takes a function
def _map1(f, a0, a1, out):
    for i in range(out.size):
        out[i] = f(np.float64(a0[i % a0.size]), np.float64(a1[i % a1.size]))


@numba.njit  # not cached: Numba cannot cache a function that takes a function
def _map2(f, a0, a1, a2, out):
    for i in range(out.size):
        out[i] = f(np.float64(a0[i % a0.size]), np.float64(a1[i % a1.size]), np.float64(a2[i % a2.size]))


@numba.njit  # not cached: Numba cannot cache a function that takes a function
def _map3(f, a0, a1, a2, a3, out):
    for i in range(out.size):
        out[i] = f(
            np.float64(a0[i % a0.size]),
            np.float64(a1[i % a1.size]),
            np.float64(a2[i % a2.size]),
            np.float64(a3[i % a3.size]),
        )


@numba.njit  # not cached: Numba cannot cache a function that takes a function
def _map4(f, a0, a1, a2, a3, a4, out):
    for i in range(out.size):
        out[i] = f(
            np.float64(a0[i % a0.size]),
            np.float64(a1[i % a1.size]),
            np.float64(a2[i % a2.size]),
            np.float64(a3[i % a3.size]),
            np.float64(a4[i % a4.size]),
        )


@numba.njit  # not cached: Numba cannot cache a function that takes a function
def _map5(f, a0, a1, a2, a3, a4, a5, out):
    for i in range(out.size):
        out[i] = f(
            np.float64(a0[i % a0.size]),
            np.float64(a1[i % a1.size]),
            np.float64(a2[i % a2.size]),
            np.float64(a3[i % a3.size]),
            np.float64(a4[i % a4.size]),
            np.float64(a5[i % a5.size]),
        )


@numba.njit  # not cached: Numba cannot cache a function that takes a function
def _map6(f, a0, a1, a2, a3, a4, a5, a6, out):
    for i in range(out.size):
        out[i] = f(
            np.float64(a0[i % a0.size]),
            np.float64(a1[i % a1.size]),
            np.float64(a2[i % a2.size]),
            np.float64(a3[i % a3.size]),
            np.float64(a4[i % a4.size]),
            np.float64(a5[i % a5.size]),
            np.float64(a6[i % a6.size]),
        )


@numba.njit  # not cached: Numba cannot cache a function that takes a function
def _map7(f, a0, a1, a2, a3, a4, a5, a6, a7, out):
    for i in range(out.size):
        out[i] = f(
            np.float64(a0[i % a0.size]),
            np.float64(a1[i % a1.size]),
            np.float64(a2[i % a2.size]),
            np.float64(a3[i % a3.size]),
            np.float64(a4[i % a4.size]),
            np.float64(a5[i % a5.size]),
            np.float64(a6[i % a6.size]),
            np.float64(a7[i % a7.size]),
        )


_DISTRIBUTIONS = {
    "normal": normal,
    "logistic": logistic,
    "laplace": laplace,
    "exponential": exponential,
    "uniform": uniform,
    "lognormal": lognormal,
    "gamma": gamma,
    "t": t,
    "censored_normal": censored_normal,
    "truncated_normal": truncated_normal,
    "gev": gev,
    "gtcnormal": gtcnormal,
    **crps_families.DISTRIBUTIONS,
    **log_scores.DISTRIBUTIONS,
    **crps_grad.DISTRIBUTIONS,
}
_MAPS = {2: _map1, 3: _map2, 4: _map3, 5: _map4, 6: _map5, 7: _map6, 8: _map7}


def crps_parametric(name, args):
    """args = [obs, *params], each 1-d of length n or 1 (read cyclically: length 1 broadcasts)."""
    n = max(a.size for a in args)
    out = np.empty(n, dtype=args[0].dtype)
    _MAPS[len(args)](_DISTRIBUTIONS[name], *args, out)
    return out


@numba.njit(parallel=True, cache=True)
def _mixnorm_loop(obs, m, s, w, out):
    k_count = m.shape[1]
    for r in numba.prange(m.shape[0]):
        wsum = 0.0
        for j in range(k_count):
            wsum += w[r, j]
        to_obs = 0.0
        pairwise = 0.0
        for j in range(k_count):
            wj, mj, sj = w[r, j] / wsum, np.float64(m[r, j]), np.float64(s[r, j])
            mu = obs[r] - mj
            to_obs += wj * (mu * (2.0 * normal_cdf(mu / sj) - 1.0) + 2.0 * sj * normal_pdf(mu / sj))
            for k in range(k_count):
                sd = math.sqrt(sj * sj + np.float64(s[r, k]) ** 2)
                mu = mj - m[r, k]
                pairwise += (
                    wj * (w[r, k] / wsum) * (mu * (2.0 * normal_cdf(mu / sd) - 1.0) + 2.0 * sd * normal_pdf(mu / sd))
                )
        out[r] = to_obs - 0.5 * pairwise


def crps_mixnorm(obs, m, s, w):
    out = np.empty(obs.shape[0], dtype=obs.dtype)
    _mixnorm_loop(obs, m, s, w, out)
    return out
