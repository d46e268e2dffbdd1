// CRPS of integer-valued laws (binomial, Poisson, negative binomial, hypergeometric), host and device.
//
// F is a step function, constant on [k, k + 1), so CRPS = int (F - H_y)^2 is the sum over integers k of
//   frac_k F(k)^2 + (1 - frac_k) S(k)^2,   frac_k = clamp(y - k, 0, 1),  S = 1 - F,
// a sum of non-negative terms. It runs over the window [a, b] around the mode outside which the
// mass is below 1e-22 (found from the pmf ratios p(k+1)/p(k), never from lgamma), F accumulated from
// a upwards and S from b downwards (so neither loses digits in its tail), the pmf normalised by its
// own sum over the window; beyond the window F is 0 (below a) or 1 (above b). Work: O(window), about
// 20 standard deviations (scoringRules sums over the whole support, or uses 2F1/Bessel forms).
#pragma once
#include <cmath>

#include "config.hpp"

namespace riskcore {

constexpr double kDiscreteCut = 1e-22;

// Law: lo, hi (support, hi may be inf), mode(), ratio(k) = p(k+1)/p(k) (k in [lo, hi)), and
// ratio_bound(k) >= every ratio(j), j >= k (the pmfs here are log-concave but for a negative binomial
// with n < 1, so ratio(k) itself but there).
// The window [a, b] with its end masses p(a), p(b) and the window's total, p(mode) = 1 (unnormalised).
struct DiscreteWindow {
  double a, pa, b, pb, total;
};

template <class Law>
RISKCORE_HD inline DiscreteWindow discrete_window(const Law& law) {
  const double mode = law.mode();
  double total = 1.0;
  double a = mode, pa = 1.0;
  while (a > law.lo) {
    const double d = 1.0 / law.ratio(a - 1.0);  // p(a - 1) / p(a), >= every such ratio further down
    if (!(d > 0.0) || (d < 1.0 && pa * d / (1.0 - d) < kDiscreteCut * total)) break;
    const double r = 1.0 / d;
    pa /= r;
    a -= 1.0;
    total += pa;
  }
  double b = mode, pb = 1.0;
  while (b < law.hi) {
    const double r = law.ratio(b), bound = law.ratio_bound(b);
    if (!(r > 0.0) || (bound < 1.0 && pb * bound / (1.0 - bound) < kDiscreteCut * total)) break;
    pb *= r;
    b += 1.0;
    total += pb;
  }
  return DiscreteWindow{a, pa, b, pb, total};
}

// `any` is the sum of the observation and the parameters: NaN if one of them is.
template <class Law>
RISKCORE_HD inline double crps_discrete(const Law& law, double y, double any) {
  if (any != any) return any;
  const DiscreteWindow win = discrete_window(law);
  const double a = win.a, b = win.b, pa = win.pa, pb = win.pb, total = win.total;
  double out = fmax(a - y, 0.0) + fmax(y - b, 0.0);
  double f = 0.0, p = pa;
  for (double k = a; k < b && k < y; k += 1.0) {  // intervals [k, k + 1) reaching below y
    f += p;
    const double frac = fmin(y - k, 1.0), fk = f / total;
    out += frac * fk * fk;
    p *= law.ratio(k);
  }
  double s = 0.0;
  p = pb;
  for (double k = b - 1.0; k >= a && k + 1.0 > y; k -= 1.0) {  // intervals reaching above y
    s += p;
    const double frac = fmax(y - k, 0.0), sk = s / total;
    out += (1.0 - frac) * sk * sk;
    p /= law.ratio(k);
  }
  return out;
}

// d CRPS / d theta = 2 sum_k [frac_k F(k) - (1 - frac_k) S(k)] dF(k)/dtheta over the same window, with
// dF(k)/dtheta = slope(k) p(k) (Poisson mean: -1; binomial prob: -(n - k)/(1 - p), 0 at k = n; negative
// binomial prob: (n + k)/p, from F(k) = I_p(n, k + 1)). The interval [b, b + 1) is included: F(b) is 1 on
// the window but dF(b) = slope(b) p(b) is not small (a Poisson mean of 1e-30: b = 0, dF(0) = -1); beyond
// the window p(k) < 1e-22 of the total. At a parameter's end (mean 0, prob 0 or 1) this is the one-sided slope.
template <class Law, class Slope>
RISKCORE_HD inline double crps_discrete_slope(const Law& law, const Slope& slope, double y, double any) {
  if (any != any) return any;
  const DiscreteWindow win = discrete_window(law);
  double out = 0.0, f = 0.0, p = win.pa;
  for (double k = win.a; k <= win.b && k < y; k += 1.0) {  // intervals [k, k + 1) reaching below y
    f += p;
    out += fmin(y - k, 1.0) * (f / win.total) * slope(k) * (p / win.total);
    if (k < win.b) p *= law.ratio(k);
  }
  double s = 0.0;
  p = win.pb;
  for (double k = win.b - 1.0; k >= win.a && k + 1.0 > y; k -= 1.0) {  // intervals reaching above y
    s += p;
    p /= law.ratio(k);  // p(k)
    out -= (1.0 - fmax(y - k, 0.0)) * (s / win.total) * slope(k) * (p / win.total);
  }
  return 2.0 * out;
}

struct BinomialLaw {
  double n, prob, lo, hi;
  RISKCORE_HD BinomialLaw(double n_, double p_) : n(n_), prob(p_), lo(0.0), hi(n_) {}
  RISKCORE_HD double mode() const { return fmin(floor((n + 1.0) * prob), n); }
  RISKCORE_HD double ratio(double k) const { return (n - k) / (k + 1.0) * (prob / (1.0 - prob)); }
  RISKCORE_HD double ratio_bound(double k) const { return ratio(k); }
};

struct PoissonLaw {
  double mean, lo, hi;
  RISKCORE_HD explicit PoissonLaw(double m) : mean(m), lo(0.0), hi(static_cast<double>(INFINITY)) {}
  RISKCORE_HD double mode() const { return floor(mean); }
  RISKCORE_HD double ratio(double k) const { return mean / (k + 1.0); }
  RISKCORE_HD double ratio_bound(double k) const { return ratio(k); }
};

// pmf C(k + n - 1, k) p^n (1 - p)^k, n > 0 real; for n < 1 the ratios grow towards 1 - p.
struct NegBinomialLaw {
  double n, prob, lo, hi;
  RISKCORE_HD NegBinomialLaw(double n_, double p_) : n(n_), prob(p_), lo(0.0), hi(static_cast<double>(INFINITY)) {}
  RISKCORE_HD double mode() const { return n > 1.0 ? floor((n - 1.0) * (1.0 - prob) / prob) : 0.0; }
  RISKCORE_HD double ratio(double k) const { return (k + n) / (k + 1.0) * (1.0 - prob); }
  RISKCORE_HD double ratio_bound(double k) const { return fmax(ratio(k), n < 1.0 ? 1.0 - prob : 0.0); }
};

// m successes, n failures, k draws (scoringRules' arguments): pmf C(m, x) C(n, k - x) / C(m + n, k).
struct HypergeometricLaw {
  double m, n, k, lo, hi;
  RISKCORE_HD HypergeometricLaw(double m_, double n_, double k_)
      : m(m_), n(n_), k(k_), lo(fmax(0.0, k_ - n_)), hi(fmin(k_, m_)) {}
  RISKCORE_HD double mode() const { return fmin(fmax(floor((k + 1.0) * (m + 1.0) / (m + n + 2.0)), lo), hi); }
  RISKCORE_HD double ratio(double x) const { return (m - x) * (k - x) / ((x + 1.0) * (n - k + x + 1.0)); }
  RISKCORE_HD double ratio_bound(double x) const { return ratio(x); }
};

struct BinomialCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double n, double prob) const {
    return crps_discrete(BinomialLaw(n, prob), y, y + n + prob);
  }
};

struct PoissonCrps {
  static constexpr int arity = 1;
  RISKCORE_HD double operator()(double y, double mean) const { return crps_discrete(PoissonLaw(mean), y, y + mean); }
};

struct NegBinomialCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double n, double prob) const {
    return crps_discrete(NegBinomialLaw(n, prob), y, y + n + prob);
  }
};

struct HypergeometricCrps {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double m, double n, double k) const {
    return crps_discrete(HypergeometricLaw(m, n, k), y, y + m + n + k);
  }
};

struct PoissonGradMean {
  static constexpr int arity = 1;
  RISKCORE_HD double operator()(double y, double mean) const {
    return crps_discrete_slope(PoissonLaw(mean), [](double) { return -1.0; }, y, y + mean);
  }
};

struct BinomialGradProb {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double n, double prob) const {
    const auto slope = [n, prob](double k) { return k < n ? -(n - k) / (1.0 - prob) : 0.0; };
    return crps_discrete_slope(BinomialLaw(n, prob), slope, y, y + n + prob);
  }
};

struct NegBinomialGradProb {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double n, double prob) const {
    const auto slope = [n, prob](double k) { return (n + k) / prob; };
    return crps_discrete_slope(NegBinomialLaw(n, prob), slope, y, y + n + prob);
  }
};

// by the mean mu = n (1 - p)/p: dp/dmu = -p^2 / n
struct NegBinomialGradMu {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double n, double prob) const {
    return -prob * prob / n * NegBinomialGradProb{}(y, n, prob);
  }
};

}  // namespace riskcore
