"""Seeded statistical checks of the claims in the docstrings (tolerance: 4 standard errors)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import riskcore


@pytest.mark.parametrize("m", [2, 5, 20])
def test_fair_is_unbiased_and_nrg_is_biased_by_spread_over_2m(m):
    """Members and observation iid N(0, 1): E[fair] = CRPS(N(0,1), y) averaged over y, while
    E[nrg] = E[fair] + E|X - X'| / (2m) with E|X - X'| = 2/sqrt(pi)."""
    rng = np.random.default_rng(m)
    n = 200_000
    obs, fct = rng.normal(size=n), rng.normal(size=(n, m))
    target = riskcore.crps_normal(obs, 0.0, 1.0)
    for estimator, bias in (("fair", 0.0), ("nrg", (2 / math.sqrt(math.pi)) / (2 * m))):
        diff = riskcore.crps_ensemble(obs, fct, estimator=estimator) - target
        se = diff.std(ddof=1) / math.sqrt(n)
        assert abs(diff.mean() - bias) < 4 * se, (estimator, diff.mean(), bias, se)


@pytest.mark.slow
def test_float32_matches_float64_for_ten_thousand_members():
    rng = np.random.default_rng(11)
    fct = rng.normal(size=(200, 10_000)).astype(np.float32)
    obs = rng.normal(size=200).astype(np.float32)
    for estimator in ("nrg", "fair", "afcrps", "int"):
        got = riskcore.crps_ensemble(obs, fct, estimator=estimator)
        want = riskcore.crps_ensemble(obs.astype(np.float64), fct.astype(np.float64), estimator=estimator)
        np.testing.assert_allclose(got, want, rtol=1e-5)
