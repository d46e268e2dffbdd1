"""Importance-sampling log-sums in Numba (mirror of kernels/tail.hpp: same chunks, same order)."""

from __future__ import annotations

import math

import numba
import numpy as np

CHUNK = 65536


@numba.njit(cache=True)
def _chunk(lw, event):
    m = -math.inf
    for v in lw:
        m = v if v > m else m
    if m == -math.inf:
        return m, 0.0, 0.0, 0.0, 0.0
    s0 = s1 = s2 = s2e = 0.0
    for i in range(lw.size):
        w = math.exp(lw[i] - m)
        w2 = w * w
        s0 += w
        s2 += w2
        if event[i]:
            s1 += w
            s2e += w2
    return m, s0, s1, s2, s2e


@numba.njit(cache=True)
def _combine(a, b):
    if a[0] == -math.inf:
        return b
    if b[0] == -math.inf:
        return a
    m = max(a[0], b[0])
    fa, fb = math.exp(a[0] - m), math.exp(b[0] - m)
    return (
        m,
        a[1] * fa + b[1] * fb,
        a[2] * fa + b[2] * fb,
        a[3] * fa * fa + b[3] * fb * fb,
        a[4] * fa * fa + b[4] * fb * fb,
    )


@numba.njit(parallel=True, cache=True)
def _log_sums(lw, event, out):
    queries, n = lw.shape
    for q in numba.prange(queries):
        total = (-math.inf, 0.0, 0.0, 0.0, 0.0)
        for begin in range(0, n, CHUNK):
            end = min(n, begin + CHUNK)
            total = _combine(total, _chunk(lw[q, begin:end], event[q, begin:end]))
        for k in range(5):
            out[q, k] = total[k]


def log_sums(log_weights, event):
    out = np.empty((log_weights.shape[0], 5))
    _log_sums(log_weights, event, out)
    return out
