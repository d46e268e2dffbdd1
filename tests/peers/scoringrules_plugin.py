"""pytest plugin for the run of scoringrules' own test files against riskcore (``-p peers.scoringrules_plugin``).

Puts :mod:`peers.scoringrules_adapter` in ``sys.modules`` as ``scoringrules`` and ``scoringrules.backend``
before scoringrules' conftest and test files are imported, seeds NumPy's global generator per test
(scoringrules' tests draw from ``np.random`` unseeded: the seed from the test id makes a run
reproducible), and writes each test's outcome and failure message as JSON to ``$RISKCORE_PEER_REPORT``.
"""

from __future__ import annotations

import json
import os
import sys
import zlib

import numpy as np
import pytest

from peers import scoringrules_adapter

sys.modules["scoringrules"] = scoringrules_adapter
sys.modules["scoringrules.backend"] = scoringrules_adapter.backend

_OUTCOMES: dict[str, dict[str, str]] = {}


def _message(report: pytest.TestReport | pytest.CollectReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    return crash.message if crash is not None else str(report.longrepr)[-2000:]


@pytest.fixture(autouse=True)
def _seeded(request: pytest.FixtureRequest) -> None:
    np.random.seed(zlib.crc32(request.node.nodeid.encode()))  # noqa: NPY002 (their tests draw from np.random)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    entry = _OUTCOMES.setdefault(report.nodeid, {"outcome": "passed", "message": ""})
    if report.failed and entry["outcome"] != "failed":
        entry.update(outcome="failed", message=_message(report))
    elif report.skipped and entry["outcome"] == "passed":
        entry.update(outcome="skipped", message=_message(report))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _OUTCOMES[report.nodeid] = {"outcome": "failed", "message": _message(report)}


def pytest_sessionfinish(session: pytest.Session) -> None:
    with open(os.environ["RISKCORE_PEER_REPORT"], "w") as out:
        json.dump(_OUTCOMES, out, indent=1, sort_keys=True)
