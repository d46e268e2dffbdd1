"""Backend discovery, selection rules and the Numba fallback without the extension."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import riskcore
from riskcore import _backend


def test_backends_reports_every_backend_with_a_reason():
    status = riskcore.backends()
    assert list(status) == ["cuda", "cpu", "numba"]
    for s in status.values():
        assert isinstance(s.available, bool) and s.reason


def test_auto_prefers_cuda_then_cpu_then_numba(monkeypatch):
    monkeypatch.delenv("RISKCORE_BACKEND", raising=False)
    status = riskcore.backends()
    on_host = next(name for name in ("cpu", "numba") if status[name].available)
    assert _backend.resolve("auto", np.zeros(3)) == on_host  # small host inputs never go to a GPU
    big = np.zeros(_backend.AUTO_GPU_MIN_ELEMENTS)
    gpu = status["cuda"].available and not _core_flag("cuda_emulated")
    assert _backend.resolve("auto", big) == ("cuda" if gpu else on_host)  # nor to an emulated one


def test_auto_keeps_small_host_inputs_on_the_cpu_and_sends_large_ones_to_a_gpu(monkeypatch):
    if not (riskcore.backends()["cuda"].available and _core_flag("cuda_emulated")):
        pytest.skip("needs the emulated CUDA build and the CuPy stand-in")
    import cupy

    monkeypatch.delenv("RISKCORE_BACKEND", raising=False)
    monkeypatch.setattr(_backend, "_emulated", lambda: False)  # the emulation plays a real GPU here
    limit = _backend.AUTO_GPU_MIN_ELEMENTS
    assert limit == 2**20
    assert _backend.resolve("auto", np.zeros(limit - 1)) == "cpu"
    assert _backend.resolve("auto", np.zeros(limit // 2), np.zeros(limit // 2)) == "cuda"  # counted together
    assert _backend.resolve("auto", np.zeros(limit)) == "cuda"
    assert _backend.resolve("auto") == "cpu"  # no arrays: small
    assert _backend.resolve("auto", cupy.zeros(3)) == "cuda"  # device arrays always go to the GPU
    obs, fct = np.zeros(3), np.ones((3, 4))
    small = riskcore.crps_ensemble(obs, fct)
    assert type(small) is np.ndarray  # host in, host out whichever backend ran
    monkeypatch.setattr(_backend, "AUTO_GPU_MIN_ELEMENTS", 10)  # now the same call is large: cuda runs it
    calls = []
    cuda_kernel = _backend.implementation("crps_ensemble", "cuda")
    from riskcore import _crps_args

    monkeypatch.setattr(
        _crps_args, "implementation", lambda op, name: (calls.append(name), cuda_kernel if name == "cuda" else None)[1]
    )
    big = riskcore.crps_ensemble(obs, fct)
    assert calls == ["cuda"] and type(big) is np.ndarray
    np.testing.assert_array_equal(big, small)


def _core_flag(name: str) -> bool:
    from riskcore import _core

    return bool(getattr(_core, name))


def test_environment_variable_replaces_auto(monkeypatch):
    monkeypatch.setenv("RISKCORE_BACKEND", "numba")
    assert _backend.resolve("auto") == "numba"
    assert _backend.resolve("cpu") == "cpu"  # an explicit argument wins
    monkeypatch.setenv("RISKCORE_BACKEND", "fpga")
    with pytest.raises(ValueError, match="backend must be"):
        _backend.resolve("auto")


def test_unavailable_backend_says_why():
    if riskcore.backends()["cuda"].available:
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="not available"):
        riskcore.crps_ensemble(0.0, [1.0, 2.0], backend="cuda")


def test_thread_count_does_not_change_results():
    rng = np.random.default_rng(0)
    obs, fct = rng.normal(size=5001), rng.normal(size=(5001, 33))
    previous = riskcore.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 8):
            riskcore.set_num_threads(threads)
            results.append(riskcore.crps_ensemble(obs, fct, backend="cpu"))
    finally:
        riskcore.set_num_threads(previous)
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


def test_numba_backend_works_without_the_extension():
    script = textwrap.dedent(
        """
        import sys
        sys.modules["riskcore._core"] = None  # import of the extension now fails
        import riskcore
        status = riskcore.backends()
        assert not status["cpu"].available and "no compiled extension" in status["cpu"].reason
        assert status["numba"].available
        print(float(riskcore.crps_ensemble(0.5, [0.0, 1.0, 2.0])))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert float(out.stdout) == pytest.approx(0.3888888888888889)
