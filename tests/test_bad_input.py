"""Bad input gives a clear ValueError/TypeError naming the argument, never a crash or garbage."""

from __future__ import annotations

import numpy as np
import pytest

import riskcore

FCT = np.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"obs": np.zeros(5), "fct": FCT}, ValueError, "do not broadcast"),
        ({"obs": np.zeros(3), "fct": FCT, "axis": 4}, ValueError, "fct has 2 dims but axis=4"),
        ({"obs": np.zeros(3), "fct": FCT, "axis": 1.0}, TypeError, "axis must be an int"),
        ({"obs": 0.0, "fct": np.zeros((3, 0))}, ValueError, "no members"),
        ({"obs": 0.0, "fct": 1.0}, ValueError, "member axis"),
        ({"obs": np.zeros(3), "fct": FCT.astype(complex)}, TypeError, "fct must have a real numeric dtype.*complex"),
        ({"obs": np.zeros(3, dtype=bool), "fct": FCT}, TypeError, "obs must have a real numeric dtype.*bool"),
        ({"obs": np.array(["a", "b", "c"]), "fct": FCT}, TypeError, "obs must have a real numeric dtype"),
        ({"obs": np.zeros(3), "fct": FCT.astype(object)}, TypeError, "fct must have a real numeric dtype.*object"),
        ({"obs": np.zeros(3), "fct": FCT, "estimator": "crps"}, ValueError, "estimator must be one of"),
        (
            {"obs": np.zeros(3), "fct": FCT, "estimator": "afcrps", "alpha": 0.0},
            ValueError,
            r"alpha must lie in \(0, 1\]",
        ),
        ({"obs": np.zeros(3), "fct": FCT, "estimator": "afcrps", "alpha": 1.5}, ValueError, "alpha"),
        ({"obs": np.zeros(3), "fct": FCT, "alpha": float("nan")}, ValueError, "alpha"),
        ({"obs": np.zeros(3), "fct": FCT, "nan_policy": "ignore"}, ValueError, "nan_policy must be one of"),
        ({"obs": np.zeros(3), "fct": FCT, "weights": -np.ones(4)}, ValueError, "weights must be finite and >= 0"),
        ({"obs": np.zeros(3), "fct": FCT, "weights": np.zeros(4)}, ValueError, "weights sum to 0"),
        ({"obs": np.zeros(3), "fct": FCT, "weights": np.ones(5)}, ValueError, "weights of shape"),
        ({"obs": np.zeros(3), "fct": FCT, "weights": [np.nan, 1, 1, 1]}, ValueError, "finite"),
        ({"obs": np.zeros(3), "fct": FCT, "estimator": "pwm", "weights": np.ones(4)}, ValueError, "pwm"),
        ({"obs": 0.0, "fct": [1.0], "estimator": "fair"}, ValueError, "at least 2 members"),
        ({"obs": np.zeros(3), "fct": FCT, "backend": "gpu"}, ValueError, "backend must be"),
    ],
)
def test_crps_ensemble_rejects(kwargs, error, match):
    obs, fct = kwargs.pop("obs"), kwargs.pop("fct")
    with pytest.raises(error, match=match):
        riskcore.crps_ensemble(obs, fct, **kwargs)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: riskcore.crps_normal(0.0, 0.0, 0.0), "sigma must be > 0"),
        (lambda: riskcore.crps_normal(0.0, 0.0, [1.0, -1.0]), "sigma must be > 0"),
        (lambda: riskcore.crps_normal(np.zeros(3), 0.0, np.ones(2)), "do not broadcast"),
        (lambda: riskcore.crps_t(0.0, 1.0), "df must be > 1"),
        (lambda: riskcore.crps_gev(0.0, 1.0), "shape must be < 1"),
        (lambda: riskcore.crps_gamma(0.0, -1.0, 1.0), "shape must be > 0"),
        (lambda: riskcore.crps_gamma(0.0, 2.0), "give exactly one of rate and scale"),
        (lambda: riskcore.crps_uniform(0.0, 1.0, 1.0), "lower must be < upper"),
        (lambda: riskcore.crps_exponential(0.0, 0.0), "rate must be > 0"),
        (lambda: riskcore.crps_lognormal(1.0, 0.0, -2.0), "sigmalog must be > 0"),
        (lambda: riskcore.crps_mixnorm(0.0, [0.0, 1.0], [1.0, 0.0]), "s must be > 0"),
        (lambda: riskcore.crps_mixnorm(0.0, [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]), "w sums to 0"),
        (lambda: riskcore.energy_score([0.0, 0.0], [[1.0, 2.0, 3.0]]), "variables"),
        (lambda: riskcore.twcrps_ensemble(0.0, [1.0, 2.0]), "exactly one"),
        (lambda: riskcore.twcrps_ensemble(0.0, [1.0, 2.0], interval=(1.0, 0.0)), "a < b"),
        (lambda: riskcore.twcrps_ensemble(0.0, [1.0, 2.0], threshold=float("nan")), "threshold must not be NaN"),
    ],
)
def test_other_functions_reject(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_nan_parameters_propagate_instead_of_raising():
    assert np.isnan(riskcore.crps_normal(0.0, 0.0, np.nan))


def test_empty_batches_return_empty_results(backend):
    assert riskcore.crps_ensemble(np.zeros(0), np.zeros((0, 5)), backend=backend).shape == (0,)
    assert riskcore.crps_ensemble_grad(np.zeros(0), np.zeros((0, 5)), backend=backend).shape == (0, 5)
    assert riskcore.crps_normal(np.zeros((2, 0)), 0.0, 1.0, backend=backend).shape == (2, 0)


def test_non_contiguous_and_read_only_inputs(backend):
    rng = np.random.default_rng(0)
    base = rng.normal(size=(40, 30))
    strided = base[::2, ::3]  # non-contiguous view, member axis 1
    fortran = np.asfortranarray(base)
    read_only = base.copy()
    read_only.setflags(write=False)
    obs = rng.normal(size=40)
    want = riskcore.crps_ensemble(obs, np.ascontiguousarray(base), backend=backend)
    np.testing.assert_allclose(riskcore.crps_ensemble(obs, fortran, backend=backend), want)
    np.testing.assert_allclose(riskcore.crps_ensemble(obs, read_only, backend=backend), want)
    np.testing.assert_allclose(
        riskcore.crps_ensemble(obs[::2], strided, backend=backend),
        riskcore.crps_ensemble(obs[::2], np.ascontiguousarray(strided), backend=backend),
    )


def test_integer_inputs_become_float64(backend):
    out = riskcore.crps_ensemble(np.array([0, 1]), np.array([[0, 1, 2], [3, 4, 5]]), backend=backend)
    assert out.dtype == np.float64


def test_compiled_module_checks_shapes_itself():
    core = pytest.importorskip("riskcore._core")
    with pytest.raises(ValueError, match=r"obs must have shape \(n,\) matching fct"):
        core.crps_ensemble(np.zeros(2), np.zeros((3, 4)), None, "nrg", 0.95, False)
    with pytest.raises(ValueError, match="estimator must be one of"):
        core.crps_ensemble(np.zeros(3), np.zeros((3, 4)), None, "bogus", 0.95, False)


# ------------------------------------------ through the one validation layer (issue #10, defect 9 and others)
def test_pandas_nullable_float64_with_na_reads_as_nan(backend):
    """#10 defect 9: a nullable Float64 column with pd.NA failed with 'got object'."""
    pd = pytest.importorskip("pandas")
    fct = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]])
    out = riskcore.crps_ensemble(pd.Series([0.5, pd.NA], dtype="Float64"), fct, backend=backend)
    np.testing.assert_allclose(out, [7 / 18, np.nan])
    members = pd.DataFrame({"a": pd.array([0.0, None], dtype="Float64"), "b": [1.0, 2.0]})
    np.testing.assert_allclose(riskcore.crps_ensemble(0.5, members, backend=backend), [0.25, np.nan])
    normal = riskcore.crps_normal(pd.Series([0.0, pd.NA], dtype="Float64"), 0.0, 1.0, backend=backend)
    assert normal.dtype == np.float64 and np.isnan(normal[1])
    ints = riskcore.crps_ensemble(pd.Series([1, pd.NA], dtype="Int64"), fct, backend=backend)
    assert np.isnan(ints[1]) and ints[0] == pytest.approx(riskcore.crps_ensemble(1.0, fct[0], backend=backend))


def test_pandas_nullable_boolean_is_refused_by_name():
    pd = pytest.importorskip("pandas")
    with pytest.raises(TypeError, match=r"^obs must have a real numeric dtype \(float or int\), got bool$"):
        riskcore.crps_ensemble(pd.Series([True, pd.NA], dtype="boolean"), np.zeros((2, 3)))


def test_python_ints_beyond_int64_in_a_list_name_the_argument():
    with pytest.raises(ValueError, match=r"^fct has integers beyond the int64/uint64 range$"):
        riskcore.crps_ensemble(0.0, [1, 2**64])
    with pytest.raises(ValueError, match=r"^sigma has integers beyond the int64/uint64 range$"):
        riskcore.crps_normal(0.0, 0.0, [1, 10**30])


def test_numpy_small_int_axis_is_widened():
    fct = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(
        riskcore.crps_ensemble(np.zeros(3), fct, axis=np.int8(0)), riskcore.crps_ensemble(np.zeros(3), fct.T)
    )


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [  # cases the slow fuzz run found with messages that named no argument of the function called
        (lambda: riskcore.log_score(np.array([]), np.zeros((0, 2))), ValueError, r"shapes do not broadcast: obs"),
        (lambda: riskcore.rls_score(np.zeros((0, 0)), np.zeros((0, 2, 0))), ValueError, r"do not broadcast: obs"),
        (
            lambda: riskcore.conformal.batch_mean_interval([1.0, 2.0], [0.0, 0.0], [0.5], 0.1, residual_bounds=(0.0,)),
            TypeError,
            r"^residual_bounds must be a pair",
        ),
        (
            lambda: riskcore.conformal.batch_mean_interval([1.0, 2.0], [0.0, 0.0], [0.5], 0.1, residual_bounds=(1, -1)),
            ValueError,
            r"^residual_bounds must satisfy a < b",
        ),
        (
            lambda: riskcore.conformal.batch_mean_interval([1.0, 2.0], [0.0, 0.0], [0.5], 0.1, residual_bounds=(0, 1)),
            ValueError,
            r"^residuals cal_outcomes - cal_predictions must lie within residual_bounds \(0, 1\)",
        ),
        (
            lambda: riskcore.conformal.batch_mean_interval([1.0], [0.0], [0.5], 0.1, residual_bounds=(0, "x")),
            TypeError,
            r"^residual_bounds\[1\]",
        ),
        (
            lambda: riskcore.conformal.batch_mean_interval([1.0], [0.0], [0.5], 0.1, residual_bounds=None),
            ValueError,
            r"^residual_bounds=\(a, b\) is required",
        ),
        (lambda: riskcore.tail.gaussian_tail_is([1.0], 1e200, 100, 0), ValueError, r"^threshold / \|\|a\|\|"),
    ],
)
def test_messages_name_the_arguments_of_the_function_called(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("scale", [1e-200, 1e200])
def test_gaussian_tail_is_reads_vectors_whose_squared_norm_under_or_overflows(scale):
    """||a||^2 of a = scale * (3, 4) is 0 or inf in float64 while ||a|| = 5 scale is finite: the estimate
    depends only on threshold / ||a||, so it is the one of a = (3, 4) with the threshold divided by scale."""
    got = riskcore.tail.gaussian_tail_is(np.array([3.0, 4.0]) * scale, 10.0 * scale, 1000, 0)
    want = riskcore.tail.gaussian_tail_is(np.array([3.0, 4.0]), 10.0, 1000, 0)
    assert got.estimate == pytest.approx(want.estimate, rel=1e-12) and want.estimate > 0


def test_batch_mean_bound_names_a_g_that_is_not_callable():
    """Found by the slow fuzz run: g="abs" failed inside the DP with "'str' object is not callable"."""
    with pytest.raises(TypeError, match=r"^g must be callable or None, got str"):
        riskcore.conformal.batch_mean_bound([0.0], 1, 0.5, g="abs", bounds=(-np.inf, np.inf))


def test_partition_bound_pad_needs_no_array_of_m_copies():
    """Found by the slow fuzz run: m = 2**53 > n built the pad as a (1, m) array (64 PiB)."""
    assert riskcore.conformal.partition_bound([0.0], 2**53, 0.5) == np.inf
    assert riskcore.conformal.partition_bound([0.0], 2**53, 0.5, bounds=(0, 1)) == 1.0
    with pytest.raises(MemoryError, match=r"^m is"):
        riskcore.conformal.partition_bound([0.0], 2**53, 0.5, stat=lambda x: x.max(axis=1))


def test_snis_with_every_log_weight_minus_inf_names_log_p_and_log_q():
    """Found by the slow fuzz run: the message named no argument."""
    with pytest.raises(ValueError, match=r"all log-weights are -inf \(log_p - log_q\)"):
        riskcore.tail.snis_estimate(-np.inf, np.array([2.0, 3.0]), score=0, threshold=0.0)


def test_negbinom_mean_and_size_that_do_not_broadcast_are_named():
    with pytest.raises(ValueError, match=r"shapes do not broadcast: n \(2,\), mu \(0,\)"):
        riskcore.crps_negbinom(0.0, np.array([2.0, 3.0]), mu=np.array([]))


def test_interval_score_weights_must_match_the_levels():
    with pytest.raises(ValueError, match=r"w_alpha must have one weight per level of alpha \(1\), got shape \(0,\)"):
        riskcore.weighted_interval_score(0, 0, 0.0, np.array([0.0, 0.0]), 0.5, w_alpha=[])


def test_logs_ensemble_bandwidth_must_broadcast_to_the_batch():
    with pytest.raises(ValueError, match=r"bw of shape \(2,\) does not broadcast to the batch \(\)"):
        riskcore.logs_ensemble(0.0, np.array([2.0, 3.0]), bw=np.array([2.0, 3.0]))


@pytest.mark.parametrize("ordering", ["rank-sum", "h"])
@pytest.mark.parametrize(("n", "m", "alpha"), [(2, 1, 0.5), (2, 1, 0.1), (10, 1, 0.5), (20, 3, 0.3), (50, 5, 0.1)])
def test_infinite_bounds_in_the_mean_dp_are_exact(ordering, n, m, alpha):
    """Found by the slow fuzz run: an infinite bound raised "g(bounds) ... must be finite" from the DP
    (batch_mean_interval's residual_bounds=(-inf, inf) then named no argument of the caller). The bound
    is +inf exactly when a multiset of the level set holds the pad; else the pad never counts, so the
    bound equals the one with any large finite pad (oracle: two such pads give the same bound; the
    orderings do not depend on the bounds: rank sums, and an explicit h for the weighted-sum DP)."""
    scores = np.arange(float(n))
    kwargs = {"method": "dp", "ordering": ordering if ordering == "rank-sum" else np.arange(n + 1) ** 2}
    for side in ("upper", "lower"):
        got = riskcore.conformal.batch_mean_bound(scores, m, alpha, side=side, bounds=(-np.inf, np.inf), **kwargs)
        near, far = (
            riskcore.conformal.batch_mean_bound(scores, m, alpha, side=side, bounds=(-pad, pad), **kwargs)
            for pad in (1e6, 2e6)
        )
        assert got == (near if near == far else (np.inf if side == "upper" else -np.inf))
    lo, hi = riskcore.conformal.batch_mean_interval([1, 2**53], [1, 2**53], 0, 0.5, residual_bounds=(-np.inf, np.inf))
    assert (lo, hi) == (-np.inf, np.inf)
