"""riskcore.compat.properscoring is a drop-in for properscoring: the same results on properscoring's
conventions (NaN members skipped, deterministic forecasts, weights, axis, gradients, quadrature,
threshold Brier), and xskillscore's own probabilistic tests pass with its properscoring replaced."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from peers import sdist

import riskcore.compat.properscoring as compat

ps = pytest.importorskip("properscoring")
RNG = np.random.default_rng(21)


def test_crps_ensemble_conventions_match_properscoring():
    obs, fct = RNG.normal(size=(6, 5)), RNG.normal(size=(6, 5, 11))
    fct[0, 0, 3] = np.nan  # skipped
    fct[1, 1, :] = np.nan  # nothing left: NaN
    obs[2, 2] = np.nan
    np.testing.assert_allclose(compat.crps_ensemble(obs, fct), ps.crps_ensemble(obs, fct), rtol=1e-13, equal_nan=True)
    moved = np.moveaxis(fct, -1, 0)
    np.testing.assert_allclose(
        compat.crps_ensemble(obs, moved, axis=0), ps.crps_ensemble(obs, moved, axis=0), rtol=1e-13, equal_nan=True
    )
    w = RNG.uniform(size=fct.shape)
    w[3, 3, :] = 0.0  # zero-sum weights: NaN
    np.testing.assert_allclose(
        compat.crps_ensemble(obs, fct, weights=w), ps.crps_ensemble(obs, fct, weights=w), rtol=1e-12, equal_nan=True
    )
    det = RNG.normal(size=obs.shape)
    np.testing.assert_array_equal(compat.crps_ensemble(obs, det), ps.crps_ensemble(obs, det))
    assert isinstance(compat.crps_ensemble(0.5, [0.0, 1.0, 2.0]), np.floating)
    for bad in (
        lambda: compat.crps_ensemble(obs, fct[..., :1, :]),
        lambda: compat.crps_ensemble(obs, det, weights=det),
    ):
        with pytest.raises(ValueError):
            bad()


def test_crps_gaussian_with_gradient_matches_properscoring():
    x, mu, sig = RNG.normal(size=20), RNG.normal(size=20), RNG.uniform(0.5, 2, size=20)
    got, grad = compat.crps_gaussian(x, mu, sig, grad=True)
    want, want_grad = ps.crps_gaussian(x, mu, sig, grad=True)
    np.testing.assert_allclose(got, want, rtol=1e-13)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(compat.crps_gaussian(x, mu, sig), want, rtol=1e-13)


def test_crps_quadrature_matches_properscoring_and_the_closed_form():
    stats = pytest.importorskip("scipy.stats")
    x = np.array([-1.0, 0.2, 2.5])
    dist = stats.norm(0.3, 1.2)
    got = compat.crps_quadrature(x, dist)
    np.testing.assert_allclose(got, ps.crps_quadrature(x, dist), rtol=1e-8)
    np.testing.assert_allclose(got, ps.crps_gaussian(x, 0.3, 1.2), rtol=1e-6)
    with pytest.raises(ValueError, match="tolerance"):
        compat.crps_quadrature(0.0, dist, xmin=-1.0, xmax=1.0)


def test_threshold_and_plain_brier_scores_match_properscoring():
    obs, fct = RNG.normal(size=8), RNG.normal(size=(8, 13))
    fct[0, 2] = np.nan
    for t in (0.3, np.array([-0.5, 0.0, 1.0])):
        np.testing.assert_allclose(
            compat.threshold_brier_score(obs, fct, t), ps.threshold_brier_score(obs, fct, t), rtol=1e-14
        )
    y, p = np.array([0.0, 1.0, np.nan]), np.array([0.2, 0.9, 0.5])
    np.testing.assert_array_equal(compat.brier_score(y, p), ps.brier_score(y, p))


# ---------------------------------------------------------------------------- xskillscore's tests
PLUGIN = """import sys
import riskcore.compat.properscoring as p
sys.modules["properscoring"] = p
import xskillscore.core.probabilistic as probabilistic
assert probabilistic.properscoring is p, "xskillscore was imported before the swap"
"""


@pytest.fixture(scope="module")
def xskillscore_tests(tmp_path_factory):
    """xskillscore's probabilistic test files from its sdist on the package index (nothing committed)."""
    xs = pytest.importorskip("xskillscore")
    where = tmp_path_factory.mktemp("xskillscore")
    archive = sdist.download("xskillscore", xs.__version__, where)
    wanted = ("conftest.py", "xskillscore/tests/test_probabilistic.py")
    sdist.unpack(archive, where, lambda name: f"tests/{os.path.basename(name)}" if name in wanted else None)
    (where / "riskcore_as_properscoring.py").write_text(PLUGIN)
    return where


def run_xskillscore_tests(where, plugin: bool) -> dict[str, str]:
    """Outcome per test id of xskillscore's test_probabilistic.py, with or without the plugin."""
    env = dict(os.environ, PYTHONPATH=str(where))
    args = [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "--import-mode=importlib",
            "-W", "ignore", str(where / "tests" / "test_probabilistic.py")]  # fmt: skip
    if plugin:
        args[3:3] = ["-p", "riskcore_as_properscoring"]
    done = subprocess.run(args, capture_output=True, text=True, cwd=where / "tests", env=env, timeout=3000)
    outcomes = {}
    for line in done.stdout.splitlines():
        for word in ("PASSED", "FAILED", "ERROR", "SKIPPED"):
            if line.startswith(word + " "):
                outcomes[line.split(" ", 1)[1].split(" - ")[0]] = word
    assert outcomes, done.stdout[-3000:] + done.stderr[-3000:]
    return outcomes


@pytest.mark.slow
def test_xskillscore_probabilistic_tests_pass_with_riskcore_as_properscoring(xskillscore_tests):
    baseline = run_xskillscore_tests(xskillscore_tests, plugin=False)
    ours = run_xskillscore_tests(xskillscore_tests, plugin=True)
    regressions = {k: v for k, v in ours.items() if v in ("FAILED", "ERROR") and baseline.get(k) == "PASSED"}
    assert not regressions, f"{len(regressions)} of {len(ours)} fail only with riskcore: {sorted(regressions)[:20]}"
    assert sum(v == "PASSED" for v in ours.values()) >= sum(v == "PASSED" for v in baseline.values())
