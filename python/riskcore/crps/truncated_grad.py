r"""Parameter gradients of the truncated, censored and generalised truncated/censored (gtc) normal,
logistic and Student t CRPS, for distributional regression (EMOS-style truncated or censored
post-processing).

In standard units (:math:`z = (y - \mu)/\sigma`, :math:`l`, :math:`u`, :math:`c = \mathrm{clamp}(z, l, u)`,
point masses :math:`L`, :math:`U`, :math:`\kappa = 1 - L - U`, the truncated law's :math:`F_T = 1 - S_T`
with mass :math:`Z = P(l < X \le u)`) the score is :math:`\sigma C` and
:math:`dC = 2\int (F - H)\,dF` plus the jumps a moving bound carries across :math:`y`. With
:math:`\partial_l F_T = -(f(l)/Z) S_T` and :math:`\partial_u F_T = -(f(u)/Z) F_T`,

.. math:: \partial_l C = [z \le l]\,L(2 - L) - [z > l]\,L^2
          - 2\kappa\frac{f(l)}{Z}\int_l^u (F - H) S_T, \qquad
          \partial_u C = [z \le u]\,U^2 - [z > u]\,U(2 - U) - 2\kappa\frac{f(u)}{Z}\int_l^u (F - H) F_T,

the integrals from the score's own pieces :math:`\int F_T`, :math:`\int F_T^2`, :math:`\int S_T`,
:math:`\int S_T^2` (``kernels/crps_truncated.hpp``). Translation and scaling give the rest:
:math:`\partial_\mu = -(\partial_z C + \partial_l C + \partial_u C)` with :math:`\partial_z C = 2F(z) - 1`,
and :math:`\partial_\sigma = C - z\,\partial_z C - l\,\partial_l C - u\,\partial_u C` (its
:math:`|z - c| - z\,\partial_z C` part taken as :math:`-c\,\partial_z C`). Censoring
(:math:`L = F(l)`, :math:`U = S(u)`) leaves :math:`F` the law's own CDF between the bounds, so a bound
moves only a jump: :math:`\partial_l C = [z \le l](1 - S(l)^2) - [z > l]F(l)^2`,
:math:`\partial_u C = [z \le u]S(u)^2 - [z > u]S(u)(2 - S(u))`. The gradient with respect to a
point mass is :math:`+\infty` at an infinite bound (any mass there makes the score infinite). The t's
``df`` is not differentiated. Tuples are in argument order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore.crps.families import _DF, _interval
from riskcore.crps.parametric import _MASSES, _ORDERED, _SCALE, _SIGMA
from riskcore.crps.parametric_grad import _gradients

__all__ = [
    "crps_censored_normal_grad",
    "crps_clogistic_grad",
    "crps_cnormal_grad",
    "crps_ct_grad",
    "crps_gtclogistic_grad",
    "crps_gtcnormal_grad",
    "crps_gtct_grad",
    "crps_tlogistic_grad",
    "crps_tnormal_grad",
    "crps_truncated_normal_grad",
    "crps_tt_grad",
]

_GTC = ("location", "scale", "lower", "upper", "lmass", "umass")
_BOUNDED = _GTC[:4]
_NO_MASSES = {"lmass": 0.0, "umass": 0.0}


def _masses(lmass: Any, umass: Any) -> dict[str, Any]:
    return {"lmass": lmass, "umass": umass}


def crps_gtcnormal_grad(
    obs: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    lmass: ArrayLike = 0.0,
    umass: ArrayLike = 0.0,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dlocation, d/dscale, d/dlower, d/dupper, d/dlmass, d/dumass)`` of :func:`crps_gtcnormal`
    (formulas in the module docstring; :math:`f(l)/Z` from the Mills ratio in a tail).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_gtcnormal_grad(0.3, 0.0, 1.0, -1.0, 2.0, 0.1, 0.2)]
    [0.01577, 0.097848, -0.069283, 0.068071, 0.286511, 0.608003]
    """
    params = {**_interval(location, scale, lower, upper), **_masses(lmass, umass)}
    return _gradients("gtcnormal", _GTC, obs, params, {**_SCALE, **_ORDERED, **_MASSES}, backend)


def crps_gtclogistic_grad(
    obs: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    lmass: ArrayLike = 0.0,
    umass: ArrayLike = 0.0,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dlocation, d/dscale, d/dlower, d/dupper, d/dlmass, d/dumass)`` of :func:`crps_gtclogistic`
    (the logistic's hazard :math:`f/S = F`).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_gtclogistic_grad(0.3, 0.0, 1.0, -1.0, 2.0, 0.1, 0.2)]
    [0.030477, 0.071167, -0.051001, 0.121501, 0.182279, 0.678503]
    """
    params = {**_interval(location, scale, lower, upper), **_masses(lmass, umass)}
    return _gradients("gtclogistic", _GTC, obs, params, {**_SCALE, **_ORDERED, **_MASSES}, backend)


def crps_gtct_grad(
    obs: ArrayLike,
    df: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    lmass: ArrayLike = 0.0,
    umass: ArrayLike = 0.0,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dlocation, d/dscale, d/dlower, d/dupper, d/dlmass, d/dumass)`` of :func:`crps_gtct`
    (``df > 1``, not differentiated).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_gtct_grad(0.3, 4.0, 0.0, 1.0, -1.0, 2.0, 0.1, 0.2)]
    [0.002634, 0.082869, -0.065772, 0.077852, 0.280222, 0.615845]
    """
    params = {"df": df, **_interval(location, scale, lower, upper), **_masses(lmass, umass)}
    return _gradients("gtct", _GTC, obs, params, {**_DF, **_SCALE, **_ORDERED, **_MASSES}, backend)


def crps_tnormal_grad(
    obs: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dlocation, d/dscale, d/dlower, d/dupper)`` of :func:`crps_tnormal` (the gtc normal
    without point masses).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_tnormal_grad(6.1, 0.0, 1.0, 6.0)]
    [0.005875, 0.073822, 0.069229, 0.0]
    """
    params = {**_interval(location, scale, lower, upper), **_NO_MASSES}
    return _gradients("gtcnormal", _BOUNDED, obs, params, {**_SCALE, **_ORDERED}, backend)


def crps_tlogistic_grad(
    obs: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dlocation, d/dscale, d/dlower, d/dupper)`` of :func:`crps_tlogistic`.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_tlogistic_grad(5.5, 0.0, 1.0, 5.0)]
    [0.001206, 0.328426, 0.215059, 0.0]
    """
    params = {**_interval(location, scale, lower, upper), **_NO_MASSES}
    return _gradients("gtclogistic", _BOUNDED, obs, params, {**_SCALE, **_ORDERED}, backend)


def crps_tt_grad(
    obs: ArrayLike,
    df: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dlocation, d/dscale, d/dlower, d/dupper)`` of :func:`crps_tt` (``df`` not differentiated).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_tt_grad(0.5, 4.0, 0.0, 1.0, 0.0)]
    [0.108477, 0.353529, 0.178183, 0.0]
    """
    params = {"df": df, **_interval(location, scale, lower, upper), **_NO_MASSES}
    return _gradients("gtct", _BOUNDED, obs, params, {**_DF, **_SCALE, **_ORDERED}, backend)


def crps_cnormal_grad(
    obs: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dlocation, d/dscale, d/dlower, d/dupper)`` of :func:`crps_cnormal`.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_cnormal_grad(0.5, 0.0, 1.0, 0.0)]
    [-0.132925, 0.023094, -0.25, 0.0]
    """
    params = _interval(location, scale, lower, upper)
    return _gradients("cnormal", _BOUNDED, obs, params, {**_SCALE, **_ORDERED}, backend)


def crps_clogistic_grad(
    obs: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dlocation, d/dscale, d/dlower, d/dupper)`` of :func:`crps_clogistic`.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_clogistic_grad(0.5, 0.0, 1.0, 0.0, 2.0)]
    [-0.009128, 0.096404, -0.25, 0.014209]
    """
    params = _interval(location, scale, lower, upper)
    return _gradients("clogistic", _BOUNDED, obs, params, {**_SCALE, **_ORDERED}, backend)


def crps_ct_grad(
    obs: ArrayLike,
    df: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dlocation, d/dscale, d/dlower, d/dupper)`` of :func:`crps_ct` (``df`` not differentiated).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_ct_grad(0.5, 4.0, 0.0, 1.0, 0.0)]
    [-0.10667, 0.04492, -0.25, 0.0]
    """
    params = {"df": df, **_interval(location, scale, lower, upper)}
    return _gradients("ct", _BOUNDED, obs, params, {**_DF, **_SCALE, **_ORDERED}, backend)


def crps_truncated_normal_grad(
    obs: ArrayLike,
    mu: ArrayLike = 0.0,
    sigma: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dmu, d/dsigma, d/dlower, d/dupper)`` of :func:`crps_truncated_normal`
    (:func:`crps_tnormal_grad` under riskcore's argument names).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_truncated_normal_grad(6.1, 0.0, 1.0, 6.0)]
    [0.005875, 0.073822, 0.069229, 0.0]
    """
    params = {"mu": mu, "sigma": sigma, "lower": lower, "upper": upper, **_NO_MASSES}
    return _gradients("gtcnormal", _BOUNDED, obs, params, {**_SIGMA, **_ORDERED}, backend)


def crps_censored_normal_grad(
    obs: ArrayLike,
    mu: ArrayLike = 0.0,
    sigma: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dmu, d/dsigma, d/dlower, d/dupper)`` of :func:`crps_censored_normal`
    (:func:`crps_cnormal_grad` under riskcore's argument names).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_censored_normal_grad(0.5, 0.0, 1.0, 0.0)]
    [-0.132925, 0.023094, -0.25, 0.0]
    """
    params = {"mu": mu, "sigma": sigma, "lower": lower, "upper": upper}
    return _gradients("cnormal", _BOUNDED, obs, params, {**_SIGMA, **_ORDERED}, backend)
