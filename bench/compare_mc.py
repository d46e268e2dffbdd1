"""Outcome-risk simulation: riskcore's backends versus a vectorised NumPy simulator, in one process.

Prints trajectories x steps per second for each, and the per-sample variance ratio (MC samples each
SCOPE / REACH sample is worth) on the worked chain of the spec and on a 1,000-state sparse chain.

    python bench/compare_mc.py [--trajectories 200000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import riskcore
from riskcore import mc
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
    args = parser.parse_args()
    run("worked chain (spec)", WORKED, 20, args.trajectories)
    run("sparse chain", sparse_chain(1000), 100, args.trajectories // 4)


if __name__ == "__main__":
    main()
