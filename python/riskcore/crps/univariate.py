r"""Univariate ensemble scores besides the CRPS: Dawid-Sebastiani, error-spread, Gaussian kernel and
kernel-density log scores (scoringrules 0.10 names), and the rank histogram.

Each is one per-forecast loop in ``kernels/ensemble_scores.hpp``, run by the cpu backend (members read in
place through their strides), by CUDA threads (``kernels/ensemble_scores.cu``, one forecast per thread;
CuPy arrays in, CuPy arrays out) and mirrored in Numba; NaN members or observations give NaN.
The rank histogram is NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _crps_args as args
from riskcore import _validate
from riskcore._backend import implementation, resolve

__all__ = ["dssuv_ensemble", "error_spread_score", "gksuv_ensemble", "logs_ensemble", "rank_histogram"]

_KERNEL_ESTIMATORS = ("nrg", "fair", "akr", "akr_circperm")


def _run(name: str, obs: Any, fct: Any, axis: int, backend: str, min_members: int, param: Any = None) -> Any:
    canon = args.ensemble(obs, fct, axis, None, "propagate", "nrg")
    members = canon.arrays[1].shape[1]
    if members < min_members:
        raise ValueError(f"{name.split('_')[0]} needs at least {min_members} members, fct has {members}")
    chosen = resolve(backend, *canon.arrays)
    if param is not None:  # only logs_ensemble's bw
        value = canon.xp.asarray(param, dtype=canon.arrays[0].dtype)
        try:
            flat = canon.xp.broadcast_to(value, canon.batch_shape).reshape(-1)
        except ValueError:
            raise ValueError(f"bw of shape {value.shape} does not broadcast to the batch {canon.batch_shape}") from None
        param = canon.xp.ascontiguousarray(flat)
    if not canon.arrays[0].size:
        return canon.finish(canon.xp.empty(0, dtype=canon.arrays[0].dtype))
    return canon.finish(implementation("ensemble_score", chosen)(name, canon.arrays[0], canon.arrays[1], param))


def dssuv_ensemble(obs: ArrayLike, fct: ArrayLike, *, axis: int = -1, bias: bool = False, backend: str = "auto") -> Any:
    r"""Dawid-Sebastiani score of an ensemble: the log score of the normal with the ensemble's moments.

    .. math:: \mathrm{DSS}(F, y) = \left(\frac{y - \bar x}{s}\right)^2 + 2 \log s,
              \qquad s^2 = \frac{1}{m - 1} \sum_i (x_i - \bar x)^2 \ (1/m \text{ with ``bias``}).

    Parameters
    ----------
    obs : array_like, broadcastable to ``fct`` without its member axis
    fct : array_like, members along ``axis`` (m >= 2)
    axis : int, default -1
    bias : bool, default False
        Divide by m instead of m - 1.
    backend : {"auto", "cpu", "cuda", "numba"}

    References
    ----------
    Dawid & Sebastiani (1999), Ann. Statist. 27.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.dssuv_ensemble(0.5, [0.0, 1.0, 2.0])), 6)
    0.25
    """
    _validate.flag(bias, "bias")
    return _run("dss_bias" if bias else "dss", obs, fct, axis, backend, 2)


def error_spread_score(obs: ArrayLike, fct: ArrayLike, *, axis: int = -1, backend: str = "auto") -> Any:
    r"""Error-spread score of an ensemble.

    .. math:: \mathrm{ESS} = (s^2 - e^2 - e\,s\,g)^2, \quad e = \bar x - y, \quad
              s^2 = \frac{\sum_i (x_i - \bar x)^2}{m - 1}, \quad g = \frac{\sum_i ((x_i - \bar x)/s)^3}{(m-1)(m-2)}

    (:math:`g` normalised as scoringrules 0.10 does, for m >= 3).

    References
    ----------
    Christensen, Moroz & Palmer (2015), QJRMS 141.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.error_spread_score(0.5, [0.0, 1.0, 2.0])), 6)
    0.5625
    """
    return _run("ess", obs, fct, axis, backend, 3)


def gksuv_ensemble(
    obs: ArrayLike, fct: ArrayLike, *, axis: int = -1, estimator: str = "nrg", backend: str = "auto"
) -> Any:
    r"""Gaussian kernel score of an ensemble, O(m^2) (``akr``: O(m)).

    .. math:: \mathrm{GKS} = -\Big[\frac1m \sum_i k(x_i, y) - \frac{1}{2m^2} \sum_{i,j} k(x_i, x_j)
              - \frac12 k(y, y)\Big], \qquad k(a, b) = e^{-(a - b)^2/2};

    ``fair`` averages over the pairs :math:`i \ne j`, ``akr``/``akr_circperm`` over the pairs
    :math:`(i, i + s \bmod m)` as :func:`riskcore.crps_ensemble` does.

    References
    ----------
    Gneiting & Raftery (2007), JASA 102 (kernel scores); Allen et al. (2023) (scoringrules).

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.gksuv_ensemble(0.5, [0.0, 1.0, 2.0])), 6)
    0.11994
    """
    _validate.choice(estimator, "estimator", _KERNEL_ESTIMATORS)
    return _run(f"gks_{estimator}", obs, fct, axis, backend, 2 if estimator == "fair" else 1)


def logs_ensemble(
    obs: ArrayLike, fct: ArrayLike, *, axis: int = -1, bw: ArrayLike | None = None, backend: str = "auto"
) -> Any:
    r"""Log score of the Gaussian kernel density estimate of an ensemble.

    .. math:: \mathrm{LogS} = -\log \frac1m \sum_i \frac{1}{h} \varphi\!\left(\frac{y - x_i}{h}\right),

    computed by log-sum-exp (finite far in the tails, where the density underflows). Without ``bw``
    the bandwidth is Silverman's rule :math:`h = 1.06 \min(s, \mathrm{IQR}/1.34)\, m^{-1/5}` (s with
    1/(m-1), the IQR by linear interpolation), as scoringrules computes it.

    Parameters
    ----------
    bw : array_like, broadcastable to the batch, > 0, optional

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.logs_ensemble(0.5, [0.0, 1.0, 2.0], bw=1.0)), 6)
    1.280556
    """
    if bw is not None:
        bw = _validate.real_array(bw, "bw", low=0.0, interval="()", allow_nan=False)
    return _run("logs", obs, fct, axis, backend, 2, bw)


def rank_histogram(obs: ArrayLike, fct: ArrayLike, *, axis: int = -1, seed: int | None = 0) -> np.ndarray:
    r"""Rank histogram (Talagrand diagram): counts of the observation's rank among the members.

    The rank of y among m members is :math:`\#\{i: x_i < y\}` plus a uniform draw from
    :math:`0..\#\{i: x_i = y\}` (ties broken at random, seeded), so a calibrated ensemble gives a flat
    histogram over the m + 1 bins. Forecasts with a NaN are left out.

    Returns
    -------
    ndarray of int64, shape (m + 1,)

    References
    ----------
    Hamill (2001), Mon. Wea. Rev. 129.

    Examples
    --------
    >>> import riskcore
    >>> riskcore.rank_histogram([0.5, 3.0], [[0.0, 1.0], [1.0, 2.0]]).tolist()
    [0, 1, 1]
    """
    canon = args.ensemble(obs, fct, axis, None, "propagate", "nrg")
    y, x = np.asarray(canon.arrays[0]), np.asarray(canon.arrays[1])
    keep = ~(np.isnan(y) | np.isnan(x).any(axis=1))
    y, x = y[keep, None], x[keep]
    below = (x < y).sum(axis=1)
    ties = (x == y).sum(axis=1)
    rng = np.random.default_rng(None if seed is None else _validate.seed(seed))
    ranks = below + np.floor(rng.uniform(size=ties.shape) * (ties + 1)).astype(np.int64)
    return np.bincount(ranks, minlength=x.shape[1] + 1).astype(np.int64)
