"""CRPS of normal mixtures and its gradient in Numba (mirror of crps_mixnorm_row and crps_mixnorm_grad_row,
kernels/crps_parametric.hpp; formulas documented there)."""

from __future__ import annotations

import math

import numba
import numpy as np

from riskcore._numba.special import normal_cdf, normal_pdf


@numba.njit(cache=True, error_model="numpy")
def _abs_mean(mu, sd):
    """E|X| for X ~ N(mu, sd^2)."""
    return mu * (2.0 * normal_cdf(mu / sd) - 1.0) + 2.0 * sd * normal_pdf(mu / sd)


@numba.njit(cache=True, error_model="numpy")
def _component_slopes(y, m, s, w, wsum, j):
    """(d/dm_j, d/ds_j, g_j) of one mixture row, as mixnorm_component_slopes."""
    mj, sj, wj = np.float64(m[j]), np.float64(s[j]), w[j] / wsum
    z = (y - mj) / sj
    cdf_sum = pdf_sum = pair_sum = 0.0
    for k in range(m.shape[0]):
        wk, sk = w[k] / wsum, np.float64(s[k])
        sd = math.sqrt(sj * sj + sk * sk)
        d = mj - m[k]
        slope, density = 2.0 * normal_cdf(d / sd) - 1.0, normal_pdf(d / sd)  # _abs_mean's terms, once
        cdf_sum += wk * slope
        pdf_sum += wk * density / sd
        pair_sum += wk * (d * slope + 2.0 * sd * density)
    dm = -wj * (2.0 * normal_cdf(z) - 1.0 + cdf_sum)
    ds = 2.0 * wj * (normal_pdf(z) - sj * pdf_sum)
    return dm, ds, _abs_mean(y - mj, sj) - pair_sum


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _mixnorm_loop(obs, m, s, w, out):
    k_count = m.shape[1]
    for r in numba.prange(m.shape[0]):
        wsum = 0.0
        for j in range(k_count):
            wsum += w[r, j]
        to_obs = 0.0
        pairwise = 0.0
        for j in range(k_count):
            wj, mj, sj = w[r, j] / wsum, np.float64(m[r, j]), np.float64(s[r, j])
            to_obs += wj * _abs_mean(obs[r] - mj, sj)
            for k in range(k_count):
                sd = math.sqrt(sj * sj + np.float64(s[r, k]) ** 2)
                pairwise += wj * (w[r, k] / wsum) * _abs_mean(mj - m[r, k], sd)
        out[r] = to_obs - 0.5 * pairwise


@numba.njit(parallel=True, cache=True, error_model="numpy")
def _mixnorm_grad_loop(obs, m, s, w, out):
    k_count = m.shape[1]
    for r in numba.prange(m.shape[0]):
        mr, sr, wr, y = m[r], s[r], w[r], np.float64(obs[r])
        wsum = 0.0
        for j in range(k_count):
            wsum += wr[j]
        g_mean = 0.0
        for j in range(k_count):
            g_mean += wr[j] / wsum * _component_slopes(y, mr, sr, wr, wsum, j)[2]
        for j in range(k_count):
            dm, ds, g = _component_slopes(y, mr, sr, wr, wsum, j)
            out[0, r, j] = dm
            out[1, r, j] = ds
            out[2, r, j] = (g - g_mean) / wsum


def crps_mixnorm(obs, m, s, w):
    out = np.empty(obs.shape[0], dtype=obs.dtype)
    _mixnorm_loop(obs, m, s, w, out)
    return out


def crps_mixnorm_grad(obs, m, s, w):
    out = np.empty((3, *m.shape), dtype=obs.dtype)
    _mixnorm_grad_loop(obs, m, s, w, out)
    return out
