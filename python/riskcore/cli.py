"""The ``riskcore`` command: ``riskcore demo`` runs the main job on synthetic data and prints results,
the backend used and timings; ``riskcore backends`` lists what can run here."""

from __future__ import annotations

import argparse
import functools
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import riskcore
from riskcore import _validate

PLOT_HINT = 'pip install "riskcore[plot]"'
MAX_ENSEMBLE_VALUES = 200_000_000  # --forecasts x --members: the demo holds three such float64 ensembles


def _count(low: int, text: str) -> int:
    """argparse type: an integer >= ``low`` (beyond int64 refused), with the layer's message."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None
    if number > _validate.INT64_MAX:
        raise argparse.ArgumentTypeError(f"must be at most 2**63 - 1, got {number}")
    try:
        return _validate.integer(number, "value", low=low, high=None)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("value ")) from None


def count(low: int) -> Callable[[str], int]:
    """An argparse type function for sizes: integers in low..2**63-1."""
    parse = functools.partial(_count, low)
    parse.__name__ = f"integer >= {low}"  # type: ignore[attr-defined]  (argparse names the type in errors)
    return parse


def seed_arg(text: str) -> int:
    """argparse type for --seed: an integer in 0..2**64-1."""
    try:
        return _validate.seed(int(text))
    except ValueError as exc:
        message = str(exc) if text.lstrip("+-").isdigit() else f"must be an integer, got {text!r}"
        raise argparse.ArgumentTypeError(message.removeprefix("seed ")) from None


def has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def demo_crps(n_forecasts: int, members: int, seed: int) -> None:
    """Score calibrated, under-dispersed and biased ensembles of a synthetic forecast problem."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n_forecasts)
    obs = signal + rng.normal(size=n_forecasts)  # truth = predictable signal + unit noise
    ensembles = {
        "calibrated": signal[:, None] + rng.normal(size=(n_forecasts, members)),
        "under-dispersed (sd 0.5)": signal[:, None] + 0.5 * rng.normal(size=(n_forecasts, members)),
        "biased (+0.5)": signal[:, None] + 0.5 + rng.normal(size=(n_forecasts, members)),
    }
    backend = riskcore._backend.resolve("auto")
    print(f"CRPS of {n_forecasts:,} forecasts x {members} members (backend: {backend})")
    print(f"  {'ensemble':26s} {'nrg':>8s} {'fair':>8s} {'afcrps':>8s}   time (nrg)")
    for name, fct in ensembles.items():
        scores = {}
        for estimator in ("nrg", "fair", "afcrps"):
            scores[estimator], seconds = _timed(lambda e=estimator, f=fct: riskcore.crps_ensemble(obs, f, estimator=e))
            if estimator == "nrg":
                nrg_seconds = seconds
        means = "".join(f" {float(np.mean(scores[e])):8.4f}" for e in ("nrg", "fair", "afcrps"))
        print(f"  {name:26s}{means}   {nrg_seconds * 1e3:7.1f} ms")
    exact, seconds = _timed(lambda: riskcore.crps_normal(obs, signal, 1.0))
    print(f"  {'closed form N(signal, 1)':26s} {float(np.mean(exact)):8.4f}  (fair ensemble estimates it without bias)")
    print(f"  crps_normal on {n_forecasts:,} values: {seconds * 1e3:.1f} ms")
    grad, seconds = _timed(lambda: riskcore.crps_ensemble_grad(obs, ensembles["calibrated"], estimator="fair"))
    print(f"  gradient w.r.t. members (fair): shape {grad.shape}, {seconds * 1e3:.1f} ms")


def demo_conformal(n_calibration: int, batch: int, seed: int, alpha: float = 0.1) -> None:
    """Prediction intervals for the mean and the median of a batch of regression outcomes."""
    from riskcore import conformal

    rng = np.random.default_rng(seed)

    def outcomes(x: np.ndarray) -> np.ndarray:  # truth: smooth signal + bounded noise
        return np.sin(3 * x) + np.clip(rng.normal(scale=0.3, size=x.size), -1, 1)

    x_train = rng.uniform(-1, 1, 400)
    model = np.polynomial.Polynomial.fit(x_train, outcomes(x_train), deg=5)  # the regression model
    x_cal, x_test = rng.uniform(-1, 1, n_calibration), rng.uniform(-1, 1, batch)
    y_cal, y_test = outcomes(x_cal), outcomes(x_test)
    pred_cal, pred_test = model(x_cal), model(x_test)
    residual_range = (-1.5, 1.5)  # |noise| <= 1 plus a model error below 0.5
    print(f"\nBatch conformal: {n_calibration} calibration points, a batch of m={batch}, 1 - alpha = {1 - alpha}")
    (lo, hi), seconds = _timed(
        lambda: conformal.batch_mean_interval(y_cal, pred_cal, pred_test, alpha, residual_bounds=residual_range)
    )
    print(
        f"  batch mean of outcomes: [{lo:.3f}, {hi:.3f}] (width {hi - lo:.3f}, method='auto', {seconds * 1e3:.0f} ms);"
        f" realised {y_test.mean():.3f}"
    )
    residuals = y_cal - pred_cal
    x_new = rng.uniform(-1, 1, (20_000, batch))  # fresh batches from the truth: the oracle quantile
    noise = np.clip(rng.normal(scale=0.3, size=x_new.shape), -1, 1)
    oracle = np.quantile((np.sin(3 * x_new) + noise - model(x_new)).mean(axis=1), 1 - alpha)
    print(f"  upper bounds on the batch mean residual (oracle {1 - alpha:.0%} quantile {oracle:.3f}):")
    for label, kwargs in (
        ("rank-sum DP", {"method": "dp"}),
        ("quantile ordering", {"method": "dp", "ordering": "quantile"}),
        ("partition", {"method": "partition"}),
        ("auto", {}),
    ):
        if kwargs.get("ordering") == "quantile" and n_calibration < 2:
            continue  # its pilot needs a held-out calibration point
        bound = conformal.batch_mean_bound(residuals, batch, alpha, bounds=residual_range, seed=seed, **kwargs)
        print(f"    {label:18s} {float(bound):.3f}  ({bound.method})")
    bonf = conformal.bonferroni_bound(np.abs(residuals), batch, alpha)
    print(f"  per-point Bonferroni at alpha/m gives width {2 * bonf:.3f} for the same mean")
    low_band, high_band = conformal.batch_residual_quantile_band(y_cal, pred_cal, pred_test, alpha)
    median_resid = np.median(y_test - pred_test)
    print(
        f"  batch median residual in [{(low_band - pred_test)[0]:.3f}, {(high_band - pred_test)[0]:.3f}];"
        f" realised {median_resid:.3f}"
    )
    lows, highs = conformal.simultaneous_intervals(y_cal, pred_cal, pred_test, alpha)
    covered = int(((lows <= y_test) & (y_test <= highs)).sum())
    print(
        f"  all {batch} outcomes at once: prediction +- {(highs - lows)[0] / 2:.3f}; {covered}/{batch} covered;"
        f" Bonferroni +- {bonf:.3f}"
    )


def demo_mc(trajectories: int, seed: int) -> None:
    """Outcome risk of a small Markov-chain 'sequence model': MC, SCOPE and REACH against the exact value."""
    from riskcore import _peers, mc

    P = _peers.WORKED_CHAIN  # the spec's worked example
    exact = mc.exact_outcome_risk(P, 0, [3], [4], horizon=20)
    result = mc.simulate_outcome_risk(P, 0, [3], [4], horizon=20, n_trajectories=trajectories, seed=seed)
    print(
        f"\nOutcome risk within 20 steps, {trajectories:,} trajectories (exact {exact:.6f}; backend:"
        f" {riskcore._backend.resolve('auto')}, {result.steps / result.seconds / 1e6:.0f} M steps/s)"
    )
    for kind in ("mc", "scope", "reach"):
        e = getattr(result, kind)
        worth = "" if e.efficiency is None else f"  = {e.efficiency:.2f} MC samples per sample"
        print(f"  {kind:6s} {e.estimate:.5f} +- {e.se:.5f}  [{e.ci_low:.4f}, {e.ci_high:.4f}]{worth}")


def demo_tail(samples: int, seed: int) -> None:
    """A 1-in-260,000 event: importance sampling with the optimal shift and cross-entropy vs brute force."""
    import math

    from riskcore import tail

    exact = 0.5 * math.erfc(20 / math.sqrt(20) / math.sqrt(2))
    print(f"\nP(sum of 20 N(0,1) > 20) = {exact:.5g}, {samples:,} samples each")
    shifted, seconds = _timed(lambda: tail.gaussian_tail_is(np.ones(20), 20.0, samples, seed))
    print(
        f"  IS, optimal mean shift: {float(shifted.estimate):.5g} +- {float(shifted.se):.2g} (rel. error"
        f" {float(shifted.rel_error):.3f}, ESS {float(shifted.ess_event):.0f}, k-hat {float(shifted.khat):.2f}),"
        f" {seconds * 1e3:.0f} ms"
    )
    ce = tail.cross_entropy_is(lambda x: x.sum(axis=1), 20, 20.0, samples, seed)
    print(
        f"  cross-entropy IS ({len(ce.levels)} stages):"
        f" {float(ce.estimate.estimate):.5g} +- {float(ce.estimate.se):.2g}"
    )
    hits = int((np.random.default_rng(seed).normal(size=(samples, 20)).sum(axis=1) > 20).sum())
    brute = tail.mc_tail_estimate(hits, samples)
    print(
        f"  brute force: {hits} hits -> {float(brute.estimate):.3g}, exact 95% interval"
        f" [{float(brute.cp_low):.2g}, {float(brute.cp_high):.2g}]"
    )


def cmd_demo(args: argparse.Namespace) -> None:
    print(f"riskcore {riskcore.__version__}")
    total_start = time.perf_counter()
    demo_crps(args.forecasts, args.members, args.seed)
    demo_conformal(args.calibration, args.batch, args.seed)
    demo_mc(args.trajectories, args.seed)
    demo_tail(args.samples, args.seed)
    if args.plot:
        from riskcore import _plots

        print("\nfigures: " + ", ".join(_plots.save_all(args.plot, args.seed)))
    print(f"done in {time.perf_counter() - total_start:.2f} s")


def cmd_bench(args: argparse.Namespace) -> None:
    from riskcore import _bench

    title = (
        f"riskcore {riskcore.__version__} bench: size {args.size}, backend {riskcore._backend.resolve('auto')},"
        f" {riskcore.get_num_threads()} threads"
    )
    print(title)
    rows = _bench.run(args.size)
    print(_bench.table(rows))
    if args.chart:
        print(f"chart: {_bench.chart(rows, args.chart, title=title)}")


def cmd_backends(_: argparse.Namespace) -> None:
    for name, status in riskcore.backends().items():
        print(f"{name:6s} {'yes' if status.available else 'no ':3s}  {status.reason}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="riskcore", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run every capability on synthetic data and print results")
    demo.add_argument("--forecasts", type=count(1), default=200_000, help="forecasts scored (CRPS; default 200000)")
    demo.add_argument(
        "--members", type=count(2), default=50, help="ensemble members per forecast, >= 2 (CRPS; default 50)"
    )
    demo.add_argument("--calibration", type=count(1), default=2000, help="calibration points (batch conformal)")
    demo.add_argument("--batch", type=count(1), default=50, help="test batch size m (batch conformal)")
    demo.add_argument("--trajectories", type=count(1), default=100_000, help="trajectories (MC / SCOPE / REACH)")
    demo.add_argument("--samples", type=count(2), default=10_000, help="samples, >= 2 (tail probabilities)")
    demo.add_argument("--seed", type=seed_arg, default=0, help="seed of every random draw, 0..2**64-1 (default 0)")
    demo.add_argument(
        "--plot", metavar="DIR", help=f"also save figures (coverage, variance, convergence) as PNG ({PLOT_HINT})"
    )
    demo.set_defaults(run=cmd_demo, check=check_demo)
    bench = sub.add_parser("bench", help="time every capability against the installed peers")
    bench.add_argument(
        "--size", choices=("small", "medium", "large"), default="small", help="problem sizes (default small)"
    )
    bench.add_argument("--chart", metavar="PNG", help=f"also save a chart of the speed ratios as PNG ({PLOT_HINT})")
    bench.set_defaults(run=cmd_bench, check=check_bench)
    sub.add_parser("backends", help="list the backends and why any is unavailable").set_defaults(run=cmd_backends)
    args = parser.parse_args(argv)
    check = getattr(args, "check", None)
    if check is not None:
        try:
            check(args)
        except (ValueError, MemoryError, OSError) as exc:
            parser.error(str(exc))  # before any work: a usage message and exit code 2
    args.run(args)


def check_demo(args: argparse.Namespace) -> None:
    """Everything the demo needs, checked before it runs."""
    _validate.limit(
        "--forecasts x --members",
        args.forecasts * args.members,
        MAX_ENSEMBLE_VALUES,
        "the demo holds three such ensembles in memory; use fewer forecasts or members",
        memory=True,
    )
    if args.plot:
        if not has_matplotlib():
            raise ValueError(f"--plot needs matplotlib: {PLOT_HINT}")
        try:
            os.makedirs(args.plot, exist_ok=True)
        except OSError as exc:
            raise OSError(f"--plot: cannot create the folder {args.plot!r} ({exc.strerror})") from None
        if not os.access(args.plot, os.W_OK):
            raise OSError(f"--plot: the folder {args.plot!r} is not writable")


def check_bench(args: argparse.Namespace) -> None:
    """The chart's path and matplotlib, checked before the (long) bench runs."""
    if args.chart is None:
        return
    if not has_matplotlib():
        raise ValueError(f"--chart needs matplotlib: {PLOT_HINT}")
    folder = os.path.dirname(os.path.abspath(args.chart))
    if not os.path.isdir(folder):
        raise OSError(f"--chart: the folder {folder!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise OSError(f"--chart: the folder {folder!r} is not writable")
    if os.path.isdir(args.chart):
        raise OSError(f"--chart: {args.chart!r} is a folder; give a file name such as bench.png")


if __name__ == "__main__":
    main()
