r"""Continuous ranked probability score: ensemble estimators, gradients and closed forms.

.. math:: \mathrm{CRPS}(F, y) = \int (F(z) - \mathbf 1\{y \le z\})^2\,dz
          = E|X - y| - \tfrac12 E|X - X'|, \qquad X, X' \sim F \text{ iid}.

Lower is better. Every function broadcasts like a NumPy ufunc, keeps float32 as float32 (sums run in
float64), accepts ``backend="auto"|"cpu"|"cuda"|"numba"`` and takes CuPy arrays without host copies.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _crps_args as args

__all__ = [
    "crps_censored_normal",
    "crps_ensemble",
    "crps_ensemble_grad",
    "crps_exponential",
    "crps_gamma",
    "crps_gev",
    "crps_laplace",
    "crps_logistic",
    "crps_lognormal",
    "crps_mixnorm",
    "crps_normal",
    "crps_t",
    "crps_truncated_normal",
    "crps_uniform",
    "energy_score",
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
    and ``int`` (integral of the empirical CDF) equals ``nrg``. With ``weights`` the members carry
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
    estimator : {"nrg", "fair", "afcrps", "pwm", "int"}, default "nrg"
        ``fair``, ``afcrps`` and ``pwm`` need m >= 2.
    alpha : float in (0, 1], default 0.95
        Weight of ``fair`` in ``afcrps``.
    weights : array_like, broadcastable to ``fct``, optional
        Non-negative member weights (normalised per forecast). Not with ``pwm``.
    nan_policy : {"propagate", "omit", "raise"}, default "propagate"
        NaN members give NaN, are dropped, or raise ValueError. A NaN observation always gives NaN;
        a forecast left with too few members by ``omit`` gives NaN.
    backend : {"auto", "cpu", "cuda", "numba"}, default "auto"

    Returns
    -------
    ndarray, shape ``broadcast(obs.shape, fct.shape without axis)``, dtype float32 or float64

    References
    ----------
    Gneiting & Raftery (2007), JASA 102; Ferro (2014), QJRMS 140 (fair CRPS);
    Lang et al. (2024), arXiv:2412.15832 (afCRPS); Zamo & Naveau (2018), Math. Geosci. 50.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.crps_ensemble(0.5, [0.0, 1.0, 2.0])), 6)
    0.388889
    >>> round(float(riskcore.crps_ensemble(0.5, [0.0, 1.0, 2.0], estimator="fair")), 6)
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
    Omitted NaN members get gradient 0.

    Parameters are those of :func:`crps_ensemble` (``estimator`` in nrg, fair, afcrps).

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
    grad = canon.finish(out, (*canon.batch_shape, members))
    fct_ndim = fct.ndim if hasattr(fct, "ndim") else np.ndim(fct)
    return canon.xp.moveaxis(grad, -1, axis % fct_ndim - fct_ndim)


def twcrps_ensemble(
    obs: ArrayLike,
    fct: ArrayLike,
    *,
    threshold: float | None = None,
    interval: tuple[float, float] | None = None,
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
    ``interval`` (a, b). Give exactly one of them; the other parameters are those of
    :func:`crps_ensemble`. Reference: Allen et al. (2023), SIAM/ASA JUQ 11.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.twcrps_ensemble(0.5, [0.0, 1.0, 2.0], threshold=1.0)), 6)
    0.111111
    """
    if (threshold is None) == (interval is None):
        raise ValueError("give exactly one of threshold= or interval=")
    if threshold is not None:
        lower, upper = args.as_float_bound("threshold", threshold), np.inf
    else:
        lower, upper = (args.as_float_bound(f"interval[{i}]", v) for i, v in enumerate(interval))
        if not lower < upper:
            raise ValueError(f"interval must satisfy a < b, got {interval}")
    alpha = args.check_estimator(estimator, alpha)
    canon = args.ensemble(obs, fct, axis, weights, nan_policy, estimator)
    obs_c, fct_c, weights_c = canon.arrays
    canon.arrays = (canon.xp.clip(obs_c, lower, upper), canon.xp.clip(fct_c, lower, upper), weights_c)
    return canon.finish(canon.run("crps_ensemble", backend, estimator, alpha, nan_policy == "omit"))


def energy_score(obs: ArrayLike, fct: ArrayLike, *, estimator: str = "nrg", backend: str = "auto") -> Any:
    r"""Energy score of multivariate ensembles, O(m^2 d) per forecast.

    .. math:: \mathrm{ES} = \frac1m \sum_i \lVert x_i - y \rVert
              - \frac{1}{2m^2} \sum_{i,j} \lVert x_i - x_j \rVert

    (``fair``: :math:`2m(m-1)` in the denominator). NaNs propagate.

    Parameters
    ----------
    obs : array_like, shape (..., d)
    fct : array_like, shape (..., m, d)
        Members on axis -2, variables on axis -1.
    estimator : {"nrg", "fair"}
    backend : {"auto", "cpu", "cuda", "numba"}

    Returns
    -------
    ndarray, shape ``broadcast(obs.shape[:-1], fct.shape[:-2])``

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.energy_score([0.0, 0.0], [[1.0, 0.0], [0.0, 1.0]])), 6)
    0.646447
    """
    if estimator not in ("nrg", "fair"):
        raise ValueError(f"estimator must be 'nrg' or 'fair', got {estimator!r}")
    canon = args.multivariate(obs, fct)
    if estimator == "fair" and canon.arrays[1].shape[1] < 2:
        raise ValueError("estimator 'fair' needs at least 2 members")
    return canon.finish(canon.run("energy_score", backend, estimator == "fair"))


_SIGMA = {"sigma must be > 0": lambda p: p["sigma"] <= 0}
_SCALE = {"scale must be > 0": lambda p: p["scale"] <= 0}
_ORDERED = {"lower must be < upper": lambda p: p["lower"] >= p["upper"]}


def _closed_form(name: str, obs: Any, params: dict[str, Any], rules: dict[str, Any], backend: str) -> Any:
    """Validate (``rules``: message -> predicate true where a parameter is invalid) and evaluate."""
    canon = args.elementwise(obs, params, rules)
    return canon.finish(canon.run_elementwise(name, backend))


def crps_normal(obs: ArrayLike, mu: ArrayLike = 0.0, sigma: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""CRPS of a normal forecast N(mu, sigma^2); Gneiting et al. (2005).

    .. math:: \sigma\,[z(2\Phi(z) - 1) + 2\varphi(z) - 1/\sqrt\pi], \quad z = (y - \mu)/\sigma

    Arguments broadcast together; ``sigma > 0``. Returns an array of the broadcast shape.

    >>> import riskcore
    >>> round(float(riskcore.crps_normal(0.0, 0.0, 1.0)), 6)
    0.233695
    """
    return _closed_form("normal", obs, {"mu": mu, "sigma": sigma}, _SIGMA, backend)


def crps_logistic(obs: ArrayLike, mu: ArrayLike = 0.0, sigma: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""CRPS of a logistic forecast: :math:`\sigma\,[z - 2\log F(z) - 1]`, :math:`F(z) = 1/(1 + e^{-z})`.

    >>> import riskcore
    >>> round(float(riskcore.crps_logistic(0.0)), 6)
    0.386294
    """
    return _closed_form("logistic", obs, {"mu": mu, "sigma": sigma}, _SIGMA, backend)


def crps_laplace(obs: ArrayLike, location: ArrayLike = 0.0, scale: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""CRPS of a Laplace forecast: :math:`s\,[|z| + e^{-|z|} - 3/4]`.

    >>> import riskcore
    >>> round(float(riskcore.crps_laplace(0.0)), 6)
    0.25
    """
    return _closed_form("laplace", obs, {"location": location, "scale": scale}, _SCALE, backend)


def crps_exponential(obs: ArrayLike, rate: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""CRPS of an exponential forecast: :math:`|y| - 2F(y)/\lambda + 1/(2\lambda)`.

    >>> import riskcore
    >>> round(float(riskcore.crps_exponential(1.0, 1.0)), 6)
    0.235759
    """
    return _closed_form("exponential", obs, {"rate": rate}, {"rate must be > 0": lambda p: p["rate"] <= 0}, backend)


def crps_uniform(obs: ArrayLike, lower: ArrayLike = 0.0, upper: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""CRPS of a uniform forecast on [lower, upper] (scoringrules calls these min, max):

    .. math:: (b - a)\,[|w - F| + F^2 - F + 1/3], \quad w = (y - a)/(b - a),\ F = \min(\max(w, 0), 1)

    >>> import riskcore
    >>> round(float(riskcore.crps_uniform(0.5)), 6)
    0.083333
    """
    return _closed_form("uniform", obs, {"lower": lower, "upper": upper}, _ORDERED, backend)


def crps_lognormal(obs: ArrayLike, mulog: ArrayLike = 0.0, sigmalog: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""CRPS of a log-normal forecast (Baran & Lerch 2015):

    .. math:: y(2\Phi(w) - 1) - 2e^{\mu + \sigma^2/2}[\Phi(w - \sigma) + \Phi(\sigma/\sqrt2) - 1],
              \quad w = (\log y - \mu)/\sigma

    >>> import riskcore
    >>> round(float(riskcore.crps_lognormal(1.0)), 6)
    0.267405
    """
    return _closed_form(
        "lognormal",
        obs,
        {"mulog": mulog, "sigmalog": sigmalog},
        {"sigmalog must be > 0": lambda p: p["sigmalog"] <= 0},
        backend,
    )


def crps_gamma(obs: ArrayLike, shape: ArrayLike, rate: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""CRPS of a gamma forecast (Scheuerer & Moeller 2015), with :math:`P` the regularised lower
    incomplete gamma function:

    .. math:: y(2P(a, by) - 1) - \tfrac ab (2P(a+1, by) - 1) - 1/(b\,B(\tfrac12, a))

    >>> import riskcore
    >>> round(float(riskcore.crps_gamma(1.0, 2.0, 1.0)), 6)
    0.457277
    """
    return _closed_form(
        "gamma",
        obs,
        {"shape": shape, "rate": rate},
        {"shape must be > 0": lambda p: p["shape"] <= 0, "rate must be > 0": lambda p: p["rate"] <= 0},
        backend,
    )


def crps_t(
    obs: ArrayLike, df: ArrayLike, location: ArrayLike = 0.0, scale: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""CRPS of a Student t forecast with ``df > 1`` degrees of freedom (Jordan et al. 2019):

    .. math:: s\,[z(2F_\nu(z) - 1) + 2f_\nu(z)\tfrac{\nu + z^2}{\nu - 1}
              - \tfrac{2\sqrt\nu\,B(\frac12, \nu - \frac12)}{(\nu - 1) B(\frac12, \frac\nu2)^2}]

    >>> import riskcore
    >>> round(float(riskcore.crps_t(0.0, 5.0)), 6)
    0.257025
    """
    rules = {"df must be > 1": lambda p: p["df"] <= 1, **_SCALE}
    return _closed_form("t", obs, {"df": df, "location": location, "scale": scale}, rules, backend)


def crps_censored_normal(
    obs: ArrayLike,
    mu: ArrayLike = 0.0,
    sigma: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""CRPS of N(mu, sigma^2) censored to [lower, upper]: the tails become point masses
    :math:`\Phi(l)` at ``lower`` and :math:`1 - \Phi(u)` at ``upper`` (Jordan et al. 2019, gtcnormal).

    >>> import riskcore
    >>> round(float(riskcore.crps_censored_normal(0.5, 0.0, 1.0, lower=0.0)), 6)
    0.214556
    """
    return _closed_form(
        "censored_normal",
        obs,
        {"mu": mu, "sigma": sigma, "lower": lower, "upper": upper},
        {**_SIGMA, **_ORDERED},
        backend,
    )


def crps_truncated_normal(
    obs: ArrayLike,
    mu: ArrayLike = 0.0,
    sigma: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""CRPS of N(mu, sigma^2) truncated to [lower, upper] (renormalised; Thorarinsdottir &
    Gneiting 2010).

    >>> import riskcore
    >>> round(float(riskcore.crps_truncated_normal(0.5, 0.0, 1.0, lower=0.0)), 6)
    0.162807
    """
    return _closed_form(
        "truncated_normal",
        obs,
        {"mu": mu, "sigma": sigma, "lower": lower, "upper": upper},
        {**_SIGMA, **_ORDERED},
        backend,
    )


def crps_gev(
    obs: ArrayLike, shape: ArrayLike, location: ArrayLike = 0.0, scale: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""CRPS of a generalised extreme value forecast with ``shape < 1`` (Friederichs &
    Thorarinsdottir 2012); :math:`F(z) = \exp(-(1 + \xi z)^{-1/\xi})`, Gumbel at :math:`\xi = 0`.

    >>> import riskcore
    >>> round(float(riskcore.crps_gev(0.0, 0.0)), 6)
    0.322836
    """
    rules = {"shape must be < 1": lambda p: p["shape"] >= 1, **_SCALE}
    return _closed_form("gev", obs, {"shape": shape, "location": location, "scale": scale}, rules, backend)


def crps_mixnorm(
    obs: ArrayLike,
    m: ArrayLike,
    s: ArrayLike,
    w: ArrayLike | None = None,
    *,
    axis: int = -1,
    backend: str = "auto",
) -> Any:
    r"""CRPS of a mixture of normals :math:`\sum_k w_k N(m_k, s_k^2)` (weights normalised; equal
    if omitted), O(K^2) per forecast (Grimit et al. 2006):

    .. math:: \sum_k w_k A(y - m_k, s_k) - \tfrac12 \sum_{j,k} w_j w_k A(m_j - m_k, \sqrt{s_j^2 + s_k^2}),
              \quad A(\mu, \sigma) = E|N(\mu, \sigma^2)|

    Parameters
    ----------
    obs : array_like, broadcastable to ``m`` without its component axis
    m, s, w : array_like, components along ``axis``

    >>> import riskcore
    >>> round(float(riskcore.crps_mixnorm(0.0, [-1.0, 1.0], [1.0, 1.0])), 6)
    0.359409
    """
    canon = args.components(obs, m, s, w, axis)
    return canon.finish(canon.run("crps_mixnorm", backend))
