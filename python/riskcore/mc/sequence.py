r"""MC, SCOPE and REACH with the model in the loop: :func:`simulate_sequence_risk` drives any object
following the :class:`SequenceModel` protocol, sampling with counter-based Philox streams and
accumulating every estimator online (O(batch) memory, never a padded trajectory array).

Per trajectory, step t is *at risk* for a horizon :math:`H` when the time elapsed before it,
:math:`\tau_t = \sum_{s<t} d(x_s)` (``token_durations`` d; one per token when none are given), is
below :math:`H`: the step that crosses a horizon is at risk. For outcome k with hazard
:math:`h_{t,k} = p_t(O_k)`:

- MC: :math:`\mathbf 1\{\text{an } O_k \text{ token is drawn on a step at risk}\}`;
- SCOPE: :math:`\sum_t h_{t,k}` over the steps at risk up to and including the first O_k draw;
- REACH: :math:`1 - \prod_t (1 - h_{t,k})` over the steps at risk of the O_k-masked model.

Trajectories stop at an end token, after ``max_new_tokens`` tokens, past the last horizon, or (for
MC/SCOPE) once every outcome is drawn. With ``coupled=True`` REACH reuses the model's own trajectory
until its first O_k draw, where the draw is replaced by one from the masked row and the trajectory
forks (the authors' M1 -> M2 coupled generation); without it REACH samples its own masked pool.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _validate
from riskcore._backend import backends, implementation, on_gpu, resolve
from riskcore.mc.chain import MAX_TRAJECTORIES
from riskcore.mc.efficiency import ORDER, PairMoments
from riskcore.mc.results import KINDS, RiskAccumulator, RiskEstimate, SimulationResult, with_efficiency

BLOCK = 2048  # trajectories per moment block: results do not depend on batch_size
MAX_OUTCOMES = 64
DRAW_CHUNK = 16  # kernels/mc_stream.hpp's kDrawChunk


@runtime_checkable
class SequenceModel(Protocol):
    """What :func:`simulate_sequence_risk` needs from a model: next-token rows for a batch of rows.

    - ``start(contexts)``: context ids (B,) int64 -> next-token probabilities (B, V); starts B rows.
    - ``step(tokens)``: the token drawn for each row (B,) -> next-token probabilities (B, V).
    - ``select(rows)``: keep / reorder / repeat rows of the state: row i of the new state is row
      ``rows[i]`` of the old one (finished trajectories are dropped, REACH forks repeat a row).

    The rows may be NumPy, CuPy or torch arrays (float16/32/64; logits with ``logits=True``); host
    arrays are read in place through DLPack; device rows (CuPy, torch CUDA) stay on the GPU, where the
    cuda step kernel reads them in place (only tokens and per-row flags come back to the host).
    """

    def start(self, contexts: np.ndarray) -> ArrayLike: ...

    def step(self, tokens: np.ndarray) -> ArrayLike: ...

    def select(self, rows: np.ndarray) -> None: ...


def _device_rows(rows: Any) -> Any:
    """Device rows as a CuPy array (torch CUDA tensors are read in place through
    ``__cuda_array_interface__``), or None for host rows."""
    if hasattr(rows, "detach"):  # torch: no autograd graph; bfloat16 has no NumPy / CuPy dtype
        rows = rows.detach()
        if str(rows.dtype) == "torch.bfloat16":
            rows = rows.float()
        if not rows.is_cuda:
            return None
    elif not on_gpu(rows):
        return None
    import cupy

    return rows if isinstance(rows, cupy.ndarray) else cupy.asarray(rows)


def _host_rows(rows: Any) -> np.ndarray:
    """Host rows as a NumPy array, read in place through DLPack (device rows are copied)."""
    if isinstance(rows, np.ndarray):
        return rows
    if hasattr(rows, "detach"):
        rows = rows.detach()
        rows = (rows.float() if str(rows.dtype) == "torch.bfloat16" else rows).cpu()
    elif on_gpu(rows):
        import cupy

        return cupy.asnumpy(rows)
    try:
        return np.from_dlpack(rows)
    except (TypeError, RuntimeError, BufferError, AttributeError, ValueError):
        return np.asarray(rows)


def _model_rows(rows: Any, vocabulary: int | None, device: bool) -> Any:
    """The model's (B, V) rows as a float32/float64 array: CuPy when ``device`` and the rows are on a
    GPU (the step kernel runs there), NumPy otherwise (no copy for host arrays)."""
    probs = _device_rows(rows) if device else None
    if probs is None:
        probs = _host_rows(rows)
    if probs.dtype.kind != "f":
        raise TypeError(f"the model must return float probabilities or logits, got {probs.dtype}")
    if probs.dtype == np.float16:
        probs = probs.astype(np.float32)
    if probs.ndim != 2 or (vocabulary is not None and probs.shape[1] != vocabulary):
        want = "(rows, vocabulary)" if vocabulary is None else f"(rows, {vocabulary})"
        raise ValueError(f"the model must return an array of shape {want}, got {probs.shape}")
    return probs


def _token_set(value: Any, name: str) -> np.ndarray:
    tokens = np.atleast_1d(np.asarray(value))
    if tokens.size and tokens.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integer token ids, got {tokens.dtype}")
    if tokens.ndim != 1:
        raise ValueError(f"{name} must be a token id or a sequence of them, got shape {tokens.shape}")
    if tokens.size and (tokens < 0).any():
        raise ValueError(f"{name} must hold token ids >= 0, got {tokens.tolist()}")
    return tokens.astype(np.int64)


def _outcomes(outcome_tokens: Any) -> tuple[list[np.ndarray], bool]:
    """(K outcome sets, True when a single set was given: no outcome axis)."""
    if np.isscalar(outcome_tokens) or (isinstance(outcome_tokens, np.ndarray) and outcome_tokens.ndim < 2):
        return [_token_set(outcome_tokens, "outcome_tokens")], True
    items = list(outcome_tokens)  # sets of different sizes: no np.ndim of the whole (ragged)
    if items and all(np.ndim(i) == 0 for i in items):
        return [_token_set(items, "outcome_tokens")], True
    sets = [_token_set(i, f"outcome_tokens[{j}]") for j, i in enumerate(items)]
    if not sets or any(s.size == 0 for s in sets):
        raise ValueError("outcome_tokens must hold at least one non-empty set of token ids")
    _validate.limit("the number of outcome sets", len(sets), MAX_OUTCOMES, "run several calls")
    return sets, False


@dataclass
class _Tables:
    bits: np.ndarray
    chunk_bits: np.ndarray  # OR of bits over each chunk of DRAW_CHUNK tokens (kernels/mc_stream.hpp)
    offsets: np.ndarray
    tokens: np.ndarray
    is_end: np.ndarray
    duration: np.ndarray


def _tables(vocabulary: int, outcomes: list[np.ndarray], end: np.ndarray, durations: Any, timed: bool) -> _Tables:
    for j, tokens in enumerate([*outcomes, end]):
        if tokens.size and tokens.max() >= vocabulary:
            name = "end_tokens" if j == len(outcomes) else "outcome_tokens"
            raise ValueError(f"{name} must be token ids in 0..{vocabulary - 1}, got {tokens.tolist()}")
    bits = np.zeros(vocabulary, dtype=np.uint64)
    for k, tokens in enumerate(outcomes):
        bits[tokens] |= np.uint64(1 << k)
    is_end = np.zeros(vocabulary, dtype=np.uint8)
    is_end[end] = 1
    if durations is None:
        duration = np.full(vocabulary, 1.0 if timed else 0.0)
    else:
        duration = _validate.real_array(durations, "token_durations", ndim=1, allow_nan=False, allow_inf=False, low=0)
        if duration.shape != (vocabulary,):
            raise ValueError(f"token_durations must have shape ({vocabulary},) (the vocabulary), got {duration.shape}")
        duration = np.ascontiguousarray(duration, dtype=np.float64)
    offsets = np.cumsum([0] + [t.size for t in outcomes]).astype(np.int64)
    chunk_bits = np.bitwise_or.reduceat(bits, np.arange(0, vocabulary, DRAW_CHUNK))
    return _Tables(bits, chunk_bits, offsets, np.concatenate(outcomes).astype(np.int64), is_end, duration)


class _Blocks:
    """Per-trajectory values of the trajectories in flight, turned into moments block by block (in
    trajectory order, so the result does not depend on batch_size or on the order rows finish)."""

    def __init__(self, contexts: int, outcomes: int, horizons: int, first: int, n: int) -> None:
        self.first, self.n = first, n
        self.shape = (outcomes, horizons)
        self.open: dict[tuple[int, int], np.ndarray] = {}
        self.acc: dict[str, list[RiskAccumulator | None]] = {kind: [None] * contexts for kind in KINDS}
        self.pairs: dict[str, list[PairMoments | None]] = {kind: [None] * contexts for kind in KINDS[1:]}

    def store(self, kind: int, c: np.ndarray, trajectory: np.ndarray, values: np.ndarray, k: Any = slice(None)) -> None:
        """values[i] (K, H) -- or (H,) for one outcome k -- of trajectory[i] of context c[i]."""
        offset = trajectory - self.first
        block, slot = offset // BLOCK, offset % BLOCK
        for key in set(zip(c.tolist(), block.tolist(), strict=True)):
            if key not in self.open:
                length = min(BLOCK, self.n - key[1] * BLOCK)
                self.open[key] = np.zeros((3, length, *self.shape))
            rows = (c == key[0]) & (block == key[1])
            target = self.open[key][kind]
            if isinstance(k, slice):
                target[slot[rows]] = values[rows]
            else:
                target[slot[rows], k[rows]] = values[rows]

    def close_through(self, last: tuple[int, int]) -> None:
        """Moments of every open block up to ``last`` (context, block), merged in order."""
        for key in sorted(self.open):
            if key > last:
                break
            values = self.open.pop(key)
            lo = self.first + key[1] * BLOCK
            per_trajectory = np.moveaxis(values, 1, -1)  # (3, K, H, trajectories)
            for j, kind in enumerate(KINDS):
                part = RiskAccumulator.from_values(per_trajectory[j], ((lo, lo + values.shape[1]),))
                old = self.acc[kind][key[0]]
                self.acc[kind][key[0]] = part if old is None else old.merge(part)
                if j:
                    pair = PairMoments.from_values(per_trajectory[0], per_trajectory[j])
                    old_pair = self.pairs[kind][key[0]]
                    self.pairs[kind][key[0]] = pair if old_pair is None else old_pair.merge(pair)


def _waves(units: list[tuple[int, list[int]]], first: int, n: int, batch: int) -> Any:
    """Batches of (context index, role, trajectory) in the order context, block, role, trajectory,
    each with the last (context, block) whose units have all been handed out."""
    parts: list[tuple[int, int, int, int]] = []
    size = 0
    for c, roles in units:
        for b, lo in enumerate(range(first, first + n, BLOCK)):
            hi = min(first + n, lo + BLOCK)
            for r, role in enumerate(roles):
                start = lo
                while start < hi:
                    take = min(hi - start, batch - size)
                    parts.append((c, role, start, start + take))
                    size += take
                    start += take
                    if size == batch:
                        done = (c, b) if (start == hi and r == len(roles) - 1) else (c, b - 1)
                        yield parts, done
                        parts, size = [], 0
    if parts:
        yield parts, (-1, -1)  # the rest closes at the end


class _Driver:
    """Runs waves of rows through the model and the step kernel. The row states (alive, mc, scope,
    reach, elapsed) live where the model's rows do: NumPy arrays for host rows, CuPy arrays (and the
    cuda step kernel) for device rows; only per-row tokens and flags come back to the host each step."""

    def __init__(
        self,
        model: Any,
        backend: str,
        blocks: _Blocks,
        tables: Any,
        horizons: np.ndarray,
        budget: int,
        seed: int,
        coupled: bool,
        logits: bool,
        excluded: np.ndarray,
    ) -> None:
        self.model, self.blocks, self.make_tables = model, blocks, tables
        self.tables: _Tables | None = None  # built from the vocabulary of the first rows
        self.horizons, self.budget, self.seed, self.coupled, self.logits = horizons, budget, seed, coupled, logits
        self.excluded = excluded
        self.vocabulary: int | None = None
        self.steps = 0
        # device rows go to the cuda kernel unless a host backend was asked for (then they are copied)
        self.device_ok = backend in ("auto", "cuda") and backends()["cuda"].available
        name = resolve(backend)
        self.host_kernel = implementation("sequence_step", resolve("cpu") if name == "cuda" else name)
        self.xp: Any = None  # numpy or cupy, fixed by the first rows
        self.device_tables: tuple[Any, ...] = ()

    def _rows(self, rows: Any) -> Any:
        probs = _model_rows(rows, self.vocabulary, self.device_ok)
        on_device = not isinstance(probs, np.ndarray)
        if self.vocabulary is None:
            self.vocabulary = probs.shape[1]
            self.tables = self.make_tables(self.vocabulary)
            tb = self.tables
            host = (tb.bits, tb.chunk_bits, tb.offsets, tb.tokens, tb.is_end, tb.duration, self.horizons)
            if on_device:
                import cupy

                self.xp, self.kernel = cupy, implementation("sequence_step", "cuda")
                self.device_tables = tuple(cupy.asarray(a) for a in host)
            else:
                self.xp, self.kernel, self.device_tables = np, self.host_kernel, host
        if on_device != (self.xp is not np):
            raise ValueError("the model must return its rows on the same device at every step (host or GPU)")
        return probs

    def _host(self, a: Any) -> np.ndarray:
        return a if self.xp is np else self.xp.asnumpy(a)

    def _finish(self, rows: np.ndarray, c, traj, role, alive, mc, scope, reach) -> None:
        own = rows[role[rows] == 0]
        if own.size:
            self.blocks.store(0, c[own], traj[own], self._host(mc[own]))
            self.blocks.store(1, c[own], traj[own], self._host(scope[own]))
            if self.coupled:
                b, k = np.nonzero(self._host(alive[own]))
                self.blocks.store(2, c[own[b]], traj[own[b]], self._host(reach[own[b], k]), k)
        masked = rows[role[rows] > 0]
        if masked.size:
            k = role[masked].astype(np.int64) - 1
            self.blocks.store(2, c[masked], traj[masked], self._host(reach[masked, k]), k)

    def wave(self, contexts: np.ndarray, c: np.ndarray, role: np.ndarray, traj: np.ndarray) -> None:
        B, K, H = traj.size, self.excluded.shape[1], self.horizons.size
        ctx = contexts[c]
        probs = self._rows(self.model.start(ctx.copy()))
        xp, tb = self.xp, self.tables
        alive = xp.asarray(((role == 0)[:, None] & ~self.excluded[c]).astype(np.uint8))
        mc, scope, reach = (xp.zeros((B, K, H)) for _ in range(3))
        elapsed = xp.zeros(B)
        horizon_max = self.horizons.max()
        for t in range(self.budget):
            if probs.shape[0] != traj.size:
                raise ValueError(f"the model returned {probs.shape[0]} rows for {traj.size} live trajectories")
            before = self._host(elapsed).copy() if self.coupled else None
            ids = (ctx, traj, role) if xp is np else (xp.asarray(ctx), xp.asarray(traj), xp.asarray(role))
            out = self.kernel(
                probs,
                self.logits,
                *self.device_tables,
                self.seed,
                self.coupled,
                t,
                *ids,
                alive,
                mc,
                scope,
                reach,
                elapsed,
            )
            tokens, fork, done, bad = out if xp is np else (self._host(a) for a in out)
            self._check(bad, probs, t)
            done = done.view(np.bool_)  # the kernel writes 0 / 1: no copy
            self.steps += traj.size
            if t + 1 == self.budget:
                done[:] = True
            fb, fk = np.nonzero(fork > -1) if self.coupled else (np.zeros(0, np.int64),) * 2
            if self.coupled:  # fork == -2: only outcome tokens were left, REACH is settled at the hit
                sb, sk = np.nonzero(fork == -2)
                if sb.size:
                    self.blocks.store(2, c[sb], traj[sb], self._host(reach[sb, sk]), sk)
            finished = np.flatnonzero(done)
            if finished.size:
                self._finish(finished, c, traj, role, alive, mc, scope, reach)
            live_f = np.zeros(0, np.int64)
            if fb.size:
                fork_tokens = fork[fb, fk]
                f_elapsed = before[fb] + tb.duration[fork_tokens]
                f_done = (tb.is_end[fork_tokens] != 0) | ~(f_elapsed < horizon_max) | (t + 1 == self.budget)
                gone = np.nonzero(f_done)[0]
                if gone.size:
                    self.blocks.store(2, c[fb[gone]], traj[fb[gone]], self._host(reach[fb[gone], fk[gone]]), fk[gone])
                live_f = np.nonzero(~f_done)[0]
            keep = np.flatnonzero(~done) if finished.size else None
            if keep is not None and keep.size + live_f.size == 0:
                return
            if keep is not None or live_f.size:  # no row finished and no fork: the state is unchanged
                keep = np.arange(traj.size) if keep is None else keep
                rows = np.concatenate([keep, fb[live_f]])
                self.model.select(rows)
                c, traj, ctx, role = c[rows], traj[rows], ctx[rows], role[rows]
                at = rows if xp is np else xp.asarray(rows)
                alive, mc, scope, reach, elapsed = alive[at], mc[at], scope[at], reach[at], elapsed[at]
                tokens = tokens[rows]
                if live_f.size:
                    n_keep = keep.size
                    role[n_keep:] = fk[live_f] + 1
                    alive[n_keep:] = 0
                    elapsed[n_keep:] = xp.asarray(f_elapsed[live_f])
                    tokens[n_keep:] = fork_tokens[live_f]
            probs = self._rows(self.model.step(tokens))

    def _check(self, bad: np.ndarray, probs: Any, t: int) -> None:
        if bad.size == 0 or bad.max() < 0:
            return
        rows = np.flatnonzero(bad >= 0)
        b, v = int(rows[0]), int(bad[rows[0]])
        if v == probs.shape[1]:
            raise ValueError(f"the model's probabilities sum to 0 (or overflow) in row {b} at step {t}")
        rule = "finite or -inf (logits)" if self.logits else "finite and >= 0"
        raise ValueError(
            f"the model's {'logits' if self.logits else 'probabilities'} must be {rule}: {rows.size} row(s) are not "
            f"at step {t}, the first at index ({b}, {v}) (value {float(probs[b, v])})"
        )


def _progress(progress: bool | None, total: int) -> Any:
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="traj", desc="simulate_sequence_risk")


def _result(
    blocks: _Blocks,
    chosen: tuple[str, ...],
    excluded: np.ndarray,
    squeeze: tuple[bool, bool, bool],
    confidence: float,
    steps: int,
    seconds: float,
    ranges: tuple[tuple[int, int], ...],
) -> SimulationResult:
    C, (K, H) = excluded.shape[0], blocks.shape
    key = tuple(0 if s else slice(None) for s in squeeze)
    estimates: dict[str, RiskEstimate | None] = {}
    for kind in KINDS:
        if kind not in chosen:
            estimates[kind] = None
            continue
        count, mean, m2 = np.zeros((C, K, H)), np.full((C, K, H), np.nan), np.full((C, K, H), np.nan)
        for c, acc in enumerate(blocks.acc[kind]):
            if acc is not None:
                count[c], mean[c], m2[c] = acc.count, acc.mean, acc.m2
        count[excluded], mean[excluded], m2[excluded] = 0, np.nan, np.nan
        estimates[kind] = RiskEstimate.from_accumulator(RiskAccumulator(count, mean, m2, ranges), kind, confidence)[key]
    pairs = {}
    for kind in ("scope", "reach"):
        if kind in chosen and "mc" in chosen:
            shift, sums = np.zeros((C, K, H, 2)), np.zeros((C, K, H, ORDER, ORDER))
            for c, pair in enumerate(blocks.pairs[kind]):
                if pair is not None and not excluded[c].all():
                    shift[c], sums[c] = pair.shift, pair.sums
            sums[excluded] = 0.0
            pairs[kind] = PairMoments(shift, sums)[key]
    return with_efficiency(estimates, steps, seconds, pairs)


def simulate_sequence_risk(
    model: SequenceModel,
    contexts: ArrayLike,
    *,
    outcome_tokens: Any,
    end_tokens: Any,
    max_new_tokens: int,
    n_trajectories: int,
    token_durations: ArrayLike | None = None,
    horizons: ArrayLike | None = None,
    estimators: Sequence[str] = KINDS,
    coupled: bool = False,
    batch_size: int = 4096,
    seed: int = 0,
    confidence: float = 0.95,
    logits: bool = False,
    histories: Sequence[Sequence[int]] | None = None,
    first_trajectory: int = 0,
    progress: bool | None = None,
    backend: str = "auto",
) -> SimulationResult:
    r"""Risk of outcome tokens within a token budget (and time horizons) for each context, by MC,
    SCOPE and REACH, with the model in the loop.

    Parameters
    ----------
    model : SequenceModel -- ``start`` / ``step`` / ``select`` (see the protocol)
    contexts : int or int array (C,) -- context ids passed to ``model.start``
    outcome_tokens : token id, a set of ids (one outcome), or a sequence of K sets (K outcomes)
    end_tokens : token id or ids that end a trajectory (may be empty)
    max_new_tokens : int >= 1 -- the token budget per trajectory
    n_trajectories : int >= 1 -- per context (and per REACH pool)
    token_durations : float array (V,) >= 0, optional -- time each token advances the clock
        (default 1 per token when ``horizons`` are given)
    horizons : float or float array (H,) > 0, optional -- every horizon is estimated in the same pass
    estimators : subset of ("mc", "scope", "reach")
    coupled : REACH by the M1 -> M2 fork of the model's own trajectories instead of its own pool
    batch_size : rows per model call (does not change the results)
    seed : int in [0, 2**64) -- with (context, trajectory, step) it fixes every draw (Philox4x64-10)
    logits : the model returns logits (a softmax is taken in the kernel)
    histories : per context, the tokens already in its history; an outcome already there is excluded
        for that context (its estimates are NaN with n = 0)
    first_trajectory : offset of the trajectory range (shards [a, b) and [b, c) merge exactly)
    progress : tqdm progress bar (default: when tqdm is installed and stderr is a terminal)
    backend : "auto", "cuda", "cpu" or "numba" -- where the step kernel runs (the model runs where it
        is): device rows go to the cuda kernel under "auto" / "cuda" (and are copied to the host for
        "cpu" / "numba"); host rows run on the CPU (cpu, else numba)

    Returns
    -------
    SimulationResult; each RiskEstimate has shape (C, K, H) without the axes given as scalars (a
    scalar context, a single outcome set, a scalar or absent horizon)

    >>> import numpy as np
    >>> class Chain:  # a Markov chain as a sequence model: tokens are states
    ...     P = np.array([[0.6, 0.25, 0.05, 0.02, 0.08], [0.2, 0.5, 0.2, 0.05, 0.05],
    ...                   [0.1, 0.2, 0.4, 0.25, 0.05], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]])
    ...     def start(self, contexts): self.s = np.asarray(contexts); return self.P[self.s]
    ...     def step(self, tokens): self.s = tokens; return self.P[tokens]
    ...     def select(self, rows): self.s = self.s[rows]
    >>> r = simulate_sequence_risk(Chain(), 0, outcome_tokens=3, end_tokens=4, max_new_tokens=20,
    ...                            n_trajectories=4000, seed=1)
    >>> bool(abs(r.reach.estimate - 0.465864) < 4 * r.reach.se), r.reach.estimate.shape
    (True, ())
    """
    for method in ("start", "step", "select"):
        if not callable(getattr(model, method, None)):
            raise TypeError(f"model must have start, step and select methods (the SequenceModel protocol); no {method}")
    ctx = np.asarray(contexts)
    scalar_context = ctx.ndim == 0
    if ctx.dtype.kind not in "iu" or ctx.ndim > 1:
        raise TypeError(f"contexts must be an int or a 1-d int array, got {ctx.dtype} of shape {ctx.shape}")
    ctx = np.atleast_1d(ctx).astype(np.int64)
    if ctx.size == 0:
        raise ValueError("contexts is empty")
    outcomes, single_outcome = _outcomes(outcome_tokens)
    end = _token_set(end_tokens, "end_tokens") if np.size(end_tokens) else np.zeros(0, np.int64)
    budget = _validate.integer(max_new_tokens, "max_new_tokens", low=1)
    n = _validate.integer(n_trajectories, "n_trajectories", low=1)
    first = _validate.integer(first_trajectory, "first_trajectory", low=0, high=2**63 - 1 - n)
    batch = _validate.integer(batch_size, "batch_size", low=1)
    seed = _validate.seed(seed)
    confidence = _validate.probability(confidence, "confidence")
    chosen = tuple(
        _validate.choice(e, "estimators", KINDS) for e in ((estimators,) if isinstance(estimators, str) else estimators)
    )
    if not chosen:
        raise ValueError(f"estimators must be a non-empty subset of {KINDS}, got ()")
    timed = horizons is not None
    scalar_horizon = not timed or np.ndim(horizons) == 0
    hz = (
        np.array([np.inf])
        if not timed
        else np.atleast_1d(
            _validate.real_array(horizons, "horizons", ndim=(0, 1), allow_nan=False, low=0, interval="(]")
        )
    ).astype(np.float64)
    if hz.size == 0:
        raise ValueError("horizons is empty")
    _validate.limit("n_trajectories * contexts", n * ctx.size, MAX_TRAJECTORIES, "shard the run (first_trajectory)")
    K, H, C = len(outcomes), hz.size, ctx.size
    excluded = np.zeros((C, K), dtype=bool)
    if histories is not None:
        if len(histories) != C:
            raise ValueError(f"histories must hold one token sequence per context ({C}), got {len(histories)}")
        for c, history in enumerate(histories):
            seen = _token_set(history, f"histories[{c}]") if np.size(history) else np.zeros(0, np.int64)
            excluded[c] = [np.isin(o, seen).any() for o in outcomes]
    want_reach = "reach" in chosen
    own_pool = "mc" in chosen or "scope" in chosen or (want_reach and coupled)
    units = []  # per context, the roles of its pools: 0 the model itself, 1 + k the O_k-masked model
    for c in range(C):
        roles = [0] if own_pool and not excluded[c].all() else []
        if want_reach and not coupled:
            roles += [1 + k for k in range(K) if not excluded[c, k]]
        if roles:
            units.append((c, roles))
    blocks = _Blocks(C, K, H, first, n)

    def tables(vocabulary: int) -> _Tables:
        return _tables(vocabulary, outcomes, end, token_durations, timed)

    driver = _Driver(model, backend, blocks, tables, hz, budget, seed, coupled, logits, excluded)
    total = sum(len(roles) for _, roles in units) * n
    bar = _progress(progress, total)
    began = time.perf_counter()
    for parts, closed in _waves(units, first, n, batch):
        c = np.concatenate([np.full(hi - lo, ci, np.int64) for ci, _, lo, hi in parts])
        role = np.concatenate([np.full(hi - lo, r, np.int8) for _, r, lo, hi in parts])
        traj = np.concatenate([np.arange(lo, hi, dtype=np.int64) for _, _, lo, hi in parts])
        driver.wave(ctx, c, role, traj)
        blocks.close_through(closed)
        if bar is not None:
            bar.update(traj.size)
    if bar is not None:
        bar.close()
    blocks.close_through((C, 0))
    squeeze = (scalar_context, single_outcome, scalar_horizon)
    ranges = ((first, first + n),)
    return _result(blocks, chosen, excluded, squeeze, confidence, driver.steps, time.perf_counter() - began, ranges)
