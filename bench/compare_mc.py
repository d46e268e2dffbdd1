"""Outcome-risk simulation: riskcore's backends versus a vectorised NumPy simulator, in one process.

Prints trajectories x steps per second for each, and the per-sample variance ratio (MC samples each
SCOPE / REACH sample is worth) on the worked chain of the spec and on a 1,000-state sparse chain; the
array estimators against one NumPy pass over the hazards; and the model-in-the-loop driver on a bigram
model (V = 1,000) against the same job written as a NumPy loop, with the driver's overhead over the
model's own time and its peak memory against the padded-array approach.

    python bench/compare_mc.py [--trajectories 200000] [--vocabulary 1000] [--batch 4096]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import riskcore
from riskcore import mc
from riskcore._bench import best_time
from riskcore._peers import WORKED_CHAIN as WORKED
from riskcore._peers import numpy_simulator, sparse_chain


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
    args = parser.parse_args()
    run("worked chain (spec)", WORKED, 20, args.trajectories)
    run("sparse chain", sparse_chain(1000), 100, args.trajectories // 4)
    run_arrays(args.trajectories, 100)
    run_driver(args.vocabulary, args.batch, 32)


# --------------------------------------------------------------------- model-in-the-loop driver
class BigramModel:
    """A random bigram language model over V tokens (float32 rows): the cheapest possible model, so
    the driver's own cost shows; ``seconds`` is the time spent inside start/step/select."""

    def __init__(self, vocabulary: int, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        table = rng.gamma(0.3, size=(vocabulary, vocabulary)) + 1e-3  # no subnormal float32 rows (slow on x86)
        table[:, OUTCOMES] *= 0.02
        table[:, ENDS] *= 0.05
        self.table = (table / table.sum(axis=1, keepdims=True)).astype(np.float32)
        self.last = np.zeros(0, dtype=np.int64)
        self.seconds = 0.0

    def _rows(self, tokens: np.ndarray) -> np.ndarray:
        began = time.perf_counter()
        self.last = np.asarray(tokens)
        rows = self.table[self.last]
        self.seconds += time.perf_counter() - began
        return rows

    def start(self, contexts: np.ndarray) -> np.ndarray:
        return self._rows(np.asarray(contexts) % self.table.shape[0])

    def step(self, tokens: np.ndarray) -> np.ndarray:
        return self._rows(tokens)

    def select(self, rows: np.ndarray) -> None:
        began = time.perf_counter()
        self.last = self.last[rows]
        self.seconds += time.perf_counter() - began


OUTCOMES, ENDS = list(range(10, 20)), list(range(20, 25))


def numpy_driver(model: BigramModel, n: int, budget: int, rng: np.random.Generator) -> tuple[float, float, float]:
    """The same job as a NumPy loop: MC and SCOPE on the model's trajectories, REACH on the masked ones
    (fixed batch, finished rows masked out; inverse-CDF sampling by cumulative sums)."""
    outcome = np.zeros(model.table.shape[0], dtype=bool)
    outcome[OUTCOMES] = True
    end = np.zeros_like(outcome)
    end[ENDS] = True
    results = []
    for masked in (False, True):
        probs = model.start(np.zeros(n, dtype=np.int64)).astype(np.float64)
        live = np.ones(n, dtype=bool)
        value = np.zeros(n)
        hit = np.zeros(n)
        for _ in range(budget):
            total = probs.sum(axis=1)
            h = probs[:, outcome].sum(axis=1) / total
            if masked:
                value = np.where(live, value + h * (1 - value), value)
                probs[:, outcome] = 0.0
            else:
                value += np.where(live, h, 0.0)
            cdf = np.cumsum(probs, axis=1)
            tokens = np.minimum((cdf < (rng.random(n) * cdf[:, -1])[:, None]).sum(axis=1), probs.shape[1] - 1)
            if not masked:
                hit = np.where(live & outcome[tokens], 1.0, hit)
                live &= ~outcome[tokens]
            live &= ~end[tokens]
            probs = model.step(tokens).astype(np.float64)
        results.append(value.mean())
    return hit.mean(), results[0], results[1]


def run_driver(vocabulary: int, batch: int, budget: int) -> None:
    import tracemalloc

    print(f"\nsimulate_sequence_risk, bigram model: V = {vocabulary}, {batch:,} trajectories per pool, {budget} tokens")
    kwargs = dict(outcome_tokens=OUTCOMES, end_tokens=ENDS, max_new_tokens=budget, n_trajectories=batch)
    rows = []
    for backend in ("cpu", "numba"):
        warm = {**kwargs, "n_trajectories": 64}
        mc.simulate_sequence_risk(BigramModel(vocabulary), 0, backend=backend, **warm)  # warm-up / JIT
        model = BigramModel(vocabulary)
        began = time.perf_counter()
        r = mc.simulate_sequence_risk(model, 0, batch_size=batch, backend=backend, **kwargs)
        seconds = time.perf_counter() - began
        rows.append((f"riskcore driver ({backend})", seconds, model.seconds, r))
    model = BigramModel(vocabulary)
    began = time.perf_counter()
    numpy_driver(model, batch, budget, np.random.default_rng(0))
    rows.append(("NumPy loop (same job)", time.perf_counter() - began, model.seconds, None))
    numpy_seconds = rows[-1][1]
    for label, seconds, model_seconds, _ in rows:
        overhead = (seconds - model_seconds) / model_seconds
        print(
            f"  {label:28s} {seconds:7.3f} s  {2 * batch / seconds:10,.0f} trajectories/s  "
            f"{numpy_seconds / seconds:5.1f} x NumPy  driver overhead over the model's own time {overhead:6.0%}"
        )
    model = BigramModel(vocabulary)
    block = model.start(np.zeros(batch, dtype=np.int64))
    tokens = np.random.default_rng(1).integers(0, vocabulary, batch)
    step_s = best_time(lambda: model.step(tokens), 5)
    pass_s = best_time(block.sum, 5)
    print(
        f"  the model's step at B = {batch:,}: {1e3 * step_s:.2f} ms; one NumPy pass over its rows (block.sum()) "
        f"{1e3 * pass_s:.2f} ms = {pass_s / step_s:.0%} of it: the floor of any step kernel, which reads every row once"
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
    padded = batch * budget * 8 * 2  # hazards (N, T) float64 of both pools, before any estimator runs
    print(
        f"  peak memory {peak / 1e6:.1f} MB (the model's rows included) for any number of contexts; the padded "
        f"(contexts, N, T, K) hazards of this job take {padded / 1e6:.1f} MB per context and outcome, "
        f"{1000 * 3 * padded / 1e9:.1f} GB for 1,000 contexts x 3 outcomes"
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
