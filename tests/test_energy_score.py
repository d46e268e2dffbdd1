"""Energy score against its pairwise definition."""

from __future__ import annotations

import numpy as np
import pytest
from oracles import energy_score

import riskcore


@pytest.mark.parametrize("fair", [False, True])
def test_energy_score_matches_definition(backend, fair):
    rng = np.random.default_rng(7)
    obs, fct = rng.normal(size=(5, 3)), rng.normal(size=(5, 8, 3))
    got = riskcore.energy_score(obs, fct, estimator="fair" if fair else "nrg", backend=backend)
    np.testing.assert_allclose(got, [energy_score(obs[i], fct[i], fair) for i in range(5)], rtol=1e-12)


def test_energy_score_in_one_dimension_is_crps(backend):
    rng = np.random.default_rng(8)
    obs, fct = rng.normal(size=20), rng.normal(size=(20, 9))
    es = riskcore.energy_score(obs[:, None], fct[:, :, None], backend=backend)
    np.testing.assert_allclose(es, riskcore.crps_ensemble(obs, fct, backend=backend), rtol=1e-12)


def test_energy_score_matches_scoringrules():
    sr = pytest.importorskip("scoringrules")
    rng = np.random.default_rng(9)
    obs, fct = rng.normal(size=(10, 4)), rng.normal(size=(10, 6, 4))
    np.testing.assert_allclose(riskcore.energy_score(obs, fct), sr.es_ensemble(obs, fct), rtol=1e-10)
