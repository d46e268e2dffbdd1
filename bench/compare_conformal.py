"""Batch-mean conformal bound: riskcore's exact DP versus the reference approach, in one process.

Also the width table of issue 12: average 90% upper bounds on the batch mean per method next to the
oracle quantile of the batch mean, for three score laws and three (n, m).

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
    _, t_law = timed(lambda: conformal.slot_sum_quantile(n, m, 1 - alpha))  # the law, cached per (n, m)
    print(f"  exact slot-sum law and t* (once per (n, m), cached; not in the DP times below): {t_law:.3f} s")
    threads = riskcore.get_num_threads()
    riskcore.set_num_threads(1)
    exact, t1 = timed(lambda: conformal.batch_mean_bound(scores, m, alpha, bounds=(0, 1), method="dp", backend="cpu"))
    riskcore.set_num_threads(threads)
    _, t_all = timed(lambda: conformal.batch_mean_bound(scores, m, alpha, bounds=(0, 1), method="dp", backend="cpu"))
    rows += [("riskcore cpu, 1 thread", t1, exact), (f"riskcore cpu, {threads} threads", t_all, exact)]
    conformal.batch_mean_bound(scores[:50], 3, alpha, bounds=(0, 1), method="dp", backend="numba")  # JIT warm-up
    rows.append(
        (
            "riskcore numba",
            *timed(lambda: conformal.batch_mean_bound(scores, m, alpha, bounds=(0, 1), method="dp", backend="numba"))[
                ::-1
            ],
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
    print(
        f"  DP ratio: the NumPy DP takes {t_vec / t_all:.0f}x riskcore's time "
        f"(bounds equal: {abs(vec - exact) < 1e-12})"
    )
    if run_reference:
        print(
            f"  DP ratio: the reference port takes {t_ref / t_all:.0f}x riskcore's time; its bound is "
            f"{'below' if ref < exact else 'above'} the exact one (its t* comes from independent slots)"
        )


def dp_laws(n: int, m: int, alpha: float) -> None:
    """The exact rank-sum DP's time per score law (best of 3, all threads) and the ratio to the NumPy DP
    (one run each): skewed laws are where the Lagrangian bound is loose and the coarse bound works."""
    laws = {
        "beta(2,5)": lambda r: r.beta(2, 5, size=n),
        "beta(.5,3)": lambda r: r.beta(0.5, 3, size=n),
        "uniform": lambda r: r.uniform(size=n),
        "exp(.2) clipped at 1": lambda r: np.minimum(r.exponential(0.2, size=n), 1.0),
    }
    print(f"\nExact rank-sum DP per score law, n={n}, m={m}, alpha={alpha}, bounds (0, 1) (best of 3):")
    for law, draw in laws.items():
        scores = draw(np.random.default_rng(3))
        times = []
        for _ in range(3):
            exact, seconds = timed(
                lambda s=scores: conformal.batch_mean_bound(s, m, alpha, bounds=(0, 1), method="dp", backend="cpu")
            )
            times.append(seconds)
        vec, t_vec = timed(lambda s=scores: numpy_vectorised_bound(s, m, alpha, 1.0))
        print(
            f"  {law:22s} riskcore cpu {min(times):7.3f} s   NumPy DP {t_vec:7.2f} s   "
            f"ratio {t_vec / min(times):6.0f}x   (bounds equal: {abs(vec - exact) < 1e-12})"
        )


def batched_case(problems: int, n: int, m: int, alpha: float, rng) -> None:
    cal = rng.beta(2, 5, size=(problems, n))
    print(f"\n{problems} problems of n={n}, m={m} in one batched call")
    conformal.batch_mean_bound(cal[:2, :50], 3, alpha, bounds=(0, 1), method="dp", backend="numba")
    cpu, t_cpu = timed(lambda: conformal.batch_mean_bound(cal, m, alpha, bounds=(0, 1), method="dp", backend="cpu"))
    nb, t_nb = timed(lambda: conformal.batch_mean_bound(cal, m, alpha, bounds=(0, 1), method="dp", backend="numba"))
    assert np.array_equal(cpu, nb)
    print(f"  riskcore cpu    {t_cpu:8.3f} s")
    print(f"  riskcore numba  {t_nb:8.3f} s  ({t_nb / t_cpu:.1f}x cpu); identical bounds")


WIDTH_LAWS = {"beta(2,5)": (2.0, 5.0), "beta(.5,3)": (0.5, 3.0), "uniform": (1.0, 1.0)}
WIDTH_SIZES = [(40, 8), (200, 20), (2000, 100)]


def width_table(seeds: int, alpha: float = 0.1) -> None:
    """Average upper bounds over ``seeds`` data sets per method, and the oracle (1 - alpha) quantile of
    the batch mean (20,000 Monte Carlo batches)."""
    print(f"\nAverage {1 - alpha:.0%} upper bounds on the batch mean ({seeds} seeds, bounds (0, 1)); n/m =", end=" ")
    print(" / ".join(f"({n},{m})" for n, m in WIDTH_SIZES))
    methods = {
        "rank-sum": {"method": "dp"},
        "quantile": {"method": "dp", "ordering": "quantile"},
        "partition": {"method": "partition"},
        "auto": {},
    }
    print(f"  {'law':11s} {'oracle':>20s} " + " ".join(f"{name:>20s}" for name in methods))
    for law, (p, q) in WIDTH_LAWS.items():
        rng = np.random.default_rng(1)
        oracle = [np.quantile(rng.beta(p, q, size=(20_000, m)).mean(axis=1), 1 - alpha) for _, m in WIDTH_SIZES]
        cells = []
        for kwargs in methods.values():
            means = []
            for n, m in WIDTH_SIZES:
                data = np.random.default_rng(2)
                bounds = [
                    float(
                        conformal.batch_mean_bound(data.beta(p, q, size=n), m, alpha, bounds=(0, 1), seed=s, **kwargs)
                    )
                    for s in range(seeds)
                ]
                means.append(np.mean(bounds))
            cells.append(" / ".join(f"{x:.3f}" for x in means))
        print(f"  {law:11s} {' / '.join(f'{x:.3f}' for x in oracle):>20s} " + " ".join(f"{c:>20s}" for c in cells))


def acceptance(seeds: int, coverage_reps: int, alpha: float = 0.1) -> None:
    """Issue 12's acceptance: the default method on beta(.5,3) scores, bounds (0, 1): the average bound over
    ``seeds`` data sets and the coverage of the batch mean over ``coverage_reps`` (data set, test batch)
    draws, with its standard error."""
    print(f"\nDefault method (method='auto'), beta(.5,3) scores, alpha={alpha}, bounds (0, 1):")
    for n, m, target in [(2000, 100, 0.19), (200, 20, 0.23)]:
        rng = np.random.default_rng(12)
        bounds, covered, method = [], 0, None
        for s in range(max(seeds, coverage_reps)):
            cal, test = rng.beta(0.5, 3, size=n), rng.beta(0.5, 3, size=m)
            b = conformal.batch_mean_bound(cal, m, alpha, bounds=(0, 1), seed=s)
            method = b.method
            if s < seeds:
                bounds.append(float(b))
            if s < coverage_reps:
                covered += test.mean() <= b
        cov = covered / coverage_reps
        se = np.sqrt(alpha * (1 - alpha) / coverage_reps)
        print(
            f"  n={n:5d} m={m:3d} ({method}): average bound {np.mean(bounds):.4f} over {seeds} seeds "
            f"(target <= {target}), coverage {cov:.4f} over {coverage_reps} draws "
            f"(>= 1 - alpha - 3 se = {1 - alpha - 3 * se:.4f}: {cov >= 1 - alpha - 3 * se})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the reference port at n=2000 (about a minute)")
    parser.add_argument("--seeds", type=int, default=20, help="data sets per cell of the width table")
    parser.add_argument("--acceptance-seeds", type=int, default=100, help="data sets of the acceptance rows")
    parser.add_argument("--coverage-reps", type=int, default=2000, help="draws of the acceptance coverage")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    single_case(200, 40, 0.1, True, rng)
    single_case(2000, 100, 0.1, not args.quick, rng)
    dp_laws(2000, 100, 0.1)
    batched_case(1000, 500, 20, 0.1, rng)
    width_table(args.seeds)
    acceptance(args.acceptance_seeds, args.coverage_reps)


if __name__ == "__main__":
    main()
