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
// The coarse completion bound (second pass). The Lagrangian bound is loose by up to one slot's value
// when its optimum is fractional (skewed laws: about m/2 pads and the rest at slot 1, plus a fraction
// of a pad; UB - OPT ~ 0.5 at n = 2000, m = 100 for beta(.5,3) scores), so delta keeps nearly every
// state. Grouping the slots into blocks q = floor((r - 1) / B) of B ranks with V_q = max_{r in q} v_r,
// k slots with sum <= s have sum of q <= floor((s - k) / B), so their value is at most
//   C_k(u) = max { sum V_q over k blocks (with repetition) with sum of q <= u },   u = floor((s - k)/B),
// a DP over (k, u) of (m + 1) (t / B) (n / B) steps (KnapsackCoarse). A state (i, j) of value x is on
// a path to a multiset of value >= UB - delta only if x + C_{m-i}(floor((t - j - m + i) / B)) >= UB -
// delta; the margin covers the rounding of both sides as above. Valid for any v (any B); B ~ n / 80,
// chosen so that B divides n where possible (the pad, slot n + 1, then has no rounding).
//
// The sparse pull. When a layer keeps few states (the coarse bound keeps a few hundred of 10^5), the
// pull runs over the kept source states s (a list) instead of the slots: for each s, the cells s + r
// of the block with gap_r <= delta - acc(s), r by rank (SIMD over cells). The candidate set is the
// exact one (no chunk test), a subset of the dense pull's that still holds every candidate on a
// near-optimal path: the same OPT double (every value is a max over a subset of the full DP's
// candidates, rounding is monotone, and the near-optimal paths are all kept). The driver picks per
// layer the cheaper by the work each would do (knapsack_dense_work, kept states x slot range).
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
constexpr index_t kKnapsackCoarseBlocksHint = 80;  // the coarse bound's blocks: about slots / 80 ranks each

inline index_t knapsack_max_width(index_t slots) {
  return slots > kKnapsackCoarseBlocksHint ? (slots + kKnapsackCoarseBlocksHint - 1) / kKnapsackCoarseBlocksHint : 1;
}

// Everything the layers need, fixed before the first layer (data and (m, t) only).
struct KnapsackPlan {
  double lambda = 0.0, w_max = 0.0, upper = 0.0, lower = 0.0, margin = 0.0;
  std::vector<index_t> slot;  // every slot by increasing gap (then slot): a pass keeps a prefix
  std::vector<double> value, gap;
  std::vector<double> rank_value, rank_gap;  // v_r and gap_r by rank r = 1..slots (the sparse pull)
  bool feasible = false;  // some multiset of m slots has sum <= t (t >= m)
};

// Value of a rounded Lagrangian solution: c copies of the upper hull vertex rb and m - c of ra (c as
// large as the budget allows, also c - 1 and c - 2), then the leftover budget spent by moving one or
// two ra elements up, or spread evenly over q of them (each floor(left / q) ranks up, left mod q of
// them one more; the best q: where v is concave above ra, many small moves beat one long one). Any
// feasible multiset's value is a valid LB; this one is within a few units of the gap of the optimum
// on smooth data.
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
    for (index_t q = 2; q <= ca; ++q) {
      const index_t d = left / q, extra = left % q;
      if (ra + d + (extra > 0 ? 1 : 0) > slots) continue;
      const double up = v[ra + d - 1] - v[ra - 1], up_one_more = extra > 0 ? v[ra + d] - v[ra - 1] : 0.0;
      best = std::max(best, base + static_cast<double>(q - extra) * up + static_cast<double>(extra) * up_one_more);
    }
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
  plan.rank_value.assign(v, v + slots);
  plan.rank_gap = gaps;
  return plan;
}

// The coarse completion table: rows k = first..m (first = floor(m/2), the least completion a layer
// i <= ceil(m/2) needs), columns u = 0..cols-1 (cols = floor((t - first) / width) + 1), row-major,
// C_k(u) prefix-maximal in u.
struct KnapsackCoarse {
  index_t width = 0, first = 0, cols = 0;
  std::vector<double> table;
};

constexpr index_t kKnapsackCoarseCells = index_t(1) << 22;  // at most this many table doubles

// B: about B0 = slots / 80 (at least 1), the one of [3 B0 / 4, 5 B0 / 4] with the least n mod B (slots - 1 = n:
// the pad's rank rounding), widened until the table holds at most kKnapsackCoarseCells doubles;
// `requested` > 0 forces B (tests).
inline index_t knapsack_coarse_width(index_t slots, index_t m, index_t t, index_t requested) {
  if (requested > 0) return requested;
  const index_t base = knapsack_max_width(slots);
  index_t best = base;
  for (index_t b = base - base / 4; b <= base + base / 4; ++b)
    if ((slots - 1) % b < (slots - 1) % best) best = b;
  const index_t rows = m - m / 2 + 1;
  while (rows * (t / best + 1) > kKnapsackCoarseCells) best *= 2;
  return best;
}

// Cells [u0, u1) of a row of the coarse DP: next[u] = max_q prev[u - q] + top[q] (-inf if none).
RISKCORE_HD inline void knapsack_coarse_cells(const double* prev, const double* top, index_t blocks, index_t u0,
                                              index_t u1, double* next) {
  for (index_t u = u0; u < u1; ++u) next[u] = -static_cast<double>(INFINITY);
  for (index_t q = 0; q < blocks && q < u1; ++q) {
    const index_t start = u0 > q ? u0 : q;
    const double vq = top[q];
    const double* src = prev + (start - q);
    double* dst = next + start;
    const index_t len = u1 - start;
#if !defined(__CUDA_ARCH__)
#pragma omp simd
#endif
    for (index_t x = 0; x < len; ++x) dst[x] = src[x] + vq > dst[x] ? src[x] + vq : dst[x];
  }
}

// The coarse table; `cells(prev, top, blocks, cols, next)` fills a row (knapsack_coarse_cells over
// [0, cols), in parallel or not).
template <class Cells>
KnapsackCoarse knapsack_coarse(const double* v, index_t slots, index_t m, index_t t, index_t requested, Cells cells) {
  KnapsackCoarse c;
  c.width = knapsack_coarse_width(slots, m, t, requested);
  c.first = m / 2;
  c.cols = (t - c.first) / c.width + 1;
  const index_t blocks = (slots + c.width - 1) / c.width, cols = c.cols;
  std::vector<double> top(static_cast<size_t>(blocks), -std::numeric_limits<double>::infinity());
  for (index_t r = 1; r <= slots; ++r) top[(r - 1) / c.width] = std::max(top[(r - 1) / c.width], v[r - 1]);
  std::vector<double> prev(static_cast<size_t>(cols), 0.0), next(static_cast<size_t>(cols));  // C_0 = 0
  c.table.assign(static_cast<size_t>((m - c.first + 1) * cols), 0.0);
  for (index_t k = 1; k <= m; ++k) {
    cells(prev.data(), top.data(), blocks, cols, next.data());
    for (index_t u = 1; u < cols; ++u) next[u] = std::max(next[u], next[u - 1]);
    std::swap(prev, next);
    if (k >= c.first) std::copy(prev.begin(), prev.end(), c.table.begin() + (k - c.first) * cols);
  }
  return c;
}

inline KnapsackCoarse knapsack_coarse(const double* v, index_t slots, index_t m, index_t t, index_t requested) {
  return knapsack_coarse(v, slots, m, t, requested,
                         [](const double* prev, const double* top, index_t blocks, index_t cols, double* next) {
                           knapsack_coarse_cells(prev, top, blocks, 0, cols, next);
                         });
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

// knapsack_plan, then `pass(delta, second)` (one DP keeping the slots with gap <= delta; the second
// pass also prunes by the coarse bound) once or twice; -inf when t < m.
template <class Pass>
double knapsack_solve(const KnapsackPlan& plan, Pass pass) {
  if (!plan.feasible) return -std::numeric_limits<double>::infinity();
  const double found = pass(knapsack_delta(knapsack_first_slack(plan.upper, plan.lower), plan.margin), false);
  if (knapsack_certified(plan.upper, plan.lower, found)) return found;
  return pass(knapsack_delta(knapsack_second_slack(plan.upper, plan.lower, found), plan.margin), true);
}

// What the layer functions of one pass read (host or device pointers): the first `count` slots of the
// plan (those with gap <= delta), their least and largest slot.
struct KnapsackView {
  const index_t* slot;
  const double* value;
  const double* gap;
  index_t count, slot_min, slot_max;
  double lambda, w_max, delta;
  const double* rank_value;  // v_r, gap_r by rank (the sparse pull)
  const double* rank_gap;
  const double* coarse;  // the coarse table (rows coarse_first..m, coarse_cols columns), or nullptr
  index_t coarse_width, coarse_first, coarse_cols, m, t;
  double floor;  // upper - delta: the value a kept state's completion bound must reach
};

// The view of a pass keeping gap <= delta (host), with the coarse bound when `coarse` is given.
inline KnapsackView knapsack_view(const KnapsackPlan& plan, double delta, index_t m, index_t t,
                                  const KnapsackCoarse* coarse) {
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
                      delta,
                      plan.rank_value.data(),
                      plan.rank_gap.data(),
                      coarse ? coarse->table.data() : nullptr,
                      coarse ? coarse->width : 1,
                      coarse ? coarse->first : 0,
                      coarse ? coarse->cols : 0,
                      m,
                      t,
                      plan.upper - delta};
}

// The work of a dense pull of a layer from a previous layer whose chunk minima of acc, sorted, are
// sorted_cmin[0..chunks): sum over the slots k with gap_k <= delta - least of 64 x the chunks with
// cmin <= delta - gap_k (those not skipped; an upper bound on the cells each slot reads).
RISKCORE_HD inline double knapsack_dense_work(const double* sorted_cmin, index_t chunks, const KnapsackView& p) {
  double work = 0.0;
  for (index_t k = 0; k < p.count && chunks > 0 && p.gap[k] <= p.delta - sorted_cmin[0]; ++k) {
    index_t lo = 0, hi = chunks;  // the chunks with cmin <= delta - gap_k: a prefix
    while (lo < hi) {
      const index_t mid = (lo + hi) / 2;
      if (sorted_cmin[mid] <= p.delta - p.gap[k])
        lo = mid + 1;
      else
        hi = mid;
    }
    work += static_cast<double>(lo);
  }
  return work * static_cast<double>(kKnapsackChunk);
}

// Whether a layer pulls sparsely: twice the sparse work (`kept` states x the slot range; its masked
// loop costs about twice a dense one per cell) below the dense work.
RISKCORE_HD inline bool knapsack_sparse_layer(double dense_work, index_t kept, const KnapsackView& p) {
  return 2.0 * static_cast<double>(kept) * static_cast<double>(p.slot_max - p.slot_min + 1) < dense_work;
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

// C_{m-i}(floor((t - j - (m - i)) / B)): a bound on the value of the m - i slots that complete a state
// (i, j), i <= ceil(m/2), j <= t - (m - i).
RISKCORE_HD inline double knapsack_coarse_bound(const KnapsackView& p, index_t i, index_t j) {
  const index_t k = p.m - i, u = (p.t - j - k) / p.coarse_width;
  return p.coarse[(k - p.coarse_first) * p.coarse_cols + (u < p.coarse_cols ? u : p.coarse_cols - 1)];
}

// The sparse pull: cells [j0, j1) of layer i from the kept states `kept[0..kept_count)` (increasing)
// of layer i-1: out[j] = max over kept s of prev[s] + v_{j-s} with gap_{j-s} <= delta - acc(s) and
// slot_min <= j - s <= slot_max (-inf if none).
RISKCORE_HD inline void knapsack_pull_sparse(const double* prev, const index_t* kept, index_t kept_count,
                                             const KnapsackView& p, index_t i, index_t j0, index_t j1, double* out) {
  for (index_t j = j0; j < j1; ++j) out[j] = -static_cast<double>(INFINITY);
  index_t a = 0, b = kept_count;  // first kept s >= j0 - slot_max
  while (a < b) {
    const index_t mid = (a + b) / 2;
    if (kept[mid] < j0 - p.slot_max)
      a = mid + 1;
    else
      b = mid;
  }
  for (index_t k = a; k < kept_count && kept[k] + p.slot_min < j1; ++k) {
    const index_t s = kept[k];
    const double x = prev[s], budget = p.delta - knapsack_acc(i - 1, s, x, p);
    const index_t c0 = knapsack_max(j0, s + p.slot_min), c1 = knapsack_min(j1, s + p.slot_max + 1);
    const double* vr = p.rank_value + (c0 - s - 1);
    const double* gr = p.rank_gap + (c0 - s - 1);
    double* dst = out + c0;
    const index_t len = c1 - c0;
#if !defined(__CUDA_ARCH__)
#pragma omp simd
#endif
    for (index_t q = 0; q < len; ++q) {
      const double cand = gr[q] <= budget ? x + vr[q] : -static_cast<double>(INFINITY);
      dst[q] = cand > dst[q] ? cand : dst[q];
    }
  }
}

// Prunes cells [j0, j1) of layer i (sets -inf where acc > delta or, with the coarse table, where the
// value plus the coarse completion bound is below upper - delta); returns their least acc (+inf if none).
RISKCORE_HD inline double knapsack_prune(index_t i, const KnapsackView& p, index_t j0, index_t j1, double* out) {
  double least = static_cast<double>(INFINITY);
  for (index_t j = j0; j < j1; ++j) {
    if (out[j] == -static_cast<double>(INFINITY)) continue;
    const double acc = knapsack_acc(i, j, out[j], p);
    if (acc > p.delta || (p.coarse && out[j] + knapsack_coarse_bound(p, i, j) < p.floor))
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
