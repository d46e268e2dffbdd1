"""The efficiency of SCOPE / REACH over MC and its delta-method interval: the true efficiency of the
worked chain from exact second moments (a forward DP written here), interval coverage over seeded
runs of both simulators, the paired moments merging exactly across shards."""

from __future__ import annotations

import numpy as np
import pytest
from chains import WORKED
from sequence_models import ChainModel

from riskcore import mc
from riskcore.mc.efficiency import PairMoments

HORIZON = 20


def exact_moments(P, start, outcome, end, T):
    """(p, E[SCOPE^2], E[REACH^2]) over T steps. SCOPE on the chain: A accumulates h_s on each step
    alive and X = A when the outcome is drawn, the end is reached or the horizon passes; REACH on the
    outcome-masked chain: X = 1 - prod (1 - h_s)."""
    transient = [s for s in range(P.shape[0]) if s != outcome and s != end]
    Pt = P[np.ix_(transient, transient)]
    h, to_end = P[transient, outcome], P[transient, end]
    m0, m1, m2 = np.zeros(len(transient)), np.zeros(len(transient)), np.zeros(len(transient))
    m0[transient.index(start)] = 1.0
    p = scope2 = 0.0
    for _ in range(T):
        n1, n2 = m1 + h * m0, m2 + 2 * h * m1 + h**2 * m0  # moments of A + h_s
        p += (h * m0).sum()
        scope2 += (h * n2).sum() + (to_end * n2).sum()
        m0, m1, m2 = m0 @ Pt, n1 @ Pt, n2 @ Pt
    scope2 += m2.sum()
    Q = P[np.ix_(transient, transient)] / (1 - h)[:, None]
    q_end = to_end / (1 - h)
    w1, w2 = np.zeros(len(transient)), np.zeros(len(transient))
    w1[transient.index(start)] = w2[transient.index(start)] = 1.0
    e1 = e2 = 0.0
    for _ in range(T):
        w1, w2 = w1 * (1 - h), w2 * (1 - h) ** 2
        e1, e2 = e1 + (w1 * q_end).sum(), e2 + (w2 * q_end).sum()
        w1, w2 = w1 @ Q, w2 @ Q
    e1, e2 = e1 + w1.sum(), e2 + w2.sum()
    assert 1 - e1 == pytest.approx(p, abs=1e-12)  # REACH is unbiased: the DPs agree on the risk
    return p, scope2, 1 - 2 * e1 + e2


def true_efficiency():
    p, scope2, reach2 = exact_moments(WORKED, 0, 3, 4, HORIZON)
    return p * (1 - p) / (scope2 - p**2), p * (1 - p) / (reach2 - p**2)


def test_exact_moments_match_the_spec():
    p, scope2, reach2 = exact_moments(WORKED, 0, 3, 4, HORIZON)
    assert p == pytest.approx(0.465864, abs=5e-7)
    # the spec's per-trajectory variances (from 20,000 trajectories): MC 0.249, SCOPE 0.216, REACH 0.103
    assert p * (1 - p) == pytest.approx(0.249, abs=0.001)
    assert scope2 - p**2 == pytest.approx(0.216, abs=0.01)
    assert reach2 - p**2 == pytest.approx(0.103, abs=0.01)


def chain_runs(runs, n, simulator):
    out = np.zeros((runs, 2, 3))  # (run, scope/reach, (efficiency, low, high))
    for r in range(runs):
        if simulator == "chain":
            res = mc.simulate_outcome_risk(WORKED, 0, [3], [4], HORIZON, n, 500 + r)
        else:
            res = mc.simulate_sequence_risk(
                ChainModel(WORKED),
                0,
                outcome_tokens=3,
                end_tokens=4,
                max_new_tokens=HORIZON,
                n_trajectories=n,
                seed=500 + r,
                coupled=simulator == "coupled",
            )
        for j, e in enumerate((res.scope, res.reach)):
            out[r, j] = e.efficiency, e.efficiency_low, e.efficiency_high
    return out


def check_coverage(out, band):
    truth = true_efficiency()
    for j, kind in enumerate(("scope", "reach")):
        est, low, high = out[:, j].T
        assert (low < est).all() and (est < high).all()
        covered = ((low <= truth[j]) & (truth[j] <= high)).mean()
        assert band[0] <= covered <= band[1], (kind, covered, truth[j], np.median(est))


@pytest.mark.parametrize("simulator", ["chain", "sequence", "coupled"])
def test_efficiency_interval_covers_fast(simulator):
    check_coverage(chain_runs(100, 2000, simulator), (0.88, 1.0))


@pytest.mark.slow
@pytest.mark.parametrize("simulator", ["chain", "sequence", "coupled"])
def test_efficiency_interval_covers_500_runs(simulator):
    check_coverage(chain_runs(500, 2000, simulator), (0.93, 0.97))


def test_pair_moments_merge_exactly():
    rng = np.random.default_rng(0)
    m, x = (rng.random((2, 3, 500)) < 0.3).astype(float), rng.random((2, 3, 500)) * 2
    whole = PairMoments.from_values(m, x)
    first = PairMoments.from_values(m[..., :123], x[..., :123])
    rest = PairMoments.from_values(m[..., 123:], x[..., 123:])
    merged = first.merge(rest)
    e, low, high = whole.interval(0.95)
    e2, low2, high2 = merged.interval(0.95)
    np.testing.assert_allclose(e, np.var(m, axis=-1) / np.var(x, axis=-1), rtol=1e-12)
    for a, b in ((e, e2), (low, low2), (high, high2)):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    # the delta-method variance of log e from its definition (influence function), computed directly
    dm, dx = m - m.mean(-1, keepdims=True), x - x.mean(-1, keepdims=True)
    psi = dm**2 / (dm**2).mean(-1, keepdims=True) - dx**2 / (dx**2).mean(-1, keepdims=True)
    se = np.sqrt((psi**2).mean(-1) / m.shape[-1])
    np.testing.assert_allclose(np.log(high / e), 1.959963984540054 * se, rtol=1e-9)


def test_shards_merge_into_the_same_interval():
    whole = mc.simulate_outcome_risk(WORKED, 0, [3], [4], HORIZON, 6000, 3, chunk=1000)
    a = mc.simulate_outcome_risk(WORKED, 0, [3], [4], HORIZON, 2500, 3)
    b = mc.simulate_outcome_risk(WORKED, 0, [3], [4], HORIZON, 3500, 3, first_trajectory=2500)
    merged = a.merge(b)
    for kind in ("scope", "reach"):
        w, g = getattr(whole, kind), getattr(merged, kind)
        np.testing.assert_allclose(g.efficiency_low, w.efficiency_low, rtol=1e-10)
        np.testing.assert_allclose(g.efficiency_high, w.efficiency_high, rtol=1e-10)


def test_interval_is_nan_without_variance():
    m = np.zeros((1, 10))  # no outcome seen: MC's variance is 0
    e, low, high = PairMoments.from_values(m, np.full((1, 10), 0.1)).interval(0.95)
    assert np.isnan(e).all() and np.isnan(low).all() and np.isnan(high).all()
