// Multivariate ensemble scores and the weighted kernel scores, one function per forecast, written once for
// the CPU loops (cpp/multivariate_cpu.cpp), the Numba mirror (python/riskcore/_numba/multivariate.py) and
// CUDA threads (the energy score's launcher in kernels/crps.cu).
//
// Kernel scores (m members x_i in R^d, observation y, normalised member weights v_i, 1/m by default):
//   rho(a, b) = ||a - b|| (energy) or -exp(-||a - b||^2 / 2) (Gaussian kernel), rho0 = rho(a, a)
//   plain  S = sum_i q_i rho(x_i, y) - 1/2 B - 1/2 rho0,   q = v
//          B = sum_{ij} v_i v_j rho_ij (nrg), sum_{i != j} v_i v_j rho_ij / (1 - sum v^2) (fair),
//              (1/m) sum_i rho(x_i, x_{i+s mod m}) (akr: s = m - 1, akr_circperm: s = m / 2; no weights)
//   ow     S = w(y) [sum_i u_i rho(x_i, y) - 1/2 sum_ij u_i u_j rho_ij - 1/2 rho0],  u ~ v_i w(x_i), sum u = 1
//   vr     S = w(y) sum_i t_i rho(x_i, y) - 1/2 sum_ij t_i t_j rho_ij - 1/2 w(y)^2 rho0
//              [+ (sum_i t_i ||x_i|| - w(y) ||y||)(sum_i t_i - w(y)) for the energy],  t_i = v_i w(x_i)
// Variogram scores: features a_kl(x) = |x_k - x_l|^p for k < l with weight c_kl = W_kl + W_lk, so
// rho(x, x') = sum c_kl (a_kl(x) - a_kl(x'))^2 is a squared norm and every pair sum reduces to weighted
// means and variances per feature (O(m d^2), no member pairs):
//   sum_i q_i ||a_i - b||^2 = V + Q ||abar - b||^2 and sum_ij q_i q_j ||a_i - a_j||^2 = 2 Q V,
//   with Q = sum q, abar = sum q_i a_i / Q, V = sum_i q_i ||a_i - abar||^2; so vs_nrg = ||abar - b||^2,
//   vs_fair = ||abar - b||^2 - V sum v^2 / (1 - sum v^2), owvs = w(y) ||abar - b||^2 (q ~ v w(x), sum 1),
//   vrvs = (w(y) - Q) V + w(y) Q ||abar - b||^2 + (sum_i q_i ||a_i||^2 - w(y) ||b||^2)(Q - w(y)) (q = v w(x)).
// Dawid-Sebastiani: (y - mean)^T S^-1 (y - mean) + log det S by a Cholesky factor of the sample covariance.
// Conditional / censored likelihood of the Gaussian kernel density, in log space (finite in the tails).
// NaN observations or members give NaN.
#pragma once
#include <cfloat>
#include <cmath>

#include "config.hpp"
#include "crps_ensemble.hpp"
#include "ensemble_scores.hpp"
#include "special.hpp"

namespace riskcore {

enum class MvScore : int { es_nrg = 0, es_fair = 1, es_akr = 2, es_akr_circperm = 3, owes = 4, vres = 5,
                           gks_nrg = 6, gks_fair = 7, gks_akr = 8, gks_akr_circperm = 9, owgks = 10, vrgks = 11,
                           vs_nrg = 12, vs_fair = 13, owvs = 14, vrvs = 15, dss = 16, dss_bias = 17 };
constexpr int kMvScores = 18;

// Strided reads: a vector (p[k * s]) and a matrix (p[i * s0 + k * s1]); a null vector is absent.
template <class T>
struct StridedVector {
  const T* p;
  index_t s;
  RISKCORE_HD double operator[](index_t k) const { return static_cast<double>(p[k * s]); }
};

template <class T>
struct StridedMatrix {
  const T* p;
  index_t s0, s1;
  RISKCORE_HD double operator()(index_t i, index_t k) const { return static_cast<double>(p[i * s0 + k * s1]); }
};

// Per-member weights q_i = v_i w(x_i), computed on the fly (no scratch, so CUDA threads can run it): v from
// the ensemble weights (divided by their largest, then normalised; 1/m when absent), w(x_i) = 1 when absent;
// with `normalise` the q are rescaled to sum 1 (false is returned when they sum to 0).
template <class T>
struct MemberWeights {
  StridedVector<T> ens, fw;
  double inv_largest, scale, sum_v2, sum_q;
  RISKCORE_HD double q(index_t i) const {
    return (ens.p ? ens[i] * inv_largest : 1.0) * scale * (fw.p ? fw[i] : 1.0);
  }
};

template <class T>
RISKCORE_HD inline bool member_weights(StridedVector<T> ens, StridedVector<T> fw, index_t m, bool normalise,
                                       MemberWeights<T>* out) {
  double largest = 0.0;
  if (ens.p)
    for (index_t i = 0; i < m; ++i) largest = fmax(largest, ens[i]);
  *out = MemberWeights<T>{ens, fw, ens.p ? 1.0 / largest : 1.0, 1.0, 0.0, 0.0};
  double total = 0.0;
  for (index_t i = 0; i < m; ++i) total += ens.p ? ens[i] * out->inv_largest : 1.0;
  out->scale = 1.0 / total;
  double v2 = 0.0, qsum = 0.0;
  for (index_t i = 0; i < m; ++i) {
    const double v = (ens.p ? ens[i] * out->inv_largest : 1.0) * out->scale;
    v2 += v * v;
    qsum += out->q(i);
  }
  out->sum_v2 = v2;
  out->sum_q = qsum;
  if (!normalise || !fw.p) return true;
  if (!(qsum > 0.0)) return false;
  out->scale /= qsum;
  out->sum_q = 1.0;
  return true;
}

template <class T>
RISKCORE_HD inline bool has_nan(StridedMatrix<T> x, StridedVector<T> y, index_t m, index_t d) {
  for (index_t k = 0; k < d; ++k)
    if (y[k] != y[k]) return true;
  for (index_t i = 0; i < m; ++i)
    for (index_t k = 0; k < d; ++k)
      if (x(i, k) != x(i, k)) return true;
  return false;
}

RISKCORE_HD inline double kernel_rho(bool energy, double squared) {
  return energy ? sqrt(squared) : -exp(-0.5 * squared);
}

template <class T>
RISKCORE_HD inline double member_gap(StridedMatrix<T> x, index_t i, index_t j, index_t d) {
  double s = 0.0;
  for (index_t k = 0; k < d; ++k) {
    const double g = x(i, k) - x(j, k);
    s += g * g;
  }
  return s;
}

template <class T>
RISKCORE_HD inline double obs_gap(StridedMatrix<T> x, index_t i, StridedVector<T> y, index_t d) {
  double s = 0.0;
  for (index_t k = 0; k < d; ++k) {
    const double g = x(i, k) - y[k];
    s += g * g;
  }
  return s;
}

// Energy and Gaussian kernel scores (plain, ow, vr), O(m^2 d), no scratch.
template <class T>
RISKCORE_HD inline double kernel_score_row(MvScore kind, StridedMatrix<T> x, StridedVector<T> y, index_t m, index_t d,
                                           StridedVector<T> ens, StridedVector<T> fw, double ow) {
  const int code = static_cast<int>(kind);
  const bool energy = code <= static_cast<int>(MvScore::vres);
  const int local = energy ? code : code - static_cast<int>(MvScore::gks_nrg);  // 0 nrg .. 3 akr_circperm, 4 ow, 5 vr
  const bool ow_form = local == 4, vr_form = local == 5;
  if (has_nan(x, y, m, d) || ((ow_form || vr_form) && ow != ow)) return quiet_nan();
  MemberWeights<T> q;
  if (!member_weights(ens, fw, m, ow_form, &q)) return quiet_nan();
  const double rho0 = energy ? 0.0 : -1.0, md = static_cast<double>(m);
  double to_obs = 0.0;
  for (index_t i = 0; i < m; ++i) to_obs += q.q(i) * kernel_rho(energy, obs_gap(x, i, y, d));
  double pairs = 0.0;
  if (local == 2 || local == 3) {
    const index_t s = akr_shift(local == 2 ? EnsembleEstimator::akr : EnsembleEstimator::akr_circperm, m);
    for (index_t i = 0; i < m; ++i) pairs += kernel_rho(energy, member_gap(x, i, i + s < m ? i + s : i + s - m, d));
    pairs /= md;
  } else {
    double upper = 0.0, diagonal = 0.0;
    for (index_t i = 0; i < m; ++i) {
      const double qi = q.q(i);
      double row = 0.0;
      for (index_t j = i + 1; j < m; ++j) row += q.q(j) * kernel_rho(energy, member_gap(x, i, j, d));
      upper += qi * row;
      diagonal += qi * qi;
    }
    pairs = local == 1 ? 2.0 * upper / (1.0 - q.sum_v2) : 2.0 * upper + diagonal * rho0;
  }
  if (local <= 3) return to_obs - 0.5 * pairs - 0.5 * rho0;
  if (ow_form) return ow * (to_obs - 0.5 * pairs - 0.5 * rho0);
  double score = ow * to_obs - 0.5 * pairs - 0.5 * ow * ow * rho0;
  if (energy) {
    double norms = 0.0;
    for (index_t i = 0; i < m; ++i) {
      double s = 0.0;
      for (index_t k = 0; k < d; ++k) s += x(i, k) * x(i, k);
      norms += q.q(i) * sqrt(s);
    }
    double ys = 0.0;
    for (index_t k = 0; k < d; ++k) ys += y[k] * y[k];
    score += (norms - ow * sqrt(ys)) * (q.sum_q - ow);
  }
  return score;
}

RISKCORE_HD inline double variogram_power(double gap, double p) {
  const double a = fabs(gap);
  return p == 1.0 ? a : p == 2.0 ? a * a : p == 0.5 ? sqrt(a) : pow(a, p);
}

// Variogram scores (plain nrg / fair, ow, vr), O(m d^2); scratch holds m doubles.
template <class T>
RISKCORE_HD inline double variogram_row(MvScore kind, StridedMatrix<T> x, StridedVector<T> y, index_t m, index_t d,
                                        StridedVector<T> ens, StridedVector<T> fw, double ow, StridedMatrix<T> w,
                                        double p, double* scratch) {
  const bool ow_form = kind == MvScore::owvs, vr_form = kind == MvScore::vrvs;
  if (has_nan(x, y, m, d) || ((ow_form || vr_form) && ow != ow)) return quiet_nan();
  double* a = scratch;
  MemberWeights<T> q;
  if (!member_weights(ens, fw, m, ow_form, &q)) return quiet_nan();
  const double total = q.sum_q;
  double dist = 0.0, var = 0.0, squares = 0.0, obs_squares = 0.0;
  for (index_t k = 0; k < d; ++k)
    for (index_t l = k + 1; l < d; ++l) {
      const double c = w(k, l) + w(l, k);
      if (c == 0.0) continue;
      const double b = variogram_power(y[k] - y[l], p);
      double mean = 0.0;
      for (index_t i = 0; i < m; ++i) {
        a[i] = variogram_power(x(i, k) - x(i, l), p);
        mean += q.q(i) * a[i];
      }
      mean = total > 0.0 ? mean / total : 0.0;
      double spread = 0.0, sq = 0.0;
      for (index_t i = 0; i < m; ++i) {
        const double qi = q.q(i);
        spread += qi * (a[i] - mean) * (a[i] - mean);
        sq += qi * a[i] * a[i];
      }
      dist += c * (mean - b) * (mean - b);
      var += c * spread;
      squares += c * sq;
      obs_squares += c * b * b;
    }
  if (kind == MvScore::vs_nrg) return dist;
  if (kind == MvScore::vs_fair) return dist - q.sum_v2 / (1.0 - q.sum_v2) * var;
  if (ow_form) return ow * dist;
  return (ow - total) * var + ow * total * dist + (squares - ow * obs_squares) * (total - ow);
}

// Dawid-Sebastiani score; scratch holds d + d * d doubles. NaN where the sample covariance is
// numerically singular (a Cholesky pivot below 4 d eps times its diagonal entry).
template <class T>
RISKCORE_HD inline double dssmv_row(StridedMatrix<T> x, StridedVector<T> y, index_t m, index_t d, bool bias,
                                    double* scratch) {
  if (has_nan(x, y, m, d)) return quiet_nan();
  double* r = scratch;
  double* c = scratch + d;  // lower triangle, row-major d x d
  for (index_t k = 0; k < d; ++k) {
    double s = 0.0;
    for (index_t i = 0; i < m; ++i) s += x(i, k);
    r[k] = s / static_cast<double>(m);
  }
  const double denom = static_cast<double>(bias ? m : m - 1);
  for (index_t k = 0; k < d; ++k)
    for (index_t l = 0; l <= k; ++l) {
      double s = 0.0;
      for (index_t i = 0; i < m; ++i) s += (x(i, k) - r[k]) * (x(i, l) - r[l]);
      c[k * d + l] = s / denom;
    }
  for (index_t k = 0; k < d; ++k) r[k] = y[k] - r[k];
  double log_det = 0.0, quad = 0.0;
  for (index_t j = 0; j < d; ++j) {
    const double diag = c[j * d + j];
    double s = diag;
    for (index_t t = 0; t < j; ++t) s -= c[j * d + t] * c[j * d + t];
    if (!(s > 4.0 * static_cast<double>(d) * DBL_EPSILON * diag)) return quiet_nan();
    const double pivot = sqrt(s);
    c[j * d + j] = pivot;
    for (index_t i = j + 1; i < d; ++i) {
      double e = c[i * d + j];
      for (index_t t = 0; t < j; ++t) e -= c[i * d + t] * c[j * d + t];
      c[i * d + j] = e / pivot;
    }
    double z = r[j];  // forward substitution L z = y - mean, row j
    for (index_t t = 0; t < j; ++t) z -= c[j * d + t] * r[t];
    r[j] = z / pivot;
    quad += r[j] * r[j];
    log_det += 2.0 * log(pivot);
  }
  return quad + log_det;
}

// One multivariate score of one forecast (scratch: m + d + d^2 doubles).
template <class T>
RISKCORE_HD inline double multivariate_score_row(MvScore kind, StridedMatrix<T> x, StridedVector<T> y, index_t m,
                                                 index_t d, StridedVector<T> ens, StridedVector<T> fw, double ow,
                                                 StridedMatrix<T> w, double p, double* scratch) {
  if (kind == MvScore::dss || kind == MvScore::dss_bias) return dssmv_row(x, y, m, d, kind == MvScore::dss_bias, scratch);
  if (static_cast<int>(kind) >= static_cast<int>(MvScore::vs_nrg))
    return variogram_row(kind, x, y, m, d, ens, fw, ow, w, p, scratch);
  return kernel_score_row(kind, x, y, m, d, ens, fw, ow);
}

// ------------------------------------------------------------------------------ member gradients
// d score / d x_ik of the energy score (plain, any estimator) and the variogram score (nrg, fair) into
// g (m x d, row-major); zero-length differences contribute 0 (the central subgradient), NaN rows give NaN.
//   energy: q_i u(x_i - y) - c q_i sum_{j != i} q_j u(x_i - x_j),  u(z) = z / ||z||, c = 1 (nrg), 1/(1 - sum v^2)
//           (fair); akr: (1/m) u(x_i - y) - (1/2m) [u(x_i - x_{i+s}) + u(x_i - x_{i-s})]
//   VS:     sum_{l != k} c_kl 2 q_i [(abar_kl - b_kl) - kappa (a_ikl - abar_kl)] p |x_ik - x_il|^(p-1) sign(x_ik - x_il),
//           kappa = 0 (nrg) or sum v^2 / (1 - sum v^2) (fair; the abar terms vanish since sum_i q_i (a_i - abar) = 0)
RISKCORE_HD inline double variogram_power_slope(double gap, double p) {
  if (gap == 0.0) return 0.0;
  const double a = fabs(gap), sign = gap > 0.0 ? 1.0 : -1.0;
  return sign * (p == 1.0 ? 1.0 : p == 2.0 ? 2.0 * a : p == 0.5 ? 0.5 / sqrt(a) : p * pow(a, p - 1.0));
}

template <class T>
RISKCORE_HD inline void add_unit_difference(StridedMatrix<T> x, index_t i, index_t j, index_t d, double scale, double* g) {
  const double norm = sqrt(member_gap(x, i, j, d));
  if (!(norm > 0.0)) return;
  for (index_t k = 0; k < d; ++k) {
    const double t = scale * (x(i, k) - x(j, k)) / norm;
    g[i * d + k] -= t;
    g[j * d + k] += t;
  }
}

template <class T>
RISKCORE_HD inline void multivariate_grad_row(MvScore kind, StridedMatrix<T> x, StridedVector<T> y, index_t m, index_t d,
                                              StridedVector<T> ens, StridedMatrix<T> w, double p, double* scratch,
                                              double* g) {
  const bool nan = has_nan(x, y, m, d);
  for (index_t c = 0; c < m * d; ++c) g[c] = nan ? quiet_nan() : 0.0;
  if (nan) return;
  MemberWeights<T> q;
  member_weights(ens, StridedVector<T>{nullptr, 0}, m, false, &q);
  const double md = static_cast<double>(m);
  if (kind == MvScore::vs_nrg || kind == MvScore::vs_fair) {
    const double kappa = kind == MvScore::vs_fair ? q.sum_v2 / (1.0 - q.sum_v2) : 0.0;
    double* a = scratch;
    for (index_t k = 0; k < d; ++k)
      for (index_t l = k + 1; l < d; ++l) {
        const double c = w(k, l) + w(l, k);
        if (c == 0.0) continue;
        const double b = variogram_power(y[k] - y[l], p);
        double mean = 0.0;
        for (index_t i = 0; i < m; ++i) {
          a[i] = variogram_power(x(i, k) - x(i, l), p);
          mean += q.q(i) * a[i];
        }
        for (index_t i = 0; i < m; ++i) {
          const double coef = 2.0 * c * q.q(i) * ((mean - b) - kappa * (a[i] - mean));
          const double slope = coef * variogram_power_slope(x(i, k) - x(i, l), p);
          g[i * d + k] += slope;
          g[i * d + l] -= slope;
        }
      }
    return;
  }
  for (index_t i = 0; i < m; ++i) {
    const double norm = sqrt(obs_gap(x, i, y, d));
    if (norm > 0.0)
      for (index_t k = 0; k < d; ++k) g[i * d + k] += q.q(i) * (x(i, k) - y[k]) / norm;
  }
  if (kind == MvScore::es_akr || kind == MvScore::es_akr_circperm) {
    const index_t s = akr_shift(kind == MvScore::es_akr ? EnsembleEstimator::akr : EnsembleEstimator::akr_circperm, m);
    for (index_t i = 0; i < m; ++i) add_unit_difference(x, i, i + s < m ? i + s : i + s - m, d, 0.5 / md, g);
    return;
  }
  const double c = kind == MvScore::es_fair ? 1.0 / (1.0 - q.sum_v2) : 1.0;
  for (index_t i = 0; i < m; ++i)
    for (index_t j = i + 1; j < m; ++j) add_unit_difference(x, i, j, d, c * q.q(i) * q.q(j), g);
}

// ------------------------------------------------------------------ censored / conditional likelihood
// log Phi(t): from erfcx below -1 (no underflow far in the tail), log1p of the upper tail above.
RISKCORE_HD inline double log_normal_cdf(double t) {
  if (t == -static_cast<double>(INFINITY)) return -static_cast<double>(INFINITY);
  return t < -1.0 ? log(0.5 * erfcx(-t * 0.70710678118654752440)) - 0.5 * t * t
                  : log1p(-0.5 * erfc(t * 0.70710678118654752440));
}

// log(e^hi - e^lo), hi >= lo.
RISKCORE_HD inline double log_diff_exp(double hi, double lo) {
  if (hi == -static_cast<double>(INFINITY)) return hi;
  return hi + log(-expm1(lo - hi));
}

// log(Phi(b) - Phi(a)), a <= b: from the tail on the side away from 0, erf across 0 (no cancellation).
RISKCORE_HD inline double log_normal_mass(double a, double b) {
  if (!(a < b)) return -static_cast<double>(INFINITY);
  if (a > 0.0) return log_diff_exp(log_normal_cdf(-a), log_normal_cdf(-b));
  if (b < 0.0) return log_diff_exp(log_normal_cdf(b), log_normal_cdf(a));
  return log(0.5 * (erf(b * 0.70710678118654752440) - erf(a * 0.70710678118654752440)));
}

// log(sum_{i < n} v[i]) for v[i] = e^{lv[i]}: lv holds the logs (filled by the caller).
RISKCORE_HD inline double log_sum_exp(const double* lv, index_t n) {
  double largest = -static_cast<double>(INFINITY);
  for (index_t i = 0; i < n; ++i) largest = fmax(largest, lv[i]);
  if (largest == -static_cast<double>(INFINITY)) return largest;
  double total = 0.0;
  for (index_t i = 0; i < n; ++i) total += exp(lv[i] - largest);
  return largest + log(total);
}

// Phi(b) - Phi(a), a <= b, from the tail away from 0 (relative accuracy for small masses).
RISKCORE_HD inline double normal_mass(double a, double b) {
  if (!(a < b)) return 0.0;
  if (a > 0.0) return 0.5 * (erfc(a * 0.70710678118654752440) - erfc(b * 0.70710678118654752440));
  if (b < 0.0) return 0.5 * (erfc(-b * 0.70710678118654752440) - erfc(-a * 0.70710678118654752440));
  return 0.5 * (erf(b * 0.70710678118654752440) - erf(a * 0.70710678118654752440));
}

// Sums below this are redone in log space (their terms may have underflowed).
constexpr double kLogSpaceBelow = 1e-280;

// Censored (cens) or conditional likelihood score of the kernel density (1/m) sum_i phi((z - x_i)/bw)/bw with
// weight 1{a < z < b}; bw <= 0 or NaN picks Silverman's rule. The probability of the weighted region (or
// of its complement) is a direct sum of tail probabilities, redone by log-sum-exp of log Phi when that sum
// is below 1e-280. key holds 2m doubles.
template <class T>
RISKCORE_HD inline double clogs_row(const T* fct, index_t m, index_t step, double y, double a, double b, double bw,
                                    bool cens, double* key) {
  if (y != y || a != a || b != b) return quiet_nan();
  for (index_t i = 0; i < m; ++i)
    if (member(fct, i, step) != member(fct, i, step)) return quiet_nan();
  if (!(bw > 0.0)) bw = silverman_bandwidth(fct, m, step, key);
  const bool inside = a < y && y < b;
  if (cens && inside) return logs_row(fct, m, step, y, bw, key);
  if (!cens && !inside) return 0.0;
  double total = 0.0;
  for (index_t i = 0; i < m; ++i) {
    const double x = member(fct, i, step), lo = (a - x) / bw, hi = (b - x) / bw;
    total += cens ? normal_cdf(lo) + normal_cdf(-hi) : normal_mass(lo, hi);
  }
  double log_total;
  if (total > kLogSpaceBelow) {
    log_total = log(total);
  } else {
    for (index_t i = 0; i < m; ++i) {
      const double x = member(fct, i, step), lo = (a - x) / bw, hi = (b - x) / bw;
      if (cens) {
        key[i] = log_normal_cdf(lo);
        key[m + i] = log_normal_cdf(-hi);
      } else {
        key[i] = log_normal_mass(lo, hi);
      }
    }
    log_total = log_sum_exp(key, cens ? 2 * m : m);
  }
  const double log_m = log(static_cast<double>(m));
  if (cens) return log_m - log_total;
  return logs_row(fct, m, step, y, bw, key) + log_total - log_m;
}

}  // namespace riskcore
