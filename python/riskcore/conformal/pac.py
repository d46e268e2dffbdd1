"""PAC coverage of a fraction of the batch, and exchangeable subsamples under covariate shift."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _conformal_laws as laws
from riskcore import _validate as v
from riskcore.conformal.quantiles import batch_quantile_bound


def coverage_fraction_bound(
    cal_scores: ArrayLike,
    m: int,
    delta: float,
    alpha: float,
    *,
    bounds: tuple[float, float] | None = None,
) -> Any:
    r"""PAC bound U: with probability >= 1 - alpha, at least :math:`k = \lceil (1-\delta) m \rceil` of the
    m test scores lie at or below U. It is :func:`batch_quantile_bound` for the k-th smallest test score
    (k of them are at most the k-th smallest); delta = 0 is the simultaneous bound.

    >>> coverage_fraction_bound(np.arange(1.0, 200.0), m=20, delta=0.1, alpha=0.1)
    np.float64(190.0)
    """
    m = v.integer(m, "m", low=1)
    delta = v.real(delta, "delta", low=0.0, high=1.0, interval="[)")
    k = max(1, math.ceil((1 - laws.exact_level(delta)) * m))
    return batch_quantile_bound(cal_scores, m, k, alpha, bounds=bounds)


def covariate_shift_subsample(likelihood_ratios: ArrayLike, ratio_bound: float, seed: int) -> np.ndarray:
    r"""Indices of an exchangeable-with-the-test subsample of the calibration points under covariate
    shift, by rejection sampling: point i is kept with probability :math:`w_i / B`, where
    :math:`w(x) = dP_{test}/dP_{cal}(x)` is the known likelihood ratio and B >= sup w a bound fixed in
    advance (``ratio_bound``; not the sample maximum, which would make acceptance depend on the data).
    Kept points are i.i.d. from the test law, so any bound of this module computed on them is valid
    for the test batch (the authors' counterfactual experiments). Seeded: the same seed keeps the same
    points.

    >>> covariate_shift_subsample([0.5, 2.0, 1.0, 0.0], ratio_bound=2.0, seed=1).tolist()
    [1, 2]
    """
    w = v.real_array(likelihood_ratios, "likelihood_ratios", ndim=(1,), allow_nan=False, allow_inf=False, low=0.0)
    bound = v.real(ratio_bound, "ratio_bound", low=0.0, interval="(]")
    if w.size and float(w.max()) > bound:
        raise ValueError(f"likelihood_ratios must be <= ratio_bound = {bound}, got {float(w.max())}")
    u = np.random.default_rng(v.seed(seed)).uniform(size=w.size)
    return np.nonzero(u * bound < w)[0]
