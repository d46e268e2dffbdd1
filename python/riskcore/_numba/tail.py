"""Importance-sampling sums in Numba (mirror of kernels/tail_sums.hpp: same chunks, same order)."""

from __future__ import annotations

import math

import numba
import numpy as np

from riskcore._numba.philox import normal_block

CHUNK = 65536


# ----------------------------------------------------------------- fused pass (kernels/tail_sums.hpp)
@numba.njit(cache=True, error_model="numpy")
def _bucket(kind, ev, val, q, i, thresholds, t_row, nt):
    """(bucket, h, bad event) of sample i, as in chunk_tail_sums."""
    if kind == 0:
        return (1 if ev[q, i] else 0), 1.0, False
    v = float(val[q, i])
    if kind == 1:
        return (1 if v > 0.0 else 0), v, not (v >= 0.0 and v <= 1.0)
    lo, hi = 0, nt
    while lo < hi:
        mid = lo + (hi - lo) // 2
        if thresholds[t_row, mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    return lo, 1.0, v != v


@numba.njit(cache=True, error_model="numpy")
def _log_weight(lp, lq, q, i):
    """(lw, check rule or -1), as in chunk_tail_sums."""
    p = float(lp[q, i])
    ell = float(lq[q, i])
    if p != p or p == math.inf:
        return -math.inf, 0
    if ell != ell:
        return -math.inf, 1
    if p == -math.inf:
        return -math.inf, -1
    if ell == -math.inf:
        return -math.inf, 2
    w = p - ell
    if w == math.inf:
        return -math.inf, 0  # finite - finite overflowed
    return w, -1


@numba.njit(cache=True, error_model="numpy")
def _exp_nonpositive(x):
    """e^x for x <= 0 (mirror of exp_nonpositive in kernels/tail_sums.hpp: the same operations, so the
    same bits; 2^k by ldexp, exact like the header's exponent-field construction)."""
    shifter = 6755399441055744.0
    xc = -746.0 if x < -746.0 else x
    k = (xc * 1.4426950408889634 + shifter) - shifter
    r = (xc - k * 0.6931471803691238) - k * 1.9082149292705877e-10
    p = 1.0 + r * (
        1.0
        + r
        * (
            0.5
            + r
            * (
                1.6666666666666666e-01
                + r
                * (
                    4.1666666666666664e-02
                    + r
                    * (
                        8.3333333333333332e-03
                        + r
                        * (
                            1.3888888888888889e-03
                            + r
                            * (
                                1.9841269841269841e-04
                                + r
                                * (
                                    2.4801587301587302e-05
                                    + r
                                    * (
                                        2.7557319223985893e-06
                                        + r
                                        * (
                                            2.7557319223985888e-07
                                            + r
                                            * (
                                                2.5052108385441720e-08
                                                + r * (2.0876756987868100e-09 + r * 1.6059043836821613e-10)
                                            )
                                        )
                                    )
                                )
                            )
                        )
                    )
                )
            )
        )
    )
    k1 = (k * 0.5 + shifter) - shifter
    return p * math.ldexp(1.0, int(k1)) * math.ldexp(1.0, int(k - k1))


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _fused_pass(lp, lq, kind, ev, val, thresholds, chunks, parts, check_count, check_first, counts):
    queries, n = lp.shape
    nt = thresholds.shape[1]
    for p in numba.prange(queries * chunks):
        q = p // chunks
        begin = (p % chunks) * CHUNK
        end = min(n, begin + CHUNK)
        t_row = q if thresholds.shape[0] > 1 else 0
        lw = np.empty(end - begin)
        bucket = np.empty(end - begin, dtype=np.int32)
        m = -math.inf
        total, low, dead = 0.0, math.inf, 0
        for i in range(begin, end):
            w, rule = _log_weight(lp, lq, q, i)
            if rule >= 0:
                check_count[p, rule] += 1
                if check_count[p, rule] == 1:
                    check_first[p, rule] = q * n + i
            lw[i - begin] = w
            m = w if w > m else m
            if w == -math.inf:
                dead += 1
            else:
                total += w
                low = w if w < low else low
            b, h, bad = _bucket(kind, ev, val, q, i, thresholds, t_row, nt)
            if bad:
                check_count[p, 3] += 1
                if check_count[p, 3] == 1:
                    check_first[p, 3] = q * n + i
            bucket[i - begin] = b
        parts[p, 0] = m
        parts[p, 3] = total
        parts[p, 4] = dead
        parts[p, 5] = low
        if m == -math.inf:
            continue
        s0 = s2 = 0.0
        for i in range(begin, end):
            w = _exp_nonpositive(lw[i - begin] - m)
            w2 = w * w
            s0 += w
            s2 += w2
            b = bucket[i - begin]
            if b > 0 and lw[i - begin] > -math.inf:
                counts[p, b] += 1
                if kind == 1:
                    h = float(val[q, i])
                    parts[p, 6 + b] += h * w
                    parts[p, 7 + nt + b] += h * h * w2
                else:
                    parts[p, 6 + b] += w
                    parts[p, 7 + nt + b] += w2
        parts[p, 1] = s0
        parts[p, 2] = s2


@numba.njit(cache=True, error_model="numpy")
def _combine_parts(parts, queries, chunks, nt, sums, stats):
    for q in range(queries):
        total = parts[q * chunks].copy()
        for c in range(1, chunks):
            b = parts[q * chunks + c]
            total[3] += b[3]
            total[4] += b[4]
            total[5] = min(total[5], b[5])
            if b[0] == -math.inf:
                continue
            if total[0] == -math.inf:
                total[0], total[1], total[2] = b[0], b[1], b[2]
                total[6:] = b[6:]
                continue
            m = max(total[0], b[0])
            fa = 0.0 if total[0] == -math.inf else math.exp(total[0] - m)
            fb = math.exp(b[0] - m)
            total[0] = m
            total[1] = total[1] * fa + b[1] * fb
            total[2] = total[2] * fa * fa + b[2] * fb * fb
            for k in range(nt + 1):
                total[6 + k] = total[6 + k] * fa + b[6 + k] * fb
                total[7 + nt + k] = total[7 + nt + k] * fa * fa + b[7 + nt + k] * fb * fb
        stats[q, 0], stats[q, 1], stats[q, 2] = total[3], total[4], total[5]
        s1 = s2e = 0.0
        for j in range(nt - 1, -1, -1):
            s1 += total[6 + j + 1]
            s2e += total[7 + nt + j + 1]
            sums[q, j, 0] = total[0]
            sums[q, j, 1] = total[1]
            sums[q, j, 2] = s1
            sums[q, j, 3] = total[2]
            sums[q, j, 4] = s2e


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _terms(lp, lq, kind, ev, val, thresholds, q, all_weights, offsets, terms, buckets):
    """The k-hat terms of query q with their buckets (every finite log-weight in bucket 1 if all_weights),
    chunk c's written from offsets[c] on: the order of a serial pass, filled in parallel."""
    n = lp.shape[1]
    nt = thresholds.shape[1]
    t_row = q if thresholds.shape[0] > 1 else 0
    for c in numba.prange(offsets.size - 1):
        k = offsets[c]
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            w, _ = _log_weight(lp, lq, q, i)
            if w == -math.inf:
                continue
            if all_weights:
                terms[k], buckets[k] = w, 1
                k += 1
                continue
            b, h, _ = _bucket(kind, ev, val, q, i, thresholds, t_row, nt)
            if b > 0:
                terms[k] = w + math.log(h) if kind == 1 else w
                buckets[k] = b
                k += 1


def _largest(values: np.ndarray, keep: int) -> np.ndarray:
    return values if values.size <= keep else -np.partition(-values, keep - 1)[:keep]


def tail_sums(log_p, log_q, kind, event, thresholds, khat, keep):
    """Numba mirror of riskcore._core.tail_sums (same chunks, same order, same outputs)."""
    queries, n = log_p.shape
    nt = thresholds.shape[1]
    chunks = max(1, -(-n // CHUNK))
    parts = np.zeros((queries * chunks, 6 + 2 * (nt + 1)))
    check_count = np.zeros((queries * chunks, 4), dtype=np.int64)
    check_first = np.full((queries * chunks, 4), -1, dtype=np.int64)
    counts = np.zeros((queries * chunks, nt + 1), dtype=np.int64)
    ev = event if kind == 0 else np.zeros((1, 1), dtype=np.uint8)
    val = event if kind != 0 else np.zeros((1, 1), dtype=log_p.dtype)
    _fused_pass(log_p, log_q, kind, ev, val, thresholds, chunks, parts, check_count, check_first, counts)
    sums = np.empty((queries, nt, 5))
    stats = np.empty((queries, 3))
    _combine_parts(parts, queries, chunks, nt, sums, stats)
    checks = np.zeros((4, 2), dtype=np.int64)
    checks[:, 0] = check_count.sum(axis=0)
    for rule in range(4):
        firsts = check_first[:, rule][check_first[:, rule] >= 0]
        checks[rule, 1] = firsts.min() if firsts.size else -1
    per_bucket = counts.reshape(queries, chunks, nt + 1).sum(axis=1)
    event_counts = np.cumsum(per_bucket[:, :0:-1], axis=1)[:, ::-1]
    tops = []
    for q in range(queries if khat else 0):
        rows = slice(q * chunks, (q + 1) * chunks)
        if khat == 2:
            per_chunk = np.diff(np.minimum(np.arange(chunks + 1) * CHUNK, n)) - parts[rows, 4].astype(np.int64)
        else:
            per_chunk = counts[rows, 1:].sum(axis=1)
        offsets = np.concatenate(([0], np.cumsum(per_chunk))).astype(np.int64)
        terms, buckets = np.empty(offsets[-1]), np.empty(offsets[-1], dtype=np.int64)
        _terms(log_p, log_q, kind, ev, val, thresholds, q, khat == 2, offsets, terms, buckets)
        current = np.empty(0)
        lists = []
        for b in range(nt if khat == 1 else 1, 0, -1):
            current = _largest(np.concatenate([current, _largest(terms[buckets == b], keep)]), keep)
            lists.append(np.sort(current)[::-1])
        tops.extend(lists[::-1])
    offsets = np.concatenate([[0], np.cumsum([t.size for t in tops])]).astype(np.int64)
    flat = np.concatenate(tops) if tops else np.empty(0)
    return sums, stats, checks, flat, offsets, np.ascontiguousarray(event_counts)


@numba.njit(cache=True, error_model="numpy")
def _chunk_tops(terms, out):
    """The out.size largest of terms into out (all of them if fewer); returns how many."""
    if terms.size > out.size:
        out[:] = -np.partition(-terms, out.size - 1)[: out.size]
        return out.size
    out[: terms.size] = terms
    return terms.size


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _shift_chunks(c, n, k0, k1, all_weights, keep, parts, counts, tops, top_sizes):
    """Per chunk, gaussian_shift_pass and pass 2 of chunk_tail_sums (kernels/tail_sampler.hpp,
    tail_sums.hpp) on samples s = c + eps drawn here, and the chunk's `keep` largest k-hat terms (event
    log-weights, or all of them): nothing of size n is materialised."""
    for p in numba.prange(parts.shape[0]):
        begin = p * CHUNK
        end = min(n, begin + CHUNK)
        lw = np.empty(end - begin)
        event = np.empty(end - begin, dtype=np.bool_)
        m, total, low = -math.inf, 0.0, math.inf
        for block in range(begin // 4, (end + 3) // 4):
            z = normal_block(block, k0, k1)
            for j in range(4):
                i = 4 * block + j
                if i < end:
                    eps = z[j]
                    s = c + eps
                    w = -0.5 * s * s - -0.5 * eps * eps
                    lw[i - begin] = w
                    event[i - begin] = c <= s
                    m = w if w > m else m
                    total += w
                    low = w if w < low else low
        s0 = s2 = t1 = t2 = 0.0
        for i in range(end - begin):
            w = _exp_nonpositive(lw[i] - m)
            w2 = w * w
            s0 += w
            s2 += w2
            if event[i]:
                t1 += w
                t2 += w2
                counts[p, 1] += 1
        parts[p, 0], parts[p, 1], parts[p, 2] = m, s0, s2
        parts[p, 3], parts[p, 4], parts[p, 5] = total, 0.0, low
        parts[p, 7], parts[p, 9] = t1, t2
        top_sizes[p] = _chunk_tops(lw if all_weights else lw[event], tops[p])


def gaussian_shift_sums(c, n, seed, stream, khat, keep):
    """Mirror of riskcore._core.gaussian_shift_sums: one threshold c, samples drawn chunk by chunk."""
    chunks = -(-n // CHUNK)
    parts = np.zeros((chunks, 10))
    counts = np.zeros((chunks, 2), dtype=np.int64)
    tops = np.empty((chunks, keep if khat else 0))
    top_sizes = np.zeros(chunks, dtype=np.int64)
    _shift_chunks(c, n, np.uint64(seed), np.uint64(stream), khat == 2, tops.shape[1], parts, counts, tops, top_sizes)
    sums, stats = np.empty((1, 1, 5)), np.empty((1, 3))
    _combine_parts(parts, 1, chunks, 1, sums, stats)
    checks = np.zeros((4, 2), dtype=np.int64)
    checks[:, 1] = -1
    lists = (
        [np.sort(_largest(np.concatenate([t[:k] for t, k in zip(tops, top_sizes, strict=True)]), keep))[::-1]]
        if khat
        else []
    )
    offsets = np.array([0] + [t.size for t in lists], dtype=np.int64)
    flat = np.ascontiguousarray(lists[0]) if lists else np.empty(0)
    return sums, stats, checks, flat, offsets, counts[:, 1:].sum(axis=0, keepdims=True)
