// Batch-mean bound by dynamic programming (cardinality-constrained unbounded knapsack).
//
// With slot values v_1 <= ... <= v_R (v_r = g(S_(r)), R = n + 1 including the pad), layer i holds
//   D_i[j] = max { sum_{r in M} v_r : M a multiset of i slots with sum(M) = j },   D_0 = [0, -inf, ...]
//   D_{i+1}[j] = max_{1 <= r <= min(j, R)} D_i[j - r] + v_r.
// Unreachable cells stay -inf; v is finite (bounded scores), so -inf + v never meets +inf and no NaN
// appears. max is exact and order-free, so every evaluation order gives bit-identical layers.
#pragma once
#include <cmath>

#include "config.hpp"

namespace riskcore {

// One cell of a layer (the CUDA thread body; the CPU computes the same maximum in blocked order).
RISKCORE_HD inline double knapsack_cell(const double* prev, const double* v, index_t slots, index_t j) {
  double best = -static_cast<double>(INFINITY);
  const index_t r_max = j < slots ? j : slots;
  for (index_t r = 1; r <= r_max; ++r) {
    const double candidate = prev[j - r] + v[r - 1];
    best = candidate > best ? candidate : best;
  }
  return best;
}

// Cells [j0, j1) of a layer, slot-major so that the inner loop runs over contiguous j (SIMD).
RISKCORE_HD inline void knapsack_block(const double* prev, const double* v, index_t slots, index_t j0,
                                       index_t j1, double* out) {
  for (index_t j = j0; j < j1; ++j) out[j] = -static_cast<double>(INFINITY);
  for (index_t r = 1; r <= slots && r < j1; ++r) {
    const double vr = v[r - 1];
    const double* shifted = prev - r;
    const index_t start = j0 > r ? j0 : r;
#if !defined(__CUDA_ARCH__)
#pragma omp simd
#endif
    for (index_t j = start; j < j1; ++j) {
      const double candidate = shifted[j] + vr;
      out[j] = candidate > out[j] ? candidate : out[j];
    }
  }
}

}  // namespace riskcore
