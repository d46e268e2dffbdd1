"""The validation layer, rule by rule, with the exact messages users see."""

from __future__ import annotations

import re
import sys
import types

import numpy as np
import pandas as pd
import pytest

from riskcore import _arrays, _validate
from riskcore._validate import (
    choice,
    fused_error,
    integer,
    integer_array,
    limit,
    pandas_like,
    positive,
    probability,
    real,
    real_array,
    returns_pandas,
    scalar_or_array,
    scalar_problem,
    seed,
)


def raises(error, message):
    """pytest.raises matching the whole message, literally."""
    return pytest.raises(error, match="^" + re.escape(message) + "$")


# ----------------------------------------------------------------------------------------- integers
@pytest.mark.parametrize(
    "value", [5, np.int8(5), np.uint8(5), np.int16(5), np.uint64(5), np.int64(5), np.array(5), np.array(5, np.uint8)]
)
def test_integer_accepts_python_and_numpy_ints(value):
    out = integer(value, "n", low=0)
    assert out == 5 and type(out) is int


def test_integer_numpy_small_ints_do_not_wrap():
    # int8 arithmetic would overflow (5 * 100 wraps to -12 in int8); the layer hands back a Python int
    n = integer(np.int8(5), "n", low=0)
    assert n * 100 == 500
    assert integer(np.uint8(255), "n", low=0) + 1 == 256


@pytest.mark.parametrize(
    "value, what", [(1.0, "float"), (True, "bool"), (np.bool_(True), "bool"), ("3", "str"), (None, "NoneType")]
)
def test_integer_rejects_non_integers(value, what):
    with raises(TypeError, f"m must be an integer, got {what}"):
        integer(value, "m")


def test_integer_rejects_integer_arrays_with_elements():
    with raises(TypeError, "m must be an integer, got ndarray"):
        integer(np.array([1, 2]), "m")


@pytest.mark.parametrize("value", [2**63, 2**64, 10**30, np.uint64(2**63)])
def test_integer_beyond_int64_is_a_value_error(value):
    with raises(ValueError, f"m must be in 1..9223372036854775807, got {int(value)}"):
        integer(value, "m", low=1)


def test_integer_ranges():
    assert integer(2**63 - 1, "m") == 2**63 - 1
    with raises(ValueError, "n must be in 0..9223372036854775807, got -1"):
        integer(-1, "n", low=0)
    with raises(ValueError, "k must be in 1..3, got 4"):
        integer(4, "k", low=1, high=3)
    with raises(ValueError, "n must be >= 2, got 1"):
        integer(1, "n", low=2, high=None)
    assert integer(10**30, "n", low=0, high=None) == 10**30


# -------------------------------------------------------------------------------------------- seeds
@pytest.mark.parametrize("value", [0, 2**64 - 1, np.uint64(2**64 - 1), np.int8(3)])
def test_seed_accepts_the_whole_uint64_range(value):
    assert seed(value) == int(value)


@pytest.mark.parametrize("value", [-1, 2**64, np.int8(-1)])
def test_seed_outside_uint64_is_a_value_error(value):
    with raises(ValueError, f"seed must be in 0..18446744073709551615, got {int(value)}"):
        seed(value)


def test_seed_names_the_argument_and_rejects_floats():
    with raises(ValueError, "key must be in 0..18446744073709551615, got -5"):
        seed(-5, "key")
    with raises(TypeError, "seed must be an integer, got float"):
        seed(1.0)


# -------------------------------------------------------------------------------------------- reals
def test_real_accepts_numbers_and_0d_arrays():
    assert real(1, "x") == 1.0 and type(real(1, "x")) is float
    assert real(np.float32(0.5), "x") == 0.5
    assert real(np.array(2.5), "x") == 2.5
    assert real(np.int8(-3), "x") == -3.0


@pytest.mark.parametrize(
    "value, message",
    [
        ("0.1", "x must be a real number, got str"),
        (True, "x must be a real number, got bool"),
        (1 + 2j, "x must be a real number, got complex"),
        (None, "x must be a real number, got NoneType"),
        (np.ones(2), "x must be a real number, got a float64 array of shape (2,)"),
        (np.complex128(1), "x must be a real number, got a complex128 array of shape ()"),
    ],
)
def test_real_rejects_non_reals(value, message):
    with raises(TypeError, message):
        real(value, "x")


@pytest.mark.parametrize("value", [float("nan"), np.nan, np.float32("nan"), float("inf"), -np.inf])
def test_real_rejects_nan_and_inf(value):
    with raises(ValueError, f"x must be a finite number, got {float(value)}"):
        real(value, "x")


def test_real_inf_only_when_allowed_and_nan_never():
    assert real(np.inf, "x", allow_inf=True) == np.inf
    with raises(ValueError, "x must be a finite number, got nan"):
        real(np.nan, "x", allow_inf=True)


def test_real_python_int_beyond_float_range():
    with raises(ValueError, f"x must be a finite number, got {10**400}"):
        real(10**400, "x")


@pytest.mark.parametrize(
    "interval, value, message",
    [
        ("()", 0.0, "x must be in (0, 1), got 0.0"),
        ("()", 1, "x must be in (0, 1), got 1"),
        ("[]", 1.5, "x must be in [0, 1], got 1.5"),
        ("(]", 0, "x must be in (0, 1], got 0"),
        ("[)", 1.0, "x must be in [0, 1), got 1.0"),
    ],
)
def test_real_interval_ends(interval, value, message):
    with raises(ValueError, message):
        real(value, "x", low=0, high=1, interval=interval)


def test_real_interval_ends_that_are_included():
    assert real(0, "x", low=0, high=1, interval="[)") == 0.0
    assert real(1, "x", low=0, high=1, interval="(]") == 1.0
    with raises(ValueError, "x must be in [2.5, inf), got 1"):
        real(1, "x", low=2.5)
    with raises(ValueError, "x must be in (-inf, 1e+20], got 1e+21"):
        real(1e21, "x", high=1e20)


def test_probability_and_positive():
    assert probability(0.1, "alpha") == 0.1
    with raises(ValueError, "alpha must be in (0, 1), got 1.5"):
        probability(1.5, "alpha")
    with raises(ValueError, "alpha must be in (0, 1), got 0"):
        probability(0, "alpha")
    assert probability(1, "level", interval="(]") == 1.0
    with raises(ValueError, "alpha must be a finite number, got nan"):
        probability(float("nan"), "alpha")
    assert positive(1e-300, "sigma") == 1e-300
    with raises(ValueError, "sigma must be in (0, inf), got -1"):
        positive(-1, "sigma")
    with raises(ValueError, "sigma must be a finite number, got inf"):
        positive(np.inf, "sigma")
    assert positive(np.inf, "sigma", allow_inf=True) == np.inf


def test_choice():
    assert choice("fair", "estimator", ("nrg", "fair")) == "fair"
    with raises(ValueError, "estimator must be one of ('nrg', 'fair'), got 'crps'"):
        choice("crps", "estimator", ("nrg", "fair"))
    with raises(ValueError, "estimator must be one of ('nrg', 'fair'), got 3"):
        choice(3, "estimator", ["nrg", "fair"])
    with raises(ValueError, "estimator must be one of ('nrg', 'fair'), got ['nrg']"):
        choice(["nrg"], "estimator", ("nrg", "fair"))


# ------------------------------------------------------------------------------------------- limits
def test_limit_messages():
    limit("n_trajectories", 10, 10, "unused")  # at the limit: fine
    with raises(ValueError, "n_trajectories * horizon is 1e+20, above the limit of 1e+15: split the run into shards"):
        limit("n_trajectories * horizon", 1e20, 1e15, "split the run into shards")
    with raises(MemoryError, "pmf bytes is 8e+10, above the limit of 1.6e+10: use the normal approximation"):
        limit("pmf bytes", 8e10, 1.6e10, "use the normal approximation", memory=True)


def test_limit_with_python_ints_beyond_float_range():
    with raises(ValueError, "horizon is 1.00e+400, above the limit of 1e+09: use exact_outcome_risk"):
        limit("horizon", 10**400, 10**9, "use exact_outcome_risk")


# -------------------------------------------------------------------------------------- real arrays
REAL_DTYPES = [np.int8, np.uint8, np.int32, np.uint64, np.int64, np.float16, np.float32, np.float64]


@pytest.mark.parametrize("dtype", REAL_DTYPES)
def test_real_array_accepts_real_dtypes_without_copy(dtype):
    a = np.arange(6, dtype=dtype).reshape(2, 3)
    out = real_array(a, "x")
    assert out is a


def test_real_array_reads_strided_views_without_copy():
    a = np.arange(24.0).reshape(4, 6)[:, ::2]
    out = real_array(a, "x")
    assert np.shares_memory(out, a) and out.strides == a.strides


@pytest.mark.parametrize(
    "value, what",
    [
        (np.array([True]), "bool"),
        (np.array([1 + 1j]), "complex"),
        (np.array([1.0], dtype=object), "object"),
        (np.array(["0.1"]), "str"),
        (np.array([b"1"]), "bytes"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime"),
        (np.array([1], dtype="timedelta64[s]"), "timedelta"),
        (["0.1", "0.2"], "str"),
        ([None, 1.0], "object"),
    ],
)
def test_real_array_rejects_other_dtype_kinds(value, what):
    with raises(TypeError, f"x must have a real numeric dtype (float or int), got {what}"):
        real_array(value, "x")


def test_real_array_ragged_and_unconvertible():
    with pytest.raises(TypeError, match=r"^x must be a real numeric array \("):
        real_array([[1.0], [1.0, 2.0]], "x")


def test_real_array_python_ints_beyond_int64():
    assert real_array([2**63], "x").dtype == np.uint64
    with raises(ValueError, "x has integers beyond the int64/uint64 range"):
        real_array([2**64], "x")
    with raises(ValueError, "x has integers beyond the int64/uint64 range"):
        real_array([1, 10**30], "x")


def test_real_array_shape_rules():
    assert real_array([[1.0]], "x", ndim=(1, 2)).shape == (1, 1)
    with raises(ValueError, "x must be 1-d, got shape (1, 1)"):
        real_array([[1.0]], "x", ndim=1)
    with raises(ValueError, "x must be 1-d or 2-d, got shape ()"):
        real_array(1.0, "x", ndim=(1, 2))
    with raises(ValueError, "x is empty"):
        real_array([], "x", nonempty=True)
    assert real_array([], "x").size == 0


def test_real_array_nan_and_inf_rules():
    a = np.array([[0.0, 1.0], [np.nan, np.inf]])
    assert real_array(a, "x") is a  # allowed unless stated
    with raises(ValueError, "x contains NaN: nan at index (1, 0)"):
        real_array(a, "x", allow_nan=False)
    with raises(ValueError, "x contains inf: inf at index (1, 1)"):
        real_array(a, "x", allow_inf=False)
    with raises(ValueError, "x contains inf: -inf at index (2,)"):
        real_array([0.0, 1.0, -np.inf], "x", allow_inf=False)
    assert real_array(np.array([1, 2]), "x", allow_nan=False, allow_inf=False).dtype.kind == "i"


def test_real_array_ranges():
    with raises(ValueError, "p must be in [0, 1], got 1.5 at index (2,)"):
        real_array([0.0, 1.0, 1.5, -1.0], "p", low=0, high=1)
    with raises(ValueError, "p must be in (0, 1), got 0 at index (0,)"):
        real_array([0, 1], "p", low=0, high=1, interval="()")
    with raises(ValueError, "w must be in [0, inf), got -1 at index (1, 0)"):
        real_array(np.array([[1], [-1]], dtype=np.int8), "w", low=0)
    # NaN follows allow_nan, not the range
    assert real_array([np.nan, 0.5], "p", low=0, high=1).shape == (2,)


# ------------------------------------------------------------------------------------------- pandas
def test_real_array_pandas_plain_columns_are_not_copied():
    s = pd.Series(np.arange(5.0))
    assert np.shares_memory(real_array(s, "x"), s.to_numpy())
    df = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]})
    assert real_array(df, "x").shape == (2, 2)


@pytest.mark.parametrize("dtype", ["Float64", "Float32", "Int64", "UInt8", "Int8"])
def test_real_array_pandas_nullable_dtypes_read_na_as_nan(dtype):
    s = pd.Series([1, pd.NA, 3], dtype=dtype)
    out = real_array(s, "x")
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [1.0, np.nan, 3.0])
    with raises(ValueError, "x contains NaN: nan at index (1,)"):
        real_array(s, "x", allow_nan=False)


def test_real_array_pandas_nullable_dataframe():
    df = pd.DataFrame({"a": pd.array([1.0, None], dtype="Float64"), "b": [3.0, 4.0]})
    np.testing.assert_array_equal(real_array(df, "x"), [[1.0, 3.0], [np.nan, 4.0]])


@pytest.mark.parametrize(
    "value, what",
    [
        (pd.Series([True, pd.NA], dtype="boolean"), "bool"),
        (pd.Series([True, False]), "bool"),
        (pd.Series(["a", "b"], dtype="string"), "object"),
        (pd.Series(["a", "b"]), "object"),
        (pd.Series(pd.to_datetime(["2020-01-01"])), "datetime"),
        (pd.Series(pd.Categorical(["a"])), "object"),
    ],
)
def test_real_array_pandas_non_numeric(value, what):
    with raises(TypeError, f"x must have a real numeric dtype (float or int), got {what}"):
        real_array(value, "x")


def test_pandas_like_keeps_the_index():
    s = pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"], name="obs")
    out = pandas_like(np.array([4.0, 5.0, 6.0]), np.zeros(3), s)
    assert isinstance(out, pd.Series) and list(out.index) == ["a", "b", "c"] and out.name == "obs"
    df = pd.DataFrame(np.zeros((3, 2)), index=[10, 20, 30], columns=["m1", "m2"])
    row = pandas_like(np.arange(3.0), df)  # one value per forecast row
    assert isinstance(row, pd.Series) and list(row.index) == [10, 20, 30] and row.name is None
    full = pandas_like(np.ones((3, 2)), df)  # one value per member (a gradient)
    assert isinstance(full, pd.DataFrame) and list(full.columns) == ["m1", "m2"] and list(full.index) == [10, 20, 30]


def test_pandas_like_leaves_other_results_alone():
    s = pd.Series([1.0, 2.0])
    assert pandas_like(np.float64(1.0), s) == 1.0
    three = np.zeros(3)
    assert pandas_like(three, s) is three  # not the input's length
    assert pandas_like(three, np.zeros(3)) is three  # no pandas input
    lo, hi = pandas_like((np.zeros(2), np.ones(2)), s)
    assert isinstance(lo, pd.Series) and isinstance(hi, pd.Series)


def test_returns_pandas_decorator():
    @returns_pandas
    def double(x, *, scale=2.0):
        """Doubles."""
        return scale * real_array(x, "x")

    s = pd.Series([1.0, 2.0], index=["u", "v"])
    out = double(s)
    assert isinstance(out, pd.Series) and list(out.index) == ["u", "v"]
    assert isinstance(double(x=s), pd.Series)
    assert type(double(np.ones(2))) is np.ndarray
    assert double.__doc__ == "Doubles."


# -------------------------------------------------------------------------------------- GPU arrays
class FakeDeviceArray(np.ndarray):
    """A host array dressed as a device array: np.asarray would hand back a plain ndarray (a host view)."""

    @property
    def __cuda_array_interface__(self):
        return self.__array_interface__


@pytest.fixture
def fake_cupy(monkeypatch):
    """A cupy stand-in whose asarray keeps the device array as it is (as CuPy does for its own arrays)."""
    module = types.ModuleType("cupy")
    module.asarray = lambda value: value
    module.ones = lambda shape, dtype: np.ones(shape, dtype).view(FakeDeviceArray)
    for name in ("isnan", "isinf", "argmax", "floor", "abs"):
        setattr(module, name, getattr(np, name))
    monkeypatch.setitem(sys.modules, "cupy", module)
    return module


def test_gpu_arrays_pass_through_without_host_copies(fake_cupy):
    device = np.array([0.25, 0.5, np.nan]).view(FakeDeviceArray)
    assert _validate.namespace(device) is fake_cupy
    assert _validate.namespace(np.zeros(1), device) is fake_cupy
    assert _validate.namespace(np.zeros(1)) is np
    assert real_array(device, "x") is device  # xp=np asked for, but the array stays on its device
    assert real_array(device, "x", low=0, high=1) is device
    with raises(ValueError, "x contains NaN: nan at index (2,)"):
        real_array(device, "x", allow_nan=False)
    assert _arrays.as_array(np, device, "x") is device


# ---------------------------------------------------------------------------------- integer arrays
def test_integer_array():
    np.testing.assert_array_equal(integer_array([3, 0], "hits", low=0), [3, 0])
    out = integer_array([2.0, 4.0], "hits")
    assert out.dtype == np.int64
    with raises(TypeError, "hits must hold integers, got 1.5 at index (0,)"):
        integer_array([1.5], "hits")
    with raises(ValueError, "hits must be in 0..10, got 11 at index (1,)"):
        integer_array(np.array([1, 11], dtype=np.int8), "hits", low=0, high=10)
    with raises(ValueError, "hits contains NaN: nan at index (0,)"):
        integer_array([np.nan], "hits")
    with raises(ValueError, "hits has integers beyond the int64 range"):
        integer_array([1e19], "hits")
    with raises(TypeError, "hits must have a real numeric dtype (float or int), got bool"):
        integer_array([True], "hits")


# ------------------------------------------------------------------------------------- fused checks
def test_fused_error_messages():
    fused_error("hazards", "in [0, 1]", 0, 0, (3,))  # nothing to report
    with raises(ValueError, "hazards must be in [0, 1]: 2 value(s) are not, the first at index (1, 2)"):
        fused_error("hazards", "in [0, 1]", 2, 5, (2, 3))
    with raises(ValueError, "log_w must be finite or -inf: 1 value(s) are not, the first at index (4,): nan"):
        fused_error("log_w", "finite or -inf", np.int64(1), np.int64(4), (10,), value=np.nan)
    with raises(ValueError, "x must be finite: 1 value(s) are not, the first at index ()"):
        fused_error("x", "finite", 1, 0, ())


# ------------------------------------------------------------------------------------- scalar rule
def test_scalar_rule():
    assert scalar_problem(0.5, np.float64(1), np.array(2.0))
    assert not scalar_problem(0.5, [1.0])
    out = scalar_or_array(np.array([0.465864]), True)
    assert isinstance(out, np.floating) and np.ndim(out) == 0
    batch = np.array([1.0])
    assert scalar_or_array(batch, False) is batch
    several = np.array([1.0, 2.0])
    assert scalar_or_array(several, True) is several


# ----------------------------------------------------------------------------- the old _arrays names
def test_arrays_helpers_delegate_to_the_layer():
    assert _arrays.namespace is _validate.namespace
    with raises(TypeError, "fct must have a real numeric dtype (float or int), got complex"):
        _arrays.as_array(np, [1j], "fct")
    with raises(ValueError, "nan_policy must be one of ('propagate', 'omit', 'raise'), got 'ignore'"):
        _arrays.check_nan_policy("ignore")
    with raises(TypeError, "axis must be an int, got float"):
        _arrays.normalize_axis(1.0, 2, "fct")
    assert _arrays.normalize_axis(np.int8(-1), 2, "fct") == 1
    with raises(ValueError, "fct has 2 dims but axis=2"):
        _arrays.normalize_axis(2, 2, "fct")
    with raises(ValueError, "alpha must lie in (0, 1], got nan"):
        _arrays.check_unit_interval("alpha", float("nan"), closed_right=True)
    with raises(TypeError, "alpha must be a real number, got str"):
        _arrays.check_unit_interval("alpha", "0.5", closed_right=True)


def test_integer_with_only_an_upper_bound():
    with raises(ValueError, "n must be <= 4096, got 5000"):
        integer(5000, "n", low=None, high=4096)
    assert integer(-(2**70), "n", low=None, high=None) == -(2**70)


def test_set_num_threads_checks_its_argument():
    import riskcore

    before = riskcore.get_num_threads()
    with raises(TypeError, "n must be an integer, got float"):
        riskcore.set_num_threads(1.5)
    with raises(ValueError, "n must be <= 4096, got 1180591620717411303424"):
        riskcore.set_num_threads(2**70)
    with raises(TypeError, "n must be an integer, got str"):
        riskcore.set_num_threads("2")
    riskcore.set_num_threads(-(2**70))  # n <= 0: the default
    assert riskcore.get_num_threads() == before


def test_real_reads_a_0d_device_array(fake_cupy):
    device = np.array(0.25).view(FakeDeviceArray)
    assert real(device, "alpha") == 0.25


def test_normal_quantile_checks_its_level():
    from riskcore._intervals import normal_quantile

    assert normal_quantile(0.975) == pytest.approx(1.959963984540054, abs=1e-12)
    with raises(ValueError, "q must be in (0, 1), got 1.0"):
        normal_quantile(1.0)
