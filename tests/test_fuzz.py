"""Hypothesis-driven fuzzing of every public function: random shapes, strides, dtypes (int, bool,
complex, object, float16, ...), NaN/inf placements, empty and 0-d arrays, extreme alpha/k/m. Each call
must return a result (checked where cheap) or raise ValueError/TypeError with a message; anything
else (another exception, a crash, a hang) fails. CI runs each fuzzer with the "ci" profile; the slow marker runs
2,000 examples each (python -m pytest -m slow tests/test_fuzz.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
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
    """Run fn; a ValueError/TypeError must carry a message; warnings are allowed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError) as exc:
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
