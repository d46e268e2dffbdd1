"""crps_mixnorm_grad against 40-digit central differences of an mpmath closed form of the mixture's CRPS
(itself checked against quadrature of (F - H)^2), swept into the tails; identities; backends agree."""

from __future__ import annotations

import functools

import numpy as np
import pytest

import riskcore

mp = pytest.importorskip("mpmath")


def _abs_mean(mu, sd):
    return mu * (2 * mp.ncdf(mu / sd) - 1) + 2 * sd * mp.npdf(mu / sd)


def _oracle(y, m, s, w):
    """Grimit et al. (2006) in mpmath: sum_j w_j E|y - X_j| - 1/2 sum_jk w_j w_k E|X_j - X_k'|."""
    m, s, w = ([mp.mpf(x) for x in part] for part in (m, s, w))
    total = mp.fsum(w)
    wt = [wj / total for wj in w]
    to_obs = mp.fsum(wj * _abs_mean(y - mj, sj) for wj, mj, sj in zip(wt, m, s, strict=True))
    pairs = mp.fsum(
        wj * wk * _abs_mean(mj - mk, mp.sqrt(sj**2 + sk**2))
        for wj, mj, sj in zip(wt, m, s, strict=True)
        for wk, mk, sk in zip(wt, m, s, strict=True)
    )
    return to_obs - pairs / 2


@functools.cache
def _derivatives(y, m, s, w):
    """(d/dm, d/ds, d/dw) by central differences at 40 digits, step 1e-15 max(|x|, 1)."""
    with mp.workdps(40):
        point = [list(map(mp.mpf, part)) for part in (m, s, w)]
        out = []
        for p, part in enumerate(point):
            row = []
            for j, x in enumerate(part):
                h = mp.mpf("1e-15") * max(abs(x), 1)
                up, down = [list(q) for q in point], [list(q) for q in point]
                up[p][j], down[p][j] = x + h, x - h
                row.append(float((_oracle(mp.mpf(y), *up) - _oracle(mp.mpf(y), *down)) / (2 * h)))
            out.append(row)
    return np.array(out)


MIXTURES = [  # (m, s, w): one component; overlapping; far apart; narrow beside wide; a zero weight
    ((0.3,), (1.7,), (2.0,)),
    ((-1.0, 0.5, 2.0), (0.5, 1.0, 0.3), (0.2, 0.5, 0.3)),
    ((-30.0, 30.0), (1.0, 2.0), (0.9, 0.1)),
    ((0.0, 0.1, 5.0, -4.0), (0.01, 20.0, 1.0, 0.3), (1.0, 3.0, 0.5, 2.0)),
    ((1.0, -1.0, 0.0), (1.0, 0.2, 4.0), (0.5, 0.0, 0.5)),
]
OBS = (-1e3, -40.0, -3.0, 0.0, 0.7, 12.0, 1e3)


def test_oracle_is_the_integral_of_the_squared_difference():
    m, s, w = MIXTURES[1]
    with mp.workdps(30):

        def cdf(z):
            return mp.fsum(wj * mp.ncdf((z - mj) / sj) for mj, sj, wj in zip(m, s, w, strict=True)) / mp.fsum(w)

        y = mp.mpf("0.7")
        integral = mp.quad(lambda z: cdf(z) ** 2, [-mp.inf, -5, 0, y]) + mp.quad(
            lambda z: (1 - cdf(z)) ** 2, [y, 3, 10, mp.inf]
        )
        assert abs(integral - _oracle(y, m, s, w)) < mp.mpf("1e-25")


@pytest.mark.parametrize("mixture", range(len(MIXTURES)))
def test_gradient_matches_numerical_derivative(backend, mixture):
    m, s, w = MIXTURES[mixture]
    got = np.stack(riskcore.crps_mixnorm_grad(np.array(OBS), m, s, w, backend=backend), axis=1)
    want = np.stack([_derivatives(y, m, s, w) for y in OBS])
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-14)


def test_identities(backend):
    """One component is the normal law (its weight's derivative 0); sum_j w_j d/dw_j = 0; scaling the
    weights by c divides d/dw by c and leaves d/dm, d/ds alone."""
    y = np.array([-2.0, 0.4, 5.0])
    dm, ds, dw = riskcore.crps_mixnorm_grad(y, [[0.3]], [[1.7]], [[4.0]], backend=backend)
    np.testing.assert_allclose(np.stack([dm[:, 0], ds[:, 0]]), riskcore.crps_normal_grad(y, 0.3, 1.7), rtol=1e-14)
    np.testing.assert_array_equal(dw, 0.0)
    rng = np.random.default_rng(4)
    m, s, w = rng.normal(size=(3, 6)), rng.uniform(0.2, 3.0, (3, 6)), rng.uniform(0.1, 1.0, (3, 6))
    base = riskcore.crps_mixnorm_grad(y, m, s, w, backend=backend)
    np.testing.assert_allclose((base[2] * w).sum(axis=-1), 0.0, atol=1e-15)
    scaled = riskcore.crps_mixnorm_grad(y, m, s, 10 * w, backend=backend)
    for a, b, c in zip(base, scaled, (1, 1, 10), strict=True):
        np.testing.assert_allclose(b * c, a, rtol=1e-13, atol=1e-16)


def test_cpu_and_numba_agree():
    rng = np.random.default_rng(7)
    y, m = rng.normal(size=50) * 5, rng.normal(size=(50, 9)) * 3
    s, w = rng.uniform(0.05, 4.0, (50, 9)), rng.uniform(0.0, 1.0, (50, 9))
    cpu = riskcore.crps_mixnorm_grad(y, m, s, w, backend="cpu")
    for a, b in zip(cpu, riskcore.crps_mixnorm_grad(y, m, s, w, backend="numba"), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-16)


def test_shapes_axis_broadcasting_and_dtype(backend):
    """Components along axis 0 come back along axis 0; a shared weight vector broadcasts over the batch;
    float32 stays float32; an empty batch gives empty arrays."""
    rng = np.random.default_rng(2)
    m, s = rng.normal(size=(4, 5)), rng.uniform(0.5, 2.0, (4, 5))
    w = np.array([1.0, 2.0, 3.0, 4.0])[:, None]
    along0 = riskcore.crps_mixnorm_grad(rng.normal(size=5), m, s, w, axis=0, backend=backend)
    assert all(g.shape == (4, 5) for g in along0)
    y = np.zeros(5)
    last = riskcore.crps_mixnorm_grad(y, m.T, s.T, np.broadcast_to(w.T, (5, 4)), backend=backend)
    y0 = riskcore.crps_mixnorm_grad(y, m, s, w, axis=0, backend=backend)
    for a, b in zip(y0, last, strict=True):
        np.testing.assert_allclose(a, b.T, rtol=1e-15)
    f32 = riskcore.crps_mixnorm_grad(np.float32(0.5), m[:, 0].astype(np.float32), s[:, 0].astype(np.float32))
    assert all(g.dtype == np.float32 and g.shape == (4,) for g in f32)
    f64 = riskcore.crps_mixnorm_grad(0.5, m[:, 0], s[:, 0])
    for a, b in zip(f32, f64, strict=True):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)
    empty = riskcore.crps_mixnorm_grad(np.zeros(0), np.zeros((0, 3)), np.ones((0, 3)), backend=backend)
    assert all(g.shape == (0, 3) for g in empty)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: riskcore.crps_mixnorm_grad(0.0, [0.0, 1.0], [1.0, 0.0]), "s must be > 0"),
        (lambda: riskcore.crps_mixnorm_grad(0.0, [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]), "w sums to 0"),
        (lambda: riskcore.crps_mixnorm_grad(0.0, [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]), "w must be finite"),
        (lambda: riskcore.crps_mixnorm_grad(0.0, 1.0, 1.0), "m must have a component axis"),
    ],
)
def test_invalid_arguments_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()
