r"""Closed-form CRPS of the further parametric families of scoringrules 0.10 (two-piece, beta, censored
shifted gamma, generalised Pareto, log-Laplace, log-logistic, exponential with a point mass, logistic and
t on intervals with point masses) and of the integer-valued laws (binomial, Poisson, negative binomial,
hypergeometric).

Every function broadcasts its arguments like a NumPy ufunc, keeps float32 as float32, accepts
``backend="auto"|"cpu"|"cuda"|"numba"`` and raises ValueError naming an invalid parameter (scoringrules
returns a number or NaN there). The kernels are in ``kernels/crps_families.hpp``,
``kernels/crps_truncated.hpp`` and ``kernels/crps_discrete.hpp``, shared by the cpu, cuda and numba
backends.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore.crps.parametric import _MASSES, _ORDERED, _SCALE, _closed_form, _rate_from

__all__ = [
    "crps_2pexponential",
    "crps_2pnormal",
    "crps_beta",
    "crps_binomial",
    "crps_clogistic",
    "crps_cnormal",
    "crps_csg0",
    "crps_ct",
    "crps_exponentialM",
    "crps_gpd",
    "crps_gtclogistic",
    "crps_gtct",
    "crps_hypergeometric",
    "crps_loglaplace",
    "crps_loglogistic",
    "crps_negbinom",
    "crps_poisson",
    "crps_tlogistic",
    "crps_tnormal",
    "crps_tt",
]

_SCALES = {
    "scale1 must be > 0": lambda p: p["scale1"] <= 0,
    "scale2 must be > 0": lambda p: p["scale2"] <= 0,
}
_DF = {"df must be > 1": lambda p: p["df"] <= 1}


MAX_EXACT_INTEGER = 2.0**53  # beyond it float64 has no unit steps (k + 1 == k): no pmf window to walk


def _integer(name: str, low: float = 0.0) -> dict[str, Any]:
    """A whole-number parameter of an integer law, from ``low`` to 2^53 (float64's exact integers; inf
    is left to the spread rules, which name the parameters that make the law too wide)."""
    return {
        f"{name} must be an integer in [{low:g}, 2^53]": lambda p: (
            (p[name] < low) | ((p[name] > MAX_EXACT_INTEGER) & (p[name] < np.inf)) | (p[name] != np.floor(p[name]))
        )
    }


MAX_SD = 1e5  # the integer laws sum over ~45 standard deviations per element


def _spread(names: str, sd: Any) -> dict[str, Any]:
    """The integer laws' work limit: ``sd(params)`` (their standard deviation) at most MAX_SD."""
    message = f"{names} give a standard deviation above {MAX_SD:g} (the score sums over ~45 of them)"
    return {message: lambda p: sd(p) > MAX_SD}


def _probability(name: str, *, zero: bool = True) -> dict[str, Any]:
    message = f"{name} must be in [0, 1]" if zero else f"{name} must be in (0, 1]"
    return {message: lambda p: (p[name] < 0 if zero else p[name] <= 0) | (p[name] > 1)}


def crps_2pexponential(
    obs: ArrayLike, scale1: ArrayLike, scale2: ArrayLike, location: ArrayLike = 0.0, *, backend: str = "auto"
) -> Any:
    r"""CRPS of the two-piece exponential law: density :math:`e^{-|z|/s}/(s_1 + s_2)`, ``s = scale1`` below
    the location and ``scale2`` above (Jordan, Krueger & Lerch 2019, 2pexp). With :math:`z = y - \mu`
    and :math:`s` the scale on y's side,

    .. math:: |z| + \frac{2 s^2}{s_1 + s_2}\,(e^{-|z|/s} - 1) + \frac{s_1^3 + s_2^3}{2 (s_1 + s_2)^2}

    >>> import riskcore
    >>> round(float(riskcore.crps_2pexponential(0.7, 0.5, 2.0, 0.1)), 6)
    0.420618
    """
    params = {"scale1": scale1, "scale2": scale2, "location": location}
    return _closed_form("twopexponential", obs, params, _SCALES, backend)


def crps_2pnormal(
    obs: ArrayLike, scale1: ArrayLike, scale2: ArrayLike, location: ArrayLike = 0.0, *, backend: str = "auto"
) -> Any:
    r"""CRPS of the two-piece normal law (Gneiting & Thorarinsdottir 2010): half-normals of scales
    ``scale1`` below and ``scale2`` above the location, density
    :math:`\tfrac{2}{s_1 + s_2}\varphi(z / s)`. As a mixture, :math:`X = -s_1|Z|` with probability
    :math:`s_1 / S` and :math:`s_2|Z|` with probability :math:`s_2 / S` (:math:`S = s_1 + s_2`), so
    :math:`E|X - y| - \tfrac12 E|X - X'|` is, with :math:`s` the scale on the observation's side, :math:`o`
    the other one, :math:`t = |z|`, :math:`v = t / s` and :math:`h(v) = \varphi(v) - vQ(v)`,

    .. math:: t + \frac{2\varphi(0)(o^2 - s^2) + 4s^2 h(v)}{S}
              - \frac{\sqrt2\,s_1 s_2 S + (2 - \sqrt2)(s_1^3 + s_2^3)}{\sqrt\pi\,S^2},

    one normal cdf and density per element (scoringrules writes it as two :func:`crps_gtcnormal` terms:
    the same function). Every term after :math:`t` is :math:`O(S)`, so the tails keep full precision.
    Gradients: :func:`crps_2pnormal_grad`.

    >>> import riskcore
    >>> round(float(riskcore.crps_2pnormal(0.0, 0.4, 2.0, 0.1)), 6)
    0.72432
    """
    params = {"scale1": scale1, "scale2": scale2, "location": location}
    return _closed_form("twopnormal", obs, params, _SCALES, backend)


_BETA_RULES = {"a must be > 0": lambda p: p["a"] <= 0, "b must be > 0": lambda p: p["b"] <= 0, **_ORDERED}


def crps_beta(
    obs: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    *,
    backend: str = "auto",
) -> Any:
    r"""CRPS of the beta law with shapes ``a``, ``b`` on [lower, upper] (Taillardat et al. 2016), with
    :math:`w = (y - l)/(u - l)` and :math:`I_w` the regularised incomplete beta function:

    .. math:: (u - l)\Big[w (2 I_w(a, b) - 1) + \frac{a}{a + b}\Big(1 - 2 I_w(a + 1, b)
              - \frac{2 B(2a, 2b)}{a B(a, b)^2}\Big)\Big]

    with :math:`I_w(a + 1, b) = I_w(a, b) - w^a (1 - w)^b / (a B(a, b))` (one continued fraction for both)
    and the ratio of beta functions by the duplication formula. Relative accuracy 5e-12 for shapes up to
    400 (against mpmath; near the median of a = b = 400 the score is a difference of terms 5x its size).

    >>> import riskcore
    >>> round(float(riskcore.crps_beta(0.3, 2.0, 3.0)), 6)
    0.06423
    """
    return _closed_form("beta", obs, {"a": a, "b": b, "lower": lower, "upper": upper}, _BETA_RULES, backend)


_CSG0_RULES = {
    "shape must be > 0": lambda p: p["shape"] <= 0,
    "rate must be > 0": lambda p: p["rate"] <= 0,
    "shift must be >= 0": lambda p: p["shift"] < 0,
}


def crps_csg0(
    obs: ArrayLike,
    shape: ArrayLike,
    rate: ArrayLike | None = None,
    *,
    scale: ArrayLike | None = None,
    shift: ArrayLike = 0.0,
    backend: str = "auto",
) -> Any:
    r"""CRPS of the censored shifted gamma law :math:`\max(X - \delta, 0)`, :math:`X \sim
    \Gamma(a, \text{rate } b)`, :math:`\delta` = ``shift`` (Scheuerer & Hamill 2015). With
    :math:`t = y + \delta`, :math:`P` the regularised lower incomplete gamma function,
    :math:`F_\delta = P(a, b\delta)`, :math:`F^1_\delta = P(a + 1, b\delta)`, for :math:`y \ge 0`

    .. math:: t(2P(a, bt) - 1) - \frac{a}{b\pi} B(\tfrac12, a + \tfrac12)(1 - P(2a, 2b\delta))
              + \frac ab (1 + 2F_\delta F^1_\delta - F_\delta^2 - 2P(a + 1, bt)) - \delta F_\delta^2

    and :math:`-y` plus the score at 0 below 0. Exactly one of ``rate`` and ``scale`` (as for
    :func:`crps_gamma`). Where nearly all the mass sits at 0 the score is tiny and these O(a/b) terms
    cancel: ~1e-15 absolute there, ~1e-12 relative elsewhere.

    >>> import riskcore
    >>> round(float(riskcore.crps_csg0(0.5, 2.0, 1.5, shift=0.4)), 6)
    0.223248
    """
    params = {"shape": shape, "rate": _rate_from(rate, scale), "shift": shift}
    return _closed_form("csg0", obs, params, _CSG0_RULES, backend)


def crps_gpd(
    obs: ArrayLike,
    shape: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    mass: ArrayLike = 0.0,
    *,
    backend: str = "auto",
) -> Any:
    r"""CRPS of the generalised Pareto law (shape :math:`\xi < 1`) with a point mass :math:`M` =
    ``mass`` at the location (Friederichs & Thorarinsdottir 2012). With :math:`S = (1 + \xi z)^{-1/\xi}`
    the survival function (:math:`e^{-z}` at :math:`\xi = 0`, taken through ``log1p``),

    .. math:: \sigma\Big[|z| - \frac{2(1 - M)(1 - S^{1 - \xi})}{1 - \xi} + \frac{(1 - M)^2}{2 - \xi}\Big]

    >>> import riskcore
    >>> round(float(riskcore.crps_gpd(0.3, 0.3, 0.0, 1.5)), 6)
    0.637539
    """
    rules = {
        "shape must be < 1": lambda p: p["shape"] >= 1,
        **_SCALE,
        "mass must be in [0, 1]": lambda p: (p["mass"] < 0) | (p["mass"] > 1),
    }
    params = {"shape": shape, "location": location, "scale": scale, "mass": mass}
    return _closed_form("gpd", obs, params, rules, backend)


def crps_exponentialM(
    obs: ArrayLike,
    mass: ArrayLike = 0.0,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    *,
    backend: str = "auto",
) -> Any:
    r"""CRPS of the exponential law of ``scale`` shifted to ``location`` with a point mass :math:`M` =
    ``mass`` there (Jordan, Krueger & Lerch 2019, expM). With :math:`z = y - \mu` and
    :math:`F = 1 - e^{-z/\sigma}` for :math:`z > 0` (0 below),

    .. math:: |z| - 2\sigma (1 - M) F + \tfrac12 \sigma (1 - M)^2

    >>> import riskcore
    >>> round(float(riskcore.crps_exponentialM(0.5, 0.3, 0.2, 2.0)), 6)
    0.399982
    """
    rules = {**_SCALE, "mass must be in [0, 1]": lambda p: (p["mass"] < 0) | (p["mass"] > 1)}
    params = {"mass": mass, "location": location, "scale": scale}
    return _closed_form("exponentialm", obs, params, rules, backend)


_LOGLAPLACE_RULES = {"scalelog must be in (0, 1)": lambda p: (p["scalelog"] <= 0) | (p["scalelog"] >= 1)}
_LOGLOGISTIC_RULES = {"sigmalog must be in (0, 1)": lambda p: (p["sigmalog"] <= 0) | (p["sigmalog"] >= 1)}


def crps_loglaplace(
    obs: ArrayLike, locationlog: ArrayLike = 0.0, scalelog: ArrayLike = 0.5, *, backend: str = "auto"
) -> Any:
    r"""CRPS of the log-Laplace law, :math:`\log X` Laplace(``locationlog``, ``scalelog`` = s < 1)
    (Jordan, Krueger & Lerch 2019). With :math:`w = (\log y - \mu)/s`, :math:`F = e^w/2` below the
    median and :math:`1 - e^{-w}/2` above,

    .. math:: y(2F - 1) + e^\mu\Big[A + \frac{s}{4 - s^2}\Big], \quad
              A = \frac{1 - (2F)^{1+s}}{1 + s} \ (w < 0), \quad -\frac{1 - (2(1 - F))^{1-s}}{1 - s} \ (w \ge 0)

    >>> import riskcore
    >>> round(float(riskcore.crps_loglaplace(1.0, 0.3, 0.4)), 6)
    0.239757
    """
    params = {"locationlog": locationlog, "scalelog": scalelog}
    return _closed_form("loglaplace", obs, params, _LOGLAPLACE_RULES, backend)


def crps_loglogistic(
    obs: ArrayLike, mulog: ArrayLike = 0.0, sigmalog: ArrayLike = 0.5, *, backend: str = "auto"
) -> Any:
    r"""CRPS of the log-logistic law, :math:`\log X` logistic(``mulog``, ``sigmalog`` = s < 1) (Jordan,
    Krueger & Lerch 2019). With :math:`F = 1/(1 + e^{-(\log y - \mu)/s})` and
    :math:`B = B(1 + s, 1 - s) = \pi s / \sin(\pi s)`,

    .. math:: y(2F - 1) - e^\mu B\,(2 I_F(1 + s, 1 - s) + s - 1)

    >>> import riskcore
    >>> round(float(riskcore.crps_loglogistic(1.0, 0.3, 0.4)), 6)
    0.283938
    """
    return _closed_form("loglogistic", obs, {"mulog": mulog, "sigmalog": sigmalog}, _LOGLOGISTIC_RULES, backend)


def _interval(location: Any, scale: Any, lower: Any, upper: Any) -> dict[str, Any]:
    return {"location": location, "scale": scale, "lower": lower, "upper": upper}


def crps_gtclogistic(
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
    r"""CRPS of the generalised truncated/censored logistic law (Jordan, Krueger & Lerch 2019,
    gtclogis): logistic(location, scale) truncated to [lower, upper], given weight
    :math:`1 - L - U`, with point masses :math:`L` = ``lmass`` at lower and :math:`U` = ``umass``
    at upper. Evaluated as the sum of non-negative integrals of :func:`crps_gtcnormal`, with
    :math:`\int_x^\infty S = \log(1 + e^{-x})` and :math:`\int_x^\infty S^2 = \log(1 + e^{-x}) - S(x)`
    taken relative to the tail the interval lies in (series where they would cancel), so it stays
    exact to ~1e-13 however far out [lower, upper] lies.

    >>> import riskcore
    >>> round(float(riskcore.crps_gtclogistic(0.3, 0.0, 1.0, -1.0, 2.0, 0.1, 0.2)), 6)
    0.334878
    """
    params = {**_interval(location, scale, lower, upper), "lmass": lmass, "umass": umass}
    return _closed_form("gtclogistic", obs, params, {**_SCALE, **_ORDERED, **_MASSES}, backend)


def crps_tlogistic(
    obs: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""CRPS of the logistic law truncated to [lower, upper] (renormalised): :func:`crps_gtclogistic`
    without point masses.

    >>> import riskcore
    >>> round(float(riskcore.crps_tlogistic(5.5, 0.0, 1.0, 5.0)), 6)
    0.214266
    """
    return _closed_form("tlogistic", obs, _interval(location, scale, lower, upper), {**_SCALE, **_ORDERED}, backend)


def crps_clogistic(
    obs: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""CRPS of the logistic law censored to [lower, upper]: :func:`crps_gtclogistic` with the tail
    masses :math:`F(l)` at lower and :math:`1 - F(u)` at upper.

    >>> import riskcore
    >>> round(float(riskcore.crps_clogistic(0.5, 0.0, 1.0, 0.0, 2.0)), 6)
    0.247282
    """
    return _closed_form("clogistic", obs, _interval(location, scale, lower, upper), {**_SCALE, **_ORDERED}, backend)


def crps_gtct(
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
    r"""CRPS of the generalised truncated/censored Student t law with ``df > 1`` (Jordan, Krueger &
    Lerch 2019, gtct), evaluated as the sum of non-negative integrals of :func:`crps_gtcnormal` with,
    for the t survival function :math:`S`, density :math:`f` and :math:`G = f (\nu + x^2)/(\nu - 1)`,

    .. math:: \int_x^\infty S = G - xS, \qquad \int_x^\infty S^2 = 2SG - xS^2 - \frac{2K(x)}{\nu - 1},

    :math:`K(x) = \int_x^\infty f^2 (\nu + t^2)\,dt` a scaled :math:`t_{2\nu - 1}` tail. Tails are
    polynomial, so these cancel by a factor of about :math:`\min(x^2, 4\nu)` beyond the mode, and an
    interval [lower, upper] far out and short relative to its distance loses a further factor
    lower / (upper - lower): ~1e-12 relative for intervals reaching to infinity or of comparable
    length, ~1e-10 for [40, 41].

    >>> import riskcore
    >>> round(float(riskcore.crps_gtct(0.3, 3.0, 0.0, 1.0, -1.0, 2.0, 0.1, 0.2)), 6)
    0.299869
    """
    params = {"df": df, **_interval(location, scale, lower, upper), "lmass": lmass, "umass": umass}
    return _closed_form("gtct", obs, params, {**_DF, **_SCALE, **_ORDERED, **_MASSES}, backend)


def crps_tt(
    obs: ArrayLike,
    df: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""CRPS of the Student t law truncated to [lower, upper]: :func:`crps_gtct` without point masses.

    >>> import riskcore
    >>> round(float(riskcore.crps_tt(5.5, 3.0, 0.0, 1.0, 5.0)), 6)
    0.70276
    """
    params = {"df": df, **_interval(location, scale, lower, upper)}
    return _closed_form("tt", obs, params, {**_DF, **_SCALE, **_ORDERED}, backend)


def crps_ct(
    obs: ArrayLike,
    df: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""CRPS of the Student t law censored to [lower, upper]: :func:`crps_gtct` with the tail masses
    :math:`F(l)`, :math:`1 - F(u)` at the bounds.

    >>> import riskcore
    >>> round(float(riskcore.crps_ct(0.5, 4.0, 0.0, 1.0, 0.0, 2.0)), 6)
    0.221672
    """
    params = {"df": df, **_interval(location, scale, lower, upper)}
    return _closed_form("ct", obs, params, {**_DF, **_SCALE, **_ORDERED}, backend)


def crps_tnormal(
    obs: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""scoringrules' name (and argument names) for :func:`crps_truncated_normal`.

    >>> import riskcore
    >>> round(float(riskcore.crps_tnormal(6.1, 0.0, 1.0, 6.0)), 7)
    0.0310597
    """
    return _closed_form(
        "truncated_normal", obs, _interval(location, scale, lower, upper), {**_SCALE, **_ORDERED}, backend
    )


def crps_cnormal(
    obs: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""scoringrules' name (and argument names) for :func:`crps_censored_normal`.

    >>> import riskcore
    >>> round(float(riskcore.crps_cnormal(0.5, 0.0, 1.0, 0.0)), 6)
    0.214556
    """
    return _closed_form(
        "censored_normal", obs, _interval(location, scale, lower, upper), {**_SCALE, **_ORDERED}, backend
    )


# ------------------------------------------------------------------------------- integer laws
# (kernels/crps_discrete.hpp; inf parameters fail the spread rule, so no window is endless)
BINOMIAL_SPREAD = _spread(
    "n and prob", lambda p: np.where(np.isinf(p["n"]), np.inf, np.sqrt(p["n"] * p["prob"] * (1 - p["prob"])))
)
POISSON_SPREAD = _spread("mean", lambda p: np.sqrt(p["mean"]))
NEGBINOM_SPREAD = _spread("n and prob", lambda p: np.sqrt(p["n"] * (1 - p["prob"])) / p["prob"])
HYPERGEOMETRIC_SPREAD = _spread("k", lambda p: np.where(np.isinf(p["k"]), np.inf, np.sqrt(p["k"])))
_BINOMIAL_RULES = {**_integer("n"), **_probability("prob"), **BINOMIAL_SPREAD}
_POISSON_RULES = {"mean must be >= 0": lambda p: p["mean"] < 0, **POISSON_SPREAD}
_NEGBINOM_RULES = {"n must be > 0": lambda q: q["n"] <= 0, **_probability("prob", zero=False), **NEGBINOM_SPREAD}


def crps_binomial(obs: ArrayLike, n: ArrayLike, prob: ArrayLike, *, backend: str = "auto") -> Any:
    r"""CRPS of the binomial law with ``n`` trials and success probability ``prob``:

    .. math:: \int (F(z) - \mathbf 1\{y \le z\})^2\,dz = \sum_k \int_k^{k+1} (F(k) - \mathbf 1\{y \le z\})^2\,dz

    F is a step function, so the score is :math:`\sum_k \mathrm{frac}_k F(k)^2 + (1 - \mathrm{frac}_k)
    S(k)^2`, :math:`\mathrm{frac}_k = \min(\max(y - k, 0), 1)`: non-negative terms over the window
    around the mode outside which the mass is below 1e-22, the pmf from its ratios normalised over the
    window, F summed from below and S from above (exact in both tails; O(standard deviation) work).

    >>> import riskcore
    >>> round(float(riskcore.crps_binomial(3, 10, 0.3)), 6)
    0.317323
    """
    return _closed_form("binomial", obs, {"n": n, "prob": prob}, _BINOMIAL_RULES, backend)


def crps_poisson(obs: ArrayLike, mean: ArrayLike, *, backend: str = "auto") -> Any:
    r"""CRPS of the Poisson law with ``mean`` >= 0 (the sum below; scoringrules' Bessel form gives
    NaN from mean ~ 700 on):

    .. math:: \sum_k \int_k^{k+1} (F(k) - \mathbf 1\{y \le z\})^2\,dz

    F is a step function, so the score is :math:`\sum_k \mathrm{frac}_k F(k)^2 + (1 - \mathrm{frac}_k)
    S(k)^2`, :math:`\mathrm{frac}_k = \min(\max(y - k, 0), 1)`: non-negative terms over the window
    around the mode outside which the mass is below 1e-22, the pmf from its ratios normalised over the
    window, F summed from below and S from above (exact in both tails; O(standard deviation) work).

    >>> import riskcore
    >>> round(float(riskcore.crps_poisson(3, 2.5)), 6)
    0.457609
    """
    return _closed_form("poisson", obs, {"mean": mean}, _POISSON_RULES, backend)


def _negbinom_prob(n: Any, prob: Any, mu: Any) -> Any:
    """``prob``, or n / (n + mu); exactly one of them."""
    if (prob is None) == (mu is None):
        raise ValueError("give exactly one of prob and mu")
    if prob is not None:
        return prob
    from riskcore import _arrays, _validate

    n_a = _validate.real_array(n, "n")
    mu_a = _validate.real_array(mu, "mu", low=0.0, interval="[)")
    _arrays.broadcast_shape({"n": n_a.shape, "mu": mu_a.shape})
    return n_a / (n_a + mu_a)


def crps_negbinom(
    obs: ArrayLike,
    n: ArrayLike,
    prob: ArrayLike | None = None,
    *,
    mu: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""CRPS of the negative binomial law, pmf :math:`\binom{k + n - 1}{k} p^n (1 - p)^k`, ``n > 0``
    (real), given ``prob`` = p in (0, 1] or the mean ``mu`` (p = n / (n + mu)):

    .. math:: \sum_k \int_k^{k+1} (F(k) - \mathbf 1\{y \le z\})^2\,dz

    F is a step function, so the score is :math:`\sum_k \mathrm{frac}_k F(k)^2 + (1 - \mathrm{frac}_k)
    S(k)^2`, :math:`\mathrm{frac}_k = \min(\max(y - k, 0), 1)`: non-negative terms over the window
    around the mode outside which the mass is below 1e-22, the pmf from its ratios normalised over the
    window, F summed from below and S from above (exact in both tails; O(standard deviation) work).

    >>> import riskcore
    >>> round(float(riskcore.crps_negbinom(3, 2.0, 0.4)), 6)
    0.638053
    """
    return _closed_form("negbinom", obs, {"n": n, "prob": _negbinom_prob(n, prob, mu)}, _NEGBINOM_RULES, backend)


def crps_hypergeometric(obs: ArrayLike, m: ArrayLike, n: ArrayLike, k: ArrayLike, *, backend: str = "auto") -> Any:
    r"""CRPS of the hypergeometric law of the successes in ``k`` draws without replacement from ``m``
    successes and ``n`` failures (scoringRules' arguments), pmf :math:`\binom mx \binom n{k-x} /
    \binom{m+n}k`:

    .. math:: \sum_x \int_x^{x+1} (F(x) - \mathbf 1\{y \le z\})^2\,dz

    F is a step function, so the score is :math:`\sum_k \mathrm{frac}_k F(k)^2 + (1 - \mathrm{frac}_k)
    S(k)^2`, :math:`\mathrm{frac}_k = \min(\max(y - k, 0), 1)`: non-negative terms over the window
    around the mode outside which the mass is below 1e-22, the pmf from its ratios normalised over the
    window, F summed from below and S from above (exact in both tails; O(standard deviation) work).

    >>> import riskcore
    >>> round(float(riskcore.crps_hypergeometric(2, 5, 7, 4)), 6)
    0.20804
    """
    rules = {
        **_integer("m"),
        **_integer("n"),
        **_integer("k"),
        "k must be <= m + n": lambda p: p["k"] > p["m"] + p["n"],
        **HYPERGEOMETRIC_SPREAD,
    }
    return _closed_form("hypergeometric", obs, {"m": m, "n": n, "k": k}, rules, backend)
