"""Batch-mean knapsack DP in Numba: the pruned half-depth DP of kernels/conformal.hpp, line for line
(plan, dense pull with chunk skips or sparse pull from the kept states, prune by the Lagrangian and
the coarse completion bound, combine); the same doubles as the C++ and CUDA backends."""

from __future__ import annotations

import numba
import numpy as np

_SHIFT = 6  # kKnapsackChunkShift: 64 sums per chunk of the least-acc table
_MARGIN = 1e-9  # kKnapsackMargin
_TINY = np.finfo(np.float64).tiny
_BLOCK = 8  # kChunksPerBlock of cpp/conformal_cpu.cpp
_FIRST_SLACK = 4.0  # kKnapsackFirstSlack
_COARSE_BLOCKS = 80  # kKnapsackCoarseBlocksHint
_COARSE_CELLS = 1 << 22  # kKnapsackCoarseCells


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
        for q in range(2, ca + 1):
            d, extra = left // q, left % q
            if ra + d + (1 if extra > 0 else 0) > slots:
                continue
            up, up_one_more = v[ra + d - 1] - v[ra - 1], v[ra + d] - v[ra - 1] if extra > 0 else 0.0
            best = max(best, base + float(q - extra) * up + float(extra) * up_one_more)
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
def _coarse_width(slots, m, t, requested):
    """knapsack_coarse_width: about slots / 80 ranks, the least n mod B in [3 B0 / 4, 5 B0 / 4], widened to fit."""
    if requested > 0:
        return requested
    base = (slots + _COARSE_BLOCKS - 1) // _COARSE_BLOCKS if slots > _COARSE_BLOCKS else 1
    best = base
    for b in range(base - base // 4, base + base // 4 + 1):
        if (slots - 1) % b < (slots - 1) % best:
            best = b
    rows = m - m // 2 + 1
    while rows * (t // best + 1) > _COARSE_CELLS:
        best *= 2
    return best


@numba.njit(cache=True, error_model="numpy")
def _coarse(v, m, t, requested):
    """knapsack_coarse: (width, first, table (m - first + 1, cols)) of C_k(u), k = first..m."""
    slots = v.size
    width = _coarse_width(slots, m, t, requested)
    first = m // 2
    cols = (t - first) // width + 1
    blocks = (slots + width - 1) // width
    top = np.full(blocks, -np.inf)
    for r in range(1, slots + 1):
        top[(r - 1) // width] = max(top[(r - 1) // width], v[r - 1])
    table = np.zeros((m - first + 1, cols))
    prev = np.zeros(cols)
    nxt = np.empty(cols)
    for k in range(1, m + 1):
        nxt[:] = -np.inf
        for q in range(min(blocks, cols)):
            vq, dst = top[q], nxt[q:]
            for x in range(cols - q):
                c = prev[x] + vq
                dst[x] = c if c > dst[x] else dst[x]
        for u in range(1, cols):
            nxt[u] = max(nxt[u], nxt[u - 1])
        prev, nxt = nxt, prev
        if k >= first:
            table[k - first] = prev
    return width, first, table


@numba.njit(cache=True, error_model="numpy")
def _pull_sparse(prev, kept, kept_count, i, lam, w_max, delta, slot_min, slot_max, rank_value, rank_gap, j0, j1, out):
    out[j0:j1] = -np.inf
    a = np.searchsorted(kept[:kept_count], j0 - slot_max)
    for k in range(a, kept_count):
        s = kept[k]
        if s + slot_min >= j1:
            break
        x = prev[s]
        budget = delta - (float(i - 1) * w_max - (x - lam * float(s)))
        c0, c1 = max(j0, s + slot_min), min(j1, s + slot_max + 1)
        vr, gr, dst = rank_value[c0 - s - 1 :], rank_gap[c0 - s - 1 :], out[c0:c1]
        for q in range(c1 - c0):
            cand = x + vr[q] if gr[q] <= budget else -np.inf
            dst[q] = cand if cand > dst[q] else dst[q]


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
                src, dst = prev[s:stop], out[s + r : stop + r]  # views: an index from 0 vectorises
                for q in range(stop - s):
                    x = src[q] + vr
                    dst[q] = x if x > dst[q] else dst[q]
            s = stop


@numba.njit(cache=True, error_model="numpy")
def _prune(i, lam, w_max, delta, j0, j1, out, m, t, coarse, width, first, floor):
    least = np.inf
    for j in range(j0, j1):
        if out[j] == -np.inf:
            continue
        acc = float(i) * w_max - (out[j] - lam * float(j))
        cut = False
        if coarse.shape[1] > 0:
            k = m - i
            u = min((t - j - k) // width, coarse.shape[1] - 1)
            cut = out[j] + coarse[k - first, u] < floor
        if acc > delta or cut:
            out[j] = -np.inf
        else:
            least = min(least, acc)
    return least


@numba.njit(cache=True, error_model="numpy")
def _pass(m, t, lam, w_max, delta, slot, value, gap, rank_value, rank_gap, coarse, width, first, floor):
    """knapsack_pass: the pruned half-depth DP with the kept slots (blocks of _BLOCK chunks), each layer
    pulled densely or sparsely (knapsack_sparse_layer)."""
    slot_min, slot_max = slot.min(), slot.max()
    prev = np.full(t + 1, -np.inf)
    nxt = np.full(t + 1, -np.inf)
    cprev = np.zeros((t >> _SHIFT) + 1)
    cnext = np.zeros((t >> _SHIFT) + 1)
    kept = np.zeros(t + 1, np.int64)  # the kept states of prev (kept[0] = 0: D_0)
    kept_next = np.zeros(t + 1, np.int64)
    kept_count = 1
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
        new_lo, new_hi, new_least, new_count = 1, 0, np.inf, 0
        if a <= b:
            sorted_cmin = np.sort(cprev[lo >> _SHIFT : (hi >> _SHIFT) + 1])
            dense = 0.0  # knapsack_dense_work: the chunks each slot in budget reads
            for k in range(gap.size):
                if gap[k] > delta - sorted_cmin[0]:
                    break
                dense += np.searchsorted(sorted_cmin, delta - gap[k], side="right")
            sparse = 2.0 * float(kept_count) * float(slot_max - slot_min + 1) < dense * float(1 << _SHIFT)
            c_last = b >> _SHIFT
            for c0 in range(a >> _SHIFT, c_last + 1, _BLOCK):
                c1 = min(c_last + 1, c0 + _BLOCK)
                j0, j1 = max(a, c0 << _SHIFT), min(b + 1, c1 << _SHIFT)
                if sparse:
                    _pull_sparse(
                        prev,
                        kept,
                        kept_count,
                        i,
                        lam,
                        w_max,
                        delta,
                        slot_min,
                        slot_max,
                        rank_value,
                        rank_gap,
                        j0,
                        j1,
                        nxt,
                    )
                else:
                    _pull(prev, cprev, lo, hi, least, slot, value, gap, delta, j0, j1, nxt)
                for c in range(c0, c1):
                    cnext[c] = _prune(
                        i,
                        lam,
                        w_max,
                        delta,
                        max(a, c << _SHIFT),
                        min(b + 1, (c + 1) << _SHIFT),
                        nxt,
                        m,
                        t,
                        coarse,
                        width,
                        first,
                        floor,
                    )
                    new_least = min(new_least, cnext[c])
            for j in range(a, b + 1):
                if nxt[j] != -np.inf:
                    kept_next[new_count] = j
                    new_count += 1
            if new_count > 0:
                new_lo, new_hi = kept_next[0], kept_next[new_count - 1]
        prev_written, next_written = (a, b), prev_written
        prev, nxt = nxt, prev
        cprev, cnext = cnext, cprev
        kept, kept_next = kept_next, kept
        lo, hi, least, kept_count = new_lo, new_hi, new_least, new_count
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
def _max_sum(v, m, t, coarse_width):
    """knapsack_solve: a cheap pass kept to a quarter of the slack, then (if it cannot certify) the
    pass kept to upper - max(lower, its value), also pruned by the coarse completion bound."""
    if t < m:
        return -np.inf
    lam, w_max, upper, lower, margin, gaps = _plan(v, m, t)
    none = np.zeros((0, 0))
    slack = upper - lower
    if slack > 0:
        delta, slot, value, gap = _keep(v, gaps, margin, slack / _FIRST_SLACK)
        x = _pass(m, t, lam, w_max, delta, slot, value, gap, v, gaps, none, 1, 0, upper - delta)
        if upper - x <= slack / _FIRST_SLACK:
            return x
        slack = upper - max(lower, x)
    delta, slot, value, gap = _keep(v, gaps, margin, max(slack, 0.0))
    width, first, table = _coarse(v, m, t, coarse_width)
    return _pass(m, t, lam, w_max, delta, slot, value, gap, v, gaps, table, width, first, upper - delta)


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _max_sums(flat, offsets, ms, t_max, out, coarse_width):
    for p in numba.prange(ms.size):
        out[p] = _max_sum(flat[offsets[p] : offsets[p + 1]], ms[p], t_max[p], coarse_width)


def knapsack_max_sums(values, m, t_max, coarse_width=0):
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([v.size for v in values])
    out = np.empty(len(values))
    _max_sums(
        np.concatenate(values).astype(np.float64),
        offsets,
        np.asarray(m, np.int64),
        np.asarray(t_max, np.int64),
        out,
        int(coarse_width),
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
