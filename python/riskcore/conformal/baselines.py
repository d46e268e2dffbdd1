"""The baselines: Bonferroni split conformal, calibration splitting and the partition bound."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _conformal_laws as laws
from riskcore import _validate as v
from riskcore.conformal._checks import _bounds, _padded, _scores


def bonferroni_bound(cal_scores: ArrayLike, m: int, alpha: float, *, bounds: tuple[float, float] | None = None) -> Any:
    r"""Split conformal at level alpha/m for each test point: :math:`S_{(\lceil (n+1)(1-\alpha/m)\rceil)}`
    bounds every one of the m test scores (union bound), hence their maximum and their mean.

    >>> bonferroni_bound(np.arange(1.0, 100.0), m=10, alpha=0.1)
    np.float64(99.0)
    """
    scores = _scores(cal_scores)
    m, alpha = v.integer(m, "m", low=1), v.probability(alpha, "alpha")
    a, b = _bounds(bounds, scores)
    n = scores.shape[-1]
    r = math.ceil((n + 1) * (1 - laws.exact_level(alpha) / m))  # exact: ties at atoms decided in rationals
    return _padded(scores, a, b)[..., min(r, n + 1)][()]


def split_calibration_bound(
    cal_scores: ArrayLike,
    m: int,
    alpha: float,
    *,
    statistic: str = "max",
    bounds: tuple[float, float] | None = None,
) -> float:
    r"""Calibration splitting: the n scores (in the given order) form m disjoint groups of
    :math:`\lfloor n/m \rfloor`; test point j gets the split-conformal bound of group j at level
    :math:`1 - (1-\alpha)^{1/m}`, and the m events are independent, so all hold with probability
    >= 1 - alpha. Returns the bound for the ``"max"`` or the ``"mean"`` of the test scores.

    >>> split_calibration_bound(np.arange(1.0, 201.0), m=4, alpha=0.2)
    np.float64(199.0)
    """
    _scores(cal_scores, ndim=(1,))  # checks only: the groups keep the given order
    scores = np.asarray(v.real_array(cal_scores, "cal_scores"), dtype=np.float64)
    statistic = v.choice(statistic, "statistic", ("max", "mean"))
    m, alpha = v.integer(m, "m", low=1), v.probability(alpha, "alpha")
    a, b = _bounds(bounds, scores)
    size = scores.size // m
    if size == 0:
        return np.float64(b)
    # r = min{r : (r / (size + 1))**m >= 1 - alpha}, exact in rationals around the float estimate
    r = max(1, math.ceil((size + 1) * (1 - alpha) ** (1 / m)) - 1)
    while r <= size and Fraction(r, size + 1) ** m < 1 - laws.exact_level(alpha):
        r += 1
    groups = np.sort(scores[: size * m].reshape(m, size), axis=1)
    per_point = _padded(groups, a, b)[:, min(r, size + 1)]
    return per_point.max() if statistic == "max" else per_point.mean()


PARTITION_STATS: dict[str, Callable[..., np.ndarray]] = {"mean": np.mean, "median": np.median, "max": np.max}


_MAX_PAD = 2**27  # 1 GiB of float64: the largest pad handed to a callable stat


def partition_bound(
    cal_scores: ArrayLike,
    m: int,
    alpha: float,
    *,
    stat: str | Callable[[np.ndarray], np.ndarray] = "mean",
    seed: int | None = None,
    bounds: tuple[float, float] | None = None,
) -> Any:
    r"""Partition baseline: split the n calibration scores in a seeded random order into
    :math:`K = \lfloor n/m \rfloor` disjoint batches of m, compute the statistic of each, and bound the
    test batch's statistic by the :math:`\lceil (1-\alpha)(K+1) \rceil`-th smallest of the K values.

    Valid under exchangeability alone: the K calibration batches and the test batch are K + 1
    exchangeable batches, so the test statistic is among the r smallest of the K + 1 with probability
    >= r / (K + 1) >= 1 - alpha. When r > K the bound is the pad: the statistic of m copies of b
    (``bounds``, default +inf; for a callable that needs it to be non-decreasing in each score). For the
    mean it is the tightest known valid method once n/m >= 10 (see :func:`batch_mean_bound`).

    Parameters
    ----------
    cal_scores : array_like, shape (n,)
    m : int >= 1, the batch size
    alpha : float in (0, 1)
    stat : {"mean", "median", "max"} or callable mapping an array (K, m) to (K,) (row statistics)
    seed : int in [0, 2**64), optional -- the random order (None: seed 0, so results are reproducible;
        any fixed order is valid, being independent of the scores)
    bounds : (a, b), optional

    >>> float(partition_bound(np.linspace(0, 1, 2000), m=100, alpha=0.1, seed=0, bounds=(0, 1)))  # doctest: +ELLIPSIS
    0.54...
    """
    raw = v.real_array(cal_scores, "cal_scores", ndim=(1,), nonempty=True, allow_nan=False)
    m, alpha = v.integer(m, "m", low=1), v.probability(alpha, "alpha")
    _, b = _bounds(bounds, np.sort(raw.astype(np.float64)))
    if isinstance(stat, str):
        function = PARTITION_STATS[v.choice(stat, "stat", tuple(PARTITION_STATS))]
        statistic = lambda x: function(x, axis=1)  # noqa: E731
    elif callable(stat):
        statistic = stat
    else:
        raise TypeError(f"stat must be one of {tuple(PARTITION_STATS)} or a callable, got {type(stat).__name__}")
    rng = np.random.default_rng(0 if seed is None else v.seed(seed))
    batches = raw.size // m
    r = math.ceil((1 - laws.exact_level(alpha)) * (batches + 1))
    if r > batches:  # the pad: the statistic of m copies of b (b itself for the named statistics)
        if isinstance(stat, str):
            return np.float64(b)
        v.limit("m", m, _MAX_PAD, "a callable stat is evaluated on m copies of b; use a named stat", memory=True)
        return np.float64(np.asarray(statistic(np.full((1, m), b)), dtype=np.float64).reshape(-1)[0])
    order = rng.permutation(raw.size)[: batches * m]
    values = np.asarray(statistic(raw[order].astype(np.float64).reshape(batches, m)), dtype=np.float64)
    if values.shape != (batches,):
        raise ValueError(f"stat must map an array (K, m) to shape (K,), got {values.shape}")
    return np.partition(values, r - 1)[r - 1]
