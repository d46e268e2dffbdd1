// MC, SCOPE and REACH as one-pass folds: over hazard arrays (the array estimators) and step by step
// over a (B, V) block of next-token probabilities (the sequence-model driver). Shared by cpu, cuda and
// (as a line-by-line mirror) numba.
//
// Array estimators. hazards h[q, n, t, k] (any strides, float or double) with per-(q, n, k) lengths or
// a (q, n, t) mask of valid steps, and for MC/SCOPE the first-hit step hit[q, n, k] (-1: none):
//   MC    X = 1{hit >= 0}
//   SCOPE X = sum of h over valid t with hit < 0 or t <= hit
//   REACH X = 1 - prod (1 - h) over valid t, by the recursion of reach_update (h = 1 gives X = 1)
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

// REACH's X_t = 1 - prod_{s < t} (1 - h_s) by X <- X + h (1 - X): a multiply-add per step, relative
// accuracy ~t eps also for tiny risks (every term is >= 0: no cancellation), and h = 1 gives exactly 1
// (x + fl(1 - x) rounds to 1 for x in [0, 1]). The same update combines two independent segments
// (a then b: a + b (1 - a)), so lanes over t mod 4 run in parallel and merge in a fixed order.
RISKCORE_HD inline double reach_update(double x, double h) { return x + h * (1.0 - x); }

RISKCORE_HD inline bool outside_unit(double v) { return !(v >= 0.0 && v <= 1.0); }

// Fold of steps [0, stop) (SCOPE: sum; REACH: reach_update) of a trajectory with unit-free stride
// `ht`; `bad` is set when a value of [0, end) is outside [0, 1] or NaN (end >= stop: SCOPE checks the
// steps after its first hit too). Four lanes break the dependency chain of the accumulation.
template <bool scope, class Real>
RISKCORE_HD inline double fold_steps(const Real* h, index_t ht, index_t stop, index_t end, bool& bad) {
  double lane[4] = {0.0, 0.0, 0.0, 0.0};
  bool out = false;
  index_t t = 0;
  for (; t + 4 <= stop; t += 4) {
    for (int j = 0; j < 4; ++j) {
      const double v = static_cast<double>(h[(t + j) * ht]);
      out |= outside_unit(v);
      lane[j] = scope ? lane[j] + v : reach_update(lane[j], v);
    }
  }
  for (; t < stop; ++t) {
    const double v = static_cast<double>(h[t * ht]);
    out |= outside_unit(v);
    lane[0] = scope ? lane[0] + v : reach_update(lane[0], v);
  }
  for (; t < end; ++t) out |= outside_unit(static_cast<double>(h[t * ht]));
  bad = out;
  return scope ? (lane[0] + lane[1]) + (lane[2] + lane[3])
               : reach_update(reach_update(lane[0], lane[1]), reach_update(lane[2], lane[3]));
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
      const bool scope = kind == kRiskScope;
      const index_t stop = (scope && hit >= 0 && hit < steps) ? hit + 1 : steps;
      double x = 0.0;  // SCOPE's sum over t < stop, or REACH's 1 - prod (1 - h) over every valid step
      bool bad = false;
      if (mask) {
        for (index_t t = 0; t < steps; ++t) {
          if (!mask[t * a.mt]) continue;
          const double v = static_cast<double>(h[t * a.ht]);
          bad |= outside_unit(v);
          x = scope ? (t < stop ? x + v : x) : reach_update(x, v);
        }
      } else {
        x = scope ? fold_steps<true>(h, a.ht, stop, steps, bad) : fold_steps<false>(h, a.ht, stop, steps, bad);
      }
      if (bad)  // rare: find the offending steps again
        for (index_t t = 0; t < steps; ++t)
          if ((!mask || mask[t * a.mt]) && outside_unit(static_cast<double>(h[t * a.ht])))
            note_bad(out.bad_h, out.first_h, ((q * a.N + n) * a.T + t) * a.K + k);
      add_value(out.value, x);
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
