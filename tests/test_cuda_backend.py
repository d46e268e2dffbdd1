"""The CUDA backend, run through the emulated build in CI (RISKCORE_CUDA=EMULATE + the CuPy stand-in).

Host in -> host out and device in -> device out on every public function, the tolerances each kernel
is held to against the CPU, the status (driver, compute capability), the checks of the CUDA bindings
and device memory through CuPy's pool without leaks.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

import riskcore
from riskcore import conformal, mc, tail
from riskcore.random import philox4x64

try:
    from riskcore import _core
except ImportError:  # pragma: no cover - the numba-only install
    _core = None

pytestmark = pytest.mark.skipif(
    not riskcore.backends()["cuda"].available, reason=f"cuda: {riskcore.backends()['cuda'].reason}"
)

RNG = np.random.default_rng(20)
OBS = RNG.normal(size=(7, 5))
FCT = RNG.normal(size=(7, 5, 9))
P = np.array([[0.6, 0.25, 0.05, 0.1, 0.0], [0.2, 0.5, 0.2, 0.05, 0.05], [0.1, 0.2, 0.4, 0.25, 0.05], [0, 0, 0, 1, 0],
              [0, 0, 0, 0, 1]])  # fmt: skip
# What the CUDA kernels are held to against the CPU (float64, relative). The ensemble CRPS, its
# gradient, the energy score and the mixture sum the CPU's terms as block scans and block sums (another
# order: a few ulp apart, emulated or not); the CPU's closed forms use glibc's vector math (libmvec),
# within an ulp or two of the scalar libm the emulated kernels call. On a GPU, FMA contraction and CUDA's
# exp/log1p/expm1/erfc move results by a few ulp more.
BLOCK_SUMS = {"crps_ensemble", "crps_ensemble fair weighted", "crps_ensemble pwm", "crps_ensemble int",
              "crps_ensemble_grad", "twcrps_ensemble", "energy_score", "crps_mixnorm"}  # fmt: skip
CLOSED_FORMS = {"crps_normal", "crps_gev", "crps_mixnorm"}
CRPS_CALLS = {  # name -> (call, rtol on a GPU)
    "crps_ensemble": (lambda b, x=OBS, f=FCT: riskcore.crps_ensemble(x, f, backend=b), 1e-13),
    "crps_ensemble fair weighted": (
        lambda b, x=OBS, f=FCT: riskcore.crps_ensemble(x, f, estimator="fair", weights=np.abs(f) + 0.1, backend=b),
        1e-13,
    ),
    "crps_ensemble pwm": (lambda b, x=OBS, f=FCT: riskcore.crps_ensemble(x, f, estimator="pwm", backend=b), 1e-13),
    "crps_ensemble int": (lambda b, x=OBS, f=FCT: riskcore.crps_ensemble(x, f, estimator="int", backend=b), 1e-13),
    "crps_ensemble_grad": (lambda b, x=OBS, f=FCT: riskcore.crps_ensemble_grad(x, f, backend=b), 1e-13),
    "twcrps_ensemble": (lambda b, x=OBS, f=FCT: riskcore.twcrps_ensemble(x, f, threshold=0.3, backend=b), 1e-13),
    "energy_score": (lambda b, x=OBS, f=FCT: riskcore.energy_score(x[..., :3], f[..., :3], backend=b), 1e-13),
    "crps_normal": (lambda b, x=OBS: riskcore.crps_normal(x, 0.2, 1.3, backend=b), 1e-13),
    "crps_gev": (lambda b, x=OBS: riskcore.crps_gev(x, 0.1, 0.0, 1.0, backend=b), 1e-12),
    "crps_mixnorm": (
        lambda b, x=OBS, f=FCT: riskcore.crps_mixnorm(x, f[..., :3], np.abs(f[..., 3:6]) + 0.5, backend=b),
        1e-13,
    ),
    "dssuv_ensemble": (lambda b, x=OBS, f=FCT: riskcore.dssuv_ensemble(x, f, backend=b), 1e-13),
    "error_spread_score": (lambda b, x=OBS, f=FCT: riskcore.error_spread_score(x, f, backend=b), 1e-12),
    "gksuv_ensemble akr": (lambda b, x=OBS, f=FCT: riskcore.gksuv_ensemble(x, f, estimator="akr", backend=b), 1e-13),
    "logs_ensemble": (lambda b, x=OBS, f=FCT: riskcore.logs_ensemble(x, f, backend=b), 1e-13),
    "logs_ensemble bw": (lambda b, x=OBS, f=FCT: riskcore.logs_ensemble(x, f, bw=np.abs(x) + 0.3, backend=b), 1e-13),
}


@pytest.mark.parametrize("name", CRPS_CALLS)
def test_host_inputs_give_host_results_within_the_gpu_tolerance(name):
    call, rtol = CRPS_CALLS[name]
    cuda, cpu = call("cuda"), call("cpu")
    assert type(cuda) is type(cpu) is np.ndarray and cuda.dtype == cpu.dtype and cuda.shape == cpu.shape
    np.testing.assert_allclose(cuda, cpu, rtol=rtol, atol=1e-300)
    if _core.cuda_emulated and name not in CLOSED_FORMS | BLOCK_SUMS:  # the same operations in the same order
        np.testing.assert_array_equal(cuda, cpu)


def test_scalars_and_empty_batches_stay_on_the_host():
    assert isinstance(riskcore.crps_ensemble(0.5, [0.0, 1.0, 2.0], backend="cuda"), np.floating)
    empty = riskcore.crps_ensemble(np.zeros(0), np.zeros((0, 4)), backend="cuda")
    assert type(empty) is np.ndarray and empty.shape == (0,)


def test_device_inputs_give_device_results():
    cupy = pytest.importorskip("cupy")
    out = riskcore.crps_ensemble(cupy.asarray(OBS), cupy.asarray(FCT))
    assert isinstance(out, cupy.ndarray) and out.shape == OBS.shape
    np.testing.assert_allclose(cupy.asnumpy(out), riskcore.crps_ensemble(OBS, FCT, backend="cpu"), rtol=1e-13)
    grad = riskcore.crps_ensemble_grad(cupy.asarray(OBS), cupy.asarray(FCT), estimator="fair")
    assert isinstance(grad, cupy.ndarray) and grad.shape == FCT.shape
    assert isinstance(riskcore.crps_normal(cupy.asarray(OBS), 0.0, 1.0), cupy.ndarray)
    mixture = [cupy.asarray(FCT[..., :3]), cupy.asarray(np.abs(FCT[..., 3:6]) + 0.5)]
    for got, want in zip(
        riskcore.crps_mixnorm_grad(cupy.asarray(OBS), *mixture),
        riskcore.crps_mixnorm_grad(OBS, FCT[..., :3], np.abs(FCT[..., 3:6]) + 0.5, backend="cpu"),
        strict=True,
    ):
        assert isinstance(got, cupy.ndarray) and got.shape == (7, 5, 3)
        np.testing.assert_allclose(cupy.asnumpy(got), want, rtol=1e-13, atol=1e-16)
    logs = riskcore.logs_ensemble(cupy.asarray(OBS), cupy.asarray(FCT), bw=0.4)
    assert isinstance(logs, cupy.ndarray) and logs.shape == OBS.shape
    np.testing.assert_allclose(cupy.asnumpy(logs), riskcore.logs_ensemble(OBS, FCT, bw=0.4, backend="cpu"), rtol=1e-13)
    # weight and chaining functions: w_func runs on host copies of the vectors, v_func on the device arrays
    obs3, fct3 = OBS[:, :3], FCT[:, :, :3]
    for score, host_kw, device_kw in (
        (riskcore.owes_ensemble, {"w_func": lambda z: float(z.sum() > 0) + 0.5}, None),
        (riskcore.twes_ensemble, {"v_func": lambda z: np.maximum(z, 0.2)}, {"v_func": lambda z: cupy.maximum(z, 0.2)}),
        (riskcore.owgksuv_ensemble, {"w_func": None}, None),
        (riskcore.twgksuv_ensemble, {"v_func": None}, None),
    ):
        univariate = score in (riskcore.owgksuv_ensemble, riskcore.twgksuv_ensemble)
        y, x = (obs3[:, 0], fct3[:, :, 0]) if univariate else (obs3, fct3)
        extra = (0.1,) if univariate else ()
        got = score(cupy.asarray(y), cupy.asarray(x), *extra, **(device_kw or host_kw))
        assert isinstance(got, cupy.ndarray), score.__name__
        want = score(y, x, *extra, **host_kw, backend="cpu")
        np.testing.assert_allclose(cupy.asnumpy(got), want, rtol=1e-13)


def test_simulator_dp_and_importance_sums_on_cuda_match_the_cpu():
    cuda = mc.simulate_outcome_risk(P, 0, [3], [4], 15, 3000, 7, backend="cuda")
    cpu = mc.simulate_outcome_risk(P, 0, [3], [4], 15, 3000, 7, backend="cpu")
    assert cuda.steps == cpu.steps
    np.testing.assert_array_equal(cuda.mc.estimate, cpu.mc.estimate)  # 0/1 values: exact on a GPU too
    for kind in ("scope", "reach"):
        np.testing.assert_allclose(getattr(cuda, kind).estimate, getattr(cpu, kind).estimate, rtol=1e-13)
    cal = np.random.default_rng(3).beta(2, 5, size=(4, 200))
    bound = conformal.batch_mean_bound(cal, 10, 0.1, bounds=(0, 1), backend="cuda")
    assert type(bound) is np.ndarray  # the DP is max and + only: exact on a GPU
    np.testing.assert_array_equal(bound, conformal.batch_mean_bound(cal, 10, 0.1, bounds=(0, 1), backend="cpu"))
    z = np.random.default_rng(4).normal(3.0, 1.0, size=(2, 5000))
    r = tail.is_estimate(-(z**2) / 2, -((z - 3) ** 2) / 2, score=z, threshold=3.0, backend="cuda")
    r_cpu = tail.is_estimate(-(z**2) / 2, -((z - 3) ** 2) / 2, score=z, threshold=3.0, backend="cpu")
    np.testing.assert_allclose(r.estimate, r_cpu.estimate, rtol=1e-13)


def test_tail_samplers_run_on_cuda():
    r = tail.gaussian_tail_is(np.ones(3), 4.0, n=500, seed=1, backend="cuda")
    np.testing.assert_allclose(r.estimate, tail.gaussian_tail_is(np.ones(3), 4.0, 500, 1, backend="cpu").estimate,
                               rtol=1e-13)  # fmt: skip
    ce = tail.cross_entropy_is(lambda x: x.sum(axis=1), dim=2, threshold=3.0, n=500, seed=2, backend="cuda")
    assert 0 < ce.estimate.estimate < 1


@pytest.mark.parametrize("order", ["forward", "reverse", "shuffle"])
def test_results_do_not_depend_on_the_order_blocks_and_threads_run_in(order, monkeypatch):
    if not _core.cuda_emulated:
        pytest.skip("the execution order is chosen only by the emulation")
    monkeypatch.setenv("RISKCORE_EMULATE_ORDER", order)
    monkeypatch.setenv("RISKCORE_EMULATE_SEED", "3")
    fct = np.random.default_rng(1).normal(size=(300, 40))
    obs = np.random.default_rng(2).normal(size=300)
    grad = riskcore.crps_ensemble_grad(obs, fct, backend="cuda")
    np.testing.assert_allclose(grad, riskcore.crps_ensemble_grad(obs, fct, backend="cpu"), rtol=1e-13, atol=1e-16)
    monkeypatch.setenv("RISKCORE_EMULATE_ORDER", "forward")
    np.testing.assert_array_equal(grad, riskcore.crps_ensemble_grad(obs, fct, backend="cuda"))  # fixed sum order
    monkeypatch.setenv("RISKCORE_EMULATE_ORDER", order)
    r = mc.simulate_outcome_risk(P, 0, [3], [4], 10, 700, 3, backend="cuda")
    assert r.steps == mc.simulate_outcome_risk(P, 0, [3], [4], 10, 700, 3, backend="cpu").steps
    h = cupy.asarray(np.random.default_rng(3).uniform(0, 0.2, size=(1, 3000, 9)))
    reach = mc.reach_estimate(h)  # the block's threads' moments merged by thread 0 in thread order
    monkeypatch.setenv("RISKCORE_EMULATE_ORDER", "forward")
    assert reach.estimate == mc.reach_estimate(h).estimate and reach.se == mc.reach_estimate(h).se


def _status_with(device: str) -> str:
    script = "import riskcore; s = riskcore.backends()['cuda']; print(s.available, s.reason)"
    fake_cupy = str(pathlib.Path(__file__).parent / "fake_cupy")
    path = os.pathsep.join(p for p in (fake_cupy, os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "RISKCORE_EMULATE_DEVICE": device, "PYTHONPATH": path}
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True).stdout


def test_status_says_no_driver_or_gpu():
    if not _core.cuda_emulated:
        pytest.skip("the emulation stands in for a machine without a driver")
    out = _status_with("none")
    assert out.startswith("False") and "no NVIDIA driver / no GPU found" in out and "insufficient" not in out


def test_status_rejects_a_gpu_the_build_has_no_code_for():
    if not _core.cuda_emulated:
        pytest.skip("the emulation stands in for an sm_75 GPU")
    out = _status_with("7.5")
    assert out.startswith("False") and "compute capability 7.5" in out and "8.0 and newer" in out
    assert _status_with("8.6").startswith("True")


def test_bindings_check_what_the_cpu_bindings_check():
    with pytest.raises(ValueError, match="gradients are available"):
        _core.cuda_crps_ensemble_grad(8, 1, 1, 0, 1, 1, 3, "pwm", 1.0, False, 0)
    with pytest.raises(ValueError, match="at least one member"):
        _core.cuda_crps_ensemble(8, 1, 1, 0, 1, 4, 0, "nrg", 1.0, False, 0)
    with pytest.raises(ValueError, match="itemsize"):
        _core.cuda_energy_score(2, 1, 1, 1, 4, 3, 2, False, 0)
    with pytest.raises(ValueError, match="null pointer"):
        _core.cuda_crps_mixnorm(8, 0, 1, 1, 1, 1, 5, 2, 0)
    with pytest.raises(ValueError, match="at least one component"):
        _core.cuda_crps_mixnorm_grad(8, 1, 1, 1, 1, 1, 5, 0, 0)
    with pytest.raises(ValueError, match="unknown ensemble score"):
        _core.cuda_ensemble_score("crps", 8, 1, 1, 0, 1, 4, 3, 0)
    with pytest.raises(ValueError, match="at least one member"):
        _core.cuda_ensemble_score("dss", 8, 1, 1, 0, 1, 4, 0, 0)
    with pytest.raises(ValueError, match="unknown multivariate score"):
        _core.cuda_multivariate_score("es", 8, 1, 1, 0, 0, 0, 0, 4, 3, 2, 0.5, [0] * 13, 1, 0)
    with pytest.raises(ValueError, match="variogram scores need w"):
        _core.cuda_multivariate_score("vs_nrg", 8, 1, 1, 0, 0, 0, 0, 4, 3, 2, 0.5, [0] * 13, 1, 0)
    with pytest.raises(ValueError, match="weighted scores need fw and ow"):
        _core.cuda_multivariate_score("owes", 8, 1, 1, 0, 0, 0, 0, 4, 3, 2, 0.5, [0] * 13, 1, 0)
    with pytest.raises(ValueError, match="13 element strides"):
        _core.cuda_multivariate_score("dss", 8, 1, 1, 0, 0, 0, 0, 4, 3, 2, 0.5, [0] * 12, 1, 0)
    with pytest.raises(ValueError, match="null pointer"):
        _core.cuda_clogs_ensemble(8, 1, 1, 0, 1, 0, 4, 3, True, [0] * 6, 1, 0)
    with pytest.raises(ValueError, match="no member gradient for 'dss'"):
        _core.cuda_multivariate_grad("dss", 8, 1, 1, 0, 0, 4, 3, 2, 0.5, [0] * 13, 1, 0)
    with pytest.raises(ValueError, match="variogram scores need w"):
        _core.cuda_multivariate_grad("vs_fair", 8, 1, 1, 0, 0, 4, 3, 2, 0.5, [0] * 13, 1, 0)
    with pytest.raises(ValueError, match="null pointer"):
        _core.cuda_standard_normals(0, 5, 1, 0, 0)
    with pytest.raises(ValueError, match="mc and scope need first_hit"):
        _core.cuda_risk_moments(8, 1, 1, 0, 0, [0] * 13, 1, 1, 1, 1, 1, 0)
    with pytest.raises(ValueError, match="13 element strides"):
        _core.cuda_risk_moments(8, 1, 1, 0, 0, [0] * 12, 1, 1, 1, 1, 2, 0)
    with pytest.raises(ValueError, match="need Q, N, K >= 1"):
        _core.cuda_risk_moments(8, 1, 1, 0, 0, [0] * 13, 1, 0, 1, 1, 2, 0)
    with pytest.raises(ValueError, match="n must be >= 0"):
        _core.cuda_standard_normals(1, -1, 1, 0, 0)
    with pytest.raises(ValueError, match="null pointer"):
        _core.cuda_standard_uniforms(0, 5, 1, 0, 0)
    with pytest.raises(ValueError, match="n must be >= 0"):
        _core.cuda_standard_uniforms(1, -1, 1, 0, 0)
    one = np.ones(3)
    with pytest.raises(ValueError, match="m must be >= 1"):
        _core.cuda_knapsack_max_sums([one], np.array([0]), np.array([4]), 0)
    with pytest.raises(ValueError, match="non-empty"):
        _core.cuda_knapsack_max_sums([np.ones(0)], np.array([2]), np.array([4]), 0)
    cdf = np.cumsum(P, axis=1)[None]
    hazard, kind = np.zeros((1, 5)), np.zeros((1, 5), np.uint8)
    with pytest.raises(ValueError, match="start state out of range"):
        _core.cuda_simulate_moments(cdf, cdf, hazard, kind, np.array([5]), 4, 1, 0, 10, 0)
    with pytest.raises(ValueError, match="one chain per query"):
        _core.cuda_simulate_moments(np.repeat(cdf, 2, 0), np.repeat(cdf, 2, 0), np.zeros((2, 5)),
                                  np.zeros((2, 5), np.uint8), np.zeros(3, np.int64), 4, 1, 0, 10, 0)  # fmt: skip
    with pytest.raises(ValueError, match=r"energy_score.*exceed one launch.s grid"):
        _core.cuda_energy_score(8, 1, 1, 1, 2**40, 3, 2, False, 0)


def test_device_memory_comes_from_cupys_pool_and_is_released_on_errors():
    cupy = pytest.importorskip("cupy")
    pool = cupy.get_default_memory_pool()
    if not hasattr(pool, "allocations"):
        pytest.skip("counts allocations through the stand-in's pool")
    big = np.random.default_rng(5).normal(size=(3, 1100))  # above the shared-memory sort: global scratch
    before = pool.allocations
    riskcore.crps_ensemble_grad(0.0, big, backend="cuda")
    mc.simulate_outcome_risk(P, 0, [3], [4], 5, 100, 1, backend="cuda")
    assert pool.allocations > before + 3  # scratch and tables of the launchers went through the pool
    assert _core.cuda_allocations() == 0
    try:
        pool.set_limit(size=pool.used_bytes() + big.size * 8 + 64)  # one of the three scratch arrays fits
        with pytest.raises(MemoryError):
            riskcore.crps_ensemble_grad(np.zeros(3), big, backend="cuda")
    finally:
        pool.set_limit(size=0)
    assert _core.cuda_allocations() == 0  # the buffers allocated before the failure were freed


def test_one_launch_solves_problems_of_different_sizes_like_the_cpu():
    rng = np.random.default_rng(9)
    values = [np.sort(rng.uniform(size=k))[::-1].copy() for k in (1, 7, 300, 40)]
    m, t_max = np.array([1, 5, 20, 3]), np.array([0, 12, 2500, 200])
    np.testing.assert_allclose(  # the CPU combines two half-depth layers, CUDA runs all m: a few ulp apart
        _core.cuda_knapsack_max_sums(values, m, t_max, 0), _core.knapsack_max_sums(values, m, t_max), rtol=1e-14
    )
    assert _core.cuda_knapsack_max_sums([], np.zeros(0, np.int64), np.zeros(0, np.int64), 0).shape == (0,)


def test_ensembles_sorted_in_shared_memory_allocate_nothing_but_the_result():
    cupy = pytest.importorskip("cupy")
    pool = cupy.get_default_memory_pool()
    if not hasattr(pool, "allocations"):
        pytest.skip("counts allocations through the stand-in's pool")
    obs, fct = cupy.asarray(OBS), cupy.asarray(FCT)
    weights = cupy.asarray(np.abs(FCT) + 0.1)
    for call in (riskcore.crps_ensemble, riskcore.crps_ensemble_grad):
        before = pool.allocations
        call(obs, fct, weights=weights, estimator="fair")
        assert pool.allocations == before  # (the stand-in's arrays, the result among them, are not counted)


def _tricky_ensembles(m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows with ties, NaNs, infinities, zero weights and observations on a member, for m members."""
    fct = rng.normal(size=(12, m)).round(1)  # rounding makes ties
    fct[1, : m // 2] = fct[1, 0]  # a large tie group
    fct[2, -1] = np.nan
    fct[3, 0] = np.inf
    fct[4, :] = -np.inf
    fct[5, :] = np.nan
    obs = rng.normal(size=12).round(1)
    obs[4] = -np.inf
    obs[6] = fct[6, m // 2]
    obs[7] = np.nan
    weights = rng.uniform(0.1, 2.0, size=(12, m)).round(1)
    weights[8, : m // 3] = 0.0
    return obs, fct, weights


ALL_ESTIMATORS = ("nrg", "fair", "afcrps", "pwm", "int", "akr", "akr_circperm")


@pytest.mark.parametrize(
    ("m", "dtype", "estimators"),
    [(m, dtype, ALL_ESTIMATORS) for m in (1, 2, 31, 32, 33, 1025) for dtype in (np.float64, np.float32)]
    + [(257, np.float64, ("fair", "pwm", "int", "akr_circperm"))]  # many emulated threads per block: slow
    + [(1024, np.float64, ("fair", "int", "akr"))],
)
def test_ensemble_blocks_match_the_cpu_on_ties_nans_infinities_and_weights(m, dtype, estimators):
    obs, fct, weights = (a.astype(dtype) for a in _tricky_ensembles(m, np.random.default_rng(m)))
    rtol = 1e-13 if dtype == np.float64 else 2e-7  # float32: one rounding of the float64 result
    exact = _core.cuda_emulated and m > 1024  # one thread per row on the CPU's row function
    for policy in ("propagate", "omit"):
        for estimator in estimators:
            for w in (None, weights):
                if w is not None and estimator in ("pwm", "akr", "akr_circperm"):
                    continue
                kw = {"weights": w, "estimator": estimator, "nan_policy": policy}
                if m < 2 and estimator in ("fair", "afcrps", "pwm"):
                    continue  # rejected by the validation, before any backend
                cuda = riskcore.crps_ensemble(obs, fct, backend="cuda", **kw)
                cpu = riskcore.crps_ensemble(obs, fct, backend="cpu", **kw)
                np.testing.assert_allclose(cuda, cpu, rtol=rtol, atol=1e-15, err_msg=str(kw))
                if exact:
                    np.testing.assert_array_equal(cuda, cpu)
                if estimator in ("pwm", "int"):
                    continue
                cuda = riskcore.crps_ensemble_grad(obs, fct, backend="cuda", **kw)
                cpu = riskcore.crps_ensemble_grad(obs, fct, backend="cpu", **kw)
                # a member's gradient is its weight times a difference of weight sums: within rtol of 1/m
                np.testing.assert_allclose(cuda, cpu, rtol=rtol, atol=rtol / m, err_msg=str(kw))
                if exact:
                    np.testing.assert_array_equal(cuda, cpu)


@pytest.mark.parametrize(("m", "d"), [(1, 1), (2, 3), (7, 1), (70, 2), (300, 40), (5, 1400)])
def test_energy_score_tiles_match_the_cpu(m, d):
    rng = np.random.default_rng(d)
    obs, fct = rng.normal(size=(3, d)), rng.normal(size=(3, m, d))
    for estimator in ("nrg", "fair") if m > 1 else ("nrg",):
        cuda = riskcore.energy_score(obs, fct, estimator=estimator, backend="cuda")
        cpu = riskcore.energy_score(obs, fct, estimator=estimator, backend="cpu")
        np.testing.assert_allclose(cuda, cpu, rtol=1e-13, atol=1e-15)
        if _core.cuda_emulated and d > 1344:  # one thread per row on the CPU's row function
            np.testing.assert_array_equal(cuda, cpu)


@pytest.mark.parametrize("k", [1, 3, 650, 1400])
def test_mixture_tiles_match_the_cpu(k):
    rng = np.random.default_rng(k)
    obs, mu = rng.normal(size=2), rng.normal(size=(2, k))
    sd, w = rng.uniform(0.2, 2.0, size=(2, k)), rng.uniform(0.0, 1.0, size=(2, k))
    cuda = riskcore.crps_mixnorm(obs, mu, sd, w, backend="cuda")
    np.testing.assert_allclose(cuda, riskcore.crps_mixnorm(obs, mu, sd, w, backend="cpu"), rtol=1e-12)
    grads = riskcore.crps_mixnorm_grad(obs, mu, sd, w, backend="cuda")  # one thread per mixture
    for got, want in zip(grads, riskcore.crps_mixnorm_grad(obs, mu, sd, w, backend="cpu"), strict=True):
        assert type(got) is np.ndarray and got.shape == (2, k)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-16)


def test_simulator_uploads_the_tables_once_and_sums_on_the_device():
    cupy = pytest.importorskip("cupy")
    pool = cupy.get_default_memory_pool()
    if not hasattr(pool, "allocations"):
        pytest.skip("counts allocations through the stand-in's pool")
    counts = []
    for chunk, n in ((10, 200), (65_536, 200), (10, 2000)):
        before = pool.allocations
        mc.simulate_outcome_risk(P, [0, 1], [3], [4], 12, n, 5, chunk=chunk, backend="cuda")
        counts.append(pool.allocations - before)
    assert counts[0] == counts[1] == counts[2]  # neither the chunk nor the trajectories add transfers
    moments, steps = _core.cuda_simulate_moments(*_tables(), np.array([0, 1]), 12, 5, 0, 2000, 0)
    assert moments.shape == (2, 3, 2) and steps.shape == (2,)  # per-query totals only


def _tables():
    from riskcore import _markov_chain

    tables = _markov_chain.sampling_tables(_markov_chain.validate(P, [0, 1], [3], [4]))
    return tables["cdf"], tables["masked_cdf"], tables["hazard"], tables["kind"]


def test_simulator_moments_on_cuda_match_the_cpu_over_many_blocks():
    cuda = mc.simulate_outcome_risk(P, [0, 1, 2], [3], [4], 25, 20_000, 9, backend="cuda")
    cpu = mc.simulate_outcome_risk(P, [0, 1, 2], [3], [4], 25, 20_000, 9, chunk=4096, backend="cpu")
    assert cuda.steps == cpu.steps
    np.testing.assert_array_equal(cuda.mc.accumulator.count, cpu.mc.accumulator.count)
    # MC sums are integer counts: the device mean is count / n exactly, the CPU merges chunk means
    np.testing.assert_allclose(cuda.mc.estimate, cpu.mc.estimate, rtol=1e-14)
    for kind in mc.KINDS:
        a, b = getattr(cuda, kind).accumulator, getattr(cpu, kind).accumulator
        np.testing.assert_allclose(a.mean, b.mean, rtol=1e-13)
        np.testing.assert_allclose(a.m2, b.m2, rtol=1e-10)  # from sums of squares: mean^2 / variance ulps


def test_simulator_efficiency_intervals_on_cuda_match_the_cpu():
    cuda = mc.simulate_outcome_risk(P, [0, 1, 2], [3], [4], 25, 20_000, 9, backend="cuda")
    cpu = mc.simulate_outcome_risk(P, [0, 1, 2], [3], [4], 25, 20_000, 9, chunk=4096, backend="cpu")
    for kind in ("scope", "reach"):
        a, b = getattr(cuda, kind), getattr(cpu, kind)
        assert np.isfinite(a.efficiency_low).all() and (a.efficiency_low < a.efficiency).all()
        # the same pairs about other centres (the device: the run's means; the cpu: each chunk's, merged)
        for field in ("efficiency", "efficiency_low", "efficiency_high"):
            np.testing.assert_allclose(getattr(a, field), getattr(b, field), rtol=1e-9, err_msg=field)
        np.testing.assert_allclose(cuda.pairs[kind].recentred(cpu.pairs[kind].shift), cpu.pairs[kind].sums,
                                   rtol=1e-9, atol=1e-9)  # fmt: skip
    one = mc.simulate_outcome_risk(P, 0, [3], [4], 25, 5000, 2, estimators=("mc", "reach"), backend="cuda")
    ref = mc.simulate_outcome_risk(P, 0, [3], [4], 25, 5000, 2, estimators=("mc", "reach"), backend="cpu")
    assert one.reach.efficiency_high.shape == () and one.scope is None
    np.testing.assert_allclose(one.reach.efficiency_high, ref.reach.efficiency_high, rtol=1e-9)
    alone = mc.simulate_outcome_risk(P, 0, [3], [4], 25, 5000, 2, estimators=("reach",), backend="cuda")
    assert alone.reach.efficiency is None and alone.reach.efficiency_low is None
    single = mc.simulate_outcome_risk(P, 0, [3], [4], 25, 1, 2, backend="cuda")  # no spread: NaN, as on the cpu
    assert np.isnan(single.reach.efficiency_low) and np.isnan(single.scope.efficiency_high)


def test_philox_runs_on_the_host_and_the_tail_sampler_on_the_device_under_riskcore_backend_cuda(monkeypatch):
    monkeypatch.setenv("RISKCORE_BACKEND", "cuda")
    block = philox4x64([[1, 0, 0, 0]], [7, 0])
    assert type(block) is np.ndarray
    np.testing.assert_array_equal(block[0], np.random.Philox(key=7, counter=0).random_raw(4))
    with pytest.raises(ValueError, match="runs on the host"):
        philox4x64([[1, 0, 0, 0]], [7, 0], backend="cuda")
    r = tail.gaussian_tail_is(np.ones(3), 4.0, n=500, seed=1)  # auto -> cuda: drawn and summed on the device
    monkeypatch.delenv("RISKCORE_BACKEND")
    np.testing.assert_allclose(r.estimate, tail.gaussian_tail_is(np.ones(3), 4.0, 500, 1, backend="cpu").estimate,
                               rtol=1e-13)  # fmt: skip


cupy = pytest.importorskip("cupy") if riskcore.backends()["cuda"].available else None


def _is_calls():
    """(name, log_p, log_q, keywords) of the fused pass's cases: 2 queries of 150,000 samples (3 chunks, the
    last partial), a scalar log q (broadcast, never expanded), float32, boolean, graded, score and grid."""
    z = np.random.default_rng(21).normal(3.0, 1.0, size=(2, 150_000))
    lp, lq = -(z**2) / 2, -((z - 3) ** 2) / 2
    yield "score", lp, lq, {"score": z, "threshold": 3.0}
    yield "grid", lp, lq, {"score": z, "threshold": [4.0, 2.5, 3.5, 3.0]}
    yield "per-query grid", lp, lq, {"score": z, "threshold": [[2.5, 3.0], [3.5, 4.0]]}
    yield "bool", lp, lq, {"event": z > 3.2}
    yield "graded", lp, lq, {"event": np.clip(z - 3.0, 0.0, 1.0)}
    yield "scalar log q", lp - lq, 0.0, {"score": z, "threshold": 3.5}
    yield "float32", lp.astype(np.float32), lq.astype(np.float32), {"score": z.astype(np.float32), "threshold": 3.0}


def _on_device(value):
    return cupy.asarray(value) if isinstance(value, np.ndarray) and value.ndim == 2 else value


@pytest.mark.parametrize("case", list(_is_calls()), ids=lambda c: c[0])
@pytest.mark.parametrize("estimator", [tail.is_estimate, tail.snis_estimate])
def test_importance_sums_of_device_arrays_run_on_the_device_and_match_the_cpu(case, estimator):
    _, lp, lq, kw = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        cpu = estimator(lp, lq, backend="cpu", **kw)
        gpu = estimator(_on_device(lp), _on_device(lq), **{k: _on_device(v) for k, v in kw.items()})
    rtol = 1e-5 if lp.dtype == np.float32 else 1e-13  # float32: the chunk's sums in another order
    for field in ("estimate", "se", "log_estimate", "ess", "kl"):
        np.testing.assert_allclose(getattr(gpu, field), getattr(cpu, field), rtol=rtol, err_msg=field)
    np.testing.assert_allclose(gpu.khat, cpu.khat, rtol=1e-10, atol=1e-12)  # from the same largest terms
    np.testing.assert_array_equal(gpu.events, cpu.events)


def test_device_importance_sums_report_bad_values_like_the_cpu():
    lp = np.zeros((2, 70_000))
    lp[1, 66_000] = np.nan
    for backend, arr in (("cpu", lp), ("cuda", cupy.asarray(lp))):
        with pytest.raises(ValueError, match=r"log_p .*index \(1, 66000\)"):
            tail.is_estimate(arr, 0.0, event=np.ones(lp.shape, bool), backend=backend)
    with pytest.raises(ValueError, match=r"event must be in \[0, 1\]"):
        tail.is_estimate(cupy.asarray(np.zeros(5)), 0.0, event=cupy.asarray(np.array([0, 0.5, 2.0, 1, 0])))


@pytest.mark.parametrize("n", [1, 500, 65_536, 200_001])
def test_gaussian_tail_sampler_on_the_device_matches_the_cpu(n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gpu = tail.gaussian_tail_is(np.ones(3), 4.0, n=n, seed=5, backend="cuda")
        cpu = tail.gaussian_tail_is(np.ones(3), 4.0, n=n, seed=5, backend="cpu")
    for field in ("estimate", "se", "ess", "kl"):
        np.testing.assert_allclose(getattr(gpu, field), getattr(cpu, field), rtol=1e-13, err_msg=field)
    np.testing.assert_allclose(gpu.khat, cpu.khat, rtol=1e-10, atol=1e-12, equal_nan=True)
    assert gpu.events == cpu.events


@pytest.mark.parametrize("n", [0, 1, 7, 65_536, 1_000_003])
def test_standard_normals_like_a_device_array_are_drawn_on_the_device(n):
    gpu = tail.standard_normals(n, seed=9, stream=2, like=cupy.empty(0))
    assert isinstance(gpu, cupy.ndarray) and gpu.shape == (n,) and gpu.dtype == np.float64
    # the same Philox words and transform; on a GPU CUDA's log and FMA contraction move a few ulp (|z| < 8.6)
    np.testing.assert_allclose(gpu.get(), tail.standard_normals(n, seed=9, stream=2), rtol=0, atol=1e-14)
    assert type(tail.standard_normals(n, seed=9, backend="cuda")) is np.ndarray  # no device `like`: host
    with pytest.raises(ValueError, match="GPU arrays but backend='cpu'"):
        tail.standard_normals(n, seed=9, like=cupy.empty(0), backend="cpu")


@pytest.mark.parametrize("n", [0, 1, 7, 65_536, 1_000_003])
def test_standard_uniforms_like_a_device_array_are_the_host_doubles(n):
    gpu = tail.standard_uniforms(n, seed=9, stream=2, like=cupy.empty(0))
    assert isinstance(gpu, cupy.ndarray) and gpu.shape == (n,) and gpu.dtype == np.float64
    np.testing.assert_array_equal(gpu.get(), tail.standard_uniforms(n, seed=9, stream=2))  # integer bits: exact
    assert type(tail.standard_uniforms(n, seed=9, backend="cuda")) is np.ndarray  # no device `like`: host
    with pytest.raises(ValueError, match="GPU arrays but backend='cpu'"):
        tail.standard_uniforms(n, seed=9, like=cupy.empty(0), backend="cpu")
    with pytest.raises(ValueError, match="seed must be in"):
        tail.standard_uniforms(n, seed=-1, like=cupy.empty(0))


def test_cross_entropy_like_a_device_array_runs_every_stage_on_the_device():
    seen = []

    def score(x):
        seen.append(type(x))
        return x.sum(axis=1)

    gpu = tail.cross_entropy_is(score, 2, 4.0, 2000, 3, fit_sd=True, like=cupy.empty(0))
    cpu = tail.cross_entropy_is(lambda x: x.sum(axis=1), 2, 4.0, 2000, 3, fit_sd=True, backend="cpu")
    assert set(seen) == {cupy.ndarray} and gpu.converged
    assert type(gpu.mean) is np.ndarray and type(gpu.sd) is np.ndarray
    np.testing.assert_allclose(gpu.levels, cpu.levels, rtol=1e-12)
    np.testing.assert_allclose(gpu.mean, cpu.mean, rtol=1e-12)
    np.testing.assert_allclose(gpu.sd, cpu.sd, rtol=1e-12)
    for field in ("estimate", "se", "ess", "kl"):
        np.testing.assert_allclose(getattr(gpu.estimate, field), getattr(cpu.estimate, field), rtol=1e-12)
    assert gpu.estimate.events == cpu.estimate.events


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_multivariate_gradients_of_device_arrays_stay_on_the_device(dtype):
    rng = np.random.default_rng(23)
    obs, fct = rng.normal(size=(6, 3)).astype(dtype), rng.normal(size=(6, 4, 3)).astype(dtype)
    fct[2, 1, 0] = np.nan
    moved = np.moveaxis(fct, (1, 2), (0, 1))  # (m, d, n): the gradient keeps these axes
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    calls = [(riskcore.energy_score_grad, {"estimator": "fair"}), (riskcore.energy_score_grad, {"estimator": "akr"}),
             (riskcore.vs_ensemble_grad, {"w": rng.uniform(size=(3, 3)), "p": 1.5})]  # fmt: skip
    for fn, kw in calls:
        gpu = fn(cupy.asarray(obs.T), cupy.asarray(moved), m_axis=0, v_axis=1, **kw)
        cpu = fn(obs.T, moved, m_axis=0, v_axis=1, backend="cpu", **kw)
        assert isinstance(gpu, cupy.ndarray) and gpu.dtype == dtype and gpu.shape == moved.shape
        np.testing.assert_allclose(gpu.get(), cpu, rtol=rtol, atol=1e-6 if dtype == np.float32 else 1e-15)
        assert np.isnan(cpu[:, :, 2]).all()
    w = rng.uniform(size=(3, 3))  # a host w with device data (and the reverse) is moved to the data
    on_device = riskcore.vs_ensemble(cupy.asarray(obs), cupy.asarray(fct), w=w)
    assert isinstance(on_device, cupy.ndarray)
    np.testing.assert_allclose(on_device.get(), riskcore.vs_ensemble(obs, fct, w=w, backend="cpu"), rtol=rtol)
    on_host = riskcore.vs_ensemble(obs, fct, w=cupy.asarray(w), backend="cpu")
    np.testing.assert_array_equal(on_host, riskcore.vs_ensemble(obs, fct, w=w, backend="cpu"))


def _risk_fields(r):
    return [np.asarray(getattr(r, f)) for f in ("estimate", "se", "ci_low", "ci_high", "n", "variance")]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_mc_scope_reach_of_device_arrays_run_on_the_device_and_match_the_cpu(dtype):
    rng = np.random.default_rng(24)
    h = rng.uniform(0, 0.12, size=(2, 5000, 7, 3)).astype(dtype)  # 3 blocks of trajectories, the last partial
    hit = rng.integers(-1, 7, size=(2, 5000, 3))
    lengths = rng.integers(0, 8, size=(2, 5000))
    hit3 = np.minimum(hit, lengths[..., None] - 1)
    mask = rng.uniform(size=(2, 5000, 7)) < 0.8
    base = mc.mc_estimate(hit[:, :, 0])
    calls = [
        (mc.reach_estimate, (h,), {}),
        (mc.reach_estimate, (h[..., 0],), {"mask": mask, "baseline": base}),
        (mc.scope_estimate, (h, hit3), {"lengths": lengths}),
        (mc.scope_estimate, (h[..., 1], hit[:, :, 1]), {}),
        (mc.mc_estimate, (hit,), {}),
    ]
    for fn, args, kw in calls:
        cpu = fn(*args, backend="cpu", **kw)
        dev = {k: cupy.asarray(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        gpu = fn(*(cupy.asarray(a) for a in args), **dev)
        assert type(gpu.estimate) is np.ndarray  # results are host objects, as the tail estimators'
        # the same terms in the same order (the per-block moments merged on the host as on the cpu); on a
        # GPU CUDA's log1p/expm1 and FMA contraction move REACH by a few ulp
        for a, b in zip(_risk_fields(gpu), _risk_fields(cpu), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12 if dtype == np.float64 else 1e-6, atol=1e-15)
        if cpu.efficiency is not None:
            np.testing.assert_allclose(gpu.efficiency, cpu.efficiency, rtol=1e-10)


def test_device_hazards_report_bad_values_like_the_cpu():
    h = np.full((2, 3000, 4), 0.1)
    h[1, 2500, 2] = 1.5
    for arr in (h, cupy.asarray(h)):
        with pytest.raises(ValueError, match=r"hazards .*index \(1, 2500, 2\)"):
            mc.reach_estimate(arr, backend="cpu" if arr is h else "auto")
    hit = np.full((2, 3000), -1)
    hit[0, 7] = 9
    with pytest.raises(ValueError, match=r"first_hit .*index \(0, 7\)"):
        mc.scope_estimate(cupy.asarray(np.full((2, 3000, 4), 0.1)), cupy.asarray(hit))
    with pytest.raises(ValueError, match="GPU arrays but backend='cpu'"):
        mc.reach_estimate(cupy.asarray(h), backend="cpu")


def test_mixture_importance_sampling_of_device_arrays_stays_on_the_device():
    rng = np.random.default_rng(22)
    z = np.concatenate([rng.normal(3.5, 1, 5000), rng.normal(4.5, 1, 5000)])
    lq = np.stack([-((z - 3.5) ** 2) / 2, -((z - 4.5) ** 2) / 2])
    mixture = tail.defensive_mixture(cupy.asarray(-(z**2) / 2), cupy.asarray(lq), [0.2, 0.4, 0.4])
    assert isinstance(mixture, cupy.ndarray)
    np.testing.assert_allclose(mixture.get(), tail.defensive_mixture(-(z**2) / 2, lq, [0.2, 0.4, 0.4]), rtol=1e-14)
    cpu = tail.mis_estimate(-(z**2) / 2, lq, [5000, 5000], score=z, threshold=4.0, backend="cpu")
    gpu = tail.mis_estimate(cupy.asarray(-(z**2) / 2), cupy.asarray(lq), [5000, 5000], score=cupy.asarray(z),
                            threshold=4.0)  # fmt: skip
    np.testing.assert_allclose([gpu.estimate, gpu.se], [cpu.estimate, cpu.se], rtol=1e-13)
