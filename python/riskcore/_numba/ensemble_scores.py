"""Univariate ensemble scores in Numba (mirror of kernels/ensemble_scores.hpp)."""

from __future__ import annotations

import math

import numba
import numpy as np

from riskcore._numba.crps_ensemble import _akr_shift

_NAMES = ("dss", "dss_bias", "ess", "gks_nrg", "gks_fair", "gks_akr", "gks_akr_circperm", "logs")
_DSS, _DSS_BIAS, _ESS, _GKS_NRG, _GKS_FAIR, _GKS_AKR, _GKS_AKR_CIRCPERM, _LOGS = range(8)
_AKR, _AKR_CIRCPERM = 5, 6  # crps_ensemble's codes, for _akr_shift
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


@numba.njit(cache=True, error_model="numpy")
def _mean_and_ss(x):
    m = x.size
    total = 0.0
    for i in range(m):
        total += np.float64(x[i])
    mean = total / m
    ss = 0.0
    for i in range(m):
        d = np.float64(x[i]) - mean
        ss += d * d
    return mean, ss


@numba.njit(cache=True, error_model="numpy")
def _gauss(a, b):
    d = a - b
    return math.exp(-0.5 * d * d)


@numba.njit(cache=True, error_model="numpy")
def _sorted_quantile(x, p):
    m = x.size
    h = p * (m - 1)
    lo = math.floor(h)
    hi = lo + 1 if lo + 1 < m else lo
    return x[lo] + (h - lo) * (x[hi] - x[lo])


@numba.njit(cache=True, error_model="numpy")
def _score(kind, x, y, param):
    m = x.size
    if np.isnan(y):
        return np.nan
    for i in range(m):
        if np.isnan(x[i]):
            return np.nan
    if kind == _DSS or kind == _DSS_BIAS:
        mean, ss = _mean_and_ss(x)
        var = ss / (m if kind == _DSS_BIAS else m - 1)
        d = y - mean
        return d * d / var + math.log(var)
    if kind == _ESS:
        mean, ss = _mean_and_ss(x)
        s = math.sqrt(ss / (m - 1))
        cubes = 0.0
        for i in range(m):
            z = (np.float64(x[i]) - mean) / s
            cubes += z * z * z
        g = cubes / ((m - 1.0) * (m - 2.0))
        e = mean - y
        core = s * s - e * e - e * s * g
        return core * core
    if kind == _LOGS:
        bw = param
        if not bw > 0.0:
            mean, ss = _mean_and_ss(x)
            key = np.sort(x.astype(np.float64))
            iqr = _sorted_quantile(key, 0.75) - _sorted_quantile(key, 0.25)
            bw = 1.06 * min(math.sqrt(ss / (m - 1)), iqr / 1.34) * m**-0.2
        largest = -np.inf
        for i in range(m):
            z = (y - np.float64(x[i])) / bw
            largest = max(largest, -0.5 * z * z)
        total = 0.0
        for i in range(m):
            z = (y - np.float64(x[i])) / bw
            total += math.exp(-0.5 * z * z - largest)
        return -(largest + math.log(total)) + math.log(m * bw) + _HALF_LOG_2PI
    to_obs = 0.0
    for i in range(m):
        to_obs += _gauss(np.float64(x[i]), y)
    spread = 0.0
    if kind == _GKS_NRG or kind == _GKS_FAIR:
        for i in range(m):
            for j in range(i + 1, m):
                spread += 2.0 * _gauss(np.float64(x[i]), np.float64(x[j]))
        spread = (spread + m) / (m * m) if kind == _GKS_NRG else spread / (m * (m - 1.0))
    else:
        s = _akr_shift(_AKR if kind == _GKS_AKR else _AKR_CIRCPERM, m)
        for i in range(m):
            j = i + s if i + s < m else i + s - m
            spread += _gauss(np.float64(x[i]), np.float64(x[j]))
        spread /= m
    return -(to_obs / m - 0.5 * spread - 0.5)


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _loop(kind, obs, fct, param, has_param, out):
    for r in numba.prange(fct.shape[0]):
        p = np.float64(param[r]) if has_param else 0.0
        out[r] = _score(kind, fct[r], np.float64(obs[r]), p)


def ensemble_score(name, obs, fct, param):
    out = np.empty(fct.shape[0], dtype=fct.dtype)
    has_param = param is not None
    _loop(_NAMES.index(name), obs, fct, param if has_param else obs, has_param, out)
    return out
