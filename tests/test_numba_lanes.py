"""The Numba backend's 8-lane compare-exchange (riskcore._numba.lanes) against NumPy's elementwise
minimum / maximum, in float64 and float32, at offsets that are not vector-aligned, and with NaN lanes
following the scalar rule ``a if a < z else z``."""

from __future__ import annotations

import numba
import numpy as np
import pytest

from riskcore._numba.crps_ensemble import batcher_network
from riskcore._numba.lanes import compare_exchange8


@numba.njit
def _exchange(cols, i, j):
    compare_exchange8(cols, i, j)


@numba.njit
def _apply_network(cols, offsets):
    for c in range(offsets.size // 2):
        compare_exchange8(cols, offsets[2 * c], offsets[2 * c + 1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("i", "j"), [(0, 8), (8, 0), (3, 11), (13, 1), (1, 30)])
def test_compare_exchange_is_the_lanewise_scalar_rule(dtype, i, j):
    rng = np.random.default_rng(i * 100 + j)
    cols = rng.normal(size=40).astype(dtype)
    cols[[i + 2, j + 5]] = np.nan
    cols[j + 6] = cols[i + 6]  # a tie
    a, z = cols[i : i + 8].copy(), cols[j : j + 8].copy()
    rest = np.delete(cols, np.r_[i : i + 8, j : j + 8]).copy()
    _exchange(cols, i, j)
    less = a < z
    np.testing.assert_array_equal(cols[i : i + 8], np.where(less, a, z))
    np.testing.assert_array_equal(cols[j : j + 8], np.where(less, z, a))
    np.testing.assert_array_equal(np.delete(cols, np.r_[i : i + 8, j : j + 8]), rest)  # nothing else written


@pytest.mark.parametrize("m", [2, 7, 50, 129])
def test_batcher_network_of_compare_exchanges_sorts_each_lane(m):
    rng = np.random.default_rng(m)
    block = rng.normal(size=(m, 8))
    block[:, 3] = np.round(block[:, 3])  # ties
    cols = block.ravel().copy()
    _apply_network(cols, batcher_network(m) * 8)
    np.testing.assert_array_equal(cols.reshape(m, 8), np.sort(block, axis=0))


def test_compare_exchange_rejects_a_non_float_array():
    with pytest.raises(numba.TypingError):
        _exchange(np.arange(16), 0, 8)
