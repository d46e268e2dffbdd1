// Partial derivatives of the closed-form CRPS with respect to the distribution parameters, one functor
// per partial (so each is an ordinary elementwise kernel), host and device. Included from
// crps_parametric.hpp (lognormal_terms and gev_constant live there). For a location-scale law
// CRPS = s g(z), z = (y - m)/s, with g'(z) = 2F(z) - 1 (d CRPS / dy = 2F(y) - 1 for every law):
//   d/dm = 1 - 2F(z),   d/ds = g(z) - z g'(z),
// the second written per family without the cancellation of that difference.
#pragma once
#include <cmath>

#include "config.hpp"
#include "crps_families.hpp"
#include "crps_truncated.hpp"
#include "special.hpp"

namespace riskcore {

// One partial of a family whose slopes come together: Partials is a functor (with `arity`) returning a struct of
// every partial, Member the one this elementwise functor of the gradient list gives.
template <class Partials, auto Member>
struct SlopeOf {
  static constexpr int arity = Partials::arity;
  template <class... P>
  RISKCORE_HD double operator()(double y, P... params) const {
    return Partials{}(y, params...).*Member;
  }
};

// d/dmu = 1 - 2 Phi(z) = 2 Phi(-z) - 1
struct NormalGradMu {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mu, double sigma) const {
    return 2.0 * normal_cdf(-(y - mu) / sigma) - 1.0;
  }
};

// d/dsigma = 2 phi(z) - 1/sqrt(pi)
struct NormalGradSigma {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mu, double sigma) const {
    return 2.0 * normal_pdf((y - mu) / sigma) - 1.0 / sqrt(kPi);
  }
};

// 1 - 2F(z) = -tanh(z/2);  d/dsigma = 2|z| S(|z|) + 2 log(1 + e^-|z|) - 1
struct LogisticGradMu {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mu, double sigma) const { return -tanh(0.5 * (y - mu) / sigma); }
};

struct LogisticGradSigma {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mu, double sigma) const {
    const double a = fabs((y - mu) / sigma);
    return 2.0 * a * logistic_cdf(-a) + 2.0 * log1p(exp(-a)) - 1.0;
  }
};

// -sign(z)(1 - e^-|z|);  d/dscale = (1 + |z|) e^-|z| - 3/4
struct LaplaceGradLocation {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double location, double scale) const {
    const double z = (y - location) / scale;
    return z > 0 ? expm1(-z) : (z < 0 ? -expm1(z) : 0.0);
  }
};

struct LaplaceGradScale {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double location, double scale) const {
    const double a = fabs((y - location) / scale);
    return (1.0 + a) * exp(-a) - 0.75;
  }
};

// t: 1 - 2F(z) = -sign(z) P(|T| < |z|) = -sign(z) I_{z^2/(df + z^2)}(1/2, df/2) (no 1 - 2F cancellation
// near the centre); d/dscale = 2 f(z)(df + z^2)/(df - 1) - C(df) (the z (2F - 1) terms cancel exactly)
struct StudentTGradLocation {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double df, double location, double scale) const {
    const double z = (y - location) / scale;
    return -copysign(beta_inc(0.5, 0.5 * df, z * z / (df + z * z)), z);
  }
};

struct StudentTGradScale {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double df, double location, double scale) const {
    const double z = (y - location) / scale;
    const StudentFamily fam(df);
    const double half_ratio = log_gamma_ratio(0.5 * df, 0.5);
    const double constant =
        2.0 * sqrt(df / kPi) / (df - 1.0) * exp(2.0 * half_ratio - log_gamma_ratio(df - 0.5, 0.5));
    return 2.0 * fam.g(z) - constant;
  }
};

// Lognormal: CRPS(c y; mu + log c, s) = c CRPS(y; mu, s) gives d/dmu = CRPS - y (2 Phi(w) - 1)
//   = 2 (spread - below) (LognormalCrps' terms), and differentiating the closed form,
// d/dsigma = 2 y phi(w) - 2 s (below - spread) - e^{mu + s^2/4} / sqrt(pi).
struct LognormalGradMulog {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mulog, double sigmalog) const {
    const LognormalTerms t = lognormal_terms(y, mulog, sigmalog);
    return 2.0 * (t.spread - t.below);
  }
};

struct LognormalGradSigmalog {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double mulog, double sigmalog) const {
    const LognormalTerms t = lognormal_terms(y, mulog, sigmalog);
    const double pdf_term = y > 0 ? 2.0 * y * normal_pdf((log(y) - mulog) / sigmalog) : 0.0;
    return pdf_term - 2.0 * sigmalog * (t.below - t.spread) - exp(mulog + 0.25 * sigmalog * sigmalog) / sqrt(kPi);
  }
};

// GEV(shape xi < 1): 1 - 2F(z), F = exp(-x); d/dscale = 2 Gamma(-xi, x) - C(xi) - 2 z F inside the
// support, -C below it (xi > 0), -2 expm1(lgamma(1 - xi))/xi - C above it (xi < 0) (GevCrps' notation);
// for x < 1 and xi > -1 as 2 (h(-xi) - t S) - C - 2 z expm1(-x) (gev_upper_gamma_path_slope's notation), without
// the z-sized difference 2 Gamma - 2 z F (rounding ~eps z; and NaN, or 1.96e6 against -1.27, once x underflowed).
struct GevGradLocation {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double shape, double location, double scale) const {
    const double z = (y - location) / scale, t = 1.0 + shape * z;
    if (t <= 0.0) return shape > 0 ? 1.0 : -1.0;
    const double log_x = shape == 0.0 ? -z : -log1p(shape * z) / shape;
    return 1.0 - 2.0 * exp(-exp(log_x));
  }
};

struct GevGradScale {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double shape, double location, double scale) const {
    const double z = (y - location) / scale, lg = lgamma1p(-shape), constant = gev_constant(shape, lg);
    const double t = 1.0 + shape * z;
    if (t <= 0.0) return shape > 0 ? -constant : -2.0 * expm1(lg) / shape - constant;
    const double log_x = shape == 0.0 ? -z : -log1p(shape * z) / shape, x = exp(log_x);
    if (x < 1.0 && shape > -1.0) {  // Gamma(-xi, x) = h(-xi) + z - t S: the z-sized terms cancel exactly
      const double series = x > 0.0 ? upper_gamma_series(-shape, x) : 0.0;
      return 2.0 * (gamma1p_ratio(-shape) - t * series) - constant - 2.0 * z * expm1(-x);
    }
    return 2.0 * upper_gamma_log(-shape, log_x) - constant - 2.0 * z * exp(-x);
  }
};

// dC/dxi of gev_constant: C = A + B, A = (1 - Gamma(1 - xi)) / xi = h(-xi), B = log 2 E(xi log 2) Gamma(1 - xi), so
//   C' = -h'(-xi) + log 2 Gamma(1 - xi) [log 2 E'(xi log 2) - E(xi log 2) psi(1 - xi)]
// (gamma1p_ratio_slope, expm1_ratio and its slope: no 1/xi cancellation at xi -> 0).
RISKCORE_HD inline double gev_constant_slope(double shape) {
  const double w = shape * 0.69314718055994530942;
  return -gamma1p_ratio_slope(-shape) + 0.69314718055994530942 * exp(lgamma1p(-shape)) *
                                            (0.69314718055994530942 * expm1_ratio_slope(w) -
                                             expm1_ratio(w) * digamma(1.0 - shape));
}

// d Gamma(-xi, x)/dxi at fixed z, x = t^(-1/xi), t = 1 + xi z > 0 (so x^-xi = t, log x = -log1p(xi z)/xi and
// d log x/dxi = z^2 log1p_curvature(xi z)), a = -xi, by upper_gamma_log's branches:
//   x >= 1 (and a < 1 or x >= a + 1): Gamma = t e^-x / cf(a, x): -Gamma (log x - cf_a / cf) - t e^-x z^2 log1p_curvature;
//   a >= 1: Gamma(a) Q(a, x): -Gamma(a) [psi(a) Q - dP/da] - t e^-x z^2 log1p_curvature;
//   else (x < 1): Gamma = h(a) + z - t S, S = sum_{n>=1} (-x)^n / (n! (a + n)) (upper_gamma_log's head, x^a - 1 =
//   t - 1 = -a z exactly: the part that grows with z has no slope), so the slope is
//   -h'(a) - z S + t dS/da - t (x dS/dx) z^2 log1p_curvature, dS/da = -sum (-x)^n / (n! (a + n)^2),
//   x dS/dx = sum n (-x)^n / (n! (a + n)); -h'(a) at x = 0 (the limit of every branch there).
RISKCORE_HD inline double gev_upper_gamma_path_slope(double shape, double z, double t) {
  const double a = -shape, log_x = shape == 0.0 ? -z : -log1p(shape * z) / shape, x = exp(log_x);
  const double path = z * z * log1p_curvature(shape * z);  // d log x / dxi
  if (x >= 1.0 && (a < 1.0 || x >= a + 1.0)) {
    const double e = exp(-x);
    if (!(e > 0.0)) return 0.0;
    double cf, cf_a;
    gamma_fraction_slope(a, x, &cf, &cf_a);
    return -(t * e / cf) * (log_x - cf_a / cf) - t * e * path;
  }
  if (!(x > 0.0)) return -gamma1p_ratio_slope(a);  // t path -> 1/xi^2 there: with -Gamma(a) psi(a), -h'(a) too
  if (a >= 1.0) {
    const double g = exp(-x + a * log_x - lgamma(a + 1.0));
    const double p_a = gamma_p_shape_slope(a, x, g, log_x - digamma(a + 1.0));
    return -exp(lgamma(a)) * (digamma(a) * gamma_q(a, x) - p_a) - t * exp(-x) * path;
  }
  const UpperGammaSeries series = upper_gamma_series_slopes(a, x);
  return -gamma1p_ratio_slope(a) - z * series.sum + t * series.sum_a - t * series.sum_x * path;
}

// GEV d/dshape: scale [2 d Gamma(-xi, x)/dxi - C'(xi)] inside the support, -scale C' below it (xi > 0) and
// scale [-2 h'(-xi) - C'] above it (xi < 0; there CRPS/scale = z + 2 h(-xi) - C).
struct GevGradShape {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double shape, double location, double scale) const {
    const double z = (y - location) / scale, t = 1.0 + shape * z, c_slope = gev_constant_slope(shape);
    if (t <= 0.0) return scale * (shape > 0 ? -c_slope : -2.0 * gamma1p_ratio_slope(-shape) - c_slope);
    return scale * (2.0 * gev_upper_gamma_path_slope(shape, z, t) - c_slope);
  }
};

// Two-piece normal (TwoPieceNormalCrps' notation): d/dlocation = 1 - 2F(y) = -sign(z) (1 - 4 s Q(v) / S);
// for the scale on y's side and the other one, d e/ds = [-4 phi(0) s + 8 s h + 4 s v Q(v)] / S - e / S
// (h' = -Q) and d e/do = [4 phi(0) o - e] / S; and
//   dD/ds1 = [(2 - sqrt2) s1^3 + 3 (2 - sqrt2) s1^2 s2 + sqrt2 s1 s2^2 + (3 sqrt2 - 4) s2^3] / (sqrt(pi) S^3),
// dD/ds2 the same with s1 and s2 swapped.
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline double two_piece_spread_slope(double a, double b) {
  constexpr double kSqrt2 = 1.41421356237309504880;
  const double sum = a + b;
  return ((2.0 - kSqrt2) * a * a * a + 3.0 * (2.0 - kSqrt2) * a * a * b + kSqrt2 * a * b * b +
          (3.0 * kSqrt2 - 4.0) * b * b * b) /
         (sqrt(kPi) * sum * sum * sum);
}

// d/dscale1 (first = true) or d/dscale2 (first = false).
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline double two_piece_normal_scale_slope(double y, double scale1, double scale2,
                                                                            double location, bool first) {
  constexpr double kPhi0 = 0.39894228040143267794;
  const TwoPieceNormalPoint p = two_piece_normal_point(y, scale1, scale2, location);
  const double v = p.t / p.s < 40.0 ? p.t / p.s : 40.0;
  const double on_side = (-4.0 * kPhi0 * p.s + 8.0 * p.s * p.h + 4.0 * p.s * v * p.q - p.e) / p.sum;
  const double off_side = (4.0 * kPhi0 * p.o - p.e) / p.sum;
  const bool own_side = first == p.below;  // scale1 is y's side below the location, scale2 above it
  return (own_side ? on_side : off_side) -
         (first ? two_piece_spread_slope(scale1, scale2) : two_piece_spread_slope(scale2, scale1));
}

struct TwoPieceNormalGradScale1 {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double scale1, double scale2, double location) const {
    return two_piece_normal_scale_slope(y, scale1, scale2, location, true);
  }
};

struct TwoPieceNormalGradScale2 {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double scale1, double scale2, double location) const {
    return two_piece_normal_scale_slope(y, scale1, scale2, location, false);
  }
};

struct TwoPieceNormalGradLocation {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double scale1, double scale2, double location) const {
    const TwoPieceNormalPoint p = two_piece_normal_point(y, scale1, scale2, location);
    const double slope = 1.0 - 4.0 * p.s / p.sum * p.q;
    return p.below ? slope : -slope;
  }
};

// Exponential: d/drate = [-2 expm1(-x) - 2 x e^-x - 1/2] / rate^2, x = rate max(y, 0) (clamped at 800, where
// x e^-x has underflowed: no inf * 0 at y = inf).
struct ExponentialGradRate {
  static constexpr int arity = 1;
  RISKCORE_HD double operator()(double y, double rate) const {
    const double x_raw = rate * (y > 0.0 ? y : 0.0), x = x_raw < 800.0 ? x_raw : 800.0;
    return (-2.0 * expm1(-x) - 2.0 * x * exp(-x) - 0.5) / (rate * rate);
  }
};

// Two-piece exponential (TwoPieceExponentialCrps' notation, s the scale on y's side, o the other, S = s1 + s2,
// v = |z| / s clamped at 800, E = expm1(-v)): d/dlocation = -sign(z) (1 - 2 s e^-v / S);
//   d/ds = [4 s E + 2 s v e^-v] / S - 2 s^2 E / S^2 + dc/ds,   d/do = -2 s^2 E / S^2 + dc/do,
// c = (s1^3 + s2^3) / (2 S^2), dc/ds1 = 3 s1^2 / (2 S^2) - (s1^3 + s2^3) / S^3.
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline double two_piece_exponential_scale_slope(double y, double scale1,
                                                                                 double scale2, double location,
                                                                                 bool first) {
  const double z = y - location, sum = scale1 + scale2;
  const bool below = z < 0.0;
  const double s = below ? scale1 : scale2, v_raw = fabs(z) / s, v = v_raw < 800.0 ? v_raw : 800.0;
  const double e = expm1(-v), far = -2.0 * s * s * e / (sum * sum);
  const double near = (4.0 * s * e + 2.0 * s * v * exp(-v)) / sum + far;
  const double mine = first ? scale1 : scale2;
  const double constant_slope = 1.5 * mine * mine / (sum * sum) -
                                (scale1 * scale1 * scale1 + scale2 * scale2 * scale2) / (sum * sum * sum);
  return (first == below ? near : far) + constant_slope;
}

struct TwoPieceExponentialGradScale1 {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double scale1, double scale2, double location) const {
    return two_piece_exponential_scale_slope(y, scale1, scale2, location, true);
  }
};

struct TwoPieceExponentialGradScale2 {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double scale1, double scale2, double location) const {
    return two_piece_exponential_scale_slope(y, scale1, scale2, location, false);
  }
};

struct TwoPieceExponentialGradLocation {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double scale1, double scale2, double location) const {
    const double z = y - location, s = z < 0.0 ? scale1 : scale2;
    const double slope = 1.0 - 2.0 * s / (scale1 + scale2) * exp(-fabs(z) / s);
    return z < 0.0 ? slope : -slope;
  }
};

// Gamma(shape a, rate b) (GammaCrps): the two x^a e^-x terms of d/db cancel exactly, leaving
//   d/drate = [a (2 P(a + 1, b y) - 1) + 1 / B(1/2, a)] / b^2,   d/dscale = -b^2 d/drate (scale = 1 / b).
RISKCORE_HD inline double gamma_rate_slope_times_rate2(double y, double shape, double rate) {
  double p, p_next;
  gamma_p_pair(shape, rate * y, &p, &p_next);
  return shape * (2.0 * p_next - 1.0) + exp(log_gamma_ratio(shape, 0.5)) / sqrt(kPi);
}

struct GammaGradRate {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double shape, double rate) const {
    return gamma_rate_slope_times_rate2(y, shape, rate) / (rate * rate);
  }
};

struct GammaGradScale {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double shape, double rate) const {
    return -gamma_rate_slope_times_rate2(y, shape, rate);
  }
};

// d/dshape at a fixed rate (or scale: the same partial), x = b y: with P(a + 1, x) = P(a, x) - g, g = x^a e^-x /
// Gamma(a + 1), dg/da = g (log x - psi(a + 1)) and d(1/B(1/2, a))/da = (psi(a + 1/2) - psi(a)) / B(1/2, a),
//   b d/da = 2 (x - a) dP(a, x)/da + 2 a g (log x - psi(a + 1)) - (2 P(a + 1, x) - 1) - (psi(a + 1/2) - psi(a)) / B(1/2, a)
// (the first two are 0 at x = 0 and x = inf).
struct GammaGradShape {
  static constexpr int arity = 2;
  RISKCORE_HD double operator()(double y, double shape, double rate) const {
    double p, p_next;
    gamma_p_pair(shape, rate * y, &p, &p_next);
    const double inv_beta = exp(log_gamma_ratio(shape, 0.5)) / sqrt(kPi);
    return (gamma_shape_terms(shape, rate * y).moment - (2.0 * p_next - 1.0) -
            digamma_difference(shape, 0.5) * inv_beta) /
           rate;
  }
};

// Uniform on [lower, upper] with masses L at lower and U at upper (UniformCrps' notation: W = upper - lower,
// kappa = 1 - L - U, bracket B(w) = |w - F| + kappa F^2 - (1 - 2L) F + C0, C0 = kappa^2 / 3 + (1 - L) U, and
// B(1) = L - U + C0 = C1): d/dlmass = W (2F - F^2 - 2 kappa / 3 - U), d/dumass = W (1 - L - F^2 - 2 kappa / 3),
// and from d/dlower = -B + (w - 1) B'(w), d/dupper = B - w B'(w), piece by piece (no w-sized terms cancel):
//   w < 0: (1 - C0, C0);  0 <= w <= 1: (kappa w^2 - 2 kappa w + 1 - 2L - C0, C0 - kappa w^2);  w > 1: (-C1, C1 - 1).
struct UniformSlopes {
  double lower, upper, lmass, umass;
};

RISKCORE_HD RISKCORE_ALWAYS_INLINE inline UniformSlopes uniform_slopes(double y, double lower, double upper,
                                                                      double lmass, double umass) {
  const double width = upper - lower, kappa = 1.0 - lmass - umass, w = (y - lower) / width;
  const double f = w < 0.0 ? 0.0 : (w > 1.0 ? 1.0 : w);
  const double c0 = kappa * kappa / 3.0 + (1.0 - lmass) * umass, c1 = lmass - umass + c0;
  const double d_lower = w < 0.0 ? 1.0 - c0 : (w > 1.0 ? -c1 : kappa * w * w - 2.0 * kappa * w + 1.0 - 2.0 * lmass - c0);
  const double d_upper = w < 0.0 ? c0 : (w > 1.0 ? c1 - 1.0 : c0 - kappa * w * w);
  return UniformSlopes{d_lower, d_upper, width * (2.0 * f - f * f - 2.0 * kappa / 3.0 - umass),
                       width * (1.0 - lmass - f * f - 2.0 * kappa / 3.0)};
}

struct UniformPartials {  // uniform_slopes as the functor SlopeOf reads
  static constexpr int arity = 4;
  template <class... P>
  RISKCORE_HD UniformSlopes operator()(P... p) const {
    return uniform_slopes(p...);
  }
};
using UniformGradLower = SlopeOf<UniformPartials, &UniformSlopes::lower>;
using UniformGradUpper = SlopeOf<UniformPartials, &UniformSlopes::upper>;
using UniformGradLmass = SlopeOf<UniformPartials, &UniformSlopes::lmass>;
using UniformGradUmass = SlopeOf<UniformPartials, &UniformSlopes::umass>;

// Generalised Pareto with a point mass M at the location (GpdCrps' notation, k = 1 - M, S = (1 + xi z)^(-1/xi),
// 0 beyond the upper end, head = 1 - S^(1 - xi)); with d head/dz = (1 - xi) S, for z > 0
//   d/dlocation = 2 k S - 1,  d/dscale = 2 k z S - 2 k head / (1 - xi) + k^2 / (2 - xi),
// and (1, k^2 / (2 - xi)) for z <= 0 (the y-sized terms of CRPS - z dCRPS/dz cancel symbolically, not in
// floating point); d/dmass = scale [2 head / (1 - xi) - 2 k / (2 - xi)]. In the shape, with L = log S and
// dL/dxi = z^2 (log1p(u) - u/(1 + u)) / u^2 at u = xi z (log1p_curvature: 1/2 at xi = 0),
//   d head/dxi = S^(1 - xi) [L - (1 - xi) dL/dxi]  (0 where S^(1 - xi) underflows, beyond the upper end too),
//   d/dxi = scale [k^2 / (2 - xi)^2 - 2 k (d head/dxi / (1 - xi) + head / (1 - xi)^2)].
struct GpdSlopes {
  double shape, location, scale, mass;
};

RISKCORE_HD RISKCORE_ALWAYS_INLINE inline GpdSlopes gpd_slopes(double y, double shape, double location, double scale,
                                                              double mass) {
  const double z = (y - location) / scale, keep = 1.0 - mass;
  double sf = 1.0, head = 0.0, head_shape = 0.0;
  if (z > 0.0) {
    if (shape < 0.0 && z >= -1.0 / shape) {
      sf = 0.0;
      head = 1.0;
    } else {
      const double log_s = shape == 0.0 ? -z : -log1p(shape * z) / shape;
      const double power = exp((1.0 - shape) * log_s);  // S^(1 - xi)
      sf = exp(log_s);
      head = -expm1((1.0 - shape) * log_s);
      if (power > 0.0) head_shape = power * (log_s - (1.0 - shape) * z * z * log1p_curvature(shape * z));
    }
  }
  const double tail = keep * keep / (2.0 - shape);
  const double z_sf = sf > 0.0 ? z * sf : 0.0;  // z S -> 0 as z -> inf (xi < 1); no inf * 0
  const bool above = z > 0.0;
  const double spread = 1.0 - shape;
  return GpdSlopes{scale * (tail / (2.0 - shape) - 2.0 * keep * (head_shape + head / spread) / spread),
                   above ? 2.0 * keep * sf - 1.0 : 1.0,
                   above ? 2.0 * keep * z_sf - 2.0 * keep * head / spread + tail : tail,
                   scale * (2.0 * head / spread - 2.0 * keep / (2.0 - shape))};
}

struct GpdPartials {  // gpd_slopes as the functor SlopeOf reads
  static constexpr int arity = 4;
  template <class... P>
  RISKCORE_HD GpdSlopes operator()(P... p) const {
    return gpd_slopes(p...);
  }
};
using GpdGradShape = SlopeOf<GpdPartials, &GpdSlopes::shape>;
using GpdGradLocation = SlopeOf<GpdPartials, &GpdSlopes::location>;
using GpdGradScale = SlopeOf<GpdPartials, &GpdSlopes::scale>;
using GpdGradMass = SlopeOf<GpdPartials, &GpdSlopes::mass>;

// Exponential with a point mass M at the location (ExponentialMCrps' notation, k = 1 - M, v = z / scale clamped
// at 800, F = 1 - e^-v for z > 0, 0 below): d/dmass = scale (2F - k); d/dlocation = 2 k e^-v - 1 (z > 0), 1 (z <= 0);
// d/dscale = 2 k v e^-v - k (2F - k/2) (z > 0), k^2 / 2 (z <= 0).
struct ExponentialMSlopes {
  double mass, location, scale;
};

RISKCORE_HD RISKCORE_ALWAYS_INLINE inline ExponentialMSlopes exponential_m_slopes(double y, double mass, double location,
                                                                                 double scale) {
  const double z = y - location, keep = 1.0 - mass;
  const bool above = z > 0.0;
  const double v_raw = above ? z / scale : 0.0, v = v_raw < 800.0 ? v_raw : 800.0;
  const double e = exp(-v), cdf = -expm1(-v);
  return ExponentialMSlopes{scale * (2.0 * cdf - keep), above ? 2.0 * keep * e - 1.0 : 1.0,
                            above ? 2.0 * keep * v * e - keep * (2.0 * cdf - 0.5 * keep) : 0.5 * keep * keep};
}

struct ExponentialMPartials {  // exponential_m_slopes as the functor SlopeOf reads
  static constexpr int arity = 3;
  template <class... P>
  RISKCORE_HD ExponentialMSlopes operator()(P... p) const {
    return exponential_m_slopes(p...);
  }
};
using ExponentialMGradMass = SlopeOf<ExponentialMPartials, &ExponentialMSlopes::mass>;
using ExponentialMGradLocation = SlopeOf<ExponentialMPartials, &ExponentialMSlopes::location>;
using ExponentialMGradScale = SlopeOf<ExponentialMPartials, &ExponentialMSlopes::scale>;

// Beta(a, b) on [lower, upper] (BetaCrps' notation: W = upper - lower, w = (y - lower)/W, m = a/(a + b),
// R = beta_spread_ratio): CRPS = W g(w), g(w) = w (2I - 1) + m (1 - 2 I1 - R), g'(w) = 2I - 1, so
//   d/dupper = g - w g' = m (1 - 2 I1 - R),   d/dlower = -g + (w - 1) g' = 1 - 2I - m (1 - 2 I1 - R)
// (the w-sized terms cancel symbolically; I = I_w(a, b), I1 = I_w(a + 1, b)). The shapes are not differentiated.
struct BetaSlopes {
  double lower, upper;
};

RISKCORE_HD inline BetaSlopes beta_slopes(double y, double a, double b, double lower, double upper) {
  const double w = (y - lower) / (upper - lower);
  double i, i_next;
  beta_inc_pair(a, b, w, log_beta(a, b), &i, &i_next);
  const double up = a / (a + b) * (1.0 - 2.0 * i_next - beta_spread_ratio(a, b));
  return BetaSlopes{1.0 - 2.0 * i - up, up};
}

struct BetaPartials {  // beta_slopes as the functor SlopeOf reads
  static constexpr int arity = 4;
  template <class... P>
  RISKCORE_HD BetaSlopes operator()(P... p) const {
    return beta_slopes(p...);
  }
};
using BetaGradLower = SlopeOf<BetaPartials, &BetaSlopes::lower>;
using BetaGradUpper = SlopeOf<BetaPartials, &BetaSlopes::upper>;

// Censored shifted gamma (Csg0Crps' notation: shape a, rate b, shift d, T = max(y, 0) + d; Q = Q(a, .),
// Q1 = Q(a + 1, .) at b d and b T). From d CRPS = 2 int (F - H) dF over x >= 0, F(x) = P(a, b (x + d)):
//   d/dshift = 2 P(a, bT) - 1 - P(a, bd)^2 = Q_d (2 - Q_d) - 2 Q_T,
//   d/drate = [a Q1_d (2 - Q1_d) - 2a Q1_T + Q(2a + 1, 2bd) / B(1/2, a)] / b^2   (t p_a(bt) = (a/b) p_{a+1}(bt),
//   P_a = P_{a+1} + p_{a+1} and int p_{a+1}^2 = Q(2a + 1, 2x) Gamma(2a + 1) / (2^{2a+1} Gamma(a + 1)^2)),
// in Q form (no 1 - P cancellation far out); d/dscale = -b^2 d/drate. The gamma's d/drate at d = 0.
struct Csg0Slopes {
  double rate_times_rate2, shift;
};

RISKCORE_HD inline Csg0Slopes csg0_slopes(double y, double a, double b, double shift) {
  if (y != y) return Csg0Slopes{y, y};  // max(y, 0) below would read NaN as 0
  const double t = (y > 0.0 ? y : 0.0) + shift;
  double qd, q1d, qt, q1t;
  gamma_q_pair(a, b * shift, &qd, &q1d);
  gamma_q_pair(a, b * t, &qt, &q1t);
  const double spread = gamma_q(2.0 * a + 1.0, 2.0 * b * shift) * exp(log_gamma_ratio(a, 0.5)) / sqrt(kPi);
  return Csg0Slopes{a * q1d * (2.0 - q1d) - 2.0 * a * q1t + spread, qd * (2.0 - qd) - 2.0 * qt};
}

// d/dshape (at a fixed rate or scale) of Csg0Crps' closed form, with Q = Q(a, .), Q1 = Q(a + 1, .), dF/da and
// g lr = d g/da, moment = 2 (x - a) dF/da + 2 a g lr (gamma_shape_terms) at x = bT or bd, beta = B(1/2, a + 1/2) / pi
// (d log beta/da = psi(a + 1/2) - psi(a + 1)) and Q2 = Q(2a, 2bd): differentiating the closed form and writing
// every P as 1 - Q,
//   b d/da = moment(bT) - moment(bd) + 2 Q1_T - 2 Q1_d + Q_d (2 Q1_d - Q_d) + 2 dF_d/da (b d Q_d - a Q1_d)
//            + 2 a Q_d (g lr)_d - beta Q2 (1 + a d log beta/da) + 2 a beta dP(2a, 2bd)/da(2a),
// so that where nearly all mass sits at 0 (Q_d -> 0) every term is O(Q_d^2) or cancels exactly (y <= 0: T = d),
// not O(Q_d) terms cancelling to O(Q_d^2); the gamma's d/dshape at d = 0.
RISKCORE_HD inline double csg0_shape_slope(double y, double a, double b, double shift) {
  const double t = (y > 0.0 ? y : 0.0) + shift;
  double qd, q1d, qt, q1t;
  gamma_q_pair(a, b * shift, &qd, &q1d);
  gamma_q_pair(a, b * t, &qt, &q1t);
  const GammaShapeTerms at_t = gamma_shape_terms(a, b * t), at_d = gamma_shape_terms(a, b * shift);
  const double beta = exp(-log_gamma_ratio(a + 0.5, 0.5)) / sqrt(kPi);
  const double mass_terms = 2.0 * q1t - 2.0 * q1d + qd * (2.0 * q1d - qd) +
                            2.0 * at_d.slope * (b * shift * qd - a * q1d) + 2.0 * a * qd * at_d.g_lr;
  const double spread_terms = -beta * gamma_q(2.0 * a, 2.0 * b * shift) * (1.0 - a * digamma_difference(a + 0.5, 0.5)) +
                              2.0 * a * beta * gamma_shape_terms(2.0 * a, 2.0 * b * shift).slope;
  return (at_t.moment - at_d.moment + mass_terms + spread_terms) / b;
}

struct Csg0GradShape {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double a, double b, double shift) const {
    return csg0_shape_slope(y, a, b, shift);
  }
};

struct Csg0GradRate {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double a, double b, double shift) const {
    return csg0_slopes(y, a, b, shift).rate_times_rate2 / (b * b);
  }
};

struct Csg0GradScale {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double a, double b, double shift) const {
    return -csg0_slopes(y, a, b, shift).rate_times_rate2;
  }
};

struct Csg0GradShift {
  static constexpr int arity = 3;
  RISKCORE_HD double operator()(double y, double a, double b, double shift) const {
    return csg0_slopes(y, a, b, shift).shift;
  }
};

// Log-Laplace (LogLaplaceCrps' notation: s = scalelog, w = (log y - mu)/s, CRPS = y (2F - 1) + e^mu [A + s/(4 - s^2)]).
// CRPS(cy; mu + log c, s) = c CRPS(y; mu, s) gives d/dmu = CRPS - y (2F - 1) = e^mu [A + s/(4 - s^2)]; at fixed y
// the w-terms of d/ds cancel (d CRPS/dy = 2F - 1), leaving d/ds = e^mu [dA/ds at fixed w + (4 + s^2)/(4 - s^2)^2],
//   dA/ds = -w e^{(1+s)w}/(1 + s) + expm1((1 + s) w)/(1 + s)^2   (w < 0; -1/(1 + s)^2 for y <= 0),
//   dA/ds =  w e^{-(1-s)w}/(1 - s) + expm1(-(1 - s) w)/(1 - s)^2  (w >= 0; the first term 0 at y = inf).
struct LogLaplaceSlopes {
  double mulog, s;
};

RISKCORE_HD inline LogLaplaceSlopes loglaplace_slopes(double y, double mulog, double s) {
  double a, a_s;
  if (y <= 0.0) {
    a = 1.0 / (1.0 + s);
    a_s = -a * a;
  } else {
    const double w = (log(y) - mulog) / s;
    if (w < 0.0) {
      const double k = 1.0 + s, m = expm1(k * w);
      a = -m / k;
      a_s = -w * (m + 1.0) / k + m / (k * k);
    } else {
      const double k = 1.0 - s, m = expm1(-k * w), e = m + 1.0;
      a = m / k;
      a_s = (e > 0.0 ? w * e : 0.0) / k + m / (k * k);  // w e -> 0 as y -> inf: no inf * 0
    }
  }
  const double scale = exp(mulog), d = 4.0 - s * s;
  return LogLaplaceSlopes{scale * (a + s / d), scale * (a_s + (4.0 + s * s) / (d * d))};
}

struct LogLaplacePartials {  // loglaplace_slopes as the functor SlopeOf reads
  static constexpr int arity = 2;
  template <class... P>
  RISKCORE_HD LogLaplaceSlopes operator()(P... p) const {
    return loglaplace_slopes(p...);
  }
};
using LogLaplaceGradMulog = SlopeOf<LogLaplacePartials, &LogLaplaceSlopes::mulog>;
using LogLaplaceGradScalelog = SlopeOf<LogLaplacePartials, &LogLaplaceSlopes::s>;

// Log-logistic (LogLogisticCrps' notation: s = sigmalog, q = (log y - mu)/s, p = F(y) = logistic(q),
// r(u) = u/(1 - u), b = B(1 + s, 1 - s) = pi s/sin(pi s), b' = db/ds). From CRPS(cy; mu + log c, s) =
// c CRPS(y; mu, s): d/dmu = CRPS - y(2F - 1) = -e^mu (2 b I_p(1 + s, 1 - s) + (s - 1) b). With u = F(z),
// dF/ds = -u(1 - u) logit(u)/s and dz = z s du/(u(1 - u)), d/ds = 2 int (F - H) dF/ds dz = -2 e^mu (J - K),
//   J = int_0^1 u r^s log r du = d/ds B(2 + s, 1 - s) = (b + (1 + s) b')/2,  K = int_p^1 r^s log r du.
// Below the median (x = p):  b I_p = M(p, s),          J - K = (b + (s - 1) b')/2 + L(p, s),
// above it (x = 1 - p, u -> 1 - u):  b I_p = b - M(x, -s),  J - K = J + L(x, -s),
// with M(x, c) = int_0^x r^c du, L(x, c) = int_0^x r^c log r du = dM/dc (logit_power_integrals).
// (b + (s - 1) b')/2 = -d/ds [s b(1 - s)]/2 is taken as (s b'(1 - s) - b(1 - s))/2 above s = 1/2, where
// b and (s - 1) b' are both ~ 1/(1 - s) and cancel. Above the median the singular parts of J and L near u = 1
// cancel as s -> 1: both are ~ 1/(1 - s)^2, so the relative error there is ~ eps/(1 - s)^2 (measured against
// mpmath: 2e-12 at s = 0.99, 8e-10 at s = 0.999; 1e-12 and better up to s = 0.97 and everywhere below the median).
struct LogitPowerIntegrals {
  double m, l;
};

// M and L for 0 <= x <= 1/2, -1 < c < 1, from the binomial series (1 - u)^{-c} = sum_k a_k u^k, a_k = (c)_k/k!:
//   M = x^{c+1} S,  S = sum_k a_k x^k/(c + k + 1),
//   L = x^{c+1} [S log x + sum_k (a'_k - a_k/(c + k + 1)) x^k/(c + k + 1)],  a'_{k+1} = (a'_k (c + k) + a_k)/(k + 1),
// |a_k|, |a'_k| <= 1 + log(k + 1), so the terms fall like x^k <= 2^-k (57 terms at x = 1/2).
RISKCORE_HD inline LogitPowerIntegrals logit_power_integrals(double x, double c) {
  if (x == 0.0) return LogitPowerIntegrals{0.0, 0.0};  // a NaN x runs one term and gives NaN
  double a = 1.0, da = 0.0, xk = 1.0, sum = 0.0, dsum = 0.0;
  for (int k = 0; xk > 0x1p-57; ++k) {
    const double inv = 1.0 / (c + k + 1.0);
    sum += a * xk * inv;
    dsum += (da - a * inv) * xk * inv;
    da = (da * (c + k) + a) / (k + 1.0);
    a *= (c + k) / (k + 1.0);
    xk *= x;
  }
  const double lead = pow(x, c + 1.0);
  return LogitPowerIntegrals{lead * sum, lead * (sum * log(x) + dsum)};
}

// b = pi s/sin(pi s) and b' = (pi/sin(pi s)) (1 - pi s cot(pi s)) for 0 < s < 1, sin and cos of pi s from the
// nearer of 0, 1/2, 1 (no rounding of pi s near a zero); 1 - x cot x by its series (2^2n |B_2n| x^2n/(2n)!)
// below x = 1/4, where the difference would lose up to 6 digits.
struct BetaSym {
  double b, db;
};

RISKCORE_HD inline BetaSym beta_sym(double s) {
  const double sin_ps = s > 0.5 ? sin(kPi * (1.0 - s)) : sin(kPi * s);
  const double cos_ps = s > 0.25 ? sin(kPi * (0.5 - s)) : cos(kPi * s);
  const double x = kPi * s, x2 = x * x;
  const double one_minus_xcot =
      x < 0.25 ? x2 * (1.0 / 3 + x2 * (1.0 / 45 + x2 * (2.0 / 945 + x2 * (1.0 / 4725 + x2 * (2.0 / 93555 +
                     x2 * (1382.0 / 638512875 + x2 * (4.0 / 18243225)))))))
               : 1.0 - x * cos_ps / sin_ps;
  return BetaSym{x / sin_ps, kPi / sin_ps * one_minus_xcot};
}

struct LogLogisticSlopes {
  double mulog, s;
};

RISKCORE_HD inline LogLogisticSlopes loglogistic_slopes(double y, double mulog, double s) {
  if (y != y) return LogLogisticSlopes{y, y};  // y > 0 below would read NaN as y <= 0
  const BetaSym bs = beta_sym(s);
  const double q = y > 0.0 ? (log(y) - mulog) / s : -INFINITY;
  double b_ip, j_minus_k;
  if (q <= 0.0) {
    const LogitPowerIntegrals below = logit_power_integrals(logistic_cdf(q), s);
    b_ip = below.m;
    double half_gap;  // (b + (s - 1) b')/2
    if (s <= 0.5) {
      half_gap = 0.5 * (bs.b + (s - 1.0) * bs.db);
    } else {
      const BetaSym mirror = beta_sym(1.0 - s);
      half_gap = 0.5 * (s * mirror.db - mirror.b);
    }
    j_minus_k = half_gap + below.l;
  } else {
    const LogitPowerIntegrals above = logit_power_integrals(logistic_cdf(-q), -s);
    b_ip = bs.b - above.m;
    j_minus_k = 0.5 * (bs.b + (1.0 + s) * bs.db) + above.l;
  }
  const double scale = exp(mulog);
  return LogLogisticSlopes{-scale * (2.0 * b_ip + (s - 1.0) * bs.b), -2.0 * scale * j_minus_k};
}

struct LogLogisticPartials {  // loglogistic_slopes as the functor SlopeOf reads
  static constexpr int arity = 2;
  template <class... P>
  RISKCORE_HD LogLogisticSlopes operator()(P... p) const {
    return loglogistic_slopes(p...);
  }
};
using LogLogisticGradMulog = SlopeOf<LogLogisticPartials, &LogLogisticSlopes::mulog>;
using LogLogisticGradSigmalog = SlopeOf<LogLogisticPartials, &LogLogisticSlopes::s>;

// ------------------------------------------------------------------ truncated / censored families
// In standard units (z = (y - mu)/sigma, l, u, c = clamp(z, l, u), crps_truncated.hpp's A1, A2, B1, B2, F_T,
// kappa = 1 - L - U) the score is sigma C with C = |z - c| + rest, and d C = 2 int (F - H) dF plus the jumps
// that cross y when a bound moves. With d F_T/dl = -(f(l)/Z) S_T and d F_T/du = -(f(u)/Z) F_T:
//   dC/dz = 2F(z) - 1   (-1 below l, 1 from u on, 2(L + kappa F_T(z)) - 1 between),
//   dC/dl = [z <= l ? L (2 - L) : -L^2] - 2 kappa (f(l)/Z) I_l,
//   I_l = int_l^u (F - H) S_T = L [(c - l) - A1] + kappa [(A1 - A2) - B2] - U B1,
//   dC/du = [z <= u ? U^2 : -U (2 - U)] - 2 kappa (f(u)/Z) I_u,
//   I_u = int_l^u (F - H) F_T = L A1 + kappa A2 - U [(u - c) - B1] - kappa (B1 - B2),
// (0 at an infinite bound), and in original units d/dlower = dC/dl, d/dupper = dC/du,
//   d/dlocation = -(dC/dz + dC/dl + dC/du)   (translation),
//   d/dscale = C - z dC/dz - l dC/dl - u dC/du = rest - c dC/dz - l dC/dl - u dC/du   (scaling; the
//   |z - c| - z dC/dz = -c dC/dz step keeps y-sized terms out), and from gtc_combine
//   d/dlmass = sigma [-2 kappa (A2 + B2) + 2L (c - l) + 2 (kappa - L) A1 - 2U B1], d/dumass likewise
// (+inf at an infinite bound: any mass there makes the score infinite).
enum GtcPart { kGtcLocation, kGtcScale, kGtcLower, kGtcUpper, kGtcLmass, kGtcUmass };

struct GtcSlopes {
  double part[6];
};

template <class Family>
RISKCORE_HD RISKCORE_DEVICE_NOINLINE inline GtcSlopes gtc_slopes(const Family& fam, double y, double mu, double sigma, double lower,
                                        double upper, double lmass, double umass) {
  const double z = (y - mu) / sigma, l = (lower - mu) / sigma, u = (upper - mu) / sigma;
  const double c = fmin(fmax(z, l), u), kappa = 1.0 - lmass - umass, inf = static_cast<double>(INFINITY);
  const TruncatedIntegrals t = truncated_integrals(fam, l, u, c);
  const IntervalEnds e = interval_ends(fam, l, u, c);
  const bool finite_l = !isinf(l), finite_u = !isinf(u);
  const double dz = z < l ? -1.0 : (z >= u ? 1.0 : 2.0 * (lmass + kappa * e.cdf_c) - 1.0);
  double dl = 0.0, du = 0.0;
  if (finite_l) {
    const double il = lmass * ((c - l) - t.a1) + kappa * ((t.a1 - t.a2) - t.b2) - umass * t.b1;
    dl = (z <= l ? lmass * (2.0 - lmass) : -lmass * lmass) - 2.0 * kappa * e.density_l * il;
  }
  if (finite_u) {
    const double iu = lmass * t.a1 + kappa * t.a2 - umass * ((u - c) - t.b1) - kappa * (t.b1 - t.b2);
    du = (z <= u ? umass * umass : -umass * (2.0 - umass)) - 2.0 * kappa * e.density_u * iu;
  }
  const double head = finite_l ? c - l : 0.0, tail = finite_u ? u - c : 0.0;  // only with a mass there
  const double rest = kappa * kappa * (t.a2 + t.b2) + lmass * (lmass * head + 2.0 * kappa * t.a1) +
                      umass * (umass * tail + 2.0 * kappa * t.b1);
  const double spread = -2.0 * kappa * (t.a2 + t.b2);
  GtcSlopes out;
  out.part[kGtcLocation] = -(dz + dl + du);
  out.part[kGtcScale] = rest - c * dz - (finite_l ? l * dl : 0.0) - (finite_u ? u * du : 0.0);
  out.part[kGtcLower] = dl;
  out.part[kGtcUpper] = du;
  out.part[kGtcLmass] = finite_l ? sigma * (spread + 2.0 * lmass * head + 2.0 * (kappa - lmass) * t.a1 -
                                            2.0 * umass * t.b1)
                                 : inf;
  out.part[kGtcUmass] = finite_u ? sigma * (spread + 2.0 * umass * tail + 2.0 * (kappa - umass) * t.b1 -
                                            2.0 * lmass * t.a1)
                                 : inf;
  return out;
}

// Censoring (L = F(l), U = S(u)): F is the law's own CDF between the bounds, so a bound moves only a jump,
//   dC/dl = z <= l ? 1 - S(l)^2 : -F(l)^2,   dC/du = z <= u ? S(u)^2 : -S(u) (2 - S(u)),
// dC/dz = 2F(z) - 1 between them, and location and scale as above (parts kGtcLocation..kGtcUpper).
template <class Family>
RISKCORE_HD RISKCORE_DEVICE_NOINLINE inline GtcSlopes censored_slopes(const Family& fam, double y, double mu, double sigma, double lower,
                                             double upper) {
  const double z = (y - mu) / sigma, l = (lower - mu) / sigma, u = (upper - mu) / sigma;
  const double c = fmin(fmax(z, l), u);
  const TruncatedIntegrals t = truncated_integrals(fam, l, u, c);
  const double fl = fam.cdf(l), sl = fam.cdf(-l), su = fam.cdf(-u), kappa = interval_mass(fam, l, u);
  const bool finite_l = !isinf(l), finite_u = !isinf(u);
  const double dz = z < l ? -1.0 : (z >= u ? 1.0 : (z > 0.0 ? 1.0 - 2.0 * fam.cdf(-z) : 2.0 * fam.cdf(z) - 1.0));
  const double dl = finite_l ? (z <= l ? 1.0 - sl * sl : -fl * fl) : 0.0;
  const double du = finite_u ? (z <= u ? su * su : -su * (2.0 - su)) : 0.0;
  const double head = finite_l ? c - l : 0.0, tail = finite_u ? u - c : 0.0;
  const double rest = kappa * kappa * (t.a2 + t.b2) + fl * (fl * head + 2.0 * kappa * t.a1) +
                      su * (su * tail + 2.0 * kappa * t.b1);
  GtcSlopes out;
  out.part[kGtcLocation] = -(dz + dl + du);
  out.part[kGtcScale] = rest - c * dz - (finite_l ? l * dl : 0.0) - (finite_u ? u * du : 0.0);
  out.part[kGtcLower] = dl;
  out.part[kGtcUpper] = du;
  out.part[kGtcLmass] = out.part[kGtcUmass] = 0.0;
  return out;
}

template <int Part>
struct GtcNormalGrad {
  static constexpr int arity = 6;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper, double lmass,
                                double umass) const {
    return gtc_slopes(NormalFamily{}, y, mu, sigma, lower, upper, lmass, umass).part[Part];
  }
};

template <int Part>
struct GtcLogisticGrad {
  static constexpr int arity = 6;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper, double lmass,
                                double umass) const {
    return gtc_slopes(LogisticFamily{}, y, mu, sigma, lower, upper, lmass, umass).part[Part];
  }
};

template <int Part>
struct GtcTGrad {
  static constexpr int arity = 7;
  RISKCORE_HD double operator()(double y, double df, double mu, double sigma, double lower, double upper,
                                double lmass, double umass) const {
    return gtc_slopes(StudentFamily(df), y, mu, sigma, lower, upper, lmass, umass).part[Part];
  }
};

template <int Part>
struct CensoredNormalGrad {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper) const {
    return censored_slopes(NormalFamily{}, y, mu, sigma, lower, upper).part[Part];
  }
};

template <int Part>
struct CensoredLogisticGrad {
  static constexpr int arity = 4;
  RISKCORE_HD double operator()(double y, double mu, double sigma, double lower, double upper) const {
    return censored_slopes(LogisticFamily{}, y, mu, sigma, lower, upper).part[Part];
  }
};

template <int Part>
struct CensoredTGrad {
  static constexpr int arity = 5;
  RISKCORE_HD double operator()(double y, double df, double mu, double sigma, double lower, double upper) const {
    return censored_slopes(StudentFamily(df), y, mu, sigma, lower, upper).part[Part];
  }
};

}  // namespace riskcore
