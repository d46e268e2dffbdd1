// Special functions needed by the closed-form CRPS, host and device (CUDA has no incomplete gamma or
// beta). Series and modified-Lentz continued fractions (Numerical Recipes, 3rd ed., 6.2 and 6.4) to
// double precision; each is checked against scipy.special in the tests.
#pragma once
#include <cmath>

#include "config.hpp"

namespace riskcore {

constexpr double kPi = 3.14159265358979323846;
constexpr double kEulerGamma = 0.57721566490153286061;
constexpr double kTiny = 1e-300;
constexpr double kEps = 1e-16;
constexpr int kMaxIter = 1000;

RISKCORE_HD inline double normal_cdf(double x) { return 0.5 * erfc(-x * 0.70710678118654752440); }

RISKCORE_HD inline double normal_pdf(double x) {
  return 0.39894228040143267794 * exp(-0.5 * x * x);
}

RISKCORE_HD inline double log_beta(double a, double b) {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

// Modified Lentz evaluation of b0 + a1/(b1 + a2/(b2 + ...)) from the update f *= (b_n + a_n/C)...;
// callers supply the terms through a functor terms(n, a_n, b_n).
template <class Terms>
RISKCORE_HD inline double lentz(double b0, Terms terms) {
  double f = b0 == 0.0 ? kTiny : b0, c = f, d = 0.0;
  for (int n = 1; n <= kMaxIter; ++n) {
    double a, b;
    terms(n, a, b);
    d = b + a * d;
    d = fabs(d) < kTiny ? kTiny : d;
    c = b + a / c;
    c = fabs(c) < kTiny ? kTiny : c;
    d = 1.0 / d;
    const double delta = c * d;
    f *= delta;
    if (fabs(delta - 1.0) < kEps) break;
  }
  return f;
}

// Regularised lower incomplete gamma P(a, x) (series) or upper Q(a, x) (continued fraction); P itself
// comes in pairs (gamma_p_pair below).
RISKCORE_HD inline double gamma_p_series(double a, double x) {
  double term = 1.0 / a, sum = term;
  for (int n = 1; n <= kMaxIter; ++n) {
    term *= x / (a + n);
    sum += term;
    if (fabs(term) < fabs(sum) * kEps) break;
  }
  return sum * exp(-x + a * log(x) - lgamma(a));
}

// Q(a, x) = x^a e^-x / (Gamma(a) cf(a, x)), x >= a + 1.
RISKCORE_HD inline double gamma_fraction(double a, double x) {
  return lentz(x + 1.0 - a, [a, x](int n, double& an, double& bn) {
    an = -n * (n - a);
    bn = x + 2.0 * n + 1.0 - a;
  });
}

RISKCORE_HD inline double gamma_q_fraction(double a, double x) {
  return exp(-x + a * log(x) - lgamma(a)) / gamma_fraction(a, x);
}

RISKCORE_HD inline double gamma_q(double a, double x) {
  if (x <= 0.0) return 1.0;
  if (isinf(x)) return 0.0;
  return x < a + 1.0 ? 1.0 - gamma_p_series(a, x) : gamma_q_fraction(a, x);
}

// P(a, x) and P(a + 1, x) from one evaluation. With g = x^a e^-x / Gamma(a + 1), P(a + 1, x) = P(a, x) - g
// (DLMF 8.8.5), formed without a difference on either side of x = a + 1: below it the series
// P(a, x) = g (1 + S), S = sum_{n>=1} x^n / ((a + 1)..(a + n)), gives P(a + 1, x) = g S; above it the
// continued fraction gives Q(a, x), and Q(a + 1, x) = Q(a, x) + g adds two positive terms.
RISKCORE_HD inline void gamma_p_pair(double a, double x, double* p, double* p_next) {
  if (x <= 0.0 || isinf(x)) {
    *p = *p_next = x <= 0.0 ? 0.0 : 1.0;
    return;
  }
  const double g = exp(-x + a * log(x) - lgamma(a + 1.0));
  if (x < a + 1.0) {
    double term = 1.0, sum = 0.0;  // S
    for (int n = 1; n <= kMaxIter; ++n) {
      term *= x / (a + n);
      sum += term;
      if (term < sum * kEps) break;
    }
    *p = g + g * sum;
    *p_next = g * sum;
    return;
  }
  const double q = a * g / gamma_fraction(a, x);
  *p = 1.0 - q;
  *p_next = 1.0 - (q + g);
}

// Q(a, x) and Q(a + 1, x), each without a 1 - P cancellation: below x = a + 1 (where P < 0.6) from
// gamma_p_pair, above it from the continued fraction, Q(a + 1, x) = Q(a, x) + x^a e^-x / Gamma(a + 1).
RISKCORE_HD inline void gamma_q_pair(double a, double x, double* q, double* q_next) {
  if (x <= 0.0 || isinf(x) || x < a + 1.0) {
    double p, p_next;
    gamma_p_pair(a, x, &p, &p_next);
    *q = 1.0 - p;
    *q_next = 1.0 - p_next;
    return;
  }
  const double g = exp(-x + a * log(x) - lgamma(a + 1.0));
  *q = a * g / gamma_fraction(a, x);
  *q_next = *q + g;
}

// Regularised incomplete beta I_x(a, b) (beta_inc), alone or with I_x(a + 1, b) (beta_inc_pair).
RISKCORE_HD inline double beta_fraction(double a, double b, double x) {
  return lentz(1.0, [a, b, x](int n, double& an, double& bn) {
    const int k = (n + 1) / 2;  // n = 2k - 1 (odd) or 2k (even)
    an = (n % 2 == 1) ? -(a + k - 1) * (a + b + k - 1) * x / ((a + 2 * k - 2) * (a + 2 * k - 1))
                      : k * (b - k) * x / ((a + 2 * k - 1) * (a + 2 * k));
    bn = 1.0;
  });
}

// I_x(a, b) and I_x(a + 1, b) from one continued fraction: I_x(a + 1, b) = I_x(a, b) - g with
// g = x^a (1 - x)^b / (a B(a, b)) (DLMF 8.17.20); the difference is exact to eps I_x(a, b) absolutely,
// which is all a CRPS that adds it to O(1) terms keeps. lbeta = log_beta(a, b). Out of line in device code:
// the Student t laws call it from dozens of places per kernel, which made ptxas' work on crps*.cu explode.
RISKCORE_HD RISKCORE_DEVICE_NOINLINE inline void beta_inc_pair(double a, double b, double x, double lbeta, double* i,
                                                           double* i_next) {
  if (x <= 0.0 || x >= 1.0) {
    *i = *i_next = x <= 0.0 ? 0.0 : 1.0;
    return;
  }
  const double front = exp(a * log(x) + b * log1p(-x) - lbeta);
  *i = x < (a + 1.0) / (a + b + 2.0) ? front / (a * beta_fraction(a, b, x))
                                     : 1.0 - front / (b * beta_fraction(b, a, 1.0 - x));
  *i_next = *i - front / a;
}

// lbeta = log_beta(a, b), for callers that hoist it out of a loop over x.
RISKCORE_HD inline double beta_inc(double a, double b, double x, double lbeta) {
  double i, i_next;
  beta_inc_pair(a, b, x, lbeta, &i, &i_next);
  return i;
}

RISKCORE_HD inline double beta_inc(double a, double b, double x) {
  if (x <= 0.0 || x >= 1.0) return x <= 0.0 ? 0.0 : 1.0;
  return beta_inc(a, b, x, log_beta(a, b));
}


// log(Gamma(x + a) / Gamma(x)), x > 0, a >= 0: lgamma difference below x = 10, beyond it Stirling's
// form (x - 1/2) log1p(a/x) + a log(x + a) - a + delta(x + a) - delta(x), with the correction
// delta(x) = sum_k B_2k / (2k (2k - 1) x^(2k - 1)) to x^-13 (the lgamma difference loses ~lgamma(x) eps).
RISKCORE_HD inline double stirling_delta(double x) {
  const double r = 1.0 / (x * x);
  return (1.0 / 12.0 +
          r * (-1.0 / 360.0 +
               r * (1.0 / 1260.0 +
                    r * (-1.0 / 1680.0 + r * (1.0 / 1188.0 + r * (-691.0 / 360360.0 + r * (1.0 / 156.0))))))) /
         x;
}

RISKCORE_HD inline double log_gamma_ratio(double x, double a) {
  if (x < 10.0) return lgamma(x + a) - lgamma(x);
  return (x - 0.5) * log1p(a / x) + a * log(x + a) - a + stirling_delta(x + a) - stirling_delta(x);
}

// (log1p(u) - u / (1 + u)) / u^2 = sum_j (-1)^j (j + 1)/(j + 2) u^j: the series below |u| = 0.1 (16 terms,
// truncation < 1e-16 relative), the difference above it (rounding ~4 eps / |u| relative, no worse than 4e-15).
RISKCORE_HD inline double log1p_curvature(double u) {
  if (fabs(u) >= 0.1) return (log1p(u) - u / (1.0 + u)) / (u * u);
  double sum = 0.0;
  for (int j = 15; j >= 0; --j) sum = sum * -u + (j + 1.0) / (j + 2.0);
  return sum;
}

// psi(x) = d log Gamma(x)/dx, x > 0: the recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then
// log x - 1/(2x) + delta'(x), delta' = -sum_k B_2k / (2k x^2k) the slope of stirling_delta (to x^-14).
RISKCORE_HD inline double stirling_delta_slope(double x) {
  const double r = 1.0 / (x * x);
  return -r * (1.0 / 12.0 +
               r * (-1.0 / 120.0 +
                    r * (1.0 / 252.0 + r * (-1.0 / 240.0 + r * (1.0 / 132.0 + r * (-691.0 / 32760.0 + r / 12.0))))));
}

RISKCORE_HD inline double digamma(double x) {
  double shift = 0.0;
  for (; x < 10.0; x += 1.0) shift -= 1.0 / x;
  return shift + log(x) - 0.5 / x + stirling_delta_slope(x);
}

// psi(x + h) - psi(x), x > 0, h >= 0, without the difference of two ~log x values: each step of the
// recurrence adds h / (x (x + h)), and beyond x = 10 log1p(h/x) + h / (2x (x + h)) + delta'(x + h) - delta'(x).
RISKCORE_HD inline double digamma_difference(double x, double h) {
  double sum = 0.0;
  for (; x < 10.0; x += 1.0) sum += h / (x * (x + h));
  return sum + log1p(h / x) + h / (2.0 * x * (x + h)) + stirling_delta_slope(x + h) - stirling_delta_slope(x);
}

// cf(a, x) of gamma_fraction and dcf/da, by the Lentz recurrence carried in forward mode (a_n = -n (n - a),
// b_n = x + 2n + 1 - a: a_n' = n, b_n' = -1), until both the value and the slope have converged.
RISKCORE_HD inline void gamma_fraction_slope(double a, double x, double* cf, double* cf_a) {
  double f = x + 1.0 - a, df = -1.0;
  if (f == 0.0) f = kTiny;
  double c = f, dc = df, d = 0.0, dd = 0.0;
  for (int n = 1; n <= kMaxIter; ++n) {
    const double an = -n * (n - a), dan = n, bn = x + 2.0 * n + 1.0 - a;
    double d_next = bn + an * d, dd_next = -1.0 + dan * d + an * dd;
    if (fabs(d_next) < kTiny) {
      d_next = kTiny;
      dd_next = 0.0;
    }
    double c_next = bn + an / c, dc_next = -1.0 + dan / c - an * dc / (c * c);
    if (fabs(c_next) < kTiny) {
      c_next = kTiny;
      dc_next = 0.0;
    }
    d = 1.0 / d_next;
    dd = -dd_next * d * d;
    c = c_next;
    dc = dc_next;
    const double delta = c * d, ddelta = dc * d + c * dd;
    df = df * delta + f * ddelta;
    f *= delta;
    if (fabs(delta - 1.0) < kEps && fabs(ddelta) <= kEps * fabs(df / f)) break;
  }
  *cf = f;
  *cf_a = df;
}

// dP(a, x)/da for 0 < x < inf, given g = x^a e^-x / Gamma(a + 1) and lr = log x - psi(a + 1) (dg/da = g lr).
// Below x = a + 1 from the series P = g (1 + S), S = sum_n t_n, t_n = x^n / ((a + 1)..(a + n)):
//   dP/da = g [lr (1 + S) - sum_n t_n H_n],  H_n = sum_{k<=n} 1 / (a + k)  (dt_n/da = -t_n H_n);
// above it from Q = a g / cf(a, x): dP/da = -Q [1/a + lr - cf'/cf] (gamma_fraction_slope).
RISKCORE_HD inline double gamma_p_shape_slope(double a, double x, double g, double lr) {
  if (x < a + 1.0) {
    double term = 1.0, sum = 0.0, harmonic = 0.0, weighted = 0.0;
    for (int n = 1; n <= kMaxIter; ++n) {
      term *= x / (a + n);
      harmonic += 1.0 / (a + n);
      sum += term;
      weighted += term * harmonic;
      if (term < sum * kEps && term * harmonic < weighted * kEps) break;
    }
    return g * (lr * (1.0 + sum) - weighted);
  }
  double cf, cf_a;
  gamma_fraction_slope(a, x, &cf, &cf_a);
  return -(a * g / cf) * (1.0 / a + lr - cf_a / cf);
}

// The shape terms of the gamma closed forms at one point: dP(a, x)/da, g lr = d g/da and
// 2 (x - a) dP(a, x)/da + 2 a g lr (the y-sized pair of d/dshape), all 0 at x = 0 and x = inf.
struct GammaShapeTerms {
  double slope, g_lr, moment;
};

RISKCORE_HD inline GammaShapeTerms gamma_shape_terms(double a, double x) {
  if (!(x > 0.0) || isinf(x)) return GammaShapeTerms{0.0, 0.0, 0.0};
  const double lr = log(x) - digamma(a + 1.0), g = exp(-x + a * log(x) - lgamma(a + 1.0));
  const double slope = gamma_p_shape_slope(a, x, g, lr);
  return GammaShapeTerms{slope, g * lr, 2.0 * (x - a) * slope + 2.0 * a * g * lr};
}

// ---------------------------------------------------------------------------------- normal tails
// erfcx(x) = e^{x^2} erfc(x): erfc times e^{x^2} with x^2 split exactly by fma below 10 (no
// underflow there), the asymptotic series 1/(x sqrt pi) sum (-1)^n (2n-1)!! / (2x^2)^n above.
RISKCORE_HD inline double exp_square(double x) {
  const double hi = x * x, lo = fma(x, x, -hi);
  return exp(hi) * (1.0 + lo);
}

RISKCORE_HD inline double erfcx_positive(double x) {
  if (x < 10.0) return erfc(x) * exp_square(x);
  const double r = 0.5 / (x * x);
  double term = 1.0, sum = 1.0;
  for (int n = 1; n < 40; ++n) {
    term *= -(2 * n - 1) * r;
    sum += term;
    if (fabs(term) < kEps * sum) break;
  }
  return sum / (x * 1.77245385090551602730);
}

RISKCORE_HD inline double erfcx(double x) {
  return x >= 0.0 ? erfcx_positive(x) : 2.0 * exp_square(x) - erfcx_positive(-x);
}

// Mills ratio R(x) = Q(x) / phi(x), Q = 1 - Phi the normal survival function.
RISKCORE_HD inline double mills(double x) { return 1.25331413731550025121 * erfcx(x * 0.70710678118654752440); }

// V(x) = 1 - x R(x) (so that int_x^inf Q = phi(x) V(x)) and W(x) = sqrt2 R(sqrt2 x) - R(x), x >= 0:
// both ~ x^-2 and x^-3, so beyond x = 10 from their asymptotic series (no cancellation there):
//   V = sum_{n>=1} (-1)^{n+1} (2n-1)!! / x^{2n},  W = sum_{n>=1} (-1)^n (2n-1)!! (2^-n - 1) / x^{2n+1}.
RISKCORE_HD inline double mills_v(double x) {
  if (x < 10.0) return 1.0 - x * mills(x);
  const double r = 1.0 / (x * x);
  double term = r, sum = r;
  for (int n = 2; n < 60; ++n) {
    term *= -(2 * n - 1) * r;
    sum += term;
    if (fabs(term) < kEps * sum) break;
  }
  return sum;
}

RISKCORE_HD inline double mills_w(double x) {
  if (x < 10.0) return 1.41421356237309504880 * mills(1.41421356237309504880 * x) - mills(x);
  const double r = 1.0 / (x * x);
  double dfact = 1.0, power = 1.0 / x, half = 1.0, sum = 0.0;
  for (int n = 1; n < 60; ++n) {
    dfact *= -(2 * n - 1);
    power *= r;
    half *= 0.5;
    const double term = dfact * (half - 1.0) * power;
    sum += term;
    if (fabs(term) < kEps * fabs(sum)) break;
  }
  return sum;
}

// R(x), V(x) and W(x) at one point (two Mills ratios in all).
struct MillsTriple {
  double r, v, w;
};

RISKCORE_HD inline MillsTriple mills_triple(double x) {
  const double r = mills(x);
  if (x < 10.0) return MillsTriple{r, 1.0 - x * r, 1.41421356237309504880 * mills(1.41421356237309504880 * x) - r};
  return MillsTriple{r, mills_v(x), mills_w(x)};
}

// int_x^inf Q(t) dt and int_x^inf Q(t)^2 dt for any x (inf at -inf); the second is
//   -x Q^2 + 2 phi Q - Q(sqrt2 x)/sqrt(pi) = -phi(x)^2 [W - R V] for x >= 0.
RISKCORE_HD inline double normal_q_integral(double x) {
  if (isinf(x)) return x > 0 ? 0.0 : static_cast<double>(INFINITY);
  if (x >= 0.0) return normal_pdf(x) * mills_v(x);
  return normal_pdf(x) - x * normal_cdf(-x);
}

RISKCORE_HD inline double normal_q2_integral(double x) {
  if (isinf(x)) return x > 0 ? 0.0 : static_cast<double>(INFINITY);
  if (x >= 0.0) {
    const double pdf = normal_pdf(x);
    return -pdf * pdf * (mills_w(x) - mills(x) * mills_v(x));
  }
  const double q = normal_cdf(-x);
  return -x * q * q + 2.0 * normal_pdf(x) * q - normal_cdf(-1.41421356237309504880 * x) / sqrt(kPi);
}

// ------------------------------------------------------------------------------ logistic and t
RISKCORE_HD inline double logistic_cdf(double x) {
  return x >= 0.0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}

// g(s) = -log(1 - s)/s = sum_{n>=1} s^(n-1)/n and h(s) = (-log(1 - s) - s)/s^2 = sum_{n>=2} s^(n-2)/n
// for 0 <= s <= 1/2: the series below s = 0.05 (where h's closed form would cancel), else closed form.
// sum_{n=first..last} s^(n-first) / n by Horner's rule (the series of g and h below).
RISKCORE_HD inline double reciprocal_series(double s, int last, int first) {
  double sum = 0.0;
  for (int n = last; n >= first; --n) sum = 1.0 / n + s * sum;
  return sum;
}

RISKCORE_HD inline double log1m_over(double s) {
  if (s >= 0.05) return -log1p(-s) / s;
  return reciprocal_series(s, 14, 1);
}

RISKCORE_HD inline double log1m_minus_over2(double s) {
  if (s >= 0.05) return (-log1p(-s) - s) / (s * s);
  return reciprocal_series(s, 15, 2);
}

// Student t survival function at x >= 0: I_{df/(df + x^2)}(df/2, 1/2) / 2 (x = inf gives 0).
RISKCORE_HD inline double student_sf(double x, double df) {
  return 0.5 * beta_inc(0.5 * df, 0.5, df / (df + x * x));
}

// ------------------------------------------------------------------------- incomplete gamma, a > -1
// log Gamma(1 + a) for |a| < 1, by its Taylor series -euler a + sum_k (-1)^k zeta(k) a^k / k below
// |a| = 0.05 (lgamma(1 + a) loses the digits of a in 1 + a).
RISKCORE_HD inline double lgamma1p(double a) {
  if (fabs(a) >= 0.05) return lgamma(1.0 + a);
  const double zeta[] = {1.6449340668482264365, 1.2020569031595942854, 1.0823232337111381915,
                         1.0369277551433699263, 1.0173430619844491397, 1.0083492773819228268,
                         1.0040773561979443394, 1.0020083928260822144, 1.0009945751278180853,
                         1.0004941886041194646, 1.0002460865533080483, 1.0001227133475784891};
  double sum = 0.0, power = -a;
  for (int k = 0; k < 12; ++k) {
    power *= -a;
    sum += zeta[k] * power / (k + 2);
  }
  return -kEulerGamma * a + sum;
}

// S = sum_{n>=1} (-x)^n / (n! (a + n)), 0 < x < 1, a > -1: upper_gamma_log's series (and GevGradScale's).
RISKCORE_HD inline double upper_gamma_series(double a, double x) {
  double term = 1.0, sum = 0.0;
  for (int n = 1; n <= kMaxIter; ++n) {
    term *= -x / n;
    const double t = term / (a + n);
    sum += t;
    if (fabs(t) < kEps * fabs(sum)) break;
  }
  return sum;
}

// Upper incomplete gamma Gamma(a, x) = int_x^inf t^{a-1} e^-t dt (not regularised), a > -1, x > 0, from
// log_x = log x (so that x = e^log_x may underflow: E1 at log x = -800 is -euler + 800, not inf):
// continued fraction for x >= 1 (or x >= a + 1), Gamma(a) Q(a, x) when a >= 1 and x < a + 1, and for
// |a| < 1, x < 1: [Gamma(1 + a) - x^a] / a - x^a sum_{n>=1} (-x)^n / (n! (a + n)) with the bracket from
// expm1 (exact through a = 0, where it is -euler - log x and Gamma(0, x) = E1(x)).
// lg1p = lgamma1p(a), for callers that have it (or hoist it out of a loop over x).
RISKCORE_HD inline double upper_gamma_log(double a, double log_x, double lg1p) {
  const double x = exp(log_x);
  if (isinf(x)) return 0.0;
  if (x >= 1.0 && (a < 1.0 || x >= a + 1.0)) {
    return exp(-x + a * log_x) / gamma_fraction(a, x);
  }
  if (a >= 1.0) return exp(lgamma(a)) * gamma_q(a, x);
  const double head = a == 0.0 ? -kEulerGamma - log_x : (expm1(lg1p) - expm1(a * log_x)) / a;
  if (!(x > 0.0)) return head;
  return head - exp(a * log_x) * upper_gamma_series(a, x);
}

RISKCORE_HD inline double upper_gamma_log(double a, double log_x) {  // lg1p only read for x < 1, a < 1
  return upper_gamma_log(a, log_x, log_x >= 0.0 || a >= 1.0 ? 0.0 : lgamma1p(a));
}

// upper_gamma_series' S with dS/da = -sum (-x)^n / (n! (a + n)^2) and
// x dS/dx = sum n (-x)^n / (n! (a + n)).
struct UpperGammaSeries {
  double sum, sum_a, sum_x;
};

RISKCORE_HD inline UpperGammaSeries upper_gamma_series_slopes(double a, double x) {
  double term = 1.0, sum = 0.0, sum_a = 0.0, sum_x = 0.0;
  for (int n = 1; n <= kMaxIter; ++n) {
    term *= -x / n;
    const double t_n = term / (a + n);
    sum += t_n;
    sum_a -= t_n / (a + n);
    sum_x += n * t_n;
    if (fabs(t_n) < kEps * fabs(sum) && fabs(n * t_n) < kEps * fabs(sum_x)) break;
  }
  return UpperGammaSeries{sum, sum_a, sum_x};
}

// h(a) = (Gamma(1 + a) - 1) / a (upper_gamma_log's head without its x^a part; -euler at a = 0) and its slope.
RISKCORE_HD inline double gamma1p_ratio(double a) { return a == 0.0 ? -kEulerGamma : expm1(lgamma1p(a)) / a; }

// d/da of h(a), a > -1:
// [a Gamma(1 + a) psi(1 + a) - (Gamma(1 + a) - 1)] / a^2, and below |a| = 0.1, where that cancels, the Taylor
// series sum_j (j + 1) c_{j+2} a^j of Gamma(1 + a) = sum_k c_k a^k (18 terms, truncation < 2e-17).
RISKCORE_HD inline double gamma1p_ratio_slope(double a) {
  if (fabs(a) >= 0.1) {
    const double g = exp(lgamma1p(a));
    return (a * g * digamma(1.0 + a) - (g - 1.0)) / (a * a);
  }
  constexpr double c[] = {0.9890559953279725554,  -1.814958152161772578, 2.945184260503200562,  -3.9279802756125808084,
                          4.9657455731063809658,  -5.9760105626545892038, 6.9867398564819024539, -7.9922021409756389424,
                          8.9956409046549969696,  -9.9975659750860128703, 10.998660984466466033, -11.999268770477331802,
                          12.999603730925267358,  -13.999786537791278682, 14.999885617186098238, -15.999938985431572992,
                          16.999967582379225165,  -17.999982836440400839};
  double sum = 0.0;
  for (int j = 17; j >= 0; --j) sum = sum * a + c[j];
  return sum;
}

// E(w) = expm1(w) / w and E'(w) = ((w - 1) e^w + 1) / w^2, the latter from its series sum_{k>=1} k w^(k-1) / (k+1)!
// below |w| = 1 (20 terms), where the closed form cancels.
RISKCORE_HD inline double expm1_ratio(double w) { return w == 0.0 ? 1.0 : expm1(w) / w; }

RISKCORE_HD inline double expm1_ratio_slope(double w) {
  if (fabs(w) >= 1.0) return ((w - 1.0) * exp(w) + 1.0) / (w * w);
  double term = 0.5, sum = 0.5;  // k = 1
  for (int k = 1; k < 20; ++k) {
    term *= (k + 1.0) / k * w / (k + 2.0);
    sum += term;
  }
  return sum;
}

}  // namespace riskcore
