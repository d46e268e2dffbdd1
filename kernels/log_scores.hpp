// Log scores -log f(y) of the parametric families (scoringRules' logs_*), host and device: the negative
// log density (log pmf for the integer-valued laws; +inf where y lies outside the support or, for
// those, is not an integer). Truncated laws divide by their interval's mass taken in log space from
// the tail it lies in, so the score stays exact however far out the interval lies.
#pragma once
#include <cmath>

#include "config.hpp"
#include "crps_truncated.hpp"
#include "special.hpp"

namespace riskcore {

constexpr double kHalfLog2Pi = 0.91893853320467274178;

RISKCORE_HD inline double logs_inf() { return static_cast<double>(INFINITY); }

// c log x with 0 log 0 = 0 (densities and pmfs at the ends of their supports).
RISKCORE_HD inline double xlogy(double c, double x) { return c == 0.0 ? 0.0 : c * log(x); }

RISKCORE_HD inline double xlog1py(double c, double x) { return c == 0.0 ? 0.0 : c * log1p(x); }

// -log of a symmetric standardised density at z, and log P(l <= X <= u) of the law (tail-exact).
struct NormalNll {
  RISKCORE_HD double operator()(double z) const { return 0.5 * z * z + kHalfLog2Pi; }
};

struct LogisticNll {
  RISKCORE_HD double operator()(double z) const {
    const double a = fabs(z);
    return a + 2.0 * log1p(exp(-a));
  }
};

struct StudentNll {
  StudentFamily fam;
  RISKCORE_HD explicit StudentNll(double df) : fam(df) {}
  RISKCORE_HD double operator()(double z) const { return -fam.log_c + 0.5 * (fam.df + 1.0) * log1p(z * z / fam.df); }
};

// log S(l) for l >= 0 of each family (normal: log R(l) - l^2/2 - log sqrt(2 pi)).
RISKCORE_HD inline double log_sf_upper(const NormalFamily&, double l) {
  return log(mills(l)) - 0.5 * l * l - kHalfLog2Pi;
}
RISKCORE_HD inline double log_sf_upper(const LogisticFamily&, double l) { return -l - log1p(exp(-l)); }
RISKCORE_HD inline double log_sf_upper(const StudentFamily& fam, double l) { return log(fam.cdf(-l)); }

template <class Family>
RISKCORE_HD inline double log_interval_mass(const Family& fam, double l, double u) {
  if (l >= 0.0) return log_sf_upper(fam, l) + (isinf(u) ? 0.0 : log(fam.upper_tail(l).mass(u)));
  if (u <= 0.0) return log_sf_upper(fam, -u) + (isinf(l) ? 0.0 : log(fam.upper_tail(-u).mass(-l)));
  return log1p(-fam.cdf(l) - fam.cdf(-u));
}

template <class Family, class Nll>
RISKCORE_HD inline double logs_truncated(const Family& fam, const Nll& nll, double y, double mu, double sigma,
                                         double lower, double upper) {
  if (!(y >= lower && y <= upper)) return y != y ? y : logs_inf();
  const double l = (lower - mu) / sigma, u = (upper - mu) / sigma;
  return nll((y - mu) / sigma) + log(sigma) + log_interval_mass(fam, l, u);
}

struct NormalLogs {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mu, double sigma) const {
    return NormalNll{}((y - mu) / sigma) + log(sigma);
  }
};

struct LogisticLogs {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mu, double sigma) const {
    return LogisticNll{}((y - mu) / sigma) + log(sigma);
  }
};

struct LaplaceLogs {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double location, double scale) const {
    return fabs(y - location) / scale + log(2.0 * scale);
  }
};

struct TLogs {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double df, double location, double scale) const {
    return StudentNll(df)((y - location) / scale) + log(scale);
  }
};

struct ExponentialLogs {
  static constexpr int arity = 1;
  RISKCORE_HD double operator()(double y, double rate) const { return y < 0.0 ? logs_inf() : rate * y - log(rate); }
};

struct Exponential2Logs {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double location, double scale) const {
    const double z = y - location;
    return z < 0.0 ? logs_inf() : z / scale + log(scale);
  }
};

struct TwoPieceExponentialLogs {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double scale1, double scale2, double location) const {
    const double z = y - location;
    return fabs(z) / (z < 0.0 ? scale1 : scale2) + log(scale1 + scale2);
  }
};

struct TwoPieceNormalLogs {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double scale1, double scale2, double location) const {
    const double z = y - location;
    return NormalNll{}(z / (z < 0.0 ? scale1 : scale2)) + log(0.5 * (scale1 + scale2));
  }
};

struct UniformLogs {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double lower, double upper) const {
    return y >= lower && y <= upper ? log(upper - lower) : (y != y ? y : logs_inf());
  }
};

// Gamma(shape a, rate b): -(a log b + (a - 1) log y - b y - lgamma(a)), y >= 0.
struct GammaLogs {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double a, double b) const {
    if (y < 0.0) return logs_inf();
    if (y == 0.0 && a < 1.0) return -logs_inf();
    return -(a * log(b) + xlogy(a - 1.0, y) - b * y - lgamma(a));
  }
};

// Beta(a, b) on [lower, upper].
struct BetaLogs {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double a, double b, double lower, double upper) const {
    const double width = upper - lower, w = (y - lower) / width;
    if (!(w >= 0.0 && w <= 1.0)) return w != w ? w : logs_inf();
    if ((w == 0.0 && a < 1.0) || (w == 1.0 && b < 1.0)) return -logs_inf();
    return -(xlogy(a - 1.0, w) + xlog1py(b - 1.0, -w) - log_beta(a, b)) + log(width);
  }
};

struct LognormalLogs {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mulog, double sigmalog) const {
    if (!(y > 0.0)) return y != y ? y : logs_inf();
    return NormalNll{}((log(y) - mulog) / sigmalog) + log(sigmalog) + log(y);
  }
};

struct LogLaplaceLogs {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double locationlog, double scalelog) const {
    if (!(y > 0.0)) return y != y ? y : logs_inf();
    return fabs(log(y) - locationlog) / scalelog + log(2.0 * scalelog) + log(y);
  }
};

struct LogLogisticLogs {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mulog, double sigmalog) const {
    if (!(y > 0.0)) return y != y ? y : logs_inf();
    return LogisticNll{}((log(y) - mulog) / sigmalog) + log(sigmalog) + log(y);
  }
};

// GEV: log scale + (1 + 1/xi) log t + t^(-1/xi), t = 1 + xi z (Gumbel: log scale + z + e^-z).
struct GevLogs {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double shape, double location, double scale) const {
    const double z = (y - location) / scale;
    if (shape == 0.0) return log(scale) + z + exp(-z);
    if (!(1.0 + shape * z > 0.0)) return z != z ? z : logs_inf();
    const double lt = log1p(shape * z);
    return log(scale) + lt + lt / shape + exp(-lt / shape);
  }
};

// Generalised Pareto: log scale + (1 + 1/xi) log1p(xi z) on 0 <= z (< -1/xi for xi < 0).
struct GpdLogs {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double shape, double location, double scale) const {
    const double z = (y - location) / scale;
    if (!(z >= 0.0) || (shape < 0.0 && z > -1.0 / shape)) return z != z ? z : logs_inf();
    if (shape == 0.0) return log(scale) + z;
    const double lt = log1p(shape * z);
    return log(scale) + lt + lt / shape;
  }
};

struct TruncatedNormalLogs {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper) const {
    return logs_truncated(NormalFamily{}, NormalNll{}, y, mu, sigma, lower, upper);
  }
};

struct TruncatedLogisticLogs {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper) const {
    return logs_truncated(LogisticFamily{}, LogisticNll{}, y, mu, sigma, lower, upper);
  }
};

struct TruncatedTLogs {
  static constexpr int arity = 5;
  RISKCORE_HD double operator()(double y, double df, double mu, double sigma, double lower, double upper) const {
    const StudentNll nll(df);
    return logs_truncated(nll.fam, nll, y, mu, sigma, lower, upper);
  }
};

// ------------------------------------------------------------------------------- integer laws
RISKCORE_HD inline bool not_in_integers(double y, double lo, double hi) { return !(y >= lo && y <= hi && y == floor(y)); }

// -log C(n, k) = log(n + 1) + log B(n - k + 1, k + 1)
RISKCORE_HD inline double neg_log_choose(double n, double k) { return log1p(n) + log_beta(n - k + 1.0, k + 1.0); }

struct BinomialLogs {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double n, double prob) const {
    if (not_in_integers(y, 0.0, n)) return y != y ? y : logs_inf();
    return neg_log_choose(n, y) - xlogy(y, prob) - xlog1py(n - y, -prob);
  }
};

struct PoissonLogs {
  static constexpr int arity = 1;
  RISKCORE_HD double operator()(double y, double mean) const {
    if (not_in_integers(y, 0.0, static_cast<double>(INFINITY))) return y != y ? y : logs_inf();
    return mean - xlogy(y, mean) + lgamma(y + 1.0);
  }
};

// pmf Gamma(k + n) / (Gamma(n) k!) p^n (1 - p)^k
struct NegBinomialLogs {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double n, double prob) const {
    if (not_in_integers(y, 0.0, static_cast<double>(INFINITY))) return y != y ? y : logs_inf();
    return -(lgamma(y + n) - lgamma(n) - lgamma(y + 1.0)) - n * log(prob) - xlog1py(y, -prob);
  }
};

struct HypergeometricLogs {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double m, double n, double k) const {
    if (not_in_integers(y, fmax(0.0, k - n), fmin(k, m))) return y != y ? y : logs_inf();
    return neg_log_choose(m, y) + neg_log_choose(n, k - y) - neg_log_choose(m + n, k);
  }
};

}  // namespace riskcore
