// Closed-form CRPS of the further continuous families of scoringRules (Jordan, Krueger & Lerch 2019,
// whose formulas these are unless noted), host and device; z = (y - location) / scale throughout.
#pragma once
#include <cmath>

#include "config.hpp"
#include "crps_truncated.hpp"
#include "special.hpp"

namespace riskcore {

// Two-piece exponential (scale s1 below the location, s2 above), with s the scale on y's side:
//   |z| + c (e^{-|z|/s} - 1) + (s1^3 + s2^3) / (2 (s1 + s2)^2),  c = 2 s^2 / (s1 + s2)
struct TwoPieceExponentialCrps {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double scale1, double scale2, double location) const {
    const double z = y - location, a = fabs(z), s = z < 0 ? scale1 : scale2, sum = scale1 + scale2;
    const double c3 = (scale1 * scale1 * scale1 + scale2 * scale2 * scale2) / (2.0 * sum * sum);
    return a + 2.0 * s * s / sum * expm1(-a / s) + c3;
  }
};

// Two-piece normal (Gneiting & Thorarinsdottir 2010): X = -s1 |Z| with probability s1 / S and s2 |Z| with
// probability s2 / S (S = s1 + s2, Z standard normal), location 0. With s the scale on y's side, o the
// other one, t = |y - location|, v = t / s and h(v) = phi(v) - v Q(v) (Q = 1 - Phi; E|s|Z| - t| = 2 s phi(0) - t
// on the far side and t (1 - 4 Q(v)) + 4 s phi(v) - 2 s phi(0) on y's side), CRPS = E|X - y| - E|X - X'| / 2 is
//   t + e - D,  e = [2 phi(0) (o^2 - s^2) + 4 s^2 h(v)] / S,  D = [sqrt2 s1 s2 S + (2 - sqrt2)(s1^3 + s2^3)] / (sqrt(pi) S^2)
// (E| |Z| - |Z'| | = 2 (2 - sqrt2) / sqrt(pi)). Every term is O(S) next to t: no cancellation in the tails.
// v is clamped at 40, where phi and Q have underflowed (h(inf) = 0, not inf * 0).
struct TwoPieceNormalPoint {
  double t, s, o, sum, q, h, e, half_spread;  // q = Q(v), half_spread = D
  bool below;                                 // y < location: y's side is s1's
};

RISKCORE_HD RISKCORE_ALWAYS_INLINE inline TwoPieceNormalPoint two_piece_normal_point(double y, double scale1,
                                                                                    double scale2, double location) {
  constexpr double kPhi0 = 0.39894228040143267794, kSqrt2 = 1.41421356237309504880;
  const double z = y - location, t = fabs(z), sum = scale1 + scale2;
  const bool below = z < 0.0;
  const double s = below ? scale1 : scale2, o = below ? scale2 : scale1;
  const double v_raw = t / s, v = v_raw < 40.0 ? v_raw : 40.0;
  const double q = normal_cdf(-v), h = normal_pdf(v) - v * q;
  const double e = (2.0 * kPhi0 * (o * o - s * s) + 4.0 * s * s * h) / sum;
  const double cubes = scale1 * scale1 * scale1 + scale2 * scale2 * scale2;
  const double half_spread = (kSqrt2 * scale1 * scale2 * sum + (2.0 - kSqrt2) * cubes) / (sqrt(kPi) * sum * sum);
  return TwoPieceNormalPoint{t, s, o, sum, q, h, e, half_spread, below};
}

struct TwoPieceNormalCrps {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double scale1, double scale2, double location) const {
    const TwoPieceNormalPoint p = two_piece_normal_point(y, scale1, scale2, location);
    return p.t + p.e - p.half_spread;
  }
};

// Beta(a, b) on [lower, upper], w = (y - lower)/(upper - lower) (Taillardat et al. 2016):
//   (upper - lower) [w (2 I_w(a, b) - 1) + a/(a + b) (1 - 2 I_w(a + 1, b) - 2 B(2a, 2b) / (a B(a, b)^2))]
// 2 B(2a, 2b) / (a B(a, b)^2) by the duplication formula, from log Gamma(z + 1/2) / Gamma(z) ~ log(z) / 2:
// exp(L(a) + L(b) - L(a + b)) / (a sqrt(pi)), L(z) = log_gamma_ratio(z, 1/2) (the log-beta difference
// cancels lgamma values of size a log a: 8e-12 relative at a = 0.2, b = 400)
RISKCORE_HD inline double beta_spread_ratio(double a, double b) {
  return exp(log_gamma_ratio(a, 0.5) + log_gamma_ratio(b, 0.5) - log_gamma_ratio(a + b, 0.5)) / (a * sqrt(kPi));
}

struct BetaCrps {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double a, double b, double lower, double upper) const {
    const double width = upper - lower, w = (y - lower) / width;
    double i, i_next;
    beta_inc_pair(a, b, w, log_beta(a, b), &i, &i_next);
    return width * (w * (2.0 * i - 1.0) + a / (a + b) * (1.0 - 2.0 * i_next - beta_spread_ratio(a, b)));
  }
};

// Censored shifted gamma: max(X - shift, 0), X ~ Gamma(shape a, rate b) (Scheuerer & Hamill 2015);
// with t = y + shift, P(a, .) the regularised lower incomplete gamma, F_d = P(a, b shift),
// F1_d = P(a + 1, b shift):
//   t (2 P(a, bt) - 1) - a/(b pi) B(1/2, a + 1/2) (1 - P(2a, 2b shift))
//   + a/b (1 + 2 F_d F1_d - F_d^2 - 2 P(a + 1, bt)) - shift F_d^2,     y >= 0,
// and -y + CRPS(0) below 0, where F vanishes.
struct Csg0Crps {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double a, double b, double shift) const {
    if (y != y) return y;  // fmax below would read NaN as 0
    const double below = y < 0.0 ? -y : 0.0;
    const double t = fmax(y, 0.0) + shift;
    double fd, f1d, ft, f1t;
    gamma_p_pair(a, b * shift, &fd, &f1d);
    gamma_p_pair(a, b * t, &ft, &f1t);
    // B(1/2, a + 1/2) / pi = Gamma(a + 1/2) / (sqrt(pi) Gamma(a + 1))
    const double beta_term = exp(-log_gamma_ratio(a + 0.5, 0.5)) / sqrt(kPi);
    return below + t * (2.0 * ft - 1.0) - a / b * beta_term * gamma_q(2.0 * a, 2.0 * b * shift) +
           a / b * (1.0 + 2.0 * fd * f1d - fd * fd - 2.0 * f1t) - shift * fd * fd;
  }
};

// Generalised Pareto (shape xi < 1) with a point mass M at the location (Friederichs &
// Thorarinsdottir 2012): scale [|z| - 2 (1 - M)(1 - S^(1 - xi))/(1 - xi) + (1 - M)^2 / (2 - xi)],
// S = (1 + xi z)^(-1/xi) the survival function (e^-z at xi = 0), S^(1-xi) from log1p.
struct GpdCrps {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double shape, double location, double scale, double mass) const {
    const double z = (y - location) / scale, keep = 1.0 - mass;
    double head;  // 1 - S^(1 - xi)
    if (z <= 0.0) {
      head = 0.0;
    } else if (shape < 0.0 && z >= -1.0 / shape) {
      head = 1.0;
    } else {
      const double log_s = shape == 0.0 ? -z : -log1p(shape * z) / shape;
      head = -expm1((1.0 - shape) * log_s);
    }
    return scale * (fabs(z) - 2.0 * keep * head / (1.0 - shape) + keep * keep / (2.0 - shape));
  }
};

// Exponential(scale) shifted by location with a point mass M at the location:
//   |z'| - 2 scale (1 - M) F + scale (1 - M)^2 / 2,  z' = y - location, F = 1 - e^{-z'/scale} (z' > 0)
struct ExponentialMCrps {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double mass, double location, double scale) const {
    const double z = y - location, keep = 1.0 - mass;
    const double cdf = z > 0.0 ? -expm1(-z / scale) : 0.0;
    return fabs(z) - scale * keep * (2.0 * cdf - 0.5 * keep);
  }
};

// Log-Laplace (scalelog s < 1), w = (log y - locationlog)/s, F = e^w/2 (w < 0), 1 - e^-w/2 (w >= 0):
//   y (2F - 1) + e^mu [A + s / (4 - s^2)],
//   A = (1 - (2F)^(1+s))/(1 + s) below the median, -(1 - (2(1-F))^(1-s))/(1 - s) above.
struct LogLaplaceCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mulog, double s) const {
    double two_f_minus_1, a;
    if (y <= 0.0) {
      two_f_minus_1 = -1.0;
      a = 1.0 / (1.0 + s);
    } else {
      const double w = (log(y) - mulog) / s;
      if (w < 0.0) {
        two_f_minus_1 = expm1(w);
        a = -expm1((1.0 + s) * w) / (1.0 + s);
      } else {
        two_f_minus_1 = -expm1(-w);
        a = expm1(-(1.0 - s) * w) / (1.0 - s);
      }
    }
    return y * two_f_minus_1 + exp(mulog) * (a + s / (4.0 - s * s));
  }
};

// Log-logistic (sigmalog s < 1), F = 1/(1 + e^-w), w = (log y - mulog)/s, B = B(1 + s, 1 - s) = pi s / sin(pi s):
//   y (2F - 1) - e^mu B (2 I_F(1 + s, 1 - s) + s - 1)
struct LogLogisticCrps {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mulog, double s) const {
    const double f = y > 0.0 ? logistic_cdf((log(y) - mulog) / s) : 0.0;
    const double b = s == 0.0 ? 1.0 : kPi * s / sin(kPi * s);
    return y * (2.0 * f - 1.0) - exp(mulog) * b * (2.0 * beta_inc(1.0 + s, 1.0 - s, f) + s - 1.0);
  }
};

// -------------------------------------------------------------- logistic and t on intervals
// (the `fast` forms: crps_truncated.hpp's logistic_interval_fast, vectorised by the CPU loop)
struct GtcLogisticCrps {
  static constexpr int arity = 6;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper, double lmass,
                                double umass) const {
    return crps_gtc(LogisticFamily{}, y, mu, sigma, lower, upper, lmass, umass);
  }
  RISKCORE_HD RISKCORE_ALWAYS_INLINE double fast(double y, double mu, double sigma, double lower, double upper,
                                                 double lmass, double umass, int& ok) const {
    return crps_gtc_fast(LogisticIntervalFastFn{}, y, mu, sigma, lower, upper, lmass, umass, ok);
  }
};

struct TruncatedLogisticCrps {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper) const {
    return crps_gtc(LogisticFamily{}, y, mu, sigma, lower, upper, 0.0, 0.0);
  }
  RISKCORE_HD RISKCORE_ALWAYS_INLINE double fast(double y, double mu, double sigma, double lower, double upper,
                                                 int& ok) const {
    return crps_gtc_fast(LogisticIntervalFastFn{}, y, mu, sigma, lower, upper, 0.0, 0.0, ok);
  }
};

struct CensoredLogisticCrps {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper) const {
    return crps_censored(LogisticFamily{}, y, mu, sigma, lower, upper);
  }
  RISKCORE_HD RISKCORE_ALWAYS_INLINE double fast(double y, double mu, double sigma, double lower, double upper,
                                                 int& ok) const {
    return crps_censored_fast(LogisticIntervalFastFn{}, y, mu, sigma, lower, upper, ok);
  }
};

struct GtcTCrps {
  static constexpr int arity = 7;
  RISKCORE_HD double operator()(double y, double df, double mu, double sigma, double lower, double upper,
                                double lmass, double umass) const {
    return crps_gtc(StudentFamily(df), y, mu, sigma, lower, upper, lmass, umass);
  }
};

struct TruncatedTCrps {
  static constexpr int arity = 5;
  RISKCORE_HD double operator()(double y, double df, double mu, double sigma, double lower, double upper) const {
    return crps_gtc(StudentFamily(df), y, mu, sigma, lower, upper, 0.0, 0.0);
  }
};

struct CensoredTCrps {
  static constexpr int arity = 5;
  RISKCORE_HD double operator()(double y, double df, double mu, double sigma, double lower, double upper) const {
    return crps_censored(StudentFamily(df), y, mu, sigma, lower, upper);
  }
};

}  // namespace riskcore
