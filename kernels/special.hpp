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

// Regularised lower incomplete gamma P(a, x) (series) or upper Q(a, x) (continued fraction).
RISKCORE_HD inline double gamma_p_series(double a, double x) {
  double term = 1.0 / a, sum = term;
  for (int n = 1; n <= kMaxIter; ++n) {
    term *= x / (a + n);
    sum += term;
    if (fabs(term) < fabs(sum) * kEps) break;
  }
  return sum * exp(-x + a * log(x) - lgamma(a));
}

RISKCORE_HD inline double gamma_q_fraction(double a, double x) {
  const double cf = lentz(x + 1.0 - a, [a, x](int n, double& an, double& bn) {
    an = -n * (n - a);
    bn = x + 2.0 * n + 1.0 - a;
  });
  return exp(-x + a * log(x) - lgamma(a)) / cf;
}

RISKCORE_HD inline double gamma_p(double a, double x) {
  if (x <= 0.0) return 0.0;
  if (isinf(x)) return 1.0;
  return x < a + 1.0 ? gamma_p_series(a, x) : 1.0 - gamma_q_fraction(a, x);
}

RISKCORE_HD inline double gamma_q(double a, double x) {
  if (x <= 0.0) return 1.0;
  if (isinf(x)) return 0.0;
  return x < a + 1.0 ? 1.0 - gamma_p_series(a, x) : gamma_q_fraction(a, x);
}

// Regularised incomplete beta I_x(a, b).
RISKCORE_HD inline double beta_fraction(double a, double b, double x) {
  return lentz(1.0, [a, b, x](int n, double& an, double& bn) {
    const int k = (n + 1) / 2;  // n = 2k - 1 (odd) or 2k (even)
    an = (n % 2 == 1) ? -(a + k - 1) * (a + b + k - 1) * x / ((a + 2 * k - 2) * (a + 2 * k - 1))
                      : k * (b - k) * x / ((a + 2 * k - 1) * (a + 2 * k));
    bn = 1.0;
  });
}

RISKCORE_HD inline double beta_inc(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double front = exp(a * log(x) + b * log1p(-x) - log_beta(a, b));
  if (x < (a + 1.0) / (a + b + 2.0)) return front / (a * beta_fraction(a, b, x));
  return 1.0 - front / (b * beta_fraction(b, a, 1.0 - x));
}

// Exponential integral E1(x) = integral_x^inf e^-t / t dt, x > 0.
RISKCORE_HD inline double expint_e1(double x) {
  if (x <= 0.0) return static_cast<double>(INFINITY);
  if (x <= 1.0) {
    double sum = 0.0, term = 1.0;
    for (int k = 1; k <= kMaxIter; ++k) {
      term *= -x / k;
      sum += term / k;
      if (fabs(term / k) < kEps * fabs(sum)) break;
    }
    return -kEulerGamma - log(x) - sum;
  }
  const double cf = lentz(x + 1.0, [x](int n, double& an, double& bn) {
    an = -static_cast<double>(n) * n;
    bn = x + 2.0 * n + 1.0;
  });
  return exp(-x) / cf;
}

}  // namespace riskcore
