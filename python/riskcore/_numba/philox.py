"""Philox4x64-10 in Numba (mirror of kernels/philox.hpp); 64x64 -> 128-bit products from 32-bit halves."""

from __future__ import annotations

import numba
import numpy as np

_MASK32 = np.uint64(0xFFFFFFFF)
_M0 = np.uint64(0xD2E7470EE14C6C93)
_M1 = np.uint64(0xCA5A826395121157)
_W0 = np.uint64(0x9E3779B97F4A7C15)
_W1 = np.uint64(0xBB67AE8584CAA73B)


@numba.njit(cache=True)
def _mulhi64(a, b):
    s32 = np.uint64(32)
    a_lo, a_hi = a & _MASK32, a >> s32
    b_lo, b_hi = b & _MASK32, b >> s32
    lo_lo = a_lo * b_lo
    mid1 = a_hi * b_lo + (lo_lo >> s32)
    mid2 = a_lo * b_hi + (mid1 & _MASK32)
    return a_hi * b_hi + (mid1 >> s32) + (mid2 >> s32)


@numba.njit(cache=True)
def _philox_block(c0, c1, c2, c3, k0, k1):
    for r in range(10):
        if r > 0:
            k0 += _W0
            k1 += _W1
        hi0, lo0 = _mulhi64(_M0, c0), _M0 * c0
        hi1, lo1 = _mulhi64(_M1, c2), _M1 * c2
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1, c2, c3


@numba.njit(cache=True)
def _philox_loop(counters, k0, k1, out):
    for i in range(counters.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = _philox_block(
            counters[i, 0], counters[i, 1], counters[i, 2], counters[i, 3], k0, k1
        )


def philox4x64(counters, key):
    out = np.empty_like(counters)
    _philox_loop(counters, key[0], key[1], out)
    return out
