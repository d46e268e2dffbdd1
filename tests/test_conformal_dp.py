"""The pruned knapsack DP of kernels/conformal.hpp: the same double as the plain DP, on every backend.

The oracle is the textbook DP in NumPy (every layer, every slot, no pruning), once at full depth (equal
to within a few ulp: the summation order differs) and once in the half-depth + combine order of the
kernels (equal bit for bit: pruning only drops states that cannot reach the optimum). The coarse
completion bound and the sparse pull are checked the same way with forced block widths, on problems
near the 90% slot-sum quantile where the Lagrangian bound is loose (skewed laws) and the second pass runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from riskcore import _core
from riskcore._numba import conformal as numba_dp


def plain_layers(v: np.ndarray, depth: int, t: int) -> list[np.ndarray]:
    """D_0..D_depth over sums 0..t, every slot of every layer."""
    layers = [np.full(t + 1, -np.inf)]
    layers[0][0] = 0.0
    for _ in range(depth):
        nxt = np.full(t + 1, -np.inf)
        for r in range(1, min(v.size, t) + 1):
            np.maximum(nxt[r:], layers[-1][: t + 1 - r] + v[r - 1], out=nxt[r:])
        layers.append(nxt)
    return layers


def half_depth_oracle(v: np.ndarray, m: int, t: int) -> float:
    layers = plain_layers(v, (m + 1) // 2, t)
    prefix = np.maximum.accumulate(layers[m // 2])
    return float(np.max(layers[-1] + prefix[t - np.arange(t + 1)]))


def full_depth_oracle(v: np.ndarray, m: int, t: int) -> float:
    return float(plain_layers(v, m, t)[-1].max())


def random_problem(rng: np.random.Generator, kind: int) -> tuple[np.ndarray, int, int]:
    n, m = int(rng.integers(1, 40)), int(rng.integers(1, 14))
    t = int(rng.integers(0, m * (n + 1) + 3))
    if kind == 0:  # continuous scores
        x = rng.uniform(size=n)
    elif kind == 1:  # ties
        x = np.round(rng.uniform(size=n), 1)
    elif kind == 2:  # a skewed law: the Lagrangian gap is large, little is pruned
        x = rng.beta(0.5, 3, size=n)
    else:  # few integer levels: many equal candidates
        x = rng.integers(0, 3, size=n).astype(float)
    v = np.append(np.sort(x), 1.0 if kind < 3 else 3.0)
    if rng.uniform() < 0.2:  # the mirrored (lower-bound) problem: negative values
        v = -v[::-1]
    if rng.uniform() < 0.1:  # not monotone: the kernel is a general knapsack
        v = rng.permutation(v)
    return v, m, t


PROBLEMS = [random_problem(np.random.default_rng(seed), seed % 4) for seed in range(240)]


def solve(backend: str, problems, coarse_width: int = 0) -> np.ndarray:
    """Each problem's optimum; ``coarse_width`` forces the coarse bound's block width on cpu and numba
    (the CUDA launcher always chooses its own)."""
    values = [v for v, _, _ in problems]
    m = np.array([p[1] for p in problems], dtype=np.int64)
    t = np.array([p[2] for p in problems], dtype=np.int64)
    if backend == "cpu":
        return _core.knapsack_max_sums(values, m, t, coarse_width)
    if backend == "numba":
        return numba_dp.knapsack_max_sums(values, m, t, coarse_width)
    if not hasattr(_core, "cuda_knapsack_max_sums"):
        pytest.skip("riskcore was built without CUDA")
    return _core.cuda_knapsack_max_sums(values, m, t, 0)


def test_pruned_dp_equals_the_half_depth_dp_bitwise(backend):
    got = solve(backend, PROBLEMS)
    want = np.array([half_depth_oracle(*p) for p in PROBLEMS])
    np.testing.assert_array_equal(got, want)


def test_pruned_dp_equals_the_full_depth_dp(backend):
    got = solve(backend, PROBLEMS[:100])
    want = np.array([full_depth_oracle(*p) for p in PROBLEMS[:100]])
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("law", [(2.0, 5.0), (0.5, 3.0), (1.0, 1.0)])
def test_backends_agree_bitwise_on_a_large_problem(backend, law):
    """n = 300, m = 20 at the 90% slot-sum quantile (both passes, layers beyond shared memory on CUDA)."""
    from riskcore import conformal

    v = np.append(np.sort(np.random.default_rng(4).beta(*law, size=300)), 1.0)
    t = conformal.slot_sum_quantile(300, 20, 0.9)
    got = solve(backend, [(v, 20, t)])
    np.testing.assert_array_equal(got, _core.knapsack_max_sums([v], np.array([20]), np.array([t])))
    assert got[0] == half_depth_oracle(v, 20, t)


def test_infeasible_budget_gives_minus_infinity(backend):
    got = solve(backend, [(np.ones(3), 4, 3), (np.ones(1), 1, 0)])
    assert np.isneginf(got).all()


def near_quantile_problem(rng: np.random.Generator, kind: int) -> tuple[np.ndarray, int, int]:
    """Scores of a skewed law (beta(.5,3), clipped exponential), ties or integer levels, n + m + t like
    the bound's: t within a few units of the slot-sum median m (n + 2) / 2 and above it."""
    n, m = int(rng.integers(20, 120)), int(rng.integers(2, 17))
    t = m * (n + 2) // 2 + int(rng.integers(-3, 2 * n + 1))
    if kind == 0:
        x = rng.beta(0.5, 3, size=n)
    elif kind == 1:
        x = np.minimum(rng.exponential(0.2, size=n), 1.0)
    elif kind == 2:
        x = np.round(rng.beta(0.5, 3, size=n), 2)
    else:
        x = rng.integers(0, 4, size=n).astype(float) / 4
    v = np.append(np.sort(x), 1.0)
    if rng.uniform() < 0.2:
        v = -v[::-1]
    if rng.uniform() < 0.1:
        v = rng.permutation(v)
    return v, m, t


NEAR_QUANTILE = [near_quantile_problem(np.random.default_rng(1000 + seed), seed % 4) for seed in range(120)]


@pytest.mark.parametrize("coarse_width", [0, 1, 2, 3, 7])
def test_coarse_bound_and_sparse_pull_keep_the_half_depth_dp_bitwise(backend, coarse_width):
    """Any block width of the coarse completion bound (1: the exact completion; wide: loose) gives the
    unpruned DP's double."""
    got = solve(backend, NEAR_QUANTILE, coarse_width)
    want = np.array([half_depth_oracle(*p) for p in NEAR_QUANTILE])
    np.testing.assert_array_equal(got, want)


def test_coarse_width_is_checked():
    with pytest.raises(ValueError, match="coarse_width"):
        _core.knapsack_max_sums([np.ones(3)], np.array([1]), np.array([2]), -1)
