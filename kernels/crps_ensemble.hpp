// Ensemble CRPS estimators, written once for the CPU loops and the CUDA threads.
//
// With members sorted x_(1) <= ... <= x_(m), normalised weights w (equal weights: w = 1/m) and
// W_<(k), W_>(k) the weight strictly below / above x_(k):
//   A    = sum_k w_k |x_(k) - y|
//   S/2  = sum_k w_k x_(k) (W_<(k) - W_>(k))            (= 1/2 sum_ij w_i w_j |x_i - x_j|)
//   nrg  = A - S/2                                      fair = A - S / (2 (1 - sum w^2))
//   afcrps(alpha) = alpha fair + (1 - alpha) nrg         pwm = A + b0 - 2 b1 (equal weights; = fair)
//   int  = integral (F_m(z) - 1{y <= z})^2 dz           (= nrg)
//   akr  = (1/m) sum_i |x_i - y| - (1/(2m)) sum_i |x_i - x_(i+s mod m)|   (members in their given order;
//          s = m - 1, i.e. the predecessor, for akr; s = floor(m/2) for akr_circperm)
// O(m) after the sort; the m x m matrix of differences is never formed. Sums run in double
// on values centred at y (the spread term is shift invariant), which keeps float32 inputs accurate.
#pragma once
#include <cmath>

#include "config.hpp"
#include "sort.hpp"

namespace riskcore {

enum class EnsembleEstimator : int { nrg = 0, fair = 1, afcrps = 2, pwm = 3, integral = 4, akr = 5, akr_circperm = 6 };

// The approximate kernel representation estimators compare each member with one other member in the
// given order: its predecessor (akr) or the member m/2 places on (akr_circperm). No sort.
RISKCORE_HD inline bool is_akr(EnsembleEstimator est) {
  return est == EnsembleEstimator::akr || est == EnsembleEstimator::akr_circperm;
}

RISKCORE_HD inline index_t akr_shift(EnsembleEstimator est, index_t n) {
  return est == EnsembleEstimator::akr ? (n > 1 ? n - 1 : 0) : (n > 1 ? n / 2 : 0);
}

RISKCORE_HD inline double quiet_nan() { return static_cast<double>(NAN); }

RISKCORE_HD inline double sign_of(double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); }

// The spread part c * spread of score = A - c * spread, for spread = S/2 (or a member's share of it).
// The fair denominator is the pair weight sum_{i != j} w_i w_j (= 1 - sum w^2), passed in as
// 2 sum_k w_k W_>(k): a sum of positive terms, accurate when one member carries almost all the weight.
// It divides (never multiplies by 1 / pair_weight, which could overflow); NaN for a single member.
RISKCORE_HD inline double scaled_spread(EnsembleEstimator est, double alpha, double spread, double pair_weight) {
  if (est == EnsembleEstimator::nrg || est == EnsembleEstimator::integral) return spread;
  if (!(pair_weight > 0.0)) return quiet_nan();
  const double fair = spread / pair_weight;
  return est == EnsembleEstimator::afcrps ? alpha * fair + (1.0 - alpha) * spread : fair;
}

// CRPS of L ensembles side by side: x[k * L + l] is member k (sorted ascending in k) of ensemble l,
// w the normalised weights in the same layout (nullptr: equal weights 1/m), y[l] the observations.
// The inner loops run over lanes, so L = 8 compiles to SIMD; L = 1 is the single-ensemble case.
template <int L>
RISKCORE_HD inline void crps_sorted_lanes(const double* x, const double* w, index_t m, const double* y,
                                          EnsembleEstimator est, double alpha, double* out) {
  const double inv_m = 1.0 / static_cast<double>(m);
  if (est == EnsembleEstimator::integral) {  // integral of (F(z) - H(z - y))^2 over the step CDF
    double total[L], cdf[L];
    for (int l = 0; l < L; ++l) {
      total[l] = fmax(x[l] - y[l], 0.0) + fmax(y[l] - x[(m - 1) * L + l], 0.0);
      cdf[l] = 0.0;
    }
    for (index_t k = 0; k + 1 < m; ++k) {
      for (int l = 0; l < L; ++l) {
        cdf[l] += w ? w[k * L + l] : inv_m;
        const double a = x[k * L + l], b = x[(k + 1) * L + l];
        const double below = fmax(fmin(b, y[l]) - a, 0.0);  // part of [a, b) where H = 0
        const double above = fmax(b - fmax(a, y[l]), 0.0);  // part of [a, b) where H = 1
        total[l] += cdf[l] * cdf[l] * below + (1.0 - cdf[l]) * (1.0 - cdf[l]) * above;
      }
    }
    for (int l = 0; l < L; ++l) out[l] = total[l];
    return;
  }
  if (est == EnsembleEstimator::pwm) {  // A + b0 - 2 b1, b1 = sum_k k x_(k) / (m (m - 1)), k from 0
    double abs_dev[L], b0[L], b1[L];
    for (int l = 0; l < L; ++l) abs_dev[l] = b0[l] = b1[l] = 0.0;
    const double pair_norm = 1.0 / static_cast<double>(m * (m - 1));
    for (index_t k = 0; k < m; ++k) {
      for (int l = 0; l < L; ++l) {
        const double d = x[k * L + l] - y[l];
        abs_dev[l] += fabs(d) * inv_m;
        b0[l] += d * inv_m;
        b1[l] += d * static_cast<double>(k) * pair_norm;
      }
    }
    for (int l = 0; l < L; ++l) out[l] = m < 2 ? quiet_nan() : abs_dev[l] + b0[l] - 2.0 * b1[l];
    return;
  }
  // Forward pass: A and sum_k w_k d_k W_<(k); backward pass: sum_k w_k d_k W_>(k) and the pair weight.
  // Prefix and suffix weights are both accumulated, never formed as 1 - (...): no cancellation.
  double abs_dev[L], lower_part[L], upper_part[L], pair_weight[L], acc[L];
  for (int l = 0; l < L; ++l) abs_dev[l] = lower_part[l] = upper_part[l] = pair_weight[l] = acc[l] = 0.0;
  for (index_t k = 0; k < m; ++k) {
    for (int l = 0; l < L; ++l) {
      const double wk = w ? w[k * L + l] : inv_m;
      const double d = x[k * L + l] - y[l];
      abs_dev[l] += wk * fabs(d);
      lower_part[l] += wk * d * acc[l];
      acc[l] += wk;
    }
  }
  for (int l = 0; l < L; ++l) acc[l] = 0.0;
  for (index_t k = m; k-- > 0;) {
    for (int l = 0; l < L; ++l) {
      const double wk = w ? w[k * L + l] : inv_m;
      upper_part[l] += wk * (x[k * L + l] - y[l]) * acc[l];
      pair_weight[l] += 2.0 * wk * acc[l];
      acc[l] += wk;
    }
  }
  for (int l = 0; l < L; ++l)
    out[l] = abs_dev[l] - scaled_spread(est, alpha, lower_part[l] - upper_part[l], pair_weight[l]);
}

// How one row is read: the member stride of fct and of the weights (0 for weights broadcast along the
// members) and the chaining interval of the threshold-weighted CRPS: every member and the observation are
// mapped through v(z) = min(max(z, lower), upper) as they are read (the identity by default), so the
// ensemble is never copied to be transformed.
struct RowLayout {
  index_t fct_step = 1;
  index_t w_step = 1;
  double lower = -INFINITY;
  double upper = INFINITY;
};

// v(z) of RowLayout; NaN stays NaN (comparisons, not fmin/fmax, which would drop it). Two separate
// selects compile to maxsd/minsd: the nested form was branchy, and half the members of a threshold at
// the median mispredicted (twcrps took twice the plain kernel's time).
RISKCORE_HD inline double chain(double v, const RowLayout& layout) {
  const double above = v < layout.lower ? layout.lower : v;
  return above > layout.upper ? layout.upper : above;
}

RISKCORE_HD inline bool is_finite_value(double v) { return fabs(v) <= 1.79769313486231570815e308; }

// Copies the non-NaN members of one row with a positive weight (and their weights) into key/w; returns
// how many, or -1 if a NaN is met and NaNs propagate. Weights are divided by the largest one before they
// are summed, then normalised to sum 1, so weights near the float64 maximum (6e307 each) stay exact.
template <class T>
RISKCORE_HD inline index_t gather_members(const T* fct, const T* weights, index_t m, bool omit_nan,
                                          double* key, double* w, index_t* pos, const RowLayout& layout) {
  index_t n = 0;
  double largest = 0.0;
  for (index_t j = 0; j < m; ++j) {
    const double v = static_cast<double>(fct[j * layout.fct_step]);
    if (v != v) {
      if (omit_nan) continue;
      return -1;
    }
    if (weights) {
      const double wj = static_cast<double>(weights[j * layout.w_step]);
      if (!(wj > 0.0)) continue;  // a member of weight 0 takes no part in the score
      w[n] = wj;
      largest = wj > largest ? wj : largest;
    }
    key[n] = chain(v, layout);
    if (pos) pos[n] = j;
    ++n;
  }
  if (weights && n > 0) {
    double wsum = 0.0;
    for (index_t j = 0; j < n; ++j) wsum += (w[j] /= largest);
    for (index_t j = 0; j < n; ++j) w[j] /= wsum;
  }
  return n;
}

// +/-inf (the one rule, every estimator and backend): with the members sorted, a row whose observation or
// positive-weight member is infinite scores 0 if the observation and every such member are the same
// infinity (a perfect point forecast) and +inf otherwise (the integral of (F - H)^2 diverges in a tail;
// the spread term is not subtracted, as inf - inf has no value). Returns false for a finite row.
RISKCORE_HD inline bool infinite_row_score(const double* sorted, index_t n, double y, double* score) {
  if (is_finite_value(y) && is_finite_value(sorted[0]) && is_finite_value(sorted[n - 1])) return false;
  *score = (sorted[0] == y && sorted[n - 1] == y) ? 0.0 : static_cast<double>(INFINITY);
  return true;
}

// akr / akr_circperm of the members x[0..n) in their given order; the +/-inf rule as for every estimator.
RISKCORE_HD inline double akr_row_score(const double* x, index_t n, double y, index_t shift) {
  bool finite = is_finite_value(y), all_equal_y = true;
  double to_obs = 0.0, neighbours = 0.0;
  for (index_t i = 0; i < n; ++i) {
    finite = finite && is_finite_value(x[i]);
    all_equal_y = all_equal_y && x[i] == y;
    const index_t j = i + shift < n ? i + shift : i + shift - n;
    to_obs += fabs(x[i] - y);
    neighbours += fabs(x[i] - x[j]);
  }
  if (!finite) return all_equal_y ? 0.0 : static_cast<double>(INFINITY);
  return to_obs / static_cast<double>(n) - 0.5 * neighbours / static_cast<double>(n);
}

// CRPS of one ensemble row in any order (general path: weights, NaNs, infinities, large m, and every
// CUDA thread). Scratch: key and w hold m doubles each.
template <class T>
RISKCORE_HD inline double crps_ensemble_row(const T* fct, const T* weights, index_t m, T obs,
                                            EnsembleEstimator est, double alpha, bool omit_nan,
                                            double* key, double* w, const RowLayout& layout = RowLayout{}) {
  const double y = chain(static_cast<double>(obs), layout);
  if (y != y) return quiet_nan();
  double* wk = weights ? w : nullptr;
  const index_t n = gather_members(fct, weights, m, omit_nan, key, wk, nullptr, layout);
  if (n < 1) return quiet_nan();
  if (is_akr(est)) return akr_row_score(key, n, y, akr_shift(est, n));
  heapsort_with_payload(key, wk, nullptr, n);
  double score;
  if (infinite_row_score(key, n, y, &score)) return score;
  crps_sorted_lanes<1>(key, wk, n, &y, est, alpha, &score);
  return score;
}

// Gradient of nrg / fair / afcrps with respect to each member (original order), O(m log m):
//   dScore/dx_i = w_i sign(x_i - y) - c w_i (W_<(x_i) - W_>(x_i)),
// with ties counted in neither W_< nor W_> (the central-difference subgradient). Members that are NaN
// get gradient 0 when omitted; a propagated NaN makes the whole row NaN. Scratch: key, w, pos (m each).
template <class T>
RISKCORE_HD inline void crps_ensemble_grad_row(const T* fct, const T* weights, index_t m, T obs,
                                               EnsembleEstimator est, double alpha, bool omit_nan,
                                               double* key, double* w, index_t* pos, T* grad,
                                               const RowLayout& layout = RowLayout{}, index_t grad_step = 1) {
  const double y = static_cast<double>(obs);
  for (index_t j = 0; j < m; ++j) grad[j * grad_step] = static_cast<T>(0);
  index_t n = (y != y) ? -1 : gather_members(fct, weights, m, omit_nan, key, weights ? w : nullptr, pos, layout);
  if (n < 1) {
    for (index_t j = 0; j < m; ++j) grad[j * grad_step] = static_cast<T>(quiet_nan());
    return;
  }
  if (is_akr(est)) {  // d/dx_i = (sign(x_i - y) - (sign(x_i - x_(i+s)) - sign(x_(i-s) - x_i)) / 2) / n
    const index_t s = akr_shift(est, n);
    const double score = akr_row_score(key, n, y, s);
    for (index_t i = 0; i < n; ++i) {
      const index_t up = i + s < n ? i + s : i + s - n, down = i >= s ? i - s : i + n - s;
      const double g = (sign_of(key[i] - y) - 0.5 * (sign_of(key[i] - key[up]) - sign_of(key[down] - key[i]))) /
                       static_cast<double>(n);
      grad[pos[i] * grad_step] = static_cast<T>(is_finite_value(score) ? g : (score == 0.0 ? 0.0 : quiet_nan()));
    }
    return;
  }
  if (!weights)
    for (index_t j = 0; j < n; ++j) w[j] = 1.0 / static_cast<double>(n);
  heapsort_with_payload(key, w, pos, n);
  double infinite;  // the +/-inf rule: gradient 0 where the score is 0, NaN where it is +inf
  if (infinite_row_score(key, n, y, &infinite)) {
    for (index_t j = 0; j < m; ++j) grad[j * grad_step] = static_cast<T>(infinite == 0.0 ? 0.0 : quiet_nan());
    return;
  }
  double pair_weight = 0.0, suffix = 0.0;
  for (index_t k = n; k-- > 0;) {
    pair_weight += 2.0 * w[k] * suffix;
    suffix += w[k];
  }
  // Forward over tie groups: the W_< part, kept in double in `key` (grad may be float); backward: the
  // W_> part. Both weights are running sums, never 1 - (...). Once key is reused, tie groups are found
  // from the original values, which key held exactly (key[k] was chain((double)fct[pos[k]])).
  double below = 0.0;
  for (index_t start = 0; start < n;) {
    index_t end = start;
    while (end < n && key[end] == key[start]) ++end;
    double tie_weight = 0.0;
    for (index_t k = start; k < end; ++k) {
      key[k] = w[k] * sign_of(key[k] - y) - scaled_spread(est, alpha, w[k] * below, pair_weight);
      tie_weight += w[k];
    }
    below += tie_weight;
    start = end;
  }
  double above = 0.0;
  for (index_t end = n; end > 0;) {
    index_t start = end - 1;
    while (start > 0 && chain(static_cast<double>(fct[pos[start - 1] * layout.fct_step]), layout) ==
                             chain(static_cast<double>(fct[pos[end - 1] * layout.fct_step]), layout))
      --start;
    double tie_weight = 0.0;
    for (index_t k = start; k < end; ++k) {
      grad[pos[k] * grad_step] = static_cast<T>(key[k] + scaled_spread(est, alpha, w[k] * above, pair_weight));
      tie_weight += w[k];
    }
    above += tie_weight;
    end = start;
  }
}

}  // namespace riskcore
