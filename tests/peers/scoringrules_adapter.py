"""A stand-in for the ``scoringrules`` 0.10 module whose functions are riskcore's.

scoringrules' own test files run against it (``tests/peers/test_scoringrules_suite.py`` puts it in
``sys.modules["scoringrules"]``). Each function takes scoringrules' arguments and calls the riskcore
function of the same name; only the argument conventions are translated, no score is computed here:

- positional parameters are bound by scoringrules' order (``POSITIONAL``) and passed by keyword
  (riskcore makes most of them keyword-only: ``m_axis``, ``w``, ``w_func``, ``v_func``, ...);
- ``ens_w`` -> ``weights``; ``m_axis`` / ``k_axis`` / ``mc_axis`` -> ``axis`` where riskcore's function
  takes ``axis`` (the univariate ones; the multivariate ones keep ``m_axis``, ``v_axis``);
  ``min``/``max`` -> ``lower``/``upper`` (uniform);
- ``backend``: scoringrules' ``"numpy"`` runs riskcore's ``"cpu"`` backend, ``"numba"`` riskcore's
  ``"numba"`` backend, ``None`` ``"auto"``; functions riskcore computes in plain NumPy (no backend
  argument) ignore it;
- ``estimator="qd"`` (scoringrules' default, the quantile decomposition of the empirical CDF's CRPS)
  is ``"nrg"``: the same number, the CRPS of the empirical distribution of the members;
- ``sorted_ensemble`` (a hint that the members are sorted) is dropped: riskcore sorts itself;
- the univariate threshold-/outcome-weighted CRPS take ``a``, ``b``: for ``twcrps_ensemble`` they become
  riskcore's ``threshold=a`` (b infinite) or ``interval=(a, b)``, for ``owcrps_ensemble`` /
  ``vrcrps_ensemble`` scoringrules' default weight function ``1{a <= z <= b}``;
- ``interval_score`` with levels ``alpha`` of shape (K,) gives ``obs`` a last axis of length 1, as
  scoringrules does, to broadcast against ``lower``/``upper`` of shape (..., K).

``backend.backends[name]`` is NumPy for the names scoringrules' tests use in their weight functions
(``backends["numpy"].all(x > 0.2)``).
"""

from __future__ import annotations

import functools
import inspect
import math
import types
from typing import Any

import numpy as np

import riskcore

__version__ = "0.10.0"

BACKENDS = {None: "auto", "numpy": "cpu", "numba": "numba"}

# scoringrules 0.10's positional parameters, in order (from its signatures); the rest are keywords.
POSITIONAL = {
    "brier_score": "obs fct",
    "rps_score": "obs fct k_axis",
    "log_score": "obs fct",
    "rls_score": "obs fct k_axis",
    "crps_ensemble": "obs fct m_axis",
    "twcrps_ensemble": "obs fct a b m_axis",
    "owcrps_ensemble": "obs fct a b m_axis",
    "vrcrps_ensemble": "obs fct a b m_axis",
    "crps_quantile": "obs fct alpha m_axis",
    "crps_beta": "obs a b lower upper",
    "crps_binomial": "obs n prob",
    "crps_exponential": "obs rate",
    "crps_exponentialM": "obs mass location scale",
    "crps_2pexponential": "obs scale1 scale2 location",
    "crps_gamma": "obs shape rate",
    "crps_csg0": "obs shape rate",
    "crps_gev": "obs shape location scale",
    "crps_gpd": "obs shape location scale mass",
    "crps_gtclogistic": "obs location scale lower upper lmass umass",
    "crps_tlogistic": "obs location scale lower upper",
    "crps_clogistic": "obs location scale lower upper",
    "crps_gtcnormal": "obs location scale lower upper lmass umass",
    "crps_tnormal": "obs location scale lower upper",
    "crps_cnormal": "obs location scale lower upper",
    "crps_gtct": "obs df location scale lower upper lmass umass",
    "crps_tt": "obs df location scale lower upper",
    "crps_ct": "obs df location scale lower upper",
    "crps_hypergeometric": "obs m n k",
    "crps_laplace": "obs location scale",
    "crps_logistic": "obs mu sigma",
    "crps_loglaplace": "obs locationlog scalelog",
    "crps_loglogistic": "obs mulog sigmalog backend",
    "crps_lognormal": "obs mulog sigmalog backend",
    "crps_mixnorm": "obs m s w m_axis",
    "crps_negbinom": "obs n prob",
    "crps_normal": "obs mu sigma",
    "crps_2pnormal": "obs scale1 scale2 location",
    "crps_poisson": "obs mean",
    "crps_t": "obs df location scale",
    "crps_uniform": "obs min max lmass umass",
    "dssuv_ensemble": "obs fct m_axis",
    "dssmv_ensemble": "obs fct m_axis v_axis",
    "es_ensemble": "obs fct m_axis v_axis",
    "twes_ensemble": "obs fct v_func m_axis v_axis",
    "owes_ensemble": "obs fct w_func m_axis v_axis",
    "vres_ensemble": "obs fct w_func",
    "error_spread_score": "obs fct m_axis",
    "interval_score": "obs lower upper alpha",
    "weighted_interval_score": "obs median lower upper alpha w_median w_alpha",
    "gksuv_ensemble": "obs fct m_axis",
    "twgksuv_ensemble": "obs fct a b m_axis",
    "owgksuv_ensemble": "obs fct a b m_axis",
    "vrgksuv_ensemble": "obs fct a b m_axis",
    "gksmv_ensemble": "obs fct m_axis v_axis",
    "twgksmv_ensemble": "obs fct v_func m_axis v_axis",
    "owgksmv_ensemble": "obs fct w_func m_axis v_axis",
    "vrgksmv_ensemble": "obs fct w_func m_axis v_axis",
    "logs_ensemble": "obs fct m_axis",
    "clogs_ensemble": "obs fct a b m_axis",
    "logs_beta": "obs a b lower upper",
    "logs_binomial": "obs n prob",
    "logs_exponential": "obs rate",
    "logs_exponential2": "obs location scale",
    "logs_2pexponential": "obs scale1 scale2 location",
    "logs_gamma": "obs shape rate",
    "logs_gev": "obs shape location scale",
    "logs_gpd": "obs shape location scale",
    "logs_hypergeometric": "obs m n k",
    "logs_laplace": "obs location scale",
    "logs_loglaplace": "obs locationlog scalelog",
    "logs_logistic": "obs mu sigma",
    "logs_loglogistic": "obs mulog sigmalog backend",
    "logs_lognormal": "obs mulog sigmalog backend",
    "logs_mixnorm": "obs m s w mc_axis",
    "logs_negbinom": "obs n prob",
    "logs_normal": "obs mu sigma",
    "logs_2pnormal": "obs scale1 scale2 location",
    "logs_poisson": "obs mean",
    "logs_t": "obs df location scale",
    "logs_tlogistic": "obs location scale lower upper",
    "logs_tnormal": "obs location scale lower upper",
    "logs_tt": "obs df location scale lower upper",
    "logs_uniform": "obs min max",
    "quantile_score": "obs fct alpha",
    "vs_ensemble": "obs fct w m_axis v_axis",
    "twvs_ensemble": "obs fct v_func w m_axis v_axis",
    "owvs_ensemble": "obs fct w_func w m_axis v_axis",
    "vrvs_ensemble": "obs fct w_func w m_axis v_axis",
}
RENAMED = {"ens_w": "weights", "min": "lower", "max": "upper"}
AXES = ("m_axis", "k_axis", "mc_axis")  # -> ``axis`` where riskcore's function has no ``m_axis``


def _translate(name: str, target: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """scoringrules' keyword arguments -> riskcore's (see the module docstring)."""
    accepted = inspect.signature(target).parameters
    out = {}
    for key, value in kwargs.items():
        key = RENAMED.get(key, key)
        if key in AXES and "m_axis" not in accepted:
            key = "axis"
        if key == "backend":
            if value not in BACKENDS:
                raise ValueError(f"the riskcore adapter runs scoringrules' numpy/numba backends, not {value!r}")
            if "backend" not in accepted:
                continue  # riskcore computes it in NumPy
            value = BACKENDS[value]
        if key == "estimator" and value == "qd":
            value = "nrg"
        if key == "sorted_ensemble":
            continue
        out[key] = value
    if "estimator" in accepted and "estimator" not in out and name in ("crps_ensemble", "twcrps_ensemble"):
        out["estimator"] = "nrg"  # scoringrules' default "qd"
    return out


def _bind(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    positional = POSITIONAL[name].split()
    if len(args) > len(positional):
        raise TypeError(f"{name}() takes {len(positional)} positional arguments but {len(args)} were given")
    for key, value in zip(positional, args, strict=False):  # the rest keep their defaults
        if key in kwargs:
            raise TypeError(f"{name}() got multiple values for argument {key!r}")
        kwargs[key] = value
    return kwargs


def _port(name: str, target: Any = None, before: Any = None) -> Any:
    """scoringrules' ``name`` on riskcore's ``target`` (default: riskcore's function of that name);
    ``before`` rewrites the bound keyword arguments first (the weighted CRPS' ``a``, ``b``)."""
    target = target or getattr(riskcore, name)

    @functools.wraps(target)
    def port(*args: Any, **kwargs: Any) -> Any:
        bound = _bind(name, args, kwargs)
        if before is not None:
            bound = before(bound)
        return target(**_translate(name, target, bound))

    port.__name__ = port.__qualname__ = name
    return port


def _threshold(kwargs: dict[str, Any]) -> dict[str, Any]:
    """twcrps: scoringrules' ``a``, ``b`` (chaining v(z) = min(max(z, a), b)) -> ``threshold`` / ``interval``."""
    a, b = kwargs.pop("a", -math.inf), kwargs.pop("b", math.inf)
    if kwargs.get("v_func") is None:
        kwargs.pop("v_func", None)
        if math.isinf(b) and b > 0:
            kwargs["threshold"] = a
        else:
            kwargs["interval"] = (a, b)
    return kwargs


def _indicator(kwargs: dict[str, Any]) -> dict[str, Any]:
    """ow/vrcrps: scoringrules' ``a``, ``b`` -> its default weight function 1{a <= z <= b}."""
    a, b = kwargs.pop("a", -math.inf), kwargs.pop("b", math.inf)
    if kwargs.get("w_func") is None:
        kwargs["w_func"] = lambda z: ((a <= z) & (z <= b)) * 1.0
    return kwargs


def _level_axis(kwargs: dict[str, Any]) -> dict[str, Any]:
    """interval_score: with K levels (``alpha`` of shape (K,)) scoringrules gives ``obs`` a last axis to
    broadcast against ``lower``/``upper`` of shape (..., K)."""
    if np.ndim(kwargs.get("alpha")) == 1:
        kwargs["obs"] = np.asarray(kwargs["obs"])[..., None]
    return kwargs


SPECIAL = {
    "es_ensemble": {"target": riskcore.energy_score},
    "interval_score": {"before": _level_axis},
    "twcrps_ensemble": {"before": _threshold},
    "owcrps_ensemble": {"before": _indicator},
    "vrcrps_ensemble": {"before": _indicator},
}

__all__ = ["backends", "register_backend"]
for _name in POSITIONAL:
    globals()[_name] = _port(_name, **SPECIAL.get(_name, {}))
    __all__.append(_name)


class _Backends(dict):
    """scoringrules' backend registry as its tests use it: every name is NumPy here."""

    available_backends = ("numpy", "numba")

    def __missing__(self, key: str) -> Any:
        if key not in self.available_backends:
            raise KeyError(key)
        return np

    def register_backend(self, name: str) -> None:
        if name not in self.available_backends:
            raise ValueError(f"the riskcore adapter has no scoringrules backend {name!r}")


backends = _Backends()
register_backend = backends.register_backend
backend = types.ModuleType("scoringrules.backend", "scoringrules.backend for the riskcore adapter")
backend.backends = backends
backend.register_backend = register_backend
