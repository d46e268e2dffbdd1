"""One-pass MC / SCOPE / REACH folds in Numba (mirror of kernels/mc_stream.hpp: same blocks, same
groups of trajectories, same moments and merge order, so the results equal the C++ ones)."""

from __future__ import annotations

import math

import numba
import numpy as np

from riskcore._numba.philox import _philox_block

BLOCK = 2048
GROUP = 4
_MC, _SCOPE, _REACH = 0, 1, 2
_INV_2_53 = 1.0 / 9007199254740992.0


@numba.njit(cache=True, error_model="numpy")
def _merge(c, m, s, c2, m2, s2):
    count = c + c2
    if count == 0:
        return c, m, s
    delta = m2 - m
    share = c2 / count
    return count, m + delta * share, s + s2 + delta * delta * c * share


@numba.njit(cache=True, error_model="numpy")
def _add_group(c, m, s, x, count):
    """kernels/mc_stream.hpp's add_group: the two-pass moments of x[:count] merged into (c, m, s)."""
    total = 0.0
    for i in range(count):
        total += x[i]
    mean = total / count
    m2 = 0.0
    for i in range(count):
        m2 += (x[i] - mean) * (x[i] - mean)
    return _merge(c, m, s, float(count), mean, m2)


@numba.njit(cache=True, error_model="numpy")
def reach_update(x, h):
    """REACH's X <- X + h (1 - X) (kernels/mc_stream.hpp's reach_update)."""
    return x + h * (1.0 - x)


@numba.njit(cache=True, error_model="numpy")
def _outside(v):
    return not (v >= 0.0 and v <= 1.0)


@numba.njit(cache=True, error_model="numpy")
def _fold(h, q, n, k, stop, end, scope):
    """kernels/mc_stream.hpp's fold_steps: four lanes over t mod 4, merged in the same order."""
    lane = np.zeros(4)
    bad = False
    t = 0
    while t + 4 <= stop:
        for j in range(4):
            v = np.float64(h[q, n, t + j, k])
            bad |= _outside(v)
            lane[j] = lane[j] + v if scope else reach_update(lane[j], v)
        t += 4
    while t < stop:
        v = np.float64(h[q, n, t, k])
        bad |= _outside(v)
        lane[0] = lane[0] + v if scope else reach_update(lane[0], v)
        t += 1
    while t < end:
        bad |= _outside(np.float64(h[q, n, t, k]))
        t += 1
    if scope:
        return (lane[0] + lane[1]) + (lane[2] + lane[3]), bad
    return reach_update(reach_update(lane[0], lane[1]), reach_update(lane[2], lane[3])), bad


@numba.njit(cache=True, error_model="numpy")
def _block(h, lengths, mask, use_mask, hit, use_hit, kind, q, k, n0, n1, out, checks):
    """Moments of trajectories [n0, n1) of (q, k) into out[0:6]; bad counts/first indices into checks."""
    N, T, K = h.shape[1], h.shape[2], h.shape[3]
    vc = vm = vs = mc_c = mc_m = mc_s = 0.0
    x, y = np.zeros(GROUP), np.zeros(GROUP)
    for g0 in range(n0, n1, GROUP):
        count = min(GROUP, n1 - g0)
        for g in range(count):
            n = g0 + g
            length = lengths[q, n, k]
            first = hit[q, n, k] if use_hit else -1
            steps = T if use_mask else length
            ok = first == -1 or (0 <= first < steps and (not use_mask or mask[q, n, first] != 0))
            if not ok:
                flat = (q * N + n) * K + k
                if checks[2] == 0 or flat < checks[3]:
                    checks[3] = flat
                checks[2] += 1
            y[g] = 1.0 if first >= 0 else 0.0
            if kind == _MC:
                continue
            scope = kind == _SCOPE
            stop = first + 1 if (scope and 0 <= first < steps) else steps
            if use_mask:
                v, bad = 0.0, False
                for t in range(steps):
                    if mask[q, n, t] == 0:
                        continue
                    value = np.float64(h[q, n, t, k])
                    bad |= _outside(value)
                    v = (v + value if t < stop else v) if scope else reach_update(v, value)
            else:
                v, bad = _fold(h, q, n, k, stop, steps, scope)
            x[g] = v
            if bad:
                for t in range(steps):
                    if (not use_mask or mask[q, n, t] != 0) and _outside(np.float64(h[q, n, t, k])):
                        flat = ((q * N + n) * T + t) * K + k
                        if checks[0] == 0 or flat < checks[1]:
                            checks[1] = flat
                        checks[0] += 1
        if kind != _MC:
            vc, vm, vs = _add_group(vc, vm, vs, x, count)
        if use_hit:
            mc_c, mc_m, mc_s = _add_group(mc_c, mc_m, mc_s, y, count)
        else:
            mc_c += count
    out[0], out[1], out[2], out[3], out[4], out[5] = vc, vm, vs, mc_c, mc_m, mc_s


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _moments(h, lengths, mask, use_mask, hit, use_hit, kind, parts, checks):
    Q, N, K = h.shape[0], h.shape[1], h.shape[3]
    blocks = parts.shape[2]
    for item in numba.prange(Q * K * blocks):
        pair, b = item // blocks, item % blocks
        q, k = pair // K, pair % K
        n0 = b * BLOCK
        _block(
            h, lengths, mask, use_mask, hit, use_hit, kind, q, k, n0, min(n0 + BLOCK, N), parts[q, k, b], checks[item]
        )


@numba.njit(cache=True, error_model="numpy")
def _reduce(parts, checks, kind, out, found):
    Q, K, blocks = parts.shape[0], parts.shape[1], parts.shape[2]
    for q in range(Q):
        for k in range(K):
            vc = vm = vs = mc_c = mc_m = mc_s = 0.0
            for b in range(blocks):
                p = parts[q, k, b]
                vc, vm, vs = _merge(vc, vm, vs, p[0], p[1], p[2])
                mc_c, mc_m, mc_s = _merge(mc_c, mc_m, mc_s, p[3], p[4], p[5])
            if kind == _MC:
                vc, vm, vs = mc_c, mc_m, mc_s
            out[0, q, k], out[1, q, k], out[2, q, k], out[3, q, k], out[4, q, k] = vc, vm, vs, mc_m, mc_s
    for item in range(checks.shape[0]):
        for j in (0, 2):
            if checks[item, j]:
                if found[j] == 0 or checks[item, j + 1] < found[j + 1]:
                    found[j + 1] = checks[item, j + 1]
                found[j] += checks[item, j]


def risk_moments(hazards, lengths, mask, first_hit, kind):
    """Same contract as riskcore._core.risk_moments."""
    Q, N, K = hazards.shape[0], hazards.shape[1], hazards.shape[3]
    blocks = -(-N // BLOCK)
    parts = np.zeros((Q, K, blocks, 6))
    checks = np.zeros((Q * K * blocks, 4), dtype=np.int64)
    use_mask, use_hit = mask is not None, first_hit is not None
    mask = mask if use_mask else np.zeros((1, 1, 1), dtype=np.uint8)
    first_hit = first_hit if use_hit else np.zeros((1, 1, 1), dtype=np.int64)
    _moments(hazards, lengths, mask, use_mask, first_hit, use_hit, kind, parts, checks)
    out = np.zeros((5, Q, K))
    found = np.zeros(4, dtype=np.int64)
    _reduce(parts, checks, kind, out, found)
    return out, found


# ------------------------------------------------------------------------- sequence-model driver
@numba.njit(cache=True, error_model="numpy")
def _draw(seed, context, trajectory, t, role):
    words = _philox_block(
        np.uint64(t), np.uint64(trajectory), np.uint64(role), np.uint64(0), np.uint64(seed), np.uint64(context)
    )
    return np.float64(words[0] >> np.uint64(11)) * _INV_2_53


_CHUNK = 16


@numba.njit(cache=True, inline="always", error_model="numpy")
def _tree(v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15):
    """kernels/mc_stream.hpp's chunk tree: lane_j = (v_j + v_j+4) + (v_j+8 + v_j+12), then pairs."""
    l0 = (v0 + v4) + (v8 + v12)
    l1 = (v1 + v5) + (v9 + v13)
    l2 = (v2 + v6) + (v10 + v14)
    l3 = (v3 + v7) + (v11 + v15)
    return (l0 + l1) + (l2 + l3)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _at(x, i, hi):
    return np.float64(x[i]) if i < hi else 0.0


@numba.njit(cache=True, inline="always", error_model="numpy")
def _full_chunk(x, lo):
    """kernels/mc_stream.hpp's chunk_sum of the full chunk x[lo:lo + 16] (no branches: vectorised)."""
    f = np.float64
    return _tree(
        f(x[lo]), f(x[lo + 1]), f(x[lo + 2]), f(x[lo + 3]), f(x[lo + 4]), f(x[lo + 5]), f(x[lo + 6]),
        f(x[lo + 7]), f(x[lo + 8]), f(x[lo + 9]), f(x[lo + 10]), f(x[lo + 11]), f(x[lo + 12]),
        f(x[lo + 13]), f(x[lo + 14]), f(x[lo + 15]),
    )  # fmt: skip


@numba.njit(cache=True, error_model="numpy")
def _tail_chunk(x, lo, hi):
    """chunk_sum of the last, partial chunk x[lo:hi] (missing tokens weigh 0)."""
    return _tree(
        _at(x, lo, hi), _at(x, lo + 1, hi), _at(x, lo + 2, hi), _at(x, lo + 3, hi),
        _at(x, lo + 4, hi), _at(x, lo + 5, hi), _at(x, lo + 6, hi), _at(x, lo + 7, hi),
        _at(x, lo + 8, hi), _at(x, lo + 9, hi), _at(x, lo + 10, hi), _at(x, lo + 11, hi),
        _at(x, lo + 12, hi), _at(x, lo + 13, hi), _at(x, lo + 14, hi), _at(x, lo + 15, hi),
    )  # fmt: skip


@numba.njit(cache=True, inline="always", error_model="numpy")
def _allowed(row, w, logits, outcome_bits, exclude, v):
    x = w[v] if logits else np.float64(row[v])
    return x if (x > 0.0 and not (outcome_bits[v] & exclude)) else 0.0


@numba.njit(cache=True, error_model="numpy")
def _allowed_at(row, w, logits, outcome_bits, exclude, v, hi):
    return _allowed(row, w, logits, outcome_bits, exclude, v) if v < hi else 0.0


@numba.njit(cache=True, error_model="numpy")
def _allowed_tree(row, w, logits, outcome_bits, exclude, c):
    """chunk_sum of the allowed weights of chunk c (kernels/mc_stream.hpp's allowed_chunk, rare path)."""
    c0, hi = c * _CHUNK, min(c * _CHUNK + _CHUNK, row.size)
    a = (row, w, logits, outcome_bits, exclude)
    return _tree(
        _allowed_at(*a, c0, hi), _allowed_at(*a, c0 + 1, hi), _allowed_at(*a, c0 + 2, hi),
        _allowed_at(*a, c0 + 3, hi), _allowed_at(*a, c0 + 4, hi), _allowed_at(*a, c0 + 5, hi),
        _allowed_at(*a, c0 + 6, hi), _allowed_at(*a, c0 + 7, hi), _allowed_at(*a, c0 + 8, hi),
        _allowed_at(*a, c0 + 9, hi), _allowed_at(*a, c0 + 10, hi), _allowed_at(*a, c0 + 11, hi),
        _allowed_at(*a, c0 + 12, hi), _allowed_at(*a, c0 + 13, hi), _allowed_at(*a, c0 + 14, hi),
        _allowed_at(*a, c0 + 15, hi),
    )  # fmt: skip


@numba.njit(cache=True, inline="always", error_model="numpy")
def _allowed_chunk(row, w, logits, outcome_bits, chunk_bits, sums, exclude, c):
    if not (chunk_bits[c] & exclude):
        return sums[c]
    return _allowed_tree(row, w, logits, outcome_bits, exclude, c)


@numba.njit(cache=True, error_model="numpy")
def _row_pass(x, row, w, logits, outcome_bits, chunk_bits, sums, prefix, exclude):
    """kernels/mc_stream.hpp's row_sums of the weights x (the row, or w for logits) fused with the
    running totals of the row's own draw (cpp/mc_stream_cpu.cpp's row pass): chunk sums into sums,
    prefix[c] = the allowed weight of chunks 0..c; returns (row mass, NaN when a weight < 0; the allowed
    weight)."""
    V = x.size
    full = V // _CHUNK
    total = own = 0.0
    for c in range(sums.size):
        s = _full_chunk(x, c * _CHUNK) if c < full else _tail_chunk(x, c * _CHUNK, V)
        sums[c] = s
        total += s
        if exclude:
            own += _allowed_chunk(row, w, logits, outcome_bits, chunk_bits, sums, exclude, c)
        prefix[c] = own if exclude else total
    neg = False
    for v in range(V):
        neg |= x[v] < 0.0
    own = own if exclude else total
    return (np.nan if neg else total), own


@numba.njit(cache=True, error_model="numpy")
def _allowed_total(row, w, logits, outcome_bits, chunk_bits, sums, exclude):
    total = 0.0
    for c in range(sums.size):
        total += _allowed_chunk(row, w, logits, outcome_bits, chunk_bits, sums, exclude, c)
    return total


@numba.njit(cache=True, error_model="numpy")
def _categorical_from(row, w, logits, outcome_bits, chunk_bits, sums, exclude, target, c, acc):
    """kernels/mc_stream.hpp's categorical_from: walk the chunk sums from chunk c (acc: the allowed
    weight before it), then scan the tokens of the chunk holding the target."""
    V = row.size
    while c < sums.size:
        chunk = _allowed_chunk(row, w, logits, outcome_bits, chunk_bits, sums, exclude, c)
        if not (acc + chunk > target):
            acc += chunk
            c += 1
            continue
        for v in range(c * _CHUNK, min(c * _CHUNK + _CHUNK, V)):
            x = _allowed(row, w, logits, outcome_bits, exclude, v)
            if x > 0.0:
                acc += x
                if acc > target:
                    return v
        c += 1
    for v in range(V - 1, -1, -1):
        if _allowed(row, w, logits, outcome_bits, exclude, v) > 0.0:
            return v
    return -1


@numba.njit(cache=True, error_model="numpy")
def _categorical(row, w, logits, outcome_bits, chunk_bits, sums, exclude, allowed, u):
    """kernels/mc_stream.hpp's categorical: the whole walk."""
    return _categorical_from(row, w, logits, outcome_bits, chunk_bits, sums, exclude, u * allowed, 0, 0.0)


@numba.njit(cache=True, error_model="numpy")
def _categorical_prefix(row, w, logits, outcome_bits, chunk_bits, sums, prefix, exclude, target):
    """kernels/mc_stream.hpp's categorical_prefix: the skipped chunks counted from the running totals."""
    c = 0
    for i in range(prefix.size):
        c += 0 if prefix[i] > target else 1
    acc = prefix[c - 1] if c > 0 else 0.0
    return _categorical_from(row, w, logits, outcome_bits, chunk_bits, sums, exclude, target, c, acc)


@numba.njit(cache=True, error_model="numpy")
def _row_step(
    row,
    logits,
    outcome_bits,
    chunk_bits,
    offsets,
    tokens_list,
    is_end,
    duration,
    horizon,
    max_h,
    seed,
    coupled,
    t,
    context,
    trajectory,
    role,
    alive,
    mc,
    scope,
    reach,
    elapsed,
    b,
    w,
    sums,
    prefix,
    mass,
    fork,
):
    """kernels/mc_stream.hpp's sequence_step for row b; returns (token, done, first bad token or -1)."""
    V, K, H = row.size, mass.size, horizon.size
    own = np.uint64(1) << np.uint64(role - 1) if role > 0 else np.uint64(0)
    u = _draw(seed, context, trajectory, t, role)
    if logits:
        shift = -np.inf
        for v in range(V):
            x = np.float64(row[v])
            if x != x or x == np.inf:
                return -1, 0, v
            shift = max(shift, x)
        for v in range(V):
            w[v] = math.exp(np.float64(row[v]) - shift)
        total, allowed = _row_pass(w, row, w, logits, outcome_bits, chunk_bits, sums, prefix, own)
        if not (total > 0.0):
            return -1, 0, V
    else:
        total, allowed = _row_pass(row, row, w, logits, outcome_bits, chunk_bits, sums, prefix, own)
        if not (total < np.inf):
            for v in range(V):
                x = np.float64(row[v])
                if not (x >= 0.0 and x < np.inf):
                    return -1, 0, v
        if not (total > 0.0) or not (total < np.inf):
            return -1, 0, V
    for k in range(K):
        mass[k] = 0.0
        for i in range(offsets[k], offsets[k + 1]):
            mass[k] += w[tokens_list[i]] if logits else np.float64(row[tokens_list[i]])
    before = elapsed[b]
    token = -1
    if allowed > 0.0:
        token = _categorical_prefix(row, w, logits, outcome_bits, chunk_bits, sums, prefix, own, u * allowed)
    any_alive = False
    for k in range(K):
        fork[b, k] = -1
        h = mass[k] / total
        hit = role == 0 and alive[b, k] != 0 and token >= 0 and (outcome_bits[token] >> np.uint64(k)) & np.uint64(1)
        reach_k = (coupled and alive[b, k] != 0) if role == 0 else k == role - 1
        for j in range(H):
            if not (before < horizon[j]):
                continue
            if role == 0 and alive[b, k] != 0:
                scope[b, k, j] += h
                if hit:
                    mc[b, k, j] = 1.0
            if reach_k:
                reach[b, k, j] = reach_update(reach[b, k, j], h)
        if hit:
            alive[b, k] = 0
            if coupled:
                bit = np.uint64(1) << np.uint64(k)
                rest = _allowed_total(row, w, logits, outcome_bits, chunk_bits, sums, bit)
                if rest > 0.0:
                    u = _draw(seed, context, trajectory, t, k + 1)
                    fork[b, k] = _categorical(row, w, logits, outcome_bits, chunk_bits, sums, bit, rest, u)
                else:
                    fork[b, k] = -2
        any_alive = any_alive or (role == 0 and alive[b, k] != 0)
    if token < 0:
        return token, 1, -1
    elapsed[b] = before + duration[token]
    done = is_end[token] != 0 or not (elapsed[b] < max_h) or (role == 0 and not any_alive)
    return token, 1 if done else 0, -1


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _sequence_step(
    probs,
    logits,
    outcome_bits,
    chunk_bits,
    offsets,
    tokens_list,
    is_end,
    duration,
    horizon,
    seed,
    coupled,
    t,
    context,
    trajectory,
    role,
    alive,
    mc,
    scope,
    reach,
    elapsed,
    tokens,
    fork,
    done,
    bad,
):
    B, V, K = probs.shape[0], probs.shape[1], alive.shape[1]
    max_h = horizon.max()
    w_all = np.empty((B, V if logits else 0))  # scratch, allocated once per step
    sums_all, prefix_all, mass_all = np.empty((B, chunk_bits.size)), np.empty((B, chunk_bits.size)), np.empty((B, K))
    for b in numba.prange(B):
        w, sums, prefix, mass = w_all[b], sums_all[b], prefix_all[b], mass_all[b]
        tokens[b], done[b], bad[b] = _row_step(
            probs[b],
            logits,
            outcome_bits,
            chunk_bits,
            offsets,
            tokens_list,
            is_end,
            duration,
            horizon,
            max_h,
            seed,
            coupled,
            t,
            context[b],
            trajectory[b],
            role[b],
            alive,
            mc,
            scope,
            reach,
            elapsed,
            b,
            w,
            sums,
            prefix,
            mass,
            fork,
        )


def sequence_step(
    probs,
    logits,
    outcome_bits,
    chunk_bits,
    offsets,
    tokens_list,
    is_end,
    duration,
    horizon,
    seed,
    coupled,
    t,
    context,
    trajectory,
    role,
    alive,
    mc,
    scope,
    reach,
    elapsed,
):
    """Same contract as riskcore._core.sequence_step."""
    B, K = probs.shape[0], alive.shape[1]
    tokens, fork = np.empty(B, dtype=np.int64), np.empty((B, K), dtype=np.int64)
    done, bad = np.empty(B, dtype=np.uint8), np.empty(B, dtype=np.int64)
    _sequence_step(
        probs,
        logits,
        outcome_bits,
        chunk_bits,
        offsets,
        tokens_list,
        is_end,
        duration,
        horizon,
        np.uint64(seed),
        coupled,
        t,
        context,
        trajectory,
        role,
        alive,
        mc,
        scope,
        reach,
        elapsed,
        tokens,
        fork,
        done,
        bad,
    )
    return tokens, fork, done, bad
