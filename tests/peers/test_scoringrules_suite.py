"""scoringrules 0.10's own test files, run against riskcore through :mod:`peers.scoringrules_adapter`.

The test files come from scoringrules' sdist on the package index (:mod:`peers.sdist`; nothing of it is
committed). They run in a subprocess with ``import scoringrules`` resolving to the adapter
(:mod:`peers.scoringrules_plugin`), on scoringrules' ``numpy`` parameters (riskcore's ``cpu`` backend)
and, marked slow since the first run compiles the Numba kernels, its ``numba`` parameters (riskcore's
``numba`` backend). Every test must pass except those in ``KNOWN``: each fails where riskcore decided a
convention differently from scoringrules (or lacks something), and must keep failing with the message
given there, so an unlisted failure, a listed test that now passes and a listed test that fails for
another reason all fail this test.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

from peers import sdist

VERSION = "0.10.0"
TESTS_DIR = pathlib.Path(__file__).resolve().parents[1]  # riskcore's tests/, where the package `peers` is

# test id (scoringrules' node id without "tests/" and without the backend parameter)
#   -> (why it fails against riskcore, a regex the failure message must match)
PWM = (
    "convention: riskcore's pwm takes no weights; scoringrules' weighted pwm (A + b0 - 2 b1 with weighted "
    "moments) is not the weighted fair CRPS (members (0, 1, 3), weights (.6, .3, .1), obs 0: -0.46667 "
    "against -0.17778). The test passes ens_w=ones; riskcore says to use 'fair' with weights",
    r"estimator 'pwm' takes no weights",
)
AKR = (
    "convention: the akr estimators pair each member with the next in the given order, so riskcore takes "
    "no member weights with them (scoringrules accepts ens_w); the test passes ens_w=ones",
    r"estimator 'akr(_circperm)?' takes no weights",
)
KNOWN: dict[str, tuple[str, str]] = {
    "test_crps.py::test_crps_ensemble[pwm]": PWM,
    "test_crps.py::test_crps_ensemble[akr]": AKR,
    "test_crps.py::test_crps_ensemble[akr_circperm]": AKR,
    "test_energy.py::test_energy_score[akr]": AKR,
    "test_energy.py::test_energy_score[akr_circperm]": AKR,
    "test_crps.py::test_crps_gpd": (
        "convention: invalid parameters raise where scoringrules returns a number: crps_gpd(0.3, 1.0) (shape "
        ">= 1, no finite mean, so no finite CRPS) raises ValueError, scoringrules gives NaN (the test's "
        "location/scale checks after it do not run)",
        r"shape must be < 1",
    ),
    "test_visual.py": (
        "not a score: scoringrules.visualization.reliability_diagram (a matplotlib plot) has no riskcore "
        "counterpart; the file does not import",
        r"No module named 'scoringrules\.visualization'",
    ),
}


@pytest.fixture(scope="module")
def scoringrules_tests(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """scoringrules' tests/ folder (test files, conftest, data) from its sdist, with an empty pytest.ini."""
    where = tmp_path_factory.mktemp("scoringrules")
    archive = sdist.download("scoringrules", VERSION, where)
    written = sdist.unpack(archive, where, lambda name: name if name.startswith("tests/") else None)
    assert "tests/test_crps.py" in written, written
    (where / "pytest.ini").write_text("[pytest]\n")  # neither riskcore's nor scoringrules' configuration
    return where


def run_suite(where: pathlib.Path, backend: str) -> dict[str, dict[str, str]]:
    """Outcome and failure message per test id of scoringrules' tests on ``backend``, through the adapter."""
    report = where / f"report-{backend}.json"
    path = os.pathsep.join(p for p in (str(TESTS_DIR), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, PYTHONPATH=path, RISKCORE_PEER_REPORT=str(report))
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "peers.scoringrules_plugin",
            "-c", "pytest.ini", "--rootdir", ".", "--backend", backend, "-W", "ignore",
            "--continue-on-collection-errors", "tests"]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, cwd=where, env=env, timeout=3000)
    assert report.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    outcomes = json.loads(report.read_text())
    assert outcomes, done.stdout[-3000:] + done.stderr[-3000:]
    return outcomes


def known_id(nodeid: str, backend: str) -> str:
    """``tests/test_crps.py::test_crps_ensemble[numpy-pwm]`` -> ``test_crps.py::test_crps_ensemble[pwm]``."""
    name = nodeid.removeprefix("tests/")
    if name.endswith("]"):
        base, params = name[:-1].split("[", 1)
        rest = [p for p in params.split("-") if p != backend]
        name = f"{base}[{'-'.join(rest)}]" if rest else base
    return name


def check_suite(where: pathlib.Path, backend: str) -> None:
    outcomes = {known_id(k, backend): v for k, v in run_suite(where, backend).items()}
    files = {p.name for p in (where / "tests").glob("test_*.py")}
    missing_files = files - {k.split("::")[0] for k in outcomes}
    assert not missing_files, f"no outcome from {sorted(missing_files)}"
    failed = {k: v["message"] for k, v in outcomes.items() if v["outcome"] == "failed"}
    problems = [f"fails against riskcore (not in KNOWN): {k}: {m[:400]}" for k, m in failed.items() if k not in KNOWN]
    problems += [f"skipped: {k}: {v['message'][:200]}" for k, v in outcomes.items() if v["outcome"] == "skipped"]
    for k, (_, pattern) in KNOWN.items():
        if k not in outcomes:
            problems.append(f"KNOWN lists {k}, which scoringrules {VERSION}'s tests no longer have")
        elif k not in failed:
            problems.append(f"KNOWN lists {k}, which now passes: remove it from KNOWN")
        elif not re.search(pattern, failed[k]):
            problems.append(f"{k} fails for another reason than KNOWN says ({pattern!r}): {failed[k][:400]}")
    passed = sum(v["outcome"] == "passed" for v in outcomes.values())
    print(f"scoringrules {VERSION} on {backend}: {len(outcomes)} outcomes, {passed} passed, {len(failed)} in KNOWN")
    assert not problems, "\n".join(problems)


def test_known_ids_name_tests_without_the_backend():
    assert (
        known_id("tests/test_crps.py::test_crps_ensemble[numpy-pwm]", "numpy")
        == "test_crps.py::test_crps_ensemble[pwm]"
    )
    assert known_id("tests/test_crps.py::test_crps_gpd[numba]", "numba") == "test_crps.py::test_crps_gpd"
    assert known_id("tests/test_visual.py", "numpy") == "test_visual.py"
    assert set(KNOWN) == {known_id(f"tests/{k}", "numpy") for k in KNOWN}


def test_scoringrules_own_tests_pass_on_the_cpu_backend(scoringrules_tests):
    check_suite(scoringrules_tests, "numpy")


@pytest.mark.slow
def test_scoringrules_own_tests_pass_on_the_numba_backend(scoringrules_tests):
    check_suite(scoringrules_tests, "numba")
