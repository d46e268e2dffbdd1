// MC, SCOPE and REACH as one-pass folds: over hazard arrays (the array estimators) and step by step
// over a (B, V) block of next-token probabilities (the sequence-model driver). Shared by cpu, cuda and
// (as a line-by-line mirror) numba.
//
// Array estimators. hazards h[q, n, t, k] (any strides, float or double) with per-(q, n, k) lengths or
// a (q, n, t) mask of valid steps, and for MC/SCOPE the first-hit step hit[q, n, k] (-1: none):
//   MC    X = 1{hit >= 0}
//   SCOPE X = sum of h over valid t with hit < 0 or t <= hit
//   REACH X = -expm1(sum of log1p(-h) over valid t)       (h = 1 gives log1p(-1) = -inf, X = 1)
// The trajectories of one (q, k) are cut into blocks of kRiskBlock (a constant: results do not depend
// on the thread count); each block keeps Welford moments, blocks merge in order (Chan et al.). The
// range checks are fused into the same pass: a hazard on a valid step outside [0, 1] or NaN, and a
// first hit that is not -1 or a valid step, are counted with the smallest flat index (C order of
// the caller's (Q, N, T[, K]) / (Q, N[, K]) array).
#pragma once
#include <cmath>
#include <cstdint>

#include "config.hpp"

namespace riskcore {

constexpr index_t kRiskBlock = 2048;
enum RiskKind : int { kRiskMc = 0, kRiskScope = 1, kRiskReach = 2 };

template <class Real>
struct RiskArrays {
  const Real* h;                 // hazards (unused for kRiskMc)
  index_t hq, hn, ht, hk;     // element strides
  const std::int64_t* len;    // lengths (q, n, k)
  index_t lq, ln, lk;
  const std::uint8_t* mask;   // valid steps (q, n, t), or nullptr: t < len
  index_t mq, mn, mt;
  const std::int64_t* hit;    // first hits (q, n, k), or nullptr (REACH)
  index_t iq, in, ik;
  index_t Q, N, T, K;
};

struct Moments {
  double count, mean, m2;
};

// Chan et al.'s merge of two sets of moments.
RISKCORE_HD inline Moments merge_moments(const Moments& a, const Moments& b) {
  const double count = a.count + b.count;
  if (count == 0) return a;
  const double delta = b.mean - a.mean, share = b.count / count;
  return {count, a.mean + delta * share, a.m2 + b.m2 + delta * delta * a.count * share};
}

RISKCORE_HD inline void add_value(Moments& m, double x) {
  m.count += 1.0;
  const double delta = x - m.mean;
  m.mean += delta / m.count;
  m.m2 += delta * (x - m.mean);
}

struct RiskBlock {
  Moments value, mc;                     // the estimator's and MC's (from hit) moments
  std::int64_t bad_h, first_h;           // hazards outside [0, 1] / NaN on valid steps
  std::int64_t bad_hit, first_hit;       // first hits that are not -1 or a valid step
};

RISKCORE_HD inline void note_bad(std::int64_t& count, std::int64_t& first, std::int64_t index) {
  if (count == 0 || index < first) first = index;
  ++count;
}

// Trajectories [n0, n1) of (q, k).
template <class Real>
RISKCORE_HD inline RiskBlock risk_block(const RiskArrays<Real>& a, int kind, index_t q, index_t k, index_t n0,
                                        index_t n1) {
  RiskBlock out{{0, 0, 0}, {0, 0, 0}, 0, 0, 0, 0};
  for (index_t n = n0; n < n1; ++n) {
    const index_t length = a.len[q * a.lq + n * a.ln + k * a.lk];
    const std::int64_t hit = a.hit ? a.hit[q * a.iq + n * a.in + k * a.ik] : -1;
    const std::uint8_t* mask = a.mask ? a.mask + q * a.mq + n * a.mn : nullptr;
    const index_t steps = mask ? a.T : length;
    const bool hit_ok = hit == -1 || (hit >= 0 && hit < steps && (!mask || mask[hit * a.mt]));
    if (!hit_ok) note_bad(out.bad_hit, out.first_hit, (q * a.N + n) * a.K + k);
    if (kind != kRiskMc) {
      const Real* h = a.h + q * a.hq + n * a.hn + k * a.hk;
      const index_t last = (kind == kRiskScope && hit >= 0 && hit < steps) ? hit : steps - 1;
      double sum = 0.0;
      for (index_t t = 0; t < steps; ++t) {
        if (mask && !mask[t * a.mt]) continue;
        const double x = static_cast<double>(h[t * a.ht]);
        if (!(x >= 0.0 && x <= 1.0)) note_bad(out.bad_h, out.first_h, ((q * a.N + n) * a.T + t) * a.K + k);
        if (kind == kRiskScope) {
          if (t <= last) sum += x;
        } else {
          sum += log1p(-x);
        }
      }
      add_value(out.value, kind == kRiskScope ? sum : -expm1(sum));
    }
    add_value(out.mc, hit >= 0 ? 1.0 : 0.0);
  }
  return out;
}

RISKCORE_HD inline void merge_block(RiskBlock& into, const RiskBlock& b) {
  into.value = merge_moments(into.value, b.value);
  into.mc = merge_moments(into.mc, b.mc);
  if (b.bad_h) {
    if (!into.bad_h || b.first_h < into.first_h) into.first_h = b.first_h;
    into.bad_h += b.bad_h;
  }
  if (b.bad_hit) {
    if (!into.bad_hit || b.first_hit < into.first_hit) into.first_hit = b.first_hit;
    into.bad_hit += b.bad_hit;
  }
}

}  // namespace riskcore
