r"""Multivariate ensemble scores (scoringrules 0.10 names): the energy score and its weighted forms, the
variogram scores, the multivariate Gaussian kernel scores and the Dawid-Sebastiani score.

Forecasts are ensembles of ``m`` members in :math:`\mathbb R^d`: ``fct`` has a member axis ``m_axis``
(default -2) and a variable axis ``v_axis`` (default -1); ``obs`` has the shape of ``fct`` without its
member axis (the variable axis where ``fct`` has it) and broadcasts against it. The result has the
batch shape (``fct`` without both axes), float32 for float32 inputs. ``weights`` are ensemble member
weights (scoringrules' ``ens_w``): non-negative, broadcastable to ``fct`` without its variable axis,
normalised per forecast. Weight functions ``w_func`` take one vector of d variables and return its
weight, as in scoringrules (called once per member and observation); chaining functions ``v_func`` are
applied to the whole ``obs`` and ``fct`` arrays and must keep their shapes. NaN in a forecast or its
observation gives NaN. The math is in ``kernels/multivariate_scores.hpp``, run by the cpu backend, by CUDA
threads (one forecast per thread, ``kernels/multivariate.cu``; the unweighted nrg/fair energy score has a
tiled block kernel in ``kernels/crps.cu``) and mirrored in Numba; member gradients are host-only.

References: Gneiting & Raftery (2007), JASA 102 (energy and kernel scores); Scheuerer & Hamill (2015),
Mon. Wea. Rev. 143 (variogram score); Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11 (threshold-
and outcome-weighted and vertically re-scaled scores); Dawid & Sebastiani (1999), Ann. Statist. 27.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _arrays, _validate
from riskcore import _crps_args as args
from riskcore._backend import implementation, on_gpu, resolve

__all__ = [
    "dssmv_ensemble",
    "energy_score",
    "energy_score_grad",
    "es_ensemble",
    "gksmv_ensemble",
    "owes_ensemble",
    "owgksmv_ensemble",
    "owvs_ensemble",
    "twes_ensemble",
    "twgksmv_ensemble",
    "twvs_ensemble",
    "vres_ensemble",
    "vrgksmv_ensemble",
    "vrvs_ensemble",
    "vs_ensemble",
    "vs_ensemble_grad",
]

Func = Callable[[Any], Any]
_KERNEL_ESTIMATORS = ("nrg", "fair", "akr", "akr_circperm")


@dataclass
class Members:
    """Kernel-ready views: obs (n, d), fct (n, m, d), weights (n, m) or None, plus the batch shape and the
    arrays as given with the variables last (for weight functions)."""

    obs: Any
    fct: Any
    weights: Any
    batch: tuple[int, ...]
    dtype: np.dtype
    xp: Any
    on_host: bool
    moved: tuple[Any, Any]  # obs (..., d) and fct (..., m, d) before broadcasting
    axes: tuple[int, int] = (-2, -1)  # m_axis and v_axis of fct, counted from its end

    def rows(self, a: Any, tail: tuple[int, ...] = ()) -> Any:
        """``a`` (broadcastable to batch + tail) as (n, *tail) rows in the result dtype, a view if it can be."""
        shape = (*self.batch, *tail)
        return args.strided_rows(self.xp, self.xp.broadcast_to(a, shape), (math.prod(self.batch), *tail), self.dtype)


def _members(obs: Any, fct: Any, m_axis: int, v_axis: int, weights: Any, estimator: str = "nrg") -> Members:
    xp = _arrays.namespace(obs, fct, weights)
    obs_a = _validate.real_array(obs, "obs", xp=xp)
    fct_a = _validate.real_array(fct, "fct", xp=xp)
    if fct_a.ndim < 2:
        raise ValueError(f"fct must have a member and a variable axis, got shape {tuple(fct_a.shape)}")
    m_ax = _arrays.normalize_axis(m_axis, fct_a.ndim, "fct", "m_axis")
    v_ax = _arrays.normalize_axis(v_axis, fct_a.ndim, "fct", "v_axis")
    if m_ax == v_ax:
        raise ValueError(f"m_axis and v_axis must differ, got {m_axis} and {v_axis}")
    m, d = fct_a.shape[m_ax], fct_a.shape[v_ax]
    if m == 0 or d == 0:
        raise ValueError(f"fct has {m} members and {d} variables; both must be >= 1")
    if estimator == "fair" and m < 2:
        raise ValueError("estimator 'fair' needs at least 2 members, fct has 1")
    reduced = fct_a.ndim - 1  # obs is fct without its member axis, aligned from the right
    v_obs = v_ax - (m_ax < v_ax) - reduced
    if obs_a.ndim < -v_obs:
        raise ValueError(f"obs must have the variable axis of fct (axis {v_obs} of obs), got shape {obs_a.shape}")
    obs_m = xp.moveaxis(obs_a, v_obs, -1)
    if obs_m.shape[-1] != d:
        raise ValueError(f"obs has {obs_m.shape[-1]} variables but fct has d={d} (v_axis={v_axis})")
    fct_m = xp.moveaxis(fct_a, (m_ax, v_ax), (-2, -1))
    batch = _arrays.broadcast_shape({"obs without its variable axis": obs_m.shape[:-1],
                                     "fct without its member and variable axes": fct_m.shape[:-2]})  # fmt: skip
    w_a = None
    if weights is not None:
        if estimator in ("akr", "akr_circperm"):
            raise ValueError(f"estimator {estimator!r} takes no weights (it pairs members by their order)")
        w_a = _validate.real_array(weights, "weights", xp=xp)
        reduced_shape = fct_a.shape[:v_ax] + fct_a.shape[v_ax + 1 :]
        if not args.broadcasts_to(w_a.shape, reduced_shape):
            raise ValueError(
                f"weights shape {w_a.shape} does not broadcast to fct without its variable axis {reduced_shape}"
            )
        w_a = w_a.reshape((1,) * (reduced - w_a.ndim) + w_a.shape)
        w_a = xp.moveaxis(w_a, m_ax - (v_ax < m_ax), -1)
        args.check_weights(xp, w_a, reduced - 1)
    dtype = _arrays.result_dtype(
        *(a if hasattr(v, "dtype") else v for v, a in ((obs, obs_a), (fct, fct_a), (weights, w_a)))
    )
    on_host = not any(on_gpu(a) for a in (obs, fct, weights))
    axes = (m_ax - fct_a.ndim, v_ax - fct_a.ndim)
    members = Members(None, None, None, batch, dtype, xp, on_host, (obs_m, fct_m), axes)
    members.obs = members.rows(obs_m, (d,))
    members.fct = members.rows(fct_m, (m, d))
    if w_a is not None:
        members.weights = members.rows(w_a, (m,))
    return members


def _vector_weights(w_func: Func, members: Members) -> tuple[Any, Any]:
    """w(x_i) as (n, m) rows and w(y) as (n,): w_func on each vector of d variables (a Python function on
    NumPy vectors, as scoringrules calls it: device arrays are copied to the host for it, and its values
    go back to the device)."""
    _validate.function(w_func, "w_func")
    host = np.asarray if members.on_host else members.xp.asnumpy
    obs_m, fct_m = (host(a) for a in members.moved)
    out = []
    for a, name in ((obs_m, "obs"), (fct_m, "fct")):
        w = np.apply_along_axis(w_func, -1, a) if a.size else np.zeros(a.shape[:-1])
        w = _validate.weight_values(w, f"w_func({name})")
        if w.shape != a.shape[:-1]:
            raise ValueError(f"w_func must return one number per vector of {a.shape[-1]} variables")
        out.append(w if members.on_host else members.xp.asarray(w))
    return members.rows(out[1], (fct_m.shape[-2],)), members.rows(out[0])


def _chain(v_func: Func, obs: Any, fct: Any) -> tuple[Any, Any]:
    """v_func applied to the whole arrays (scoringrules' threshold weighting); shapes must be kept."""
    _validate.function(v_func, "v_func")
    chained = []
    for a, name in ((obs, "obs"), (fct, "fct")):
        given = _validate.real_array(a, name)
        out = _validate.real_array(v_func(given), f"v_func({name})")
        if out.shape != given.shape:
            raise ValueError(f"v_func must keep the shape of {name}: {given.shape} became {out.shape}")
        chained.append(out)
    return chained[0], chained[1]


def _run(
    name: str, members: Members, backend: str, fw: Any = None, ow: Any = None, w: Any = None, p: float = 0.0
) -> Any:
    """The kernel ``name`` on the chosen backend (on cuda the unweighted nrg/fair energy score takes the
    tiled block kernel, every other score one thread per forecast)."""
    chosen = resolve(backend, members.obs, members.fct, members.weights)
    n = math.prod(members.batch)
    xp = members.xp if chosen == "cuda" else np
    if n == 0:
        return _arrays.to_output(xp, xp.empty(0, members.dtype), members.batch, members.on_host or xp is np)
    if chosen == "cuda" and name in ("es_nrg", "es_fair") and members.weights is None and fw is None:
        contiguous = [_arrays.contiguous(members.xp, a, members.dtype) for a in (members.obs, members.fct)]
        out = implementation("energy_score", "cuda")(*contiguous, name == "es_fair")
    else:
        out = implementation("multivariate_score", chosen)(
            name, members.obs, members.fct, members.weights, fw, ow, w, p
        )
    return _arrays.to_output(xp, out, members.batch, members.on_host or xp is np)


def _run_grad(name: str, members: Members, backend: str, w: Any = None, p: float = 0.0) -> Any:
    """d score / d member on the chosen backend (cuda: one thread per forecast), with the member and
    variable axes where fct has them."""
    chosen = resolve(backend, members.obs, members.fct, members.weights)
    xp = members.xp if chosen == "cuda" else np
    n, m, d = members.fct.shape
    if n == 0:
        grad = xp.empty((0, m, d), members.dtype)
    else:
        grad = implementation("multivariate_grad", chosen)(name, members.obs, members.fct, members.weights, w, p)
    grad = _arrays.to_output(xp, grad, (*members.batch, m, d), members.on_host or xp is np)
    return _arrays.namespace(grad).moveaxis(grad, (-2, -1), members.axes)


def _estimator(estimator: str, allowed: tuple[str, ...] = _KERNEL_ESTIMATORS) -> str:
    return _validate.choice(estimator, "estimator", allowed)


def energy_score(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    estimator: str = "nrg",
    backend: str = "auto",
) -> Any:
    r"""Energy score of multivariate ensembles, O(m^2 d) per forecast (``akr``: O(m d)).

    .. math:: \mathrm{ES} = \sum_i v_i \lVert x_i - y \rVert
              - \frac12 \sum_{i,j} v_i v_j \lVert x_i - x_j \rVert, \qquad v_i = 1/m \text{ or the
              normalised weights};

    ``fair`` divides the spread term by :math:`1 - \sum v^2` (:math:`2m(m-1)` in place of :math:`2m^2`
    unweighted), ``akr``/``akr_circperm`` replace it by :math:`\frac{1}{2m} \sum_i \lVert x_i -
    x_{(i+s) \bmod m} \rVert` with :math:`s = m - 1` / :math:`\lfloor m/2 \rfloor` (no weights), as
    :func:`riskcore.crps_ensemble` does. In one dimension it is the CRPS. ``es_ensemble`` is the same
    function (scoringrules' name).

    Parameters
    ----------
    obs : array_like, shape of ``fct`` without its member axis (broadcastable)
    fct : array_like, members on ``m_axis``, variables on ``v_axis``
    m_axis, v_axis : int, default -2, -1
    weights : array_like, broadcastable to ``fct`` without ``v_axis``, optional
        Ensemble member weights (scoringrules' ``ens_w``), finite and >= 0, normalised per forecast.
    estimator : {"nrg", "fair", "akr", "akr_circperm"}
    backend : {"auto", "cpu", "cuda", "numba"}
        On ``cuda`` the unweighted ``nrg`` and ``fair`` take a tiled block kernel, the rest one thread
        per forecast.

    Returns
    -------
    ndarray, the batch shape (a NumPy scalar for one forecast)

    References
    ----------
    Gneiting & Raftery (2007), JASA 102; Zamo & Naveau (2018), Math. Geosci. 50 (akr).

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.energy_score([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])), 6)
    0.646447
    >>> round(float(riskcore.energy_score([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], weights=[3, 1])), 6)
    0.734835
    """
    estimator = _estimator(estimator)
    return _run(f"es_{estimator}", _members(obs, fct, m_axis, v_axis, weights, estimator), backend)


es_ensemble = energy_score


def energy_score_grad(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    estimator: str = "nrg",
    backend: str = "auto",
) -> Any:
    r"""Gradient of :func:`energy_score` with respect to every member, O(m^2 d) per forecast.

    .. math:: \frac{\partial\,\mathrm{ES}}{\partial x_i} = v_i\, u(x_i - y)
              - c\, v_i \sum_{j \ne i} v_j\, u(x_i - x_j), \qquad u(z) = z / \lVert z \rVert,

    :math:`c = 1` (nrg) or :math:`1/(1 - \sum v^2)` (fair); for ``akr``/``akr_circperm`` the gradient of
    their own formula. A zero difference contributes 0 (the central subgradient). In one dimension it is
    :func:`riskcore.crps_ensemble_grad`. Parameters as :func:`energy_score`.

    Returns
    -------
    ndarray, the shape of ``fct`` (broadcast against ``obs``), members and variables on their axes

    Examples
    --------
    >>> import riskcore
    >>> riskcore.energy_score_grad([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]]).round(6).tolist()
    [[0.323223, 0.176777], [0.176777, 0.323223]]
    """
    estimator = _estimator(estimator)
    return _run_grad(f"es_{estimator}", _members(obs, fct, m_axis, v_axis, weights, estimator), backend)


def twes_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    v_func: Func,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    estimator: str = "nrg",
    backend: str = "auto",
) -> Any:
    r"""Threshold-weighted energy score: the energy score of the chained members and observation.

    .. math:: \mathrm{twES}(F, y) = \mathrm{ES}(v_\# F, v(y))

    with a chaining function :math:`v` (``v_func``, applied to the whole ``obs`` and ``fct`` arrays; for
    example ``lambda z: np.maximum(z, t)``). Other parameters as :func:`energy_score`.

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import numpy as np, riskcore
    >>> round(float(riskcore.twes_ensemble([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]],
    ...                                    v_func=lambda z: np.maximum(z, 0.5))), 6)
    0.323223
    """
    y, x = _chain(v_func, obs, fct)
    return energy_score(y, x, m_axis=m_axis, v_axis=v_axis, weights=weights, estimator=estimator, backend=backend)


def owes_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    w_func: Func,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""Outcome-weighted energy score.

    .. math:: \mathrm{owES} = w(y) \Big[\sum_i u_i \lVert x_i - y \rVert
              - \frac12 \sum_{i,j} u_i u_j \lVert x_i - x_j \rVert\Big], \qquad
              u_i = \frac{v_i w(x_i)}{\sum_j v_j w(x_j)},

    the energy score of the ensemble re-weighted by :math:`w`, times :math:`w(y)`; NaN where every
    member has weight 0. ``w_func`` maps one vector of d variables to a weight >= 0.

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11; Holzmann & Klar (2017), Ann. Appl. Stat. 11.

    Examples
    --------
    >>> import numpy as np, riskcore
    >>> w = lambda z: float(z.sum() > 0.5)
    >>> round(float(riskcore.owes_ensemble([1.0, 0.0], [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], w_func=w)), 6)
    0.353553
    """
    members = _members(obs, fct, m_axis, v_axis, weights)
    fw, ow = _vector_weights(w_func, members)
    return _run("owes", members, backend, fw, ow)


def vres_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    w_func: Func,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""Vertically re-scaled energy score.

    .. math:: \mathrm{vrES} = w(y) \sum_i t_i \lVert x_i - y \rVert
              - \frac12 \sum_{i,j} t_i t_j \lVert x_i - x_j \rVert
              + \Big(\sum_i t_i \lVert x_i \rVert - w(y) \lVert y \rVert\Big)\Big(\sum_i t_i - w(y)\Big),
              \qquad t_i = v_i\, w(x_i).

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import numpy as np, riskcore
    >>> w = lambda z: float(z.sum() > 0.5)
    >>> round(float(riskcore.vres_ensemble([1.0, 0.0], [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], w_func=w)), 6)
    0.425381
    """
    members = _members(obs, fct, m_axis, v_axis, weights)
    fw, ow = _vector_weights(w_func, members)
    return _run("vres", members, backend, fw, ow)


def _pair_weights(w: Any, members: Members) -> Any:
    """The variogram's (d, d) pair weights as (n, d, d) rows (all ones by default), in the namespace of
    obs and fct (a parameter: a NumPy w goes to the device with device data, a device w to the host with
    host data)."""
    d = members.fct.shape[-1]
    if w is None:
        return np.broadcast_to(np.ones((1, 1, 1), members.dtype), (members.fct.shape[0], d, d))
    w_a = _validate.real_array(w, "w", low=0.0, allow_nan=False, allow_inf=False)
    if on_gpu(w_a) and members.on_host:
        w_a = w_a.get()
    elif not on_gpu(w_a) and not members.on_host:
        w_a = members.xp.asarray(w_a)
    if w_a.ndim < 2 or w_a.shape[-2:] != (d, d):
        raise ValueError(f"w must have shape (..., d, d) with d={d}, got {w_a.shape}")
    return members.rows(w_a, (d, d))


def _variogram(
    kind: str, obs: Any, fct: Any, w: Any, p: float, m_axis: int, v_axis: int, weights: Any, estimator: str,
    w_func: Func | None, backend: str,
) -> Any:  # fmt: skip
    p = _validate.positive(p, "p")
    members = _members(obs, fct, m_axis, v_axis, weights, estimator)
    w_rows = _pair_weights(w, members)
    fw = ow = None
    if w_func is not None:
        fw, ow = _vector_weights(w_func, members)
    return _run(kind, members, backend, fw, ow, w_rows, p)


def vs_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    w: ArrayLike | None = None,
    p: float = 0.5,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    estimator: str = "nrg",
    backend: str = "auto",
) -> Any:
    r"""Variogram score of order p, O(m d^2) per forecast.

    .. math:: \mathrm{VS}_p = \sum_{k,l} w_{kl} \Big(|y_k - y_l|^p - \sum_i v_i |x_{ik} - x_{il}|^p\Big)^2

    (``nrg``). ``fair`` is the kernel form :math:`\sum_i v_i \rho(x_i, y) - \frac{1}{2(1 - \sum v^2)}
    \sum_{i \ne j} v_i v_j \rho(x_i, x_j)` with :math:`\rho(x, x') = \sum_{kl} w_{kl} (|x_k - x_l|^p -
    |x'_k - x'_l|^p)^2`; both are computed from per-pair weighted means and variances, with no loop over
    member pairs (``nrg`` equals the kernel form with :math:`\sum_{i,j}`).

    Parameters
    ----------
    w : array_like, shape (..., d, d), >= 0, default all ones
        Weights of the variable pairs (broadcast over the batch).
    p : float > 0, default 0.5
    estimator : {"nrg", "fair"}
    Other parameters as :func:`energy_score`.

    References
    ----------
    Scheuerer & Hamill (2015), Mon. Wea. Rev. 143.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.vs_ensemble([0.0, 1.0], [[1.0, 0.0], [0.0, 2.0]], p=1.0)), 6)
    0.5
    >>> round(float(riskcore.vs_ensemble([0.0, 1.0], [[1.0, 0.0], [0.0, 3.0]], p=1.0)), 6)
    2.0
    """
    estimator = _estimator(estimator, ("nrg", "fair"))
    return _variogram(f"vs_{estimator}", obs, fct, w, p, m_axis, v_axis, weights, estimator, None, backend)


def vs_ensemble_grad(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    w: ArrayLike | None = None,
    p: float = 0.5,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    estimator: str = "nrg",
    backend: str = "auto",
) -> Any:
    r"""Gradient of :func:`vs_ensemble` with respect to every member, O(m d^2) per forecast.

    .. math:: \frac{\partial\,\mathrm{VS}_p}{\partial x_{ik}} = 2 v_i \sum_{l \ne k} (w_{kl} + w_{lk})
              \big[(\bar a_{kl} - b_{kl}) - \kappa (a_{ikl} - \bar a_{kl})\big]\,
              p\, |x_{ik} - x_{il}|^{p-1} \mathrm{sign}(x_{ik} - x_{il}),

    with :math:`a_{ikl} = |x_{ik} - x_{il}|^p`, :math:`\bar a = \sum_i v_i a_i`, :math:`b_{kl} = |y_k -
    y_l|^p`, :math:`\kappa = 0` (nrg) or :math:`\sum v^2 / (1 - \sum v^2)` (fair). Equal variables
    (:math:`x_{ik} = x_{il}`) contribute 0. Parameters as :func:`vs_ensemble`.

    Examples
    --------
    >>> import riskcore
    >>> riskcore.vs_ensemble_grad([0.0, 1.0], [[1.0, 0.0], [0.0, 3.0]], p=1.0).tolist()
    [[2.0, -2.0], [-2.0, 2.0]]
    """
    estimator = _estimator(estimator, ("nrg", "fair"))
    p = _validate.positive(p, "p")
    members = _members(obs, fct, m_axis, v_axis, weights, estimator)
    return _run_grad(f"vs_{estimator}", members, backend, _pair_weights(w, members), p)


def twvs_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    v_func: Func,
    w: ArrayLike | None = None,
    p: float = 0.5,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    estimator: str = "nrg",
    backend: str = "auto",
) -> Any:
    r"""Threshold-weighted variogram score :math:`\mathrm{VS}_p(v_\# F, v(y))` (``v_func`` as in
    :func:`twes_ensemble`, other parameters as :func:`vs_ensemble`).

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import numpy as np, riskcore
    >>> round(float(riskcore.twvs_ensemble([0.0, 1.0], [[1.0, 0.0], [0.0, 3.0]], p=1.0,
    ...                                    v_func=lambda z: np.minimum(z, 2.0))), 6)
    0.5
    """
    y, x = _chain(v_func, obs, fct)
    return vs_ensemble(y, x, w=w, p=p, m_axis=m_axis, v_axis=v_axis, weights=weights, estimator=estimator,
                       backend=backend)  # fmt: skip


def owvs_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    w_func: Func,
    w: ArrayLike | None = None,
    p: float = 0.5,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""Outcome-weighted variogram score: :math:`w(y)\, \mathrm{VS}_p` of the ensemble re-weighted by
    :math:`u_i \propto v_i w(x_i)`,

    .. math:: \mathrm{owVS} = w(y) \Big[\sum_i u_i \rho(x_i, y) - \frac12 \sum_{i,j} u_i u_j \rho(x_i, x_j)\Big]
              = w(y) \sum_{k,l} w_{kl} \Big(|y_k - y_l|^p - \sum_i u_i |x_{ik} - x_{il}|^p\Big)^2

    (:math:`\rho` of :func:`vs_ensemble`); NaN where every member has weight 0.

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import riskcore
    >>> w = lambda z: float(z.max() > 1.5)
    >>> round(float(riskcore.owvs_ensemble([0.0, 2.0], [[1.0, 0.0], [0.0, 3.0]], p=1.0, w_func=w)), 6)
    2.0
    """
    return _variogram("owvs", obs, fct, w, p, m_axis, v_axis, weights, "nrg", w_func, backend)


def vrvs_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    w_func: Func,
    w: ArrayLike | None = None,
    p: float = 0.5,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""Vertically re-scaled variogram score, with :math:`t_i = v_i w(x_i)`, :math:`a_{kl}(x) = |x_k -
    x_l|^p` and :math:`\lVert a \rVert^2 = \sum_{kl} w_{kl} a_{kl}^2`:

    .. math:: \mathrm{vrVS} = w(y) \sum_i t_i \rho(x_i, y) - \frac12 \sum_{i,j} t_i t_j \rho(x_i, x_j)
              + \Big(\sum_i t_i \lVert a(x_i) \rVert^2 - w(y) \lVert a(y) \rVert^2\Big)\Big(\sum_i t_i - w(y)\Big).

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import riskcore
    >>> w = lambda z: float(z.max() > 1.5)
    >>> round(float(riskcore.vrvs_ensemble([0.0, 2.0], [[1.0, 0.0], [0.0, 3.0]], p=1.0, w_func=w)), 6)
    0.5
    """
    return _variogram("vrvs", obs, fct, w, p, m_axis, v_axis, weights, "nrg", w_func, backend)


def gksmv_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    estimator: str = "nrg",
    backend: str = "auto",
) -> Any:
    r"""Multivariate Gaussian kernel score, O(m^2 d) (``akr``: O(m d)).

    .. math:: \mathrm{GKS} = -\Big[\sum_i v_i k(x_i, y) - \frac12 \sum_{i,j} v_i v_j k(x_i, x_j)
              - \frac12\Big], \qquad k(a, b) = e^{-\lVert a - b \rVert^2 / 2};

    ``fair`` sums over :math:`i \ne j` divided by :math:`1 - \sum v^2`, ``akr``/``akr_circperm`` as in
    :func:`energy_score`. With d = 1 it equals :func:`riskcore.gksuv_ensemble`.

    References
    ----------
    Gneiting & Raftery (2007), JASA 102; Allen et al. (2023), scoringrules.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.gksmv_ensemble([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])), 6)
    0.235439
    """
    estimator = _estimator(estimator)
    return _run(f"gks_{estimator}", _members(obs, fct, m_axis, v_axis, weights, estimator), backend)


def twgksmv_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    v_func: Func,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    estimator: str = "nrg",
    backend: str = "auto",
) -> Any:
    r"""Threshold-weighted Gaussian kernel score :math:`\mathrm{GKS}(v_\# F, v(y))` (``v_func`` as in
    :func:`twes_ensemble`).

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import numpy as np, riskcore
    >>> round(float(riskcore.twgksmv_ensemble([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]],
    ...                                       v_func=lambda z: np.maximum(z, 0.5))), 6)
    0.062203
    """
    y, x = _chain(v_func, obs, fct)
    return gksmv_ensemble(y, x, m_axis=m_axis, v_axis=v_axis, weights=weights, estimator=estimator, backend=backend)


def owgksmv_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    w_func: Func,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""Outcome-weighted Gaussian kernel score (:math:`u_i \propto v_i w(x_i)`, NaN where all are 0):

    .. math:: \mathrm{owGKS} = -w(y) \Big[\sum_i u_i k(x_i, y) - \frac12 \sum_{i,j} u_i u_j k(x_i, x_j)
              - \frac12\Big].

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import riskcore
    >>> w = lambda z: float(z.sum() > 0.5)
    >>> round(float(riskcore.owgksmv_ensemble([1.0, 0.0], [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], w_func=w)), 6)
    0.15803
    """
    members = _members(obs, fct, m_axis, v_axis, weights)
    fw, ow = _vector_weights(w_func, members)
    return _run("owgks", members, backend, fw, ow)


def vrgksmv_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    w_func: Func,
    m_axis: int = -2,
    v_axis: int = -1,
    weights: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""Vertically re-scaled Gaussian kernel score (:math:`t_i = v_i w(x_i)`):

    .. math:: \mathrm{vrGKS} = -\Big[w(y) \sum_i t_i k(x_i, y) - \frac12 \sum_{i,j} t_i t_j k(x_i, x_j)
              - \frac12 w(y)^2\Big].

    References
    ----------
    Allen, Ginsbourger & Ziegel (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import riskcore
    >>> w = lambda z: float(z.sum() > 0.5)
    >>> round(float(riskcore.vrgksmv_ensemble([1.0, 0.0], [[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], w_func=w)), 6)
    0.196027
    """
    members = _members(obs, fct, m_axis, v_axis, weights)
    fw, ow = _vector_weights(w_func, members)
    return _run("vrgks", members, backend, fw, ow)


def dssmv_ensemble(
    obs: ArrayLike, fct: ArrayLike, *, m_axis: int = -2, v_axis: int = -1, bias: bool = False, backend: str = "auto"
) -> Any:
    r"""Multivariate Dawid-Sebastiani score: the log score of the normal with the ensemble's mean and
    covariance, O(m d^2 + d^3) per forecast.

    .. math:: \mathrm{DSS} = (y - \bar x)^\top S^{-1} (y - \bar x) + \log\det S, \qquad
              S = \frac{1}{m - 1} \sum_i (x_i - \bar x)(x_i - \bar x)^\top \ (1/m \text{ with ``bias``}),

    by a Cholesky factor :math:`S = L L^\top` (:math:`\lVert L^{-1}(y - \bar x) \rVert^2 + 2 \sum \log
    L_{kk}`; no inverse, no determinant that could overflow). Needs m > d; NaN where S is numerically
    singular (scoringrules inverts it and returns whatever the inverse gives).

    References
    ----------
    Dawid & Sebastiani (1999), Ann. Statist. 27.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.dssmv_ensemble([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])), 6)
    -0.287682
    """
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"bias must be True or False, got {type(bias).__name__}")
    members = _members(obs, fct, m_axis, v_axis, None)
    m, d = members.fct.shape[1:]
    if m <= d:
        raise ValueError(f"fct needs more members than variables (m > d) for dssmv_ensemble, got m={m}, d={d}")
    return _run("dss_bias" if bias else "dss", members, backend)
