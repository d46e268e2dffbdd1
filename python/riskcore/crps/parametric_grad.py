r"""Gradients of the closed-form CRPS with respect to the distribution parameters, for training
distributional regression models (no peer has them except through autodiff).

Convention: ``crps_<family>_grad(obs, *params)`` takes the arguments of ``crps_<family>`` and returns
a tuple with one array per differentiated parameter, in argument order, each of the broadcast shape
(float32 stays float32). For a location-scale law :math:`\mathrm{CRPS} = s\,g(z)`,
:math:`z = (y - m)/s`, and since :math:`\partial_y \mathrm{CRPS} = 2F(y) - 1`,

.. math:: \partial_m \mathrm{CRPS} = 1 - 2F(z), \qquad \partial_s \mathrm{CRPS} = g(z) - z\,g'(z),

the second evaluated per family without that difference's cancellation (``kernels/crps_grad.hpp``, one
elementwise kernel per partial, on every backend). Shape parameters are not differentiated (t's df,
beta's a and b, the integer laws' n) except the shapes of the GEV, gamma, censored shifted gamma and
generalised Pareto laws; rates, scales, locations, shifts, bounds, point masses, means
and probabilities are.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _crps_args as args
from riskcore.crps.families import (
    _BETA_RULES,
    _BINOMIAL_RULES,
    _CSG0_RULES,
    _LOGLAPLACE_RULES,
    _LOGLOGISTIC_RULES,
    _NEGBINOM_RULES,
    _POISSON_RULES,
    _SCALES,
    _negbinom_prob,
)
from riskcore.crps.parametric import _MASSES, _ORDERED, _SCALE, _SIGMA, _rate_from

__all__ = [
    "crps_2pexponential_grad",
    "crps_2pnormal_grad",
    "crps_beta_grad",
    "crps_binomial_grad",
    "crps_csg0_grad",
    "crps_exponentialM_grad",
    "crps_exponential_grad",
    "crps_gamma_grad",
    "crps_gev_grad",
    "crps_gpd_grad",
    "crps_laplace_grad",
    "crps_logistic_grad",
    "crps_loglaplace_grad",
    "crps_loglogistic_grad",
    "crps_lognormal_grad",
    "crps_mixnorm_grad",
    "crps_negbinom_grad",
    "crps_normal_grad",
    "crps_poisson_grad",
    "crps_t_grad",
    "crps_uniform_grad",
]


def _gradients(
    family: str, names: tuple[str, ...], obs: Any, params: dict[str, Any], rules: dict[str, Any], backend: str
) -> tuple[Any, ...]:
    canon = args.elementwise(obs, params, rules)
    return tuple(canon.finish(canon.run_elementwise(f"grad_{family}_{name}", backend)) for name in names)


def crps_normal_grad(obs: ArrayLike, mu: ArrayLike = 0.0, sigma: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""``(d/dmu, d/dsigma)`` of :func:`crps_normal`: :math:`(1 - 2\Phi(z),\ 2\varphi(z) - 1/\sqrt\pi)`
    (Gneiting et al. 2005; properscoring's ``crps_gaussian(grad=True)``).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_normal_grad(0.5)]
    [-0.382925, 0.139941]
    """
    return _gradients("normal", ("mu", "sigma"), obs, {"mu": mu, "sigma": sigma}, _SIGMA, backend)


def crps_logistic_grad(obs: ArrayLike, mu: ArrayLike = 0.0, sigma: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""``(d/dmu, d/dsigma)`` of :func:`crps_logistic`:
    :math:`(-\tanh(z/2),\ 2|z| F(-|z|) + 2\log(1 + e^{-|z|}) - 1)`.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_logistic_grad(0.5)]
    [-0.244919, 0.325695]
    """
    return _gradients("logistic", ("mu", "sigma"), obs, {"mu": mu, "sigma": sigma}, _SIGMA, backend)


def crps_laplace_grad(
    obs: ArrayLike, location: ArrayLike = 0.0, scale: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""``(d/dlocation, d/dscale)`` of :func:`crps_laplace`:
    :math:`(-\mathrm{sign}(z)(1 - e^{-|z|}),\ (1 + |z|)e^{-|z|} - 3/4)`.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_laplace_grad(0.5)]
    [-0.393469, 0.159796]
    """
    params = {"location": location, "scale": scale}
    return _gradients("laplace", ("location", "scale"), obs, params, _SCALE, backend)


def crps_t_grad(
    obs: ArrayLike, df: ArrayLike, location: ArrayLike = 0.0, scale: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""``(d/dlocation, d/dscale)`` of :func:`crps_t` (``df > 1``, not differentiated):

    .. math:: \Big(1 - 2F_\nu(z),\ 2 f_\nu(z)\frac{\nu + z^2}{\nu - 1}
              - \frac{2\sqrt\nu B(\frac12, \nu - \frac12)}{(\nu - 1)B(\frac12, \frac\nu2)^2}\Big)

    with :math:`1 - 2F_\nu(z) = -\mathrm{sign}(z) I_{z^2/(\nu + z^2)}(\frac12, \frac\nu2)` (no cancellation).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_t_grad(0.5, 5.0)]
    [-0.361701, 0.168795]
    """
    rules = {"df must be > 1": lambda p: p["df"] <= 1, **_SCALE}
    params = {"df": df, "location": location, "scale": scale}
    return _gradients("t", ("location", "scale"), obs, params, rules, backend)


def crps_lognormal_grad(
    obs: ArrayLike, mulog: ArrayLike = 0.0, sigmalog: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""``(d/dmulog, d/dsigmalog)`` of :func:`crps_lognormal`. From :math:`\mathrm{CRPS}(cy; \mu + \log c,
    \sigma) = c\,\mathrm{CRPS}(y; \mu, \sigma)` and the closed form, with :math:`w = (\log y - \mu)/\sigma`,

    .. math:: \partial_\mu = \mathrm{CRPS} - y(2\Phi(w) - 1), \qquad
              \partial_\sigma = 2y\varphi(w) - 2\sigma e^{\mu + \sigma^2/2}[\Phi(w - \sigma) - \Phi(-\sigma/\sqrt2)]
              - e^{\mu + \sigma^2/4}/\sqrt\pi

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_lognormal_grad(2.0)]
    [-0.460744, 0.069815]
    """
    rules = {"sigmalog must be > 0": lambda p: p["sigmalog"] <= 0}
    params = {"mulog": mulog, "sigmalog": sigmalog}
    return _gradients("lognormal", ("mulog", "sigmalog"), obs, params, rules, backend)


def crps_gev_grad(
    obs: ArrayLike, shape: ArrayLike, location: ArrayLike = 0.0, scale: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""``(d/dshape, d/dlocation, d/dscale)`` of :func:`crps_gev` (``shape < 1``): with :math:`F = e^{-x}`,
    :math:`x = (1 + \xi z)^{-1/\xi}` and :func:`crps_gev`'s :math:`C(\xi)`,

    .. math:: \partial_\mu = 1 - 2F, \qquad \partial_\sigma = 2\Gamma(-\xi, x) - C(\xi) - 2zF, \qquad
              \partial_\xi = \sigma\Big[2\frac{d}{d\xi}\Gamma(-\xi, x(\xi)) - C'(\xi)\Big]

    inside the support, and the limits outside it. :math:`\frac{d}{d\xi}\Gamma(-\xi, x(\xi))` follows the
    branches of the incomplete gamma (its continued fraction differentiated in forward mode for
    :math:`x \ge 1`; for :math:`x < 1` the series form :math:`h(-\xi) + z - tS`, :math:`t = 1 + \xi z = x^{-\xi}`,
    whose :math:`z`-sized part has no slope); :math:`C'` and the slope of :math:`h(a) = (\Gamma(1 + a) - 1)/a`
    come from Taylor series near :math:`\xi = 0`, so the Gumbel case needs no limit.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_gev_grad(0.5, 0.0)]
    [0.138687, -0.090478, 0.235744]
    """
    rules = {"shape must be < 1": lambda p: p["shape"] >= 1, **_SCALE}
    params = {"shape": shape, "location": location, "scale": scale}
    return _gradients("gev", ("shape", "location", "scale"), obs, params, rules, backend)


def crps_2pnormal_grad(
    obs: ArrayLike, scale1: ArrayLike, scale2: ArrayLike, location: ArrayLike = 0.0, *, backend: str = "auto"
) -> Any:
    r"""``(d/dscale1, d/dscale2, d/dlocation)`` of :func:`crps_2pnormal`. In its notation (:math:`s` the
    scale on the observation's side, :math:`o` the other, :math:`S = s_1 + s_2`, :math:`v = |z| / s`,
    :math:`h(v) = \varphi(v) - vQ(v)`, :math:`e = [2\varphi(0)(o^2 - s^2) + 4s^2 h(v)] / S`, :math:`D` the
    half mean spread),

    .. math:: \partial_s = \frac{4 s (2h(v) + vQ(v) - \varphi(0)) - e}{S} - \partial_s D, \qquad
              \partial_o = \frac{4\varphi(0)\,o - e}{S} - \partial_o D, \qquad
              \partial_{\mathrm{location}} = -\mathrm{sign}(z)\Big(1 - \frac{4s}{S} Q(v)\Big),

    :math:`\partial_{s_1} D = [(2 - \sqrt2)s_1^3 + 3(2 - \sqrt2)s_1^2 s_2 + \sqrt2 s_1 s_2^2 + (3\sqrt2 - 4)s_2^3]
    / (\sqrt\pi S^3)` and :math:`\partial_{s_2} D` the same with the scales swapped.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_2pnormal_grad(0.3, 0.5, 2.0, 0.1)]
    [-0.307101, 0.374212, 0.472551]
    """
    params = {"scale1": scale1, "scale2": scale2, "location": location}
    return _gradients("twopnormal", ("scale1", "scale2", "location"), obs, params, _SCALES, backend)


def crps_exponential_grad(obs: ArrayLike, rate: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""``(d/drate,)`` of :func:`crps_exponential`, with :math:`x = \lambda \max(y, 0)`:

    .. math:: \partial_\lambda = \frac{2(1 - e^{-x}) - 2x e^{-x} - 1/2}{\lambda^2}.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_exponential_grad(0.3, 1.5)]
    [-0.155165]
    """
    return _gradients(
        "exponential", ("rate",), obs, {"rate": rate}, {"rate must be > 0": lambda p: p["rate"] <= 0}, backend
    )


def crps_2pexponential_grad(
    obs: ArrayLike, scale1: ArrayLike, scale2: ArrayLike, location: ArrayLike = 0.0, *, backend: str = "auto"
) -> Any:
    r"""``(d/dscale1, d/dscale2, d/dlocation)`` of :func:`crps_2pexponential`. With :math:`s` the scale on
    the observation's side, :math:`o` the other, :math:`S = s_1 + s_2`, :math:`v = |z| / s`,
    :math:`E = e^{-v} - 1` and :math:`c = (s_1^3 + s_2^3) / (2S^2)`,

    .. math:: \partial_s = \frac{4sE + 2sv e^{-v}}{S} - \frac{2s^2 E}{S^2} + \partial_s c, \qquad
              \partial_o = -\frac{2s^2 E}{S^2} + \partial_o c, \qquad
              \partial_{\mathrm{location}} = -\mathrm{sign}(z)\Big(1 - \frac{2s}{S} e^{-v}\Big),

    :math:`\partial_{s_1} c = 3s_1^2 / (2S^2) - (s_1^3 + s_2^3) / S^3`.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_2pexponential_grad(0.3, 0.5, 2.0, 0.1)]
    [-0.338192, 0.402062, 0.44774]
    """
    params = {"scale1": scale1, "scale2": scale2, "location": location}
    return _gradients("twopexponential", ("scale1", "scale2", "location"), obs, params, _SCALES, backend)


def crps_gamma_grad(
    obs: ArrayLike,
    shape: ArrayLike,
    rate: ArrayLike | None = None,
    *,
    scale: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""``(d/dshape, d/drate)`` of :func:`crps_gamma`, or ``(d/dshape, d/dscale)`` when it is called with
    ``scale`` (the shape partial is the same at a fixed rate or scale). Differentiating the closed form
    in :math:`b`, the two :math:`y\,p(by)` terms cancel exactly; in :math:`a`, with :math:`x = by`,
    :math:`g = x^a e^{-x} / \Gamma(a + 1)` and :math:`P(a + 1, x) = P(a, x) - g`,

    .. math:: \partial_b = \frac{a(2P(a + 1, by) - 1) + 1/B(\tfrac12, a)}{b^2}, \qquad
              \partial_{\mathrm{scale}} = -b^2\,\partial_b,

    .. math:: b\,\partial_a = 2(x - a)\,\partial_a P(a, x) + 2ag\,(\log x - \psi(a + 1))
              - (2P(a + 1, x) - 1) - \frac{\psi(a + \tfrac12) - \psi(a)}{B(\tfrac12, a)},

    :math:`\partial_a P` from :math:`P`'s series below :math:`x = a + 1` (term by term) and from the
    continued fraction of :math:`Q` above it (differentiated in forward mode through the Lentz recurrence).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_gamma_grad(1.0, 2.0, 1.0)]
    [0.502563, -0.928794]
    >>> [round(float(g), 6) for g in riskcore.crps_gamma_grad(1.0, 2.0, scale=1.0)]
    [0.502563, 0.928794]

    Accuracy: 5e-11 relative (1.9e-11 at the worst point of the test's sweep, a = by = 80), where the two
    terms of the numerator cancel near the mode and :math:`P`'s prefactor :math:`x^a e^{-x} / \Gamma(a+1)`
    carries an error of about :math:`\epsilon\, a \log a`.
    """
    by_scale = rate is None and scale is not None
    params = {"shape": shape, "rate": _rate_from(rate, scale)}
    rules = {"shape must be > 0": lambda p: p["shape"] <= 0, "rate must be > 0": lambda p: p["rate"] <= 0}
    return _gradients("gamma", ("shape", "scale" if by_scale else "rate"), obs, params, rules, backend)


def crps_uniform_grad(
    obs: ArrayLike,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    lmass: ArrayLike = 0.0,
    umass: ArrayLike = 0.0,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dlower, d/dupper, d/dlmass, d/dumass)`` of :func:`crps_uniform`. In its notation, with
    :math:`W = b - a`, :math:`C_0 = \kappa^2/3 + (1 - L)U` and :math:`C_1 = L - U + C_0`,

    .. math:: \partial_L = W(2F - F^2 - \tfrac23\kappa - U), \qquad \partial_U = W(1 - L - F^2 - \tfrac23\kappa),

    and :math:`(\partial_a, \partial_b)` is :math:`(1 - C_0, C_0)` below the support,
    :math:`(\kappa w^2 - 2\kappa w + 1 - 2L - C_0,\ C_0 - \kappa w^2)` on it and :math:`(-C_1, C_1 - 1)` above it
    (one-sided at :math:`w = 0, 1`, where a point mass makes the score kink).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_uniform_grad(0.3, 0.0, 1.0, 0.2, 0.1)]
    [-0.000333, 0.180333, -0.056667, 0.243333]
    """
    params = {"lower": lower, "upper": upper, "lmass": lmass, "umass": umass}
    masses = {k: v for k, v in _MASSES.items() if "finite" not in k}
    rules = {**_ORDERED, **masses}
    return _gradients("uniform", ("lower", "upper", "lmass", "umass"), obs, params, rules, backend)


_MASS = {"mass must be in [0, 1]": lambda p: (p["mass"] < 0) | (p["mass"] > 1)}


def crps_gpd_grad(
    obs: ArrayLike,
    shape: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    mass: ArrayLike = 0.0,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dshape, d/dlocation, d/dscale, d/dmass)`` of :func:`crps_gpd`. In its notation, with
    :math:`k = 1 - M`, :math:`h = 1 - S^{1 - \xi}` and :math:`L = \log S`, above the location
    (:math:`z > 0`; :math:`S = 0` beyond the upper end when :math:`\xi < 0`)

    .. math:: \partial_\mu = 2kS - 1, \qquad
              \partial_\sigma = 2kzS - \frac{2kh}{1 - \xi} + \frac{k^2}{2 - \xi}, \qquad
              \partial_M = \sigma\Big[\frac{2h}{1 - \xi} - \frac{2k}{2 - \xi}\Big],

    and :math:`(1, k^2 / (2 - \xi))` for the first two below it; in the shape

    .. math:: \partial_\xi = \sigma\Big[\frac{k^2}{(2 - \xi)^2}
              - \frac{2k}{1 - \xi}\Big(\partial_\xi h + \frac{h}{1 - \xi}\Big)\Big], \qquad
              \partial_\xi h = S^{1 - \xi}\big[L - (1 - \xi)\,\partial_\xi L\big], \qquad
              \partial_\xi L = \frac{\log(1 + \xi z) - \xi z / (1 + \xi z)}{\xi^2},

    :math:`\partial_\xi L` from its power series in :math:`\xi z` near 0 (:math:`z^2 / 2` at :math:`\xi = 0`)
    and :math:`\partial_\xi h = 0` beyond the upper end.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_gpd_grad(0.3, 0.3, 0.0, 1.5, 0.1)]
    [0.417479, 0.482244, 0.446031, -1.043422]
    """
    rules = {"shape must be < 1": lambda p: p["shape"] >= 1, **_SCALE, **_MASS}
    params = {"shape": shape, "location": location, "scale": scale, "mass": mass}
    return _gradients("gpd", ("shape", "location", "scale", "mass"), obs, params, rules, backend)


def crps_exponentialM_grad(
    obs: ArrayLike,
    mass: ArrayLike = 0.0,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dmass, d/dlocation, d/dscale)`` of :func:`crps_exponentialM`. In its notation, with
    :math:`k = 1 - M` and :math:`v = z / \sigma`, above the location

    .. math:: \partial_M = \sigma(2F - k), \qquad \partial_\mu = 2k e^{-v} - 1, \qquad
              \partial_\sigma = 2kv e^{-v} - k(2F - k/2),

    and :math:`(-\sigma k, 1, k^2/2)` below it.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_exponentialM_grad(0.5, 0.3, 0.2, 2.0)]
    [-0.842832, 0.204991, 0.23074]
    """
    rules = {**_SCALE, **_MASS}
    params = {"mass": mass, "location": location, "scale": scale}
    return _gradients("exponentialm", ("mass", "location", "scale"), obs, params, rules, backend)


def crps_beta_grad(
    obs: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    *,
    backend: str = "auto",
) -> Any:
    r"""``(d/dlower, d/dupper)`` of :func:`crps_beta` (``a``, ``b`` not differentiated). With its
    :math:`W = u - l`, :math:`w`, :math:`m = a/(a + b)` and :math:`R = 2B(2a, 2b)/(aB(a, b)^2)`, the score
    is :math:`W g(w)` with :math:`g'(w) = 2I_w(a, b) - 1`, so

    .. math:: \partial_u = g - w g' = m(1 - 2I_w(a + 1, b) - R), \qquad
              \partial_l = -g + (w - 1) g' = 1 - 2I_w(a, b) - \partial_u

    (the :math:`w`-sized terms cancel symbolically, not in floating point).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_beta_grad(0.3, 2.0, 3.0)]
    [0.14815, 0.15525]
    """
    params = {"a": a, "b": b, "lower": lower, "upper": upper}
    return _gradients("beta", ("lower", "upper"), obs, params, _BETA_RULES, backend)


def crps_csg0_grad(
    obs: ArrayLike,
    shape: ArrayLike,
    rate: ArrayLike | None = None,
    *,
    scale: ArrayLike | None = None,
    shift: ArrayLike = 0.0,
    backend: str = "auto",
) -> Any:
    r"""``(d/dshape, d/drate, d/dshift)`` of :func:`crps_csg0`, or ``(d/dshape, d/dscale, d/dshift)`` when
    it is called with ``scale`` (the shape partial is the same at a fixed rate or scale). From
    :math:`\partial\,\mathrm{CRPS} = 2\int_0^\infty (F - H)\,\partial F`, :math:`F(x) = P(a, b(x + \delta))`,
    with :math:`T = \max(y, 0) + \delta`, :math:`Q = 1 - P` and :math:`Q_1 = Q(a + 1, \cdot)`:

    .. math:: \partial_\delta = 2P(a, bT) - 1 - P(a, b\delta)^2, \qquad
              \partial_b = \frac{a Q_1(b\delta)(2 - Q_1(b\delta)) - 2a Q_1(bT)
              + Q(2a + 1, 2b\delta)/B(\tfrac12, a)}{b^2},

    evaluated in :math:`Q` form (:math:`\partial_\delta = Q_\delta(2 - Q_\delta) - 2Q_T`), and
    :math:`\partial_{\mathrm{scale}} = -b^2\partial_b`. The shape partial differentiates the closed form,
    every :math:`P` written as :math:`1 - Q`: with :math:`m(x) = 2(x - a)\,\partial_a P(a, x) + 2a\,\partial_a g`
    (:func:`crps_gamma_grad`'s, :math:`g = x^a e^{-x} / \Gamma(a + 1)`), :math:`\beta = B(\tfrac12, a + \tfrac12)/\pi`
    and :math:`Q_2 = Q(2a, 2b\delta)`,

    .. math:: b\,\partial_a = m(bT) - m(b\delta) + 2Q_1(bT) - 2Q_1(b\delta) + Q_\delta(2Q_1(b\delta) - Q_\delta)
              + 2\,\partial_a P(a, b\delta)\,(b\delta Q_\delta - a Q_1(b\delta)) + 2a Q_\delta\,\partial_a g(b\delta)
              - \beta Q_2 \big(1 + a\,\partial_a \log\beta\big) + 2a\beta\,\partial_s P(s, 2b\delta)\big|_{s = 2a},

    every term :math:`O(Q_\delta^2)` where nearly all the mass sits at 0. At :math:`\delta = 0` these are
    :func:`crps_gamma_grad`'s.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_csg0_grad(0.5, 2.0, 1.5, shift=0.4)]
    [0.201405, -0.283852, -0.233289]
    """
    by_scale = rate is None and scale is not None
    params = {"shape": shape, "rate": _rate_from(rate, scale), "shift": shift}
    return _gradients("csg0", ("shape", "scale" if by_scale else "rate", "shift"), obs, params, _CSG0_RULES, backend)


def crps_loglaplace_grad(
    obs: ArrayLike, locationlog: ArrayLike = 0.0, scalelog: ArrayLike = 0.5, *, backend: str = "auto"
) -> Any:
    r"""``(d/dlocationlog, d/dscalelog)`` of :func:`crps_loglaplace`. In its notation, from
    :math:`\mathrm{CRPS}(cy; \mu + \log c, s) = c\,\mathrm{CRPS}(y; \mu, s)` and, at fixed :math:`y`, the
    cancellation of the :math:`w` terms (:math:`\partial_y \mathrm{CRPS} = 2F - 1`):

    .. math:: \partial_\mu = e^\mu\Big[A + \frac{s}{4 - s^2}\Big], \qquad
              \partial_s = e^\mu\Big[\partial_s A\big|_w + \frac{4 + s^2}{(4 - s^2)^2}\Big],

    :math:`\partial_s A|_w = -\frac{w e^{(1+s)w}}{1 + s} + \frac{e^{(1+s)w} - 1}{(1 + s)^2}` below the median
    (:math:`-1/(1 + s)^2` for :math:`y \le 0`), :math:`\frac{w e^{-(1-s)w}}{1 - s} + \frac{e^{-(1-s)w} - 1}{(1 - s)^2}`
    above it.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_loglaplace_grad(1.0, 0.3, 0.4)]
    [0.76739, 0.186173]
    """
    params = {"locationlog": locationlog, "scalelog": scalelog}
    return _gradients("loglaplace", ("locationlog", "scalelog"), obs, params, _LOGLAPLACE_RULES, backend)


def crps_loglogistic_grad(
    obs: ArrayLike, mulog: ArrayLike = 0.0, sigmalog: ArrayLike = 0.5, *, backend: str = "auto"
) -> Any:
    r"""``(d/dmulog, d/dsigmalog)`` of :func:`crps_loglogistic`. In its notation (:math:`p = F(y)`,
    :math:`r = u/(1 - u)`), from :math:`\mathrm{CRPS}(cy; \mu + \log c, s) = c\,\mathrm{CRPS}(y; \mu, s)` and
    :math:`\partial_s F = -u(1 - u)\,\mathrm{logit}(u)/s` at :math:`u = F(z)`:

    .. math:: \partial_\mu = -e^\mu B\,(2 I_p(1 + s, 1 - s) + s - 1), \qquad
              \partial_s = -2e^\mu \int_0^1 (u - \mathbf 1\{u \ge p\})\, r^s \log r\, du,

    the integral as :math:`\frac{d}{ds}B(2 + s, 1 - s)` less :math:`\int_p^1 r^s \log r\,du`, the derivative of
    the incomplete beta function in its parameters, summed as the term-by-term derivative of its binomial
    series on whichever of :math:`[0, p]`, :math:`[p, 1]` is shorter (about 57 terms at the median, fewer in
    the tails). As :math:`s \to 1` two terms of size :math:`1/(1 - s)^2` cancel above the median, so the relative
    error there grows like :math:`\epsilon/(1 - s)^2` (2e-12 at :math:`s = 0.99`, 8e-10 at 0.999).

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_loglogistic_grad(1.0, 0.3, 0.4)]
    [0.642295, 0.487253]
    """
    params = {"mulog": mulog, "sigmalog": sigmalog}
    return _gradients("loglogistic", ("mulog", "sigmalog"), obs, params, _LOGLOGISTIC_RULES, backend)


def crps_poisson_grad(obs: ArrayLike, mean: ArrayLike, *, backend: str = "auto") -> Any:
    r"""``(d/dmean,)`` of :func:`crps_poisson`. Differentiating its sum term by term, with
    :math:`\partial_\lambda F(k) = -p(k)`,

    .. math:: \partial_\lambda \mathrm{CRPS} = -2\sum_k [\mathrm{frac}_k F(k) - (1 - \mathrm{frac}_k) S(k)]\,p(k)

    over the score's window (with the interval above its last point, whose :math:`p` is not small);
    at ``mean`` = 0 the one-sided slope.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_poisson_grad(3, 2.5)]
    [-0.271167]
    """
    return _gradients("poisson", ("mean",), obs, {"mean": mean}, _POISSON_RULES, backend)


def crps_binomial_grad(obs: ArrayLike, n: ArrayLike, prob: ArrayLike, *, backend: str = "auto") -> Any:
    r"""``(d/dprob,)`` of :func:`crps_binomial` (``n`` not differentiated), as :func:`crps_poisson_grad`
    with :math:`\partial_p F(k) = -\frac{n - k}{1 - p}\,p(k)` (:math:`= -n\,b(k; n - 1, p)`); one-sided at
    ``prob`` 0 and 1.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_binomial_grad(3, 10, 0.3)]
    [-0.070757]
    """
    return _gradients("binomial", ("prob",), obs, {"n": n, "prob": prob}, _BINOMIAL_RULES, backend)


def crps_negbinom_grad(
    obs: ArrayLike,
    n: ArrayLike,
    prob: ArrayLike | None = None,
    *,
    mu: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""``(d/dprob,)`` of :func:`crps_negbinom`, or ``(d/dmu,)`` when it is called with ``mu``
    (``n`` not differentiated), as :func:`crps_poisson_grad` with :math:`\partial_p F(k) = \frac{n + k}{p}\,p(k)`
    (:math:`F(k) = I_p(n, k + 1)`) and :math:`\partial_\mu = -\frac{p^2}{n}\partial_p`.

    >>> import riskcore
    >>> [round(float(g), 6) for g in riskcore.crps_negbinom_grad(3, 2.0, 0.4)]
    [0.337123]
    """
    params = {"n": n, "prob": _negbinom_prob(n, prob, mu)}
    return _gradients("negbinom", ("prob" if mu is None else "mu",), obs, params, _NEGBINOM_RULES, backend)


def crps_mixnorm_grad(
    obs: ArrayLike,
    m: ArrayLike,
    s: ArrayLike,
    w: ArrayLike | None = None,
    *,
    axis: int = -1,
    backend: str = "auto",
) -> Any:
    r"""``(d/dm, d/ds, d/dw)`` of :func:`crps_mixnorm`, each of the broadcast shape of the arguments with the
    components along ``axis``; O(K^2) per forecast. With :math:`\tilde w = w / W`, :math:`W = \sum_k w_k`,
    :math:`z_j = (y - m_j)/s_j`, :math:`d_{jk} = m_j - m_k`, :math:`s_{jk} = \sqrt{s_j^2 + s_k^2}`:

    .. math:: \partial_{m_j} = -\tilde w_j \Big[2\Phi(z_j) - 1 + \sum_k \tilde w_k
              \big(2\Phi(d_{jk}/s_{jk}) - 1\big)\Big], \qquad
              \partial_{s_j} = 2\tilde w_j \Big[\varphi(z_j) - s_j \sum_k \tilde w_k
              \frac{\varphi(d_{jk}/s_{jk})}{s_{jk}}\Big],

    .. math:: \partial_{w_j} = (g_j - \textstyle\sum_i \tilde w_i g_i)/W, \qquad
              g_j = A(y - m_j, s_j) - \textstyle\sum_k \tilde w_k A(d_{jk}, s_{jk}),

    the last in the raw weights: it sums to 0 against ``w`` (the score does not change with their scale).
    With ``w`` omitted it is the gradient at equal weights ``w = 1``.

    >>> import riskcore
    >>> [g.round(6).tolist() for g in riskcore.crps_mixnorm_grad(0.0, [-1.0, 1.0], [1.0, 1.0], [1.0, 3.0])]
    [[-0.012666, 0.354011], [0.046807, 0.006683], [-0.091137, 0.030379]]
    """
    canon = args.components(obs, m, s, w, axis)
    k = canon.arrays[1].shape[1]
    out = canon.run("crps_mixnorm_grad", backend, empty_shape=(3, 0, k))
    shape = (*canon.batch_shape, k)
    if canon.pandas is not None:
        return tuple(canon.finish(out[i], shape) for i in range(3))
    destination = axis % np.ndim(m) - np.ndim(m)
    return tuple(canon.xp.moveaxis(canon.finish(out[i], shape), -1, destination) for i in range(3))
