r"""Weighted univariate Gaussian kernel scores and the censored / conditional likelihood score of the
Gaussian kernel density of an ensemble (scoringrules 0.10 names).

The kernel scores are the d = 1 case of :mod:`riskcore.crps.multivariate`'s kernels (the same code);
weight and chaining functions act elementwise, by default the indicator :math:`w(z) = \mathbf 1\{a \le
z \le b\}` and :math:`v(z) = \min(\max(z, a), b)`. Members lie along ``axis``; NaN members or
observations give NaN; on ``backend="cuda"`` one CUDA thread scores one forecast (``kernels/multivariate.cu``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _crps_args as args
from riskcore import _validate
from riskcore._backend import implementation, resolve
from riskcore.crps.multivariate import Func, Members, _estimator, _run

__all__ = ["clogs_ensemble", "owgksuv_ensemble", "twgksuv_ensemble", "vrgksuv_ensemble"]


def _univariate(obs: Any, fct: Any, axis: int, weights: Any, estimator: str) -> tuple[args.Canonical, Members]:
    """(n,) / (n, m) canonical arrays and the same as a d = 1 multivariate problem (views)."""
    canon = args.ensemble(obs, fct, axis, weights, "propagate", estimator)
    y, x, w = canon.arrays
    members = Members(
        y[:, None], x[:, :, None], w, (y.shape[0],), x.dtype, canon.xp, canon.on_host, (y[:, None], x[:, :, None])
    )
    return canon, members


def _bounds(a: float, b: float) -> tuple[float, float]:
    a, b = args.as_float_bound("a", a), args.as_float_bound("b", b)
    if not a < b:
        raise ValueError(f"a must be < b, got a={a}, b={b}")
    return a, b


def _elementwise_weights(w_func: Func | None, a: float, b: float, canon: args.Canonical) -> tuple[Any, Any]:
    if w_func is None:
        a, b = _bounds(a, b)

        def w_func(z: Any) -> Any:
            return ((a <= z) & (z <= b)) * 1.0
    else:
        _validate.function(w_func, "w_func")
    y, x = canon.arrays[0], canon.arrays[1]
    fw = _validate.weight_values(w_func(x), "w_func(fct)", x.shape)
    ow = _validate.weight_values(w_func(y), "w_func(obs)", y.shape)
    return canon.xp.asarray(fw, dtype=x.dtype), canon.xp.asarray(ow, dtype=x.dtype)


def _weighted(
    kind: str, obs: Any, fct: Any, a: float, b: float, axis: int, w_func: Any, weights: Any, backend: str
) -> Any:
    canon, members = _univariate(obs, fct, axis, weights, "nrg")
    fw, ow = _elementwise_weights(w_func, a, b, canon)
    return canon.finish(canon.xp.asarray(_run(kind, members, backend, fw, ow)).reshape(-1))


def owgksuv_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    a: float = -np.inf,
    b: float = np.inf,
    *,
    axis: int = -1,
    w_func: Func | None = None,
    weights: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""Outcome-weighted Gaussian kernel score of an ensemble (:math:`u_i \propto v_i w(x_i)`):

    .. math:: \mathrm{owGKS} = -w(y) \Big[\sum_i u_i k(x_i, y) - \frac12 \sum_{i,j} u_i u_j k(x_i, x_j)
              - \frac12\Big], \qquad k(s, t) = e^{-(s - t)^2/2};

    NaN where every member has weight 0.

    Parameters
    ----------
    a, b : float, default -inf, inf
        The weight :math:`\mathbf 1\{a \le z \le b\}` when ``w_func`` is not given.
    w_func : callable, optional
        Elementwise weight function >= 0.
    weights : array_like, optional
        Ensemble member weights (scoringrules' ``ens_w``), as in :func:`riskcore.crps_ensemble`.

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.owgksuv_ensemble(0.5, [0.0, 1.0, 2.0], 0.25)), 6)
    0.298058
    """
    return _weighted("owgks", obs, fct, a, b, axis, w_func, weights, backend)


def vrgksuv_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    a: float = -np.inf,
    b: float = np.inf,
    *,
    axis: int = -1,
    w_func: Func | None = None,
    weights: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""Vertically re-scaled Gaussian kernel score of an ensemble (:math:`t_i = v_i w(x_i)`):

    .. math:: \mathrm{vrGKS} = -\Big[w(y) \sum_i t_i k(x_i, y) - \frac12 \sum_{i,j} t_i t_j k(x_i, x_j)
              - \frac12 w(y)^2\Big].

    Parameters as :func:`owgksuv_ensemble`.

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.vrgksuv_ensemble(0.5, [0.0, 1.0, 2.0], 0.25)), 6)
    0.27612
    """
    return _weighted("vrgks", obs, fct, a, b, axis, w_func, weights, backend)


def twgksuv_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    a: float = -np.inf,
    b: float = np.inf,
    *,
    axis: int = -1,
    v_func: Func | None = None,
    weights: ArrayLike | None = None,
    estimator: str = "nrg",
    backend: str = "auto",
) -> Any:
    r"""Threshold-weighted Gaussian kernel score: :func:`riskcore.gksuv_ensemble` of the chained members
    and observation, :math:`\mathrm{GKS}(v_\# F, v(y))`, with ``v_func`` (elementwise) or
    :math:`v(z) = \min(\max(z, a), b)`. ``estimator`` as in :func:`riskcore.gksmv_ensemble`.

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.twgksuv_ensemble(0.5, [0.0, 1.0, 2.0], 1.0)), 6)
    0.043719
    """
    estimator = _estimator(estimator)
    canon, members = _univariate(obs, fct, axis, weights, estimator)
    if v_func is None:
        lo, hi = _bounds(a, b)

        def v_func(z: Any) -> Any:
            return canon.xp.clip(z, lo, hi)
    else:
        _validate.function(v_func, "v_func")
    for name, given in (("obs", members.obs), ("fct", members.fct)):
        chained = _validate.real_array(v_func(given), f"v_func({name})", xp=canon.xp)
        if chained.shape != given.shape:
            raise ValueError(f"v_func must keep the shape of {name}")
        setattr(members, name, canon.xp.asarray(chained, dtype=members.dtype))
    return canon.finish(canon.xp.asarray(_run(f"gks_{estimator}", members, backend)).reshape(-1))


def clogs_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    a: ArrayLike = -np.inf,
    b: ArrayLike = np.inf,
    *,
    axis: int = -1,
    bw: ArrayLike | None = None,
    cens: bool = True,
    backend: str = "auto",
) -> Any:
    r"""Censored (``cens=True``) or conditional likelihood score of the Gaussian kernel density
    :math:`f(z) = \frac1m \sum_i \varphi((z - x_i)/h)/h` of an ensemble, weight :math:`w = \mathbf 1\{a <
    z < b\}`:

    .. math:: \mathrm{CeLS} = -w(y) \log f(y) - (1 - w(y)) \log\Big(1 - \int w f\Big), \qquad
              \mathrm{CoLS} = -w(y) \log\frac{f(y)}{\int w f}.

    :math:`\int w f = \frac1m \sum_i [\Phi((b - x_i)/h) - \Phi((a - x_i)/h)]` and its complement are
    summed in log space from :math:`\log\Phi` (erfcx below -1) and the tail away from 0, so the score is
    finite and accurate where scoringrules' :math:`-\log(1 - (F(b) - F(a)))` loses every digit or
    overflows (observations many bandwidths outside the members). Without ``bw``, Silverman's rule as in
    :func:`riskcore.logs_ensemble`.

    Parameters
    ----------
    a, b : array_like, broadcastable to the batch, a < b
    bw : array_like, > 0, optional
    cens : bool, default True

    References
    ----------
    Diks, Panchenko & van Dijk (2011), J. Econometrics 163.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.clogs_ensemble(0.5, [0.0, 1.0, 2.0], 1.0, bw=1.0)), 6)
    0.693147
    >>> round(float(riskcore.clogs_ensemble(0.5, [0.0, 1.0, 2.0], 0.0, 1.0, bw=1.0, cens=False)), 6)
    -0.018223
    """
    if not isinstance(cens, (bool, np.bool_)):
        raise TypeError(f"cens must be True or False, got {type(cens).__name__}")
    canon = args.ensemble(obs, fct, axis, None, "propagate", "nrg")
    y, x = canon.arrays[0], canon.arrays[1]
    if x.shape[1] < 2:
        raise ValueError(f"clogs needs at least 2 members, fct has {x.shape[1]}")
    bounds = []
    for name, v in (("a", a), ("b", b)):
        bound = _validate.real_array(v, name, allow_nan=False)
        bounds.append(np.ascontiguousarray(np.broadcast_to(bound, canon.batch_shape).reshape(-1), dtype=x.dtype))
    if bool((bounds[0] >= bounds[1]).any()):
        raise ValueError("a must be < b for every forecast")
    if bw is not None:
        bw = _validate.real_array(bw, "bw", low=0.0, interval="()", allow_nan=False)
        bw = np.ascontiguousarray(np.broadcast_to(bw, canon.batch_shape).reshape(-1), dtype=x.dtype)
    chosen = resolve(backend, y, x)
    if not y.size:
        return canon.finish(canon.xp.empty(0, dtype=x.dtype))
    return canon.finish(implementation("clogs_ensemble", chosen)(y, x, *bounds, bw, bool(cens)))
