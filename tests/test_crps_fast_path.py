"""The cpu backend's vectorised pass for the normal and logistic gtc families (kernels/crps_truncated.hpp,
crps_gtc_fast with normal_interval_fast or logistic_interval_fast) against the generic path, which the
Numba backend runs for every element (and which tests/test_crps_tails.py checks against mpmath): random
parameters in the bulk and out to where the fast pass hands elements back (points beyond 10 in the
normal's tail case), NaN and infinite arguments mixed in, so both paths meet in one chunk."""

from __future__ import annotations

import numpy as np
import pytest

import riskcore

pytest.importorskip("numba")
N = 5000


def _draws(seed):
    """y, mu, sigma, lower, upper: intervals at least sigma / 2 wide (narrower ones lose digits to
    cancellation on both paths alike: ~1e-10 relative at width 0.01 sigma) from deep in either tail to the
    centre."""
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=N) * 2
    sigma = np.exp(rng.normal(size=N) * 0.7)
    lower = mu + sigma * rng.uniform(-14, 12, size=N)
    upper = lower + sigma * (0.5 + np.exp(rng.normal(size=N)))  # narrower intervals cancel on both paths
    unbounded = rng.uniform(size=N)
    upper[unbounded < 0.3] = np.inf
    lower[unbounded > 0.9] = -np.inf
    span = np.where(np.isfinite(upper - lower), upper - lower, 3.0 * sigma)
    base = np.where(np.isfinite(lower), lower, upper - 3.0 * sigma)
    y = base + span * rng.uniform(-0.5, 1.5, size=N)
    y[:3] = [np.nan, np.inf, -np.inf]
    return y, mu, sigma, lower, upper


def _finite(bound, fallback):
    return np.where(np.isfinite(bound), bound, fallback)


CASES = {
    "truncated_normal": lambda b, y, mu, s, lo, u: riskcore.crps_truncated_normal(y, mu, s, lo, u, backend=b),
    "censored_normal": lambda b, y, mu, s, lo, u: riskcore.crps_censored_normal(y, mu, s, lo, u, backend=b),
    "gtcnormal": lambda b, y, mu, s, lo, u: riskcore.crps_gtcnormal(
        y, mu, s, _finite(lo, u - 5 * s), _finite(u, lo + 5 * s), 0.1, 0.2, backend=b
    ),
    "2pnormal": lambda b, y, mu, s, lo, u: riskcore.crps_2pnormal(y, s, 0.5 + s, mu, backend=b),
    "tlogistic": lambda b, y, mu, s, lo, u: riskcore.crps_tlogistic(y, mu, s, lo, u, backend=b),
    "clogistic": lambda b, y, mu, s, lo, u: riskcore.crps_clogistic(y, mu, s, lo, u, backend=b),
    "gtclogistic": lambda b, y, mu, s, lo, u: riskcore.crps_gtclogistic(
        y, mu, s, _finite(lo, u - 5 * s), _finite(u, lo + 5 * s), 0.1, 0.2, backend=b
    ),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("seed", [0, 1])
def test_fast_pass_matches_the_generic_path(name, seed):
    """Both meet the mpmath sweeps' 1e-12 (below); they differ by more than 1e-13 only in the tail case
    several sigma out, where libmvec's erfc (4 ulp) meets the cancellation both paths share."""
    args = _draws(seed)
    cpu, numba = CASES[name]("cpu", *args), CASES[name]("numba", *args)
    np.testing.assert_array_equal(np.isnan(cpu), np.isnan(numba))
    finite = np.isfinite(numba)
    assert finite.sum() > N - 10
    np.testing.assert_allclose(cpu[finite], numba[finite], rtol=1e-12, atol=0)


@pytest.mark.parametrize("kind", ["truncated", "censored", "gtc"])
def test_fast_pass_against_mpmath(kind):
    mp = pytest.importorskip("mpmath")
    from test_crps_tails import gtc_normal_oracle

    y, mu, s, lo, u = (a[3:403] for a in _draws(3))
    if kind == "gtc":
        lo, u = _finite(lo, u - 5 * s), _finite(u, lo + 5 * s)
        got = riskcore.crps_gtcnormal(y, mu, s, lo, u, 0.1, 0.2, backend="cpu")
    else:
        fn = riskcore.crps_truncated_normal if kind == "truncated" else riskcore.crps_censored_normal
        got = fn(y, mu, s, lo, u, backend="cpu")
    want = []
    for yi, mi, si, li, ui in zip(y, mu, s, lo, u, strict=True):
        w, a, b = ((mp.mpf(v) - mi) / si for v in (yi, li, ui))
        lm, um = {"truncated": (0, 0), "censored": (mp.ncdf(a), 1 - mp.ncdf(b)), "gtc": (0.1, 0.2)}[kind]
        want.append(si * float(gtc_normal_oracle(w, a, b, mp.mpf(lm), mp.mpf(um))))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", list(CASES))
def test_fast_pass_in_float32(name):
    args = tuple(a.astype(np.float32) for a in _draws(2))
    cpu, numba = CASES[name]("cpu", *args), CASES[name]("numba", *args)
    assert cpu.dtype == np.float32
    finite = np.isfinite(numba)
    np.testing.assert_allclose(cpu[finite], numba[finite], rtol=2e-6, atol=1e-30)
