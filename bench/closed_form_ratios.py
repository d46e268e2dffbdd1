"""Time per element of every elementwise closed-form CRPS as a ratio to ``crps_normal``'s (issue 13's
target: every closed form within 2x), in one run: float64, N = 1e6 by default, 2 threads.

Two parameter layouts, each against ``crps_normal`` in the same layout:

- ``arrays``: every parameter an array of N draws, around the bulk and into the tails;
- ``scalars``: only the observation is an array, every parameter a broadcast scalar.

Each time is the best of ``--repeat`` calls after a warm-up (the machine is shared: the best is the least
disturbed). ``kernel`` is the C++ kernel alone (``riskcore._core.crps_parametric`` on the flattened
arguments), ``python`` the rest of the public call (validation, broadcasting, result shaping); the
scores of other kernels (the integer laws' windows, log scores, gradients) have the total only.
``bench/compare_crps.py`` runs this table for cpu and numba after its ensemble cases.

    python bench/closed_form_ratios.py                     # all closed forms, cpu
    python bench/closed_form_ratios.py --only t,gev,truncated_normal,censored_normal
    python bench/closed_form_ratios.py --backend numba     # the Numba kernels (total time only)
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

import riskcore
from riskcore._bench import best_time

CrpsCall = tuple[Callable[..., object], tuple[object, ...], dict[str, object]]


def cases(n: int, layout: str, rng: np.random.Generator) -> dict[str, CrpsCall]:
    """name -> (public function, positional args, keyword args) on n observations."""
    y = rng.normal(size=n) * 3
    pos = np.abs(y) + 1e-3
    count = np.floor(pos * 3)
    if layout == "arrays":
        scale = np.exp(rng.normal(size=n) * 0.3)
        lo = rng.normal(size=n) - 1.0
        shape = rng.uniform(-0.4, 0.6, size=n)
        frac = pos / (1 + pos)
    else:
        scale, lo, shape, frac = 1.3, -1.0, 0.2, pos / (1 + pos)
    hi = lo + 4
    r = riskcore
    return {  # the elementwise scores that run on riskcore._core.crps_parametric, then the others
        "normal": (r.crps_normal, (y, 0.2, scale), {}),
        "logistic": (r.crps_logistic, (y, 0.2, scale), {}),
        "laplace": (r.crps_laplace, (y, 0.2, scale), {}),
        "lognormal": (r.crps_lognormal, (pos, 0.1, scale), {}),
        "gamma": (r.crps_gamma, (pos, 2.0, scale), {}),
        "t": (r.crps_t, (y, 5.0, 0.2, scale), {}),
        "gev": (r.crps_gev, (y, shape, 0.2, scale), {}),
        "truncated_normal": (r.crps_truncated_normal, (y, 0.2, scale, lo), {}),
        "censored_normal": (r.crps_censored_normal, (y, 0.2, scale, lo), {}),
        "gtcnormal": (r.crps_gtcnormal, (y, 0.2, scale, lo, hi, 0.1, 0.2), {}),
        "2pexponential": (r.crps_2pexponential, (y, scale, 2.0, 0.1), {}),
        "2pnormal": (r.crps_2pnormal, (y, scale, 2.0, 0.1), {}),
        "beta": (r.crps_beta, (frac, 2.0, 3.0), {}),
        "gpd": (r.crps_gpd, (pos, shape, 0.0, scale, 0.1), {}),
        "loglaplace": (r.crps_loglaplace, (pos, 0.1, 0.4), {}),
        "loglogistic": (r.crps_loglogistic, (pos, 0.1, 0.4), {}),
        "gtclogistic": (r.crps_gtclogistic, (y, 0.2, scale, lo, hi, 0.1, 0.2), {}),
        "gtct": (r.crps_gtct, (y, 5.0, 0.2, scale, lo, hi, 0.1, 0.2), {}),
        "poisson": (r.crps_poisson, (count, 3.0), {}),
        "csg0": (r.crps_csg0, (pos, 2.0, scale), {"shift": 0.4}),
        "exponentialM": (r.crps_exponentialM, (pos, 0.1, 0.0, scale), {}),
        "uniform (masses)": (r.crps_uniform, (y, -1.0, 2.0, 0.1, 0.2), {}),
        "binomial (n=20)": (r.crps_binomial, (count, 20, 0.3), {}),
        "negbinom": (r.crps_negbinom, (count, 2.0, 0.4), {}),
        "hypergeometric": (r.crps_hypergeometric, (count, 10, 12, 8), {}),
        "logs_normal": (r.logs_normal, (y, 0.2, scale), {}),
        "logs_tnormal": (r.logs_tnormal, (y, 0.2, scale, lo), {}),
        "crps_normal_grad": (r.crps_normal_grad, (y, 0.2, scale), {}),
        "crps_gev_grad": (r.crps_gev_grad, (y, shape, 0.2, scale), {}),
    }


def kernel_args(call: CrpsCall) -> list[tuple[str, list[np.ndarray]]]:
    """Every (name, flattened arguments) the public function hands the cpu kernel, recorded from one call
    (a gradient calls it once per parameter; empty for the scores computed by another kernel)."""
    from riskcore import _core

    fn, positional, keywords = call
    kernel, seen = _core.crps_parametric, []
    _core.crps_parametric = lambda name, args: seen.append((name, args)) or kernel(name, args)
    try:
        fn(*positional, **keywords, backend="cpu")
    finally:
        _core.crps_parametric = kernel
    return seen


def run(n: int, repeat: int, backend: str, only: list[str] | None) -> None:
    from riskcore import _core

    print(f"N={n:.0e} float64, backend {backend}, {riskcore.get_num_threads()} threads, best of {repeat}")
    for layout in ("arrays", "scalars"):
        todo = cases(n, layout, np.random.default_rng(1))
        base = {}
        print(f"\n[{layout}]  ns/element   (x crps_normal {layout})")
        head = f"  {'closed form':18s} {'total':>8s} {'ratio':>7s}"
        print(head + ("" if backend != "cpu" else f" {'kernel':>8s} {'ratio':>7s} {'python':>8s}"))
        for name, call in todo.items():
            if only and name not in only and name != "normal":
                continue
            fn, positional, keywords = call
            total = best_time(lambda fn=fn, p=positional, k=keywords: fn(*p, **k, backend=backend), repeat)
            cells = f"  {name:18s} {1e9 * total / n:8.2f}"
            recorded = kernel_args(call) if backend == "cpu" else []
            kernel = (
                best_time(lambda rec=recorded: [_core.crps_parametric(*r) for r in rec], repeat) if recorded else None
            )
            if name == "normal":
                base = {"total": total, "kernel": kernel}
            cells += f" {total / base['total']:6.1f}x"
            if kernel is not None:
                cells += f" {1e9 * kernel / n:8.2f} {kernel / base['kernel']:6.1f}x {1e9 * (total - kernel) / n:8.2f}"
            print(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=float, default=1e6, help="number of observations")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backend", default="cpu", choices=["cpu", "numba"])
    parser.add_argument("--only", help="comma-separated closed forms (crps_normal is always timed)")
    args = parser.parse_args()
    riskcore.set_num_threads(args.threads)
    run(int(args.n), args.repeat, args.backend, args.only.split(",") if args.only else None)


if __name__ == "__main__":
    main()
