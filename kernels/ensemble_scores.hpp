// Univariate ensemble scores other than the CRPS, one function per forecast row, written once for the CPU
// loops, the Numba mirror (python/riskcore/_numba/ensemble_scores.py) and CUDA threads.
//
//   dss  (Dawid-Sebastiani)  ((y - mean) / sd)^2 + 2 log sd          sd with 1/(m-1) (1/m with bias)
//   ess  (error-spread)      (s^2 - e^2 - e s g)^2,  e = mean - y, s the sd (1/(m-1)),
//                            g = sum ((x - mean)/s)^3 / ((m-1)(m-2))  (scoringrules' normalisation)
//   gks  (Gaussian kernel)   -[ (1/m) sum_i k(x_i, y) - 1/2 mean_pairs k(x_i, x_j) - 1/2 ],  k = exp(-(a-b)^2/2)
//                            pairs: all m^2 (nrg), i != j (fair), (i, i+s mod m) for akr / akr_circperm
//   logs (kernel density)    -log( (1/m) sum_i phi((y - x_i)/bw) / bw ), by log-sum-exp (no underflow in
//                            the tails); bw <= 0 or NaN picks Silverman's rule 1.06 min(sd, IQR/1.34) m^(-1/5)
// Members are read with stride `step`; a NaN member or observation gives NaN.
#pragma once
#include <cmath>

#include "config.hpp"
#include "crps_ensemble.hpp"
#include "sort.hpp"

namespace riskcore {

enum class EnsembleScore : int { dss = 0, dss_bias = 1, ess = 2, gks_nrg = 3, gks_fair = 4, gks_akr = 5,
                                 gks_akr_circperm = 6, logs = 7 };

template <class T>
RISKCORE_HD inline double member(const T* fct, index_t i, index_t step) {
  return static_cast<double>(fct[i * step]);
}

// Mean and sum of squared deviations (two passes: no cancellation).
template <class T>
RISKCORE_HD inline void mean_and_ss(const T* fct, index_t m, index_t step, double* mean, double* ss) {
  double total = 0.0;
  for (index_t i = 0; i < m; ++i) total += member(fct, i, step);
  *mean = total / static_cast<double>(m);
  double s = 0.0;
  for (index_t i = 0; i < m; ++i) {
    const double d = member(fct, i, step) - *mean;
    s += d * d;
  }
  *ss = s;
}

template <class T>
RISKCORE_HD inline double dss_row(const T* fct, index_t m, index_t step, double y, bool bias) {
  double mean, ss;
  mean_and_ss(fct, m, step, &mean, &ss);
  const double var = ss / static_cast<double>(bias ? m : m - 1);
  const double d = y - mean;
  return d * d / var + log(var);
}

template <class T>
RISKCORE_HD inline double ess_row(const T* fct, index_t m, index_t step, double y) {
  double mean, ss;
  mean_and_ss(fct, m, step, &mean, &ss);
  const double s = sqrt(ss / static_cast<double>(m - 1));
  double cubes = 0.0;
  for (index_t i = 0; i < m; ++i) {
    const double z = (member(fct, i, step) - mean) / s;
    cubes += z * z * z;
  }
  const double g = cubes / (static_cast<double>(m - 1) * static_cast<double>(m - 2));
  const double e = mean - y;
  const double core = s * s - e * e - e * s * g;
  return core * core;
}

RISKCORE_HD inline double gauss_kernel(double a, double b) {
  const double d = a - b;
  return exp(-0.5 * d * d);
}

template <class T>
RISKCORE_HD inline double gks_row(const T* fct, index_t m, index_t step, double y, EnsembleScore kind) {
  const double md = static_cast<double>(m);
  double to_obs = 0.0;
  for (index_t i = 0; i < m; ++i) to_obs += gauss_kernel(member(fct, i, step), y);
  double spread = 0.0;
  if (kind == EnsembleScore::gks_nrg || kind == EnsembleScore::gks_fair) {
    for (index_t i = 0; i < m; ++i)
      for (index_t j = i + 1; j < m; ++j) spread += 2.0 * gauss_kernel(member(fct, i, step), member(fct, j, step));
    spread = kind == EnsembleScore::gks_nrg ? (spread + md) / (md * md) : spread / (md * (md - 1.0));
  } else {
    const index_t s = akr_shift(kind == EnsembleScore::gks_akr ? EnsembleEstimator::akr : EnsembleEstimator::akr_circperm, m);
    for (index_t i = 0; i < m; ++i) {
      const index_t j = i + s < m ? i + s : i + s - m;
      spread += gauss_kernel(member(fct, i, step), member(fct, j, step));
    }
    spread /= md;
  }
  return -(to_obs / md - 0.5 * spread - 0.5);
}

// Linear-interpolation quantile (NumPy's default) of sorted x[0..m).
RISKCORE_HD inline double sorted_quantile(const double* x, index_t m, double p) {
  const double h = p * static_cast<double>(m - 1);
  const index_t lo = static_cast<index_t>(floor(h));
  const index_t hi = lo + 1 < m ? lo + 1 : lo;
  return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

// Silverman's rule of thumb as scoringrules computes it: sd with 1/(m-1), IQR by linear interpolation.
// Scratch: key holds m doubles.
template <class T>
RISKCORE_HD inline double silverman_bandwidth(const T* fct, index_t m, index_t step, double* key) {
  double mean, ss;
  mean_and_ss(fct, m, step, &mean, &ss);
  for (index_t i = 0; i < m; ++i) key[i] = member(fct, i, step);
  heapsort_with_payload(key, nullptr, nullptr, m);
  const double iqr = sorted_quantile(key, m, 0.75) - sorted_quantile(key, m, 0.25);
  const double sd = sqrt(ss / static_cast<double>(m - 1));
  return 1.06 * fmin(sd, iqr / 1.34) * pow(static_cast<double>(m), -0.2);
}

template <class T>
RISKCORE_HD inline double logs_row(const T* fct, index_t m, index_t step, double y, double bw, double* key) {
  if (!(bw > 0.0)) bw = silverman_bandwidth(fct, m, step, key);
  double largest = -static_cast<double>(INFINITY);
  for (index_t i = 0; i < m; ++i) {
    const double z = (y - member(fct, i, step)) / bw;
    const double e = -0.5 * z * z;
    largest = e > largest ? e : largest;
  }
  double total = 0.0;
  for (index_t i = 0; i < m; ++i) {
    const double z = (y - member(fct, i, step)) / bw;
    total += exp(-0.5 * z * z - largest);
  }
  // -log( (1/m) sum exp(e_i) / (bw sqrt(2 pi)) )
  return -(largest + log(total)) + log(static_cast<double>(m) * bw) + 0.91893853320467274178;
}

// One score of one row; NaN for a NaN observation or member.
template <class T>
RISKCORE_HD inline double ensemble_score_row(EnsembleScore kind, const T* fct, index_t m, index_t step, T obs,
                                             double param, double* key) {
  const double y = static_cast<double>(obs);
  if (y != y) return quiet_nan();
  for (index_t i = 0; i < m; ++i)
    if (member(fct, i, step) != member(fct, i, step)) return quiet_nan();
  switch (kind) {
    case EnsembleScore::dss:
    case EnsembleScore::dss_bias:
      return dss_row(fct, m, step, y, kind == EnsembleScore::dss_bias);
    case EnsembleScore::ess:
      return ess_row(fct, m, step, y);
    case EnsembleScore::logs:
      return logs_row(fct, m, step, y, param, key);
    default:
      return gks_row(fct, m, step, y, kind);
  }
}

}  // namespace riskcore
