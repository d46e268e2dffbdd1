r"""CRPS of ensembles: the estimators (nrg, fair, afcrps, pwm, int), member gradients, the
threshold-weighted CRPS (the energy score is in :mod:`riskcore.crps.multivariate`).

.. math:: \mathrm{CRPS}(F, y) = \int (F(z) - \mathbf 1\{y \le z\})^2\,dz
          = E|X - y| - \tfrac12 E|X - X'|, \qquad X, X' \sim F \text{ iid}.

Every function broadcasts like a NumPy ufunc, keeps float32 as float32 (sums run in float64), accepts
``backend="auto"|"cpu"|"cuda"|"numba"`` and takes CuPy arrays without host copies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _crps_args as args
from riskcore import _validate

__all__ = [
    "crps_ensemble",
    "crps_ensemble_grad",
    "twcrps_ensemble",
]


def crps_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    axis: int = -1,
    estimator: str = "nrg",
    alpha: float = 0.95,
    weights: ArrayLike | None = None,
    nan_policy: str = "propagate",
    backend: str = "auto",
) -> Any:
    r"""CRPS of an ensemble forecast, O(m log m) per forecast.

    With members sorted :math:`x_{(1)} \le \dots \le x_{(m)}`:

    .. math::
        \mathrm{nrg} = \frac1m \sum_i |x_i - y| - \frac{1}{m^2} \sum_k (2k - m - 1)\, x_{(k)},

    ``fair`` uses :math:`1/(m(m-1))` in the second term (unbiased for the distribution the members are
    drawn from), ``afcrps`` is :math:`\alpha\,\mathrm{fair} + (1 - \alpha)\,\mathrm{nrg}` (the
    almost-fair CRPS of the AIFS-CRPS model), ``pwm`` (probability weighted moments) equals ``fair``
    and ``int`` (integral of the empirical CDF) equals ``nrg``. ``akr`` and ``akr_circperm`` (the
    approximate kernel representation; O(m), no sort, members in their given order) are

    .. math:: \frac1m \sum_i |x_i - y| - \frac{1}{2m} \sum_i |x_i - x_{(i + s) \bmod m}|,

    with :math:`s = m - 1` (each member against its predecessor, ``akr``) or :math:`s = \lfloor m/2
    \rfloor` (``akr_circperm``); neither takes weights. With ``weights`` the members carry
    normalised weights :math:`w` and the spread term is :math:`\tfrac12 \sum_{ij} w_i w_j |x_i - x_j|`
    (divided by :math:`1 - \sum w^2` for ``fair``).

    Parameters
    ----------
    obs : array_like, shape broadcastable to ``fct`` without its member axis
        Observations.
    fct : array_like, shape (..., m, ...)
        Ensemble members along ``axis``.
    axis : int, default -1
        Member axis of ``fct`` (and of ``weights``).
    estimator : {"nrg", "fair", "afcrps", "pwm", "int", "akr", "akr_circperm"}, default "nrg"
        ``fair``, ``afcrps`` and ``pwm`` need m >= 2.
    alpha : float in (0, 1], default 0.95
        Weight of ``fair`` in ``afcrps``.
    weights : array_like, broadcastable to ``fct``, optional
        Finite non-negative member weights of any broadcastable shape ((m,), (n, 1), ...; read through
        strides, never expanded; a 1-D array of length m lies along ``axis``), normalised per forecast
        after division by the largest (weights up to the float64 maximum are exact). Members of weight 0
        take no part. NaN weights raise under every ``nan_policy`` (a weight is an input, not data). Not
        with ``pwm``: scoringrules' weighted pwm, :math:`A + b_0 - 2 b_1` with weighted moments, is not the
        weighted fair score (members (0, 1, 3), weights (.6, .3, .1), obs 0: -0.46667 against the weighted
        fair -0.17778); use ``fair``.
    nan_policy : {"propagate", "omit", "raise"}, default "propagate"
        NaN members give NaN, are dropped, or raise ValueError. A NaN observation always gives NaN;
        a forecast left with too few members by ``omit`` gives NaN.
    backend : {"auto", "cpu", "cuda", "numba"}, default "auto"

    Returns
    -------
    ndarray, shape ``broadcast(obs.shape, fct.shape without axis)``, dtype float32 or float64
        A 0-d result (NumPy scalar) for a single forecast. pandas in -> pandas out: a Series with the
        index of ``fct`` (a DataFrame of members as columns) or of ``obs``; nullable dtypes (``Float64``,
        ``Int64``) are read with ``pd.NA`` as NaN.

    Notes
    -----
    **Infinities** (one rule for every estimator and backend): a forecast whose observation or a
    positive-weight member is :math:`\pm\infty` scores 0 if the observation and all those members are
    the same infinity (a perfect point forecast) and :math:`+\infty` otherwise: :math:`(F - H)^2` then
    stays positive on a half-line, so the integral diverges. For ``fair``/``afcrps``/``pwm`` the spread
    term is not subtracted (:math:`\infty - \infty` has no value; the distribution the members
    estimate has infinite CRPS). ``int`` equals ``nrg`` on such rows too. Members are read in place
    through their strides (``fct[:, ::2]``, a reversed or broadcast ensemble cost no copy).

    References
    ----------
    Gneiting & Raftery (2007), JASA 102; Ferro (2014), QJRMS 140 (fair CRPS);
    Lang et al. (2024), arXiv:2412.15832 (afCRPS); Zamo & Naveau (2018), Math. Geosci. 50 (pwm, int,
    akr, akr_circperm).

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.crps_ensemble(0.5, [0.0, 1.0, 2.0])), 6)
    0.388889
    >>> round(float(riskcore.crps_ensemble(0.5, [0.0, 1.0, 2.0], estimator="fair")), 6)
    0.166667
    >>> round(float(riskcore.crps_ensemble(0.5, [0.0, 2.0, 1.0], estimator="akr")), 6)
    0.166667
    """
    alpha = args.check_estimator(estimator, alpha)
    canon = args.ensemble(obs, fct, axis, weights, nan_policy, estimator)
    out = canon.run("crps_ensemble", backend, estimator, alpha, nan_policy == "omit")
    return canon.finish(out)


def crps_ensemble_grad(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    axis: int = -1,
    estimator: str = "nrg",
    alpha: float = 0.95,
    weights: ArrayLike | None = None,
    nan_policy: str = "propagate",
    backend: str = "auto",
) -> Any:
    r"""Gradient of :func:`crps_ensemble` with respect to every member, O(m log m) per forecast.

    .. math::
        \frac{\partial\,\mathrm{CRPS}}{\partial x_i} = w_i\,\mathrm{sign}(x_i - y)
            - c\, w_i \,(W_<(x_i) - W_>(x_i)),

    where :math:`W_<, W_>` are the weights of the members strictly below / above :math:`x_i`
    (tied members count in neither: the central-difference subgradient) and :math:`c = 1` (nrg),
    :math:`1/(1 - \sum w^2)` (fair) or :math:`\alpha/(1 - \sum w^2) + 1 - \alpha` (afcrps).
    Omitted NaN members and members of weight 0 get gradient 0. Infinities: 0 for every member where
    the score is 0 by the rule of :func:`crps_ensemble`, NaN where it is :math:`+\infty`. A DataFrame
    of members gives a DataFrame of the same index and columns.

    Parameters are those of :func:`crps_ensemble` (``estimator`` in nrg, fair, afcrps, akr,
    akr_circperm; for the akr estimators the gradient of their own formula).

    Returns
    -------
    ndarray, shape ``broadcast(obs, fct)`` with the member axis at ``axis``

    Examples
    --------
    >>> import riskcore
    >>> riskcore.crps_ensemble_grad(0.5, [0.0, 1.0, 2.0]).round(6).tolist()
    [-0.111111, 0.333333, 0.111111]
    """
    alpha = args.check_estimator(estimator, alpha, args.GRADIENT_ESTIMATORS)
    canon = args.ensemble(obs, fct, axis, weights, nan_policy, estimator)
    members = canon.arrays[1].shape[1]
    out = canon.run("crps_ensemble_grad", backend, estimator, alpha, nan_policy == "omit", empty_shape=(0, members))
    if canon.pandas is not None and canon.pandas is fct:  # a DataFrame of members: the same frame back
        return canon.finish(out, (*canon.batch_shape, members), columns=fct.columns)
    canon.pandas = None
    grad = canon.finish(out, (*canon.batch_shape, members))
    fct_ndim = np.ndim(fct)
    return canon.xp.moveaxis(grad, -1, axis % fct_ndim - fct_ndim)


def twcrps_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    threshold: float | None = None,
    interval: tuple[float, float] | None = None,
    v_func: Callable[[Any], Any] | None = None,
    axis: int = -1,
    estimator: str = "nrg",
    alpha: float = 0.95,
    weights: ArrayLike | None = None,
    nan_policy: str = "propagate",
    backend: str = "auto",
) -> Any:
    r"""Threshold-weighted CRPS: the CRPS of the chained forecast and observation.

    .. math:: \mathrm{twCRPS}(F, y) = \int (F(z) - \mathbf 1\{y \le z\})^2\, w(z)\,dz
              = \mathrm{CRPS}(v_\# F, v(y)),

    with weight :math:`w = \mathbf 1\{z > t\}` and chaining function :math:`v(z) = \max(z, t)` for a
    ``threshold`` t, or :math:`w = \mathbf 1\{a < z < b\}`, :math:`v(z) = \min(\max(z, a), b)` for an
    ``interval`` (a, b), or any chaining function ``v_func`` (scoringrules' argument: a non-decreasing
    callable applied elementwise; its output on ``fct`` is the one array made). Give exactly one of
    them; the other parameters are those of
    :func:`crps_ensemble`. The kernel applies :math:`v` to each member as it reads it (the ensemble is
    not copied; on CUDA the arrays are clipped on the device first). Reference: Allen et al. (2023),
    SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.twcrps_ensemble(0.5, [0.0, 1.0, 2.0], threshold=1.0)), 6)
    0.111111
    >>> round(float(riskcore.twcrps_ensemble(0.5, [0.0, 1.0, 2.0], v_func=lambda z: np.maximum(z, 1.0))), 6)
    0.111111
    """
    if sum(v is not None for v in (threshold, interval, v_func)) != 1:
        raise ValueError("give exactly one of threshold=, interval= or v_func=")
    if v_func is not None:
        _validate.function(v_func, "v_func")
        chained = (
            _validate.real_array(v_func(_validate.real_array(a, n)), f"v_func({n})")
            for a, n in ((obs, "obs"), (fct, "fct"))
        )
        return crps_ensemble(*chained, axis=axis, estimator=estimator, alpha=alpha, weights=weights,
                             nan_policy=nan_policy, backend=backend)  # fmt: skip
    if threshold is not None:
        lower, upper = args.as_float_bound("threshold", threshold), np.inf
    else:
        if isinstance(interval, (str, bytes)) or not hasattr(interval, "__len__") or len(interval) != 2:
            raise TypeError(f"interval must be a pair (a, b), got {interval!r}")
        lower, upper = (args.as_float_bound(f"interval[{i}]", v) for i, v in enumerate(interval))
        if not lower < upper:
            raise ValueError(f"interval must satisfy a < b, got {interval}")
    alpha = args.check_estimator(estimator, alpha)
    canon = args.ensemble(obs, fct, axis, weights, nan_policy, estimator)
    return canon.finish(canon.run_chained(backend, estimator, alpha, nan_policy == "omit", lower, upper))
