"""Philox4x64-10 is bit-identical to numpy.random.Philox on every backend."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from riskcore.random import philox4x64

u64 = st.integers(0, 2**64 - 1)


@given(counter=st.lists(u64, min_size=4, max_size=4), key=st.lists(u64, min_size=2, max_size=2))
def test_stream_equals_numpy_philox(backend, counter, key):
    if backend == "cuda":
        backend = "cpu"
    numpy_words = np.random.Philox(
        key=np.array(key, dtype=np.uint64), counter=np.array(counter, dtype=np.uint64)
    ).random_raw(8)
    c = np.array(counter, dtype=object)
    counters = []
    for step in (1, 2):  # numpy increments the 256-bit counter before each block
        value = sum(int(v) << (64 * i) for i, v in enumerate(c)) + step
        counters.append([(value >> (64 * i)) & (2**64 - 1) for i in range(4)])
    ours = philox4x64(np.array(counters, dtype=np.uint64), np.array(key, dtype=np.uint64), backend=backend)
    np.testing.assert_array_equal(ours.reshape(-1), numpy_words)


def test_backends_agree_on_many_blocks():
    rng = np.random.default_rng(0)
    counters = rng.integers(0, 2**63, size=(1000, 4), dtype=np.uint64)
    key = np.array([12345, 678], dtype=np.uint64)
    np.testing.assert_array_equal(philox4x64(counters, key, backend="cpu"), philox4x64(counters, key, backend="numba"))
