r"""Closed-form CRPS of parametric forecast distributions (normal, logistic, ..., mixtures of normals).

Every function broadcasts its arguments like a NumPy ufunc, keeps float32 as float32 and accepts
``backend="auto"|"cpu"|"cuda"|"numba"``. Invalid parameters raise ValueError naming them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _crps_args as args
from riskcore import _validate

__all__ = [
    "crps_censored_normal",
    "crps_exponential",
    "crps_gamma",
    "crps_gev",
    "crps_gtcnormal",
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


def crps_uniform(
    obs: ArrayLike,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    lmass: ArrayLike = 0.0,
    umass: ArrayLike = 0.0,
    *,
    backend: str = "auto",
) -> Any:
    r"""CRPS of a uniform forecast on [lower, upper] (scoringrules calls these min, max), given weight
    :math:`\kappa = 1 - L - U`, with point masses :math:`L` = ``lmass`` at lower and :math:`U` =
    ``umass`` at upper (Jordan, Krueger & Lerch 2019, unif):

    .. math:: (b - a)\,[|w - F| + \kappa F^2 - (1 - 2L) F + \kappa^2/3 + (1 - L) U],
              \quad w = (y - a)/(b - a),\ F = \min(\max(w, 0), 1)

    >>> import riskcore
    >>> round(float(riskcore.crps_uniform(0.5)), 6)
    0.083333
    >>> round(float(riskcore.crps_uniform(0.3, 0.0, 1.0, 0.2, 0.1)), 6)
    0.126333
    """
    params = {"lower": lower, "upper": upper, "lmass": lmass, "umass": umass}
    masses = {k: v for k, v in _MASSES.items() if "finite" not in k}
    return _closed_form("uniform", obs, params, {**_ORDERED, **masses}, backend)


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


def crps_gamma(
    obs: ArrayLike,
    shape: ArrayLike,
    rate: ArrayLike | None = None,
    *,
    scale: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""CRPS of a gamma forecast (Scheuerer & Moeller 2015), with :math:`P` the regularised lower
    incomplete gamma function and :math:`b` the rate:

    .. math:: y(2P(a, by) - 1) - \tfrac ab (2P(a+1, by) - 1) - 1/(b\,B(\tfrac12, a))

    Exactly one of ``rate`` and ``scale = 1 / rate`` must be given (scoringrules silently uses
    rate 1 when both are omitted; riskcore raises).

    >>> import riskcore
    >>> round(float(riskcore.crps_gamma(1.0, 2.0, 1.0)), 6)
    0.457277
    >>> round(float(riskcore.crps_gamma(1.0, 2.0, scale=0.5)), 6)
    0.166341
    """
    rate = _rate_from(rate, scale)
    return _closed_form(
        "gamma",
        obs,
        {"shape": shape, "rate": rate},
        {"shape must be > 0": lambda p: p["shape"] <= 0, "rate must be > 0": lambda p: p["rate"] <= 0},
        backend,
    )


def _rate_from(rate: ArrayLike | None, scale: ArrayLike | None) -> Any:
    """``rate``, or ``1 / scale``; exactly one of them (validated as real arrays, scale > 0)."""
    if (rate is None) == (scale is None):
        raise ValueError("give exactly one of rate and scale")
    if rate is not None:
        return rate
    scale_a = _validate.real_array(scale, "scale", low=0.0, interval="(]")
    return 1.0 / scale_a


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
    :math:`\Phi(l)` at ``lower`` and :math:`1 - \Phi(u)` at ``upper`` (Jordan et al. 2019, cnormal;
    :func:`crps_gtcnormal` with those masses). Exact far in the tails (see :func:`crps_gtcnormal`).

    >>> import riskcore
    >>> round(float(riskcore.crps_censored_normal(0.5, 0.0, 1.0, lower=0.0)), 6)
    0.214556
    >>> float(riskcore.crps_censored_normal(0.5, -10.0, 1.0, lower=0.0))  # all mass at 0
    0.5
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
    Gneiting 2010; :func:`crps_gtcnormal` without point masses). Exact far in the tails.

    >>> import riskcore
    >>> round(float(riskcore.crps_truncated_normal(0.5, 0.0, 1.0, lower=0.0)), 6)
    0.162807
    >>> round(float(riskcore.crps_truncated_normal(6.1, 0.0, 1.0, lower=6.0)), 7)
    0.0310597
    """
    return _closed_form(
        "truncated_normal",
        obs,
        {"mu": mu, "sigma": sigma, "lower": lower, "upper": upper},
        {**_SIGMA, **_ORDERED},
        backend,
    )


_MASSES = {
    "lmass must be in [0, 1]": lambda p: (p["lmass"] < 0) | (p["lmass"] > 1),
    "umass must be in [0, 1]": lambda p: (p["umass"] < 0) | (p["umass"] > 1),
    "lmass + umass must be < 1": lambda p: p["lmass"] + p["umass"] >= 1,
    "lmass > 0 needs a finite lower": lambda p: (p["lmass"] > 0) & ~np.isfinite(p["lower"]),
    "umass > 0 needs a finite upper": lambda p: (p["umass"] > 0) & ~np.isfinite(p["upper"]),
}


def crps_gtcnormal(
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
    r"""CRPS of the generalised truncated/censored normal (Jordan, Krueger & Lerch 2019, gtcnormal):
    N(location, scale^2) truncated to [lower, upper], given weight :math:`\kappa = 1 - L - U`, with
    point masses :math:`L` = ``lmass`` at ``lower`` and :math:`U` = ``umass`` at ``upper``.

    With :math:`c = \min(\max(y, l), u)`, :math:`F_T` the truncated CDF and :math:`S_T = 1 - F_T`,

    .. math:: |y - c| + L^2 (c - l) + 2L\kappa\!\int_l^c\!F_T + \kappa^2\!\int_l^c\!F_T^2
              + U^2 (u - c) + 2U\kappa\!\int_c^u\!S_T + \kappa^2\!\int_c^u\!S_T^2,

    a sum of non-negative terms; the integrals are evaluated relative to the tail the interval lies in
    (scaled Mills ratios from ``erfcx``, asymptotic series beyond 10 sigma), so the score keeps
    ~1e-13 relative accuracy when [lower, upper] lies arbitrarily far in a tail (scoringrules and
    the textbook formula lose all digits past ~6 sigma).

    >>> import riskcore
    >>> round(float(riskcore.crps_gtcnormal(0.5, 0.0, 1.0, lower=0.0, lmass=0.5)), 6)  # = censored
    0.214556
    """
    return _closed_form(
        "gtcnormal",
        obs,
        {"location": location, "scale": scale, "lower": lower, "upper": upper, "lmass": lmass, "umass": umass},
        {**_SCALE, **_ORDERED, **_MASSES},
        backend,
    )


def crps_gev(
    obs: ArrayLike, shape: ArrayLike, location: ArrayLike = 0.0, scale: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""CRPS of a generalised extreme value forecast with ``shape < 1`` (Friederichs &
    Thorarinsdottir 2012); :math:`F(z) = \exp(-x)`, :math:`x = (1 + \xi z)^{-1/\xi}`, Gumbel at
    :math:`\xi = 0`. Inside the support, with the upper incomplete gamma function
    :math:`\Gamma(-\xi, x)` (:math:`E_1(x)` at :math:`\xi = 0`),

    .. math:: s\,[-z + 2\Gamma(-\xi, x) - C(\xi)], \quad C(\xi) = (1 - (2 - 2^\xi)\Gamma(1 - \xi))/\xi,

    evaluated without the :math:`1/\xi` cancellation of the textbook form (exact as :math:`\xi \to 0`).

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
    r"""CRPS of a mixture of normals :math:`\sum_k w_k N(m_k, s_k^2)`, O(K^2) per forecast (Grimit
    et al. 2006). ``w`` is normalised to sum to 1 along ``axis`` (equal weights if omitted), so
    ``w`` and ``10 * w`` give the same score, as in scoringrules:

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
