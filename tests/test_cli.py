"""The ``riskcore`` command, run as a user runs it (a subprocess): clear ``error:`` lines and exit code 2
for bad options, checked before any work; small sizes only."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

SMALL = ["--forecasts", "20", "--members", "3", "--calibration", "30", "--batch", "3"]
SMALL += ["--trajectories", "50", "--samples", "20"]
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def riskcore(*args: str, env: dict[str, str] | None = None, cwd: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "riskcore.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=cwd,
    )


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--members", "1", "argument --members: must be >= 2, got 1"),
        ("--batch", "0", "argument --batch: must be >= 1, got 0"),
        ("--seed", "-1", "argument --seed: must be in 0..18446744073709551615, got -1"),
        (
            "--seed",
            "18446744073709551616",
            "argument --seed: must be in 0..18446744073709551615, got 18446744073709551616",
        ),
        ("--seed", "1.5", "argument --seed: must be an integer, got '1.5'"),
        ("--samples", "1", "argument --samples: must be >= 2, got 1"),
        ("--trajectories", "0", "argument --trajectories: must be >= 1, got 0"),
        ("--forecasts", "x", "argument --forecasts: must be an integer, got 'x'"),
        ("--forecasts", str(2**63), f"argument --forecasts: must be at most 2**63 - 1, got {2**63}"),
        ("--calibration", "-3", "argument --calibration: must be >= 1, got -3"),
    ],
)
def test_bad_demo_options_give_an_error_line_and_exit_code_2(option, value, message):
    done = riskcore("demo", *SMALL, option, value)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == f"riskcore demo: error: {message}"
    assert done.stdout == ""  # refused before anything ran


def test_demo_size_limit_is_checked_first():
    done = riskcore("demo", "--forecasts", "100000000", "--members", "50")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "error: --forecasts x --members is 5e+09, above the limit of 2e+08" in done.stderr
    assert done.stdout == ""


def test_demo_runs_at_the_smallest_sizes():
    done = riskcore(
        "demo", "--forecasts", "1", "--members", "2", "--calibration", "1", "--batch", "1", "--trajectories", "1",
        "--samples", "2", "--seed", str(2**64 - 1),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "done in" in done.stdout


def test_plot_without_matplotlib_is_refused_first(tmp_path):
    # a matplotlib that cannot be imported, first on the path, as on an install without the plot extra
    (tmp_path / "matplotlib").mkdir()
    (tmp_path / "matplotlib" / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    done = riskcore("demo", *SMALL, "--plot", str(tmp_path / "figs"), env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert (
        done.stderr.strip().splitlines()[-1] == 'riskcore: error: --plot needs matplotlib: pip install "riskcore[plot]"'
    )
    done = riskcore("bench", "--chart", str(tmp_path / "b.png"), env=env)
    assert done.returncode == 2 and done.stdout == ""
    assert 'pip install "riskcore[plot]"' in done.stderr


def test_plot_folder_that_cannot_be_made(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = riskcore("demo", *SMALL, "--plot", str(blocker / "figs"))
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert "error: --plot: cannot create the folder" in done.stderr


def test_chart_in_a_missing_folder_is_refused_before_the_bench(tmp_path):
    missing = tmp_path / "no" / "such"
    done = riskcore("bench", "--chart", str(missing / "bench.png"))
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert (
        done.stderr.strip().splitlines()[-1] == f"riskcore: error: --chart: the folder {str(missing)!r} does not exist"
    )


def test_every_option_has_help():
    from riskcore import cli

    for command in ("demo", "bench"):
        text = riskcore(command, "--help").stdout
        options = [word for word in text.split() if word.startswith("--")]
        assert options
    # every action of every subparser carries a help string
    import argparse

    parser_actions = []
    original = argparse.ArgumentParser.parse_args

    def capture(self, args=None, namespace=None):
        parser_actions.extend(self._actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    parser_actions.extend(sub._actions)
        raise SystemExit(0)

    argparse.ArgumentParser.parse_args = capture
    try:
        with pytest.raises(SystemExit):
            cli.main(["backends"])
    finally:
        argparse.ArgumentParser.parse_args = original
    missing = [a.option_strings for a in parser_actions if a.option_strings and not a.help]
    assert not missing


def test_backends_lists_every_backend():
    done = riskcore("backends")
    assert done.returncode == 0
    names = [line.split()[0] for line in done.stdout.splitlines()]
    assert {"cpu", "numba"} <= set(names)


@pytest.mark.slow
def test_bench_writes_no_png_unless_asked(tmp_path):
    done = riskcore("bench", "--size", "small", cwd=str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="needs matplotlib")
def test_bench_chart_has_title_value_labels_and_a_labelled_log_axis(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from riskcore import _bench

    rows = [_bench.Row("case a", 1.0, "peer x", 20.0), _bench.Row("case b", 2.0, "peer y", 1.0)]
    saved = []
    original = plt.Figure.savefig

    def keep(fig, path, **kwargs):
        saved.append(fig)
        original(fig, path, **kwargs)

    plt.Figure.savefig = keep
    try:
        path = _bench.chart(rows, str(tmp_path / "c.png"), title="size small, backend cpu, 2 threads")
    finally:
        plt.Figure.savefig = original
    assert path and os.path.getsize(path) > 0
    ax = saved[0].axes[0]
    assert ax.get_title() == "size small, backend cpu, 2 threads"
    assert ax.get_xscale() == "log" and "log scale" in ax.get_xlabel()
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["20x", "0.5x"]
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(t.endswith("x") for t in ticks)
