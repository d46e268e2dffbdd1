r"""Closed-form CRPS of parametric forecast distributions (normal, logistic, ..., mixtures of normals).

Every function broadcasts its arguments like a NumPy ufunc, keeps float32 as float32 and accepts
``backend="auto"|"cpu"|"cuda"|"numba"``. Invalid parameters raise ValueError naming them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _crps_args as args

__all__ = [
    "crps_censored_normal",
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
]


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
