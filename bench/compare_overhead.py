"""Cost of the Python layer: each capability's main public functions on 1e7 elements against their own
kernel (``riskcore._core`` called directly on prepared buffers), and their peak memory against
inputs + outputs. Targets (issue #10): time ratio <= 1.3x, peak <= inputs + outputs + 5%.

Run: ``python bench/compare_overhead.py [--elements 1e7] [--repeat 3]``. Peak memory is measured twice:
NumPy allocations through tracemalloc (they are traced) and the process RSS high-water mark (VmHWM,
reset through /proc/self/clear_refs before each call), which also sees C++ allocations. Functions that
have no kernel of their own (pure NumPy today) are timed against one NumPy pass over the same bytes.
"""

from __future__ import annotations

import argparse
import gc
import math
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import riskcore
from riskcore import _core, mc, tail
from riskcore import random as rc_random
from riskcore._bench import best_time
from riskcore.tail import _sums as tail_sums

TIME_TARGET, MEMORY_TARGET = 1.3, 0.05
MEMBERS = 50


@dataclass
class Case:
    name: str
    public: Callable[[], object]
    kernel: Callable[[], object]  # the kernel alone on prepared buffers, or one NumPy pass (floor)
    kernel_label: str
    in_bytes: int  # the inputs the user passes (already allocated before the call)
    out_bytes: int  # the outputs they get
    time_target: float = TIME_TARGET


def _nbytes(*arrays: np.ndarray) -> int:
    return sum(int(a.nbytes) for a in arrays)


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def peak_memory(fn: Callable[[], object]) -> tuple[int, int]:
    """(tracemalloc peak, RSS high-water growth) in bytes for one call, its result included."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset VmHWM to the current RSS
        rss_before = _rss_kib("VmRSS")
    except OSError:
        rss_before = None
    tracemalloc.start()
    result = fn()
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = (_rss_kib("VmHWM") - rss_before) * 1024 if rss_before is not None else -1
    del result
    return traced, rss


def cases(n: int) -> list[Case]:
    rng = np.random.default_rng(0)
    rows = n // MEMBERS
    obs, fct = rng.normal(size=rows), rng.normal(size=(rows, MEMBERS))
    out_rows = rows * 8
    w = rng.uniform(0.5, 1.5, MEMBERS)
    w_full = np.ascontiguousarray(np.broadcast_to(w, fct.shape))
    wide = rng.normal(size=(rows, 2 * MEMBERS))
    strided = wide[:, ::2]
    strided_c = np.ascontiguousarray(strided)
    clipped = np.maximum(fct, 0.0)
    y, mu, sigma = rng.normal(size=n), np.zeros(1), np.ones(1)
    z = rng.normal(3.0, 1.0, n)
    log_p, log_q, event = -(z**2) / 2, -((z - 3.0) ** 2) / 2, z > 3.0
    rows_p, rows_q, ev = log_p.reshape(1, n), log_q.reshape(1, n), event.reshape(1, n).view(np.uint8)
    no_grid, keep = np.zeros((1, 1)), tail_sums.khat_keep(n)
    steps = 20
    trajectories = 2 * n // steps  # 2e7 hazards at the default size, as #10 states the reach target
    hazards = rng.uniform(0, 0.05, size=(1, trajectories, steps))
    hazards4 = hazards[..., None]
    lengths = np.broadcast_to(np.int64(steps), (1, trajectories, 1))
    first_hit = np.where(rng.random((1, trajectories)) < 0.3, steps // 2, -1)
    counters = rng.integers(0, 2**63, size=(n // 4, 4), dtype=np.uint64)
    key = np.array([1, 2], dtype=np.uint64)
    return [
        Case(
            f"crps_ensemble {rows} x {MEMBERS}",
            lambda: riskcore.crps_ensemble(obs, fct),
            lambda: _core.crps_ensemble(obs, fct, None, "nrg", 0.95, False),
            "_core.crps_ensemble",
            _nbytes(obs, fct),
            out_rows,
        ),
        Case(
            "crps_ensemble, weights (m,)",
            lambda: riskcore.crps_ensemble(obs, fct, weights=w, estimator="int"),
            lambda: _core.crps_ensemble(obs, fct, w_full, "int", 0.95, False),
            "_core.crps_ensemble, weights (n, m) prepared",
            _nbytes(obs, fct, w),
            out_rows,
        ),
        Case(
            "crps_ensemble, fct[:, ::2]",
            lambda: riskcore.crps_ensemble(obs, strided),
            lambda: _core.crps_ensemble(obs, strided, None, "nrg", 0.95, False),
            "_core.crps_ensemble on the same view",
            _nbytes(obs, wide),  # a view: the user's bytes are those it spans
            out_rows,
        ),
        Case(
            "crps_ensemble, fct[:, ::2]",
            lambda: riskcore.crps_ensemble(obs, strided),
            lambda: _core.crps_ensemble(obs, strided_c, None, "nrg", 0.95, False),
            "information: the kernel on a contiguous copy made beforehand",
            _nbytes(obs, wide),
            out_rows,
            time_target=math.inf,
        ),
        Case(
            "twcrps_ensemble threshold=0",
            lambda: riskcore.twcrps_ensemble(obs, fct, threshold=0.0),
            lambda: _core.crps_ensemble(np.maximum(obs, 0.0), clipped, None, "nrg", 0.95, False),
            "_core.crps_ensemble on transformed members",
            _nbytes(obs, fct),
            out_rows,
        ),
        Case(
            "crps_ensemble_grad",
            lambda: riskcore.crps_ensemble_grad(obs, fct),
            lambda: _core.crps_ensemble_grad(obs, fct, None, "nrg", 0.95, False),
            "_core.crps_ensemble_grad",
            _nbytes(obs, fct),
            _nbytes(fct),
        ),
        Case(
            f"crps_normal {n}",
            lambda: riskcore.crps_normal(y, 0.0, 1.0),
            lambda: _core.crps_parametric("normal", [y, mu, sigma]),
            "_core.crps_parametric",
            _nbytes(y),
            _nbytes(y),
        ),
        Case(
            f"tail.is_estimate {n} samples",
            lambda: tail.is_estimate(log_p, log_q, event=event),
            lambda: _core.tail_sums(rows_p, rows_q, tail_sums.EVENT_BOOL, ev, no_grid, tail_sums.KHAT_EVENT, keep),
            "_core.tail_sums (the fused pass)",
            _nbytes(log_p, log_q, event),
            0,  # a few scalars
        ),
        Case(
            f"mc.reach_estimate {hazards.size} hazards",
            lambda: mc.reach_estimate(hazards),
            lambda: _core.risk_moments(hazards4, lengths, None, None, 2),
            "_core.risk_moments (the fused kernel)",
            _nbytes(hazards),
            0,
        ),
        Case(
            f"mc.reach_estimate {hazards.size} hazards",
            lambda: mc.reach_estimate(hazards),
            lambda: hazards.sum(),
            "against one NumPy pass, target 2x",
            _nbytes(hazards),
            0,
            time_target=2.0,
        ),
        Case(
            f"mc.scope_estimate {hazards.size} hazards",
            lambda: mc.scope_estimate(hazards, first_hit),
            lambda: _core.risk_moments(hazards4, lengths, None, first_hit[..., None], 1),
            "_core.risk_moments (the fused kernel)",
            _nbytes(hazards, first_hit),
            0,
        ),
        Case(
            f"random.philox4x64 {counters.size} words",
            lambda: rc_random.philox4x64(counters, key),
            lambda: _core.philox4x64(counters, key),
            "_core.philox4x64",
            _nbytes(counters),
            _nbytes(counters),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elements", type=float, default=1e7, help="elements per case (default 1e7)")
    parser.add_argument("--repeat", type=int, default=3, help="timed repeats after a warm-up (best is kept)")
    args = parser.parse_args()
    riskcore.set_num_threads(0)
    print(f"riskcore {riskcore.__version__}, cpu backend, {riskcore.get_num_threads()} threads, float64")
    print(f"targets: time <= {TIME_TARGET}x the kernel, peak memory <= inputs + outputs + {MEMORY_TARGET:.0%}\n")
    header = f"{'case':38s} {'public':>8s} {'kernel':>8s} {'ratio':>6s}  {'in+out':>8s} {'+traced':>8s} {'+RSS':>8s}"
    print(header + "  (kernel = ...)")
    for case in cases(int(args.elements)):
        public_s, kernel_s = best_time(case.public, args.repeat), best_time(case.kernel, args.repeat)
        traced, rss = peak_memory(case.public)
        mb = 1e6
        ratio = public_s / kernel_s
        io = case.in_bytes + case.out_bytes
        over = (case.in_bytes + max(traced, rss)) / io - 1  # the inputs were there before the call
        flags = ("" if ratio <= case.time_target else " TIME") + ("" if over <= MEMORY_TARGET else " MEMORY")
        print(
            f"{case.name:38s} {public_s:7.3f}s {kernel_s:7.3f}s {ratio:5.2f}x  {io / mb:6.0f}MB"
            f" {traced / mb:6.0f}MB {rss / mb:6.0f}MB  ({case.kernel_label}; peak {over:+.0%}){flags}"
        )


if __name__ == "__main__":
    main()
