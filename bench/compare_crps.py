"""Side-by-side CRPS timings: riskcore (cpu 1 and all threads, numba) versus properscoring and
scoringrules (numba) on the same data in one process. Prints times (median of --repeat runs after a
warm-up), each peer's time divided by riskcore's, the floor (``fct.sum()``: one NumPy pass over the
same bytes) and the issue's targets: >= 5x properscoring at m = 1000, within 2x of the floor at
m = 50, numba within 3x of cpu.

    python bench/compare_crps.py              # the issue's cases: 1e6 x 50, 1e5 x 1000, normal 1e7
    python bench/compare_crps.py --scale 0.1  # ten times smaller, for a quick look
    python bench/compare_crps.py --only multivariate  # one row per multivariate / kernel score family
    python bench/compare_crps.py --only closed-forms --scale 0.1  # ns per element of every closed form
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import closed_form_ratios  # bench/ is on sys.path when this script runs
import numpy as np

import riskcore


def timed(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up: JIT compilation, page faults
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peers(kind: str, obs, fct, params) -> dict[str, Callable[[], object]]:
    """The peers installed here for a case ('ensemble' or 'normal')."""
    found: dict[str, Callable[[], object]] = {}
    try:
        import properscoring as ps

        if kind == "ensemble":
            found["properscoring nrg"] = lambda: ps.crps_ensemble(obs, fct)
        else:
            found["properscoring"] = lambda: ps.crps_gaussian(obs, *params)
    except ImportError:
        pass
    try:
        import scoringrules as sr

        if kind == "ensemble":
            found["scoringrules pwm"] = lambda: sr.crps_ensemble(obs, fct, estimator="pwm", backend="numba")
            if fct.shape[1] <= 100:  # its nrg is O(m^2): 46 s at m = 1000
                found["scoringrules nrg"] = lambda: sr.crps_ensemble(obs, fct, estimator="nrg", backend="numba")
        else:
            found["scoringrules"] = lambda: sr.crps_normal(obs, *params, backend="numba")
    except ImportError:
        pass
    return found


def run_case(name: str, kind: str, obs, fct_or_params, repeat: int) -> None:
    if kind == "ensemble":
        fct, params = fct_or_params, None

        def ours(backend: str) -> Callable[[], object]:
            return lambda: riskcore.crps_ensemble(obs, fct, backend=backend)
    else:
        fct, params = None, fct_or_params

        def ours(backend: str) -> Callable[[], object]:
            return lambda: riskcore.crps_normal(obs, *params, backend=backend)

    threads = riskcore.get_num_threads()
    rows: list[tuple[str, float]] = []
    riskcore.set_num_threads(1)
    rows.append(("riskcore cpu, 1 thread", timed(ours("cpu"), repeat)))
    riskcore.set_num_threads(threads)
    rows.append((f"riskcore cpu, {threads} threads", timed(ours("cpu"), repeat)))
    rows.append(("riskcore numba", timed(ours("numba"), repeat)))
    best = rows[1][1]
    floor = timed(lambda: (fct if fct is not None else params[0]).sum(), repeat)
    peer_rows = [(label, timed(fn, 1)) for label, fn in peers(kind, obs, fct, params).items()]
    print(f"\n{name}")
    for label, seconds in [*rows, ("floor: NumPy sum over the same bytes", floor), *peer_rows]:
        print(f"  {label:36s} {seconds:9.4f} s   {seconds / best:7.2f} x riskcore ({threads} threads)")
    print(f"  -> riskcore / floor {best / floor:.2f}x; numba / cpu {rows[2][1] / best:.2f}x")
    if peer_rows:
        fastest = min(peer_rows, key=lambda r: r[1])
        print(f"  -> riskcore is {fastest[1] / best:.1f}x faster than the fastest peer ({fastest[0]})")


Case = tuple[str, Callable[[str], object], Callable[[], object]]


def multivariate_cases(n: int, m: int, d: int, dtype: str) -> list[Case]:
    """(label, riskcore call taking a backend, scoringrules call) for one score of each family."""
    import scoringrules as sr

    rng = np.random.default_rng(1)
    obs, fct = rng.normal(size=(n, d)).astype(dtype), rng.normal(size=(n, m, d)).astype(dtype)
    y, x = obs[:, 0], fct[:, :, 0]
    few = max(1, n // 100)  # the weight function is a Python call per vector, in both libraries
    o, f = obs[:few], fct[:few]

    def w_func(z):
        return float(z.sum() > 0)

    rc = riskcore
    return [
        ("energy score nrg", lambda b: rc.energy_score(obs, fct, backend=b), lambda: sr.es_ensemble(obs, fct)),
        ("variogram score p=0.5", lambda b: rc.vs_ensemble(obs, fct, backend=b), lambda: sr.vs_ensemble(obs, fct)),
        ("gaussian kernel mv", lambda b: rc.gksmv_ensemble(obs, fct, backend=b), lambda: sr.gksmv_ensemble(obs, fct)),
        ("dawid-sebastiani mv", lambda b: rc.dssmv_ensemble(obs, fct, backend=b), lambda: sr.dssmv_ensemble(obs, fct)),
        (f"owes (w_func, N={few})", lambda b: rc.owes_ensemble(o, f, w_func=w_func, backend=b),
         lambda: sr.owes_ensemble(o, f, w_func)),
        ("clogs (members of variable 0)", lambda b: rc.clogs_ensemble(y, x, -0.5, 0.5, backend=b),
         lambda: sr.clogs_ensemble(y, x, -0.5, 0.5)),
    ]  # fmt: skip


def run_multivariate(scale: float, repeat: int, dtype: str) -> None:
    n, m, d = max(1, int(10_000 * scale)), 50, 10
    print(f"\nmultivariate scores, N={n:.0e} x m={m} x d={d}, {dtype} (scoringrules: numba backend, its default)")
    for label, ours, theirs in multivariate_cases(n, m, d, dtype):
        cpu = timed(lambda ours=ours: ours("cpu"), repeat)
        numba = timed(lambda ours=ours: ours("numba"), repeat)
        peer = timed(theirs, 1)
        print(f"  {label:30s} cpu {cpu:8.4f} s  numba {numba:8.4f} s  scoringrules {peer:8.4f} s"
              f"  -> {peer / cpu:6.1f}x faster (numba / cpu {numba / cpu:.2f}x)")  # fmt: skip


def run_closed_forms(n: int, repeat: int) -> None:
    """ns per element of every closed form relative to crps_normal (the issue's target: within 2x), on
    cpu and numba: bench/closed_form_ratios.py's table."""
    for backend in ("cpu", "numba"):
        print()
        closed_form_ratios.run(n, repeat, backend, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the number of forecasts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dtypes", default="float64,float32")
    parser.add_argument("--only", choices=["crps", "multivariate", "closed-forms"], help="run one group of cases")
    args = parser.parse_args()
    if args.only == "closed-forms":
        run_closed_forms(max(1, int(1_000_000 * args.scale)), args.repeat)
        return
    rng = np.random.default_rng(0)
    available = ", ".join(k for k, v in riskcore.backends().items() if v.available)
    print(f"riskcore {riskcore.__version__}; backends: {available}")
    for dtype in args.dtypes.split(","):
        if args.only != "crps":
            run_multivariate(args.scale, args.repeat, dtype)
        if args.only == "multivariate":
            continue
        for n, m in ((1_000_000, 50), (100_000, 1000)):
            n = max(1, int(n * args.scale))
            obs, fct = rng.normal(size=n).astype(dtype), rng.normal(size=(n, m)).astype(dtype)
            run_case(f"crps_ensemble nrg, N={n:.0e} x m={m}, {dtype}", "ensemble", obs, fct, args.repeat)
        n = max(1, int(10_000_000 * args.scale))
        obs = rng.normal(size=n).astype(dtype)
        params = (rng.normal(size=n).astype(dtype), np.exp(rng.normal(size=n)).astype(dtype))
        run_case(f"crps_normal, N={n:.0e}, {dtype}", "normal", obs, params, args.repeat)
    run_closed_forms(max(1, int(1_000_000 * args.scale)), args.repeat)


if __name__ == "__main__":
    main()
