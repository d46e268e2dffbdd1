"""Closed-form CRPS in Numba (mirror of kernels/crps_parametric.hpp; formulas documented there)."""

from __future__ import annotations

import math

import numba
import numpy as np

from riskcore._numba.special import (
    EULER_GAMMA,
    beta_inc,
    expint_e1,
    gamma_p,
    gamma_q,
    log_beta,
    normal_cdf,
    normal_pdf,
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
def uniform(y, lower, upper):
    width = upper - lower
    w = (y - lower) / width
    f = min(max(w, 0.0), 1.0)
    return width * (abs(w - f) + f * f - f + 1.0 / 3.0)


@numba.njit(cache=True)
def lognormal(y, mulog, sigmalog):
    w = (math.log(y) - mulog) / sigmalog if y > 0 else -math.inf
    scale = 2.0 * math.exp(mulog + 0.5 * sigmalog * sigmalog)
    return y * (2.0 * normal_cdf(w) - 1.0) - scale * (
        normal_cdf(w - sigmalog) + normal_cdf(sigmalog * 0.70710678118654752440) - 1.0
    )


@numba.njit(cache=True)
def gamma(y, shape, rate):
    x = rate * y
    return (
        y * (2.0 * gamma_p(shape, x) - 1.0)
        - shape / rate * (2.0 * gamma_p(shape + 1.0, x) - 1.0)
        - 1.0 / (rate * math.exp(log_beta(0.5, shape)))
    )


@numba.njit(cache=True)
def t(y, df, location, scale):
    z = (y - location) / scale
    tail = 0.5 * beta_inc(0.5 * df, 0.5, df / (df + z * z))
    cdf = 1.0 - tail if z > 0 else tail
    pdf = math.exp(
        math.lgamma(0.5 * (df + 1.0))
        - math.lgamma(0.5 * df)
        - 0.5 * math.log(df * math.pi)
        - 0.5 * (df + 1.0) * math.log1p(z * z / df)
    )
    constant = 2.0 * math.sqrt(df) / (df - 1.0) * math.exp(log_beta(0.5, df - 0.5) - 2.0 * log_beta(0.5, 0.5 * df))
    return scale * (z * (2.0 * cdf - 1.0) + 2.0 * pdf * (df + z * z) / (df - 1.0) - constant)


@numba.njit(cache=True)
def _normal_on_interval(y, mu, sigma, lower, upper, lmass, umass):
    w = (y - mu) / sigma
    lo = (lower - mu) / sigma
    u = (upper - mu) / sigma
    z = min(max(w, lo), u)
    cdf_u, cdf_l, cdf_z = normal_cdf(u), normal_cdf(lo), normal_cdf(z)
    pdf_u, pdf_l, pdf_z = normal_pdf(u), normal_pdf(lo), normal_pdf(z)
    inner = 1.0 - lmass - umass
    c = inner / (cdf_u - cdf_l)
    mass_u = 0.0 if umass == 0.0 else u * umass * umass
    mass_l = 0.0 if lmass == 0.0 else lo * lmass * lmass
    s1 = abs(w - z) + mass_u - mass_l
    s2 = c * z * (2.0 * cdf_z - ((1.0 - 2.0 * lmass) * cdf_u + (1.0 - 2.0 * umass) * cdf_l) / inner)
    s3 = c * (2.0 * pdf_z - 2.0 * pdf_u * umass - 2.0 * pdf_l * lmass)
    s4 = c * c * (normal_cdf(u * math.sqrt(2.0)) - normal_cdf(lo * math.sqrt(2.0))) / _SQRT_PI
    return sigma * (s1 + s2 + s3 - s4)


@numba.njit(cache=True)
def censored_normal(y, mu, sigma, lower, upper):
    lmass = normal_cdf((lower - mu) / sigma)
    umass = 1.0 - normal_cdf((upper - mu) / sigma)
    return _normal_on_interval(y, mu, sigma, lower, upper, lmass, umass)


@numba.njit(cache=True)
def truncated_normal(y, mu, sigma, lower, upper):
    return _normal_on_interval(y, mu, sigma, lower, upper, 0.0, 0.0)


@numba.njit(cache=True)
def gev(y, shape, location, scale):
    z = (y - location) / scale
    if shape == 0.0:
        return scale * (-z + 2.0 * expint_e1(math.exp(-z)) + EULER_GAMMA - math.log(2.0))
    t_ = 1.0 + shape * z
    a = 1.0 - shape
    if t_ <= 0.0:
        cdf = 0.0 if shape > 0 else 1.0
        g = 0.0 if shape > 0 else (-1.0 + math.gamma(a)) / shape
    else:
        neg_log_cdf = t_ ** (-1.0 / shape)
        cdf = math.exp(-neg_log_cdf)
        g = (-cdf + gamma_q(a, neg_log_cdf) * math.gamma(a)) / shape
    return scale * (z * (2.0 * cdf - 1.0) - 2.0 * g - (1.0 - (2.0 - 2.0**shape) * math.gamma(a)) / shape)


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
}
_MAPS = {2: _map1, 3: _map2, 4: _map3, 5: _map4}


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
