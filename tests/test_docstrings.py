"""The examples in the public docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "riskcore.crps.ensemble",
    "riskcore.crps.parametric",
    "riskcore.crps.families",
    "riskcore.crps.log_scores",
    "riskcore.crps.parametric_grad",
    "riskcore.crps.quantile_forecast",
    "riskcore.crps.univariate",
    "riskcore.crps.categorical",
    "riskcore.crps.quantile",
    "riskcore.crps.weighted",
    "riskcore.crps.multivariate",
    "riskcore.crps.kernel",
    "riskcore.compat.properscoring",
    "riskcore._validate",
    "riskcore.conformal",
    "riskcore.conformal.laws",
    "riskcore.conformal.quantiles",
    "riskcore.conformal.pac",
    "riskcore.conformal.mean",
    "riskcore.conformal.baselines",
    "riskcore.conformal.comparison",
    "riskcore.conformal.selection",
    "riskcore.conformal.intervals",
    "riskcore.mc",
    "riskcore.mc.chain",
    "riskcore.mc.estimators",
    "riskcore.mc.planning",
    "riskcore.mc.sequence",
    "riskcore.tail",
    "riskcore.tail.estimators",
    "riskcore.tail.diagnostics",
    "riskcore.tail.proposals",
    "riskcore.tail.samplers",
    "riskcore.tail.brute_force",
    "riskcore.tail.sequences",
    "riskcore.random",
    "riskcore._backend",
]


@pytest.mark.parametrize("name", [*MODULES, "riskcore.dask", "riskcore.xarray"])
def test_docstring_examples(name):
    module = importlib.import_module(name) if name in MODULES else pytest.importorskip(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
