// Closed-form CRPS of symmetric location-scale laws (normal, logistic, Student t) truncated to [l, u]
// with point masses at the bounds (scoringRules' gtc families), exact far in either tail.
//
// A law with CDF F on the real line, truncated to [l, u] (CDF F_T, survival S_T = 1 - F_T), with point
// masses L at l and U at u (kappa = 1 - L - U on the interior). With c = clamp(y, l, u), the CRPS
// = int (F_gtc - H_y)^2 splits into non-negative pieces
//   |y - c| + L^2 (c - l) + 2 L kappa A1 + kappa^2 A2 + U^2 (u - c) + 2 U kappa B1 + kappa^2 B2,
//   A1 = int_l^c F_T, A2 = int_l^c F_T^2, B1 = int_c^u S_T, B2 = int_c^u S_T^2,
// so no cancellation happens here; each family computes its four integrals stably:
// - an interval in the upper tail (l >= 0) from the family's tail functions normalised by S(l):
//   q(x) = S(x)/S(l), j1(x) = int_x^inf S / S(l), j2(x) = int_x^inf S^2 / S(l)^2 (no underflow, no
//   1 - F cancellation however far out), an interval in the lower tail (u <= 0) by reflection;
// - an interval holding the mode (l < 0 < u) from JS(x) = int_x^inf S and JS2(x) = int_x^inf S^2.
// Each family provides cdf(x), js(x), js2(x) (0 at +inf) and upper_tail(l) with at(x) -> {q, j1, j2}
// and mass(u) = 1 - q(u) (the truncated law's mass, computed without cancellation where it can be).
#pragma once
#include <cmath>

#include "config.hpp"
#include "special.hpp"

namespace riskcore {

struct TruncatedIntegrals {
  double a1, a2, b1, b2;
};

struct TailPoint {
  double q, j1, j2;
};

RISKCORE_HD inline double gtc_combine(double y, double l, double u, double lmass, double umass, double kappa,
                                      const TruncatedIntegrals& t) {
  const double c = fmin(fmax(y, l), u);
  double out = fabs(y - c) + kappa * kappa * (t.a2 + t.b2);
  if (lmass > 0.0) out += lmass * (lmass * (c - l) + 2.0 * kappa * t.a1);
  if (umass > 0.0) out += umass * (umass * (u - c) + 2.0 * kappa * t.b1);
  return out;
}

// int_l^c (1 - q), int_l^c (1 - q)^2 and int_c^u (q - q(u)), int_c^u (q - q(u))^2, over the mass 1 - q(u).
template <class Tail>
RISKCORE_HD inline TruncatedIntegrals upper_tail_integrals(const Tail& tail, double l, double u, double c) {
  const TailPoint pl = tail.at(l), pc = c == l ? pl : tail.at(c);
  const bool bounded = !isinf(u);
  const TailPoint pu = bounded ? tail.at(u) : TailPoint{0.0, 0.0, 0.0};
  const double mass = bounded ? tail.mass(u) : 1.0;
  const double iq_lc = pl.j1 - pc.j1, iq_cu = pc.j1 - pu.j1;
  const double iq2_lc = pl.j2 - pc.j2, iq2_cu = pc.j2 - pu.j2;
  const double tail_len = bounded ? u - c : 0.0;
  TruncatedIntegrals t;
  t.a1 = ((c - l) - iq_lc) / mass;
  t.a2 = ((c - l) - 2.0 * iq_lc + iq2_lc) / (mass * mass);
  t.b1 = (iq_cu - pu.q * tail_len) / mass;
  t.b2 = (iq2_cu - 2.0 * pu.q * iq_cu + pu.q * pu.q * tail_len) / (mass * mass);
  return t;
}

// l < 0 < u: int_a^b F = JS(-b) - JS(-a), int_a^b F^2 = JS2(-b) - JS2(-a), int_a^b S = JS(a) - JS(b).
template <class Family>
RISKCORE_HD inline TruncatedIntegrals central_integrals(const Family& fam, double l, double u, double c) {
  const double fl = fam.cdf(l), su = fam.cdf(-u);
  const double mass = 1.0 - fl - su;
  const double ip = fam.js(-c) - fam.js(-l), ip2 = fam.js2(-c) - fam.js2(-l);
  const double iq = fam.js(c) - fam.js(u), iq2 = fam.js2(c) - fam.js2(u);
  const double head = fl > 0.0 ? c - l : 0.0, tail = su > 0.0 ? u - c : 0.0;
  TruncatedIntegrals t;
  t.a1 = (ip - fl * head) / mass;
  t.a2 = (ip2 - 2.0 * fl * ip + fl * fl * head) / (mass * mass);
  t.b1 = (iq - su * tail) / mass;
  t.b2 = (iq2 - 2.0 * su * iq + su * su * tail) / (mass * mass);
  return t;
}

template <class Family>
RISKCORE_HD inline TruncatedIntegrals truncated_integrals(const Family& fam, double l, double u, double c) {
  if (l >= 0.0) return upper_tail_integrals(fam.upper_tail(l), l, u, c);
  if (u <= 0.0) {
    const TruncatedIntegrals r = upper_tail_integrals(fam.upper_tail(-u), -u, -l, -c);
    return TruncatedIntegrals{r.b1, r.b2, r.a1, r.a2};
  }
  return central_integrals(fam, l, u, c);
}

// Probability of [l, u], from the tail that keeps it exact.
template <class Family>
RISKCORE_HD inline double interval_mass(const Family& fam, double l, double u) {
  if (l >= 0.0) return fam.cdf(-l) - fam.cdf(-u);
  if (u <= 0.0) return fam.cdf(u) - fam.cdf(l);
  return 1.0 - fam.cdf(l) - fam.cdf(-u);
}

// The family on [lower, upper] with point masses lmass, umass (gtc*), in original units.
template <class Family>
RISKCORE_HD inline double crps_gtc(const Family& fam, double y, double mu, double sigma, double lower, double upper,
                                   double lmass, double umass) {
  const double w = (y - mu) / sigma, l = (lower - mu) / sigma, u = (upper - mu) / sigma;
  const double c = fmin(fmax(w, l), u);
  return sigma * gtc_combine(w, l, u, lmass, umass, 1.0 - lmass - umass, truncated_integrals(fam, l, u, c));
}

// Censoring: lmass = F(l), umass = S(u), kappa = the interval's mass.
template <class Family>
RISKCORE_HD inline double crps_censored(const Family& fam, double y, double mu, double sigma, double lower,
                                        double upper) {
  const double w = (y - mu) / sigma, l = (lower - mu) / sigma, u = (upper - mu) / sigma;
  const double c = fmin(fmax(w, l), u);
  return sigma * gtc_combine(w, l, u, fam.cdf(l), fam.cdf(-u), interval_mass(fam, l, u),
                             truncated_integrals(fam, l, u, c));
}

// ----------------------------------------------------------------------------------------- normal
// q(x) = e(x) R(x)/R(l), e(x) = exp(-(x - l)(x + l)/2), j1 = e V / R(l), j2 = -(e/R(l))^2 (W - R V)
// with the Mills-ratio functions of special.hpp.
struct NormalUpperTail {
  double l, rl;
  RISKCORE_HD TailPoint at(double x) const {
    if (isinf(x)) return TailPoint{0.0, 0.0, 0.0};
    const MillsTriple m = mills_triple(x);
    const double e = exp(-0.5 * (x - l) * (x + l)) / rl;
    return TailPoint{e * m.r, e * m.v, -e * e * (m.w - m.r * m.v)};
  }
  RISKCORE_HD double mass(double u) const { return 1.0 - at(u).q; }
};

struct NormalFamily {
  RISKCORE_HD double cdf(double x) const { return normal_cdf(x); }
  RISKCORE_HD double js(double x) const { return normal_q_integral(x); }
  RISKCORE_HD double js2(double x) const { return normal_q2_integral(x); }
  RISKCORE_HD NormalUpperTail upper_tail(double l) const { return NormalUpperTail{l, mills(l)}; }
};

// --------------------------------------------------------------------------------------- logistic
// F(x) = 1/(1 + e^-x); JS(x) = log(1 + e^-x) = S g(S), JS2(x) = JS - S = S^2 h(S) (special.hpp), so in
// the upper tail q = e^-(x - l) (1 + e^-l)/(1 + e^-x), j1 = q g(S(x)), j2 = q^2 h(S(x)), and the
// truncated mass 1 - q(u) = -expm1(-(u - l)) / (1 + e^-u).
struct LogisticUpperTail {
  double l;
  RISKCORE_HD TailPoint at(double x) const {
    if (isinf(x)) return TailPoint{0.0, 0.0, 0.0};
    const double ex = exp(-x), s = ex / (1.0 + ex);
    const double q = exp(-(x - l)) * (1.0 + exp(-l)) / (1.0 + ex);
    return TailPoint{q, q * log1m_over(s), q * q * log1m_minus_over2(s)};
  }
  RISKCORE_HD double mass(double u) const { return -expm1(-(u - l)) / (1.0 + exp(-u)); }
};

struct LogisticFamily {
  RISKCORE_HD double cdf(double x) const { return logistic_cdf(x); }
  RISKCORE_HD double js(double x) const {
    if (isinf(x)) return x > 0 ? 0.0 : static_cast<double>(INFINITY);
    return x > 0 ? log1p(exp(-x)) : -x + log1p(exp(x));
  }
  RISKCORE_HD double js2(double x) const {
    if (isinf(x)) return x > 0 ? 0.0 : static_cast<double>(INFINITY);
    if (x >= 0.0) {
      const double s = logistic_cdf(-x);
      return s * s * log1m_minus_over2(s);
    }
    return -x + log1p(exp(x)) - logistic_cdf(-x);
  }
  RISKCORE_HD LogisticUpperTail upper_tail(double l) const { return LogisticUpperTail{l}; }
};

// ------------------------------------------------------------------------------------- Student t
// S(x) = I_{df/(df + x^2)}(df/2, 1/2) / 2 for x >= 0, f the density. With G(x) = f(x)(df + x^2)/(df - 1)
// (-G' = x f) and K(x) = int_x^inf f^2 (df + t^2) dt = c_df^2 df sqrt(df/m) S_m(x sqrt(m/df)) / c_m,
// m = 2 df - 1 (f^2 (df + t^2) is a scaled t_m density), integration by parts gives
//   JS(x) = -x S + G,   JS2(x) = -x S^2 + 2 S G - 2 K / (df - 1),
// exact for every x; the upper tail divides by S(l). (Their terms cancel by a factor of about
// min(x^2, 4 df) far out: ~1e-13 relative for df <= 100.)
struct StudentFamily {
  double df, log_c;  // log_c = log of the density's constant
  RISKCORE_HD explicit StudentFamily(double nu)
      : df(nu), log_c(log_gamma_ratio(0.5 * nu, 0.5) - 0.5 * log(nu * kPi)) {}
  RISKCORE_HD double cdf(double x) const { return x > 0 ? 1.0 - student_sf(x, df) : student_sf(-x, df); }
  RISKCORE_HD double sf(double x) const { return cdf(-x); }
  RISKCORE_HD double g(double x) const {  // f(x) (df + x^2) / (df - 1)
    return exp(log_c - 0.5 * (df - 1.0) * log1p(x * x / df)) * df / (df - 1.0);
  }
  RISKCORE_HD double k(double x) const {
    const double m = 2.0 * df - 1.0;
    const double log_cm = log_gamma_ratio(0.5 * m, 0.5) - 0.5 * log(m * kPi);
    const double xm = x * sqrt(m / df), sm = student_sf(fabs(xm), m);
    return exp(2.0 * log_c - log_cm) * df * sqrt(df / m) * (xm >= 0.0 ? sm : 1.0 - sm);
  }
  RISKCORE_HD double js(double x) const {
    if (isinf(x)) return x > 0 ? 0.0 : static_cast<double>(INFINITY);
    return -x * sf(x) + g(x);
  }
  RISKCORE_HD double js2(double x) const {
    if (isinf(x)) return x > 0 ? 0.0 : static_cast<double>(INFINITY);
    const double s = sf(x);
    return -x * s * s + 2.0 * s * g(x) - 2.0 * k(x) / (df - 1.0);
  }
  struct UpperTail {
    const StudentFamily* fam;
    double sl;
    RISKCORE_HD TailPoint at(double x) const {
      if (isinf(x)) return TailPoint{0.0, 0.0, 0.0};
      const double s = fam->sf(x), gx = fam->g(x);
      const double q = s / sl, j1 = (-x * s + gx) / sl;
      const double j2 = (-x * s * s + 2.0 * s * gx - 2.0 * fam->k(x) / (fam->df - 1.0)) / (sl * sl);
      return TailPoint{q, j1, j2};
    }
    RISKCORE_HD double mass(double u) const { return 1.0 - fam->sf(u) / sl; }
  };
  RISKCORE_HD UpperTail upper_tail(double l) const { return UpperTail{this, sf(l)}; }
};

}  // namespace riskcore
