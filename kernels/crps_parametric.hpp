// Closed-form CRPS of parametric forecast distributions: pure elementwise functors, host and device.
// Each functor has `arity` parameters after the observation and returns CRPS(F_params, y). Formulas:
// Gneiting & Raftery (2007), Taillardat et al. (2016), Friederichs & Thorarinsdottir (2012),
// Jordan, Krueger & Lerch (2019, scoringRules) -- z = (y - location) / scale throughout.
#pragma once
#include <cmath>

#include "config.hpp"
#include "crps_truncated.hpp"
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

// Uniform on [a, b] with point masses L at a and U at b (kappa = 1 - L - U on the interior):
// (b - a) [|w - F| + kappa F^2 - (1 - 2L) F + kappa^2/3 + (1 - L) U],  w = (y - a)/(b - a),  F = clip(w, 0, 1)
struct UniformCrps {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double lower, double upper, double lmass, double umass) const {
    const double width = upper - lower, kappa = 1.0 - lmass - umass;
    const double w = (y - lower) / width;
    const double f = fmin(fmax(w, 0.0), 1.0);
    return width * (fabs(w - f) + kappa * f * f - (1.0 - 2.0 * lmass) * f + kappa * kappa / 3.0 + (1.0 - lmass) * umass);
  }
};

// y (2 Phi(w) - 1) - 2 e^{mu + s^2/2} [Phi(w - s) - Q(s / sqrt 2)],  w = (log y - mu) / s, with both
// products in the bracket taken in scaled form (Mills ratio R): e^{mu + s^2/2} Phi(w - s) = y phi(w) R(s - w)
// for s >= w and e^{mu + s^2/2} Q(s / sqrt 2) = e^{mu + s^2/4} R(s / sqrt 2) / sqrt(2 pi), so no 1 - Phi
// cancels and nothing overflows before the score itself does.
// min(max(x, lo), hi) as two selects (GCC vectorises neither fmin nor fmax); NaN stays NaN only if
// neither compare holds, which the fast forms' ok flags rule out anyway.
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline double fast_clamp(double x, double lo, double hi) {
  const double below_hi = x < hi ? x : hi;
  return below_hi > lo ? below_hi : lo;
}

struct LognormalTerms {
  double below, spread;  // e^{mu + s^2/2} Phi(w - s) and e^{mu + s^2/2} Q(s / sqrt 2)
};

RISKCORE_HD inline LognormalTerms lognormal_terms(double y, double mulog, double sigmalog) {
  const double w = y > 0 ? (log(y) - mulog) / sigmalog : -static_cast<double>(INFINITY);
  const double below = sigmalog >= w ? (y > 0 ? y * normal_pdf(w) * mills(sigmalog - w) : 0.0)
                                     : exp(mulog + 0.5 * sigmalog * sigmalog) * normal_cdf(w - sigmalog);
  const double spread = exp(mulog + 0.25 * sigmalog * sigmalog) * mills(sigmalog * 0.70710678118654752440) *
                        0.39894228040143267794;
  return LognormalTerms{below, spread};
}

// `fast`: the common case (0 < y < inf, 0 < s <= 10, s - w <= 37, |mu| <= 600) in one branch-free pass,
// both bracket terms in product form: e^{mu + s^2/2} <= e^650 and erfc((s - w)/sqrt2) >= 1e-300 stay
// in range, and erfc of a non-negative argument (s - w >= 0 is where the Mills form is used above) or
// of -(w - s) < 0 (then Phi(w - s) >= 1/2) has no 1 - Phi to cancel: the same value to rounding.
struct LognormalCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mulog, double sigmalog) const {
    const double w = y > 0 ? (log(y) - mulog) / sigmalog : -static_cast<double>(INFINITY);
    const LognormalTerms t = lognormal_terms(y, mulog, sigmalog);
    return y * (2.0 * normal_cdf(w) - 1.0) - 2.0 * (t.below - t.spread);
  }
  RISKCORE_HD RISKCORE_ALWAYS_INLINE double fast(double y, double mulog, double sigmalog, int& ok) const {
    // arguments clamped where ok = 0 anyway (no slow-path lanes in the vector exp/erfc, no selects on
    // the ok mask: those stop the vectoriser)
    const bool inside = (y > 0.0) & (y < static_cast<double>(INFINITY));
    const double w = (log(inside ? y : 1.0) - mulog) / sigmalog, gap = sigmalog - w;
    const double e = exp(fast_clamp(mulog + 0.5 * sigmalog * sigmalog, -700.0, 650.0));
    const double below = e * (0.5 * erfc(fast_clamp(gap, -40.0, 37.0) * 0.70710678118654752440));
    const double spread = e * (0.5 * erfc(sigmalog * 0.5));
    ok = inside & (sigmalog > 0.0) & (sigmalog <= 10.0) & (gap <= 37.0) & (mulog <= 600.0) & (mulog >= -600.0);
    return y * (2.0 * normal_cdf(fast_clamp(w, -40.0, 40.0)) - 1.0) - 2.0 * (below - spread);
  }
};

// y (2 P(a, b y) - 1) - (a / b)(2 P(a + 1, b y) - 1) - 1 / (b B(1/2, a))
struct GammaCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double shape, double rate) const {
    double p, p_next;
    gamma_p_pair(shape, rate * y, &p, &p_next);
    return y * (2.0 * p - 1.0) - shape / rate * (2.0 * p_next - 1.0) -
           exp(log_gamma_ratio(shape, 0.5)) / (rate * sqrt(kPi));  // 1 / (b B(1/2, a))
  }
};

// sigma [z (2 F(z) - 1) + 2 f(z) (df + z^2)/(df - 1)
//        - 2 sqrt(df) B(1/2, df - 1/2) / ((df - 1) B(1/2, df/2)^2)],   df > 1
// d(eps) = D / eps for df = 1 + eps, D = log[Gamma((df+1)/2) Gamma(df - 1/2) / (Gamma(df/2) Gamma(df))]: D -> 0
// as df -> 1, where the lgamma differences cancel, so near 1 it is the Taylor series of the four log-gammas
// about 1/2 and 1: D = -eps ln 2 + sum_k>=2 (-1)^k zeta(k) (2^k - 2) (1 - 2^-k) / k eps^k (radius 1/2;
// 27 terms reach 1e-17 at |eps| < 0.1).
RISKCORE_HD inline double t_crps_gamma_log_ratio_per_eps(double df) {
  const double eps = df - 1.0;  // exact for df in [0.5, 2] (Sterbenz)
  if (fabs(eps) >= 0.1) return (log_gamma_ratio(0.5 * df, 0.5) - log_gamma_ratio(df - 0.5, 0.5)) / eps;
  constexpr double c[] = {1.23370055013616975e+00, -2.10359958052928997e+00, 3.55137311061467198e+00, -6.02714257677083776e+00,
                          1.03482864586230683e+01, -1.80084878757427767e+01, 3.17549269340531524e+01, -5.66695762270844838e+01,
                          1.02201741627303178e+02, -1.86001053885502756e+02, 3.41167310055341602e+02, -6.30000395674915694e+02,
                          1.17014310198415615e+03, -2.18440015230664130e+03, 4.09587509517649187e+03, -7.71000005971271185e+03,
                          1.45634444820390672e+04, -2.75940000237430941e+04, 5.24287000150369568e+04, -9.98642857238328579e+04,
                          1.90650090915166307e+05, -3.64722000003874127e+05, 6.99050583335808478e+05, -1.34217720000158413e+06,
                          2.58111007692409214e+06, -4.97102688888954092e+06, 9.58698050000041910e+06};
  double series = 0.0;
  for (int k = 26; k >= 0; --k) series = c[k] + eps * series;
  return -0.6931471805599453094 + eps * series;
}

// Student t(df > 1, location, scale):
//   CRPS / scale = z (2 F(z) - 1) + [2 f(z) (df + z^2) - c(df)] / (df - 1)
// and the bracket, which cancels as df -> 1, is A e^D expm1(-(df - 1) q) with A = 2 sqrt(df / pi)
// Gamma((df+1)/2) / Gamma(df/2), q = log1p(z^2 / df) / 2 + D / (df - 1) (t_crps_gamma_log_ratio_per_eps):
// no cancellation at any df (the difference form lost 1e-13 relative at df = 1.001).
//
// The df-only terms (log B(df/2, 1/2), the gamma ratios) are kept between calls on one functor object
// while df repeats (the CPU loop calls one object over a chunk, where a broadcast df is constant);
// `caches` tells that loop to stay scalar (lanes would share the cache).
struct StudentTCrps {
  static constexpr int arity = 3;
  static constexpr bool caches = true;
  mutable double key = static_cast<double>(NAN), lbeta = 0.0, half_ratio = 0.0, d = 0.0;
  RISKCORE_HD double operator()(double y, double df, double location, double scale) const {
    if (!(df == key)) {
      key = df;
      lbeta = log_beta(0.5 * df, 0.5);
      half_ratio = log_gamma_ratio(0.5 * df, 0.5);  // log Gamma((df + 1)/2) / Gamma(df/2)
      d = t_crps_gamma_log_ratio_per_eps(df);
    }
    const double z = (y - location) / scale;
    const double tail = 0.5 * beta_inc(0.5 * df, 0.5, df / (df + z * z), lbeta);
    const double cdf = z > 0 ? 1.0 - tail : tail;
    const double eps = df - 1.0;
    const double q = 0.5 * log1p(z * z / df) + d;
    const double bracket = 2.0 * sqrt(df / kPi) * exp(half_ratio + eps * d) * (expm1(-eps * q) / eps);
    return scale * (z * (2.0 * cdf - 1.0) + bracket);
  }
};

// ------------------------------------------------------------------ truncated / censored families
// (crps_truncated.hpp: the gtc decomposition, exact in the tails, for the normal, logistic and t). The
// normal ones have a `fast` form (crps_gtc_fast with normal_interval_fast): the same value in one branch-free pass where it
// sets ok, which the CPU loop vectorises, running operator() only where ok = 0.
struct GtcNormalCrps {
  static constexpr int arity = 6;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper, double lmass,
                                double umass) const {
    return crps_gtc(NormalFamily{}, y, mu, sigma, lower, upper, lmass, umass);
  }
  RISKCORE_HD RISKCORE_ALWAYS_INLINE double fast(double y, double mu, double sigma, double lower, double upper,
                                                 double lmass, double umass, int& ok) const {
    return crps_gtc_fast(NormalIntervalFastFn{}, y, mu, sigma, lower, upper, lmass, umass, ok);
  }
};

struct CensoredNormalCrps {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper) const {
    return crps_censored(NormalFamily{}, y, mu, sigma, lower, upper);
  }
  RISKCORE_HD RISKCORE_ALWAYS_INLINE double fast(double y, double mu, double sigma, double lower, double upper,
                                                 int& ok) const {
    return crps_censored_fast(NormalIntervalFastFn{}, y, mu, sigma, lower, upper, ok);
  }
};

struct TruncatedNormalCrps {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper) const {
    return crps_gtc(NormalFamily{}, y, mu, sigma, lower, upper, 0.0, 0.0);
  }
  RISKCORE_HD RISKCORE_ALWAYS_INLINE double fast(double y, double mu, double sigma, double lower, double upper,
                                                 int& ok) const {
    return crps_gtc_fast(NormalIntervalFastFn{}, y, mu, sigma, lower, upper, 0.0, 0.0, ok);
  }
};

// GEV(shape xi < 1, location, scale), F(z) = exp(-x), x = (1 + xi z)^(-1/xi) (x = e^-z at xi = 0).
// With Gamma(1 - xi, x) = x^-xi e^-x - xi Gamma(-xi, x) and x^-xi = 1 + xi z, the closed form of
// Friederichs & Thorarinsdottir (2012) becomes, inside the support,
//   scale [-z + 2 Gamma(-xi, x) - C(xi)],  C(xi) = (1 - (2 - 2^xi) Gamma(1 - xi)) / xi
// (Gamma(0, x) = E1(x): the Gumbel case is the same line), with no 1/xi cancellation left:
//   C = [-expm1(lg) + expm1(xi log 2) e^lg] / xi, lg = lgamma(1 - xi), C(0) = log 2 - euler.
// Outside the support: scale [-z - C] below it (xi > 0), scale [z - 2 expm1(lg)/xi - C] above (xi < 0).
RISKCORE_HD inline double gev_constant(double shape, double lg) {  // C(xi), lg = lgamma(1 - xi)
  return shape == 0.0 ? 0.69314718055994530942 - kEulerGamma
                      : (-expm1(lg) + expm1(shape * 0.69314718055994530942) * exp(lg)) / shape;
}

// lgamma(1 - xi) and C(xi) are kept while the shape repeats (as for the t above).
struct GevCrps {
  static constexpr int arity = 3;
  static constexpr bool caches = true;
  mutable double key = static_cast<double>(NAN), lg = 0.0, constant = 0.0;
  RISKCORE_HD double operator()(double y, double shape, double location, double scale) const {
    if (!(shape == key)) {
      key = shape;
      lg = lgamma1p(-shape);
      constant = gev_constant(shape, lg);
    }
    const double z = (y - location) / scale;
    const double t = 1.0 + shape * z;
    if (t <= 0.0) return scale * (shape > 0 ? -z - constant : z - 2.0 * expm1(lg) / shape - constant);
    const double log_x = shape == 0.0 ? -z : -log1p(shape * z) / shape;
    return scale * (-z + 2.0 * upper_gamma_log(-shape, log_x, lg) - constant);
  }
};

}  // namespace riskcore

#include "crps_discrete.hpp"
#include "crps_families.hpp"
#include "crps_grad.hpp"
#include "log_scores.hpp"

// Every elementwise closed form and log score: X(name, functor). Used by the CPU bindings and the CUDA
// launchers (at most 7 parameters: the launcher packs 8 pointers); the gradients follow in their own list.
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
  X(gtcnormal, GtcNormalCrps)                  \
  X(twopexponential, TwoPieceExponentialCrps)  \
  X(twopnormal, TwoPieceNormalCrps)            \
  X(beta, BetaCrps)                            \
  X(csg0, Csg0Crps)                            \
  X(gpd, GpdCrps)                              \
  X(exponentialm, ExponentialMCrps)            \
  X(loglaplace, LogLaplaceCrps)                \
  X(loglogistic, LogLogisticCrps)              \
  X(gtclogistic, GtcLogisticCrps)              \
  X(tlogistic, TruncatedLogisticCrps)          \
  X(clogistic, CensoredLogisticCrps)           \
  X(gtct, GtcTCrps)                            \
  X(tt, TruncatedTCrps)                        \
  X(ct, CensoredTCrps)                         \
  X(binomial, BinomialCrps)                    \
  X(poisson, PoissonCrps)                      \
  X(negbinom, NegBinomialCrps)                 \
  X(hypergeometric, HypergeometricCrps)        \
  X(logs_normal, NormalLogs)                   \
  X(logs_logistic, LogisticLogs)               \
  X(logs_laplace, LaplaceLogs)                 \
  X(logs_t, TLogs)                             \
  X(logs_exponential, ExponentialLogs)         \
  X(logs_exponential2, Exponential2Logs)       \
  X(logs_twopexponential, TwoPieceExponentialLogs) \
  X(logs_twopnormal, TwoPieceNormalLogs)       \
  X(logs_uniform, UniformLogs)                 \
  X(logs_gamma, GammaLogs)                     \
  X(logs_beta, BetaLogs)                       \
  X(logs_lognormal, LognormalLogs)             \
  X(logs_loglaplace, LogLaplaceLogs)           \
  X(logs_loglogistic, LogLogisticLogs)         \
  X(logs_gev, GevLogs)                         \
  X(logs_gpd, GpdLogs)                         \
  X(logs_tnormal, TruncatedNormalLogs)         \
  X(logs_tlogistic, TruncatedLogisticLogs)     \
  X(logs_tt, TruncatedTLogs)                   \
  X(logs_binomial, BinomialLogs)               \
  X(logs_poisson, PoissonLogs)                 \
  X(logs_negbinom, NegBinomialLogs)            \
  X(logs_hypergeometric, HypergeometricLogs)

// Every parameter gradient (kernels/crps_grad.hpp, crps_discrete.hpp): X(name, functor), in three lists whose
// CUDA launchers are three translation units (crps_grad.cu, crps_grad_incomplete_gamma.cu,
// crps_grad_bounded.cu): ptxas took 15 minutes over the one file they were, on one core of two.
// Consumers run each functor as NanPropagating<functor>.
#define RISKCORE_PARAMETRIC_GRAD_CLOSED(X) \
  X(grad_normal_mu, NormalGradMu) \
  X(grad_normal_sigma, NormalGradSigma) \
  X(grad_logistic_mu, LogisticGradMu) \
  X(grad_logistic_sigma, LogisticGradSigma) \
  X(grad_laplace_location, LaplaceGradLocation) \
  X(grad_laplace_scale, LaplaceGradScale) \
  X(grad_t_location, StudentTGradLocation) \
  X(grad_t_scale, StudentTGradScale) \
  X(grad_lognormal_mulog, LognormalGradMulog) \
  X(grad_lognormal_sigmalog, LognormalGradSigmalog) \
  X(grad_twopnormal_scale1, TwoPieceNormalGradScale1) \
  X(grad_twopnormal_scale2, TwoPieceNormalGradScale2) \
  X(grad_twopnormal_location, TwoPieceNormalGradLocation) \
  X(grad_exponential_rate, ExponentialGradRate) \
  X(grad_twopexponential_scale1, TwoPieceExponentialGradScale1) \
  X(grad_twopexponential_scale2, TwoPieceExponentialGradScale2) \
  X(grad_twopexponential_location, TwoPieceExponentialGradLocation) \
  X(grad_uniform_lower, UniformGradLower) \
  X(grad_uniform_upper, UniformGradUpper) \
  X(grad_uniform_lmass, UniformGradLmass) \
  X(grad_uniform_umass, UniformGradUmass) \
  X(grad_gpd_shape, GpdGradShape) \
  X(grad_gpd_location, GpdGradLocation) \
  X(grad_gpd_scale, GpdGradScale) \
  X(grad_gpd_mass, GpdGradMass) \
  X(grad_exponentialm_mass, ExponentialMGradMass) \
  X(grad_exponentialm_location, ExponentialMGradLocation) \
  X(grad_exponentialm_scale, ExponentialMGradScale) \
  X(grad_beta_lower, BetaGradLower) \
  X(grad_beta_upper, BetaGradUpper) \
  X(grad_loglaplace_locationlog, LogLaplaceGradMulog) \
  X(grad_loglaplace_scalelog, LogLaplaceGradScalelog) \
  X(grad_loglogistic_mulog, LogLogisticGradMulog) \
  X(grad_loglogistic_sigmalog, LogLogisticGradSigmalog)

#define RISKCORE_PARAMETRIC_GRAD_INCOMPLETE_GAMMA(X) \
  X(grad_gev_shape, GevGradShape) \
  X(grad_gev_location, GevGradLocation) \
  X(grad_gev_scale, GevGradScale) \
  X(grad_gamma_shape, GammaGradShape) \
  X(grad_gamma_rate, GammaGradRate) \
  X(grad_gamma_scale, GammaGradScale) \
  X(grad_csg0_shape, Csg0GradShape) \
  X(grad_csg0_rate, Csg0GradRate) \
  X(grad_csg0_scale, Csg0GradScale) \
  X(grad_csg0_shift, Csg0GradShift)

#define RISKCORE_PARAMETRIC_GRAD_BOUNDED(X) \
  X(grad_gtcnormal_location, GtcNormalGrad<kGtcLocation>) \
  X(grad_gtcnormal_scale, GtcNormalGrad<kGtcScale>) \
  X(grad_gtcnormal_lower, GtcNormalGrad<kGtcLower>) \
  X(grad_gtcnormal_upper, GtcNormalGrad<kGtcUpper>) \
  X(grad_gtcnormal_lmass, GtcNormalGrad<kGtcLmass>) \
  X(grad_gtcnormal_umass, GtcNormalGrad<kGtcUmass>) \
  X(grad_gtclogistic_location, GtcLogisticGrad<kGtcLocation>) \
  X(grad_gtclogistic_scale, GtcLogisticGrad<kGtcScale>) \
  X(grad_gtclogistic_lower, GtcLogisticGrad<kGtcLower>) \
  X(grad_gtclogistic_upper, GtcLogisticGrad<kGtcUpper>) \
  X(grad_gtclogistic_lmass, GtcLogisticGrad<kGtcLmass>) \
  X(grad_gtclogistic_umass, GtcLogisticGrad<kGtcUmass>) \
  X(grad_gtct_location, GtcTGrad<kGtcLocation>) \
  X(grad_gtct_scale, GtcTGrad<kGtcScale>) \
  X(grad_gtct_lower, GtcTGrad<kGtcLower>) \
  X(grad_gtct_upper, GtcTGrad<kGtcUpper>) \
  X(grad_gtct_lmass, GtcTGrad<kGtcLmass>) \
  X(grad_gtct_umass, GtcTGrad<kGtcUmass>) \
  X(grad_cnormal_location, CensoredNormalGrad<kGtcLocation>) \
  X(grad_cnormal_scale, CensoredNormalGrad<kGtcScale>) \
  X(grad_cnormal_lower, CensoredNormalGrad<kGtcLower>) \
  X(grad_cnormal_upper, CensoredNormalGrad<kGtcUpper>) \
  X(grad_clogistic_location, CensoredLogisticGrad<kGtcLocation>) \
  X(grad_clogistic_scale, CensoredLogisticGrad<kGtcScale>) \
  X(grad_clogistic_lower, CensoredLogisticGrad<kGtcLower>) \
  X(grad_clogistic_upper, CensoredLogisticGrad<kGtcUpper>) \
  X(grad_ct_location, CensoredTGrad<kGtcLocation>) \
  X(grad_ct_scale, CensoredTGrad<kGtcScale>) \
  X(grad_ct_lower, CensoredTGrad<kGtcLower>) \
  X(grad_ct_upper, CensoredTGrad<kGtcUpper>) \
  X(grad_poisson_mean, PoissonGradMean) \
  X(grad_binomial_prob, BinomialGradProb) \
  X(grad_negbinom_prob, NegBinomialGradProb) \
  X(grad_negbinom_mu, NegBinomialGradMu)

#define RISKCORE_PARAMETRIC_GRAD(X)        \
  RISKCORE_PARAMETRIC_GRAD_CLOSED(X)   \
  RISKCORE_PARAMETRIC_GRAD_INCOMPLETE_GAMMA(X) \
  RISKCORE_PARAMETRIC_GRAD_BOUNDED(X)

namespace riskcore {

// A gradient is NaN wherever an argument is: the partials branch on y and on the parameters (y > 0, z < 0,
// ...), and a comparison reads NaN as false, which would give a finite slope for a NaN observation.
template <class F>
struct NanPropagating : F {
  template <class... P>
  RISKCORE_HD double operator()(double y, P... params) const {
    return ((y != y) || ... || (params != params)) ? NAN : F::operator()(y, params...);
  }
};

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

// One component's share of the mixture gradient (wt = w / W, z_j = (y - m_j)/s_j, d_jk = m_j - m_k,
// s_jk = sqrt(s_j^2 + s_k^2); dA/dmu = 2 Phi(mu/s) - 1, dA/ds = 2 phi(mu/s), dA/dmu odd in mu):
//   d/dm_j = -wt_j [2 Phi(z_j) - 1 + sum_k wt_k (2 Phi(d_jk/s_jk) - 1)],
//   d/ds_j = 2 wt_j [phi(z_j) - s_j sum_k wt_k phi(d_jk/s_jk) / s_jk];
// returns g_j = A(y - m_j, s_j) - sum_k wt_k A(d_jk, s_jk), the derivative in wt_j of the score.
template <class T>
RISKCORE_HD inline double mixnorm_component_slopes(double y, const T* m, const T* s, const T* w, double wsum,
                                                   index_t k_count, index_t j, double& dm, double& ds) {
  const double mj = m[j], sj = s[j], wj = w[j] / wsum, z = (y - mj) / sj;
  double cdf_sum = 0.0, pdf_sum = 0.0, pair_sum = 0.0;
  for (index_t k = 0; k < k_count; ++k) {
    const double wk = w[k] / wsum, sk = s[k], sd = sqrt(sj * sj + sk * sk), d = mj - static_cast<double>(m[k]);
    const double slope = 2.0 * normal_cdf(d / sd) - 1.0, density = normal_pdf(d / sd);  // normal_abs_mean's terms
    cdf_sum += wk * slope;
    pdf_sum += wk * density / sd;
    pair_sum += wk * (d * slope + 2.0 * sd * density);
  }
  dm = -wj * (2.0 * normal_cdf(z) - 1.0 + cdf_sum);
  ds = 2.0 * wj * (normal_pdf(z) - sj * pdf_sum);
  return normal_abs_mean(y - mj, sj) - pair_sum;
}

// Gradient of crps_mixnorm_row in every m_j, s_j and raw weight w_j, written to dm, ds, dw (K each).
// With the weights normalised, d/dw_j = (g_j - sum_i wt_i g_i) / W. Two O(K^2) passes (the weighted mean
// of g first), so nothing is stored between them and float32 rows round once.
template <class T>
RISKCORE_HD inline void crps_mixnorm_grad_row(T obs, const T* m, const T* s, const T* w, index_t k_count, T* dm,
                                              T* ds, T* dw) {
  double wsum = 0.0, g_mean = 0.0, dm_j = 0.0, ds_j = 0.0;
  const double y = obs;
  for (index_t j = 0; j < k_count; ++j) wsum += w[j];
  for (index_t j = 0; j < k_count; ++j)
    g_mean += w[j] / wsum * mixnorm_component_slopes(y, m, s, w, wsum, k_count, j, dm_j, ds_j);
  for (index_t j = 0; j < k_count; ++j) {
    const double g = mixnorm_component_slopes(y, m, s, w, wsum, k_count, j, dm_j, ds_j);
    dm[j] = static_cast<T>(dm_j);
    ds[j] = static_cast<T>(ds_j);
    dw[j] = static_cast<T>((g - g_mean) / wsum);
  }
}

}  // namespace riskcore
