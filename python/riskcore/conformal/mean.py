"""The batch-mean bound: rank orderings, the partition bound and ``method="auto"``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _conformal_laws as laws
from riskcore import _validate as v
from riskcore.conformal.mean_dp import _knapsack_solver, _lagrangian_solver, _mean_bound, _mean_problems
from riskcore.conformal.orderings import DEFAULT_PILOT, _ordering_solver, _partition_solver

MEAN_METHODS = ("auto", "dp", "partition")
ORDERINGS = ("rank-sum", "quantile")


def mean_bound_method(n: int, m: int, alpha: float) -> str:
    """The method ``batch_mean_bound(method="auto")`` uses for (n, m, alpha) -- never the data.

    From the simulation table in :func:`batch_mean_bound`: the partition bound once it has
    K = floor(n/m) batches with ceil((1-alpha)(K+1)) <= K and K >= 8; else the quantile ordering when
    n >= 5m; else the rank-sum DP.

    >>> mean_bound_method(2000, 100, 0.1), mean_bound_method(40, 8, 0.1), mean_bound_method(10, 8, 0.1)
    ('partition', 'quantile', 'rank-sum')
    """
    n, m = v.integer(n, "n", low=1), v.integer(m, "m", low=1)
    alpha = v.probability(alpha, "alpha")
    batches = n // m
    if batches >= 8 and math.ceil((1 - laws.exact_level(alpha)) * (batches + 1)) <= batches:
        return "partition"
    if n >= 5 * m:
        return "quantile"
    return "rank-sum"


def batch_mean_bound(
    cal_scores: ArrayLike,
    m: ArrayLike,
    alpha: ArrayLike,
    *,
    side: str = "upper",
    g: Callable[[np.ndarray], np.ndarray] | None = None,
    bounds: tuple[float, float] | None = None,
    method: str = "auto",
    ordering: str | ArrayLike = "rank-sum",
    pilot: int | float | ArrayLike | None = None,
    seed: int | None = None,
    backend: str = "auto",
) -> Any:
    r"""Bound on the mean of m test scores (or of g(score) for a non-decreasing g).

    **Rank orderings** (``method="dp"``). For a non-decreasing integer h on slots 1..n+1 fixed
    independently of the calibration and test points, :math:`G_h = \sum_j h(R_j)` has an exact,
    data-free law (uniform multiset of slots: a DP over (slots used, sum) with exact counts), q_h its
    1 - alpha quantile, and

    .. math:: \frac1m \sum_j g(S_{n+j}) \le \frac1m \max\Big\{\sum_{r \in M} g(S_{(r)}) :
              |M| = m,\ \textstyle\sum_{r \in M} h(r) \le q_h\Big\}

    with probability at least 1 - alpha. Proof: (1) the slot multiset {R_j} is uniform over the
    multisets whatever the score law, and h does not depend on the scores used, so P(G_h(R) <= q_h)
    >= 1 - alpha; (2) S_{n+j} <= S_(R_j) and g is non-decreasing; (3) on {G_h(R) <= q_h} the multiset
    {R_j} is feasible for the maximum, so the mean is at most the bound; (4) a pilot held out of the
    calibration set leaves the other n - k points and the test batch exchangeable given the pilot, so
    (1)-(3) hold conditionally on h, hence unconditionally.

    - ``ordering="rank-sum"``: h(r) = r (the slot sum T, Mann-Whitney law), the knapsack DP over
      (count, slot sum) to half depth, pruned to the states within the Lagrangian gap of the bound,
      and where that gap is a whole slot's value (skewed laws) by a coarse completion bound (the same
      DP over blocks of ~n/80 ranks valued at their largest score) in a second pass
      (kernels/conformal.hpp: the same double as the full DP; at most O(m t* n), far less when the
      bounds are tight; C++ threads + SIMD, CUDA, Numba; refused beyond 1e12 worst-case steps: use
      :func:`batch_mean_bound_relaxed`). The maximiser can put about m/2 test slots at
      the pad b, so the bound over-covers (coverage near 1) and sits near the midpoint of [S_(1), b].
    - ``ordering="quantile"``: h(r) = round(K (F_pilot^{-1}(r/(n'+1)) - a)/(b - a)) on K = 20 levels
      (h(n'+1) = K), F_pilot the empirical law of ``pilot`` held-out scores: ``pilot=k`` (int) or a
      fraction (default 0.25) of the calibration points drawn at random (``seed``), or an array of
      held-out scores from elsewhere. The bound uses the remaining n' points.
    - ``ordering=h``: an integer array of n + 1 non-decreasing values (fixed before seeing the data).

    **Partition** (``method="partition"``): :func:`partition_bound` of the mean of g (seeded).

    **Auto** (default): chosen from (n, m, alpha) only by :func:`mean_bound_method`, from this table
    of average 90% upper bounds measured by simulation (alpha = .1, 10 seeds, ``bounds=(0, 1)``;
    beta(2,5) / beta(.5,3) / uniform scores; every coverage >= 0.8, the nominal 0.9 within noise):

    ========== ================== ================== ==================
    n / m      rank-sum           quantile           partition
    ========== ================== ================== ==================
    40 / 8     .656 / .627 / .726 .525 / .489 / .790 1 / 1 / 1 (K = 5)
    200 / 20   .590 / .560 / .625 .407 / .282 / .661 .358 / .211 / .610
    2000 / 100 (too slow)         .356 / .210 / .576 .309 / .166 / .536
    ========== ================== ================== ==================

    The partition bound wins once it has enough batches; below that the quantile ordering wins on
    skewed laws by far and loses a little on the uniform law, and with n < 5m the pilot is too small.

    The scalar result is a :class:`MeanBound` (a NumPy float) whose ``method`` names the method used
    ("rank-sum", "quantile", "h" or "partition").

    Parameters
    ----------
    cal_scores : array_like, shape (n,) or (problems, n) -- many calibration sets in one call
    m, alpha : int and float, or arrays of shape (problems,)
    side : {"upper", "lower", "two-sided"}
    g : callable, optional -- non-decreasing transform applied to the padded order statistics
    bounds : (a, b) -- required: the known range of the scores (see the module notes)
    method : {"auto", "dp", "partition"}
    ordering : {"rank-sum", "quantile"} or integer array (n + 1,) -- the ordering of ``method="dp"``
    pilot : int, float or array, optional -- the held-out points of ``ordering="quantile"``
    seed : int, optional -- the pilot draw and the partition order (None: seed 0, reproducible)
    backend : {"auto", "cpu", "cuda", "numba"} -- for the rank-sum DP

    Returns
    -------
    MeanBound (or a pair); arrays of shape (problems,) / (problems, 2) for a batch

    >>> b = batch_mean_bound(np.linspace(0, 1, 50), m=10, alpha=0.1, bounds=(0, 1), method="dp")
    >>> round(float(b), 6), b.method
    (0.642857, 'rank-sum')
    """
    method = v.choice(method, "method", MEAN_METHODS)
    if isinstance(ordering, str):
        ordering = v.choice(ordering, "ordering", ORDERINGS)
    else:
        ordering = np.asarray(v.real_array(ordering, "ordering", ndim=(1,), nonempty=True, allow_nan=False))
        if ordering.dtype.kind not in "iu" or (np.diff(ordering) < 0).any() or ordering[0] < 0:
            raise ValueError("ordering h must be a non-decreasing array of non-negative integers")
        ordering = ordering.astype(np.int64)
    if pilot is not None and not isinstance(pilot, (int, float, np.integer)):
        pilot = np.asarray(v.real_array(pilot, "pilot", ndim=(1,), nonempty=True, allow_nan=False), dtype=float)
    elif pilot is None:
        pilot = DEFAULT_PILOT
    if method == "auto":
        scores, ms, alphas, *_ = _mean_problems(cal_scores, m, alpha, side, g, bounds)
        n = scores.shape[-1]
        chosen = {mean_bound_method(n, mm, al) for mm, al in zip(ms.tolist(), alphas.tolist(), strict=True)}
        if len(chosen) > 1:
            raise ValueError(
                f"method='auto' picks {sorted(chosen)} for these problems: call once per method "
                "(see mean_bound_method) or name the method"
            )
        method, ordering = {"partition": ("partition", ordering), "quantile": ("dp", "quantile")}.get(
            chosen.pop() if chosen else "rank-sum", ("dp", "rank-sum")
        )
    if method == "partition":
        return _mean_bound(_partition_solver(seed), cal_scores, m, alpha, side, g, bounds, backend, "partition")
    if isinstance(ordering, str) and ordering == "rank-sum":
        return _mean_bound(_knapsack_solver, cal_scores, m, alpha, side, g, bounds, backend, "rank-sum")
    name = ordering if isinstance(ordering, str) else "h"
    solver = _ordering_solver(ordering, pilot, seed)
    return _mean_bound(solver, cal_scores, m, alpha, side, g, bounds, backend, name)


def batch_mean_bound_relaxed(
    cal_scores: ArrayLike,
    m: ArrayLike,
    alpha: ArrayLike,
    *,
    side: str = "upper",
    g: Callable[[np.ndarray], np.ndarray] | None = None,
    bounds: tuple[float, float] | None = None,
) -> Any:
    r"""O(n) Lagrangian relaxation of :func:`batch_mean_bound`:

    .. math:: \frac1m \min_{\lambda \ge 0}\Big[\lambda t^* + m \max_r \big(g(S_{(r)}) - \lambda r\big)\Big]

    By weak duality it is at least the exact DP bound (so still valid), and usually close to it.

    >>> round(float(batch_mean_bound_relaxed(np.linspace(0, 1, 50), m=10, alpha=0.1, bounds=(0, 1))), 6)
    0.642857
    """
    return _mean_bound(_lagrangian_solver, cal_scores, m, alpha, side, g, bounds, None)
