"""pytest-benchmark cases (run: pytest bench --benchmark-enable). The comparison with peers and the
ratios are printed by bench/compare_crps.py."""

from __future__ import annotations

import numpy as np
import pytest

import riskcore

RNG = np.random.default_rng(0)
OBS, FCT = RNG.normal(size=100_000), RNG.normal(size=(100_000, 50))


@pytest.mark.parametrize("backend", ["cpu", "numba"])
@pytest.mark.parametrize("estimator", ["nrg", "fair", "afcrps"])
def test_crps_ensemble(benchmark, backend, estimator):
    benchmark(riskcore.crps_ensemble, OBS, FCT, estimator=estimator, backend=backend)


def test_crps_ensemble_grad(benchmark):
    benchmark(riskcore.crps_ensemble_grad, OBS, FCT)


def test_crps_normal(benchmark):
    benchmark(riskcore.crps_normal, OBS, 0.0, 1.0)


def test_properscoring_peer(benchmark):
    ps = pytest.importorskip("properscoring")
    benchmark(ps.crps_ensemble, OBS, FCT)
