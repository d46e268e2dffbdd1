"""Ensemble CRPS, its gradient and the energy score in Numba (mirror of kernels/crps_ensemble.hpp)."""

from __future__ import annotations

import numba
import numpy as np

_CODES = {"nrg": 0, "fair": 1, "afcrps": 2, "pwm": 3, "int": 4}
_NRG, _FAIR, _AFCRPS, _PWM, _INT = range(5)


@numba.njit(cache=True)
def _scaled_spread(est, alpha, spread, pair_weight):
    """c * spread by division (see scaled_spread in kernels/crps_ensemble.hpp)."""
    if est == _NRG or est == _INT:
        return spread
    if not pair_weight > 0.0:
        return np.nan
    fair = spread / pair_weight
    return alpha * fair + (1.0 - alpha) * spread if est == _AFCRPS else fair


@numba.njit(cache=True)
def _pair_weight(w):
    total, suffix = 0.0, 0.0
    for k in range(w.size - 1, -1, -1):
        total += 2.0 * w[k] * suffix
        suffix += w[k]
    return total


@numba.njit(cache=True)
def _crps_sorted(x, w, y, est, alpha):
    """CRPS of sorted members x with normalised weights w (see kernels/crps_ensemble.hpp)."""
    m = x.size
    if est == _INT:
        total = 0.0
        if y < x[0]:
            total += x[0] - y
        if y > x[m - 1]:
            total += y - x[m - 1]
        cdf = 0.0
        for k in range(m - 1):
            cdf += w[k]
            a, b = x[k], x[k + 1]
            below = max(min(b, y) - a, 0.0)
            above = max(b - max(a, y), 0.0)
            total += cdf * cdf * below + (1.0 - cdf) * (1.0 - cdf) * above
        return total
    abs_dev = 0.0
    lower_part = 0.0
    below = 0.0
    for k in range(m):
        d = x[k] - y
        abs_dev += w[k] * abs(d)
        lower_part += w[k] * d * below
        below += w[k]
    upper_part = 0.0
    above = 0.0
    for k in range(m - 1, -1, -1):
        upper_part += w[k] * (x[k] - y) * above
        above += w[k]
    if est == _PWM:
        if m < 2:
            return np.nan
        b0 = 0.0
        b1 = 0.0
        for k in range(m):
            d = x[k] - y
            b0 += d / m
            b1 += d * k / (m * (m - 1))
        return abs_dev + b0 - 2.0 * b1
    return abs_dev - _scaled_spread(est, alpha, lower_part - upper_part, _pair_weight(w))


@numba.njit(cache=True)
def _gather(fct_row, w_row, has_weights, omit_nan):
    """Sorted non-NaN members (float64), their normalised weights and original positions, and whether
    the row can be scored (False when a NaN propagates, the weights sum to 0 or nothing is left)."""
    keep = ~np.isnan(fct_row)
    pos = np.nonzero(keep)[0]
    x = fct_row[pos].astype(np.float64)
    ok = pos.size > 0 and (omit_nan or pos.size == fct_row.size)
    if has_weights:
        w = w_row[pos].astype(np.float64)
        total = w.sum()
        ok = ok and total > 0.0
        w = w / total if ok else w
    else:
        w = np.full(pos.size, 1.0 / max(pos.size, 1))
    order = np.argsort(x, kind="mergesort")
    return x[order], w[order], pos[order], ok


@numba.njit(parallel=True, cache=True)
def _ensemble_loop(obs, fct, weights, has_weights, est, alpha, omit_nan, out):
    for r in numba.prange(fct.shape[0]):
        y = np.float64(obs[r])
        x, w, _, ok = _gather(fct[r], weights[r % weights.shape[0]], has_weights, omit_nan)
        out[r] = _crps_sorted(x, w, y, est, alpha) if ok and not np.isnan(y) else np.nan


@numba.njit(parallel=True, cache=True)
def _grad_loop(obs, fct, weights, has_weights, est, alpha, omit_nan, out):
    for r in numba.prange(fct.shape[0]):
        y = np.float64(obs[r])
        x, w, pos, ok = _gather(fct[r], weights[r % weights.shape[0]], has_weights, omit_nan)
        out[r, :] = 0.0
        if not ok or np.isnan(y):
            out[r, :] = np.nan
            continue
        pair_weight = _pair_weight(w)
        partial = np.empty(x.size)  # W_< part forward, W_> part backward (running sums, no 1 - ...)
        below = 0.0
        start = 0
        n = x.size
        while start < n:
            end = start
            while end < n and x[end] == x[start]:
                end += 1
            tie = 0.0
            for k in range(start, end):
                partial[k] = w[k] * np.sign(x[k] - y) - _scaled_spread(est, alpha, w[k] * below, pair_weight)
                tie += w[k]
            below += tie
            start = end
        above = 0.0
        end = n
        while end > 0:
            start = end - 1
            while start > 0 and x[start - 1] == x[end - 1]:
                start -= 1
            tie = 0.0
            for k in range(start, end):
                out[r, pos[k]] = partial[k] + _scaled_spread(est, alpha, w[k] * above, pair_weight)
                tie += w[k]
            above += tie
            end = start


@numba.njit(parallel=True, cache=True)
def _energy_loop(obs, fct, fair, out):
    m = fct.shape[1]
    for r in numba.prange(fct.shape[0]):
        x = fct[r].astype(np.float64)
        y = obs[r].astype(np.float64)
        to_obs = 0.0
        pairwise = 0.0
        for i in range(m):
            to_obs += np.sqrt(((x[i] - y) ** 2).sum())
            for j in range(i + 1, m):
                pairwise += np.sqrt(((x[i] - x[j]) ** 2).sum())
        if fair and m < 2:
            out[r] = np.nan
        else:
            out[r] = to_obs / m - pairwise / (m * (m - 1.0) if fair else m * m)


def _weights_or_dummy(weights, fct):
    return (weights, True) if weights is not None else (np.ones((1, fct.shape[1]), fct.dtype), False)


def crps_ensemble(obs, fct, weights, estimator, alpha, omit_nan):
    out = np.empty(fct.shape[0], dtype=fct.dtype)
    w, has_w = _weights_or_dummy(weights, fct)
    _ensemble_loop(obs, fct, w, has_w, _CODES[estimator], float(alpha), bool(omit_nan), out)
    return out


def crps_ensemble_grad(obs, fct, weights, estimator, alpha, omit_nan):
    out = np.empty(fct.shape, dtype=fct.dtype)
    w, has_w = _weights_or_dummy(weights, fct)
    _grad_loop(obs, fct, w, has_w, _CODES[estimator], float(alpha), bool(omit_nan), out)
    return out


def energy_score(obs, fct, fair):
    out = np.empty(fct.shape[0], dtype=fct.dtype)
    _energy_loop(obs, fct, bool(fair), out)
    return out
