"""Gradient of the ensemble CRPS against central finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import riskcore


def central_difference(y, x, estimator, alpha, weights, h=1e-6):
    grad = np.empty_like(x)
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        f = [
            float(riskcore.crps_ensemble(y, v, estimator=estimator, alpha=alpha, weights=weights, backend="numba"))
            for v in (up, down)
        ]
        grad[i] = (f[0] - f[1]) / (2 * h)
    return grad


@given(
    m=st.integers(2, 10),
    data=st.data(),
    estimator=st.sampled_from(["nrg", "fair", "afcrps"]),
    weighted=st.booleans(),
    ties=st.booleans(),
)
def test_gradient_matches_central_differences(backend, m, data, estimator, weighted, ties):
    values = st.integers(-3, 3).map(float) if ties else st.floats(-10, 10)
    x = np.array(data.draw(st.lists(values, min_size=m, max_size=m)))
    y = data.draw(values)
    w = np.array(data.draw(st.lists(st.floats(0.1, 3), min_size=m, max_size=m))) if weighted else None
    # Kinks closer than the step would fool the finite difference; exact ties are fine (symmetric).
    points = np.append(x, y)
    gaps = np.abs(points[:, None] - points[None, :])
    assume(((gaps == 0) | (gaps > 1e-3)).all())
    got = riskcore.crps_ensemble_grad(y, x, estimator=estimator, weights=w, backend=backend)
    want = central_difference(y, x, estimator, 0.95, w)
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_gradient_keeps_member_axis_position(backend):
    rng = np.random.default_rng(0)
    fct = rng.normal(size=(4, 6, 3))  # members on axis 1
    obs = rng.normal(size=(4, 3))
    g = riskcore.crps_ensemble_grad(obs, fct, axis=1, backend=backend)
    assert g.shape == fct.shape
    g_last = riskcore.crps_ensemble_grad(obs, np.moveaxis(fct, 1, -1), backend=backend)
    np.testing.assert_allclose(np.moveaxis(g, 1, -1), g_last)


def test_gradient_of_omitted_nan_member_is_zero(backend):
    g = riskcore.crps_ensemble_grad(0.0, [1.0, np.nan, -2.0], nan_policy="omit", backend=backend)
    assert g[1] == 0.0
    np.testing.assert_allclose(g[[0, 2]], riskcore.crps_ensemble_grad(0.0, [1.0, -2.0], backend=backend))
    assert np.isnan(riskcore.crps_ensemble_grad(0.0, [1.0, np.nan], backend=backend)).all()


def test_gradient_rejects_estimators_without_one():
    with pytest.raises(ValueError, match="estimator"):
        riskcore.crps_ensemble_grad(0.0, [1.0, 2.0], estimator="pwm")
