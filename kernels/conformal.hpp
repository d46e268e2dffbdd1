// Batch-mean bound by dynamic programming (cardinality-constrained unbounded knapsack), pruned.
//
// With slot values v_1 <= ... <= v_R (v_r = g(S_(r)), R = n + 1 including the pad), the bound is
//   OPT = max { sum_{r in M} v_r : M a multiset of m slots with sum(M) <= t }.
// Layer i holds D_i[j] = max { sum_{r in M} v_r : |M| = i, sum(M) = j } (D_0 = [0, -inf, ...]),
//   D_{i+1}[j] = max_r D_i[j - r] + v_r,
// built to half depth h = ceil(m/2) only: a multiset of m slots is one of h slots plus one of
// f = floor(m/2), so OPT = max_{j1} D_h[j1] + max_{j2 <= t - j1} D_f[j2].
//
// Pruning (the reachable window). For lambda >= 0 the Lagrangian bound is
//   UB = lambda t + m w_max,   w_r = v_r - lambda r,   w_max = max_r w_r,
// (lambda minimising it: a slope of the upper hull of (r, v_r)). Every multiset M with sum(M) <= t has
//   UB - value(M) >= sum_{r in M} gap_r,   gap_r = w_max - w_r >= 0,
// so for any feasible value LB (a rounded Lagrangian solution, KnapsackPlan::lower), every optimal M
// has total gap <= UB - LB, and so has every sub-multiset of it, i.e. every DP state on a path to the
// optimum (any order of its slots). A state (i, j) of value D carries the gap acc = i w_max - (D -
// lambda j) of the multiset that makes it; states with acc > delta = UB - LB + margin, slots with
// gap_r > delta, candidates prev[s] + v_r with acc(s) + gap_r > delta, and sums j > t - (m - i) (the
// other m - i slots need sum >= m - i) cannot lie on an optimal path and are dropped. The margin (1e-9
// of the values' scale) dwarfs the rounding of acc, so a state whose keep/drop decision rounding could
// flip lies 1e-9 below the optimum and never wins: OPT is the same double as the full DP's, whatever
// the evaluation order or the backend.
//
// Each layer keeps its window [lo, hi] of kept sums and, per chunk of kChunk sums, the least acc of
// its kept states (cmin): a candidate slot r is skipped for a whole source chunk when gap_r > delta -
// cmin, and the slots are sorted by gap so that a layer stops at the first gap_r > delta - min(cmin).
// The CPU evaluates a chunk of cells per call (SIMD over cells), CUDA one cell per thread: the same
// function, the same candidate set for every cell, so the layers are identical too.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "config.hpp"

namespace riskcore {

constexpr index_t kKnapsackChunk = 64;  // sums per cmin entry (a power of two: chunk = j >> 6)
constexpr int kKnapsackChunkShift = 6;
constexpr double kKnapsackMargin = 1e-9;  // relative slack of the pruning threshold

// Everything the layers need, fixed before the first layer (data and (m, t) only).
struct KnapsackPlan {
  double lambda = 0.0, w_max = 0.0, upper = 0.0, lower = 0.0, margin = 0.0;
  std::vector<index_t> slot;  // every slot by increasing gap (then slot): a pass keeps a prefix
  std::vector<double> value, gap;
  bool feasible = false;  // some multiset of m slots has sum <= t (t >= m)
};

// Value of a rounded Lagrangian solution: c copies of the upper hull vertex rb and m - c of ra (c as
// large as the budget allows, also c - 1 and c - 2), then the leftover budget spent by moving one or
// two ra elements up. Any feasible multiset's value is a valid LB; this one is within a few units of
// the gap of the optimum on smooth data.
inline double knapsack_rounded_value(const double* v, index_t slots, index_t m, index_t t, index_t ra,
                                     index_t rb) {
  double best = -std::numeric_limits<double>::infinity();
  const index_t c_top = rb == ra ? m : std::min(m, (t - m * ra) / (rb - ra));
  for (index_t c = std::max<index_t>(c_top - 2, 0); c <= c_top; ++c) {
    const index_t ca = m - c, left = t - c * rb - ca * ra;
    if (left < 0) continue;
    const double base = static_cast<double>(ca) * v[ra - 1] + static_cast<double>(c) * v[rb - 1];
    best = std::max(best, base);
    const index_t room = std::min(left, slots - ra);
    if (ca >= 1) best = std::max(best, base - v[ra - 1] + v[ra + room - 1]);
    if (ca >= 2)
      for (index_t d = 0; d <= room; ++d) {
        const index_t d2 = std::min(left - d, slots - ra);
        best = std::max(best, base - 2 * v[ra - 1] + v[ra + d - 1] + v[ra + d2 - 1]);
      }
  }
  return best;
}

inline KnapsackPlan knapsack_plan(const double* v, index_t slots, index_t m, index_t t) {
  KnapsackPlan plan;
  plan.feasible = t >= m;
  if (!plan.feasible) return plan;
  // Upper hull of (r, v_r), r = 1..slots (monotone chain).
  std::vector<index_t> hull;
  for (index_t r = 1; r <= slots; ++r) {
    while (hull.size() >= 2) {
      const index_t r1 = hull[hull.size() - 2], r2 = hull.back();
      const double rise = (v[r2 - 1] - v[r1 - 1]) * static_cast<double>(r - r1);
      if (rise <= (v[r - 1] - v[r1 - 1]) * static_cast<double>(r2 - r1))
        hull.pop_back();
      else
        break;
    }
    hull.push_back(r);
  }
  // The bound is convex in lambda with minimum at lambda = 0 (all slots at the top, when m slots <= t)
  // or at the slope of the hull segment [ra, rb] around t / m.
  index_t ra = slots, rb = slots;
  if (static_cast<double>(t) < static_cast<double>(m) * static_cast<double>(slots)) {
    size_t k = 0;
    while (k + 2 < hull.size() && static_cast<double>(hull[k + 1]) * static_cast<double>(m) <= static_cast<double>(t))
      ++k;
    ra = hull[k];
    rb = hull.size() > 1 ? hull[k + 1] : hull[k];
    if (rb > ra) plan.lambda = std::max(0.0, (v[rb - 1] - v[ra - 1]) / static_cast<double>(rb - ra));
  }
  double scale = 0.0;
  plan.w_max = -std::numeric_limits<double>::infinity();
  for (index_t r = 1; r <= slots; ++r) {
    plan.w_max = std::max(plan.w_max, v[r - 1] - plan.lambda * static_cast<double>(r));
    scale = std::max(scale, std::fabs(v[r - 1]));
  }
  plan.upper = plan.lambda * static_cast<double>(t) + static_cast<double>(m) * plan.w_max;
  plan.lower = knapsack_rounded_value(v, slots, m, t, ra, rb);
  plan.margin = kKnapsackMargin * (static_cast<double>(m) * scale + plan.lambda * static_cast<double>(t)) +
                std::numeric_limits<double>::min();
  std::vector<double> gaps(static_cast<size_t>(slots));
  for (index_t r = 1; r <= slots; ++r) {
    gaps[r - 1] = plan.w_max - (v[r - 1] - plan.lambda * static_cast<double>(r));
    plan.slot.push_back(r);
  }
  std::stable_sort(plan.slot.begin(), plan.slot.end(), [&](index_t a, index_t b) { return gaps[a - 1] < gaps[b - 1]; });
  for (index_t r : plan.slot) {
    plan.value.push_back(v[r - 1]);
    plan.gap.push_back(gaps[r - 1]);
  }
  return plan;
}

// The passes: a DP kept to slack s (the slots, states and candidates with gap <= delta = s + margin)
// returns X, the best value it found. X is the optimum when upper - X <= s (every state of a multiset
// within s of the bound was kept). The first pass keeps s = (upper - lower) / kKnapsackFirstSlack
// (cheap: few slots and states); if it cannot certify its X, the second keeps s = upper - max(lower,
// X), which always certifies.
constexpr double kKnapsackFirstSlack = 4.0;

RISKCORE_HD inline double knapsack_first_slack(double upper, double lower) {
  return upper - lower > 0 ? (upper - lower) / kKnapsackFirstSlack : 0.0;
}

RISKCORE_HD inline bool knapsack_certified(double upper, double lower, double found) {
  return !(upper - lower > 0) || upper - found <= knapsack_first_slack(upper, lower);
}

RISKCORE_HD inline double knapsack_second_slack(double upper, double lower, double found) {
  return upper - (found > lower ? found : lower);
}

RISKCORE_HD inline double knapsack_delta(double slack, double margin) { return (slack > 0 ? slack : 0.0) + margin; }

// knapsack_plan, then `pass(delta)` (one DP keeping the slots with gap <= delta) once or twice; -inf
// when t < m.
template <class Pass>
double knapsack_solve(const KnapsackPlan& plan, Pass pass) {
  if (!plan.feasible) return -std::numeric_limits<double>::infinity();
  const double found = pass(knapsack_delta(knapsack_first_slack(plan.upper, plan.lower), plan.margin));
  if (knapsack_certified(plan.upper, plan.lower, found)) return found;
  return pass(knapsack_delta(knapsack_second_slack(plan.upper, plan.lower, found), plan.margin));
}

// What the layer functions of one pass read (host or device pointers): the first `count` slots of the
// plan (those with gap <= delta), their least and largest slot.
struct KnapsackView {
  const index_t* slot;
  const double* value;
  const double* gap;
  index_t count, slot_min, slot_max;
  double lambda, w_max, delta;
};

// The view of a pass keeping gap <= delta (host).
inline KnapsackView knapsack_view(const KnapsackPlan& plan, double delta) {
  const index_t count = std::upper_bound(plan.gap.begin(), plan.gap.end(), delta) - plan.gap.begin();
  const auto kept_end = plan.slot.begin() + count;
  return KnapsackView{plan.slot.data(),
                      plan.value.data(),
                      plan.gap.data(),
                      count,
                      *std::min_element(plan.slot.begin(), kept_end),
                      *std::max_element(plan.slot.begin(), kept_end),
                      plan.lambda,
                      plan.w_max,
                      delta};
}

RISKCORE_HD inline index_t knapsack_min(index_t a, index_t b) { return a < b ? a : b; }
RISKCORE_HD inline index_t knapsack_max(index_t a, index_t b) { return a > b ? a : b; }

// Cells [j0, j1) of layer i from layer i-1 (window [lo, hi], chunk minima cmin, least acc layer_min):
// out[j] = max over kept candidates of prev[j - r] + v_r (-inf if none), without pruning.
RISKCORE_HD inline void knapsack_pull(const double* prev, const double* cmin, index_t lo, index_t hi, double layer_min,
                                      const KnapsackView& p, index_t j0, index_t j1, double* out) {
  for (index_t j = j0; j < j1; ++j) out[j] = -static_cast<double>(INFINITY);
  const double budget = p.delta - layer_min;
  for (index_t k = 0; k < p.count && p.gap[k] <= budget; ++k) {
    const index_t r = p.slot[k];
    const double vr = p.value[k], gr = p.gap[k];
    index_t s = knapsack_max(j0 - r, lo);
    const index_t s_end = knapsack_min(j1 - r, hi + 1);
    while (s < s_end) {  // source cells chunk by chunk: skip a chunk none of whose states can take r
      const index_t c = s >> kKnapsackChunkShift;
      const index_t stop = knapsack_min(s_end, (c + 1) << kKnapsackChunkShift);
      if (gr <= p.delta - cmin[c]) {
        const double* src = prev + s;
        double* dst = out + s + r;
        const index_t len = stop - s;
#if !defined(__CUDA_ARCH__)
#pragma omp simd
#endif
        for (index_t q = 0; q < len; ++q) dst[q] = src[q] + vr > dst[q] ? src[q] + vr : dst[q];
      }
      s = stop;
    }
  }
}

// acc of a state (i, j) of value x: the total gap of the multiset that makes it.
RISKCORE_HD inline double knapsack_acc(index_t i, index_t j, double x, const KnapsackView& p) {
  return static_cast<double>(i) * p.w_max - (x - p.lambda * static_cast<double>(j));
}

// Prunes cells [j0, j1) of layer i (sets -inf where acc > delta); returns their least acc (+inf if none).
RISKCORE_HD inline double knapsack_prune(index_t i, const KnapsackView& p, index_t j0, index_t j1, double* out) {
  double least = static_cast<double>(INFINITY);
  for (index_t j = j0; j < j1; ++j) {
    if (out[j] == -static_cast<double>(INFINITY)) continue;
    const double acc = knapsack_acc(i, j, out[j], p);
    if (acc > p.delta)
      out[j] = -static_cast<double>(INFINITY);
    else
      least = acc < least ? acc : least;
  }
  return least;
}

// The combine: max over j1 in [lo, hi] of top[j1] + prefix_max_lower[t - j1] (prefix maxima given).
RISKCORE_HD inline double knapsack_combine(const double* top, index_t lo, index_t hi, const double* prefix_lower,
                                           index_t t) {
  double best = -static_cast<double>(INFINITY);
  for (index_t j = lo; j <= hi && j <= t; ++j) {
    const double x = top[j] + prefix_lower[t - j];
    best = x > best ? x : best;
  }
  return best;
}

}  // namespace riskcore
