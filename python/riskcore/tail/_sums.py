"""The one call into the fused importance-sampling pass (kernels/tail_sums.hpp), with its arguments
validated through riskcore._validate and its in-kernel checks reported through ``fused_error``.

The pass reads log p, log q (any strides: a scalar log q is never expanded) and the event once, and
returns per query and threshold the log-space sums [M, s0, s1, s2, s2e], the log-weight statistics
[sum, count of -inf, min] and the largest event terms for k-hat (the M + 1 largest, see
:func:`riskcore.tail.khat_tail_size`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from riskcore import _validate
from riskcore._backend import implementation, on_gpu, resolve

EVENT_BOOL, EVENT_GRADED, EVENT_SCORE = 0, 1, 2
KHAT_NONE, KHAT_EVENT, KHAT_ALL = 0, 1, 2


@dataclass(frozen=True)
class Sums:
    """Kernel output in the user's layout: ``batch`` = () or (queries,), ``grid`` = () or (T,)."""

    sums: np.ndarray  # (Q, T, 5)
    stats: np.ndarray  # (Q, 3)
    tops: list[np.ndarray]  # Q * T' arrays (descending), T' = T (event k-hat), 1 (all weights) or 0
    counts: np.ndarray  # (Q * T',) finite terms behind each list
    n: int
    batch: tuple[int, ...]
    grid: tuple[int, ...]
    order: np.ndarray | None  # inverse permutation of the sorted thresholds


def _floats(arrays: dict[str, Any]) -> dict[str, Any]:
    """One kernel dtype for all: float32 when every array with samples is float32 (scalars follow them),
    float64 otherwise; only arrays of another dtype are converted."""
    sized = [a for a in arrays.values() if a.ndim] or list(arrays.values())
    dtype = np.float32 if all(a.dtype == np.float32 for a in sized) else np.float64
    return {k: a if a.dtype == dtype else a.astype(dtype) for k, a in arrays.items()}


def _problem_shape(log_p: np.ndarray, log_q: np.ndarray, names: tuple[str, str]) -> tuple[int, ...]:
    try:
        shape = np.broadcast_shapes(log_p.shape, log_q.shape)
    except ValueError:
        raise ValueError(f"{names[0]} {log_p.shape} and {names[1]} {log_q.shape} do not broadcast") from None
    if len(shape) not in (1, 2):
        raise ValueError(f"{names[0]} and {names[1]} must broadcast to (samples,) or (queries, samples), got {shape}")
    if shape[-1] == 0:
        raise ValueError(f"{names[0]} has no samples")
    return shape


def _thresholds(threshold: Any, queries: int, problem_ndim: int) -> tuple[np.ndarray, tuple[int, ...], np.ndarray]:
    if on_gpu(threshold):  # a few values, sorted and searched on the host
        threshold = threshold.get()
    t = _validate.real_array(threshold, "threshold", ndim=(0, 1, 2), nonempty=True, allow_nan=False)
    t = t.astype(np.float64)
    if t.ndim == 2 and (problem_ndim != 2 or t.shape[0] != queries):
        raise ValueError(f"threshold of shape {t.shape} needs (queries={queries}, thresholds) and 2-d samples")
    grid = () if t.ndim == 0 else (t.shape[-1],)
    rows = np.atleast_2d(t)
    order = np.argsort(rows, axis=-1, kind="stable")
    return np.ascontiguousarray(np.take_along_axis(rows, order, axis=-1)), grid, np.argsort(order, axis=-1)


def fused_sums(
    log_p: Any,
    log_q: Any,
    event: Any,
    score: Any,
    threshold: Any,
    khat: int,
    backend: str,
    names: tuple[str, str] = ("log_p", "log_q"),
    keep: int | None = None,
) -> Sums:
    """Validate the inputs of an IS estimator and run the fused pass on them."""
    arrays = {
        names[0]: _validate.real_array(log_p, names[0], ndim=(0, 1, 2)),
        names[1]: _validate.real_array(log_q, names[1], ndim=(0, 1, 2)),
    }
    shape = _problem_shape(*arrays.values(), names)
    queries, n = (1, shape[0]) if len(shape) == 1 else shape
    if (event is None) == (score is None):
        raise ValueError("give either event= (booleans or graded values in [0, 1]) or score= with threshold=")
    thresholds, grid, order = np.zeros((1, 1)), (), None
    if event is not None:
        if threshold is not None:
            raise ValueError("threshold= goes with score=, not with event=")
        marks = _validate._from_pandas(event)
        marks = _validate.namespace(marks).asarray(marks)
        if marks.dtype == bool:
            kind, mark = EVENT_BOOL, marks.view(np.uint8)
        else:
            kind, mark = EVENT_GRADED, _validate.real_array(marks, "event")
    else:
        if threshold is None:
            raise ValueError("score= needs threshold=")
        kind, mark = EVENT_SCORE, _validate.real_array(score, "score")
        thresholds, grid, sorted_order = _thresholds(threshold, queries, len(shape))
        order = sorted_order if grid else None
    try:
        mark = np.broadcast_to(mark, shape)
    except ValueError:
        what = "event" if event is not None else "score"
        raise ValueError(f"{what} shape {np.shape(mark)} does not match the samples {shape}") from None
    if kind != EVENT_BOOL:
        arrays["event"] = mark
    arrays = _floats(arrays)
    lp, lq = (np.broadcast_to(arrays[k], shape).reshape(queries, n) for k in names)
    mark = (arrays["event"] if kind != EVENT_BOOL else mark).reshape(queries, n)
    name = resolve(backend, lp, lq, mark)
    kernel = implementation("tail_sums", name)
    keep = khat_keep(n) if keep is None else keep
    output = kernel(lp, lq, kind, mark, thresholds, khat, keep)
    return from_kernel(output, shape, grid, order, names, kind)


def from_kernel(
    output: tuple,
    shape: tuple[int, ...],
    grid: tuple[int, ...],
    order: np.ndarray | None,
    names: tuple[str, str],
    kind: int,
) -> Sums:
    """Check the kernel's fused-check report (raising like a NumPy-side check) and wrap its outputs."""
    sums, stats, checks, tops, offsets, counts = output
    what = "event" if kind == EVENT_GRADED else "score"
    rules = (
        (names[0], "a number or -inf (not NaN or +inf)"),
        (names[1], "a number or +-inf (not NaN)"),
        (names[1], f"finite where {names[0]} is finite (-inf: a sample the proposal cannot produce)"),
        (what, "in [0, 1]" if kind == EVENT_GRADED else "a number (not NaN)"),
    )
    for (arg, rule), (count, first) in zip(rules, np.asarray(checks), strict=True):
        _validate.fused_error(arg, rule, int(count), int(first), shape)
    dead = np.asarray(sums)[:, 0, 0] == -np.inf
    if dead.any():
        raise ValueError(
            f"all log-weights are -inf ({names[0]} - {names[1]}) for queries {np.nonzero(dead)[0].tolist()}: "
            "no sample has target mass"
        )
    offsets = np.asarray(offsets)
    tops = np.asarray(tops)
    return Sums(
        np.asarray(sums),
        np.asarray(stats),
        [tops[a:b] for a, b in itertools.pairwise(offsets)],
        np.asarray(counts),
        shape[-1],
        shape[:-1],
        grid,
        order,
    )


def khat_keep(count: int) -> int:
    """How many of the largest terms k-hat needs from ``count`` samples: M + 1 (see khat_tail_size)."""
    from riskcore.tail.diagnostics import khat_tail_size

    return khat_tail_size(count) + 1
