"""Exact CRPS over members split in chunks: per-chunk sorted summaries merged in O(|A| + |B|) per row
(used by :func:`riskcore.dask.crps_ensemble` for ensembles chunked along the member axis).

A summary of a set of members (values centred at the observation, weights w >= 0) holds, per row:
the sorted values and their weights, A = sum w |d|, W = sum w, P = sum_{i<j} w_i w_j |d_i - d_j| and
Q = sum_{i<j} w_i w_j. For a union: A, W add, Q = Q_A + Q_B + W_A W_B and P = P_A + P_B + cross(A, B),
where cross = sum_{a in A, b in B} w_a w_b |a - b| comes from one merge of the two sorted rows.
Then nrg = A/W - P/W^2, fair = A/W - P/(2Q), afcrps = alpha fair + (1 - alpha) nrg.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _merge_rows(xa, wa, xb, wb, out_x, out_w, cross):
    n, a = xa.shape
    b = xb.shape[1]
    for r in numba.prange(n):
        i = 0
        j = 0
        wa_sum, sa_sum, wb_sum, sb_sum, total = 0.0, 0.0, 0.0, 0.0, 0.0
        for k in range(a + b):
            if j >= b or (i < a and xa[r, i] <= xb[r, j]):
                v, w = xa[r, i], wa[r, i]
                total += w * (v * wb_sum - sb_sum)  # against every member of B below v
                wa_sum += w
                sa_sum += w * v
                i += 1
            else:
                v, w = xb[r, j], wb[r, j]
                total += w * (v * wa_sum - sa_sum)
                wb_sum += w
                sb_sum += w * v
                j += 1
            out_x[r, k] = v
            out_w[r, k] = w
        cross[r] = total


def leaf(obs: np.ndarray, fct: np.ndarray, weights: np.ndarray | None, omit_nan: bool) -> dict[str, np.ndarray]:
    """Summary of one member chunk: obs (n,), fct (n, c), weights (n, c) or None (all 1)."""
    d = np.asarray(fct, dtype=np.float64) - np.asarray(obs, dtype=np.float64)[:, None]
    w = np.ones_like(d) if weights is None else np.array(weights, dtype=np.float64)
    nan = np.isnan(d)
    bad = np.zeros(d.shape[0], dtype=bool) if omit_nan else nan.any(axis=1)
    d[nan], w[nan] = 0.0, 0.0
    order = np.argsort(d, axis=1, kind="stable")
    d, w = np.take_along_axis(d, order, 1), np.take_along_axis(w, order, 1)
    below = np.cumsum(w, axis=1) - w
    above = np.cumsum(w[:, ::-1], axis=1)[:, ::-1] - w
    return {
        "x": d,
        "w": w,
        "A": (w * np.abs(d)).sum(axis=1),
        "W": w.sum(axis=1),
        "P": (w * d * below).sum(axis=1) - (w * d * above).sum(axis=1),
        "Q": (w * above).sum(axis=1),
        "bad": bad,
    }


def merge(left: dict[str, np.ndarray], right: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    n = left["x"].shape[0]
    width = left["x"].shape[1] + right["x"].shape[1]
    x, w, cross = np.empty((n, width)), np.empty((n, width)), np.empty(n)
    _merge_rows(left["x"], left["w"], right["x"], right["w"], x, w, cross)
    return {
        "x": x,
        "w": w,
        "A": left["A"] + right["A"],
        "W": left["W"] + right["W"],
        "P": left["P"] + right["P"] + cross,
        "Q": left["Q"] + right["Q"] + left["W"] * right["W"],
        "bad": left["bad"] | right["bad"],
    }


def finish(summary: dict[str, np.ndarray], obs: np.ndarray, estimator: str, alpha: float) -> np.ndarray:
    """The estimator from the summary of all members; NaN for a NaN observation, a propagated NaN
    member, no weight left, or (fair/afcrps) fewer than two members of positive weight."""
    a, big_w, p, q = summary["A"], summary["W"], summary["P"], summary["Q"]
    with np.errstate(invalid="ignore", divide="ignore"):
        nrg = a / big_w - p / (big_w * big_w)
        fair = a / big_w - p / (2.0 * q)
        fair = np.where(q > 0, fair, np.nan)
    out = {"nrg": nrg, "fair": fair, "afcrps": alpha * fair + (1.0 - alpha) * nrg}[estimator]
    return np.where(summary["bad"] | np.isnan(np.asarray(obs, dtype=np.float64)) | ~(big_w > 0), np.nan, out)
