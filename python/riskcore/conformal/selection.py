"""False-claim control for selecting test points whose outcome exceeds a threshold."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _validate as v
from riskcore.conformal.quantiles import batch_quantile_bound

SELECTION_SCORES = ("null-restricted", "residual")


@dataclass(frozen=True)
class Selection:
    """Test points claimed to have outcome > threshold, with P(#false claims > k) <= alpha."""

    selected: np.ndarray  # indices into the test predictions
    score_bound: float  # q: at most k null test scores exceed it, with probability >= 1 - alpha
    lower_bounds: np.ndarray | None  # prediction - q for every test point (residual score only)
    k: int
    alpha: float
    score: str = "null-restricted"


def _selection_inputs(cal_predictions, cal_outcomes, test_predictions):
    pred = v.real_array(cal_predictions, "cal_predictions", ndim=(1,), allow_nan=False, allow_inf=False)
    outcomes = v.real_array(cal_outcomes, "cal_outcomes", ndim=(1,), allow_nan=False, allow_inf=False)
    if pred.shape != outcomes.shape:
        raise ValueError(f"cal_predictions {pred.shape} and cal_outcomes {outcomes.shape} must have equal shapes")
    if pred.size == 0:
        raise ValueError("cal_predictions is empty: need at least one calibration point")
    test = v.real_array(test_predictions, "test_predictions", nonempty=True, allow_nan=False, allow_inf=False)
    return pred.astype(np.float64), outcomes.astype(np.float64), test.astype(np.float64).reshape(-1)


def select_exceeding(
    cal_predictions: ArrayLike,
    cal_outcomes: ArrayLike,
    test_predictions: ArrayLike,
    threshold: float,
    k: int,
    alpha: float,
    *,
    score: str = "null-restricted",
    bounds: tuple[float, float] | None = None,
) -> Selection:
    r"""Claim :math:`Y_j > c` for test points, with :math:`P(\#\text{false claims} > k) \le \alpha`
    (k = 0: no false claim at all with probability >= 1 - alpha).

    ``score="null-restricted"`` (default, the authors' rule): calibration scores
    :math:`V_i = \hat\mu(X_i)` if :math:`Y_i \le c` and :math:`-\infty` (the lower pad ``bounds[0]``)
    otherwise -- a point can only look large when its outcome is not above c; this ranks like the
    authors' :math:`\hat\mu(x) 1\{y \le c\}` for non-negative predictions. With q the upper bound of the
    (m-k)-th smallest of the m test scores, claim every j with :math:`\hat\mu_j > q`. A false claim is a
    test point with :math:`Y_j \le c`, whose score is :math:`\hat\mu_j > q`; more than k of them put the
    (m-k)-th smallest test score above q, which has probability <= alpha (calibration and test scores
    are exchangeable).

    ``score="residual"``: :math:`s = \hat\mu - Y`, claim j when :math:`\hat\mu_j - q > c` (a false
    claim needs :math:`s_j > q`): valid too, with far less power (the residual of every calibration
    point counts, not just those that could be false claims).

    >>> cal_pred = np.linspace(0, 10, 200); cal_y = cal_pred + np.sin(np.arange(200))
    >>> select_exceeding(cal_pred, cal_y, [2.0, 8.0, 9.5], threshold=7.0, k=0, alpha=0.1).selected.tolist()
    [1, 2]
    """
    pred, outcomes, test = _selection_inputs(cal_predictions, cal_outcomes, test_predictions)
    threshold = v.real(threshold, "threshold")
    score = v.choice(score, "score", SELECTION_SCORES)
    m = test.size
    k = v.integer(k, "k", low=0, high=m - 1)
    alpha = v.probability(alpha, "alpha")
    if score == "residual":
        q = batch_quantile_bound(pred - outcomes, m, m - k, alpha, bounds=bounds)
        lower = test - q
        return Selection(np.nonzero(lower > threshold)[0], q, lower, k, alpha, score)
    floor = -np.inf if bounds is None else v.real(bounds[0], "bounds[0]", allow_inf=True)
    null_scores = np.where(outcomes <= threshold, pred, floor)
    q = batch_quantile_bound(null_scores, m, m - k, alpha, bounds=bounds)
    return Selection(np.nonzero(test > q)[0], q, None, k, alpha, score)
