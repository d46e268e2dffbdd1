r"""Log scores :math:`-\log f(y)` of the parametric families (scoringrules 0.10's ``logs_*``), and the
log and ranked log scores of probability forecasts of events and ordered categories.

The parametric ones broadcast like NumPy ufuncs, keep float32 as float32 and run the kernels of
``kernels/log_scores.hpp`` on the cpu, cuda and numba backends (``backend=``). Observations outside the
support score +inf; for the integer-valued laws so does a non-integer observation (its pmf is 0).
Truncated laws take their interval's mass in log space from the tail it lies in (exact however far
out). Invalid parameters raise ValueError naming them.

References: Good (1952), J. R. Stat. Soc. B 14; Gneiting & Raftery (2007), JASA 102.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _arrays, _validate
from riskcore import _crps_args as args
from riskcore.crps.families import _DF, _SCALES, _integer, _negbinom_prob, _probability
from riskcore.crps.parametric import _ORDERED, _SCALE, _SIGMA, _closed_form, _rate_from

__all__ = [
    "log_score",
    "logs_2pexponential",
    "logs_2pnormal",
    "logs_beta",
    "logs_binomial",
    "logs_exponential",
    "logs_exponential2",
    "logs_gamma",
    "logs_gev",
    "logs_gpd",
    "logs_hypergeometric",
    "logs_laplace",
    "logs_logistic",
    "logs_loglaplace",
    "logs_loglogistic",
    "logs_lognormal",
    "logs_mixnorm",
    "logs_negbinom",
    "logs_normal",
    "logs_poisson",
    "logs_t",
    "logs_tlogistic",
    "logs_tnormal",
    "logs_tt",
    "logs_uniform",
    "rls_score",
]


def _logs(name: str, obs: Any, params: dict[str, Any], rules: dict[str, Any], backend: str) -> Any:
    return _closed_form(f"logs_{name}", obs, params, rules, backend)


def logs_normal(
    obs: ArrayLike, mu: ArrayLike = 0.0, sigma: ArrayLike = 1.0, *, negative: bool = True, backend: str = "auto"
) -> Any:
    r"""Log score of N(mu, sigma^2): :math:`\tfrac12 z^2 + \log\sigma + \tfrac12\log 2\pi`,
    :math:`z = (y - \mu)/\sigma`; ``negative=False`` gives the log density itself (scoringrules'
    convention).

    >>> import riskcore
    >>> round(float(riskcore.logs_normal(0.0)), 6)
    0.918939
    """
    out = _logs("normal", obs, {"mu": mu, "sigma": sigma}, _SIGMA, backend)
    if not isinstance(negative, bool | np.bool_):
        raise TypeError(f"negative must be a bool, got {type(negative).__name__}")
    return out if negative else -out


def logs_logistic(obs: ArrayLike, mu: ArrayLike = 0.0, sigma: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""Log score of the logistic law: :math:`|z| + 2\log(1 + e^{-|z|}) + \log\sigma`.

    >>> import riskcore
    >>> round(float(riskcore.logs_logistic(0.0)), 6)
    1.386294
    """
    return _logs("logistic", obs, {"mu": mu, "sigma": sigma}, _SIGMA, backend)


def logs_laplace(obs: ArrayLike, location: ArrayLike = 0.0, scale: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""Log score of the Laplace law: :math:`|y - \mu|/s + \log 2s`.

    >>> import riskcore
    >>> round(float(riskcore.logs_laplace(1.0)), 6)
    1.693147
    """
    return _logs("laplace", obs, {"location": location, "scale": scale}, _SCALE, backend)


def logs_t(
    obs: ArrayLike, df: ArrayLike, location: ArrayLike = 0.0, scale: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""Log score of the Student t law (``df > 0``):
    :math:`-\log\frac{\Gamma(\frac{\nu+1}2)}{\sqrt{\nu\pi}\Gamma(\frac\nu2)} + \frac{\nu+1}2\log(1 + z^2/\nu) + \log s`.

    >>> import riskcore
    >>> round(float(riskcore.logs_t(0.0, 5.0)), 6)
    0.96862
    """
    rules = {"df must be > 0": lambda p: p["df"] <= 0, **_SCALE}
    return _logs("t", obs, {"df": df, "location": location, "scale": scale}, rules, backend)


def logs_exponential(obs: ArrayLike, rate: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""Log score of the exponential law: :math:`\lambda y - \log\lambda` for :math:`y \ge 0`.

    >>> import riskcore
    >>> round(float(riskcore.logs_exponential(1.0, 2.0)), 6)
    1.306853
    """
    return _logs("exponential", obs, {"rate": rate}, {"rate must be > 0": lambda p: p["rate"] <= 0}, backend)


def logs_exponential2(
    obs: ArrayLike, location: ArrayLike = 0.0, scale: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""Log score of the exponential law of ``scale`` shifted to ``location``: :math:`(y - \mu)/s + \log s`.

    >>> import riskcore
    >>> round(float(riskcore.logs_exponential2(1.0, 0.5, 2.0)), 6)
    0.943147
    """
    return _logs("exponential2", obs, {"location": location, "scale": scale}, _SCALE, backend)


def logs_2pexponential(
    obs: ArrayLike, scale1: ArrayLike, scale2: ArrayLike, location: ArrayLike = 0.0, *, backend: str = "auto"
) -> Any:
    r"""Log score of the two-piece exponential law: :math:`|z|/s + \log(s_1 + s_2)`.

    >>> import riskcore
    >>> round(float(riskcore.logs_2pexponential(0.7, 0.5, 2.0, 0.1)), 6)
    1.216291
    """
    params = {"scale1": scale1, "scale2": scale2, "location": location}
    return _logs("twopexponential", obs, params, _SCALES, backend)


def logs_2pnormal(
    obs: ArrayLike, scale1: ArrayLike, scale2: ArrayLike, location: ArrayLike = 0.0, *, backend: str = "auto"
) -> Any:
    r"""Log score of the two-piece normal law: :math:`\tfrac12 (z/s)^2 + \tfrac12\log 2\pi + \log\frac{s_1 + s_2}2`.

    >>> import riskcore
    >>> round(float(riskcore.logs_2pnormal(0.0, 0.4, 2.0, 0.1)), 6)
    1.13251
    """
    params = {"scale1": scale1, "scale2": scale2, "location": location}
    return _logs("twopnormal", obs, params, _SCALES, backend)


def logs_uniform(obs: ArrayLike, lower: ArrayLike = 0.0, upper: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""Log score of the uniform law on [lower, upper] (scoringrules' min, max): :math:`\log(b - a)` inside.

    >>> import riskcore
    >>> round(float(riskcore.logs_uniform(0.5, 0.0, 2.0)), 6)
    0.693147
    """
    return _logs("uniform", obs, {"lower": lower, "upper": upper}, _ORDERED, backend)


def logs_gamma(
    obs: ArrayLike,
    shape: ArrayLike,
    rate: ArrayLike | None = None,
    *,
    scale: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""Log score of the gamma law: :math:`-a\log b - (a - 1)\log y + by + \log\Gamma(a)`; exactly one of
    ``rate`` and ``scale``.

    >>> import riskcore
    >>> round(float(riskcore.logs_gamma(1.0, 2.0, 1.0)), 6)
    1.0
    """
    rules = {"shape must be > 0": lambda p: p["shape"] <= 0, "rate must be > 0": lambda p: p["rate"] <= 0}
    return _logs("gamma", obs, {"shape": shape, "rate": _rate_from(rate, scale)}, rules, backend)


def logs_beta(
    obs: ArrayLike,
    a: ArrayLike,
    b: ArrayLike,
    lower: ArrayLike = 0.0,
    upper: ArrayLike = 1.0,
    *,
    backend: str = "auto",
) -> Any:
    r"""Log score of the beta law on [lower, upper]: :math:`-(a-1)\log w - (b-1)\log(1-w) + \log B(a,b) + \log(u - l)`.

    >>> import riskcore
    >>> round(float(riskcore.logs_beta(0.3, 2.0, 3.0)), 6)
    -0.567584
    """
    rules = {"a must be > 0": lambda p: p["a"] <= 0, "b must be > 0": lambda p: p["b"] <= 0, **_ORDERED}
    return _logs("beta", obs, {"a": a, "b": b, "lower": lower, "upper": upper}, rules, backend)


def logs_lognormal(obs: ArrayLike, mulog: ArrayLike = 0.0, sigmalog: ArrayLike = 1.0, *, backend: str = "auto") -> Any:
    r"""Log score of the log-normal law: :math:`\tfrac12 w^2 + \tfrac12\log 2\pi + \log\sigma + \log y`.

    >>> import riskcore
    >>> round(float(riskcore.logs_lognormal(1.0)), 6)
    0.918939
    """
    rules = {"sigmalog must be > 0": lambda p: p["sigmalog"] <= 0}
    return _logs("lognormal", obs, {"mulog": mulog, "sigmalog": sigmalog}, rules, backend)


def logs_loglaplace(
    obs: ArrayLike, locationlog: ArrayLike = 0.0, scalelog: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""Log score of the log-Laplace law: :math:`|\log y - \mu|/s + \log 2s + \log y`.

    >>> import riskcore
    >>> round(float(riskcore.logs_loglaplace(1.0)), 6)
    0.693147
    """
    rules = {"scalelog must be > 0": lambda p: p["scalelog"] <= 0}
    return _logs("loglaplace", obs, {"locationlog": locationlog, "scalelog": scalelog}, rules, backend)


def logs_loglogistic(
    obs: ArrayLike, mulog: ArrayLike = 0.0, sigmalog: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""Log score of the log-logistic law: :math:`|w| + 2\log(1 + e^{-|w|}) + \log s + \log y`.

    >>> import riskcore
    >>> round(float(riskcore.logs_loglogistic(1.0)), 6)
    1.386294
    """
    rules = {"sigmalog must be > 0": lambda p: p["sigmalog"] <= 0}
    return _logs("loglogistic", obs, {"mulog": mulog, "sigmalog": sigmalog}, rules, backend)


def logs_gev(
    obs: ArrayLike, shape: ArrayLike, location: ArrayLike = 0.0, scale: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""Log score of the GEV law: :math:`\log s + (1 + 1/\xi)\log t + t^{-1/\xi}`, :math:`t = 1 + \xi z`
    (from ``log1p``, exact as :math:`\xi \to 0`; Gumbel :math:`\log s + z + e^{-z}` at 0).

    >>> import riskcore
    >>> round(float(riskcore.logs_gev(0.0, 0.0)), 6)
    1.0
    """
    rules = {**_SCALE}
    return _logs("gev", obs, {"shape": shape, "location": location, "scale": scale}, rules, backend)


def logs_gpd(
    obs: ArrayLike, shape: ArrayLike, location: ArrayLike = 0.0, scale: ArrayLike = 1.0, *, backend: str = "auto"
) -> Any:
    r"""Log score of the generalised Pareto law: :math:`\log s + (1 + 1/\xi)\log(1 + \xi z)` on its support.

    >>> import riskcore
    >>> round(float(riskcore.logs_gpd(1.0, 0.0)), 6)
    1.0
    """
    return _logs("gpd", obs, {"shape": shape, "location": location, "scale": scale}, _SCALE, backend)


def _bounds(location: Any, scale: Any, lower: Any, upper: Any) -> dict[str, Any]:
    return {"location": location, "scale": scale, "lower": lower, "upper": upper}


def logs_tnormal(
    obs: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""Log score of the normal law truncated to [lower, upper]:
    :math:`\tfrac12 z^2 + \tfrac12\log 2\pi + \log s + \log P(l \le X \le u)`, the mass from its tail
    (:math:`\log Q(l) = \log R(l) - l^2/2 - \tfrac12\log 2\pi` with the Mills ratio R).

    >>> import riskcore
    >>> round(float(riskcore.logs_tnormal(40.01, 0.0, 1.0, 40.0)), 6)
    -3.289453
    """
    return _logs("tnormal", obs, _bounds(location, scale, lower, upper), {**_SCALE, **_ORDERED}, backend)


def logs_tlogistic(
    obs: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""Log score of the logistic law truncated to [lower, upper] (interval mass in log space).

    >>> import riskcore
    >>> round(float(riskcore.logs_tlogistic(0.5, 0.0, 1.0, 0.0)), 6)
    0.755007
    """
    return _logs("tlogistic", obs, _bounds(location, scale, lower, upper), {**_SCALE, **_ORDERED}, backend)


def logs_tt(
    obs: ArrayLike,
    df: ArrayLike,
    location: ArrayLike = 0.0,
    scale: ArrayLike = 1.0,
    lower: ArrayLike = -np.inf,
    upper: ArrayLike = np.inf,
    *,
    backend: str = "auto",
) -> Any:
    r"""Log score of the Student t law (``df > 1``, as for :func:`crps_tt`) truncated to [lower, upper].

    >>> import riskcore
    >>> round(float(riskcore.logs_tt(0.5, 3.0, 0.0, 1.0, 0.0)), 6)
    0.467827
    """
    params = {"df": df, **_bounds(location, scale, lower, upper)}
    return _logs("tt", obs, params, {**_DF, **_SCALE, **_ORDERED}, backend)


def logs_binomial(obs: ArrayLike, n: ArrayLike, prob: ArrayLike, *, backend: str = "auto") -> Any:
    r"""Log score of the binomial law: :math:`-\log\binom ny - y\log p - (n - y)\log(1 - p)`.

    >>> import riskcore
    >>> round(float(riskcore.logs_binomial(3, 10, 0.3)), 6)
    1.321151
    """
    return _logs("binomial", obs, {"n": n, "prob": prob}, {**_integer("n"), **_probability("prob")}, backend)


def logs_poisson(obs: ArrayLike, mean: ArrayLike, *, backend: str = "auto") -> Any:
    r"""Log score of the Poisson law: :math:`\lambda - y\log\lambda + \log y!`.

    >>> import riskcore
    >>> round(float(riskcore.logs_poisson(3, 2.5)), 6)
    1.542887
    """
    return _logs("poisson", obs, {"mean": mean}, {"mean must be >= 0": lambda p: p["mean"] < 0}, backend)


def logs_negbinom(
    obs: ArrayLike,
    n: ArrayLike,
    prob: ArrayLike | None = None,
    *,
    mu: ArrayLike | None = None,
    backend: str = "auto",
) -> Any:
    r"""Log score of the negative binomial law (``prob`` or the mean ``mu``):
    :math:`-\log\frac{\Gamma(y + n)}{\Gamma(n)\,y!} - n\log p - y\log(1 - p)`.

    >>> import riskcore
    >>> round(float(riskcore.logs_negbinom(3, 2.0, 0.4)), 6)
    1.978764
    """
    rules = {"n must be > 0": lambda q: q["n"] <= 0, **_probability("prob", zero=False)}
    return _logs("negbinom", obs, {"n": n, "prob": _negbinom_prob(n, prob, mu)}, rules, backend)


def logs_hypergeometric(obs: ArrayLike, m: ArrayLike, n: ArrayLike, k: ArrayLike, *, backend: str = "auto") -> Any:
    r"""Log score of the hypergeometric law (``m`` successes, ``n`` failures, ``k`` draws):
    :math:`-\log\binom my - \log\binom n{k-y} + \log\binom{m+n}k`.

    >>> import riskcore
    >>> round(float(riskcore.logs_hypergeometric(2, 5, 7, 4)), 6)
    0.85745
    """
    rules = {
        **_integer("m"),
        **_integer("n"),
        **_integer("k"),
        "k must be <= m + n": lambda p: p["k"] > p["m"] + p["n"],
    }
    return _logs("hypergeometric", obs, {"m": m, "n": n, "k": k}, rules, backend)


def logs_mixnorm(
    obs: ArrayLike, m: ArrayLike, s: ArrayLike, w: ArrayLike | None = None, *, axis: int = -1, backend: str = "auto"
) -> Any:
    r"""Log score of a mixture of normals :math:`\sum_k w_k N(m_k, s_k^2)` (``w`` normalised along
    ``axis``, equal weights if omitted), by log-sum-exp (no underflow far from every component):

    .. math:: -\log \sum_k w_k \varphi((y - m_k)/s_k)/s_k

    Array-API code (NumPy or CuPy arrays); ``backend`` is accepted for symmetry and checked.

    >>> import riskcore
    >>> round(float(riskcore.logs_mixnorm(0.0, [-1.0, 1.0], [1.0, 1.0])), 6)
    1.418939
    """
    _validate.choice(backend, "backend", ("auto", "cpu", "cuda", "numba"))
    canon = args.components(obs, m, s, w, axis)
    xp = canon.xp
    y, mu, sd, wt = canon.arrays
    if not y.size:
        return canon.finish(xp.empty((0,), dtype=y.dtype))
    logw = xp.log(wt) - xp.log(wt.sum(axis=-1, keepdims=True))
    z = (y[:, None] - mu) / sd
    terms = logw - 0.5 * z * z - xp.log(sd) - 0.91893853320467274178
    top = terms.max(axis=-1, keepdims=True)
    top = xp.where(xp.isfinite(top), top, 0.0)
    out = -(top[:, 0] + xp.log(xp.exp(terms - top).sum(axis=-1)))
    return canon.finish(out.astype(y.dtype, copy=False))


def _cumulative_probabilities(fct: Any, axis: int) -> tuple[np.ndarray, int]:
    p = _validate.real_array(fct, "fct", low=0.0, high=1.0, allow_nan=True)
    ax = _arrays.normalize_axis(axis, p.ndim, "fct")
    return np.moveaxis(p, ax, -1), ax


def log_score(obs: ArrayLike, fct: ArrayLike) -> Any:
    r"""Log score of the probability ``fct`` of a binary event ``obs`` (0 or 1; NaN gives NaN):

    .. math:: \mathrm{LS}(p, y) = -\log|p + y - 1|

    >>> import riskcore
    >>> round(float(riskcore.log_score(1, 0.75)), 6)
    0.287682
    """
    from riskcore.crps.categorical import _binary

    p = _validate.real_array(fct, "fct", low=0.0, high=1.0, allow_nan=True)
    y = _binary(obs)
    _arrays.broadcast_shape({"obs": np.shape(y), "fct": p.shape})
    with np.errstate(divide="ignore"):
        out = -np.log(np.abs(p + y - 1.0))
    return out[()] if out.ndim == 0 else out


def rls_score(obs: ArrayLike, fct: ArrayLike, *, axis: int = -1, onehot: bool = False) -> Any:
    r"""Ranked logarithmic score of a forecast over K ordered categories (Todter & Ahrens 2012):

    .. math:: \mathrm{RLS}(p, y) = -\sum_{k=1}^{K} \log\Big|\sum_{j \le k} p_j + \mathbf 1\{y \le k\} - 1\Big|

    ``obs`` is the category that occurs (1..K, as in :func:`rps_score`) or, with ``onehot=True``, 0s
    and 1s shaped like ``fct``. Probabilities are not renormalised.

    >>> import riskcore
    >>> round(float(riskcore.rls_score(3, [0.1, 0.2, 0.3, 0.4])), 6)
    0.972861
    """
    from riskcore.crps.categorical import _binary

    p, ax = _cumulative_probabilities(fct, axis)
    k = p.shape[-1]
    if not isinstance(onehot, bool | np.bool_):
        raise TypeError(f"onehot must be a bool, got {type(onehot).__name__}")
    if onehot:
        observed = np.cumsum(np.moveaxis(_binary(obs), ax, -1), axis=-1)
    else:
        cat = _validate.real_array(obs, "obs")
        bad = ((cat != np.floor(cat)) | (cat < 1) | (cat > k)) & ~np.isnan(cat)
        if bool(np.any(bad)):
            raise ValueError(f"obs must be a category in 1..{k} (or NaN)")
        observed = np.where(np.isnan(cat[..., None]), np.nan, (np.arange(1, k + 1) >= cat[..., None]).astype(float))
    _arrays.broadcast_shape({"obs (as cumulative indicators)": observed.shape, "fct": p.shape})
    with np.errstate(divide="ignore"):
        out = -np.log(np.abs(np.cumsum(p, axis=-1) + observed - 1.0)).sum(axis=-1)
    return out[()] if out.ndim == 0 else out
