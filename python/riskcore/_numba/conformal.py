"""Batch-mean knapsack DP in Numba: the pruned half-depth DP of kernels/conformal.hpp, line for line
(plan, pull with chunk skips, prune, combine); the same doubles as the C++ and CUDA backends."""

from __future__ import annotations

import numba
import numpy as np

_SHIFT = 6  # kKnapsackChunkShift: 64 sums per chunk of the least-acc table
_MARGIN = 1e-9  # kKnapsackMargin
_TINY = np.finfo(np.float64).tiny
_BLOCK = 8  # kChunksPerBlock of cpp/conformal_cpu.cpp
_FIRST_SLACK = 4.0  # kKnapsackFirstSlack


@numba.njit(cache=True, error_model="numpy")
def _rounded_value(v, m, t, ra, rb):
    slots = v.size
    best = -np.inf
    c_top = m if rb == ra else min(m, (t - m * ra) // (rb - ra))
    for c in range(max(c_top - 2, 0), c_top + 1):
        ca = m - c
        left = t - c * rb - ca * ra
        if left < 0:
            continue
        base = float(ca) * v[ra - 1] + float(c) * v[rb - 1]
        best = max(best, base)
        room = min(left, slots - ra)
        if ca >= 1:
            best = max(best, base - v[ra - 1] + v[ra + room - 1])
        if ca >= 2:
            for d in range(room + 1):
                d2 = min(left - d, slots - ra)
                best = max(best, base - 2 * v[ra - 1] + v[ra + d - 1] + v[ra + d2 - 1])
    return best


@numba.njit(cache=True, error_model="numpy")
def _plan(v, m, t):
    """(lambda, w_max, upper, lower, margin, gap_r for r = 1..slots): knapsack_plan."""
    slots = v.size
    hull = np.empty(slots, np.int64)
    size = 0
    for r in range(1, slots + 1):
        while size >= 2:
            r1, r2 = hull[size - 2], hull[size - 1]
            if (v[r2 - 1] - v[r1 - 1]) * float(r - r1) <= (v[r - 1] - v[r1 - 1]) * float(r2 - r1):
                size -= 1
            else:
                break
        hull[size] = r
        size += 1
    lam = 0.0
    ra = rb = slots
    if float(t) < float(m) * float(slots):
        k = 0
        while k + 2 < size and float(hull[k + 1]) * float(m) <= float(t):
            k += 1
        ra = hull[k]
        rb = hull[k + 1] if size > 1 else hull[k]
        if rb > ra:
            lam = max(0.0, (v[rb - 1] - v[ra - 1]) / float(rb - ra))
    w_max = -np.inf
    scale = 0.0
    for r in range(1, slots + 1):
        w_max = max(w_max, v[r - 1] - lam * float(r))
        scale = max(scale, abs(v[r - 1]))
    upper = lam * float(t) + float(m) * w_max
    lower = _rounded_value(v, m, t, ra, rb)
    margin = _MARGIN * (float(m) * scale + lam * float(t)) + _TINY
    gaps = np.empty(slots)
    for r in range(1, slots + 1):
        gaps[r - 1] = w_max - (v[r - 1] - lam * float(r))
    return lam, w_max, upper, lower, margin, gaps


@numba.njit(cache=True, error_model="numpy")
def _keep(v, gaps, margin, slack):
    """knapsack_keep: delta and the slots with gap <= delta by increasing gap (values, gaps)."""
    delta = max(slack, 0.0) + margin
    kept = np.nonzero(gaps <= delta)[0]
    kept = kept[np.argsort(gaps[kept], kind="mergesort")]
    return delta, kept + 1, v[kept].copy(), gaps[kept].copy()


@numba.njit(cache=True, error_model="numpy")
def _pull(prev, cmin, lo, hi, layer_min, slot, value, gap, delta, j0, j1, out):
    out[j0:j1] = -np.inf
    budget = delta - layer_min
    for k in range(slot.size):
        if gap[k] > budget:
            break
        r, vr, gr = slot[k], value[k], gap[k]
        s = max(j0 - r, lo)
        s_end = min(j1 - r, hi + 1)
        while s < s_end:
            c = s >> _SHIFT
            stop = min(s_end, (c + 1) << _SHIFT)
            if gr <= delta - cmin[c]:
                for q in range(s, stop):
                    x = prev[q] + vr
                    if x > out[q + r]:
                        out[q + r] = x
            s = stop


@numba.njit(cache=True, error_model="numpy")
def _prune(i, lam, w_max, delta, j0, j1, out):
    least = np.inf
    for j in range(j0, j1):
        if out[j] == -np.inf:
            continue
        acc = float(i) * w_max - (out[j] - lam * float(j))
        if acc > delta:
            out[j] = -np.inf
        else:
            least = min(least, acc)
    return least


@numba.njit(cache=True, error_model="numpy")
def _pass(m, t, lam, w_max, delta, slot, value, gap):
    """knapsack_pass: the pruned half-depth DP with the kept slots (blocks of _BLOCK chunks)."""
    slot_min, slot_max = slot.min(), slot.max()
    prev = np.full(t + 1, -np.inf)
    nxt = np.full(t + 1, -np.inf)
    cprev = np.zeros((t >> _SHIFT) + 1)
    cnext = np.zeros((t >> _SHIFT) + 1)
    prev[0] = 0.0
    lo, hi, least = 0, 0, 0.0
    prev_written, next_written = (0, 0), (0, -1)  # the cells each buffer last wrote
    half, floor_half = (m + 1) // 2, m // 2
    lower = prev.copy()
    for i in range(1, half + 1):
        if lo > hi:
            break
        a, b = lo + slot_min, min(hi + slot_max, t - (m - i))
        nxt[next_written[0] : next_written[1] + 1] = -np.inf
        new_lo, new_hi, new_least = 1, 0, np.inf
        if a <= b:
            c_last = b >> _SHIFT
            for c0 in range(a >> _SHIFT, c_last + 1, _BLOCK):
                c1 = min(c_last + 1, c0 + _BLOCK)
                _pull(
                    prev,
                    cprev,
                    lo,
                    hi,
                    least,
                    slot,
                    value,
                    gap,
                    delta,
                    max(a, c0 << _SHIFT),
                    min(b + 1, c1 << _SHIFT),
                    nxt,
                )
                for c in range(c0, c1):
                    cnext[c] = _prune(i, lam, w_max, delta, max(a, c << _SHIFT), min(b + 1, (c + 1) << _SHIFT), nxt)
                    new_least = min(new_least, cnext[c])
            new_lo, new_hi = a, b
            while new_lo <= b and nxt[new_lo] == -np.inf:
                new_lo += 1
            while new_hi >= new_lo and nxt[new_hi] == -np.inf:
                new_hi -= 1
        prev_written, next_written = (a, b), prev_written
        prev, nxt = nxt, prev
        cprev, cnext = cnext, cprev
        lo, hi, least = new_lo, new_hi, new_least
        if i == floor_half:
            lower = prev.copy()
    if lo > hi:
        return -np.inf
    for j in range(1, t - half + 1):
        lower[j] = max(lower[j], lower[j - 1])
    best = -np.inf
    for j in range(lo, min(hi, t) + 1):
        best = max(best, prev[j] + lower[t - j])
    return best


@numba.njit(cache=True, error_model="numpy")
def _max_sum(v, m, t):
    """knapsack_solve: a cheap pass kept to a quarter of the slack, then (if it cannot certify) the
    pass kept to upper - max(lower, its value)."""
    if t < m:
        return -np.inf
    lam, w_max, upper, lower, margin, gaps = _plan(v, m, t)
    slack = upper - lower
    if slack > 0:
        delta, slot, value, gap = _keep(v, gaps, margin, slack / _FIRST_SLACK)
        x = _pass(m, t, lam, w_max, delta, slot, value, gap)
        if upper - x <= slack / _FIRST_SLACK:
            return x
        slack = upper - max(lower, x)
    delta, slot, value, gap = _keep(v, gaps, margin, max(slack, 0.0))
    return _pass(m, t, lam, w_max, delta, slot, value, gap)


@numba.njit(parallel=True, cache=True, error_model="numpy")
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


@numba.njit(cache=True, error_model="numpy")
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


@numba.njit(cache=True, error_model="numpy")
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
