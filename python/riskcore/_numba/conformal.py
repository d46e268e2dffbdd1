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
    half, floor_half = (m + 1) // 2, m // 2
    lower = prev.copy()  # D_floor(m/2) (half depth + combine, as in cpp/conformal_cpu.cpp)
    for i in range(1, half + 1):
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
        if i == floor_half:
            lower = prev.copy()
    for j in range(1, t_max + 1):
        lower[j] = max(lower[j], lower[j - 1])
    best = -np.inf
    for j1 in range(t_max + 1):
        best = max(best, prev[j1] + lower[t_max - j1])
    return best


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


@numba.njit(cache=True)
def weighted_sum_counts(h, m, counts):
    """Law of G = sum_j h(R_j) over the multisets of m slots (h[r - 1] >= 0 integers, non-decreasing):
    ``counts`` (m + 1, m h[-1] + 1) int64, zero on entry; slot by slot, multisets of i slots from the
    first r slots: N_r[i][s] = N_{r-1}[i][s] + N_r[i-1][s - h_r]. Returns row m (exact counts)."""
    counts[0, 0] = 1
    for r in range(1, h.size + 1):
        w = h[r - 1]
        for i in range(1, m + 1):
            for s in range(w, i * w + 1):
                counts[i, s] += counts[i - 1, s - w]
    return counts[m]


@numba.njit(cache=True)
def weighted_sum_probabilities(h, m, probs):
    """The same law in probabilities P = N / C(r+i-1, i) (no overflow), float64 ``probs``:
    P_r[i][s] = (r-1)/(r+i-1) P_{r-1}[i][s] + i/(r+i-1) P_r[i-1][s - h_r]."""
    probs[0, 0] = 1.0
    for r in range(1, h.size + 1):
        w = h[r - 1]
        for i in range(1, m + 1):
            keep = (r - 1) / (r + i - 1)
            add = i / (r + i - 1)
            for s in range(i * w, -1, -1):
                prev = probs[i - 1, s - w] if s >= w else 0.0
                probs[i, s] = keep * probs[i, s] + add * prev
    return probs[m]
