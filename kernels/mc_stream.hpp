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
// on the thread count); each block merges the moments of groups of kRiskGroup trajectories in order,
// and blocks merge in order (Chan et al.). The range checks are fused into the same pass: a hazard on
// a valid step outside [0, 1] or NaN, and a first hit that is not -1 or a valid step, are counted
// with the smallest flat index (C order of the caller's (Q, N, T[, K]) / (Q, N[, K]) array).
#pragma once
#include <cmath>
#include <cstdint>

#include "config.hpp"
#include "philox.hpp"

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

// REACH's X_t = 1 - prod_{s < t} (1 - h_s) by X <- X + h (1 - X): a multiply-add per step, relative
// accuracy ~t eps also for tiny risks (every term is >= 0: no cancellation), and h = 1 gives exactly 1
// (x + fl(1 - x) rounds to 1 for x in [0, 1]). The same update combines two independent segments
// (a then b: a + b (1 - a)), so lanes over t mod 4 run in parallel and merge in a fixed order.
RISKCORE_HD inline double reach_update(double x, double h) { return x + h * (1.0 - x); }

RISKCORE_HD inline bool outside_unit(double v) { return !(v >= 0.0 && v <= 1.0); }

// fold_steps from step t on, with the lanes of steps [0, t) (t a multiple of 4) in `lane`: the
// remaining steps to stop into lane 0, the check of [stop, end), and each trajectory's lanes merged.
// Shared by fold_steps and the CPU's vectorised fold (cpp/mc_stream_cpu.cpp).
template <bool scope, bool unit_stride, int G, class Real>
RISKCORE_HD inline void fold_finish(const Real* const* h, index_t stride, index_t t, index_t stop, index_t end,
                                    double (*lane)[4], double* x, bool& out) {
  const index_t ht = unit_stride ? 1 : stride;
  for (; t < stop; ++t)
    for (int g = 0; g < G; ++g) {
      const double v = static_cast<double>(h[g][t * ht]);
      out |= outside_unit(v);
      lane[g][0] = scope ? lane[g][0] + v : reach_update(lane[g][0], v);
    }
  for (; t < end; ++t)
    for (int g = 0; g < G; ++g) out |= outside_unit(static_cast<double>(h[g][t * ht]));
  for (int g = 0; g < G; ++g)
    x[g] = scope ? (lane[g][0] + lane[g][1]) + (lane[g][2] + lane[g][3])
                 : reach_update(reach_update(lane[g][0], lane[g][1]), reach_update(lane[g][2], lane[g][3]));
}

// Fold of steps [0, stop) (SCOPE: sum; REACH: reach_update) of G trajectories h[0..G) of the same
// stop and end, with unit-free step stride `ht`; `bad` is set when a value of [0, end) is outside
// [0, 1] or NaN (end >= stop: SCOPE checks the steps after its first hit too). Each trajectory's
// four lanes over t mod 4 break the dependency chain of its accumulation, and the G trajectories go
// in lockstep so that their chains overlap (a short trajectory alone is latency-bound);
// trajectory g's arithmetic is the same for every G, so the results are.
template <bool scope, bool unit_stride, int G, class Real>
RISKCORE_HD inline void fold_steps(const Real* const* h, index_t stride, index_t stop, index_t end, double* x,
                                   bool& bad) {
  const index_t ht = unit_stride ? 1 : stride;  // contiguous steps: loads the compiler can vectorise
  double lane[G][4];
  for (int g = 0; g < G; ++g)
    for (int j = 0; j < 4; ++j) lane[g][j] = 0.0;
  bool out = false;
  index_t t = 0;
  for (; t + 4 <= stop; t += 4) {
    for (int g = 0; g < G; ++g)
      for (int j = 0; j < 4; ++j) {
        const double v = static_cast<double>(h[g][(t + j) * ht]);
        out |= outside_unit(v);
        lane[g][j] = scope ? lane[g][j] + v : reach_update(lane[g][j], v);
      }
  }
  fold_finish<scope, unit_stride, G>(h, stride, t, stop, end, lane, x, out);
  bad = out;
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

// The fold of G trajectories of the same stop and end (fold_steps) for the stride `ht` in use: the
// portable one, the default fold policy of risk_block.
struct PortableFold {
  template <int G, class Real>
  RISKCORE_HD static void run(bool scope, const Real* const* h, index_t ht, index_t stop, index_t end, double* x,
                              bool& bad) {
    if (ht == 1) {
      if (scope)
        fold_steps<true, true, G>(h, 1, stop, end, x, bad);
      else
        fold_steps<false, true, G>(h, 1, stop, end, x, bad);
    } else if (scope) {
      fold_steps<true, false, G>(h, ht, stop, end, x, bad);
    } else {
      fold_steps<false, false, G>(h, ht, stop, end, x, bad);
    }
  }
};

// Trajectories go in groups of kRiskGroup (the last group of a block may be smaller): the group's
// moments are taken in two passes and merged into the block's in order (Chan et al.), one merge per
// group instead of a serial Welford update per trajectory. A group of short trajectories (at most
// kRiskLockstepSteps) of the same stop and end (no mask) is folded in lockstep; longer ones go one at
// a time, whose fold chains are long enough to overlap and whose loads stay one stream (measured on
// 2e7 hazards: lockstep is ~1.5x faster at 20 steps, ~2x slower at 64-200). Either way, same bits.
constexpr int kRiskGroup = 4;
constexpr index_t kRiskLockstepSteps = 32;

// Moments of x[0..c) (mean of their sum in order, then the sum of squared deviations) merged into m.
RISKCORE_HD inline void add_group(Moments& m, const double* x, int c) {
  double sum = 0.0;
  for (int i = 0; i < c; ++i) sum += x[i];
  const double mean = sum / c;
  double m2 = 0.0;
  for (int i = 0; i < c; ++i) m2 += (x[i] - mean) * (x[i] - mean);
  m = merge_moments(m, Moments{static_cast<double>(c), mean, m2});
}

// The fold of one trajectory over the valid steps of its mask (SCOPE: the sum over t < stop).
template <class Real>
RISKCORE_HD inline double fold_masked(bool scope, const Real* h, index_t ht, const std::uint8_t* mask, index_t mt,
                                      index_t steps, index_t stop, bool& bad) {
  double x = 0.0;
  for (index_t t = 0; t < steps; ++t) {
    if (!mask[t * mt]) continue;
    const double v = static_cast<double>(h[t * ht]);
    bad |= outside_unit(v);
    x = scope ? (t < stop ? x + v : x) : reach_update(x, v);
  }
  return x;
}

// Trajectories [n0, n1) of (q, k); Fold::run folds G trajectories as PortableFold's does (a backend
// may pass its own, with the same arithmetic per trajectory).
template <class Real, class Fold = PortableFold>
RISKCORE_HD inline RiskBlock risk_block(const RiskArrays<Real>& a, int kind, index_t q, index_t k, index_t n0,
                                        index_t n1) {
  constexpr int G = kRiskGroup;
  RiskBlock out{{0, 0, 0}, {0, 0, 0}, 0, 0, 0, 0};
  const bool scope = kind == kRiskScope;
  for (index_t n = n0; n < n1; n += G) {
    // Group [n, n + c): first hits, valid steps [0, steps) (or the mask's), folds x of [0, stop).
    const int c = n1 - n < G ? static_cast<int>(n1 - n) : G;
    std::int64_t hit[G];
    index_t steps[G], stop[G];
    const std::uint8_t* mask[G];
    const Real* h[G];
    bool lockstep = c == G && !a.mask;
    for (int g = 0; g < c; ++g) {
      const index_t i = n + g;
      mask[g] = a.mask ? a.mask + q * a.mq + i * a.mn : nullptr;
      h[g] = a.h + q * a.hq + i * a.hn + k * a.hk;
      hit[g] = a.hit ? a.hit[q * a.iq + i * a.in + k * a.ik] : -1;
      steps[g] = mask[g] ? a.T : a.len[q * a.lq + i * a.ln + k * a.lk];
      const bool hit_ok = hit[g] == -1 || (hit[g] >= 0 && hit[g] < steps[g] && (!mask[g] || mask[g][hit[g] * a.mt]));
      if (!hit_ok) note_bad(out.bad_hit, out.first_hit, (q * a.N + i) * a.K + k);
      stop[g] = (scope && hit[g] >= 0 && hit[g] < steps[g]) ? hit[g] + 1 : steps[g];
      lockstep = lockstep && steps[g] == steps[0] && stop[g] == stop[0] && steps[g] <= kRiskLockstepSteps;
    }
    if (kind != kRiskMc) {
      double x[G];  // SCOPE's sum over t < stop, or REACH's 1 - prod (1 - h) over every valid step
      bool bad = false;
      if (lockstep) {
        Fold::template run<G>(scope, h, a.ht, stop[0], steps[0], x, bad);
      } else {
        for (int g = 0; g < c; ++g) {
          bool b = false;
          if (mask[g])
            x[g] = fold_masked(scope, h[g], a.ht, mask[g], a.mt, steps[g], stop[g], b);
          else
            Fold::template run<1>(scope, h + g, a.ht, stop[g], steps[g], x + g, b);
          bad |= b;
        }
      }
      if (bad)  // rare: find the offending steps again
        for (int g = 0; g < c; ++g)
          for (index_t t = 0; t < steps[g]; ++t)
            if ((!mask[g] || mask[g][t * a.mt]) && outside_unit(static_cast<double>(h[g][t * a.ht])))
              note_bad(out.bad_h, out.first_h, ((q * a.N + n + g) * a.T + t) * a.K + k);
      add_group(out.value, x, c);
    }
    if (a.hit) {
      double y[G];
      for (int g = 0; g < c; ++g) y[g] = hit[g] >= 0 ? 1.0 : 0.0;
      add_group(out.mc, y, c);
    } else {  // every value 0 (REACH): the moments stay exactly 0
      out.mc.count += c;
    }
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

// ------------------------------------------------------------------------- sequence-model driver
// One step of B live trajectories, given the model's next-token row p[b, 0..V) (probabilities, or
// logits): the hazards h_k = (mass of O_k) / (row mass), the draw of the next token, and the online
// updates of MC, SCOPE and REACH for every outcome k and horizon j:
//   at risk     step t counts for horizon j when the time elapsed before it is < horizon[j]
//   MC          mc[k, j] = 1 when an O_k token is drawn on a step at risk (first hit)
//   SCOPE       scope[k, j] += h_k on the steps at risk while k is not yet hit (the hit step included)
//   REACH       reach[k, j] <- reach_update(reach[k, j], h_k) on the steps at risk
// Row roles: 0 samples the model itself (MC, SCOPE; and REACH for the outcomes not yet hit when
// coupled); 1 + k samples the O_k-masked model (REACH of outcome k). When coupled, the first hit of k
// on a role-0 row also draws the masked replacement token (the authors' M1 -> M2 fork), returned in
// fork[k]; the driver turns it into a role 1 + k row continuing the same trajectory.
// Uniforms: Philox4x64-10, key (seed, context), counter (t, trajectory, role, 0), word 0; a fork of
// k at step t uses role 1 + k. Results therefore depend on (seed, context, trajectory) only.
//
// One pass over the row: it is cut into chunks of kDrawChunk tokens, each summed by a fixed tree
// (chunk_sum) into a per-row table of chunk sums; the row mass is their sum in order, and the
// negative / NaN / inf check rides along (a negative flag, and the mass is NaN or inf otherwise). The
// draw walks the chunk table to the chunk holding the target and scans its <= 16 tokens; a draw that
// excludes an outcome set re-sums only the chunks holding one of its tokens (StepTables::chunk_bits).
// The cpu backend keeps the running totals of the walk from its row pass (categorical_prefix: the
// same additions in the same order, so the same token) and pipelines rows (cpp/mc_stream_cpu.cpp).
constexpr index_t kDrawChunk = 16;

RISKCORE_HD inline index_t step_chunks(index_t V) { return (V + kDrawChunk - 1) / kDrawChunk; }
// Doubles of scratch per row: chunk sums, outcome masses, and exp(logit - max) when logits.
RISKCORE_HD inline index_t step_scratch(index_t V, index_t K, bool logits) {
  return step_chunks(V) + K + (logits ? V : 0);
}

struct StepTables {
  const std::uint64_t* outcome_bits;  // (V,): bit k set when the token is in O_k
  const std::uint64_t* chunk_bits;    // (chunks,): OR of outcome_bits over the chunk's tokens
  const std::int64_t* outcome_offsets;  // (K + 1,): O_k = outcome_list[offsets[k] .. offsets[k + 1])
  const std::int64_t* outcome_list;
  const std::uint8_t* is_end;         // (V,)
  const double* duration;             // (V,)
  const double* horizon;              // (H,)
  index_t V, K, H;
  double max_horizon;
  std::uint64_t seed;
  bool logits, coupled;
};

struct RowState {
  std::uint8_t* alive;  // (K,) outcome not yet hit (role 0)
  double* mc;           // (K, H)
  double* scope;        // (K, H)
  double* reach;        // (K, H)
  double* elapsed;      // time before the current step
};

RISKCORE_HD inline double step_draw(std::uint64_t seed, std::int64_t context, std::int64_t trajectory, index_t t,
                                    int role) {
  const Philox4x64Block ctr{{static_cast<std::uint64_t>(t), static_cast<std::uint64_t>(trajectory),
                             static_cast<std::uint64_t>(role), 0}};
  return uniform_from_bits(philox4x64_10(ctr, seed, static_cast<std::uint64_t>(context)).v[0]);
}

// Sum of the chunk of weights x[0..n) (n <= 16; missing tokens weigh 0) by the fixed tree
// lane_j = (x_j + x_{j+4}) + (x_{j+8} + x_{j+12}), sum = (lane_0 + lane_1) + (lane_2 + lane_3);
// `neg` is set when a weight is < 0. A full contiguous chunk is plain loads the compiler vectorises.
template <class T>
RISKCORE_HD inline double chunk_sum(const T* x, index_t stride, index_t n, bool& neg) {
  double v[kDrawChunk];
  if (n == kDrawChunk && stride == 1) {
    for (int j = 0; j < kDrawChunk; ++j) v[j] = static_cast<double>(x[j]);
  } else {
    for (int j = 0; j < kDrawChunk; ++j) v[j] = j < n ? static_cast<double>(x[j * stride]) : 0.0;
  }
  bool below = false;
  for (int j = 0; j < kDrawChunk; ++j) below |= v[j] < 0.0;
  neg |= below;
  double lane[4];
  for (int j = 0; j < 4; ++j) lane[j] = (v[j] + v[j + 4]) + (v[j + 8] + v[j + 12]);
  return (lane[0] + lane[1]) + (lane[2] + lane[3]);
}

// Weight of token v: the probability, or exp(logit - max) (cached in w when logits).
template <class Real>
RISKCORE_HD inline double token_weight(const Real* p, index_t pv, const double* w, bool logits, index_t v) {
  return logits ? w[v] : static_cast<double>(p[v * pv]);
}

// Allowed weight of token v for a draw excluding the outcome sets in `exclude` (0: none).
template <class Real>
RISKCORE_HD inline double allowed_weight(const Real* p, index_t pv, const double* w, const StepTables& tb,
                                         std::uint64_t exclude, index_t v) {
  const double x = token_weight(p, pv, w, tb.logits, v);
  return (x > 0.0 && !(tb.outcome_bits[v] & exclude)) ? x : 0.0;
}

// Sum of chunk c for a draw excluding `exclude`: the stored sum, or the same tree over the allowed
// weights when the chunk holds an excluded token.
template <class Real>
RISKCORE_HD inline double allowed_chunk(const Real* p, index_t pv, const double* w, const double* sums,
                                        const StepTables& tb, std::uint64_t exclude, index_t c) {
  if (!(tb.chunk_bits[c] & exclude)) return sums[c];
  const index_t c0 = c * kDrawChunk, n = c0 + kDrawChunk < tb.V ? kDrawChunk : tb.V - c0;
  double x[kDrawChunk];
  for (index_t j = 0; j < n; ++j) x[j] = allowed_weight(p, pv, w, tb, exclude, c0 + j);
  bool unused = false;
  return chunk_sum(x, 1, n, unused);
}

// Total allowed weight: the chunk sums in order (exclude = 0 gives the row mass).
template <class Real>
RISKCORE_HD inline double allowed_total(const Real* p, index_t pv, const double* w, const double* sums,
                                        const StepTables& tb, std::uint64_t exclude) {
  double total = 0.0;
  for (index_t c = 0; c < step_chunks(tb.V); ++c) total += allowed_chunk(p, pv, w, sums, tb, exclude, c);
  return total;
}

// Inverse-CDF draw among the tokens without a bit of `exclude` of the point `target` (u times their
// total weight), walking the chunk sums from chunk `c` with `acc` the allowed weight before it (c = 0,
// acc = 0: the whole walk): skip the chunks whose running total stays <= target, then scan the tokens
// of the chunk holding it.
template <class Real>
RISKCORE_HD inline std::int64_t categorical_from(const Real* p, index_t pv, const double* w, const double* sums,
                                                 const StepTables& tb, std::uint64_t exclude, double target,
                                                 index_t c, double acc) {
  for (; c < step_chunks(tb.V); ++c) {
    const double chunk = allowed_chunk(p, pv, w, sums, tb, exclude, c);
    if (!(acc + chunk > target)) {
      acc += chunk;
      continue;
    }
    const index_t c0 = c * kDrawChunk, c1 = c0 + kDrawChunk < tb.V ? c0 + kDrawChunk : tb.V;
    for (index_t v = c0; v < c1; ++v) {
      const double x = allowed_weight(p, pv, w, tb, exclude, v);
      if (x > 0.0) {
        acc += x;
        if (acc > target) return v;
      }
    }
  }
  for (index_t v = tb.V - 1; v >= 0; --v)  // rounding: the last token of positive weight
    if (allowed_weight(p, pv, w, tb, exclude, v) > 0.0) return v;
  return -1;
}

// The draw of total allowed weight `allowed` (from allowed_total) for the uniform u.
template <class Real>
RISKCORE_HD inline std::int64_t categorical(const Real* p, index_t pv, const double* w, const double* sums,
                                            const StepTables& tb, std::uint64_t exclude, double allowed, double u) {
  return categorical_from(p, pv, w, sums, tb, exclude, u * allowed, 0, 0.0);
}

// The same draw from the running totals prefix[c] = ((a_0 + a_1) + ...) + a_c of the allowed chunk
// sums a_c (added in order, as categorical's walk adds them, so the values are the walk's own): the
// walk's skipped chunks are those with prefix[c] <= target -- a prefix of the chunks, the totals
// being nondecreasing -- counted without the walk's chain of dependent adds.
template <class Real>
RISKCORE_HD inline std::int64_t categorical_prefix(const Real* p, index_t pv, const double* w, const double* sums,
                                                   const double* prefix, const StepTables& tb,
                                                   std::uint64_t exclude, double target) {
  const index_t chunks = step_chunks(tb.V);
  index_t c = 0;
  for (index_t i = 0; i < chunks; ++i) c += prefix[i] > target ? 0 : 1;
  return categorical_from(p, pv, w, sums, tb, exclude, target, c, c > 0 ? prefix[c - 1] : 0.0);
}

// The chunk sums of a row of probabilities (or of w = exp(logit - max)) into `sums`; returns the row
// mass (their sum in order); `neg` is set when a weight is < 0 (NaN and inf show in the mass).
template <class T>
RISKCORE_HD inline double row_sums(const T* x, index_t stride, index_t V, double* sums, bool& neg) {
  double total = 0.0;
  for (index_t c = 0; c < step_chunks(V); ++c) {
    const index_t c0 = c * kDrawChunk, n = c0 + kDrawChunk < V ? kDrawChunk : V - c0;
    sums[c] = chunk_sum(x + c0 * stride, stride, n, neg);
    total += sums[c];
  }
  return total;
}

// The row mass `total` (from row_sums, `neg` its negative flag) checked: -1, or the first token that
// is negative, NaN or inf, or V for a row of zeros (or of finite values whose sum overflows).
template <class Real>
RISKCORE_HD inline std::int64_t check_row(const Real* p, index_t pv, index_t V, double total, bool neg) {
  if (neg || !(total < static_cast<double>(INFINITY)))
    for (index_t v = 0; v < V; ++v) {
      const double x = static_cast<double>(p[v * pv]);
      if (!(x >= 0.0 && x < static_cast<double>(INFINITY))) return v;
    }
  return (total > 0.0 && total < static_cast<double>(INFINITY)) ? -1 : V;
}

// The weights of a row into `scratch` (step_scratch(V, K, logits) doubles: chunk sums, outcome
// masses, exp(logit - max)); returns the row mass, with `bad` as check_row's (-1: the row is valid).
template <class Real>
RISKCORE_HD inline double row_weights(const Real* p, index_t pv, const StepTables& tb, double* scratch,
                                      std::int64_t& bad) {
  double* sums = scratch;
  bool neg = false;
  if (!tb.logits) {
    const double total = row_sums(p, pv, tb.V, sums, neg);
    bad = check_row(p, pv, tb.V, total, neg);
    return total;
  }
  double shift = -static_cast<double>(INFINITY);
  for (index_t v = 0; v < tb.V; ++v) {
    const double x = static_cast<double>(p[v * pv]);
    if (x != x || x == static_cast<double>(INFINITY)) {
      bad = v;
      return 0.0;
    }
    shift = x > shift ? x : shift;
  }
  double* w = scratch + step_chunks(tb.V) + tb.K;
  for (index_t v = 0; v < tb.V; ++v) w[v] = exp(static_cast<double>(p[v * pv]) - shift);
  const double total = row_sums(w, 1, tb.V, sums, neg);  // a row of -inf: NaN weights, reported as zeros
  bad = (total > 0.0) ? -1 : tb.V;
  return total;
}

// The outcome masses of a row whose weights are in `scratch` (row_weights) into its mass slots.
template <class Real>
RISKCORE_HD inline void outcome_masses(const Real* p, index_t pv, const StepTables& tb, double* scratch) {
  double* mass = scratch + step_chunks(tb.V);
  const double* w = mass + tb.K;
  for (index_t k = 0; k < tb.K; ++k) {
    double m = 0.0;
    for (index_t i = tb.outcome_offsets[k]; i < tb.outcome_offsets[k + 1]; ++i)
      m += token_weight(p, pv, w, tb.logits, tb.outcome_list[i]);
    mass[k] = m;
  }
}

// The updates of a row whose weights and outcome masses are in `scratch` (row_weights, outcome_masses;
// row mass `total`) once its own token is drawn (`token`; -1: a masked row with only outcome tokens
// left): hazards, MC / SCOPE / REACH, the coupled forks; done = the row stops here. Returns the token.
template <class Real>
RISKCORE_HD inline std::int64_t step_update(const Real* p, index_t pv, const StepTables& tb, index_t t,
                                            std::int64_t context, std::int64_t trajectory, int role,
                                            const RowState& st, double* scratch, double total, std::int64_t token,
                                            std::int64_t* fork, std::uint8_t& done) {
  done = 0;
  const double* sums = scratch;
  const double* mass = sums + step_chunks(tb.V);
  const double* w = mass + tb.K;
  const double before = *st.elapsed;
  bool any_alive = false;
  for (index_t k = 0; k < tb.K; ++k) {
    fork[k] = -1;
    const double h = mass[k] / total;
    const bool hit = role == 0 && st.alive[k] && token >= 0 && ((tb.outcome_bits[token] >> k) & 1);
    const bool reach_k = role == 0 ? (tb.coupled && st.alive[k]) : (k == role - 1);
    for (index_t j = 0; j < tb.H; ++j) {
      if (!(before < tb.horizon[j])) continue;
      if (role == 0 && st.alive[k]) {
        st.scope[k * tb.H + j] += h;
        if (hit) st.mc[k * tb.H + j] = 1.0;
      }
      if (reach_k) st.reach[k * tb.H + j] = reach_update(st.reach[k * tb.H + j], h);
    }
    if (hit) {
      st.alive[k] = 0;
      if (tb.coupled) {
        const std::uint64_t bit = std::uint64_t{1} << k;
        const double rest = allowed_total(p, pv, w, sums, tb, bit);
        fork[k] = rest > 0.0 ? categorical(p, pv, w, sums, tb, bit, rest,
                                           step_draw(tb.seed, context, trajectory, t, static_cast<int>(k) + 1))
                             : -2;  // only outcome tokens left: REACH is 1, nothing to continue
      }
    }
    any_alive = any_alive || (role == 0 && st.alive[k]);
  }
  if (token < 0) {  // a masked row with only outcome tokens left: REACH is 1 from here
    done = 1;
    return token;
  }
  *st.elapsed = before + tb.duration[token];
  // every outcome hit on a role-0 row: nothing left to track (REACH continues in the forks)
  done = tb.is_end[token] || !(*st.elapsed < tb.max_horizon) || (role == 0 && !any_alive);
  return token;
}

// The outcome sets a row's own draw excludes: none for role 0, O_k for role 1 + k.
RISKCORE_HD inline std::uint64_t own_exclude(int role) { return role > 0 ? (std::uint64_t{1} << (role - 1)) : 0; }

// The step of a row whose weights are in `scratch` (row_weights, row mass `total`): the draw, then
// step_update. Returns the drawn token (-1: a masked row with only outcome tokens left).
template <class Real>
RISKCORE_HD inline std::int64_t step_row(const Real* p, index_t pv, const StepTables& tb, index_t t,
                                         std::int64_t context, std::int64_t trajectory, int role, const RowState& st,
                                         double* scratch, double total, std::int64_t* fork, std::uint8_t& done) {
  const double* sums = scratch;
  const double* w = sums + step_chunks(tb.V) + tb.K;
  const std::uint64_t own = own_exclude(role);
  const double allowed = own ? allowed_total(p, pv, w, sums, tb, own) : total;
  outcome_masses(p, pv, tb, scratch);
  const std::int64_t token = allowed > 0.0 ? categorical(p, pv, w, sums, tb, own, allowed,
                                                         step_draw(tb.seed, context, trajectory, t, role))
                                           : -1;
  return step_update(p, pv, tb, t, context, trajectory, role, st, scratch, total, token, fork, done);
}

// row_weights then step_row: returns the drawn token, or -1 with `bad` >= 0 for an invalid row.
template <class Real>
RISKCORE_HD inline std::int64_t sequence_step(const Real* p, index_t pv, const StepTables& tb, index_t t,
                                              std::int64_t context, std::int64_t trajectory, int role,
                                              const RowState& st, double* scratch, std::int64_t* fork,
                                              std::uint8_t& done, std::int64_t& bad) {
  done = 0;
  const double total = row_weights(p, pv, tb, scratch, bad);
  if (bad >= 0) return -1;
  return step_row(p, pv, tb, t, context, trajectory, role, st, scratch, total, fork, done);
}

}  // namespace riskcore
