"""Multivariate and weighted kernel ensemble scores in Numba (mirror of kernels/multivariate_scores.hpp)."""

from __future__ import annotations

import math

import numba
import numpy as np

from riskcore._numba.crps_ensemble import _akr_shift
from riskcore._numba.ensemble_scores import _LOGS, _mean_and_ss, _score, _sorted_quantile
from riskcore._numba.special import erfcx, normal_cdf

NAMES = ("es_nrg", "es_fair", "es_akr", "es_akr_circperm", "owes", "vres",
         "gks_nrg", "gks_fair", "gks_akr", "gks_akr_circperm", "owgks", "vrgks",
         "vs_nrg", "vs_fair", "owvs", "vrvs", "dss", "dss_bias")  # fmt: skip
_VRES, _GKS_NRG, _VS_NRG, _VS_FAIR, _OWVS, _VRVS, _DSS, _DSS_BIAS = 5, 6, 12, 13, 14, 15, 16, 17
_AKR, _AKR_CIRCPERM = 5, 6  # crps_ensemble's codes, for _akr_shift
_SQRT1_2 = 0.70710678118654752440
_LOG_SPACE_BELOW = 1e-280  # sums below this are redone in log space (their terms may have underflowed)


@numba.njit(cache=True, error_model="numpy")
def _has_nan(x, y):
    for k in range(y.size):
        if np.isnan(y[k]):
            return True
    for i in range(x.shape[0]):
        for k in range(x.shape[1]):
            if np.isnan(x[i, k]):
                return True
    return False


@numba.njit(cache=True, error_model="numpy")
def _member_weights(ens, has_ens, fw, has_fw, m, normalise, q):
    """q_i = v_i w(x_i) as in the header; returns (ok, sum of v^2)."""
    largest = 0.0
    if has_ens:
        for i in range(m):
            largest = max(largest, np.float64(ens[i]))
    total = 0.0
    for i in range(m):
        q[i] = np.float64(ens[i]) / largest if has_ens else 1.0
        total += q[i]
    v2 = 0.0
    qsum = 0.0
    for i in range(m):
        q[i] /= total
        v2 += q[i] * q[i]
        if has_fw:
            q[i] *= np.float64(fw[i])
        qsum += q[i]
    if not normalise or not has_fw:
        return True, v2
    if not qsum > 0.0:
        return False, v2
    for i in range(m):
        q[i] /= qsum
    return True, v2


@numba.njit(cache=True, error_model="numpy")
def _rho(energy, squared):
    return math.sqrt(squared) if energy else -math.exp(-0.5 * squared)


@numba.njit(cache=True, error_model="numpy")
def _gap(a, b):
    s = 0.0
    for k in range(a.size):
        g = np.float64(a[k]) - np.float64(b[k])
        s += g * g
    return s


@numba.njit(cache=True, error_model="numpy")
def _kernel_score(kind, x, y, ens, has_ens, fw, has_fw, ow, q):
    m = x.shape[0]
    energy = kind <= _VRES
    local = kind if energy else kind - _GKS_NRG
    ow_form, vr_form = local == 4, local == 5
    if _has_nan(x, y) or ((ow_form or vr_form) and np.isnan(ow)):
        return np.nan
    ok, sum_v2 = _member_weights(ens, has_ens, fw, has_fw, m, ow_form, q)
    if not ok:
        return np.nan
    rho0 = 0.0 if energy else -1.0
    to_obs = 0.0
    for i in range(m):
        to_obs += q[i] * _rho(energy, _gap(x[i], y))
    if local == 2 or local == 3:
        s = _akr_shift(_AKR if local == 2 else _AKR_CIRCPERM, m)
        pairs = 0.0
        for i in range(m):
            pairs += _rho(energy, _gap(x[i], x[i + s if i + s < m else i + s - m]))
        pairs /= m
    else:
        upper = 0.0
        diagonal = 0.0
        for i in range(m):
            diagonal += q[i] * q[i]
            for j in range(i + 1, m):
                upper += q[i] * q[j] * _rho(energy, _gap(x[i], x[j]))
        pairs = 2.0 * upper / (1.0 - sum_v2) if local == 1 else 2.0 * upper + diagonal * rho0
    if local <= 3:
        return to_obs - 0.5 * pairs - 0.5 * rho0
    if ow_form:
        return ow * (to_obs - 0.5 * pairs - 0.5 * rho0)
    score = ow * to_obs - 0.5 * pairs - 0.5 * ow * ow * rho0
    if energy:
        norms = 0.0
        total = 0.0
        for i in range(m):
            s = 0.0
            for k in range(x.shape[1]):
                s += np.float64(x[i, k]) ** 2
            norms += q[i] * math.sqrt(s)
            total += q[i]
        ys = 0.0
        for k in range(y.size):
            ys += np.float64(y[k]) ** 2
        score += (norms - ow * math.sqrt(ys)) * (total - ow)
    return score


@numba.njit(cache=True, error_model="numpy")
def _power(gap, p):
    a = abs(gap)
    if p == 0.5:
        return math.sqrt(a)
    return a if p == 1.0 else (a * a if p == 2.0 else a**p)


@numba.njit(cache=True, error_model="numpy")
def _variogram(kind, x, y, ens, has_ens, fw, has_fw, ow, w, p, q, a):
    m, d = x.shape
    ow_form, vr_form = kind == _OWVS, kind == _VRVS
    if _has_nan(x, y) or ((ow_form or vr_form) and np.isnan(ow)):
        return np.nan
    ok, sum_v2 = _member_weights(ens, has_ens, fw, has_fw, m, ow_form, q)
    if not ok:
        return np.nan
    total = 0.0
    for i in range(m):
        total += q[i]
    dist = 0.0
    var = 0.0
    squares = 0.0
    obs_squares = 0.0
    for k in range(d):
        for l in range(k + 1, d):  # noqa: E741
            c = np.float64(w[k, l]) + np.float64(w[l, k])
            if c == 0.0:
                continue
            b = _power(np.float64(y[k]) - np.float64(y[l]), p)
            mean = 0.0
            for i in range(m):
                a[i] = _power(np.float64(x[i, k]) - np.float64(x[i, l]), p)
                mean += q[i] * a[i]
            mean = mean / total if total > 0.0 else 0.0
            spread = 0.0
            sq = 0.0
            for i in range(m):
                spread += q[i] * (a[i] - mean) * (a[i] - mean)
                sq += q[i] * a[i] * a[i]
            dist += c * (mean - b) * (mean - b)
            var += c * spread
            squares += c * sq
            obs_squares += c * b * b
    if kind == _VS_NRG:
        return dist
    if kind == _VS_FAIR:
        return dist - sum_v2 / (1.0 - sum_v2) * var
    if ow_form:
        return ow * dist
    return (ow - total) * var + ow * total * dist + (squares - ow * obs_squares) * (total - ow)


@numba.njit(cache=True, error_model="numpy")
def _dss(x, y, bias, r, c):
    m, d = x.shape
    if _has_nan(x, y):
        return np.nan
    for k in range(d):
        s = 0.0
        for i in range(m):
            s += np.float64(x[i, k])
        r[k] = s / m
    denom = m if bias else m - 1.0
    for k in range(d):
        for l in range(k + 1):  # noqa: E741
            s = 0.0
            for i in range(m):
                s += (np.float64(x[i, k]) - r[k]) * (np.float64(x[i, l]) - r[l])
            c[k, l] = s / denom
    for k in range(d):
        r[k] = np.float64(y[k]) - r[k]
    log_det = 0.0
    quad = 0.0
    eps = np.finfo(np.float64).eps
    for j in range(d):
        diag = c[j, j]
        s = diag
        for t in range(j):
            s -= c[j, t] * c[j, t]
        if not s > 4.0 * d * eps * diag:
            return np.nan
        pivot = math.sqrt(s)
        c[j, j] = pivot
        for i in range(j + 1, d):
            e = c[i, j]
            for t in range(j):
                e -= c[i, t] * c[j, t]
            c[i, j] = e / pivot
        z = r[j]
        for t in range(j):
            z -= c[j, t] * r[t]
        r[j] = z / pivot
        quad += r[j] * r[j]
        log_det += 2.0 * math.log(pivot)
    return quad + log_det


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _loop(kind, obs, fct, ens, has_ens, fw, has_fw, ow, has_ow, w, p, out):
    n, m, d = fct.shape
    for r in numba.prange(n):
        q = np.empty(m)
        owr = np.float64(ow[r]) if has_ow else 1.0
        if kind == _DSS or kind == _DSS_BIAS:
            out[r] = _dss(fct[r], obs[r], kind == _DSS_BIAS, np.empty(d), np.empty((d, d)))
        elif kind >= _VS_NRG:
            out[r] = _variogram(kind, fct[r], obs[r], ens[r], has_ens, fw[r], has_fw, owr, w[r], p, q, np.empty(m))
        else:
            out[r] = _kernel_score(kind, fct[r], obs[r], ens[r], has_ens, fw[r], has_fw, owr, q)


def multivariate_score(name, obs, fct, ens_w, fw, ow, w, p):
    n, m = fct.shape[:2]
    out = np.empty(n, dtype=fct.dtype)
    dummy_rows = np.broadcast_to(np.zeros((1, m), dtype=fct.dtype), (n, m))
    dummy_w = w if w is not None else np.broadcast_to(np.zeros((1, 1, 1), dtype=fct.dtype), (n, 1, 1))
    _loop(NAMES.index(name), obs, fct,
          dummy_rows if ens_w is None else ens_w, ens_w is not None,
          dummy_rows if fw is None else fw, fw is not None,
          out if ow is None else ow, ow is not None, dummy_w, float(p), out)  # fmt: skip
    return out


@numba.njit(cache=True, error_model="numpy")
def _log_normal_cdf(t):
    if t == -np.inf:
        return -np.inf
    if t < -1.0:
        return math.log(0.5 * erfcx(-t * _SQRT1_2)) - 0.5 * t * t
    return math.log1p(-0.5 * math.erfc(t * _SQRT1_2))


@numba.njit(cache=True, error_model="numpy")
def _log_diff_exp(hi, lo):
    if hi == -np.inf:
        return hi
    return hi + math.log(-math.expm1(lo - hi))


@numba.njit(cache=True, error_model="numpy")
def _log_normal_mass(a, b):
    if not a < b:
        return -np.inf
    if a > 0.0:
        return _log_diff_exp(_log_normal_cdf(-a), _log_normal_cdf(-b))
    if b < 0.0:
        return _log_diff_exp(_log_normal_cdf(b), _log_normal_cdf(a))
    return math.log(0.5 * (math.erf(b * _SQRT1_2) - math.erf(a * _SQRT1_2)))


@numba.njit(cache=True, error_model="numpy")
def _log_sum_exp(values):
    largest = -np.inf
    for v in values:
        largest = max(largest, v)
    if largest == -np.inf:
        return largest
    total = 0.0
    for v in values:
        total += math.exp(v - largest)
    return largest + math.log(total)


@numba.njit(cache=True, error_model="numpy")
def _normal_mass(a, b):
    if not a < b:
        return 0.0
    if a > 0.0:
        return 0.5 * (math.erfc(a * _SQRT1_2) - math.erfc(b * _SQRT1_2))
    if b < 0.0:
        return 0.5 * (math.erfc(-b * _SQRT1_2) - math.erfc(-a * _SQRT1_2))
    return 0.5 * (math.erf(b * _SQRT1_2) - math.erf(a * _SQRT1_2))


@numba.njit(cache=True, error_model="numpy")
def _silverman(x):
    m = x.size
    _, ss = _mean_and_ss(x)
    key = np.sort(x.astype(np.float64))
    iqr = _sorted_quantile(key, 0.75) - _sorted_quantile(key, 0.25)
    return 1.06 * min(math.sqrt(ss / (m - 1)), iqr / 1.34) * m**-0.2


@numba.njit(cache=True, error_model="numpy")
def _clogs(x, y, lo, hi, h, cens):
    m = x.size
    if np.isnan(y) or np.isnan(lo) or np.isnan(hi):
        return np.nan
    for i in range(m):
        if np.isnan(x[i]):
            return np.nan
    if not h > 0.0:
        h = _silverman(x)
    inside = lo < y < hi
    if cens and inside:
        return _score(_LOGS, x, y, h)
    if not cens and not inside:
        return 0.0
    total = 0.0
    for i in range(m):
        xi = np.float64(x[i])
        a, b = (lo - xi) / h, (hi - xi) / h
        total += normal_cdf(a) + normal_cdf(-b) if cens else _normal_mass(a, b)
    if total > _LOG_SPACE_BELOW:
        log_total = math.log(total)
    else:
        terms = np.empty(2 * m if cens else m)
        for i in range(m):
            xi = np.float64(x[i])
            a, b = (lo - xi) / h, (hi - xi) / h
            if cens:
                terms[i] = _log_normal_cdf(a)
                terms[m + i] = _log_normal_cdf(-b)
            else:
                terms[i] = _log_normal_mass(a, b)
        log_total = _log_sum_exp(terms)
    if cens:
        return math.log(m) - log_total
    return _score(_LOGS, x, y, h) + log_total - math.log(m)


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _clogs_loop(obs, fct, a, b, bw, has_bw, cens, out):
    for r in numba.prange(fct.shape[0]):
        h = np.float64(bw[r]) if has_bw else 0.0
        out[r] = _clogs(fct[r], np.float64(obs[r]), np.float64(a[r]), np.float64(b[r]), h, cens)


def clogs_ensemble(obs, fct, a, b, bw, cens):
    out = np.empty(fct.shape[0], dtype=fct.dtype)
    _clogs_loop(obs, fct, a, b, obs if bw is None else bw, bw is not None, bool(cens), out)
    return out


@numba.njit(cache=True, error_model="numpy")
def _power_slope(gap, p):
    if gap == 0.0:
        return 0.0
    a = abs(gap)
    sign = 1.0 if gap > 0.0 else -1.0
    if p == 0.5:
        return sign * 0.5 / math.sqrt(a)
    return sign * (1.0 if p == 1.0 else (2.0 * a if p == 2.0 else p * a ** (p - 1.0)))


@numba.njit(cache=True, error_model="numpy")
def _add_unit_difference(x, i, j, scale, g):
    norm = math.sqrt(_gap(x[i], x[j]))
    if not norm > 0.0:
        return
    for k in range(x.shape[1]):
        t = scale * (np.float64(x[i, k]) - np.float64(x[j, k])) / norm
        g[i, k] -= t
        g[j, k] += t


@numba.njit(cache=True, error_model="numpy")
def _grad(kind, x, y, ens, has_ens, w, p, q, a, g):
    m, d = x.shape
    if _has_nan(x, y):
        g[:] = np.nan
        return
    g[:] = 0.0
    _, sum_v2 = _member_weights(ens, has_ens, ens, False, m, False, q)
    if kind == _VS_NRG or kind == _VS_FAIR:
        kappa = sum_v2 / (1.0 - sum_v2) if kind == _VS_FAIR else 0.0
        for k in range(d):
            for l in range(k + 1, d):  # noqa: E741
                c = np.float64(w[k, l]) + np.float64(w[l, k])
                if c == 0.0:
                    continue
                b = _power(np.float64(y[k]) - np.float64(y[l]), p)
                mean = 0.0
                for i in range(m):
                    a[i] = _power(np.float64(x[i, k]) - np.float64(x[i, l]), p)
                    mean += q[i] * a[i]
                for i in range(m):
                    coef = 2.0 * c * q[i] * ((mean - b) - kappa * (a[i] - mean))
                    slope = coef * _power_slope(np.float64(x[i, k]) - np.float64(x[i, l]), p)
                    g[i, k] += slope
                    g[i, l] -= slope
        return
    for i in range(m):
        norm = math.sqrt(_gap(x[i], y))
        if norm > 0.0:
            for k in range(d):
                g[i, k] += q[i] * (np.float64(x[i, k]) - np.float64(y[k])) / norm
    if kind == 2 or kind == 3:  # es_akr, es_akr_circperm
        s = _akr_shift(_AKR if kind == 2 else _AKR_CIRCPERM, m)
        for i in range(m):
            _add_unit_difference(x, i, i + s if i + s < m else i + s - m, 0.5 / m, g)
        return
    c = 1.0 / (1.0 - sum_v2) if kind == 1 else 1.0
    for i in range(m):
        for j in range(i + 1, m):
            _add_unit_difference(x, i, j, c * q[i] * q[j], g)


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _grad_loop(kind, obs, fct, ens, has_ens, w, p, out):
    n, m, d = fct.shape
    for r in numba.prange(n):
        g = np.empty((m, d))
        _grad(kind, fct[r], obs[r], ens[r], has_ens, w[r], p, np.empty(m), np.empty(m), g)
        for i in range(m):
            for k in range(d):
                out[r, i, k] = g[i, k]


def multivariate_grad(name, obs, fct, ens_w, w, p):
    n, m = fct.shape[:2]
    out = np.empty(fct.shape, dtype=fct.dtype)
    dummy_rows = np.broadcast_to(np.zeros((1, m), dtype=fct.dtype), (n, m))
    dummy_w = w if w is not None else np.broadcast_to(np.zeros((1, 1, 1), dtype=fct.dtype), (n, 1, 1))
    ens = dummy_rows if ens_w is None else ens_w
    _grad_loop(NAMES.index(name), obs, fct, ens, ens_w is not None, dummy_w, float(p), out)
    return out
