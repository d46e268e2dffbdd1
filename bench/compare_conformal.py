"""Batch-mean conformal bound: riskcore's exact DP versus the reference approach, in one process.

Reference approach (the authors' published code, ported to Python/NumPy): the slot-sum quantile from
20,000 Monte Carlo draws of *independent* slots (not the exact law) and the DP as loops over the
count and the slot sum with the max over slots vectorised. Also: a NumPy DP vectorised over the
slot-sum axis, riskcore's Numba backend, and the O(n) Lagrangian relaxation (how much wider).

    python bench/compare_conformal.py            # n=200/m=40, n=2000/m=100, 1000 x (n=500, m=20)
    python bench/compare_conformal.py --quick    # skip the slow reference at n=2000
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import riskcore
from riskcore import conformal
from riskcore._peers import numpy_vectorised_bound, reference_bound


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def single_case(n: int, m: int, alpha: float, run_reference: bool, rng) -> None:
    scores = rng.beta(2, 5, size=n)
    print(f"\nn={n}, m={m}, alpha={alpha} (scores ~ beta(2,5), bounds (0, 1))")
    rows = []
    threads = riskcore.get_num_threads()
    riskcore.set_num_threads(1)
    exact, t1 = timed(lambda: conformal.batch_mean_bound(scores, m, alpha, bounds=(0, 1), backend="cpu"))
    riskcore.set_num_threads(threads)
    _, t_all = timed(lambda: conformal.batch_mean_bound(scores, m, alpha, bounds=(0, 1), backend="cpu"))
    rows += [("riskcore cpu, 1 thread", t1, exact), (f"riskcore cpu, {threads} threads", t_all, exact)]
    conformal.batch_mean_bound(scores[:50], 3, alpha, bounds=(0, 1), backend="numba")  # JIT warm-up
    rows.append(
        (
            "riskcore numba",
            *timed(lambda: conformal.batch_mean_bound(scores, m, alpha, bounds=(0, 1), backend="numba"))[::-1],
        )
    )
    relaxed, t_relaxed = timed(lambda: conformal.batch_mean_bound_relaxed(scores, m, alpha, bounds=(0, 1)))
    rows.append(("riskcore Lagrangian relaxation", t_relaxed, relaxed))
    vec, t_vec = timed(lambda: numpy_vectorised_bound(scores, m, alpha, 1.0))
    rows.append(("NumPy DP vectorised over j", t_vec, vec))
    if run_reference:
        ref, t_ref = timed(lambda: reference_bound(scores, m, alpha, 1.0, np.random.default_rng(0)))
        rows.append(("reference port (MC t*, loops)", t_ref, ref))
    for label, seconds, bound in rows:
        print(f"  {label:32s} {seconds:9.3f} s  {seconds / t_all:8.1f} x   bound {bound:.6f}")
    print(f"  relaxation is {relaxed - exact:.2e} wider than the exact bound ({(relaxed - exact) / exact:.2%})")
    if run_reference:
        print(
            f"  -> riskcore is {t_ref / t_all:.0f}x faster than the reference port; the reference's bound is "
            f"{'below' if ref < exact else 'above'} the exact one (its t* comes from independent slots)"
        )


def batched_case(problems: int, n: int, m: int, alpha: float, rng) -> None:
    cal = rng.beta(2, 5, size=(problems, n))
    print(f"\n{problems} problems of n={n}, m={m} in one batched call")
    conformal.batch_mean_bound(cal[:2, :50], 3, alpha, bounds=(0, 1), backend="numba")
    cpu, t_cpu = timed(lambda: conformal.batch_mean_bound(cal, m, alpha, bounds=(0, 1), backend="cpu"))
    nb, t_nb = timed(lambda: conformal.batch_mean_bound(cal, m, alpha, bounds=(0, 1), backend="numba"))
    assert np.array_equal(cpu, nb)
    print(f"  riskcore cpu    {t_cpu:8.3f} s")
    print(f"  riskcore numba  {t_nb:8.3f} s  ({t_nb / t_cpu:.1f}x cpu); identical bounds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the reference port at n=2000 (about a minute)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    single_case(200, 40, 0.1, True, rng)
    single_case(2000, 100, 0.1, not args.quick, rng)
    batched_case(1000, 500, 20, 0.1, rng)


if __name__ == "__main__":
    main()
