"""Markov-chain outcome-risk simulator in Numba (mirror of kernels/mc.hpp: same tables, same Philox
counters, same arithmetic order, so the values equal the C++ ones bit for bit)."""

from __future__ import annotations

import math

import numba
import numpy as np

from riskcore._numba.philox import _philox_block

_OUTCOME, _END = 1, 2
_INV_2_53 = 1.0 / 9007199254740992.0


@numba.njit(cache=True, error_model="numpy")
def _sample_state(row, u):
    lo, hi = 0, row.size - 1
    while lo < hi:
        mid = lo + (hi - lo) // 2
        if row[mid] > u:
            hi = mid
        else:
            lo = mid + 1
    return lo


@numba.njit(cache=True, error_model="numpy")
def _uniform(words, t):
    return np.float64(words[t % 4] >> np.uint64(11)) * _INV_2_53


@numba.njit(cache=True, error_model="numpy")
def _block(seed, query, trajectory, pass_, t):
    words = np.empty(4, dtype=np.uint64)
    words[0], words[1], words[2], words[3] = _philox_block(
        np.uint64(t // 4), np.uint64(trajectory), np.uint64(pass_), np.uint64(0), np.uint64(seed), np.uint64(query)
    )
    return words


@numba.njit(cache=True, error_model="numpy")
def _trajectory(cdf, masked_cdf, hazard, kind, start, horizon, seed, query, trajectory):
    mc = 0.0
    scope = 0.0
    steps = 0
    s = start
    words = np.zeros(4, dtype=np.uint64)
    for t in range(horizon):
        scope += hazard[s]
        if t % 4 == 0:
            words = _block(seed, query, trajectory, 0, t)
        nxt = _sample_state(cdf[s], _uniform(words, t))
        steps += 1
        if kind[nxt] == _OUTCOME:
            mc = 1.0
            break
        if kind[nxt] == _END:
            break
        s = nxt
    log_survival = 0.0
    s = start
    for t in range(horizon):
        h = hazard[s]
        if h >= 1.0:
            log_survival = -math.inf
            break
        log_survival += math.log1p(-h)
        if t % 4 == 0:
            words = _block(seed, query, trajectory, 1, t)
        nxt = _sample_state(masked_cdf[s], _uniform(words, t))
        steps += 1
        if kind[nxt] == _END:
            break
        s = nxt
    return mc, scope, -math.expm1(log_survival), steps


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _simulate(cdf, masked_cdf, hazard, kind, start, horizon, seed, first, count, values, steps):
    queries = start.size
    for item in numba.prange(queries * count):
        q, i = item // count, item % count
        c = 0 if cdf.shape[0] == 1 else q
        mc, scope, reach, n = _trajectory(
            cdf[c], masked_cdf[c], hazard[c], kind[c], start[q], horizon, seed, q, first + i
        )
        values[0, q, i], values[1, q, i], values[2, q, i] = mc, scope, reach
        steps[item] = n


def simulate_chunk(cdf, masked_cdf, hazard, kind, start, horizon, seed, first, count):
    values = np.empty((3, start.size, count))
    steps = np.empty(start.size * count, dtype=np.int64)
    _simulate(cdf, masked_cdf, hazard, kind, start, horizon, np.uint64(seed), first, count, values, steps)
    return values, int(steps.sum())
