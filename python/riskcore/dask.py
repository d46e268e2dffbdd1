"""Scale-out on Dask (``pip install "riskcore[dask]"``): the same kernels on chunked arrays and on
simulation jobs sharded over workers, combined with riskcore's exact merges.

- :func:`crps_ensemble`, :func:`closed_form`: dask arrays chunked along any non-member axis (the member
  axis is made one chunk); each block runs the single-machine function, so results are identical.
- :func:`simulate_outcome_risk`: ``n_trajectories`` split into shards with disjoint Philox trajectory
  ranges (``first_trajectory``), merged pairwise in a tree (Chan et al.): equal to the single-machine
  run of the same seed to rounding. Runs on the active scheduler (a ``distributed.Client`` included),
  so a failed worker's shard is recomputed by Dask with the same numbers.
- :func:`simulate_sequence_risk`: contexts x trajectory ranges, each task building the model on its
  worker from a user factory (models rarely pickle well; factories do), merged exactly per context.
- :func:`is_estimate`: log-weights chunked along the samples; each chunk contributes its log-space sums
  and its M + 1 largest event log-weights, so the merged estimate and k-hat equal the single-machine ones.
"""

from __future__ import annotations

import itertools
from typing import Any

import dask
import dask.array as da
import numpy as np

from riskcore import _validate, crps, mc, tail
from riskcore.mc.efficiency import PairMoments
from riskcore.mc.results import with_efficiency as _with_efficiency
from riskcore.tail import _sums as tail_sums
from riskcore.tail.diagnostics import khat_row

__all__ = ["closed_form", "crps_ensemble", "is_estimate", "simulate_outcome_risk", "simulate_sequence_risk"]


def crps_ensemble(obs: Any, fct: Any, *, axis: int = -1, members: str = "gather", **kwargs: Any) -> da.Array:
    """:func:`riskcore.crps_ensemble` on dask arrays; returns a lazy dask array of the forecast shape
    without the member axis, chunked like ``fct``. Keyword arguments are those of the NumPy function
    (``weights`` must be a NumPy array broadcastable to one member axis).

    ``members`` says what happens to an ensemble chunked along its member axis: ``"gather"`` (default)
    rechunks the members into one chunk (results bit-identical to the NumPy function); ``"merge"``
    scores ``nrg``, ``fair`` and ``afcrps`` (with ``weights`` and ``nan_policy``) without gathering a
    forecast's members: each chunk is sorted once into a summary (sorted values, sum w|x - y|, the
    weight sums and the within-chunk pair sum), two summaries merge in O(|A| + |B|) per forecast (the
    cross sum of w_a w_b |a - b| over a in A, b in B from one merge of the sorted rows), combined as a
    tree; equal to the NumPy result to rounding (rtol 1e-12 tested). Other estimators gather.

    >>> f = da.from_array(np.random.default_rng(0).normal(size=(1000, 20)), chunks=(250, 20))
    >>> crps_ensemble(0.0, f).chunks
    ((250, 250, 250, 250),)
    >>> split = da.from_array(f.compute(), chunks=(500, 5))  # 4 chunks of members
    >>> merged = crps_ensemble(0.0, split, members="merge").compute()
    >>> bool(np.allclose(merged, crps.crps_ensemble(0.0, f.compute()), rtol=1e-12))
    True
    """
    fct = da.asarray(fct)
    if members not in ("gather", "merge"):
        raise ValueError(f"members must be one of ('gather', 'merge'), got {members!r}")
    split = fct.ndim and len(fct.chunks[axis % fct.ndim]) > 1
    if members == "merge" and split and kwargs.get("estimator", "nrg") in _SPLIT_ESTIMATORS:
        return _crps_members_split(obs, fct, axis % fct.ndim, **kwargs)
    fct = da.moveaxis(fct, axis, -1).rechunk({fct.ndim - 1: -1})
    batch = np.broadcast_shapes(np.shape(obs), fct.shape[:-1])
    fct = da.broadcast_to(fct, (*batch, fct.shape[-1])).rechunk({len(batch): -1})
    # map_blocks aligns arrays from the right (like NumPy): obs gets a trailing axis of one member
    obs = da.broadcast_to(da.asarray(obs), batch).rechunk(fct.chunks[:-1])[..., None]
    dtype = np.result_type(obs.dtype, fct.dtype, np.float32)
    return da.map_blocks(
        lambda o, f: crps.crps_ensemble(o[..., 0], f, axis=-1, **kwargs), obs, fct, drop_axis=fct.ndim - 1, dtype=dtype
    )


_SPLIT_ESTIMATORS = ("nrg", "fair", "afcrps")


def _crps_members_split(
    obs: Any,
    fct: da.Array,
    ax: int,
    *,
    estimator: str = "nrg",
    alpha: float = 0.95,
    weights: Any = None,
    nan_policy: str = "propagate",
    backend: str = "auto",
) -> da.Array:
    """crps_ensemble of an ensemble chunked along its member axis: summaries per member chunk merged
    as a tree (riskcore._numba.crps_merge), one tree per block of forecasts."""
    from riskcore import _arrays, _crps_args, _validate
    from riskcore._numba import crps_merge

    del backend  # the merge runs in Numba on the workers
    alpha = _crps_args.check_estimator(estimator, alpha)
    _arrays.check_nan_policy(nan_policy)
    if fct.shape[ax] < 2 and estimator != "nrg":
        raise ValueError(f"estimator {estimator!r} needs at least 2 members, fct has {fct.shape[ax]}")
    w = None
    if weights is not None:
        w = _validate.real_array(weights, "weights")
        if not _crps_args.broadcasts_to(w.shape, fct.shape):
            raise ValueError(f"weights shape {w.shape} does not broadcast to fct shape {fct.shape}")
        w = w.reshape((1,) * (fct.ndim - w.ndim) + w.shape)
        _crps_args.check_weights(np, w, ax)
        w = np.moveaxis(w / w.max(axis=ax, keepdims=True), ax, -1)  # scaled by the largest: no overflow
    fct = da.moveaxis(fct, ax, -1)
    if nan_policy == "raise" and bool(da.isnan(fct).any().compute()):
        raise ValueError("fct contains NaN and nan_policy='raise'")
    batch = np.broadcast_shapes(np.shape(obs), fct.shape[:-1])
    members = fct.shape[-1]
    fct = da.broadcast_to(fct, (*batch, members))
    obs_d = da.broadcast_to(da.asarray(obs), batch).rechunk(fct.chunks[:-1])
    if nan_policy == "raise" and bool(da.isnan(obs_d).any().compute()):
        raise ValueError("obs contains NaN and nan_policy='raise'")
    w_d = None if w is None else da.from_array(np.broadcast_to(w, (*batch, members)), chunks=fct.chunks)
    dtype = np.result_type(obs_d.dtype, fct.dtype, np.float32)
    fct_blocks, obs_blocks = fct.to_delayed(), obs_d.to_delayed()
    w_blocks = None if w_d is None else w_d.to_delayed()
    omit = nan_policy == "omit"

    def chunk_leaf(o: np.ndarray, f: np.ndarray, wb: np.ndarray | None) -> dict[str, np.ndarray]:
        return crps_merge.leaf(o.reshape(-1), f.reshape(-1, f.shape[-1]), None if wb is None else
                               wb.reshape(-1, wb.shape[-1]), omit)  # fmt: skip

    def chunk_finish(summary: dict[str, np.ndarray], o: np.ndarray) -> np.ndarray:
        return crps_merge.finish(summary, o.reshape(-1), estimator, alpha).astype(dtype).reshape(o.shape)

    grid = np.empty(obs_blocks.shape, dtype=object)
    for index in np.ndindex(*obs_blocks.shape):
        leaves = [
            dask.delayed(chunk_leaf)(obs_blocks[index], fct_blocks[(*index, c)],
                                     None if w_blocks is None else w_blocks[(*index, c)])
            for c in range(fct_blocks.shape[-1])
        ]  # fmt: skip
        shape = tuple(chunks[i] for chunks, i in zip(fct.chunks[:-1], index, strict=True))
        total = _tree(leaves, crps_merge.merge)
        grid[index] = da.from_delayed(dask.delayed(chunk_finish)(total, obs_blocks[index]), shape, dtype=dtype)
    return da.block(grid.tolist()) if grid.ndim else grid[()]


def closed_form(name: str, obs: Any, *params: Any, **kwargs: Any) -> da.Array:
    """``riskcore.crps_<name>`` blockwise on dask arrays (broadcast together, chunked like ``obs``).

    >>> y = da.from_array(np.linspace(-2, 2, 8), chunks=4)
    >>> np.allclose(closed_form("normal", y, 0.0, 1.0).compute(), crps.crps_normal(np.linspace(-2, 2, 8)))
    True
    """
    fn = getattr(crps, f"crps_{name}", None)
    if fn is None or name in ("ensemble", "ensemble_grad", "mixnorm"):
        raise ValueError(f"unknown closed form {name!r}")
    arrays = [da.asarray(a) for a in (obs, *params)]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    chunks = da.broadcast_to(arrays[0], shape).chunks
    arrays = [da.broadcast_to(a, shape).rechunk(chunks) for a in arrays]
    return da.map_blocks(lambda *blocks: fn(*blocks, **kwargs), *arrays, dtype=np.result_type(*arrays, np.float32))


def _tree(items: list[Any], merge: Any) -> Any:
    """Pairwise reduction of delayed values (depth log2 of the shard count)."""
    while len(items) > 1:
        items = [
            dask.delayed(merge)(items[i], items[i + 1]) if i + 1 < len(items) else items[i]
            for i in range(0, len(items), 2)
        ]
    return items[0]


def simulate_outcome_risk(
    P: Any,
    start: Any,
    outcome_states: Any,
    end_states: Any,
    horizon: int,
    n_trajectories: int,
    seed: int,
    *,
    shards: int,
    **kwargs: Any,
) -> mc.SimulationResult:
    """:func:`riskcore.mc.simulate_outcome_risk` split into ``shards`` tasks on the active Dask scheduler.

    >>> P = [[0.6, 0.25, 0.05, 0.02, 0.08], [0.2, 0.5, 0.2, 0.05, 0.05], [0.1, 0.2, 0.4, 0.25, 0.05],
    ...      [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]
    >>> r = simulate_outcome_risk(P, 0, [3], [4], 20, 10_000, 1, shards=4)
    >>> bool(np.isclose(r.reach.estimate, mc.simulate_outcome_risk(P, 0, [3], [4], 20, 10_000, 1).reach.estimate))
    True
    """
    if shards < 1 or n_trajectories < shards:
        raise ValueError(f"need 1 <= shards <= n_trajectories, got shards={shards}, n_trajectories={n_trajectories}")
    edges = np.linspace(0, n_trajectories, shards + 1).astype(np.int64)
    parts = [
        dask.delayed(mc.simulate_outcome_risk)(
            P, start, outcome_states, end_states, horizon, int(b - a), seed, first_trajectory=int(a), **kwargs
        )
        for a, b in itertools.pairwise(edges)
    ]
    return dask.compute(_tree(parts, mc.SimulationResult.merge))[0]


def _sequence_shard(factory: Any, contexts: np.ndarray, first: int, n: int, kwargs: dict) -> mc.SimulationResult:
    return mc.simulate_sequence_risk(factory(), contexts, first_trajectory=first, n_trajectories=n, **kwargs)


def _concat(parts: list[mc.SimulationResult]) -> mc.SimulationResult:
    """Results of consecutive context groups joined along the context axis."""
    out: dict[str, mc.RiskEstimate | None] = {}
    for kind in mc.KINDS:
        if getattr(parts[0], kind) is None:
            out[kind] = None
            continue
        accs = [getattr(p, kind).accumulator for p in parts]
        acc = mc.RiskAccumulator(
            *(np.concatenate([getattr(a, f) for a in accs]) for f in ("count", "mean", "m2")), accs[0].ranges
        )
        out[kind] = mc.RiskEstimate.from_accumulator(acc, kind, getattr(parts[0], kind).confidence)
    pairs = None
    if all(p.pairs is not None for p in parts):  # the efficiency intervals' moments, joined the same way
        pairs = {
            k: PairMoments(*(np.concatenate([getattr(p.pairs[k], f) for p in parts]) for f in ("shift", "sums")))
            for k in parts[0].pairs
            if all(k in p.pairs for p in parts)
        }
    return _with_efficiency(out, sum(p.steps for p in parts), sum(p.seconds for p in parts), pairs)


def simulate_sequence_risk(
    model_factory: Any,
    contexts: Any,
    *,
    n_trajectories: int,
    shards: int,
    context_chunk: int | None = None,
    first_trajectory: int = 0,
    **kwargs: Any,
) -> mc.SimulationResult:
    """:func:`riskcore.mc.simulate_sequence_risk` as ``shards`` trajectory ranges x groups of
    ``context_chunk`` contexts on the active Dask scheduler; ``model_factory()`` builds the model on
    the worker. Shards merge exactly (counts; estimates to rounding) into the single-machine result.

    >>> import numpy as np
    >>> class Chain:
    ...     P = np.array([[0.6, 0.25, 0.05, 0.02, 0.08], [0.2, 0.5, 0.2, 0.05, 0.05],
    ...                   [0.1, 0.2, 0.4, 0.25, 0.05], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]])
    ...     def start(self, contexts): self.s = np.asarray(contexts); return self.P[self.s]
    ...     def step(self, tokens): self.s = tokens; return self.P[tokens]
    ...     def select(self, rows): self.s = self.s[rows]
    >>> kw = dict(outcome_tokens=3, end_tokens=4, max_new_tokens=20, seed=1)
    >>> r = simulate_sequence_risk(Chain, [0, 1], n_trajectories=4000, shards=3, context_chunk=1, **kw)
    >>> one = mc.simulate_sequence_risk(Chain(), [0, 1], n_trajectories=4000, **kw)
    >>> bool(np.allclose(r.reach.estimate, one.reach.estimate, rtol=1e-12)), r.reach.n.tolist()
    (True, [4000, 4000])
    """
    if not callable(model_factory):
        raise TypeError("model_factory must be callable: it builds the model on each worker")
    ctx = np.asarray(contexts)
    n = _validate.integer(n_trajectories, "n_trajectories", low=1)
    shards = _validate.integer(shards, "shards", low=1, high=n)
    first = _validate.integer(first_trajectory, "first_trajectory", low=0)
    step = (
        ctx.size if ctx.ndim == 0 or context_chunk is None else _validate.integer(context_chunk, "context_chunk", low=1)
    )
    starts = [0] if ctx.ndim == 0 else list(range(0, ctx.size, step))
    histories = kwargs.pop("histories", None)
    edges = first + np.linspace(0, n, shards + 1).astype(np.int64)
    merged = []
    for lo in starts:
        group = ctx if ctx.ndim == 0 else ctx[lo : lo + step]
        extra = {} if histories is None else {"histories": list(histories)[lo : lo + step]}
        tasks = [
            dask.delayed(_sequence_shard)(model_factory, group, int(a), int(b - a), {**kwargs, **extra})
            for a, b in itertools.pairwise(edges)
        ]
        merged.append(_tree(tasks, mc.SimulationResult.merge))
    results = dask.compute(*merged)
    return results[0] if len(results) == 1 else _concat(list(results))


def _chunk_summary(
    lw: np.ndarray, ev: np.ndarray, keep: int
) -> tuple[np.ndarray, list[np.ndarray], np.ndarray, np.ndarray]:
    """Log-space sums, the `keep` largest event log-weights per query, the event counts and the
    log-weight statistics of a chunk (one fused pass, riskcore.tail._sums)."""
    s = tail_sums.fused_sums(
        np.atleast_2d(lw), 0.0, np.atleast_2d(ev), None, None, tail_sums.KHAT_EVENT, "auto", keep=keep
    )
    return s.sums[:, 0, :], s.tops, s.counts[:, 0], s.stats


def is_estimate(log_weights: da.Array, event: da.Array, *, confidence: float = 0.95) -> tail.TailEstimate:
    """Standard importance sampling (:func:`riskcore.tail.is_estimate`) of dask log-weights
    (samples,) or (queries, samples) chunked along the samples, with a boolean event array alike.

    >>> lw = da.from_array(np.random.default_rng(0).normal(size=10_000), chunks=2_500)
    >>> ev = lw > 1.0
    >>> r = is_estimate(lw, ev); single = tail.is_estimate(lw.compute(), 0.0, event=ev.compute())
    >>> bool(np.isclose(r.estimate, single.estimate, rtol=1e-12)), bool(r.khat == single.khat)
    (True, True)
    """
    lw = da.atleast_2d(da.asarray(log_weights)).astype(np.float64)
    ev = da.atleast_2d(da.asarray(event))
    if ev.dtype != bool or ev.shape != lw.shape:
        raise ValueError(f"event must be a bool dask array of shape {lw.shape}")
    ev = ev.rechunk(lw.chunks)
    has_nan, has_posinf, events = dask.compute(da.isnan(lw).any(), da.isposinf(lw).any(), ev.sum(axis=1))
    if has_nan or has_posinf:
        raise ValueError("log-weights contain NaN or +inf")
    keep = tail.khat_tail_size(int(events.max(initial=1))) + 1
    blocks = [
        dask.delayed(_chunk_summary)(lw.blocks[q, c], ev.blocks[q, c], keep)
        for q in range(lw.numblocks[0])
        for c in range(lw.numblocks[1])
    ]
    summaries = dask.compute(*blocks)
    rows_per_block = list(lw.chunks[0])
    sums_rows, stats_rows, khats, counts = [], [], [], []
    for q_block, rows in enumerate(rows_per_block):
        chunk_results = summaries[q_block * lw.numblocks[1] : (q_block + 1) * lw.numblocks[1]]
        sums = chunk_results[0][0]
        for other in chunk_results[1:]:
            sums = tail.combine_log_sums(sums, other[0])
        sums_rows.append(sums)
        stats = np.stack([c[3] for c in chunk_results])
        stats_rows.append(
            np.column_stack([stats[..., 0].sum(axis=0), stats[..., 1].sum(axis=0), stats[..., 2].min(axis=0)])
        )
        for r in range(rows):
            top = np.concatenate([c[1][r] for c in chunk_results])
            count = int(sum(c[2][r] for c in chunk_results))
            khats.append(khat_row(top, count))
            counts.append(count)
    all_sums = np.vstack(sums_rows)
    if bool((all_sums[:, 0] == -np.inf).any()):
        raise ValueError("all log-weights are -inf for some query")
    scalar = np.ndim(log_weights) == 1
    return tail.is_from_sums(
        all_sums[0] if scalar else all_sums,
        lw.shape[1],
        np.array(khats[0] if scalar else khats),
        confidence,
        events=np.array(counts[0] if scalar else counts),
        stats=np.vstack(stats_rows)[0] if scalar else np.vstack(stats_rows),
    )
