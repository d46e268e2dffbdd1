r"""The efficiency of SCOPE / REACH over MC with its own interval (delta method on paired moments).

Trajectory i gives the pair :math:`(M_i, X_i)`: its MC value and the SCOPE or REACH value (the same
trajectory for SCOPE and coupled REACH; for REACH's own pool, trajectory i of the masked pool, which
is independent of :math:`M_i` -- the pairs are i.i.d. either way). The efficiency is
:math:`e = \sigma_M^2 / \sigma_X^2`, estimated by :math:`\hat e = m_{20} / m_{02}` with the central
moments :math:`m_{ij} = \frac1n \sum_i (M_i - \bar M)^i (X_i - \bar X)^j`. By the delta method,
:math:`\log \hat e` is asymptotically normal with variance

.. math:: \frac1n \Big[\frac{m_{40}}{m_{20}^2} + \frac{m_{04}}{m_{02}^2} - \frac{2\,m_{22}}{m_{20}m_{02}}\Big]

(the influence function of :math:`\log s_M^2 - \log s_X^2` is
:math:`(M - \mu_M)^2/\sigma_M^2 - (X - \mu_X)^2/\sigma_X^2`), and the interval is
:math:`\hat e \exp(\pm z\,\widehat{se})`. For independent pools the cross moment estimates
:math:`\sigma_M^2 \sigma_X^2` and the bracket reduces to the two kurtosis terms.

The moments are kept as power sums about a shift, :math:`S_{ij} = \sum (M - a)^i (X - b)^j` for
:math:`i, j \le 4`, so blocks and shards merge exactly (re-centred by the binomial theorem, then
added) in any order.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from typing import Any

import numpy as np

from riskcore._intervals import normal_quantile

ORDER = 5  # powers 0..4 of each variable
_BINOMIAL = np.array([[comb(i, p) for p in range(ORDER)] for i in range(ORDER)], dtype=np.float64)


def _shift_matrix(d: np.ndarray) -> np.ndarray:
    """T[..., i, p] = C(i, p) d^(i - p): sums about a become sums about a - d."""
    power = np.arange(ORDER)[:, None] - np.arange(ORDER)[None, :]
    with np.errstate(invalid="ignore"):
        dp = np.where(power >= 0, np.asarray(d)[..., None, None] ** np.maximum(power, 0), 0.0)
    return _BINOMIAL * dp


def _powers(u: np.ndarray) -> np.ndarray:
    """u^0 .. u^4 as (..., 5, N), by repeated products (a pow per element costs ~20x more)."""
    out = np.empty((*u.shape[:-1], ORDER, u.shape[-1]))
    out[..., 0, :] = 1.0
    for k in range(1, ORDER):
        np.multiply(out[..., k - 1, :], u, out=out[..., k, :])
    return out


@dataclass(frozen=True)
class PairMoments:
    """Power sums of (M - a)^i (X - b)^j, i, j in 0..4, per cell (shape (..., 5, 5)), about ``shift``
    (shape (..., 2)); ``count`` = sums[..., 0, 0]."""

    shift: np.ndarray
    sums: np.ndarray

    @classmethod
    def from_values(cls, m: Any, x: Any) -> PairMoments:
        """Moments of paired values (..., N) (about their means: the sums stay small)."""
        m, x = np.asarray(m, dtype=np.float64), np.asarray(x, dtype=np.float64)
        shift = np.stack([m.mean(axis=-1), x.mean(axis=-1)], axis=-1) if m.shape[-1] else np.zeros((*m.shape[:-1], 2))
        pu, pv = _powers(m - shift[..., :1]), _powers(x - shift[..., 1:])  # (..., 5, N)
        return cls(shift, pu @ np.swapaxes(pv, -1, -2))

    def recentred(self, shift: np.ndarray) -> np.ndarray:
        """The sums about another shift (..., 2)."""
        tx = _shift_matrix(self.shift[..., 0] - shift[..., 0])
        ty = _shift_matrix(self.shift[..., 1] - shift[..., 1])
        return np.einsum("...ip,...pq,...jq->...ij", tx, self.sums, ty)

    def merge(self, other: PairMoments) -> PairMoments:
        return PairMoments(self.shift, self.sums + other.recentred(self.shift))

    def __getitem__(self, key: Any) -> PairMoments:
        key = key if isinstance(key, tuple) else (key,)
        return PairMoments(self.shift[(*key, Ellipsis)], self.sums[(*key, Ellipsis)])

    def interval(self, confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(efficiency, low, high); NaN where a variance is 0 or there are fewer than 2 pairs.

        >>> rng = np.random.default_rng(0)
        >>> m = (rng.random(4000) < 0.3).astype(float)  # MC values; X: the same risk, less spread
        >>> e, low, high = PairMoments.from_values(m, 0.3 + 0.5 * (m - 0.3) + 0.1 * rng.random(4000)).interval(0.95)
        >>> bool(low < e < high), round(float(e), 1)
        (True, 3.9)
        """
        n = self.sums[..., 0, 0]
        with np.errstate(invalid="ignore", divide="ignore"):
            safe = np.where(n > 0, n, 1.0)
            mean = self.shift + np.stack([self.sums[..., 1, 0], self.sums[..., 0, 1]], axis=-1) / safe[..., None]
            m = self.recentred(mean) / safe[..., None, None]
            m20, m02 = m[..., 2, 0], m[..., 0, 2]
            efficiency = m20 / m02
            var_log = (m[..., 4, 0] / m20**2 + m[..., 0, 4] / m02**2 - 2 * m[..., 2, 2] / (m20 * m02)) / safe
            half = normal_quantile(0.5 + confidence / 2) * np.sqrt(np.maximum(var_log, 0.0))
            ok = (n > 1) & (m20 > 0) & (m02 > 0)
            efficiency = np.where(ok, efficiency, np.nan)
            return efficiency, efficiency * np.exp(-half), efficiency * np.exp(half)
