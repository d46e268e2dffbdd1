// Fused importance-sampling sums: log-weights, their checks, the event (boolean, graded or score against
// a sorted threshold grid) and the log-space sums in one read of the inputs.
//
// Per query and chunk of kTailChunk samples (a fixed chunking and a fixed order of combining chunks, so
// results do not depend on threads, backend or batch):
//   pass 1: lw_i = log p_i - log q_i (-inf where log p_i = -inf), checks, M = max lw_i, bucket b_i, and
//           the log-weight statistics: sum and minimum of the finite lw_i, number of lw_i = -inf (KL(q||p));
//   pass 2: w_i = e^{lw_i - M} (exp_nonpositive), s0 = sum w, s2 = sum w^2 and per bucket b >= 1
//           t1[b] = sum_{b_i = b} h_i w_i, t2[b] = sum_{b_i = b} h_i^2 w_i^2.
// Buckets: boolean events -> b = e_i (h = 1); graded events h_i in [0, 1] -> b = 1 (h_i); a score against
// thresholds t_0 <= ... <= t_{T-1} -> b_i = #{j : t_j <= s_i} (h = 1), so sample i is an event for
// threshold j iff j < b_i, and threshold j's sums are the suffix sums over buckets b > j: a grid of T
// thresholds costs one pass and a binary search per sample.
// Checks (count and first flat index, reported to Python through _validate.fused_error):
//   kBadLogP: log p is NaN or +inf; kBadLogQ: log q is NaN; kImpossible: log q = -inf where log p is not
//   (a sample the proposal cannot produce); kBadEvent: a graded value outside [0, 1] or NaN, or a NaN score.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "config.hpp"

namespace riskcore {

constexpr index_t kTailChunk = 65536;

enum TailCheck { kBadLogP = 0, kBadLogQ = 1, kImpossible = 2, kBadEvent = 3, kTailChecks = 4 };
enum TailEventKind { kEventBool = 0, kEventGraded = 1, kEventScore = 2 };

struct TailChecks {
  index_t count[kTailChecks];
  index_t first[kTailChecks];
};

RISKCORE_HD inline void no_tail_errors(TailChecks& c) {
  for (int k = 0; k < kTailChecks; ++k) {
    c.count[k] = 0;
    c.first[k] = -1;
  }
}

RISKCORE_HD inline void flag(TailChecks& c, int rule, index_t where) {
  if (c.count[rule]++ == 0) c.first[rule] = where;
}

RISKCORE_HD inline void merge_checks(TailChecks& into, const TailChecks& other) {
  for (int k = 0; k < kTailChecks; ++k) {
    if (other.count[k] && (into.count[k] == 0 || other.first[k] < into.first[k])) into.first[k] = other.first[k];
    into.count[k] += other.count[k];
  }
}

// One query's inputs, each read through an element stride (0 broadcasts a scalar).
template <class T>
struct TailQuery {
  const T* log_p;
  index_t log_p_stride;
  const T* log_q;
  index_t log_q_stride;
  int kind;                     // TailEventKind
  const std::uint8_t* event;    // kEventBool
  const T* value;               // kEventGraded: h; kEventScore: the score
  index_t event_stride;         // of event or value
  const double* thresholds;     // kEventScore: sorted ascending
  index_t n_thresholds;         // buckets are 0..n_thresholds (1 for bool/graded)
  index_t flat_offset;          // flat index of this query's sample 0 (for the error's position)
  index_t origin;               // the pointers hold samples origin.. (0 for whole arrays, the chunk start for scratch)
  bool prefilled = false;       // a sampler already did pass 1 (lw, bucket, max, stats): skip it
};

// 2^k for whole k in [-1022, 1023]: the low bits of k + 1.5 * 2^52 + 1023 hold k + 1023, shifted into
// the exponent field.
RISKCORE_HD inline double pow2_of(double k) {
  const double biased = k + 6755399441056767.0;
  std::uint64_t bits;
  std::memcpy(&bits, &biased, sizeof bits);
  bits <<= 52;
  double out;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

// e^x for x <= 0 (x = -inf gives 0), within 1 ulp: x = k ln 2 + r with |r| <= ln 2 / 2 (ln 2 in two
// parts, so k ln 2 is exact), e^r by its Taylor polynomial to r^13 (truncation below 1e-17 relative),
// 2^k applied as two powers of two so that results in the subnormals round once. Plain arithmetic with
// no branch or libm call: a loop of it vectorises (libm's exp does not), and the Numba mirror gives the
// same bits.
RISKCORE_HD inline double exp_nonpositive(double x) {
  const double shifter = 6755399441055744.0;  // 1.5 * 2^52: (t + shifter) - shifter rounds t to a whole number
  const double xc = x < -746.0 ? -746.0 : x;  // e^-746 rounds to 0
  const double k = (xc * 1.4426950408889634 + shifter) - shifter;
  const double r = (xc - k * 0.6931471803691238) - k * 1.9082149292705877e-10;
  const double p =
      1.0 + r * (1.0 + r * (0.5 + r * (1.6666666666666666e-01 + r * (4.1666666666666664e-02 +
      r * (8.3333333333333332e-03 + r * (1.3888888888888889e-03 + r * (1.9841269841269841e-04 +
      r * (2.4801587301587302e-05 + r * (2.7557319223985893e-06 + r * (2.7557319223985888e-07 +
      r * (2.5052108385441720e-08 + r * (2.0876756987868100e-09 + r * 1.6059043836821613e-10))))))))))));
  const double k1 = (k * 0.5 + shifter) - shifter;
  return p * pow2_of(k1) * pow2_of(k - k1);
}

// w[j] = e^{lw[j] - max} for j < count (the weights of pass 2; the CPU runs it in instruction-set clones).
RISKCORE_HD inline void scaled_weights(const double* lw, double max, double* w, index_t count) {
#if !defined(__CUDA_ARCH__)
#pragma omp simd
#endif
  for (index_t j = 0; j < count; ++j) w[j] = exp_nonpositive(lw[j] - max);
}

struct ScaledWeights {
  RISKCORE_HD void operator()(const double* lw, double max, double* w, index_t count) const {
    scaled_weights(lw, max, w, count);
  }
};

// Weights computed per tile (the sums still run sample by sample: the tile size changes no bit). A GPU
// thread keeps its tile in local memory, so it takes a smaller one.
#if defined(__CUDA_ARCH__)
constexpr index_t kWeightTile = 32;
#else
constexpr index_t kWeightTile = 256;
#endif

// Number of thresholds <= s (upper bound in a sorted array).
RISKCORE_HD inline index_t thresholds_at_or_below(const double* t, index_t n, double s) {
  index_t lo = 0, hi = n;
  while (lo < hi) {
    const index_t mid = lo + (hi - lo) / 2;
    if (t[mid] <= s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Statistics of the log-weights themselves (finite ones; dead = how many are -inf).
struct LogWeightStats {
  double sum, min;
  index_t dead;
};

// The sums of one chunk [begin, end). weights(lw, max, w, count) fills a tile of weights (ScaledWeights,
// or the same arithmetic compiled for a wider instruction set). lw and bucket are scratch of end - begin entries (inputs, with max
// and stats, when q.prefilled); t1, t2 have
// n_thresholds + 1 entries (index 0 unused). on_term(bucket, log term) is called in pass 2 for every
// event sample with a finite log term (k-hat candidates: log(w h) = lw + log h, before the max is removed).
template <class T, class OnTerm, class Weights = ScaledWeights>
RISKCORE_HD void chunk_tail_sums(const TailQuery<T>& q, index_t begin, index_t end, double* lw, std::int32_t* bucket,
                                 double& max, double& s0, double& s2, double* t1, double* t2, LogWeightStats& stats,
                                 TailChecks& checks, OnTerm on_term, Weights weights = {}) {
  const double inf = static_cast<double>(INFINITY);
  s0 = s2 = 0.0;
  for (index_t b = 0; b <= q.n_thresholds; ++b) t1[b] = t2[b] = 0.0;
  if (!q.prefilled) {
    max = -inf;
    stats = LogWeightStats{0.0, inf, 0};
  }
  for (index_t i = begin; i < end && !q.prefilled; ++i) {
    const double p = static_cast<double>(q.log_p[(i - q.origin) * q.log_p_stride]);
    const double l = static_cast<double>(q.log_q[(i - q.origin) * q.log_q_stride]);
    double w = p - l;
    if (w - w == 0.0) {  // finite: the common case, one test
      stats.sum += w;
      stats.min = w < stats.min ? w : stats.min;
    } else {
      if (p != p || p == inf) {
        flag(checks, kBadLogP, q.flat_offset + i);
      } else if (l != l) {
        flag(checks, kBadLogQ, q.flat_offset + i);
      } else if (l == -inf && p != -inf) {
        flag(checks, kImpossible, q.flat_offset + i);
      } else if (p != -inf && l != inf) {
        flag(checks, kBadLogP, q.flat_offset + i);  // finite - finite overflowed
      }
      w = -inf;  // log p = -inf or log q = +inf: a zero weight
      ++stats.dead;
    }
    lw[i - begin] = w;
    max = w > max ? w : max;
    std::int32_t b;
    if (q.kind == kEventBool) {
      b = q.event[(i - q.origin) * q.event_stride] ? 1 : 0;
    } else {
      const double v = static_cast<double>(q.value[(i - q.origin) * q.event_stride]);
      if (q.kind == kEventGraded) {
        if (!(v >= 0.0 && v <= 1.0)) flag(checks, kBadEvent, q.flat_offset + i);
        b = v > 0.0 ? 1 : 0;
      } else {
        if (v != v) flag(checks, kBadEvent, q.flat_offset + i);
        b = static_cast<std::int32_t>(thresholds_at_or_below(q.thresholds, q.n_thresholds, v));
      }
    }
    bucket[i - begin] = b;
  }
  if (max == -inf) return;
  double tile[kWeightTile];
  for (index_t first = begin; first < end; first += kWeightTile) {
    const index_t last = end < first + kWeightTile ? end : first + kWeightTile;
    weights(lw + (first - begin), max, tile, last - first);
    if (q.n_thresholds == 1 && q.kind != kEventGraded) {
      // One bucket of plain events: the sums take e * w with e in {0, 1} (adding 0 changes no bit) and the
      // k-hat terms are gathered without a branch, so a random event costs no mispredicted branch.
      double hits[kWeightTile];
      index_t count = 0;
      double a0 = s0, a2 = s2, e1 = t1[1], e2 = t2[1];  // in registers (the outputs may alias)
      for (index_t i = first; i < last; ++i) {
        const double w = tile[i - first];
        const double w2 = w * w;
        a0 += w;
        a2 += w2;
        const bool hit = (bucket[i - begin] > 0) & (lw[i - begin] > -inf);
        const double e = hit ? 1.0 : 0.0;
        e1 += e * w;
        e2 += e * w2;
        hits[count] = lw[i - begin];
        count += hit ? 1 : 0;
      }
      s0 = a0;
      s2 = a2;
      t1[1] = e1;
      t2[1] = e2;
      for (index_t k = 0; k < count; ++k) on_term(1, hits[k]);
      continue;
    }
    for (index_t i = first; i < last; ++i) {
      const double w = tile[i - first];
      const double w2 = w * w;
      s0 += w;
      s2 += w2;
      const std::int32_t b = bucket[i - begin];
      if (b > 0 && lw[i - begin] > -inf) {
        if (q.kind == kEventGraded) {
          const double h = static_cast<double>(q.value[(i - q.origin) * q.event_stride]);
          t1[b] += h * w;
          t2[b] += h * h * w2;
          on_term(b, lw[i - begin] + log(h));
        } else {
          t1[b] += w;
          t2[b] += w2;
          on_term(b, lw[i - begin]);
        }
      }
    }
  }
}

// One chunk's results, as the drivers store them: [max, s0, s2, sum of the finite lw, count of -inf lw,
// their minimum, t1[0..nt], t2[0..nt]] (doubles), nt + 1 buckets.
RISKCORE_HD inline index_t tail_part_stride(index_t nt) { return 6 + 2 * (nt + 1); }

// Rescale a chunk's sums from maximum `from` to `to` (>= from): the factor for sums of w is e^{from - to},
// for sums of w^2 its square.
RISKCORE_HD inline double rescale_factor(double from, double to) {
  return from == -static_cast<double>(INFINITY) ? 0.0 : exp(from - to);
}

}  // namespace riskcore
