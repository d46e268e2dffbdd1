"""``riskcore bench``: riskcore against the installed peers on every capability, at a chosen size.

Each case times riskcore and one or more peers on the same data in this process (best of the
repeats after a warm-up) and reports peer time / riskcore time. Peers that are not installed are
skipped (properscoring, scoringrules, OpenTURNS); the NumPy baselines always run.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from riskcore import _peers, conformal, crps, mc, tail

SIZES = {
    "small": {
        "ensembles": 100_000,
        "members": 50,
        "normal": 1_000_000,
        "cal": (200, 40),
        "traj": 50_000,
        "is": 100_000,
    },
    "medium": {
        "ensembles": 1_000_000,
        "members": 50,
        "normal": 5_000_000,
        "cal": (1000, 60),
        "traj": 200_000,
        "is": 1_000_000,
    },
    "large": {
        "ensembles": 1_000_000,
        "members": 50,
        "normal": 10_000_000,
        "cal": (2000, 100),
        "traj": 500_000,
        "is": 1_000_000,
    },
}


@dataclass(frozen=True)
class Row:
    case: str
    riskcore_s: float
    peer: str
    peer_s: float

    @property
    def ratio(self) -> float:
        return self.peer_s / self.riskcore_s


def best_time(fn: Callable[[], object], repeat: int = 3) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def cases(size: str) -> list[tuple[str, Callable[[], object], list[tuple[str, Callable[[], object]]]]]:
    """(case label, riskcore call, [(peer label, peer call)]) for every capability."""
    cfg = SIZES[size]
    rng = np.random.default_rng(0)
    obs, fct = rng.normal(size=cfg["ensembles"]), rng.normal(size=(cfg["ensembles"], cfg["members"]))
    y, mu = rng.normal(size=cfg["normal"]), rng.normal(size=cfg["normal"])
    out = []
    ensemble_peers, normal_peers = [], []
    if installed("properscoring"):
        import properscoring as ps

        ensemble_peers.append(("properscoring", lambda: ps.crps_ensemble(obs, fct)))
        normal_peers.append(("properscoring", lambda: ps.crps_gaussian(y, mu, 1.0)))
    if installed("scoringrules"):
        import scoringrules as sr

        ensemble_peers.append(
            ("scoringrules pwm", lambda: sr.crps_ensemble(obs, fct, estimator="pwm", backend="numba"))
        )
        normal_peers.append(("scoringrules", lambda: sr.crps_normal(y, mu, 1.0, backend="numba")))
    ensemble_peers.append(("NumPy sort + formula", lambda: _numpy_crps(obs, fct)))
    out.append(
        (
            f"crps_ensemble {cfg['ensembles']:.0e} x {cfg['members']}",
            lambda: crps.crps_ensemble(obs, fct),
            ensemble_peers,
        )
    )
    out.append((f"crps_normal {cfg['normal']:.0e}", lambda: crps.crps_normal(y, mu, 1.0), normal_peers))
    n, m = cfg["cal"]
    scores = rng.beta(2, 5, size=n)
    out.append(
        (
            f"batch_mean_bound n={n} m={m}",
            lambda: conformal.batch_mean_bound(scores, m, 0.1, bounds=(0, 1), method="dp"),
            [("NumPy DP vectorised over j", lambda: _peers.numpy_vectorised_bound(scores, m, 0.1, 1.0))],
        )
    )
    chain, traj = _peers.WORKED_CHAIN, cfg["traj"]
    out.append(
        (
            f"simulate_outcome_risk {traj:.0e} trajectories",
            lambda: mc.simulate_outcome_risk(chain, 0, [3], [4], 20, traj, 1),
            [
                (
                    "NumPy lockstep simulator",
                    lambda: _peers.numpy_simulator(chain, 0, [3], [4], 20, traj, np.random.default_rng(0)),
                )
            ],
        )
    )
    samples = cfg["is"]
    tail_peers = [("brute-force MC (NumPy)", lambda: (rng.normal(size=(samples, 20)).sum(axis=1) > 20).mean())]
    if installed("openturns"):
        tail_peers.insert(
            0, ("OpenTURNS ImportanceSampling", lambda: _peers.openturns_importance(20, 20.0, samples, 0))
        )
    out.append(
        (
            f"gaussian_tail_is 20-D, {samples:.0e} samples",
            lambda: tail.gaussian_tail_is(np.ones(20), 20.0, samples, 0),
            tail_peers,
        )
    )
    return out


def _numpy_crps(obs: np.ndarray, fct: np.ndarray) -> np.ndarray:
    """nrg by sorting with NumPy: mean|x - y| - sum_k (2k - m - 1) x_(k) / m^2."""
    m = fct.shape[1]
    ordered = np.sort(fct, axis=1)
    return np.abs(fct - obs[:, None]).mean(axis=1) - ordered @ (2 * np.arange(1, m + 1) - m - 1) / m**2


def progress(done: int, total: int, label: str) -> None:
    filled = int(30 * done / total)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {label[:50]:50s}")
    sys.stderr.flush()
    if done == total:
        sys.stderr.write("\n")


def run(size: str) -> list[Row]:
    todo = cases(size)
    total = sum(1 + len(peers) for _, _, peers in todo)
    rows, done = [], 0
    for label, ours, peers in todo:
        progress(done, total, label)
        ours_s = best_time(ours)
        done += 1
        for peer_label, peer in peers:
            progress(done, total, f"{label}: {peer_label}")
            rows.append(Row(label, ours_s, peer_label, best_time(peer, repeat=1)))
            done += 1
    progress(total, total, "done")
    return rows


def table(rows: list[Row]) -> str:
    lines = [f"{'case':42s} {'riskcore':>10s}  {'peer':30s} {'peer time':>10s} {'ratio':>8s}"]
    lines += [f"{r.case:42s} {r.riskcore_s:9.4f}s  {r.peer:30s} {r.peer_s:9.4f}s {r.ratio:7.1f}x" for r in rows]
    return "\n".join(lines)


def chart(rows: list[Row], path: str, title: str | None = None) -> str | None:
    """Horizontal bars of peer time / riskcore time (log scale, labelled "1x", "10x", ...), each bar with
    its value, under ``title`` (size, backend, threads); None when matplotlib is missing."""
    if not installed("matplotlib"):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 2))
    labels = [f"{r.case}\nvs {r.peer}" for r in rows]
    ratios = [r.ratio for r in rows]
    colors = ["tab:green" if x >= 1 else "tab:red" for x in ratios]
    bars = ax.barh(range(len(rows)), [x - 1 for x in ratios], left=1.0, color=colors)  # bars grow from 1x
    ax.bar_label(bars, labels=[f"{x:.3g}x" for x in ratios], padding=3, fontsize=7)
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}x"))
    ax.set_xlim(min([*ratios, 1.0]) / 2, max([*ratios, 1.0]) * 3)  # room for the value labels
    ax.axvline(1.0, color="black", lw=0.8)
    ax.set_xlabel("speed-up: peer time / riskcore time (log scale; right of 1x: riskcore faster)")
    if title:
        ax.set_title(title, fontsize=9)
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
