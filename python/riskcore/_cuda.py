"""CUDA backend: CuPy arrays in, CuPy arrays out, no host copies.

Inputs are the canonical arrays of riskcore._crps_args (NumPy arrays are moved to the device once);
device pointers go to the launchers in kernels/*.cu, which run the same kernel headers as the CPU.
"""

from __future__ import annotations

from typing import Any

import cupy
import numpy as np

from riskcore import _core

# Scratch and tables of the launchers come from CuPy's memory pool (its limits and statistics see them).
_core.cuda_set_allocator(cupy.cuda.alloc)


def _device(array: Any) -> Any:
    return None if array is None else cupy.ascontiguousarray(cupy.asarray(array))


def _ptr(array: Any) -> int:
    return 0 if array is None else int(array.data.ptr)


def _stream() -> int:
    return int(cupy.cuda.get_current_stream().ptr)


def _view(array: Any, ndim: int) -> tuple[Any, list[int]]:
    """``array`` on the device with its element strides (zeros for ``None``): a host array's broadcast
    (stride-0) axes stay broadcast, only its distinct values are copied."""
    if array is None:
        return None, [0] * ndim
    if isinstance(array, np.ndarray):
        compact = array[tuple(slice(0, 1) if step == 0 else slice(None) for step in array.strides)]
        array = cupy.broadcast_to(cupy.asarray(np.ascontiguousarray(compact)), array.shape)
    return array, [step // array.itemsize for step in array.strides]


def _ensemble(launcher, out_shape, obs, fct, weights, estimator, alpha, omit_nan):
    obs, fct, weights = _device(obs), _device(fct), _device(weights)
    out = cupy.empty(out_shape(fct), dtype=fct.dtype)
    launcher(
        fct.itemsize,
        _ptr(obs),
        _ptr(fct),
        _ptr(weights),
        _ptr(out),
        fct.shape[0],
        fct.shape[1],
        estimator,
        alpha,
        omit_nan,
        _stream(),
    )
    return out


def crps_ensemble(obs, fct, weights, estimator, alpha, omit_nan):
    return _ensemble(_core.cuda_crps_ensemble, lambda f: f.shape[:1], obs, fct, weights, estimator, alpha, omit_nan)


def crps_ensemble_grad(obs, fct, weights, estimator, alpha, omit_nan):
    return _ensemble(_core.cuda_crps_ensemble_grad, lambda f: f.shape, obs, fct, weights, estimator, alpha, omit_nan)


def energy_score(obs, fct, fair):
    obs, fct = _device(obs), _device(fct)
    out = cupy.empty(fct.shape[0], dtype=fct.dtype)
    _core.cuda_energy_score(fct.itemsize, _ptr(obs), _ptr(fct), _ptr(out), *fct.shape, fair, _stream())
    return out


def crps_parametric(name, args):
    args = [_device(a) for a in args]
    n = max(a.size for a in args)
    out = cupy.empty(n, dtype=args[0].dtype)
    _core.cuda_crps_parametric(
        name, out.itemsize, [_ptr(a) for a in args], [int(a.size > 1) for a in args], _ptr(out), n, _stream()
    )
    return out


def ensemble_score(name, obs, fct, param):
    obs, fct, param = _device(obs), _device(fct), _device(param)
    out = cupy.empty(fct.shape[0], dtype=fct.dtype)
    _core.cuda_ensemble_score(name, fct.itemsize, _ptr(obs), _ptr(fct), _ptr(param), _ptr(out), *fct.shape, _stream())
    return out


def multivariate_score(name, obs, fct, ens_w, fw, ow, w, p):
    """Every array read in place on the device through its strides (a broadcast w is not expanded)."""
    views = [_view(a, k) for a, k in ((fct, 3), (obs, 2), (ens_w, 2), (fw, 2), (ow, 1), (w, 3))]
    (x, _), (y, _), (e, _), (f, _), (o, _), (v, _) = views
    out = cupy.empty(x.shape[0], dtype=x.dtype)
    strides = [step for _, steps in views for step in steps]
    _core.cuda_multivariate_score(
        name, x.itemsize, _ptr(y), _ptr(x), _ptr(e), _ptr(f), _ptr(o), _ptr(v), *x.shape, float(p), strides,
        _ptr(out), _stream(),
    )  # fmt: skip
    return out


def multivariate_grad(name, obs, fct, ens_w, w, p):
    """d score / d member (n, m, d) on the device, the arrays read in place as in multivariate_score."""
    views = [_view(a, k) for a, k in ((fct, 3), (obs, 2), (ens_w, 2), (None, 2), (None, 1), (w, 3))]
    (x, _), (y, _), (e, _), _, _, (v, _) = views
    out = cupy.empty(x.shape, dtype=x.dtype)
    strides = [step for _, steps in views for step in steps]
    _core.cuda_multivariate_grad(
        name, x.itemsize, _ptr(y), _ptr(x), _ptr(e), _ptr(v), *x.shape, float(p), strides, _ptr(out), _stream()
    )
    return out


def clogs_ensemble(obs, fct, a, b, bw, cens):
    views = [_view(v, k) for v, k in ((obs, 1), (fct, 2), (a, 1), (b, 1), (bw, 1))]
    (y, _), (x, _), (lo, _), (hi, _), (h, _) = views
    out = cupy.empty(x.shape[0], dtype=x.dtype)
    strides = [step for _, steps in views for step in steps]
    _core.cuda_clogs_ensemble(
        x.itemsize, _ptr(y), _ptr(x), _ptr(lo), _ptr(hi), _ptr(h), *x.shape, bool(cens), strides, _ptr(out), _stream()
    )
    return out


def crps_mixnorm(obs, m, s, w):
    obs, m, s, w = (_device(a) for a in (obs, m, s, w))
    out = cupy.empty(obs.shape[0], dtype=obs.dtype)
    _core.cuda_crps_mixnorm(out.itemsize, _ptr(obs), _ptr(m), _ptr(s), _ptr(w), _ptr(out), *m.shape, _stream())
    return out


def crps_mixnorm_grad(obs, m, s, w):
    obs, m, s, w = (_device(a) for a in (obs, m, s, w))
    out = cupy.empty((3, *m.shape), dtype=obs.dtype)
    _core.cuda_crps_mixnorm_grad(out.itemsize, _ptr(obs), _ptr(m), _ptr(s), _ptr(w), _ptr(out), *m.shape, _stream())
    return out


def knapsack_max_sums(values, m, t_max):
    """The DP's inputs are small host arrays (slot values); layers live on the device."""
    return _core.cuda_knapsack_max_sums(
        [np.ascontiguousarray(v, dtype=np.float64) for v in values],
        np.asarray(m, np.int64),
        np.asarray(t_max, np.int64),
        _stream(),
    )


def simulate_moments(cdf, masked_cdf, hazard, kind, start, horizon, seed, first, count):
    """Trajectories [first, first + count) of every query in one call: the tables (small host arrays) are
    uploaded once, the values are summed on the device. Returns (moments (queries, 3, 2): the sum and the
    sum of squares of the MC, SCOPE and REACH values; steps (queries,))."""
    return _core.cuda_simulate_moments(cdf, masked_cdf, hazard, kind, start, horizon, seed, first, count, _stream())


def simulate_pair_sums(cdf, masked_cdf, hazard, kind, start, horizon, seed, first, count, centre):
    """The same trajectories' paired sums about centre (queries, 3) for the efficiency intervals:
    (sums (queries, 18), see kernels/cuda_launchers.hpp; steps (queries,))."""
    return _core.cuda_simulate_pair_sums(
        cdf, masked_cdf, hazard, kind, start, horizon, seed, first, count, centre, _stream()
    )


def sequence_step(
    probs, logits, bits, chunk_bits, offsets, outcome_list, is_end, duration, horizon, seed, coupled, t, *rows
):
    """One driver step on device rows (riskcore._core.sequence_step's contract): the tables and the row
    states (context, trajectory, role, alive, mc, scope, reach, elapsed) are device arrays, updated in
    place; returns device (tokens, fork, done, bad)."""
    tables = [_device(a) for a in (bits, chunk_bits, offsets, outcome_list, is_end, duration, horizon)]
    B, V = probs.shape
    K, H = rows[3].shape[1], horizon.size
    out = (
        cupy.empty(B, dtype=np.int64),
        cupy.empty((B, K), dtype=np.int64),
        cupy.empty(B, dtype=np.uint8),
        cupy.empty(B, dtype=np.int64),
    )
    step = probs.strides[0] // probs.itemsize, probs.strides[1] // probs.itemsize
    _core.cuda_sequence_step(
        probs.itemsize,
        _ptr(probs),
        *step,
        [_ptr(a) for a in tables],
        V,
        K,
        H,
        float(tables[6].max()),
        seed,
        logits,
        coupled,
        B,
        t,
        [_ptr(a) for a in (*rows, *out)],
        _stream(),
    )
    return out


def _candidate_arrays(khat, queries, n, grid):
    """Device slots for the k-hat candidates (one per sample, -inf where none) and, for the event terms
    of a threshold grid, their buckets."""
    if khat == 0:
        return None, None
    terms = cupy.empty((queries, n), dtype=np.float64)
    return terms, cupy.empty((queries, n), dtype=np.int32) if khat == 1 and grid else None


def _largest_terms(terms, buckets, khat, nt, keep):
    """The ``keep`` largest finite candidates of each list (per query: threshold j's event terms are those
    of buckets > j; one list of all log-weights for khat 2), descending, selected on the device: only the
    lists come to the host. Returns (tops, offsets) as the CPU kernel does."""
    if terms is None:
        return np.zeros(0), np.zeros(1, dtype=np.int64)
    order = cupy.argsort(-terms, axis=1)
    ranked = cupy.take_along_axis(terms, order, axis=1)
    if buckets is None:
        heads = [ranked[:, :keep].get()]
        masks = None
    else:
        ranked_buckets = cupy.take_along_axis(buckets, order, axis=1)
        heads, masks = [], [ranked_buckets > j for j in range(nt)]
    lists = []
    for qi in range(terms.shape[0]):
        if masks is None:
            lists.append(heads[0][qi])
        else:
            lists.extend(ranked[qi][m[qi]][:keep].get() for m in masks)
    lists = [t[np.isfinite(t)] for t in lists]
    offsets = np.concatenate([[0], np.cumsum([t.size for t in lists])]).astype(np.int64)
    return (np.concatenate(lists) if lists else np.zeros(0)), offsets


def tail_sums(log_p, log_q, kind, event, thresholds, khat, keep):
    """The fused importance-sampling pass (riskcore._core.tail_sums's contract) on the device: log p, log q
    and the event read in place through their strides (a broadcast log q is not expanded), the per-chunk
    sums and the k-hat lists come back to the host."""
    views = [_view(a, 2) for a in (log_p, log_q, event)]
    (lp, _), (lq, _), (ev, _) = views
    queries, n = lp.shape
    t = cupy.asarray(np.ascontiguousarray(thresholds, dtype=np.float64))
    terms, buckets = _candidate_arrays(khat, queries, n, t.shape[1] > 1)
    sums, stats, checks, counts = _core.cuda_tail_sums(
        lp.itemsize, kind, khat, _ptr(lp), _ptr(lq), _ptr(ev), [s for _, steps in views for s in steps], _ptr(t),
        *t.shape, queries, n, _ptr(terms), _ptr(buckets), _stream(),
    )  # fmt: skip
    return (sums, stats, checks, *_largest_terms(terms, buckets, khat, t.shape[1], keep), counts)


def gaussian_shift_sums(c, n, seed, stream, khat, keep):
    """riskcore._core.gaussian_shift_sums on the device: the normals are drawn, weighed and summed in the
    kernel; only the sums and the k-hat list come back."""
    terms, _ = _candidate_arrays(khat, 1, n, False)
    sums, stats, checks, counts = _core.cuda_gaussian_shift_sums(c, n, seed, stream, khat, _ptr(terms), _stream())
    return (sums, stats, checks, *_largest_terms(terms, None, khat, 1, keep), counts)


def _draws(bind, n, seed, stream):
    out = cupy.empty(n, dtype=np.float64)
    bind(_ptr(out), n, seed, stream, _stream())
    return out


def standard_normals(n, seed, stream):
    """riskcore._core.standard_normals on the device: a CuPy array of n float64 normals (the same Philox
    words; the transform uses CUDA's log and sqrt)."""
    return _draws(_core.cuda_standard_normals, n, seed, stream)


def standard_uniforms(n, seed, stream):
    """tail.standard_uniforms on the device: a CuPy array of n float64 uniforms, the host's doubles exactly
    (the top 53 bits of the same Philox words)."""
    return _draws(_core.cuda_standard_uniforms, n, seed, stream)


def risk_moments(hazards, lengths, mask, first_hit, kind):
    """riskcore._core.risk_moments on the device: hazards (Q, N, T, K), lengths and first_hit (Q, N, K), mask
    (Q, N, T) or None, read in place through their strides (host arrays, e.g. broadcast lengths, are copied
    compactly); the per-block moments come back and are merged on the host in the CPU's order."""
    views = [_view(a, k) for a, k in ((hazards, 4), (lengths, 3), (mask, 3), (first_hit, 3))]
    (h, _), (steps, _), (m, _), (hit, _) = views
    strides = [s for _, st in views for s in st]
    return _core.cuda_risk_moments(
        h.itemsize, _ptr(h), _ptr(steps), _ptr(m), _ptr(hit), strides, *h.shape, kind, _stream()
    )
