"""Slow, obviously-correct reference implementations written from the definitions (no sorting
identities, no shared code with riskcore)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy import integrate


def ensemble_crps(y: float, x, w=None, estimator: str = "nrg", alpha: float = 0.95, omit_nan: bool = False) -> float:
    """O(m^2) CRPS of one ensemble in exact rational arithmetic (every float is a Fraction exactly):

    A = sum w_i |x_i - y|, S = sum_{i != j} w_i w_j |x_i - x_j| (w normalised), nrg = A - S/2,
    fair = A - S / (2 sum_{i != j} w_i w_j), afcrps = alpha fair + (1 - alpha) nrg.
    """
    x = [float(v) for v in x]
    w = [1.0] * len(x) if w is None else [float(v) for v in w]
    if omit_nan:
        keep = [i for i, v in enumerate(x) if not math.isnan(v)]
        x, w = [x[i] for i in keep], [w[i] for i in keep]
    if math.isnan(y) or not x or any(math.isnan(v) for v in x):
        return math.nan
    fx, fw, fy = [Fraction(v) for v in x], [Fraction(v) for v in w], Fraction(y)
    total = sum(fw)
    if total <= 0:
        return math.nan
    fw = [v / total for v in fw]
    a = sum(wi * abs(xi - fy) for xi, wi in zip(fx, fw, strict=True))
    pairs = [
        (wi * wj, abs(xi - xj))
        for i, (xi, wi) in enumerate(zip(fx, fw, strict=True))
        for j, (xj, wj) in enumerate(zip(fx, fw, strict=True))
        if i != j
    ]
    s = sum(ww * d for ww, d in pairs)
    pair_weight = sum(ww for ww, _ in pairs)
    nrg = a - s / 2
    if estimator in ("nrg", "int"):
        return float(nrg)
    if pair_weight == 0:
        return math.nan
    fair = a - s / (2 * pair_weight)
    if estimator in ("fair", "pwm"):
        return float(fair)
    fa = Fraction(alpha)
    return float(fa * fair + (1 - fa) * nrg)


def afcrps_equal_weights(y: float, x, alpha: float) -> float:
    """The spec's pairwise form: 1/(2m(m-1)) sum_{i != j} (|x_i-y| + |x_j-y| - (1-eps)|x_i-x_j|)."""
    m = len(x)
    eps = (1 - alpha) / m
    terms = (abs(x[i] - y) + abs(x[j] - y) - (1 - eps) * abs(x[i] - x[j]) for i in range(m) for j in range(m) if i != j)
    return math.fsum(terms) / (2 * m * (m - 1))


def crps_by_integration(y: float, cdf, lower: float = -np.inf, upper: float = np.inf) -> float:
    """integral (F(z) - 1{y <= z})^2 dz by adaptive quadrature, split at y."""
    left = integrate.quad(lambda z: cdf(z) ** 2, lower, y, limit=400, epsabs=1e-12, epsrel=1e-11)[0]
    right = integrate.quad(lambda z: (1 - cdf(z)) ** 2, y, upper, limit=400, epsabs=1e-12, epsrel=1e-11)[0]
    return left + right


def energy_score(y, x, fair: bool = False) -> float:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    m = len(x)
    to_obs = math.fsum(float(np.linalg.norm(xi - y)) for xi in x)
    pairs = math.fsum(float(np.linalg.norm(xi - xj)) for xi in x for xj in x)
    return to_obs / m - pairs / (2 * m * (m - 1) if fair else 2 * m * m)
