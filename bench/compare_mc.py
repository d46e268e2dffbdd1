"""Outcome-risk simulation: riskcore's backends versus a vectorised NumPy simulator, in one process.

Prints trajectories x steps per second for each, and the per-sample variance ratio (MC samples each
SCOPE / REACH sample is worth) on the worked chain of the spec and on a 1,000-state sparse chain; the
array estimators against one NumPy pass over the hazards; and the model-in-the-loop driver on a bigram
model (V = 1,000) against the same job written as a NumPy loop, with the driver's overhead over the
model's own time (best of 5 runs; the terms are printed), the per-step floor (one pass over the rows)
next to the step kernel, and peak memory against the padded-array approach (both measured). On a
shared machine the times move a lot between runs: compare lines of one run.

    python bench/compare_mc.py [--trajectories 200000] [--vocabulary 1000] [--batch 4096] [--driver-only]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import riskcore
from riskcore import mc
from riskcore._bench import best_time
from riskcore._peers import WORKED_CHAIN as WORKED
from riskcore._peers import numpy_simulator, sparse_chain
from riskcore.mc import sequence


def run(name: str, P: np.ndarray, horizon: int, n: int) -> None:
    states = P.shape[0]
    outcome, end = [states - 2], [states - 1]
    exact = mc.exact_outcome_risk(P, 0, outcome, end, horizon)
    print(f"\n{name}: {states} states, horizon {horizon}, {n:,} trajectories, exact risk {exact:.6g}")
    rows = []
    threads = riskcore.get_num_threads()
    for backend, t in (("cpu", 1), ("cpu", threads), ("numba", threads)):
        riskcore.set_num_threads(t)
        mc.simulate_outcome_risk(P, 0, outcome, end, horizon, 1000, 0, backend=backend)  # warm-up / JIT
        start = time.perf_counter()
        r = mc.simulate_outcome_risk(P, 0, outcome, end, horizon, n, 1, backend=backend)
        rows.append((f"riskcore {backend}, {t} thread(s)", time.perf_counter() - start, r.steps))
    riskcore.set_num_threads(threads)
    start = time.perf_counter()
    _, steps = numpy_simulator(P, 0, outcome, end, horizon, n, np.random.default_rng(0))
    rows.append(("NumPy lockstep simulator (MC only)", time.perf_counter() - start, steps))
    base = rows[-1][2] / rows[-1][1]
    for label, seconds, steps in rows:
        rate = steps / seconds
        print(f"  {label:36s} {seconds:8.3f} s  {rate / 1e6:8.2f} M traj-steps/s  {rate / base:7.1f} x NumPy")
    print("  (riskcore's steps count both passes: the chain for MC/SCOPE and the masked chain for REACH)")
    for kind in ("mc", "scope", "reach"):
        e = getattr(r, kind)
        eff = "" if e.efficiency is None else f"  worth {e.efficiency:6.2f} MC samples each"
        print(f"  {kind:6s} {e.estimate:.6g} +- {e.se:.2g}  per-sample variance {e.variance:.4g}{eff}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trajectories", type=int, default=200_000)
    parser.add_argument("--vocabulary", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--driver-only", action="store_true", help="only the model-in-the-loop driver")
    args = parser.parse_args()
    if args.driver_only:
        run_driver(args.vocabulary, args.batch, 32)
        run_driver_gru(args.vocabulary, args.batch, 32)
        return
    run("worked chain (spec)", WORKED, 20, args.trajectories)
    run("sparse chain", sparse_chain(1000), 100, args.trajectories // 4)
    run_arrays(args.trajectories, 100)
    run_driver(args.vocabulary, args.batch, 32)
    run_driver_gru(args.vocabulary, args.batch, 32)


# --------------------------------------------------------------------- model-in-the-loop driver
class _TimedModel:
    """The SequenceModel protocol around a model's ``_step(tokens)`` (its next-token rows) and its
    ``state`` (an array whose rows follow the trajectories); ``seconds`` is the time spent inside
    start / step / select."""

    def __init__(self, vocabulary: int) -> None:
        self.vocabulary, self.seconds, self.state = vocabulary, 0.0, np.zeros(0)

    def _timed(self, fn, *args):
        began = time.perf_counter()
        out = fn(*args)
        self.seconds += time.perf_counter() - began
        return out

    def start(self, contexts: np.ndarray) -> np.ndarray:
        return self._timed(self._start, np.asarray(contexts) % self.vocabulary)

    def step(self, tokens: np.ndarray) -> np.ndarray:
        return self._timed(self._step, np.asarray(tokens))

    def select(self, rows: np.ndarray) -> None:
        self._timed(self._select, rows)

    def _select(self, rows: np.ndarray) -> None:
        self.state = self.state[rows]


class BigramModel(_TimedModel):
    """A random bigram language model over V tokens (float32 rows): the cheapest possible model, so
    the driver's own cost shows; its state is the last token."""

    def __init__(self, vocabulary: int, seed: int = 0) -> None:
        super().__init__(vocabulary)
        rng = np.random.default_rng(seed)
        table = rng.gamma(0.3, size=(vocabulary, vocabulary)) + 1e-3  # no subnormal float32 rows (slow on x86)
        table[:, OUTCOMES] *= 0.02
        table[:, ENDS] *= 0.05
        self.table = (table / table.sum(axis=1, keepdims=True)).astype(np.float32)

    def _step(self, tokens: np.ndarray) -> np.ndarray:
        self.state = tokens
        return self.table[tokens]

    _start = _step


OUTCOMES, ENDS = list(range(10, 20)), list(range(20, 25))


class GRUModel(_TimedModel):
    """A random GRU language model in NumPy (float32): embedding -> GRU cell (hidden H, the state) ->
    softmax over V tokens. Unlike the bigram's table lookup its step computes its rows (two (B, H) x
    (H, 3H) and one (B, H) x (H, V) product and a softmax), as any neural model does."""

    def __init__(self, vocabulary: int, hidden: int, seed: int = 0) -> None:
        super().__init__(vocabulary)
        rng = np.random.default_rng(seed)

        def weights(*shape: int) -> np.ndarray:
            return (rng.standard_normal(shape) / np.sqrt(shape[0])).astype(np.float32)

        self.embed, self.w_in, self.w_h, self.w_out = (
            weights(vocabulary, hidden), weights(hidden, 3 * hidden), weights(hidden, 3 * hidden),
            weights(hidden, vocabulary),
        )  # fmt: skip
        self.bias = np.zeros(vocabulary, np.float32)
        self.bias[OUTCOMES], self.bias[ENDS] = np.log(0.02), np.log(0.05)
        self.hidden = hidden

    def _start(self, tokens: np.ndarray) -> np.ndarray:
        self.state = np.zeros((len(tokens), self.hidden), np.float32)
        return self._step(tokens)

    def _step(self, tokens: np.ndarray) -> np.ndarray:
        H, state = self.hidden, self.state
        x, h = self.embed[tokens] @ self.w_in, state @ self.w_h
        z = 1 / (1 + np.exp(-(x[:, :H] + h[:, :H])))
        r = 1 / (1 + np.exp(-(x[:, H : 2 * H] + h[:, H : 2 * H])))
        self.state = (1 - z) * np.tanh(x[:, 2 * H :] + r * h[:, 2 * H :]) + z * state
        logits = self.state @ self.w_out + self.bias
        rows = np.exp(logits - logits.max(axis=1, keepdims=True))
        rows /= rows.sum(axis=1, keepdims=True)
        return rows


def numpy_driver(
    model: BigramModel, n: int, budget: int, rng: np.random.Generator, record: bool = False
) -> tuple[float, float, float] | tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same job as a NumPy loop: MC and SCOPE on the model's trajectories, REACH on the masked ones
    (fixed batch, finished rows masked out; inverse-CDF sampling by cumulative sums). With ``record``
    it keeps the padded (N, T) hazards of both pools and the first hits instead (the padded-array
    approach: the arrays the array estimators take)."""
    outcome = np.zeros(model.table.shape[0], dtype=bool)
    outcome[OUTCOMES] = True
    end = np.zeros_like(outcome)
    end[ENDS] = True
    results, padded = [], []
    first_hit = np.full(n, -1)
    for masked in (False, True):
        probs = model.start(np.zeros(n, dtype=np.int64)).astype(np.float64)
        live = np.ones(n, dtype=bool)
        value = np.zeros(n)
        hit = np.zeros(n)
        hazards = np.zeros((n, budget)) if record else None
        for t in range(budget):
            total = probs.sum(axis=1)
            h = probs[:, outcome].sum(axis=1) / total
            if record:
                hazards[:, t] = np.where(live, h, 0.0)
            if masked:
                value = np.where(live, value + h * (1 - value), value)
                probs[:, outcome] = 0.0
            else:
                value += np.where(live, h, 0.0)
            cdf = np.cumsum(probs, axis=1)
            tokens = np.minimum((cdf < (rng.random(n) * cdf[:, -1])[:, None]).sum(axis=1), probs.shape[1] - 1)
            if not masked:
                hit = np.where(live & outcome[tokens], 1.0, hit)
                first_hit = np.where(live & outcome[tokens] & (first_hit < 0), t, first_hit)
                live &= ~outcome[tokens]
            live &= ~end[tokens]
            probs = model.step(tokens).astype(np.float64)
        results.append(value.mean())
        padded.append(hazards)
    if record:
        return padded[0], padded[1], first_hit
    return hit.mean(), results[0], results[1]


def _best_run(backend: str, make_model, batch: int, kwargs: dict, repeats: int):
    """(total seconds, the model's own seconds in that run, result) of the fastest of ``repeats`` runs of
    a fresh ``make_model()``."""
    best = None
    for _ in range(repeats):
        model = make_model()
        began = time.perf_counter()
        r = mc.simulate_sequence_risk(model, 0, batch_size=batch, backend=backend, **kwargs)
        run = (time.perf_counter() - began, model.seconds, r)
        best = run if best is None or run[0] < best[0] else best
    return best


def _step_kernel_seconds(backend: str, vocabulary: int, batch: int) -> float:
    """Best time of the driver's step kernel on one (B, V) block of the model's rows (half the rows of
    each pool, as in the run: the model's own rows and the outcome-masked rows)."""
    from riskcore._backend import implementation

    model = BigramModel(vocabulary)
    block = model.step(np.random.default_rng(1).integers(0, vocabulary, batch))
    outcomes, _ = sequence._outcomes(OUTCOMES)
    tb = sequence._tables(vocabulary, outcomes, np.asarray(ENDS), None, False)
    kernel = implementation("sequence_step", backend)
    role = np.zeros(batch, np.int8)
    role[batch // 2 :] = 1
    ids = (np.zeros(batch, np.int64), np.arange(batch, dtype=np.int64), role)

    def call():
        state = (np.ones((batch, 1), np.uint8), *(np.zeros((batch, 1, 1)) for _ in range(3)), np.zeros(batch))
        kernel(block, False, tb.bits, tb.chunk_bits, tb.offsets, tb.tokens, tb.is_end, tb.duration, np.array([np.inf]),
               0, False, 3, *ids, *state)  # fmt: skip

    return best_time(call, 9)


def run_driver(vocabulary: int, batch: int, budget: int, repeats: int = 5) -> None:
    import tracemalloc

    threads = riskcore.get_num_threads()
    print(
        f"\nsimulate_sequence_risk, bigram model (an n-gram, n = 2): V = {vocabulary}, {batch:,} trajectories per pool "
        f"(the model's own and the outcome-masked pool for REACH), {budget} tokens, {threads} thread(s), "
        f"best of {repeats}"
    )
    print(
        "  fair terms: every line runs the same model object; 'the model's own time' is the wall time inside its\n"
        "  start / step / select calls in that same run (it returns fresh float32 (B, V) rows each step); the\n"
        "  driver's overhead is everything else (the step kernel reading the rows, sampling, bookkeeping, results)\n"
        "  over that time; the NumPy loop's overhead counts its float64 copy of the rows too"
    )
    kwargs = dict(outcome_tokens=OUTCOMES, end_tokens=ENDS, max_new_tokens=budget, n_trajectories=batch)
    rows = []
    for backend, t in (("cpu", threads), ("numba", threads), ("cpu", 1)):
        riskcore.set_num_threads(t)
        warm = {**kwargs, "n_trajectories": 64}
        mc.simulate_sequence_risk(BigramModel(vocabulary), 0, backend=backend, **warm)  # warm-up / JIT
        seconds, model_seconds, r = _best_run(backend, lambda: BigramModel(vocabulary), batch, kwargs, repeats)
        rows.append((f"riskcore driver ({backend}, {t} thr.)", seconds, model_seconds, r))
    riskcore.set_num_threads(threads)
    best = None
    for _ in range(max(1, repeats // 2)):
        model = BigramModel(vocabulary)
        began = time.perf_counter()
        numpy_driver(model, batch, budget, np.random.default_rng(0))
        run = (time.perf_counter() - began, model.seconds)
        best = run if best is None or run[0] < best[0] else best
    rows.append(("NumPy loop (same job)", *best, None))
    numpy_seconds = rows[-1][1]
    for label, seconds, model_seconds, _ in rows:
        overhead = (seconds - model_seconds) / model_seconds
        print(
            f"  {label:30s} {seconds:7.3f} s  {2 * batch / seconds:10,.0f} trajectories/s  "
            f"{numpy_seconds / seconds:5.1f} x NumPy  driver overhead over the model's own time {overhead:6.0%}"
        )
    print(f"  numba driver / cpu driver: {rows[1][1] / rows[0][1]:.1f} x the time")
    model = BigramModel(vocabulary)
    block = model.start(np.zeros(batch, dtype=np.int64))
    tokens = np.random.default_rng(1).integers(0, vocabulary, batch)
    step_s = best_time(lambda: model.step(tokens), 9)
    pass_s = best_time(block.sum, 9)
    with ThreadPoolExecutor(threads) as pool:  # NumPy's sum releases the GIL: one slice of rows per thread
        slices = np.array_split(block, threads)
        split_s = best_time(lambda: list(pool.map(np.sum, slices)), 9)
    kernel_s = {b: _step_kernel_seconds(b, vocabulary, batch) for b in ("cpu", "numba")}
    print(
        f"  per step at B = {batch:,}: the model's step {1e3 * step_s:.2f} ms; one NumPy pass over its rows "
        f"(block.sum()) {1e3 * pass_s:.2f} ms = {pass_s / step_s:.0%} of it, {1e3 * split_s:.2f} ms = "
        f"{split_s / step_s:.0%} split over {threads} threads -- the floor of any driver, which must "
        f"read every row once; the step kernel {1e3 * kernel_s['cpu']:.2f} ms on cpu "
        f"({kernel_s['cpu'] / step_s:.0%} of the step, {kernel_s['cpu'] / pass_s:.1f} x the pass), "
        f"{1e3 * kernel_s['numba']:.2f} ms on numba ({kernel_s['numba'] / kernel_s['cpu']:.1f} x cpu)"
    )
    r = rows[0][3]
    print(
        f"  MC {float(r.mc.estimate):.4f} +- {float(r.mc.se):.4f}, REACH {float(r.reach.estimate):.4f} +- "
        f"{float(r.reach.se):.4f} (worth {float(r.reach.efficiency):.1f} MC samples each)"
    )
    tracemalloc.start()
    mc.simulate_sequence_risk(BigramModel(vocabulary), 0, batch_size=batch, **kwargs)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tracemalloc.start()
    own, masked, first_hit = numpy_driver(BigramModel(vocabulary), batch, budget, np.random.default_rng(0), record=True)
    mc.scope_estimate(own[None], first_hit[None]), mc.reach_estimate(masked[None])
    padded_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    padded = own.nbytes + masked.nbytes  # hazards (N, T) float64 of both pools, before any estimator runs
    print(
        f"  peak memory (tracemalloc, the model's rows included): driver {peak / 1e6:.1f} MB for any number of "
        f"contexts and trajectories; the padded-array approach (NumPy loop keeping the (N, T) hazards, then "
        f"scope_estimate / reach_estimate) {padded_peak / 1e6:.1f} MB here, its hazards {padded / 1e6:.1f} MB per "
        f"context and outcome growing with N: {1000 * 3 * padded / 1e9:.1f} GB for 1,000 contexts x 3 outcomes"
    )


def run_driver_gru(vocabulary: int, batch: int, budget: int, hiddens: tuple[int, ...] = (64, 256)) -> None:
    """The driver's overhead over a model that computes its rows (GRUModel): the driver's cost per row
    is the bigram's, the model's grows with its size, so the overhead shrinks with it."""
    threads = riskcore.get_num_threads()
    print(
        f"\nsimulate_sequence_risk, GRU model (NumPy, float32; embedding, GRU cell, softmax): V = {vocabulary}, "
        f"{batch:,} trajectories per pool, {budget} tokens, cpu, {threads} thread(s), best of 3"
    )
    kwargs = dict(outcome_tokens=OUTCOMES, end_tokens=ENDS, max_new_tokens=budget, n_trajectories=batch)
    mc.simulate_sequence_risk(GRUModel(vocabulary, 8), 0, backend="cpu", **{**kwargs, "n_trajectories": 64})
    for hidden in hiddens:
        make = lambda hidden=hidden: GRUModel(vocabulary, hidden)  # noqa: E731
        seconds, model_seconds, r = _best_run("cpu", make, batch, kwargs, 3)
        overhead, per_row = (seconds - model_seconds) / model_seconds, (seconds - model_seconds) / r.steps
        print(
            f"  hidden {hidden:4d}: {seconds:7.3f} s, the model's own time {model_seconds:7.3f} s; "
            f"driver overhead over it {overhead:6.1%} ({1e9 * per_row:.0f} ns per row-step; "
            f"the model {1e9 * model_seconds / r.steps:.0f} ns)  MC {float(r.mc.estimate):.4f} +- "
            f"{float(r.mc.se):.4f}, REACH {float(r.reach.estimate):.4f} +- {float(r.reach.se):.4f}"
        )


def run_arrays(n: int, steps: int) -> None:
    """The array estimators against one NumPy pass over the same hazards (the floor)."""
    import tracemalloc

    rng = np.random.default_rng(0)
    h = rng.uniform(0, 0.01, size=(1, n, steps))
    hit = np.full((1, n), -1)
    print(f"\narray estimators on {h.size:,} hazards ({h.nbytes / 1e6:.0f} MB)")
    floor = min(_timed(h.sum) for _ in range(3))
    for backend in ("cpu", "numba"):
        mc.reach_estimate(h[:, :100], backend=backend)
        reach = min(_timed(lambda b=backend: mc.reach_estimate(h, backend=b)) for _ in range(3))
        scope = min(_timed(lambda b=backend: mc.scope_estimate(h, hit, backend=b)) for _ in range(3))
        print(
            f"  {backend:6s} reach {reach:.3f} s ({reach / floor:4.1f} x a NumPy pass)   "
            f"scope {scope:.3f} s ({scope / floor:4.1f} x)"
        )
    tracemalloc.start()
    mc.reach_estimate(h)
    print(
        f"  NumPy pass (h.sum()) {floor:.3f} s; reach_estimate's peak extra memory "
        f"{tracemalloc.get_traced_memory()[1] / 1e6:.2f} MB"
    )
    tracemalloc.stop()


def _timed(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


if __name__ == "__main__":
    main()
