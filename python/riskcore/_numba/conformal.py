"""Batch-mean knapsack DP in Numba (mirror of kernels/conformal.hpp: same blocked maximum)."""

from __future__ import annotations

import numba
import numpy as np

_BLOCK = 2048


@numba.njit(cache=True)
def _max_sum(v, m, t_max):
    prev = np.full(t_max + 1, -np.inf)
    nxt = np.full(t_max + 1, -np.inf)
    prev[0] = 0.0
    slots = v.size
    for i in range(1, m + 1):
        first = min(i, t_max + 1)
        last = min(t_max + 1, i * slots + 1)
        nxt[:] = -np.inf
        for j0 in range(first, last, _BLOCK):
            j1 = min(last, j0 + _BLOCK)
            for r in range(1, min(slots, j1 - 1) + 1):
                vr = v[r - 1]
                start = max(j0, r)
                out = nxt[start:j1]
                shifted = prev[start - r : j1 - r]
                for j in range(out.size):  # branch-free so LLVM vectorises it
                    out[j] = max(out[j], shifted[j] + vr)
        prev, nxt = nxt, prev
    return prev.max()


@numba.njit(parallel=True, cache=True)
def _max_sums(flat, offsets, ms, t_max, out):
    for p in numba.prange(ms.size):
        out[p] = _max_sum(flat[offsets[p] : offsets[p + 1]], ms[p], t_max[p])


def knapsack_max_sums(values, m, t_max):
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([v.size for v in values])
    out = np.empty(len(values))
    _max_sums(
        np.concatenate(values).astype(np.float64), offsets, np.asarray(m, np.int64), np.asarray(t_max, np.int64), out
    )
    return out
