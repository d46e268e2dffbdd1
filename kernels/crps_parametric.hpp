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

// y (2 Phi(w) - 1) - 2 e^{mu + s^2/2} [Phi(w - s) + Phi(s / sqrt 2) - 1],  w = (log y - mu) / s
struct LognormalCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mulog, double sigmalog) const {
    const double w = y > 0 ? (log(y) - mulog) / sigmalog : -static_cast<double>(INFINITY);
    const double scale = 2.0 * exp(mulog + 0.5 * sigmalog * sigmalog);
    return y * (2.0 * normal_cdf(w) - 1.0) -
           scale * (normal_cdf(w - sigmalog) + normal_cdf(sigmalog * 0.70710678118654752440) - 1.0);
  }
};

// y (2 P(a, b y) - 1) - (a / b)(2 P(a + 1, b y) - 1) - 1 / (b B(1/2, a))
struct GammaCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double shape, double rate) const {
    const double x = rate * y;
    return y * (2.0 * gamma_p(shape, x) - 1.0) - shape / rate * (2.0 * gamma_p(shape + 1.0, x) - 1.0) -
           1.0 / (rate * exp(log_beta(0.5, shape)));
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
    const double pdf = exp(lgamma(0.5 * (df + 1.0)) - lgamma(0.5 * df) - 0.5 * log(df * kPi) -
                           0.5 * (df + 1.0) * log1p(z * z / df));
    const double constant = 2.0 * sqrt(df) / (df - 1.0) *
                            exp(log_beta(0.5, df - 0.5) - 2.0 * log_beta(0.5, 0.5 * df));
    return scale * (z * (2.0 * cdf - 1.0) + 2.0 * pdf * (df + z * z) / (df - 1.0) - constant);
  }
};

// Normal(mu, sigma) restricted to [lower, upper] with point masses lmass at lower and umass at upper
// (scoringRules' gtcnormal). Censoring: lmass = Phi(l), umass = 1 - Phi(u); truncation: both 0.
RISKCORE_HD inline double crps_normal_on_interval(double y, double mu, double sigma, double lower,
                                                  double upper, double lmass, double umass) {
  const double w = (y - mu) / sigma, l = (lower - mu) / sigma, u = (upper - mu) / sigma;
  const double z = fmin(fmax(w, l), u);
  const double cdf_u = normal_cdf(u), cdf_l = normal_cdf(l), cdf_z = normal_cdf(z);
  const double pdf_u = normal_pdf(u), pdf_l = normal_pdf(l), pdf_z = normal_pdf(z);
  const double inner = 1.0 - lmass - umass;
  const double c = inner / (cdf_u - cdf_l);
  const double mass_u = umass == 0.0 ? 0.0 : u * umass * umass;
  const double mass_l = lmass == 0.0 ? 0.0 : l * lmass * lmass;
  const double s1 = fabs(w - z) + mass_u - mass_l;
  const double s2 = c * z * (2.0 * cdf_z - ((1.0 - 2.0 * lmass) * cdf_u + (1.0 - 2.0 * umass) * cdf_l) / inner);
  const double s3 = c * (2.0 * pdf_z - 2.0 * pdf_u * umass - 2.0 * pdf_l * lmass);
  const double s4 = c * c * (normal_cdf(u * 1.41421356237309504880) - normal_cdf(l * 1.41421356237309504880)) / sqrt(kPi);
  return sigma * (s1 + s2 + s3 - s4);
}

struct CensoredNormalCrps {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper) const {
    const double lmass = normal_cdf((lower - mu) / sigma);
    const double umass = 1.0 - normal_cdf((upper - mu) / sigma);
    return crps_normal_on_interval(y, mu, sigma, lower, upper, lmass, umass);
  }
};

struct TruncatedNormalCrps {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper) const {
    return crps_normal_on_interval(y, mu, sigma, lower, upper, 0.0, 0.0);
  }
};

// GEV(shape xi < 1, location, scale), F(z) = exp(-(1 + xi z)^(-1/xi)):
//   xi != 0: scale [z (2F - 1) - 2 G(z) - (1 - (2 - 2^xi) Gamma(1 - xi)) / xi],
//            G = -F / xi + Gamma_upper(1 - xi, -log F) / xi inside the support, 0 below it (xi > 0),
//            -1/xi + Gamma(1 - xi)/xi above it (xi < 0);
//   xi == 0: scale [-z + 2 E1(e^-z) + euler_gamma - log 2].
struct GevCrps {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double shape, double location, double scale) const {
    const double z = (y - location) / scale;
    if (shape == 0.0) return scale * (-z + 2.0 * expint_e1(exp(-z)) + kEulerGamma - log(2.0));
    const double t = 1.0 + shape * z;
    const double a = 1.0 - shape;
    double cdf, g;
    if (t <= 0.0) {
      cdf = shape > 0 ? 0.0 : 1.0;
      g = shape > 0 ? 0.0 : (-1.0 + tgamma(a)) / shape;
    } else {
      const double neg_log_cdf = pow(t, -1.0 / shape);
      cdf = exp(-neg_log_cdf);
      g = (-cdf + gamma_q(a, neg_log_cdf) * tgamma(a)) / shape;
    }
    return scale * (z * (2.0 * cdf - 1.0) - 2.0 * g - (1.0 - (2.0 - pow(2.0, shape)) * tgamma(a)) / shape);
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
  X(gev, GevCrps)

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
