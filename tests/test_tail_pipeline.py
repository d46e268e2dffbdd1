"""Proposal selection, sequence log-probabilities and interval coverage on Gaussian tails."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from riskcore import tail

SHIFTS = np.array([0.5, 2.0, 3.0, 4.5])
P_Z_GT_3 = 0.5 * math.erfc(3 / math.sqrt(2))


def pilot(seed: int, per: int = 40):
    rng = np.random.default_rng(seed)
    z = np.concatenate([rng.normal(m, 1, per) for m in SHIFTS])
    return z, -z * z / 2, -((z[None] - SHIFTS[:, None]) ** 2) / 2


@pytest.mark.parametrize("method", ["cross_entropy", "variance"])
def test_second_stage_of_select_proposal_is_unbiased(method):
    """500 seeded runs: the pilot picks a shift, 200 fresh samples estimate P(Z > 3); their mean is the
    truth within 4 standard errors of the mean although the choice varies from run to run."""
    finals, chosen = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for seed in range(500):
            z, lp, grid = pilot(seed)

            def draw(g, seed=seed):
                x = np.random.default_rng(10_000 + seed).normal(SHIFTS[g], 1, 200)
                return -x * x / 2, -((x - SHIFTS[g]) ** 2) / 2, x

            s = tail.select_proposal(lp, grid, z, [40] * 4, threshold=3.0, method=method, draw=draw)
            finals.append(float(s.final.estimate))
            chosen.append(s.index)
    finals = np.array(finals)
    assert abs(finals.mean() - P_Z_GT_3) < 4 * finals.std(ddof=1) / math.sqrt(finals.size)
    assert np.bincount(chosen).argmax() in (2, 3)  # a shift at or past the threshold wins most often


def test_select_proposal_reports_each_grid_point():
    z, lp, grid = pilot(0, per=400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = tail.select_proposal(lp, grid, z, [400] * 4, threshold=3.0)
        direct = tail.per_proposal_estimates(lp, grid, [400] * 4, score=z, threshold=3.0)
    np.testing.assert_array_equal(s.estimates, [r.estimate for r in direct])
    np.testing.assert_array_equal(s.khat, [r.khat for r in direct])
    # the cross-entropy objective by direct computation: balance-heuristic weights of the event samples
    mix = np.log(np.mean(np.exp(grid), axis=0))
    w = np.exp(lp - mix) * (z >= 3)
    np.testing.assert_allclose(s.criterion, (w * grid).sum(axis=1) / w.sum(), rtol=1e-12)
    assert s.index == int(np.argmax(s.criterion)) and s.final is None
    v = tail.select_proposal(lp, grid, z, [400] * 4, threshold=3.0, method="variance")
    p_hat = w.mean()
    want = (w * w * np.exp(mix - grid)).mean(axis=1) / p_hat**2 - 1  # E_mix[w^2 h^2 mix / q_g] / P^2 - 1
    np.testing.assert_allclose(v.criterion, want, rtol=1e-10)
    with pytest.raises(ValueError, match="no pilot sample is in the event"):
        tail.select_proposal(lp, grid, z, [400] * 4, threshold=100.0)
    boolean = tail.select_proposal(lp, grid, z >= 3.0, [400] * 4)  # a boolean event instead of a score
    np.testing.assert_allclose(boolean.criterion, s.criterion, rtol=1e-12)
    with pytest.raises(ValueError, match="method must be one of"):
        tail.select_proposal(lp, grid, z, [400] * 4, threshold=3.0, method="best")


def test_sequence_log_prob_sums_every_factor_and_warns_without_the_end_token():
    rng = np.random.default_rng(1)
    lp = np.log(rng.uniform(0.01, 1, size=(4, 6)))
    tokens = rng.integers(1, 9, size=(4, 6))
    lengths = np.array([6, 3, 1, 4])
    tokens[np.arange(4), lengths - 1] = 0
    got = tail.sequence_log_prob(lp, tokens, 0, lengths=lengths)
    for i in range(4):
        assert got[i] == pytest.approx(math.fsum(lp[i, : lengths[i]]), rel=1e-14)
    tokens[1, 2] = 5  # the end token of sequence 1 is missing
    with pytest.warns(RuntimeWarning, match=r"1 of 4 sequences do not end .* \(first: \[1\]\)"):
        tail.sequence_log_prob(lp, tokens, 0, lengths=lengths)
    with pytest.raises(ValueError, match=r"token_log_probs must be in \[-inf, 0\]"):
        tail.sequence_log_prob(-lp, tokens, 0, lengths=lengths)
    with pytest.raises(TypeError, match="tokens must be integer ids"):
        tail.sequence_log_prob(lp, tokens.astype(float), 0)


@pytest.mark.parametrize(
    "n, reps, tolerance",
    [
        (30, 400, 0.06),
        (1000, 400, 0.035),
        (100_000, 60, 0.09),
        pytest.param(30, 4000, 0.05, marks=pytest.mark.slow),  # N = 30 covers ~0.91-0.93: skewed weights
        pytest.param(1000, 4000, 0.012, marks=pytest.mark.slow),
        pytest.param(100_000, 1000, 0.02, marks=pytest.mark.slow),
    ],
)
@pytest.mark.parametrize("t", [2.0, 3.0, 4.0])
def test_interval_coverage_on_gaussian_tails(n, reps, tolerance, t):
    """95% intervals of IS with the optimal shift cover P(Z > t) at N = 30, 1,000 and 1e5 (binomial
    tolerance of about 3 standard errors of the coverage for the number of replications)."""
    exact = 0.5 * math.erfc(t / math.sqrt(2))
    covered = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for seed in range(reps):
            r = tail.gaussian_tail_is([1.0], t, n, seed)
            covered += bool(r.ci_low <= exact <= r.ci_high)
    assert abs(covered / reps - 0.95) < tolerance, covered / reps
