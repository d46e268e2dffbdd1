r"""Scores of quantile and interval forecasts: quantile (pinball), interval (Winkler) and weighted
interval scores (scoringrules 0.10 names). Elementwise NumPy, broadcasting like ufuncs."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from riskcore import _arrays, _validate

__all__ = ["interval_score", "quantile_score", "weighted_interval_score"]


def _levels(alpha: Any, name: str = "alpha") -> np.ndarray:
    return _validate.real_array(alpha, name, low=0.0, high=1.0, interval="()", allow_nan=False)


def _scalar(out: np.ndarray) -> Any:
    return out[()] if out.ndim == 0 else out


@_validate.returns_pandas
def quantile_score(obs: ArrayLike, fct: ArrayLike, alpha: ArrayLike) -> Any:
    r"""Quantile (pinball) score of the quantile forecast ``fct`` at level ``alpha`` in (0, 1).

    .. math:: \mathrm{QS}_\alpha(q, y) = (\mathbf 1\{y < q\} - \alpha)(q - y)

    (twice it integrated over alpha is the CRPS).

    References
    ----------
    Koenker & Bassett (1978), Econometrica 46.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.quantile_score(0.3, 0.5, 0.2)), 6)
    0.16
    """
    y, q = _validate.real_array(obs, "obs"), _validate.real_array(fct, "fct")
    a = _levels(alpha)
    _arrays.broadcast_shape({"obs": y.shape, "fct": q.shape, "alpha": a.shape})
    return _scalar(((y < q).astype(np.float64) - a) * (q - y))


@_validate.returns_pandas
def interval_score(obs: ArrayLike, lower: ArrayLike, upper: ArrayLike, alpha: ArrayLike) -> Any:
    r"""Interval (Winkler) score of the central (1 - alpha) prediction interval [lower, upper].

    .. math:: \mathrm{IS}_\alpha = (u - l) + \frac2\alpha (l - y)\,\mathbf 1\{y < l\}
              + \frac2\alpha (y - u)\,\mathbf 1\{y > u\}

    References
    ----------
    Gneiting & Raftery (2007), JASA 102, section 6.2.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.interval_score(1.5, 0.0, 1.0, 0.2)), 6)
    6.0
    """
    y, lo, up = (_validate.real_array(v, n) for v, n in ((obs, "obs"), (lower, "lower"), (upper, "upper")))
    a = _levels(alpha)
    _arrays.broadcast_shape({"obs": y.shape, "lower": lo.shape, "upper": up.shape, "alpha": a.shape})
    if bool(np.any(lo > up)):
        raise ValueError("lower must be <= upper")
    return _scalar((up - lo) + (2 / a) * np.maximum(lo - y, 0.0) + (2 / a) * np.maximum(y - up, 0.0))


@_validate.returns_pandas
def weighted_interval_score(
    obs: ArrayLike,
    median: ArrayLike,
    lower: ArrayLike,
    upper: ArrayLike,
    alpha: ArrayLike,
    w_median: float | None = None,
    w_alpha: ArrayLike | None = None,
) -> Any:
    r"""Weighted interval score of a median and K central intervals (levels ``alpha``, shape (K,)).

    .. math:: \mathrm{WIS} = \frac{1}{K + 1/2}\Big(w_0 |y - m| + \sum_{k=1}^K w_k\, \mathrm{IS}_{\alpha_k}\Big),
              \qquad w_0 = \tfrac12,\ w_k = \alpha_k / 2 \text{ by default}

    (with the defaults, WIS approximates the CRPS). ``lower``/``upper`` have a last axis of K.

    References
    ----------
    Bracher, Ray, Gneiting & Reich (2021), PLOS Comput. Biol. 17.

    Examples
    --------
    >>> import riskcore
    >>> round(float(riskcore.weighted_interval_score(0.3, 0.0, [-1.0], [1.0], [0.2])), 6)
    0.233333
    """
    a = _levels(alpha).reshape(-1)
    w0 = 0.5 if w_median is None else _validate.real(w_median, "w_median", low=0.0)
    wk = a / 2 if w_alpha is None else _validate.real_array(w_alpha, "w_alpha", low=0.0, allow_nan=False)
    y = _validate.real_array(obs, "obs")
    m = _validate.real_array(median, "median")
    _arrays.broadcast_shape({"obs": y.shape, "median": m.shape})
    if np.shape(wk) not in ((), a.shape):
        raise ValueError(f"w_alpha must have one weight per level of alpha ({a.size}), got shape {np.shape(wk)}")
    scores = interval_score(y[..., None], lower, upper, a)
    out = (w0 * np.abs(y - m) + (np.asarray(scores) * wk).sum(axis=-1)) / (a.size + 0.5)
    return _scalar(np.asarray(out))
