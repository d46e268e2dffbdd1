r"""Sample-size planning: trajectories needed for a target standard error.

With per-trajectory variance :math:`\sigma^2` (estimated by a pilot run), the mean of N trajectories
has se :math:`\sigma / \sqrt N`, so :math:`N = \lceil \sigma^2 / se^2 \rceil`; a relative target
:math:`r` asks for :math:`se = r\,\hat p`.
"""

from __future__ import annotations

import numpy as np

from riskcore import _validate
from riskcore.mc.results import KINDS, RiskEstimate, SimulationResult


def _required(result: RiskEstimate, target_se: float | None, target_rel_se: float | None) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        se = target_se if target_se is not None else target_rel_se * np.asarray(result.estimate)
        need = np.ceil(np.asarray(result.variance) / np.square(se))
    # an estimate of 0 (no outcome seen) gives no relative target: report -1 (unknown)
    need = np.where(np.isfinite(need), np.maximum(need, 1), -1)
    return np.asarray(need.astype(np.int64))[()] if need.ndim == 0 else need.astype(np.int64)


def required_trajectories(
    result: RiskEstimate | SimulationResult, *, target_se: float | None = None, target_rel_se: float | None = None
) -> np.ndarray | dict[str, np.ndarray]:
    r"""Trajectories per query needed to reach ``target_se`` (absolute) or ``target_rel_se``
    (relative to the estimate), from the per-trajectory variances of a pilot ``result``:
    :math:`N = \lceil \hat\sigma^2 / se^2 \rceil` (-1 where the estimate is 0 and the target relative).

    Parameters
    ----------
    result : RiskEstimate (one estimator) or SimulationResult (every estimator it holds)
    target_se : float > 0, or
    target_rel_se : float > 0

    Returns
    -------
    int array of the estimate's shape, or a dict estimator -> array

    >>> from riskcore import mc
    >>> pilot = mc.mc_estimate([[0, -1, -1, 2, -1, -1, -1, -1]])
    >>> required_trajectories(pilot, target_se=0.01).tolist()
    [2143]
    """
    if (target_se is None) == (target_rel_se is None):
        raise ValueError("give exactly one of target_se and target_rel_se")
    if target_se is not None:
        target_se = _validate.real(target_se, "target_se", low=0, interval="(]")
    else:
        target_rel_se = _validate.real(target_rel_se, "target_rel_se", low=0, interval="(]")
    if isinstance(result, SimulationResult):
        return {
            k: _required(getattr(result, k), target_se, target_rel_se) for k in KINDS if getattr(result, k) is not None
        }
    if not isinstance(result, RiskEstimate):
        raise TypeError(f"result must be a RiskEstimate or SimulationResult, got {type(result).__name__}")
    return _required(result, target_se, target_rel_se)
