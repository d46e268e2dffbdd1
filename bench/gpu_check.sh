#!/usr/bin/env bash
# One-call GPU check, for a fresh machine with one CUDA GPU (H100-class: under 8 minutes, build included):
#   1. builds riskcore with RISKCORE_CUDA=ON (nvcc required) and prints ptxas' register/spill report (sm_90);
#   2. runs every cuda test on the real device (none may be skipped);
#   3. times the GPU against the CPU backend on 2 threads and against a plain CuPy version of the same
#      formula, printing a table and writing it as JSON to $OUT/gpu_check.json when OUT is set.
# Usage: bash bench/gpu_check.sh   (from anywhere; needs python3 with numpy, cupy and the test extras)
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir="${OUT:-}"

echo "== build (RISKCORE_CUDA=ON) =="
nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader || true
RISKCORE_CUDA=ON CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" python3 -m pip install -q --no-deps --no-build-isolation \
  -Cbuild-dir=build/gpu .
python3 -c "import riskcore; s = riskcore.backends()['cuda']; assert s.available and 'emulated' not in s.reason, s; print(s)"

echo "== ptxas (sm_90): registers and spills per kernel =="
ptxas_log="$(mktemp)"
for f in kernels/*.cu; do
  nvcc -std=c++17 --extended-lambda -O3 -arch=sm_90 -Ikernels -Xptxas -v -c "$f" -o /dev/null 2>>"$ptxas_log" &
done
wait
grep -E "Compiling entry|Used [0-9]+ registers|spill" "$ptxas_log" | sed -e 's/ptxas info *: //' | c++filt
if grep -E "[1-9][0-9]* bytes spill (stores|loads)" "$ptxas_log"; then echo "ptxas reports spills"; fi
if [ -n "$out_dir" ]; then cp "$ptxas_log" "$out_dir/ptxas_sm90.txt"; fi

echo "== cuda tests on the device =="
test_log="$(mktemp)"
python3 -m pytest -q -p no:cacheprovider -rs -k cuda tests | tee "$test_log"
if grep -qE "[0-9]+ skipped" "$test_log"; then echo "cuda tests were skipped on a GPU machine"; exit 1; fi

echo "== benchmark: GPU vs CPU (2 threads) vs plain CuPy =="
OUT_DIR="$out_dir" python3 - <<'EOF'
import json
import math
import os
import time

import cupy
import numpy as np

import riskcore
from riskcore import conformal, mc, tail

riskcore.set_num_threads(2)
rng = np.random.default_rng(0)


def timed(fn, repeat=3):
    """Median wall time of fn() (synchronised), after one warm-up call."""
    fn()
    cupy.cuda.Device().synchronize()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        cupy.cuda.Device().synchronize()
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def once(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def cupy_crps_nrg(obs, fct):
    m = fct.shape[-1]
    x = cupy.sort(fct, axis=-1)
    i = cupy.arange(1, m + 1, dtype=fct.dtype)
    return cupy.abs(x - obs[:, None]).mean(axis=-1) - ((2 * i - m - 1) * x).sum(axis=-1) / m**2


def cupy_crps_normal(obs, mu, sigma):
    from cupyx.scipy.special import ndtr

    z = (obs - mu) / sigma
    return sigma * (z * (2 * ndtr(z) - 1) + 2 * cupy.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) - 1 / math.sqrt(math.pi))


def cupy_log_sums(lw, ev):
    top = lw.max()
    w = cupy.exp(lw - top)
    return top, w.sum(), (w * ev).sum(), (w * w).sum(), (w * w * ev).sum()


rows = []


def row(name, gpu, cpu, peer):
    rows.append({"case": name, "gpu_s": gpu, "cpu_2_threads_s": cpu, "cupy_s": peer})
    ratio = f"{cpu / gpu:8.1f}x" if cpu else "     n/a"
    vs = f"{peer / gpu:6.2f}x" if peer else "   n/a"
    peer_s = f"{peer:9.4f}" if peer else "      n/a"
    print(f"{name:34s} gpu {gpu:9.4f} s  cpu {cpu:9.3f} s ({ratio})  cupy {peer_s} s (riskcore {vs} faster)", flush=True)


for n, m in ((10_000_000, 50), (1_000_000, 1000)):
    obs = rng.normal(size=n)
    fct = rng.normal(size=(n, m))
    d_obs, d_fct = cupy.asarray(obs), cupy.asarray(fct)
    gpu = timed(lambda: riskcore.crps_ensemble(d_obs, d_fct))
    cpu = once(lambda: riskcore.crps_ensemble(obs, fct, backend="cpu"))
    peer = timed(lambda: cupy_crps_nrg(d_obs, d_fct))
    row(f"crps_ensemble {n:.0e} x {m}", gpu, cpu, peer)
    del d_obs, d_fct, fct

n = 100_000_000
obs = rng.normal(size=n)
d_obs = cupy.asarray(obs)
row(
    "crps_normal 1e8",
    timed(lambda: riskcore.crps_normal(d_obs, 0.1, 1.2)),
    once(lambda: riskcore.crps_normal(obs, 0.1, 1.2, backend="cpu")),
    timed(lambda: cupy_crps_normal(d_obs, 0.1, 1.2)),
)
del d_obs

z = rng.normal(3.0, 1.0, size=n)
log_p, log_q = -0.5 * z * z, -0.5 * (z - 3.0) ** 2
row(
    "IS sums 1e8 (host arrays in)",
    timed(lambda: tail.is_estimate(log_p, log_q, score=z, threshold=3.0, backend="cuda"), repeat=1),
    once(lambda: tail.is_estimate(log_p, log_q, score=z, threshold=3.0, backend="cpu")),
    timed(lambda: cupy_log_sums(cupy.asarray(log_p - log_q), cupy.asarray(z > 3.0)), repeat=1),
)
d_p, d_q, d_z = cupy.asarray(log_p), cupy.asarray(log_q), cupy.asarray(z)
row(
    "IS sums 1e8 (device arrays in)",
    timed(lambda: tail.is_estimate(d_p, d_q, score=d_z, threshold=3.0)),
    once(lambda: tail.is_estimate(log_p, log_q, score=z, threshold=3.0, backend="cpu")),
    timed(lambda: cupy_log_sums(d_p - d_q, d_z > 3.0)),
)
del z, log_p, log_q, d_p, d_q, d_z
row(
    "gaussian_tail_is 1e8 (drawn on the device)",
    timed(lambda: tail.gaussian_tail_is(np.ones(20), 20.0, n, seed=1, backend="cuda"), repeat=1),
    once(lambda: tail.gaussian_tail_is(np.ones(20), 20.0, n, seed=1, backend="cpu")),
    None,
)
row(
    "standard_normals 1e8 (like a device array)",
    timed(lambda: tail.standard_normals(n, seed=1, like=cupy.empty(0))),
    once(lambda: tail.standard_normals(n, seed=1, backend="cpu")),
    timed(lambda: cupy.random.default_rng(1).standard_normal(n)),
)
row(
    "standard_uniforms 1e8 (like a device array)",
    timed(lambda: tail.standard_uniforms(n, seed=1, like=cupy.empty(0))),
    once(lambda: tail.standard_uniforms(n, seed=1, backend="cpu")),
    timed(lambda: cupy.random.default_rng(1).random(n)),
)

h = rng.uniform(0.0, 0.01, size=(1, 1_000_000, 64))
d_h = cupy.asarray(h)
row(
    "reach_estimate 1e6 x 64 (device arrays in)",
    timed(lambda: mc.reach_estimate(d_h)),
    once(lambda: mc.reach_estimate(h, backend="cpu")),
    timed(lambda: (1.0 - cupy.prod(1.0 - d_h, axis=2)).var()),
)
del h, d_h

cal = rng.beta(2, 5, size=(1000, 500))
row(
    "batch-mean DP 1000 x n=500 m=20",
    timed(lambda: conformal.batch_mean_bound(cal, 20, 0.1, bounds=(0, 1), backend="cuda"), repeat=1),
    once(lambda: conformal.batch_mean_bound(cal, 20, 0.1, bounds=(0, 1), backend="cpu")),
    None,
)

P = np.array([[0.6, 0.25, 0.05, 0.02, 0.08], [0.2, 0.5, 0.2, 0.05, 0.05], [0.1, 0.2, 0.4, 0.25, 0.05],
              [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]])  # fmt: skip
row(
    "simulator 1e7 trajectories, T=20",
    timed(lambda: mc.simulate_outcome_risk(P, 0, [3], [4], 20, 10_000_000, 1, backend="cuda"), repeat=1),
    once(lambda: mc.simulate_outcome_risk(P, 0, [3], [4], 20, 10_000_000, 1, backend="cpu")),
    None,
)

device = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
result = {"device": device, "cpu_threads": 2, "rows": rows}
if os.environ.get("OUT_DIR"):
    with open(os.path.join(os.environ["OUT_DIR"], "gpu_check.json"), "w") as f:
        json.dump(result, f, indent=1)
print(json.dumps(result))
EOF
