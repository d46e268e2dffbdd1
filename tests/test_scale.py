"""Dask and xarray integration, the `riskcore bench` and `riskcore demo` commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from chains import WORKED

import riskcore
from riskcore import mc, tail

da = pytest.importorskip("dask.array")
xr = pytest.importorskip("xarray")
rdask = pytest.importorskip("riskcore.dask")
rxr = pytest.importorskip("riskcore.xarray")


def test_dask_crps_equals_single_process():
    rng = np.random.default_rng(0)
    fct = rng.normal(size=(30, 40, 16))  # members on axis 1, split over chunks on purpose
    obs = rng.normal(size=(30, 16))
    lazy = rdask.crps_ensemble(
        da.from_array(obs, chunks=(7, 5)), da.from_array(fct, chunks=(7, 9, 5)), axis=1, estimator="fair"
    )
    np.testing.assert_array_equal(lazy.compute(), riskcore.crps_ensemble(obs, fct, axis=1, estimator="fair"))
    y = da.from_array(rng.normal(size=1000), chunks=128)
    np.testing.assert_array_equal(
        rdask.closed_form("gev", y, 0.1, 0.0, 2.0).compute(), riskcore.crps_gev(y.compute(), 0.1, 0.0, 2.0)
    )
    with pytest.raises(ValueError, match="unknown closed form"):
        rdask.closed_form("ensemble", y)


def test_dask_importance_sampling_equals_single_process():
    rng = np.random.default_rng(1)
    lw = rng.normal(scale=2, size=(2, 50_000))
    ev = rng.uniform(size=lw.shape) < 0.05
    sharded = rdask.is_estimate(da.from_array(lw, chunks=(1, 7_000)), da.from_array(ev, chunks=(1, 7_000)))
    single = tail.is_estimate(lw, 0.0, event=ev)
    np.testing.assert_allclose(sharded.estimate, single.estimate, rtol=1e-12)
    np.testing.assert_allclose(sharded.se, single.se, rtol=1e-10)
    np.testing.assert_allclose(sharded.ess, single.ess, rtol=1e-12)
    np.testing.assert_array_equal(sharded.khat, single.khat)


@pytest.fixture(scope="module")
def cluster_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_distributed_simulation_equals_single_machine(cluster_client):
    single = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 40_000, 9)
    sharded = rdask.simulate_outcome_risk(WORKED, 0, [3], [4], 20, 40_000, 9, shards=5)
    for kind in mc.KINDS:
        a, b = getattr(single, kind), getattr(sharded, kind)
        np.testing.assert_array_equal(a.n, b.n)
        np.testing.assert_allclose(a.estimate, b.estimate, rtol=1e-12)
        np.testing.assert_allclose(a.variance, b.variance, rtol=1e-10)


def test_killed_worker_is_retried_and_the_estimate_is_unchanged(cluster_client):
    """SIGKILL a worker while its shards run: Dask reruns them elsewhere; Philox makes the rerun identical."""
    n, shards = 24_000_000, 8
    result: dict = {}
    job = threading.Thread(
        target=lambda: result.update(r=rdask.simulate_outcome_risk(WORKED, 0, [3], [4], 20, n, 21, shards=shards))
    )
    job.start()
    deadline = time.time() + 60
    busy: dict = {}
    while time.time() < deadline and not any(busy.values()):
        busy = cluster_client.processing()  # worker address -> keys it is running
        time.sleep(0.01)
    victim_address = next(a for a, keys in busy.items() if keys)
    os.kill(cluster_client.run(os.getpid)[victim_address], signal.SIGKILL)
    job.join(timeout=600)
    assert "r" in result, "the distributed simulation did not finish after a worker was killed"
    single = mc.simulate_outcome_risk(WORKED, 0, [3], [4], 20, n, 21)
    np.testing.assert_allclose(result["r"].reach.estimate, single.reach.estimate, rtol=1e-12)
    np.testing.assert_allclose(result["r"].mc.estimate, single.mc.estimate, rtol=1e-12)
    np.testing.assert_array_equal(result["r"].mc.n, single.mc.n)


def test_xarray_keeps_dims_and_coords():
    rng = np.random.default_rng(2)
    fct = xr.DataArray(
        rng.normal(size=(4, 3, 12)),
        dims=("time", "station", "ens"),
        coords={"time": np.arange(4), "station": ["a", "b", "c"]},
    )
    obs = xr.DataArray(
        rng.normal(size=(3, 4)), dims=("station", "time"), coords={"station": ["a", "b", "c"], "time": np.arange(4)}
    )
    out = rxr.crps_ensemble(obs, fct, member_dim="ens", estimator="fair")
    assert set(out.dims) == {"time", "station"} and list(out.coords["station"].values) == ["a", "b", "c"]
    want = riskcore.crps_ensemble(obs.transpose("time", "station").values, fct.values, estimator="fair")
    np.testing.assert_allclose(out.transpose("time", "station").values, want)
    lazy = rxr.crps_ensemble(obs, fct.chunk({"time": 2}), member_dim="ens")
    np.testing.assert_allclose(
        lazy.compute().transpose("time", "station").values,
        riskcore.crps_ensemble(obs.transpose("time", "station").values, fct.values),
    )
    tw = rxr.twcrps_ensemble(obs, fct, member_dim="ens", threshold=0.5)
    assert tw.dims == out.dims
    with pytest.raises(ValueError, match="member_dim 'member' is not a dimension of fct"):
        rxr.crps_ensemble(obs, fct)
    with pytest.raises(ValueError, match="must not have the member dimension"):
        rxr.crps_ensemble(fct, fct, member_dim="ens")


def run_cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "riskcore.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600
    )


def test_bench_small_runs_and_writes_a_chart(tmp_path):
    done = run_cli("bench", "--size", "small", "--chart", str(tmp_path / "bench.png"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "crps_ensemble" in done.stdout and "ratio" in done.stdout
    if "chart: skipped" not in done.stdout:
        assert (tmp_path / "bench.png").stat().st_size > 1000


def test_demo_runs_every_capability_and_plots(tmp_path):
    pytest.importorskip("matplotlib")
    start = time.perf_counter()
    done = run_cli("demo", "--plot", str(tmp_path / "figs"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for expected in ("CRPS of", "Batch conformal", "Outcome risk", "P(sum of 20"):
        assert expected in done.stdout
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [
        "conformal_coverage.png",
        "mc_variance.png",
        "tail_convergence.png",
    ]
    assert time.perf_counter() - start < 60  # the issue asks for under 30 s; leave room for a loaded CI machine
