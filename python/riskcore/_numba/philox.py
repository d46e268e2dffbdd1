"""Philox4x64-10 in Numba (mirror of kernels/philox.hpp); 64x64 -> 128-bit products from 32-bit halves."""

from __future__ import annotations

import math

import numba
import numpy as np

_MASK32 = np.uint64(0xFFFFFFFF)
_M0 = np.uint64(0xD2E7470EE14C6C93)
_M1 = np.uint64(0xCA5A826395121157)
_W0 = np.uint64(0x9E3779B97F4A7C15)
_W1 = np.uint64(0xBB67AE8584CAA73B)


@numba.njit(cache=True, error_model="numpy")
def _mulhi64(a, b):
    s32 = np.uint64(32)
    a_lo, a_hi = a & _MASK32, a >> s32
    b_lo, b_hi = b & _MASK32, b >> s32
    lo_lo = a_lo * b_lo
    mid1 = a_hi * b_lo + (lo_lo >> s32)
    mid2 = a_lo * b_hi + (mid1 & _MASK32)
    return a_hi * b_hi + (mid1 >> s32) + (mid2 >> s32)


@numba.njit(cache=True, error_model="numpy")
def _philox_block(c0, c1, c2, c3, k0, k1):
    for r in range(10):
        if r > 0:
            k0 += _W0
            k1 += _W1
        hi0, lo0 = _mulhi64(_M0, c0), _M0 * c0
        hi1, lo1 = _mulhi64(_M1, c2), _M1 * c2
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1, c2, c3


@numba.njit(cache=True, error_model="numpy")
def _philox_loop(counters, k0, k1, out):
    for i in range(counters.shape[0]):
        out[i, 0], out[i, 1], out[i, 2], out[i, 3] = _philox_block(
            counters[i, 0], counters[i, 1], counters[i, 2], counters[i, 3], k0, k1
        )


def philox4x64(counters, key):
    out = np.empty_like(counters)
    _philox_loop(counters, key[0], key[1], out)
    return out


_SCALE = 1.0 / 9007199254740992.0


@numba.njit(cache=True, error_model="numpy")
def _sincos_turns(u):
    """sin, cos of 2 pi u (mirror of sincos_turns in kernels/tail_sampler.hpp, same operations)."""
    t = 4.0 * u
    q = math.floor(t + 0.5)
    x = (t - q) * 1.5707963267948966
    x2 = x * x
    ps = x + x * x2 * (
        -0.16666666666666666
        + x2
        * (
            0.008333333333333333
            + x2
            * (
                -0.0001984126984126984
                + x2
                * (
                    2.7557319223985893e-06
                    + x2 * (-2.505210838544172e-08 + x2 * (1.6059043836821613e-10 + x2 * -7.647163731819816e-13))
                )
            )
        )
    )
    pc = 1.0 + x2 * (
        -0.5
        + x2
        * (
            0.041666666666666664
            + x2
            * (
                -0.001388888888888889
                + x2
                * (
                    2.48015873015873e-05
                    + x2
                    * (
                        -2.755731922398589e-07
                        + x2 * (2.08767569878681e-09 + x2 * (-1.1470745597729725e-11 + x2 * 4.779477332387385e-14))
                    )
                )
            )
        )
    )
    k = int(q) & 3
    if k == 0:
        return ps, pc
    if k == 1:
        return pc, -ps
    if k == 2:
        return -ps, -pc
    return -pc, ps


@numba.njit(cache=True, error_model="numpy")
def _uniform(word):
    return float(word >> np.uint64(11)) * _SCALE


@numba.njit(cache=True, error_model="numpy")
def normal_block(block, k0, k1):
    """The four normals of Philox block ``block`` under key (k0, k1) (fill_normals in tail_sampler.hpp)."""
    w0, w1, w2, w3 = _philox_block(np.uint64(block), np.uint64(0), np.uint64(0), np.uint64(0), k0, k1)
    r0 = math.sqrt(-2.0 * math.log(1.0 - _uniform(w0)))
    r1 = math.sqrt(-2.0 * math.log(1.0 - _uniform(w2)))
    s0, c0 = _sincos_turns(_uniform(w1))
    s1, c1 = _sincos_turns(_uniform(w3))
    return r0 * c0, r0 * s0, r1 * c1, r1 * s1


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _normals(n, k0, k1, out):
    for block in numba.prange((n + 3) // 4):
        z = normal_block(block, k0, k1)
        for j in range(4):
            if 4 * block + j < n:
                out[4 * block + j] = z[j]


def standard_normals(n, seed, stream):
    """Mirror of riskcore._core.standard_normals (kernels/tail_sampler.hpp)."""
    out = np.empty(n)
    _normals(n, np.uint64(seed), np.uint64(stream), out)
    return out
