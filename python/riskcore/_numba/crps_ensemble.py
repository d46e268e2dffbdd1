"""Ensemble CRPS and its gradient in Numba (mirror of kernels/crps_ensemble.hpp and of
the cpu driver cpp/crps_ensemble_cpu.cpp: 8 equal-weight rows sorted together by a comparator network,
the general row path for weights, NaNs and infinities; every input read through its strides). The
network is Batcher's odd-even merge sort where the cpu runs a bitonic one in registers
(cpp/sort_lanes.cpp): each comparator is one 8-lane vector compare-exchange through memory
(lanes.compare_exchange8), and Batcher's network needs fewer of them than a bitonic one padded to a
power of two. Both sort, so the sorted columns, and the scores, are the same."""

from __future__ import annotations

import numba
import numpy as np

from .lanes import LANES as _LANES
from .lanes import compare_exchange8

_CODES = {"nrg": 0, "fair": 1, "afcrps": 2, "pwm": 3, "int": 4, "akr": 5, "akr_circperm": 6}
_NRG, _FAIR, _AFCRPS, _PWM, _INT, _AKR, _AKR_CIRCPERM = range(7)
_MAX_NETWORK_SIZE = 2048  # kMaxNetworkSize of kernels/sort_network.hpp
_DOUBLE_MAX = float(np.finfo(np.float64).max)


def batcher_network(n: int) -> np.ndarray:
    """Comparator pairs of Batcher's odd-even merge sort for n keys (n log2(n)^2 / 4 or fewer: 403 for
    n = 50, 23,521 for n = 1,000), flat int64."""
    pairs = []
    p = 1
    while p < n:
        k = p
        while k >= 1:
            for j in range(k % p, n - k, 2 * k):
                for i in range(min(k - 1, n - j - k - 1) + 1):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p):
                        pairs += (i + j, i + j + k)
            k //= 2
        p *= 2
    return np.array(pairs, dtype=np.int64)


@numba.njit(cache=True, error_model="numpy")
def _chain(v, lower, upper):
    """min(max(v, lower), upper) with NaN kept (RowLayout's chain)."""
    return lower if v < lower else (upper if v > upper else v)


@numba.njit(cache=True, error_model="numpy")
def _finite(v):
    return abs(v) <= _DOUBLE_MAX


@numba.njit(cache=True, error_model="numpy")
def _scaled_spread(est, alpha, spread, pair_weight):
    """c * spread by division (see scaled_spread in kernels/crps_ensemble.hpp)."""
    if est == _NRG or est == _INT:
        return spread
    if not pair_weight > 0.0:
        return np.nan
    fair = spread / pair_weight
    return alpha * fair + (1.0 - alpha) * spread if est == _AFCRPS else fair


@numba.njit(cache=True, error_model="numpy")
def _crps_sorted(x, w, n, y, est, alpha):
    """CRPS of the sorted members x[:n] with normalised weights w[:n] (crps_sorted_lanes<1>)."""
    if est == _INT:
        total = max(x[0] - y, 0.0) + max(y - x[n - 1], 0.0)
        cdf = 0.0
        for k in range(n - 1):
            cdf += w[k]
            a, b = x[k], x[k + 1]
            below = max(min(b, y) - a, 0.0)
            above = max(b - max(a, y), 0.0)
            total += cdf * cdf * below + (1.0 - cdf) * (1.0 - cdf) * above
        return total
    if est == _PWM:
        if n < 2:
            return np.nan
        abs_dev, b0, b1 = 0.0, 0.0, 0.0
        inv_m, pair_norm = 1.0 / n, 1.0 / (n * (n - 1))
        for k in range(n):
            d = x[k] - y
            abs_dev += abs(d) * inv_m
            b0 += d * inv_m
            b1 += d * k * pair_norm
        return abs_dev + b0 - 2.0 * b1
    abs_dev, lower_part, acc = 0.0, 0.0, 0.0
    for k in range(n):
        d = x[k] - y
        abs_dev += w[k] * abs(d)
        lower_part += w[k] * d * acc
        acc += w[k]
    upper_part, pair_weight, acc = 0.0, 0.0, 0.0
    for k in range(n - 1, -1, -1):
        upper_part += w[k] * (x[k] - y) * acc
        pair_weight += 2.0 * w[k] * acc
        acc += w[k]
    return abs_dev - _scaled_spread(est, alpha, lower_part - upper_part, pair_weight)


@numba.njit(cache=True, error_model="numpy")
def _akr_shift(est, n):
    if n < 2:
        return 0
    return n - 1 if est == _AKR else n // 2


@numba.njit(cache=True, error_model="numpy")
def _akr_score(x, n, y, shift):
    """akr_row_score: members in their given order, each against the one ``shift`` places on."""
    finite, all_equal_y = _finite(y), True
    to_obs, neighbours = 0.0, 0.0
    for i in range(n):
        finite = finite and _finite(x[i])
        all_equal_y = all_equal_y and x[i] == y
        j = i + shift if i + shift < n else i + shift - n
        to_obs += abs(x[i] - y)
        neighbours += abs(x[i] - x[j])
    if not finite:
        return 0.0 if all_equal_y else np.inf
    return to_obs / n - 0.5 * neighbours / n


@numba.njit(cache=True, error_model="numpy")
def _gather(fct_row, w_row, has_weights, omit_nan, lower, upper, key, w, pos):
    """gather_members: the non-NaN members of positive weight, chained, into key (weights into w, scaled
    by the largest and normalised; 1/n without weights; positions into pos). Count, or -1 when a NaN
    propagates."""
    n = 0
    largest = 0.0
    for j in range(fct_row.size):
        v = np.float64(fct_row[j])
        if np.isnan(v):
            if omit_nan:
                continue
            return -1
        if has_weights:
            wj = np.float64(w_row[j])
            if not wj > 0.0:
                continue
            w[n] = wj
            largest = max(largest, wj)
        key[n] = _chain(v, lower, upper)
        pos[n] = j
        n += 1
    if has_weights and n > 0:
        total = 0.0
        for j in range(n):
            w[j] /= largest
            total += w[j]
        for j in range(n):
            w[j] /= total
    else:
        for j in range(n):
            w[j] = 1.0 / n
    return n


@numba.njit(cache=True, error_model="numpy")
def _sort_with_payload(key, w, pos, n, scratch):
    """Sorts key[:n] ascending, w and pos alongside (a stable argsort; scratch holds n doubles)."""
    order = np.argsort(key[:n], kind="mergesort")
    for arr in (key, w):
        for k in range(n):
            scratch[k] = arr[order[k]]
        arr[:n] = scratch[:n]
    moved = pos[order]
    pos[:n] = moved


@numba.njit(cache=True, error_model="numpy")
def _infinite_score(key, n, y):
    """The +/-inf rule (infinite_row_score): NaN for a finite row, else 0 or +inf."""
    if _finite(y) and _finite(key[0]) and _finite(key[n - 1]):
        return np.nan
    return 0.0 if key[0] == y and key[n - 1] == y else np.inf


@numba.njit(cache=True, error_model="numpy")
def _row_score(fct_row, w_row, has_weights, y, est, alpha, omit_nan, lower, upper, key, w, pos, scratch):
    """crps_ensemble_row."""
    y = _chain(y, lower, upper)
    if np.isnan(y):
        return np.nan
    n = _gather(fct_row, w_row, has_weights, omit_nan, lower, upper, key, w, pos)
    if n < 1:
        return np.nan
    if est == _AKR or est == _AKR_CIRCPERM:
        return _akr_score(key, n, y, _akr_shift(est, n))
    if has_weights:
        _sort_with_payload(key, w, pos, n, scratch)
    else:
        key[:n].sort()
    special = _infinite_score(key, n, y)
    if not np.isnan(special):
        return special
    return _crps_sorted(key, w, n, y, est, alpha)


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _general_loop(obs, fct, weights, has_weights, est, alpha, omit_nan, lower, upper, first, threads, out):
    """Rows first..n-1 by the general path, in chunks that allocate their scratch once."""
    n, m = fct.shape
    rows = n - first
    chunks = min(rows, 4 * threads)
    for c in numba.prange(chunks):
        key, w, scratch = np.empty(m), np.empty(m), np.empty(m)
        pos = np.empty(m, dtype=np.int64)
        for r in range(first + c * rows // chunks, first + (c + 1) * rows // chunks):
            out[r] = _row_score(
                fct[r],
                weights[r % weights.shape[0]],
                has_weights,
                np.float64(obs[r]),
                est,
                alpha,
                omit_nan,
                lower,
                upper,
                key,
                w,
                pos,
                scratch,
            )


@numba.njit(cache=True, error_model="numpy")
def _network_sort(cols, offsets):
    """Applies the comparators (offsets: pairs of row offsets k * 8) to the 8 columns of cols (flat,
    cols[k * 8 + lane]). A lane holding a NaN may come out unsorted; such lanes are scored again by the
    general path."""
    for c in range(offsets.size // 2):
        compare_exchange8(cols, offsets[2 * c], offsets[2 * c + 1])


@numba.njit(cache=True, error_model="numpy")
def _score_lanes(cols, m, y, est, alpha, acc, out):
    """crps_sorted_lanes<8> for nrg, fair and afcrps (equal weights) on sorted flat columns; acc is
    scratch of 4 x 8 doubles."""
    inv_m = 1.0 / m
    acc[:] = 0.0  # rows: abs_dev, lower_part, upper_part, pair_weight
    below = 0.0
    for k in range(m):
        for lane in range(_LANES):
            d = cols[k * _LANES + lane] - y[lane]
            acc[lane] += inv_m * abs(d)
            acc[_LANES + lane] += inv_m * d * below
        below += inv_m
    above = 0.0
    for k in range(m - 1, -1, -1):
        for lane in range(_LANES):
            acc[2 * _LANES + lane] += inv_m * (cols[k * _LANES + lane] - y[lane]) * above
            acc[3 * _LANES + lane] += 2.0 * inv_m * above
        above += inv_m
    for lane in range(_LANES):
        spread = acc[_LANES + lane] - acc[2 * _LANES + lane]
        out[lane] = acc[lane] - _scaled_spread(est, alpha, spread, acc[3 * _LANES + lane])


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _network_loop(obs, fct, offsets, est, alpha, omit_nan, lower, upper, out):
    """Blocks of 8 equal-weight rows sorted by the comparator network (score_block_by_network)."""
    n, m = fct.shape
    blocks = n // _LANES
    for b in numba.prange(blocks):
        cols = np.empty(m * _LANES)
        y = np.empty(_LANES)
        score = np.empty(_LANES)
        acc = np.empty(4 * _LANES)
        special = np.zeros(_LANES, dtype=np.bool_)
        for lane in range(_LANES):
            row = fct[b * _LANES + lane]
            y[lane] = _chain(np.float64(obs[b * _LANES + lane]), lower, upper)
            bad = not _finite(y[lane])
            for k in range(m):
                v = _chain(np.float64(row[k]), lower, upper)
                bad |= not _finite(v)
                cols[k * _LANES + lane] = v
            special[lane] = bad
        _network_sort(cols, offsets)
        if est == _NRG or est == _FAIR or est == _AFCRPS:
            _score_lanes(cols, m, y, est, alpha, acc, score)
        else:
            w = np.full(m, 1.0 / m)
            for lane in range(_LANES):
                score[lane] = _crps_sorted(cols[lane::_LANES], w, m, y[lane], est, alpha)
        for lane in range(_LANES):
            r = b * _LANES + lane
            if special[lane]:
                key, wk, scratch = np.empty(m), np.empty(m), np.empty(m)
                pos = np.empty(m, dtype=np.int64)
                out[r] = _row_score(
                    fct[r],
                    fct[r],
                    False,
                    np.float64(obs[r]),
                    est,
                    alpha,
                    omit_nan,
                    lower,
                    upper,
                    key,
                    wk,
                    pos,
                    scratch,
                )
            else:
                out[r] = score[lane]


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _grad_loop(obs, fct, weights, has_weights, est, alpha, omit_nan, threads, out):
    """crps_ensemble_grad_row for every row."""
    n, m = fct.shape
    chunks = min(n, 4 * threads)
    for c in numba.prange(chunks):
        key, w, scratch = np.empty(m), np.empty(m), np.empty(m)
        pos = np.empty(m, dtype=np.int64)
        for r in range(c * n // chunks, (c + 1) * n // chunks):
            y = np.float64(obs[r])
            out[r, :] = 0.0
            size = (
                -1
                if np.isnan(y)
                else _gather(fct[r], weights[r % weights.shape[0]], has_weights, omit_nan, -np.inf, np.inf, key, w, pos)
            )
            if size < 1:
                out[r, :] = np.nan
                continue
            if est == _AKR or est == _AKR_CIRCPERM:
                shift = _akr_shift(est, size)
                score = _akr_score(key, size, y, shift)
                for i in range(size):
                    up = i + shift if i + shift < size else i + shift - size
                    down = i - shift if i >= shift else i + size - shift
                    g = (np.sign(key[i] - y) - 0.5 * (np.sign(key[i] - key[up]) - np.sign(key[down] - key[i]))) / size
                    out[r, pos[i]] = g if _finite(score) else (0.0 if score == 0.0 else np.nan)
                continue
            _sort_with_payload(key, w, pos, size, scratch)
            special = _infinite_score(key, size, y)
            if not np.isnan(special):
                out[r, :] = 0.0 if special == 0.0 else np.nan
                continue
            pair_weight, suffix = 0.0, 0.0
            for k in range(size - 1, -1, -1):
                pair_weight += 2.0 * w[k] * suffix
                suffix += w[k]
            below = 0.0  # W_< part forward into scratch, W_> part backward (running sums, no 1 - ...)
            start = 0
            while start < size:
                end = start
                while end < size and key[end] == key[start]:
                    end += 1
                tie = 0.0
                for k in range(start, end):
                    scratch[k] = w[k] * np.sign(key[k] - y) - _scaled_spread(est, alpha, w[k] * below, pair_weight)
                    tie += w[k]
                below += tie
                start = end
            above = 0.0
            end = size
            while end > 0:
                start = end - 1
                while start > 0 and key[start - 1] == key[end - 1]:
                    start -= 1
                tie = 0.0
                for k in range(start, end):
                    out[r, pos[k]] = scratch[k] + _scaled_spread(est, alpha, w[k] * above, pair_weight)
                    tie += w[k]
                above += tie
                end = start


_NETWORKS: dict[int, np.ndarray] = {}


def _network(m: int) -> np.ndarray:
    if m not in _NETWORKS:
        _NETWORKS[m] = batcher_network(m) * _LANES  # offsets of the rows in the flat column block
    return _NETWORKS[m]


def _weights_or_dummy(weights, fct):
    return (weights, True) if weights is not None else (np.ones((1, fct.shape[1]), fct.dtype), False)


def crps_ensemble(obs, fct, weights, estimator, alpha, omit_nan, lower=-np.inf, upper=np.inf):
    out = np.empty(fct.shape[0], dtype=fct.dtype)
    est, alpha, omit_nan, lower, upper = _CODES[estimator], float(alpha), bool(omit_nan), float(lower), float(upper)
    first = 0
    if (
        weights is None
        and fct.shape[1] <= _MAX_NETWORK_SIZE
        and fct.shape[0] >= _LANES
        and est not in (_AKR, _AKR_CIRCPERM)
    ):
        _network_loop(obs, fct, _network(fct.shape[1]), est, alpha, omit_nan, lower, upper, out)
        first = fct.shape[0] // _LANES * _LANES
    if first < fct.shape[0]:
        w, has_w = _weights_or_dummy(weights, fct)
        _general_loop(obs, fct, w, has_w, est, alpha, omit_nan, lower, upper, first, numba.get_num_threads(), out)
    return out


def crps_ensemble_grad(obs, fct, weights, estimator, alpha, omit_nan):
    out = np.empty(fct.shape, dtype=fct.dtype)
    w, has_w = _weights_or_dummy(weights, fct)
    _grad_loop(obs, fct, w, has_w, _CODES[estimator], float(alpha), bool(omit_nan), numba.get_num_threads(), out)
    return out
