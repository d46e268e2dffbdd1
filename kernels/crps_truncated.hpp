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

// The branch-free fast forms below must inline into the CPU loop, with everything they call, to vectorise
// (flatten, not always_inline on the shared helpers: the generic path keeps its own inlining, hence its
// own floating-point contractions).
#if defined(__GNUC__) && !defined(__CUDACC__)
#define RISKCORE_ALWAYS_INLINE __attribute__((always_inline, flatten))
#else
#define RISKCORE_ALWAYS_INLINE
#endif

namespace riskcore {

struct TruncatedIntegrals {
  double a1, a2, b1, b2;
};

struct TailPoint {
  double q, j1, j2;
};

RISKCORE_HD inline double gtc_combine(double y, double l, double u, double lmass, double umass, double kappa,
                                      const TruncatedIntegrals& t) {
  const double yl = y > l ? y : l, c = yl < u ? yl : u;  // clamp(y, l, u) (NaN y gives NaN below)
  double out = fabs(y - c) + kappa * kappa * (t.a2 + t.b2);
  if (lmass > 0.0) out += lmass * (lmass * (c - l) + 2.0 * kappa * t.a1);
  if (umass > 0.0) out += umass * (umass * (u - c) + 2.0 * kappa * t.b1);
  return out;
}

// int_l^c (1 - q), int_l^c (1 - q)^2 and int_c^u (q - q(u)), int_c^u (q - q(u))^2, over the mass 1 - q(u),
// from the tail points at l, c and u (pu = 0 and mass = 1 for u = inf).
RISKCORE_HD inline TruncatedIntegrals tail_point_integrals(const TailPoint& pl, const TailPoint& pc,
                                                           const TailPoint& pu, double mass, double l, double u,
                                                           double c, bool bounded) {
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

template <class Tail>
RISKCORE_HD inline TruncatedIntegrals upper_tail_integrals(const Tail& tail, double l, double u, double c) {
  const TailPoint pl = tail.at(l), pc = c == l ? pl : tail.at(c);
  const bool bounded = !isinf(u);
  const TailPoint pu = bounded ? tail.at(u) : TailPoint{0.0, 0.0, 0.0};
  return tail_point_integrals(pl, pc, pu, bounded ? tail.mass(u) : 1.0, l, u, c, bounded);
}

// l < 0 < u: int_a^b F = JS(-b) - JS(-a), int_a^b F^2 = JS2(-b) - JS2(-a), int_a^b S = JS(a) - JS(b), from
// F(l), S(u) = F(-u) and JS, JS2 at -c, -l, c, u.
struct CentralValues {
  double fl, su, js_mc, js_ml, js2_mc, js2_ml, js_c, js_u, js2_c, js2_u;
};

RISKCORE_HD inline TruncatedIntegrals central_value_integrals(const CentralValues& v, double l, double u,
                                                              double c) {
  const double mass = 1.0 - v.fl - v.su;
  const double ip = v.js_mc - v.js_ml, ip2 = v.js2_mc - v.js2_ml;
  const double iq = v.js_c - v.js_u, iq2 = v.js2_c - v.js2_u;
  const double head = v.fl > 0.0 ? c - l : 0.0, tail = v.su > 0.0 ? u - c : 0.0;
  TruncatedIntegrals t;
  t.a1 = (ip - v.fl * head) / mass;
  t.a2 = (ip2 - 2.0 * v.fl * ip + v.fl * v.fl * head) / (mass * mass);
  t.b1 = (iq - v.su * tail) / mass;
  t.b2 = (iq2 - 2.0 * v.su * iq + v.su * v.su * tail) / (mass * mass);
  return t;
}

template <class Family>
RISKCORE_HD inline TruncatedIntegrals central_integrals(const Family& fam, double l, double u, double c) {
  const CentralValues v{fam.cdf(l),   fam.cdf(-u),   fam.js(-c), fam.js(-l), fam.js2(-c),
                        fam.js2(-l), fam.js(c), fam.js(u), fam.js2(c), fam.js2(u)};
  return central_value_integrals(v, l, u, c);
}

// Narrow intervals: the differences above cancel by about (u - l)^3 (4e-3 relative at u - l = 1e-4, 4e-6
// at 1e-3), so an interval at most kNarrowWidth wide over which log f varies by at most kNarrowSpread
// (log_slope(l, u) bounds |(log f)'| on [l, u]) takes the four integrals from their definitions instead. With E(s) = f(l + s) / f(l) (log_ratio(l, s), exact for
// the normal), w = u - l, b = c - l, r(a) = int_0^a E and Z = r(w): F_T(l + s) = r(s) / Z and
//   A1 = int_0^b (b - t) E(t) dt / Z,   B1 = int_b^w (t - b) E(t) dt / Z   (integration by parts),
//   A2 = int_0^b r(s)^2 ds / Z^2,       B2 = int_b^w (Z - r(s))^2 ds / Z^2,
// by 8-point Gauss-Legendre rules (inner rules for r): exact to rounding for an integrand whose log
// varies by 2 or less. Only positive terms are summed.
constexpr double kNarrowWidth = 0.5, kNarrowSpread = 2.0;
RISKCORE_HD inline double gauss8_node(int i) {
  constexpr double x[8] = {0.019855071751231912, 0.10166676129318664, 0.2372337950418355, 0.4082826787521751,
                           0.5917173212478248,   0.7627662049581645,  0.8983332387068134, 0.9801449282487681};
  return x[i];
}
RISKCORE_HD inline double gauss8_weight(int i) {
  constexpr double w[4] = {0.05061426814518853, 0.11119051722668721, 0.15685332293894344, 0.18134189168918083};
  return w[i < 4 ? i : 7 - i];
}

template <class Family>
RISKCORE_HD inline bool narrow_interval(const Family& fam, double l, double u) {
  return u - l <= kNarrowWidth && (u - l) * fam.log_slope(l, u) <= kNarrowSpread;
}

template <class Family>
RISKCORE_HD inline double density_integral(const Family& fam, double l, double a, double b) {  // int_a^b E
  double sum = 0.0;
  for (int i = 0; i < 8; ++i) sum += gauss8_weight(i) * exp(fam.log_ratio(l, a + (b - a) * gauss8_node(i)));
  return sum * (b - a);
}

template <class Family>
RISKCORE_HD inline TruncatedIntegrals narrow_integrals(const Family& fam, double l, double u, double c) {
  const double w = u - l, b = c - l, z = density_integral(fam, l, 0.0, w);
  double a1 = 0.0, a2 = 0.0, b1 = 0.0, b2 = 0.0;
  for (int i = 0; i < 8; ++i) {
    const double t = b * gauss8_node(i), v = b + (w - b) * gauss8_node(i), g = gauss8_weight(i);
    a1 += g * (b - t) * exp(fam.log_ratio(l, t));
    b1 += g * (v - b) * exp(fam.log_ratio(l, v));
    const double below = density_integral(fam, l, 0.0, t), above = density_integral(fam, l, v, w);
    a2 += g * below * below;
    b2 += g * above * above;
  }
  return TruncatedIntegrals{a1 * b / z, a2 * b / (z * z), b1 * (w - b) / z, b2 * (w - b) / (z * z)};
}

template <class Family>
RISKCORE_HD inline TruncatedIntegrals truncated_integrals(const Family& fam, double l, double u, double c) {
  if (narrow_interval(fam, l, u)) return narrow_integrals(fam, l, u, c);
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

// For the gradients: F_T(c) and the densities at the ends over the interval's mass, f(l)/Z and f(u)/Z
// (Z = P(l < X <= u)), by the cases of truncated_integrals: a narrow interval from its quadrature of
// E(s) = f(l + s)/f(l) (Z/f(l) = r(w)); an upper-tail one from the tail's q (F_T(c) = (1 - q(c))/(1 - q(u)),
// f(l)/Z = h(l)/(1 - q(u)), f(u)/Z = h(u) q(u)/(1 - q(u)), h = f/S the hazard); a lower-tail one by reflection.
struct IntervalEnds {
  double cdf_c, density_l, density_u;
};

template <class Family>
RISKCORE_HD inline IntervalEnds upper_tail_ends(const Family& fam, double l, double u, double c) {
  const auto tail = fam.upper_tail(l);
  const bool bounded = !isinf(u);
  const double qu = bounded ? tail.at(u).q : 0.0, mass = bounded ? tail.mass(u) : 1.0;
  const double qc = c == l ? 1.0 : tail.at(c).q;
  return IntervalEnds{(1.0 - qc) / mass, fam.hazard(l) / mass, bounded ? fam.hazard(u) * qu / mass : 0.0};
}

template <class Family>
RISKCORE_HD inline IntervalEnds interval_ends(const Family& fam, double l, double u, double c) {
  if (narrow_interval(fam, l, u)) {
    const double z = density_integral(fam, l, 0.0, u - l);
    return IntervalEnds{density_integral(fam, l, 0.0, c - l) / z, 1.0 / z, exp(fam.log_ratio(l, u - l)) / z};
  }
  if (l >= 0.0) return upper_tail_ends(fam, l, u, c);
  if (u <= 0.0) {
    const IntervalEnds r = upper_tail_ends(fam, -u, -l, -c);
    return IntervalEnds{1.0 - r.cdf_c, r.density_u, r.density_l};
  }
  const double fl = fam.cdf(l), mass = 1.0 - fl - fam.cdf(-u);
  return IntervalEnds{(fam.cdf(c) - fl) / mass, fam.pdf(l) / mass, fam.pdf(u) / mass};
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
  RISKCORE_HD double log_ratio(double l, double s) const { return -s * (l + 0.5 * s); }  // log f(l + s)/f(l)
  RISKCORE_HD double log_slope(double l, double u) const { return fmax(fabs(l), fabs(u)); }
  RISKCORE_HD double pdf(double x) const { return normal_pdf(x); }
  RISKCORE_HD double hazard(double x) const { return 1.0 / mills(x); }  // f/S, x >= 0
};

// The common case in one branch-free pass (the CPU loop vectorises it and runs crps_gtc where ok = 0).
// Every term comes from erfc and e^{t^2} at t = a / sqrt2 and t = (sqrt2 a) / sqrt2 for a = |l|, |c|, |u|
// (clamped to 40, beyond which all of them have underflowed):
// - the tail case (l >= 0, or u <= 0 by reflection) with every finite point below 10: the same terms as
//   NormalUpperTail (mills_triple's loop-free branch, R = sqrt(pi/2) erfc(t) e^{t^2});
// - the central case (l < 0 < u) with c finite, any l and u: JS(a) = phi - a Q(a), JS2(a) = -a Q^2 +
//   2 phi Q - Q(sqrt2 a)/sqrt(pi) and JS(-a) = phi + a Phi(a), JS2(-a) = a Phi^2 + 2 phi Phi -
//   Phi(sqrt2 a)/sqrt(pi) (normal_q_integral and normal_q2_integral in Q rather than Mills-ratio form:
//   the same values where the central case uses them, to the cancellation both forms share far out).
struct NormalPoint {
  double a, q1, q2, pdf, r1, r2;  // a (clamped), Q(a), Q(sqrt2 a), phi(a), R(a), R(sqrt2 a)
};

RISKCORE_HD RISKCORE_ALWAYS_INLINE inline NormalPoint normal_point(double x) {
  // an infinite point is evaluated at 0 and its terms set to 0 after: vector erfc and exp take a slow
  // path for lanes that overflow or underflow, which an infinite bound would hit in every vector
  const double ax = fabs(x);
  const bool finite = ax < static_cast<double>(INFINITY);
  const double a = finite ? (ax < 40.0 ? ax : 40.0) : 0.0;  // not fmin: GCC vectorises neither fmin nor fmax
  const double t1 = a * 0.70710678118654752440, t2 = (1.41421356237309504880 * a) * 0.70710678118654752440;
  const double e1 = erfc(t1), x1 = exp_square(t1), e2 = erfc(t2), x2 = exp_square(t2);
  return NormalPoint{a,
                     finite ? 0.5 * e1 : 0.0,
                     finite ? 0.5 * e2 : 0.0,
                     finite ? 0.39894228040143267794 / x1 : 0.0,
                     1.25331413731550025121 * (e1 * x1),
                     1.25331413731550025121 * (e2 * x2)};
}

// JS(-a) if negative else JS(a), a = |x| (p.a, clamped, where the terms vanish)
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline double normal_point_js(const NormalPoint& p, bool negative, double a) {
  return negative ? p.pdf + a * (1.0 - p.q1) : p.pdf - p.a * p.q1;
}

RISKCORE_HD RISKCORE_ALWAYS_INLINE inline double normal_point_js2(const NormalPoint& p, bool negative, double a) {
  const double f = negative ? 1.0 - p.q1 : p.q1, f2 = negative ? 1.0 - p.q2 : p.q2, s = negative ? a : -p.a;
  return s * f * f + 2.0 * p.pdf * f - f2 * 0.56418958354775628695;  // 1/sqrt(pi)
}

// NormalUpperTail::at from the point's terms (x < 10), rl = R(l)
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline TailPoint normal_point_tail(const NormalPoint& p, double x, double l,
                                                                       double rl) {
  const double r = p.r1, v = 1.0 - x * r, w = 1.41421356237309504880 * p.r2 - r;
  const double e = exp(-0.5 * (x - l) * (x + l)) / rl;
  return TailPoint{e * r, e * v, -e * e * (w - r * v)};
}

// Field-wise selections (a struct-valued ?: can stay a branch, which stops the vectoriser).
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline NormalPoint pick(bool first, const NormalPoint& x, const NormalPoint& y) {
  return NormalPoint{first ? x.a : y.a,     first ? x.q1 : y.q1, first ? x.q2 : y.q2,
                     first ? x.pdf : y.pdf, first ? x.r1 : y.r1, first ? x.r2 : y.r2};
}

RISKCORE_HD RISKCORE_ALWAYS_INLINE inline TruncatedIntegrals pick(bool first, const TruncatedIntegrals& x,
                                                                  const TruncatedIntegrals& y) {
  return TruncatedIntegrals{first ? x.a1 : y.a1, first ? x.a2 : y.a2, first ? x.b1 : y.b1, first ? x.b2 : y.b2};
}

// What a family's branch-free interval evaluation gives the fast forms (ok = 0: use the generic path).
struct IntervalFast {
  TruncatedIntegrals t;
  double cdf_l, sf_u, between;  // F(l), S(u), P(l < X <= u)
  bool ok;
};

RISKCORE_HD RISKCORE_ALWAYS_INLINE inline IntervalFast normal_interval_fast(double l, double u, double c) {
  const double inf = static_cast<double>(INFINITY);
  const NormalPoint pl = normal_point(l), pc = normal_point(c), pu = normal_point(u);
  const double al = fabs(l), ac = fabs(c), au = fabs(u);
  // central
  const CentralValues v{pl.q1,
                        pu.q1,
                        normal_point_js(pc, c > 0.0, ac),
                        normal_point_js(pl, false, al),
                        normal_point_js2(pc, c > 0.0, ac),
                        normal_point_js2(pl, false, al),
                        normal_point_js(pc, c < 0.0, ac),
                        normal_point_js(pu, false, au),
                        normal_point_js2(pc, c < 0.0, ac),
                        normal_point_js2(pu, false, au)};
  const TruncatedIntegrals tc = central_value_integrals(v, l, u, c);
  // tail, reflected when u <= 0: L <= C <= U with L >= 0
  const bool low = u <= 0.0;
  const NormalPoint qL = pick(low, pu, pl), qU = pick(low, pl, pu);
  const double L = low ? -u : l, C = low ? -c : c, U = low ? -l : u;
  const bool bounded = U < inf, central = (l < 0.0) & (u > 0.0);
  // the tail terms at finite stand-ins where they are not used (no slow-path lanes in exp, as above)
  const bool tail = !central & (C < 10.0);
  const double Lt = tail ? L : 0.0, Ct = tail ? C : 0.0, Ut = tail & bounded ? U : Ct;
  const TailPoint tl = normal_point_tail(qL, Lt, Lt, qL.r1), tcp = normal_point_tail(pc, Ct, Lt, qL.r1);
  const TailPoint tu_any = normal_point_tail(qU, Ut, Lt, qL.r1);  // unconditional: no branch in the loop
  const TailPoint tu{bounded ? tu_any.q : 0.0, bounded ? tu_any.j1 : 0.0, bounded ? tu_any.j2 : 0.0};
  const TruncatedIntegrals r = tail_point_integrals(tl, tcp, tu, bounded ? 1.0 - tu.q : 1.0, L, U, C, bounded);
  IntervalFast out;
  out.t = pick(central, tc, pick(low, TruncatedIntegrals{r.b1, r.b2, r.a1, r.a2}, r));
  out.cdf_l = l < 0.0 ? pl.q1 : 1.0 - pl.q1;
  out.sf_u = u > 0.0 ? pu.q1 : 1.0 - pu.q1;
  out.between = central ? 1.0 - pl.q1 - pu.q1 : low ? pu.q1 - pl.q1 : pl.q1 - pu.q1;
  const bool numbers = (l == l) & (u == u) & (c == c);  // no NaN
  const bool tail_ok = (C < 10.0) & ((U < 10.0) | (U == inf));
  // narrow_interval(NormalFamily{}, l, u) without its && and fmax, which would stop the vectoriser
  const double width = u - l, slope = al > au ? al : au;
  const bool narrow = (width <= kNarrowWidth) & (width * slope <= kNarrowSpread);
  out.ok = numbers & ((central & (ac < inf)) | (!central & tail_ok)) & !narrow;
  return out;
}

// The gtc and censored scores from a family's interval_fast(l, u, c) (normal_interval_fast,
// logistic_interval_fast): ok where it holds and y is not NaN.
template <class IntervalFn>
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline double crps_gtc_fast(IntervalFn interval_fast, double y, double mu,
                                                               double sigma, double lower, double upper,
                                                               double lmass, double umass, int& ok) {
  const double w = (y - mu) / sigma, l = (lower - mu) / sigma, u = (upper - mu) / sigma;
  const double wl = w > l ? w : l, c = wl < u ? wl : u;  // clamp(w, l, u) for w, l, u not NaN
  const IntervalFast f = interval_fast(l, u, c);
  ok = f.ok & (w == w);
  return sigma * gtc_combine(w, l, u, lmass, umass, 1.0 - lmass - umass, f.t);
}

template <class IntervalFn>
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline double crps_censored_fast(IntervalFn interval_fast, double y, double mu,
                                                                    double sigma, double lower, double upper,
                                                                    int& ok) {
  const double w = (y - mu) / sigma, l = (lower - mu) / sigma, u = (upper - mu) / sigma;
  const double wl = w > l ? w : l, c = wl < u ? wl : u;  // clamp(w, l, u) for w, l, u not NaN
  const IntervalFast f = interval_fast(l, u, c);
  ok = f.ok & (w == w);
  return sigma * gtc_combine(w, l, u, f.cdf_l, f.sf_u, f.between, f.t);
}

struct NormalIntervalFastFn {
  RISKCORE_HD RISKCORE_ALWAYS_INLINE IntervalFast operator()(double l, double u, double c) const {
    return normal_interval_fast(l, u, c);
  }
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
  RISKCORE_HD double log_ratio(double l, double s) const {  // log f(x) = -|x| - 2 log(1 + e^-|x|)
    const double x = fabs(l + s), a = fabs(l);
    return (a - x) + 2.0 * (log1p(exp(-a)) - log1p(exp(-x)));
  }
  RISKCORE_HD double log_slope(double, double) const { return 1.0; }
  RISKCORE_HD double pdf(double x) const { return logistic_cdf(x) * logistic_cdf(-x); }
  RISKCORE_HD double hazard(double x) const { return logistic_cdf(x); }  // f/S = F
};

// The logistic fast form: the generic path's formulas (LogisticFamily, LogisticUpperTail, the same
// operations, so the same doubles), every branch of them evaluated and selected. Per point x (finite;
// an infinite bound is evaluated at 0 and its terms set to 0, as for the normal): a = |x|, e = e^-a,
// F and S at x, JS(a) = log1p(e), JS(-a) = a + log1p(e), JS2(a) = S(a)^2 h(S(a)), JS2(-a) = a + log1p(e)
// - F(a), and g, h at S(a) (series and closed form both computed, the right one kept).
struct LogisticPoint {
  double a, e, cdf, sf, js_pos, js_neg, js2_pos, js2_neg, small, g, h;  // small = S(a) <= 1/2
};

// log1m_over / log1m_minus_over2 without their branch: both forms computed, the right one kept.
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline double series_or(double s, double closed, int last, int first) {
  const double sum = reciprocal_series(s, last, first);
  return s >= 0.05 ? closed : sum;
}

RISKCORE_HD RISKCORE_ALWAYS_INLINE inline LogisticPoint logistic_point(double x) {
  const double ax = fabs(x);
  const bool finite = ax < static_cast<double>(INFINITY);
  const double a = finite ? ax : 0.0, e = exp(-a), big = 1.0 / (1.0 + e), small = e / (1.0 + e);
  const double lp = log1p(e), l1 = -log1p(-small);
  const double g = series_or(small, l1 / small, 14, 1), h = series_or(small, (l1 - small) / (small * small), 15, 2);
  const bool up = x >= 0.0;
  LogisticPoint p;
  p.a = a, p.e = e, p.small = small, p.g = g, p.h = h;
  p.cdf = finite ? (up ? big : small) : (x > 0.0 ? 1.0 : 0.0);
  p.sf = finite ? (up ? small : big) : (x > 0.0 ? 0.0 : 1.0);
  p.js_pos = finite ? lp : 0.0;
  p.js_neg = finite ? a + lp : 0.0;
  p.js2_pos = finite ? small * small * h : 0.0;
  p.js2_neg = finite ? a + lp - big : 0.0;
  return p;
}

// JS(x) and JS2(x) (JS(-x), JS2(-x) with `flip`) from the point's terms
// (the generic branches' own tests at x or -x: LogisticFamily::js and js2)
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline double logistic_point_js(const LogisticPoint& p, double x, bool flip) {
  return (flip ? x < 0.0 : x > 0.0) ? p.js_pos : p.js_neg;
}
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline double logistic_point_js2(const LogisticPoint& p, double x, bool flip) {
  return (flip ? x <= 0.0 : x >= 0.0) ? p.js2_pos : p.js2_neg;
}

// LogisticUpperTail{L}.at(X) from X's point terms (X >= L >= 0 finite), eL = e^-L
RISKCORE_HD RISKCORE_ALWAYS_INLINE inline TailPoint logistic_point_tail(const LogisticPoint& p, double L, double eL) {
  const double q = exp(-(p.a - L)) * (1.0 + eL) / (1.0 + p.e);
  return TailPoint{q, q * p.g, q * q * p.h};
}

RISKCORE_HD RISKCORE_ALWAYS_INLINE inline LogisticPoint pick(bool first, const LogisticPoint& x, const LogisticPoint& y) {
  LogisticPoint p;
  p.a = first ? x.a : y.a, p.e = first ? x.e : y.e, p.cdf = first ? x.cdf : y.cdf, p.sf = first ? x.sf : y.sf;
  p.js_pos = first ? x.js_pos : y.js_pos, p.js_neg = first ? x.js_neg : y.js_neg;
  p.js2_pos = first ? x.js2_pos : y.js2_pos, p.js2_neg = first ? x.js2_neg : y.js2_neg;
  p.small = first ? x.small : y.small, p.g = first ? x.g : y.g, p.h = first ? x.h : y.h;
  return p;
}

RISKCORE_HD RISKCORE_ALWAYS_INLINE inline IntervalFast logistic_interval_fast(double l, double u, double c) {
  const double inf = static_cast<double>(INFINITY);
  const LogisticPoint pl = logistic_point(l), pc = logistic_point(c), pu = logistic_point(u);
  // central (central_integrals: F(l), F(-u), JS and JS2 at -c, -l, c, u)
  const CentralValues v{pl.cdf,
                        pu.sf,
                        logistic_point_js(pc, c, true),
                        logistic_point_js(pl, l, true),
                        logistic_point_js2(pc, c, true),
                        logistic_point_js2(pl, l, true),
                        logistic_point_js(pc, c, false),
                        logistic_point_js(pu, u, false),
                        logistic_point_js2(pc, c, false),
                        logistic_point_js2(pu, u, false)};
  const TruncatedIntegrals tc = central_value_integrals(v, l, u, c);
  // tail, reflected when u <= 0: L <= C <= U with L >= 0 (points at |x|)
  const bool low = u <= 0.0;
  const LogisticPoint qL = pick(low, pu, pl), qU = pick(low, pl, pu);
  const double L = low ? -u : l, C = low ? -c : c, U = low ? -l : u;
  const bool bounded = U < inf, central = (l < 0.0) & (u > 0.0);
  const TailPoint tl = logistic_point_tail(qL, qL.a, qL.e), tcp = logistic_point_tail(pc, qL.a, qL.e);
  const TailPoint tu_any = logistic_point_tail(qU, qL.a, qL.e);
  const TailPoint tu{bounded ? tu_any.q : 0.0, bounded ? tu_any.j1 : 0.0, bounded ? tu_any.j2 : 0.0};
  const double mass = bounded ? -expm1(-(qU.a - qL.a)) / (1.0 + qU.e) : 1.0;
  const TruncatedIntegrals r = tail_point_integrals(tl, tcp, tu, mass, L, U, C, bounded);
  IntervalFast out;
  out.t = pick(central, tc, pick(low, TruncatedIntegrals{r.b1, r.b2, r.a1, r.a2}, r));
  out.cdf_l = pl.cdf;
  out.sf_u = pu.sf;
  out.between = central ? 1.0 - pl.cdf - pu.sf : low ? pu.cdf - pl.cdf : pl.sf - pu.sf;
  const bool numbers = (l == l) & (u == u) & (c == c);  // no NaN
  const double width = u - l;
  out.ok = numbers & (fabs(c) < inf) & !(width <= kNarrowWidth);  // narrow_interval: log_slope is 1
  return out;
}

struct LogisticIntervalFastFn {
  RISKCORE_HD RISKCORE_ALWAYS_INLINE IntervalFast operator()(double l, double u, double c) const {
    return logistic_interval_fast(l, u, c);
  }
};

// ------------------------------------------------------------------------------------- Student t
// S(x) = I_{df/(df + x^2)}(df/2, 1/2) / 2 for x >= 0, f the density. With G(x) = f(x)(df + x^2)/(df - 1)
// (-G' = x f) and K(x) = int_x^inf f^2 (df + t^2) dt = c_df^2 df sqrt(df/m) S_m(x sqrt(m/df)) / c_m,
// m = 2 df - 1 (f^2 (df + t^2) is a scaled t_m density), integration by parts gives
//   JS(x) = -x S + G,   JS2(x) = -x S^2 + 2 S G - 2 K / (df - 1),
// exact for every x; the upper tail divides by S(l). (Their terms cancel by a factor of about
// min(x^2, 4 df) far out: ~1e-13 relative for df <= 100.)
//
// An element's score reads S and S_m at the same three |x| (l, c and u) up to six times each: the object
// keeps the last kStudentMemo of them (the same doubles, computed once), and the df-only constants of K.
// It is meant to live for one element (crps_gtc's family argument), not to be shared between threads.
constexpr int kStudentMemo = 4;

struct StudentFamily {
  double df, log_c;  // log_c = log of the density's constant
  mutable double k_scale = static_cast<double>(NAN);  // c_df^2 df sqrt(df/m) / c_m, on first use
  mutable double memo_a[kStudentMemo], memo_s[kStudentMemo], memo_sm[kStudentMemo];
  mutable int memo_used = 0, memo_next = 0;
  RISKCORE_HD explicit StudentFamily(double nu)
      : df(nu), log_c(log_gamma_ratio(0.5 * nu, 0.5) - 0.5 * log(nu * kPi)) {}
  // The memo slot of a = |x| (student_sf(a, df) computed on entry; S_m left NaN until asked for).
  RISKCORE_HD int slot(double a) const {
    for (int i = 0; i < memo_used; ++i)
      if (memo_a[i] == a) return i;
    const int i = memo_next;
    memo_next = (memo_next + 1) % kStudentMemo;
    memo_used = memo_used < kStudentMemo ? memo_used + 1 : kStudentMemo;
    memo_a[i] = a;
    memo_s[i] = student_sf(a, df);
    memo_sm[i] = static_cast<double>(NAN);
    return i;
  }
  RISKCORE_HD double cdf(double x) const {
    if (x != x) return student_sf(x, df);  // NaN: no memo entry (it would never match)
    const double s = memo_s[slot(fabs(x))];
    return x > 0 ? 1.0 - s : s;
  }
  RISKCORE_HD double sf(double x) const { return cdf(-x); }
  RISKCORE_HD double g(double x) const {  // f(x) (df + x^2) / (df - 1)
    return exp(log_c - 0.5 * (df - 1.0) * log1p(x * x / df)) * df / (df - 1.0);
  }
  RISKCORE_HD double k(double x) const {
    const double m = 2.0 * df - 1.0;
    if (k_scale != k_scale) {
      const double log_cm = log_gamma_ratio(0.5 * m, 0.5) - 0.5 * log(m * kPi);
      k_scale = exp(2.0 * log_c - log_cm) * df * sqrt(df / m);
    }
    const double xm = x * sqrt(m / df);
    double sm;
    if (x != x) {
      sm = student_sf(fabs(xm), m);
    } else {
      const int i = slot(fabs(x));  // |xm| = |x| sqrt(m / df) exactly: one key for both
      if (memo_sm[i] != memo_sm[i]) memo_sm[i] = student_sf(fabs(xm), m);
      sm = memo_sm[i];
    }
    return k_scale * (xm >= 0.0 ? sm : 1.0 - sm);
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
  RISKCORE_HD double log_ratio(double l, double s) const {  // log f(x) = log_c - (df + 1)/2 log(1 + x^2/df)
    const double x = l + s;
    return -0.5 * (df + 1.0) * (log1p(x * x / df) - log1p(l * l / df));
  }
  RISKCORE_HD double log_slope(double l, double u) const {  // (df + 1) |x| / (df + x^2), at most at x^2 = df
    return (df + 1.0) * fmin(0.5 / sqrt(df), fmax(fabs(l), fabs(u)) / df);
  }
  RISKCORE_HD double pdf(double x) const { return exp(log_c - 0.5 * (df + 1.0) * log1p(x * x / df)); }
  RISKCORE_HD double hazard(double x) const { return pdf(x) / sf(x); }
};

}  // namespace riskcore
