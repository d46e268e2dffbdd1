"""Shared fixtures: every test that takes `backend` runs on each backend available here."""

from __future__ import annotations

import os
import pathlib
import sys

import pytest
from hypothesis import HealthCheck, settings

import riskcore

try:
    from riskcore import _core
except ImportError:
    _core = None
# The emulated CUDA build (RISKCORE_CUDA=EMULATE) runs its kernels on host memory: the NumPy-backed
# CuPy stand-in in tests/fake_cupy takes the place of CuPy, so every backend="cuda" test runs here.
EMULATED_CUDA = bool(getattr(_core, "cuda_emulated", False))
if EMULATED_CUDA:
    sys.modules.pop("cupy", None)
    sys.path.insert(0, str(pathlib.Path(__file__).parent / "fake_cupy"))

# "ci" is derandomized (the same examples every run: a submission's CI cannot be flaky); the long
# profile and the slow fuzzers explore new examples each run.
settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
# The sanitizer stage of .ci/run looks for memory errors, which the first (smallest, derandomized) examples
# reach as well as the sixtieth: fewer examples keep a 3x-slower ASan build inside CI's time.
settings.register_profile("sanitizer", parent=settings.get_profile("ci"), max_examples=15)
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

BACKENDS = ["cpu", "numba", "cuda"]


def require_backend(name: str) -> str:
    """``name`` when it runs here; else skip (fail for a missing cpu backend unless allowed)."""
    status = riskcore.backends()[name]
    if not status.available:
        if name == "cpu" and not os.environ.get("RISKCORE_ALLOW_NO_EXTENSION"):
            pytest.fail(f"the cpu backend must be built for the tests: {status.reason}")
        pytest.skip(f"{name}: {status.reason}")
    return name


@pytest.fixture(params=BACKENDS, scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    return require_backend(request.param)
