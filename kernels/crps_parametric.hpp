// Closed-form CRPS of parametric forecast distributions: pure elementwise functors, host and device.
// Each functor has `arity` parameters after the observation and returns CRPS(F_params, y). Formulas:
// Gneiting & Raftery (2007), Taillardat et al. (2016), Friederichs & Thorarinsdottir (2012),
// Jordan, Krueger & Lerch (2019, scoringRules) -- z = (y - location) / scale throughout.
#pragma once
#include <cmath>

#include "config.hpp"
#include "special.hpp"

namespace riskcore {

// sigma [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)]
struct NormalCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mu, double sigma) const {
    const double z = (y - mu) / sigma;
    return sigma * (z * (2.0 * normal_cdf(z) - 1.0) + 2.0 * normal_pdf(z) - 1.0 / sqrt(kPi));
  }
};

// sigma [z - 2 log F(z) - 1],  F(z) = 1 / (1 + e^-z)
struct LogisticCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mu, double sigma) const {
    const double z = (y - mu) / sigma;
    const double log_cdf = z > 0 ? -log1p(exp(-z)) : z - log1p(exp(z));
    return sigma * (z - 2.0 * log_cdf - 1.0);
  }
};

// scale [|z| + e^-|z| - 3/4]
struct LaplaceCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double location, double scale) const {
    const double z = fabs((y - location) / scale);
    return scale * (z + exp(-z) - 0.75);
  }
};

// |y| - 2 F(y) / rate + 1 / (2 rate),  F(y) = 1 - e^{-rate y} for y >= 0
struct ExponentialCrps {
  static constexpr int arity = 1;
  RISKCORE_HD double operator()(double y, double rate) const {
    const double cdf = y > 0 ? -expm1(-rate * y) : 0.0;
    return fabs(y) - 2.0 * cdf / rate + 0.5 / rate;
  }
};

// (b - a) [|w - F| + F^2 - F + 1/3],  w = (y - a)/(b - a),  F = clip(w, 0, 1)
struct UniformCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double lower, double upper) const {
    const double width = upper - lower;
    const double w = (y - lower) / width;
    const double f = fmin(fmax(w, 0.0), 1.0);
    return width * (fabs(w - f) + f * f - f + 1.0 / 3.0);
  }
};

// y (2 Phi(w) - 1) - 2 e^{mu + s^2/2} [Phi(w - s) - Q(s / sqrt 2)],  w = (log y - mu) / s, with both
// products in the bracket taken in scaled form (Mills ratio R): e^{mu + s^2/2} Phi(w - s) = y phi(w) R(s - w)
// for s >= w and e^{mu + s^2/2} Q(s / sqrt 2) = e^{mu + s^2/4} R(s / sqrt 2) / sqrt(2 pi), so no 1 - Phi
// cancels and nothing overflows before the score itself does.
struct LognormalCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mulog, double sigmalog) const {
    const double w = y > 0 ? (log(y) - mulog) / sigmalog : -static_cast<double>(INFINITY);
    const double below = sigmalog >= w ? (y > 0 ? y * normal_pdf(w) * mills(sigmalog - w) : 0.0)
                                       : exp(mulog + 0.5 * sigmalog * sigmalog) * normal_cdf(w - sigmalog);
    const double spread = exp(mulog + 0.25 * sigmalog * sigmalog) * mills(sigmalog * 0.70710678118654752440) *
                          0.39894228040143267794;
    return y * (2.0 * normal_cdf(w) - 1.0) - 2.0 * (below - spread);
  }
};

// y (2 P(a, b y) - 1) - (a / b)(2 P(a + 1, b y) - 1) - 1 / (b B(1/2, a))
struct GammaCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double shape, double rate) const {
    const double x = rate * y;
    return y * (2.0 * gamma_p(shape, x) - 1.0) - shape / rate * (2.0 * gamma_p(shape + 1.0, x) - 1.0) -
           exp(log_gamma_ratio(shape, 0.5)) / (rate * sqrt(kPi));  // 1 / (b B(1/2, a))
  }
};

// sigma [z (2 F(z) - 1) + 2 f(z) (df + z^2)/(df - 1)
//        - 2 sqrt(df) B(1/2, df - 1/2) / ((df - 1) B(1/2, df/2)^2)],   df > 1
struct StudentTCrps {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double df, double location, double scale) const {
    const double z = (y - location) / scale;
    const double tail = 0.5 * beta_inc(0.5 * df, 0.5, df / (df + z * z));
    const double cdf = z > 0 ? 1.0 - tail : tail;
    // Gamma ratios from log_gamma_ratio: exact for large df, where lgamma differences lose digits.
    const double half_ratio = log_gamma_ratio(0.5 * df, 0.5);  // log Gamma((df + 1)/2) / Gamma(df/2)
    const double pdf = exp(half_ratio - 0.5 * log(df * kPi) - 0.5 * (df + 1.0) * log1p(z * z / df));
    const double constant = 2.0 * sqrt(df / kPi) / (df - 1.0) *
                            exp(2.0 * half_ratio - log_gamma_ratio(df - 0.5, 0.5));
    return scale * (z * (2.0 * cdf - 1.0) + 2.0 * pdf * (df + z * z) / (df - 1.0) - constant);
  }
};

// ------------------------------------------------------------------ truncated / censored families
// A law with CDF F on the real line, truncated to [l, u] (CDF F_T, survival S_T = 1 - F_T), with point
// masses L at l and U at u (kappa = 1 - L - U on the interior; scoringRules' gtc families). With
// c = clamp(y, l, u), the CRPS = int (F_gtc - H_y)^2 splits into non-negative pieces
//   |y - c| + L^2 (c - l) + 2 L kappa A1 + kappa^2 A2 + U^2 (u - c) + 2 U kappa B1 + kappa^2 B2,
//   A1 = int_l^c F_T, A2 = int_l^c F_T^2, B1 = int_c^u S_T, B2 = int_c^u S_T^2,
// so no cancellation happens here; each family computes its four integrals stably.
struct TruncatedIntegrals {
  double a1, a2, b1, b2;
};

RISKCORE_HD inline double gtc_combine(double y, double l, double u, double lmass, double umass, double kappa,
                                      const TruncatedIntegrals& t) {
  const double c = fmin(fmax(y, l), u);
  double out = fabs(y - c) + kappa * kappa * (t.a2 + t.b2);
  if (lmass > 0.0) out += lmass * (lmass * (c - l) + 2.0 * kappa * t.a1);
  if (umass > 0.0) out += umass * (umass * (u - c) + 2.0 * kappa * t.b1);
  return out;
}

// The standard normal truncated to [l, u], l >= 0: everything relative to Q(l) (no underflow, no
// cancellation far in the tail). q(x) = Q(x)/Q(l) = e(x) R(x)/R(l), e(x) = exp(-(x - l)(x + l)/2);
// int_a^b q = [e V]_b^a / R(l), int_a^b q^2 = [e^2 Z]_a^b / R(l)^2 with Z = W - R V (special.hpp).
RISKCORE_HD inline TruncatedIntegrals normal_upper_tail_integrals(double l, double u, double c) {
  const double rl = mills(l);
  auto e = [l](double x) { return isinf(x) ? 0.0 : exp(-0.5 * (x - l) * (x + l)); };
  auto jq = [&](double x) { return isinf(x) ? 0.0 : e(x) * mills_v(x) / rl; };  // int_x^inf q
  auto jq2 = [&](double x) {                                                   // int_x^inf q^2
    if (isinf(x)) return 0.0;
    const double ex = e(x) / rl;
    return -ex * ex * (mills_w(x) - mills(x) * mills_v(x));
  };
  const bool bounded = !isinf(u);
  const double qu = bounded ? e(u) * mills(u) / rl : 0.0;
  const double mass = 1.0 - qu;
  const double iq_lc = jq(l) - jq(c), iq_cu = jq(c) - jq(u);
  const double iq2_lc = jq2(l) - jq2(c), iq2_cu = jq2(c) - jq2(u);
  const double tail = bounded ? u - c : 0.0;
  TruncatedIntegrals t;
  t.a1 = ((c - l) - iq_lc) / mass;
  t.a2 = ((c - l) - 2.0 * iq_lc + iq2_lc) / (mass * mass);
  t.b1 = (iq_cu - qu * tail) / mass;
  t.b2 = (iq2_cu - 2.0 * qu * iq_cu + qu * qu * tail) / (mass * mass);
  return t;
}

// The four integrals of the standard normal truncated to [l, u] (standardised bounds, c in [l, u]):
// upper tail (l >= 0) as above, lower tail (u <= 0) by reflection, otherwise (l < 0 < u: the interval
// holds the mode) from int_x^inf Q and int_x^inf Q^2 directly.
RISKCORE_HD inline TruncatedIntegrals normal_truncated_integrals(double l, double u, double c) {
  if (l >= 0.0) return normal_upper_tail_integrals(l, u, c);
  if (u <= 0.0) {
    const TruncatedIntegrals r = normal_upper_tail_integrals(-u, -l, -c);
    return TruncatedIntegrals{r.b1, r.b2, r.a1, r.a2};
  }
  const double fl = normal_cdf(l), su = normal_cdf(-u);
  const double mass = 1.0 - fl - su;
  // int_a^b Phi = JQ(-b) - JQ(-a), int_a^b Phi^2 = KQ(-b) - KQ(-a), same for Q with +a, +b.
  const double ip = normal_q_integral(-c) - normal_q_integral(-l);
  const double ip2 = normal_q2_integral(-c) - normal_q2_integral(-l);
  const double iq = normal_q_integral(c) - normal_q_integral(u);
  const double iq2 = normal_q2_integral(c) - normal_q2_integral(u);
  const double head = fl > 0.0 ? c - l : 0.0, tail = su > 0.0 ? u - c : 0.0;
  TruncatedIntegrals t;
  t.a1 = (ip - fl * head) / mass;
  t.a2 = (ip2 - 2.0 * fl * ip + fl * fl * head) / (mass * mass);
  t.b1 = (iq - su * tail) / mass;
  t.b2 = (iq2 - 2.0 * su * iq + su * su * tail) / (mass * mass);
  return t;
}

// Probability of [l, u] under N(0, 1), from the tail that keeps it exact.
RISKCORE_HD inline double normal_interval_mass(double l, double u) {
  if (l >= 0.0) return normal_cdf(-l) - normal_cdf(-u);
  if (u <= 0.0) return normal_cdf(u) - normal_cdf(l);
  return 1.0 - normal_cdf(l) - normal_cdf(-u);
}

// N(mu, sigma^2) on [lower, upper] with point masses lmass, umass (gtcnormal).
RISKCORE_HD inline double crps_gtc_normal(double y, double mu, double sigma, double lower, double upper,
                                          double lmass, double umass) {
  const double w = (y - mu) / sigma, l = (lower - mu) / sigma, u = (upper - mu) / sigma;
  const double c = fmin(fmax(w, l), u);
  const double kappa = 1.0 - lmass - umass;
  return sigma * gtc_combine(w, l, u, lmass, umass, kappa, normal_truncated_integrals(l, u, c));
}

struct GtcNormalCrps {
  static constexpr int arity = 6;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper, double lmass,
                                double umass) const {
    return crps_gtc_normal(y, mu, sigma, lower, upper, lmass, umass);
  }
};

// Censoring: lmass = Phi(l), umass = Q(u), kappa = the interval's mass (computed from its own tail).
struct CensoredNormalCrps {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper) const {
    const double w = (y - mu) / sigma, l = (lower - mu) / sigma, u = (upper - mu) / sigma;
    const double c = fmin(fmax(w, l), u);
    return sigma * gtc_combine(w, l, u, normal_cdf(l), normal_cdf(-u), normal_interval_mass(l, u),
                               normal_truncated_integrals(l, u, c));
  }
};

struct TruncatedNormalCrps {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper) const {
    return crps_gtc_normal(y, mu, sigma, lower, upper, 0.0, 0.0);
  }
};

// GEV(shape xi < 1, location, scale), F(z) = exp(-x), x = (1 + xi z)^(-1/xi) (x = e^-z at xi = 0).
// With Gamma(1 - xi, x) = x^-xi e^-x - xi Gamma(-xi, x) and x^-xi = 1 + xi z, the closed form of
// Friederichs & Thorarinsdottir (2012) becomes, inside the support,
//   scale [-z + 2 Gamma(-xi, x) - C(xi)],  C(xi) = (1 - (2 - 2^xi) Gamma(1 - xi)) / xi
// (Gamma(0, x) = E1(x): the Gumbel case is the same line), with no 1/xi cancellation left:
//   C = [-expm1(lg) + expm1(xi log 2) e^lg] / xi, lg = lgamma(1 - xi), C(0) = log 2 - euler.
// Outside the support: scale [-z - C] below it (xi > 0), scale [z - 2 expm1(lg)/xi - C] above (xi < 0).
struct GevCrps {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double shape, double location, double scale) const {
    const double z = (y - location) / scale;
    const double lg = lgamma1p(-shape);
    const double constant =
        shape == 0.0 ? 0.69314718055994530942 - kEulerGamma
                     : (-expm1(lg) + expm1(shape * 0.69314718055994530942) * exp(lg)) / shape;
    const double t = 1.0 + shape * z;
    if (t <= 0.0) return scale * (shape > 0 ? -z - constant : z - 2.0 * expm1(lg) / shape - constant);
    const double log_x = shape == 0.0 ? -z : -log1p(shape * z) / shape;
    return scale * (-z + 2.0 * upper_gamma(-shape, exp(log_x)) - constant);
  }
};

// Every elementwise closed form: X(name, functor). Used by the CPU bindings and the CUDA launchers.
#define RISKCORE_PARAMETRIC_CRPS(X)            \
  X(normal, NormalCrps)                        \
  X(logistic, LogisticCrps)                    \
  X(laplace, LaplaceCrps)                      \
  X(exponential, ExponentialCrps)              \
  X(uniform, UniformCrps)                      \
  X(lognormal, LognormalCrps)                  \
  X(gamma, GammaCrps)                          \
  X(t, StudentTCrps)                           \
  X(censored_normal, CensoredNormalCrps)       \
  X(truncated_normal, TruncatedNormalCrps)     \
  X(gev, GevCrps)                              \
  X(gtcnormal, GtcNormalCrps)

// Mixture of normals with K components (weights normalised here):
//   sum_k w_k A(y - m_k, s_k) - 1/2 sum_jk w_j w_k A(m_j - m_k, sqrt(s_j^2 + s_k^2)),
//   A(mu, s) = mu (2 Phi(mu/s) - 1) + 2 s phi(mu/s)  (= E|X| for X ~ N(mu, s^2)).
RISKCORE_HD inline double normal_abs_mean(double mu, double s) {
  return mu * (2.0 * normal_cdf(mu / s) - 1.0) + 2.0 * s * normal_pdf(mu / s);
}

template <class T>
RISKCORE_HD inline double crps_mixnorm_row(T obs, const T* m, const T* s, const T* w, index_t k_count) {
  double wsum = 0.0, to_obs = 0.0, pairwise = 0.0;
  for (index_t j = 0; j < k_count; ++j) wsum += w[j];
  for (index_t j = 0; j < k_count; ++j) {
    const double wj = w[j] / wsum, mj = m[j], sj = s[j];
    to_obs += wj * normal_abs_mean(static_cast<double>(obs) - mj, sj);
    for (index_t k = 0; k < k_count; ++k) {
      const double sk = s[k];
      pairwise += wj * (w[k] / wsum) * normal_abs_mean(mj - static_cast<double>(m[k]), sqrt(sj * sj + sk * sk));
    }
  }
  return to_obs - 0.5 * pairwise;
}

}  // namespace riskcore
