"""Hypothesis-driven fuzzing of every public function: random shapes, strides, dtypes (int, bool,
complex, object, float16, ...), NaN/inf placements, empty and 0-d arrays, extreme alpha/k/m. Each call
must return a result (checked where cheap) or raise ValueError/TypeError with a message; anything
else (another exception, a crash, a hang) fails. CI runs each fuzzer with the "ci" profile; the slow marker runs
2,000 examples each (python -m pytest -m slow tests/test_fuzz.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import riskcore
from riskcore import conformal, mc, tail

DTYPES = [np.float64, np.float32, np.float16, np.int64, np.int8, np.uint16, np.bool_, np.complex128, object]
SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, -1e308, 5e-324]


@st.composite
def arrays(draw, max_dims: int = 3, max_side: int = 5):
    """Any array-like: random dtype, shape (0-d and empty included), special values and strides."""
    shape = tuple(draw(st.lists(st.integers(0, max_side), max_size=max_dims)))
    dtype = draw(st.sampled_from(DTYPES))
    size = int(np.prod(shape))
    values = np.array(draw(st.lists(st.floats(-1e6, 1e6) | st.sampled_from(SPECIALS), min_size=size, max_size=size)))
    with np.errstate(invalid="ignore", over="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        arr = values.reshape(shape).astype(dtype) if dtype is not object else values.reshape(shape).astype(object)
    if arr.ndim >= 1 and draw(st.booleans()):  # a strided view
        arr = np.repeat(arr, 2, axis=-1)[..., ::2]
    if arr.ndim >= 2 and draw(st.booleans()):
        arr = np.swapaxes(arr, 0, -1)
    return arr


scalars = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**70), 2**70),
    st.sampled_from([None, "x", True, 1j]),
)


FUZZERS: list = []


def fuzzer(**strategies):
    """Register a fuzz body with its strategies (run below with the CI and the long settings)."""

    def register(body):
        FUZZERS.append((body, strategies))
        return body

    return register


def call(fn, *args, **kwargs):
    """Run fn; a ValueError/TypeError/MemoryError must carry a message; warnings are allowed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError, MemoryError) as exc:
            assert str(exc), f"{type(exc).__name__} without a message from {fn.__name__}"
            return None


@fuzzer(
    obs=arrays(),
    fct=arrays(),
    axis=st.integers(-4, 4),
    estimator=st.sampled_from(["nrg", "fair", "afcrps", "pwm", "int", "bad"]),
    alpha=scalars,
    nan_policy=st.sampled_from(["propagate", "omit", "raise", "x"]),
    weighted=st.booleans(),
)
def fuzz_crps_ensemble(obs, fct, axis, estimator, alpha, nan_policy, weighted):
    weights = np.abs(np.asarray(fct, dtype=float)) if weighted and np.asarray(fct).dtype.kind in "fiu" else None
    out = call(
        riskcore.crps_ensemble,
        obs,
        fct,
        axis=axis,
        estimator=estimator,
        alpha=alpha,
        weights=weights,
        nan_policy=nan_policy,
    )
    if out is not None:
        assert np.asarray(out).dtype in (np.float32, np.float64)
        finite = np.isfinite(np.asarray(fct, dtype=float)).all() and np.isfinite(np.asarray(obs, dtype=float)).all()
        if (
            finite
            and np.asarray(fct).dtype.kind in "iuf"
            and np.abs(np.asarray(fct, dtype=float)).max(initial=0) < 1e300
        ):
            assert (
                np.asarray(out) >= -1e-6 * (1 + np.abs(np.asarray(fct, dtype=float)).max(initial=0))
            ).all() or estimator in ("fair", "afcrps", "pwm")
    call(riskcore.crps_ensemble_grad, obs, fct, axis=axis, estimator=estimator, alpha=alpha, nan_policy=nan_policy)
    call(riskcore.twcrps_ensemble, obs, fct, threshold=alpha if isinstance(alpha, float) else 0.0, axis=axis)


@fuzzer(
    obs=arrays(),
    a=arrays(max_dims=2),
    b=arrays(max_dims=2),
    c=arrays(max_dims=1),
    name=st.sampled_from(
        [
            "normal",
            "logistic",
            "laplace",
            "exponential",
            "uniform",
            "lognormal",
            "gamma",
            "t",
            "censored_normal",
            "truncated_normal",
            "gev",
        ]
    ),
)
def fuzz_closed_forms(obs, a, b, c, name):
    fn = getattr(riskcore, f"crps_{name}")
    params = {"exponential": (a,), "gamma": (a, b), "t": (a, b, c), "gev": (a, b, c)}.get(name, (a, b))
    out = call(fn, obs, *params)
    if out is not None:
        assert np.asarray(out).dtype in (np.float32, np.float64)
    call(riskcore.crps_mixnorm, obs, a, b)
    call(riskcore.energy_score, obs, a)


@fuzzer(
    cal=arrays(max_dims=2, max_side=8),
    m=scalars,
    k=scalars,
    alpha=scalars,
    side=st.sampled_from(["upper", "lower", "two-sided", "?"]),
    bounded=st.booleans(),
)
def fuzz_conformal(cal, m, k, alpha, side, bounded):
    bounds = (-1e7, 1e7) if bounded else None
    for fn, args in [
        (conformal.batch_quantile_bound, (cal, m, k, alpha)),
        (conformal.simultaneous_bound, (cal, m, alpha)),
        (conformal.batch_mean_bound, (cal, m, alpha)),
        (conformal.batch_mean_bound_relaxed, (cal, m, alpha)),
    ]:
        out = call(fn, *args, side=side, bounds=bounds)
        if out is not None and bounded:
            assert np.all(np.isfinite(np.asarray(out, dtype=float)))
    call(conformal.two_quantile_bounds, cal, m, k, m, alpha, bounds=bounds)
    call(conformal.bonferroni_bound, cal, m, alpha, bounds=bounds)
    call(conformal.split_calibration_bound, cal, m, alpha, bounds=bounds)
    call(conformal.slot_sum_quantile, m, k, alpha)
    call(conformal.select_exceeding, cal, cal, cal, alpha, k, alpha)


@fuzzer(
    h=arrays(max_dims=4),
    hit=arrays(max_dims=3),
    lengths=arrays(max_dims=2),
    P=arrays(max_dims=3),
    start=scalars,
    horizon=scalars,
    n=st.integers(-2, 50),
)
def fuzz_mc(h, hit, lengths, P, start, horizon, n):
    call(mc.mc_estimate, hit)
    call(mc.scope_estimate, h, hit, lengths=lengths)
    call(mc.reach_estimate, h, lengths=lengths)
    call(mc.exact_outcome_risk, P, start, [3], [4], horizon)
    call(mc.simulate_outcome_risk, P, start, [3], [4], horizon, n, 0)


@fuzzer(lp=arrays(max_dims=2), lq=arrays(max_dims=2), ev=arrays(max_dims=2), threshold=scalars, k=scalars, n=scalars)
def fuzz_tail(lp, lq, ev, threshold, k, n):
    out = call(tail.is_estimate, lp, lq, event=ev)
    if out is not None:
        assert (np.asarray(out.estimate) >= 0).all()
    call(tail.snis_estimate, lp, lq, score=ev, threshold=threshold)
    call(tail.mis_estimate, lp, lq, [1], event=ev)
    call(tail.pareto_khat, lp)
    call(tail.mc_tail_estimate, k, n)


def run(body, strategies, **overrides):
    settings(deadline=None, suppress_health_check=list(HealthCheck), **overrides)(given(**strategies)(body))()


@pytest.mark.parametrize("body, strategies", FUZZERS, ids=[body.__name__ for body, _ in FUZZERS])
def test_fuzz(body, strategies):
    run(body, strategies)


@pytest.mark.slow
@pytest.mark.parametrize("body, strategies", FUZZERS, ids=[body.__name__ for body, _ in FUZZERS])
def test_fuzz_long(body, strategies):
    run(body, strategies, max_examples=2000, derandomize=False)


# ------------------------------------------------------------------ the generic bad-input harness
# Every public function of every capability module (found through ``__all__``, so functions added later
# are covered too) is called with arguments drawn by parameter name from the table below: valid values
# mixed with every class of bad input (dtypes, shapes, NaN/inf, ranges, Python ints beyond int64, NumPy
# small ints, seeds, sizes, scalars, pandas). Each call must return, or raise ValueError/TypeError/
# MemoryError whose message names one of the function's arguments; never another exception, a raw pybind
# message or a hang (a per-call time limit; a native hang is ended by faulthandler).
import faulthandler  # noqa: E402
import inspect  # noqa: E402
import re  # noqa: E402
import signal  # noqa: E402

import pandas as pd  # noqa: E402

from riskcore import crps  # noqa: E402
from riskcore import random as rc_random  # noqa: E402

MODULES = [crps, conformal, mc, tail, rc_random]
CALL_SECONDS = 120  # per call, generous for first-call JIT compiles on a loaded 2-core machine

HUGE_INTS = [2**53, 2**62, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 10**30, -(2**63) - 1]
NUMPY_INTS = [np.int8(5), np.int8(-128), np.int8(127), np.uint8(255), np.int16(7), np.uint64(3), np.int64(2)]
NOT_INTS = [2.0, 2.5, np.nan, True, None, "3", np.array([2, 3])]
ints = st.one_of(
    st.integers(-3, 12), st.sampled_from(HUGE_INTS), st.sampled_from(NUMPY_INTS), st.sampled_from(NOT_INTS)
)
seeds = st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([-1, 2**64, np.uint64(2**64 - 1), np.int8(-1), 1.0]))
levels = st.one_of(
    st.floats(0.01, 0.99), st.sampled_from([0.0, 1.0, -0.1, 1.5, np.nan, np.inf, "0.1", None, np.float32(0.1)])
)
reals = st.one_of(st.floats(-10, 10), st.sampled_from([np.nan, np.inf, -np.inf, 1e308, 10**400, "1", None, 1j]))
pairs = st.one_of(
    st.tuples(st.floats(-10, 0), st.floats(0.1, 10)),
    st.sampled_from([None, (1.0, -1.0), (np.nan, 1.0), (-np.inf, np.inf), (0.0,), "ab", (0, 1, 2)]),
)


def choices(*valid):
    return st.sampled_from([*valid, "bogus", 3, None])


@st.composite
def array_likes(draw, unit: bool = False, max_dims: int = 3):
    """arrays() plus lists, pandas (nullable dtypes with NA too) and ints beyond int64."""
    kind = draw(st.sampled_from(["numpy", "numpy", "numpy", "unit", "list", "pandas", "huge"]))
    if kind == "unit" or unit:
        shape = tuple(draw(st.lists(st.integers(0, 4), max_size=max_dims)))
        values = draw(st.lists(st.floats(0, 1), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
        return np.array(values, dtype=float).reshape(shape)
    if kind == "list":
        return draw(st.lists(st.floats(-5, 5) | st.integers(-5, 5), max_size=6))
    if kind == "pandas":
        values = draw(st.lists(st.floats(-5, 5) | st.none(), min_size=1, max_size=6))
        return pd.Series(
            values,
            dtype=draw(st.sampled_from(["Float64", "float64", "Int64"])).replace(
                "Int64", "Float64" if any(v is not None and v != int(v) for v in values) else "Int64"
            ),
        )
    if kind == "huge":
        return [1, draw(st.sampled_from(HUGE_INTS))]
    return draw(arrays(max_dims=max_dims))


ANY = st.one_of(array_likes(), ints, reals, st.just(None))
STRATEGIES = {
    # integers: counts, sizes, orders, horizons
    **dict.fromkeys(
        ["k1", "k2", "n", "horizon", "n_trajectories", "dim", "max_stages", "final_n", "count", "stream"], ints
    ),
    **dict.fromkeys(["chunk", "first_trajectory"], ints),
    "m": st.one_of(ints, array_likes()),  # an int in conformal, an array in crps_mixnorm
    "k": st.one_of(ints, array_likes()),  # an int in conformal, hit counts in mc_tail_estimate
    "seed": seeds,
    **dict.fromkeys(["alpha", "confidence", "level", "rho"], levels),
    "threshold": st.one_of(reals, array_likes()),
    **dict.fromkeys(["bounds", "residual_bounds", "interval"], pairs),
    "axis": st.one_of(st.integers(-4, 4), st.sampled_from([1.0, None, "0", np.int8(-1)])),
    "estimator": choices("nrg", "fair", "afcrps", "pwm", "int"),
    "nan_policy": choices("propagate", "omit", "raise"),
    "side": choices("upper", "lower", "two-sided"),
    "statistic": choices("max", "mean"),
    "backend": choices("auto", "cpu", "numba", "gpu"),
    "estimators": st.sampled_from([("mc",), ("mc", "scope", "reach"), ("bogus",), "mc", ()]),
    "fit_sd": st.sampled_from([True, False, "yes"]),
    "g": st.sampled_from([None, np.sqrt, lambda x: x, "abs"]),
    "results": st.sampled_from([[], [1, 2], None]),
    "baseline": st.sampled_from([None, 1.0]),
    **dict.fromkeys(["hazards", "mask", "first_hit", "lengths", "event"], array_likes(max_dims=3)),
    "key": st.one_of(array_likes(), seeds),
    "counters": array_likes(),
}
# parameters whose meaning differs between functions
OVERRIDES = {
    ("cross_entropy_is", "score"): st.sampled_from([lambda x: x.sum(axis=1), lambda x: x, None, 3]),
    ("is_estimate", "score"): array_likes(),
}


def strategy(function: str, parameter: str):
    return OVERRIDES.get((function, parameter), STRATEGIES.get(parameter, ANY))


def public_functions():
    for module in MODULES:
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isfunction(value):
                yield pytest.param(value, id=f"{module.__name__.removeprefix('riskcore.')}.{name}")


class Hang(BaseException):
    """Raised by the per-call time limit (a BaseException: no ``except Exception`` in riskcore eats it)."""


def _alarm(signum, frame):
    raise Hang(f"no answer within {CALL_SECONDS} s")


def call_checked(function, args: dict):
    """One call: a result, or ValueError/TypeError/MemoryError naming an argument."""
    names = list(inspect.signature(function).parameters)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS)
    faulthandler.dump_traceback_later(4 * CALL_SECONDS, exit=True)  # a hang inside a native kernel
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return function(**args)
    except (ValueError, TypeError, MemoryError) as exc:
        message = str(exc)
        assert message, f"{type(exc).__name__} without a message"
        assert "incompatible function arguments" not in message, f"raw pybind message: {message}"
        mentioned = [n for n in names if re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", message)]
        assert mentioned, f"{type(exc).__name__} names no argument of {function.__name__}{names}: {message}"
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()


@st.composite
def arguments(draw, function):
    """Required parameters always, optional ones half the time, each from its strategy."""
    out = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.default is inspect.Parameter.empty or draw(st.booleans()):
            out[parameter.name] = draw(strategy(function.__name__, parameter.name))
    return out


def run_generic(function, **overrides):
    @settings(deadline=None, suppress_health_check=list(HealthCheck), **overrides)
    @given(args=arguments(function))
    def check(args):
        call_checked(function, args)

    check()


@pytest.mark.parametrize("function", list(public_functions()))
def test_bad_input(function):
    run_generic(function, max_examples=40, phases=(Phase.explicit, Phase.reuse, Phase.generate))  # no shrinking


@pytest.mark.slow
@pytest.mark.parametrize("function", list(public_functions()))
def test_bad_input_long(function):
    run_generic(function, max_examples=1000, derandomize=False)
