"""The examples in the public docstrings run and print what they claim: every module of the package
that has examples (found by walking it, so new modules are covered), and the validation layer's."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import riskcore

OPTIONAL = ("riskcore.dask", "riskcore.xarray")  # need the [dask] extra
PRIVATE_WITH_EXAMPLES = ["riskcore._validate", "riskcore._backend", "riskcore._numba.lanes"]


def public_modules() -> list[str]:
    found = [m.name for m in pkgutil.walk_packages(riskcore.__path__, "riskcore.")]
    return [n for n in found if not any(part.startswith("_") for part in n.split(".")[1:])]


@pytest.mark.parametrize("name", [*public_modules(), *PRIVATE_WITH_EXAMPLES])
def test_docstring_examples(name):
    module = pytest.importorskip(name) if name in OPTIONAL else importlib.import_module(name)
    examples = sum(len(test.examples) for test in doctest.DocTestFinder().find(module))
    if examples == 0:
        pytest.skip(f"{name} has no examples (a package index or the command line)")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted == examples and result.failed == 0
