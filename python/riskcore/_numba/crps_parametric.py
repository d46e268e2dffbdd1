"""Closed-form CRPS in Numba (mirror of kernels/crps_parametric.hpp; formulas documented there)."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from riskcore._numba import crps_families, crps_grad, log_scores
from riskcore._numba.crps_grad import gev_constant, lognormal_terms
from riskcore._numba.crps_truncated import NORMAL, crps_censored, crps_gtc
from riskcore._numba.special import (
    beta_inc,
    gamma_p_pair,
    lgamma1p,
    log_gamma_ratio,
    normal_cdf,
    normal_pdf,
    upper_gamma_log,
)

_SQRT_PI = math.sqrt(math.pi)


@numba.njit(cache=True, error_model="numpy")
def normal(y, mu, sigma):
    z = (y - mu) / sigma
    return sigma * (z * (2.0 * normal_cdf(z) - 1.0) + 2.0 * normal_pdf(z) - 1.0 / _SQRT_PI)


@numba.njit(cache=True, error_model="numpy")
def logistic(y, mu, sigma):
    z = (y - mu) / sigma
    log_cdf = -math.log1p(math.exp(-z)) if z > 0 else z - math.log1p(math.exp(z))
    return sigma * (z - 2.0 * log_cdf - 1.0)


@numba.njit(cache=True, error_model="numpy")
def laplace(y, location, scale):
    z = abs((y - location) / scale)
    return scale * (z + math.exp(-z) - 0.75)


@numba.njit(cache=True, error_model="numpy")
def exponential(y, rate):
    cdf = -math.expm1(-rate * y) if y > 0 else 0.0
    return abs(y) - 2.0 * cdf / rate + 0.5 / rate


@numba.njit(cache=True, error_model="numpy")
def uniform(y, lower, upper, lmass, umass):
    width = upper - lower
    kappa = 1.0 - lmass - umass
    w = (y - lower) / width
    f = min(max(w, 0.0), 1.0)
    return width * (abs(w - f) + kappa * f * f - (1.0 - 2.0 * lmass) * f + kappa * kappa / 3.0 + (1.0 - lmass) * umass)


@numba.njit(cache=True, error_model="numpy")
def lognormal(y, mulog, sigmalog):
    w = (math.log(y) - mulog) / sigmalog if y > 0 else -math.inf
    below, spread = lognormal_terms(y, mulog, sigmalog)
    return y * (2.0 * normal_cdf(w) - 1.0) - 2.0 * (below - spread)


@numba.njit(cache=True, error_model="numpy")
def gamma(y, shape, rate):
    p, p_next = gamma_p_pair(shape, rate * y)
    return (
        y * (2.0 * p - 1.0)
        - shape / rate * (2.0 * p_next - 1.0)
        - math.exp(log_gamma_ratio(shape, 0.5)) / (rate * _SQRT_PI)
    )


_T_SERIES = np.array(
    [
        1.23370055013616975e00,
        -2.10359958052928997e00,
        3.55137311061467198e00,
        -6.02714257677083776e00,
        1.03482864586230683e01,
        -1.80084878757427767e01,
        3.17549269340531524e01,
        -5.66695762270844838e01,
        1.02201741627303178e02,
        -1.86001053885502756e02,
        3.41167310055341602e02,
        -6.30000395674915694e02,
        1.17014310198415615e03,
        -2.18440015230664130e03,
        4.09587509517649187e03,
        -7.71000005971271185e03,
        1.45634444820390672e04,
        -2.75940000237430941e04,
        5.24287000150369568e04,
        -9.98642857238328579e04,
        1.90650090915166307e05,
        -3.64722000003874127e05,
        6.99050583335808478e05,
        -1.34217720000158413e06,
        2.58111007692409214e06,
        -4.97102688888954092e06,
        9.58698050000041910e06,
    ]
)


@numba.njit(cache=True, error_model="numpy")
def t_gamma_log_ratio_per_eps(df):
    """Mirror of kernels/crps_parametric.hpp: D / (df - 1), by its Taylor series near df = 1."""
    eps = df - 1.0
    if abs(eps) >= 0.1:
        return (log_gamma_ratio(0.5 * df, 0.5) - log_gamma_ratio(df - 0.5, 0.5)) / eps
    series = 0.0
    for k in range(26, -1, -1):
        series = _T_SERIES[k] + eps * series
    return -0.6931471805599453094 + eps * series


@numba.njit(cache=True, error_model="numpy")
def t(y, df, location, scale):
    z = (y - location) / scale
    tail = 0.5 * beta_inc(0.5 * df, 0.5, df / (df + z * z))
    cdf = 1.0 - tail if z > 0 else tail
    eps = df - 1.0
    half_ratio = log_gamma_ratio(0.5 * df, 0.5)
    d = t_gamma_log_ratio_per_eps(df)
    q = 0.5 * math.log1p(z * z / df) + d
    bracket = 2.0 * math.sqrt(df / math.pi) * math.exp(half_ratio + eps * d) * (math.expm1(-eps * q) / eps)
    return scale * (z * (2.0 * cdf - 1.0) + bracket)


@numba.njit(cache=True, error_model="numpy")
def gtcnormal(y, mu, sigma, lower, upper, lmass, umass):
    return crps_gtc(NORMAL, 0.0, y, mu, sigma, lower, upper, lmass, umass)


@numba.njit(cache=True, error_model="numpy")
def censored_normal(y, mu, sigma, lower, upper):
    return crps_censored(NORMAL, 0.0, y, mu, sigma, lower, upper)


@numba.njit(cache=True, error_model="numpy")
def truncated_normal(y, mu, sigma, lower, upper):
    return crps_gtc(NORMAL, 0.0, y, mu, sigma, lower, upper, 0.0, 0.0)


@numba.njit(cache=True, error_model="numpy")
def gev(y, shape, location, scale):
    z = (y - location) / scale
    lg = lgamma1p(-shape)
    constant = gev_constant(shape, lg)
    t_ = 1.0 + shape * z
    if t_ <= 0.0:
        return scale * (-z - constant if shape > 0 else z - 2.0 * math.expm1(lg) / shape - constant)
    log_x = -z if shape == 0.0 else -math.log1p(shape * z) / shape
    return scale * (-z + 2.0 * upper_gamma_log(-shape, log_x) - constant)


# The elementwise loops, one per arity: each argument is 1-d of length n or 1 (then read at index 0:
# `i * step` with step 0 or 1, not `i % size`, an integer division per argument and element). Serial
# and GIL-free: crps_parametric runs them on slices from a few threads (a prange loop would compile a
# parallel kernel per family and dtype, about a second each, and these cannot be cached: Numba does
# not cache a function that takes a function).
@numba.njit(nogil=True, error_model="numpy")
def _map1(f, a0, a1, out):
    s0, s1 = int(a0.size > 1), int(a1.size > 1)
    for i in range(out.size):
        out[i] = f(np.float64(a0[i * s0]), np.float64(a1[i * s1]))


@numba.njit(nogil=True, error_model="numpy")
def _map2(f, a0, a1, a2, out):
    s0, s1, s2 = int(a0.size > 1), int(a1.size > 1), int(a2.size > 1)
    for i in range(out.size):
        out[i] = f(np.float64(a0[i * s0]), np.float64(a1[i * s1]), np.float64(a2[i * s2]))


@numba.njit(nogil=True, error_model="numpy")
def _map3(f, a0, a1, a2, a3, out):
    s0, s1, s2, s3 = int(a0.size > 1), int(a1.size > 1), int(a2.size > 1), int(a3.size > 1)
    for i in range(out.size):
        out[i] = f(np.float64(a0[i * s0]), np.float64(a1[i * s1]), np.float64(a2[i * s2]), np.float64(a3[i * s3]))


@numba.njit(nogil=True, error_model="numpy")
def _map4(f, a0, a1, a2, a3, a4, out):
    s0, s1, s2, s3, s4 = int(a0.size > 1), int(a1.size > 1), int(a2.size > 1), int(a3.size > 1), int(a4.size > 1)
    for i in range(out.size):
        out[i] = f(
            np.float64(a0[i * s0]),
            np.float64(a1[i * s1]),
            np.float64(a2[i * s2]),
            np.float64(a3[i * s3]),
            np.float64(a4[i * s4]),
        )


@numba.njit(nogil=True, error_model="numpy")
def _map5(f, a0, a1, a2, a3, a4, a5, out):
    s0, s1, s2, s3, s4 = int(a0.size > 1), int(a1.size > 1), int(a2.size > 1), int(a3.size > 1), int(a4.size > 1)
    s5 = int(a5.size > 1)
    for i in range(out.size):
        out[i] = f(
            np.float64(a0[i * s0]),
            np.float64(a1[i * s1]),
            np.float64(a2[i * s2]),
            np.float64(a3[i * s3]),
            np.float64(a4[i * s4]),
            np.float64(a5[i * s5]),
        )


@numba.njit(nogil=True, error_model="numpy")
def _map6(f, a0, a1, a2, a3, a4, a5, a6, out):
    s0, s1, s2, s3, s4 = int(a0.size > 1), int(a1.size > 1), int(a2.size > 1), int(a3.size > 1), int(a4.size > 1)
    s5, s6 = int(a5.size > 1), int(a6.size > 1)
    for i in range(out.size):
        out[i] = f(
            np.float64(a0[i * s0]),
            np.float64(a1[i * s1]),
            np.float64(a2[i * s2]),
            np.float64(a3[i * s3]),
            np.float64(a4[i * s4]),
            np.float64(a5[i * s5]),
            np.float64(a6[i * s6]),
        )


@numba.njit(nogil=True, error_model="numpy")
def _map7(f, a0, a1, a2, a3, a4, a5, a6, a7, out):
    s0, s1, s2, s3, s4 = int(a0.size > 1), int(a1.size > 1), int(a2.size > 1), int(a3.size > 1), int(a4.size > 1)
    s5, s6, s7 = int(a5.size > 1), int(a6.size > 1), int(a7.size > 1)
    for i in range(out.size):
        out[i] = f(
            np.float64(a0[i * s0]),
            np.float64(a1[i * s1]),
            np.float64(a2[i * s2]),
            np.float64(a3[i * s3]),
            np.float64(a4[i * s4]),
            np.float64(a5[i * s5]),
            np.float64(a6[i * s6]),
            np.float64(a7[i * s7]),
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


_SLICE_MIN = 1 << 15  # elements per thread below which one thread runs the whole call


@numba.njit(nogil=True, error_model="numpy")
def _propagate_nan(arg, out):
    """out[i] = NaN wherever arg (length n or 1) is: with one call per argument, the gradients'
    NanPropagating of kernels/crps_parametric.hpp."""
    step = int(arg.size > 1)
    for i in range(out.size):
        if arg[i * step] != arg[i * step]:
            out[i] = np.nan


def crps_parametric(name, args):
    """args = [obs, *params], each 1-d of length n or 1 (length 1 broadcasts); contiguous slices of the
    elements on up to numba.get_num_threads() threads (elementwise: the same bits for any count)."""
    n = max(a.size for a in args)
    out = np.empty(n, dtype=args[0].dtype)
    loop, f, gradient = _MAPS[len(args)], _DISTRIBUTIONS[name], name.startswith("grad_")

    def run_slice(part, part_out):
        loop(f, *part, part_out)
        for arg in part if gradient else ():
            _propagate_nan(arg, part_out)

    threads = min(numba.get_num_threads(), n // _SLICE_MIN)
    if threads <= 1:
        run_slice(args, out)
        return out
    edges = [n * k // threads for k in range(threads + 1)]

    def run(k):
        lo, hi = edges[k], edges[k + 1]
        run_slice([a[lo:hi] if a.size > 1 else a for a in args], out[lo:hi])

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(run, range(threads)))
    return out
