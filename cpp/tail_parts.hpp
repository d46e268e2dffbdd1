// The fused importance-sampling pass's per-(query, chunk) parts (kernels/tail_sums.hpp, layout of
// tail_part_stride) combined into per-query results, chunks in order: the one combination step of the CPU
// driver (cpp/tail_cpu.cpp) and of the CUDA binding (cpp/cuda_bindings.cpp), so both backends report
// the same arrays in the same way.
//
//   sums (Q, T, 5)          per threshold j: [M, s0, s1, s2, s2e], s1 and s2e the sums over buckets > j
//   lw_stats (Q, 3)         [sum of the finite log-weights, count of -inf, their minimum]
//   errors (kTailChecks, 2) per check: [count, first flat index]
//   event_counts (Q, T)     finite event terms of threshold j (buckets > j)
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "array_views.hpp"
#include "tail_sums.hpp"

namespace riskcore {

struct TailTotals {
  CArray<double> sums, lw_stats;
  CArray<std::int64_t> errors, event_counts;
};

// parts: (queries * chunks, tail_part_stride(nt)); checks: queries * chunks; counts: (queries * chunks, nt + 1).
inline TailTotals combine_tail_parts(index_t queries, index_t chunks, index_t nt, const double* parts,
                                     const TailChecks* checks, const index_t* counts) {
  const double inf = static_cast<double>(INFINITY);
  const index_t stride = tail_part_stride(nt);
  TailTotals out{CArray<double>({queries, nt, index_t{5}}), CArray<double>({queries, index_t{3}}),
                 CArray<std::int64_t>({index_t{kTailChecks}, index_t{2}}), CArray<std::int64_t>({queries, nt})};
  TailChecks all;
  no_tail_errors(all);
  for (index_t p = 0; p < queries * chunks; ++p) merge_checks(all, checks[p]);
  for (int k = 0; k < kTailChecks; ++k) {
    out.errors.mutable_data()[2 * k] = all.count[k];
    out.errors.mutable_data()[2 * k + 1] = all.first[k];
  }
  std::vector<double> total(static_cast<size_t>(stride));
  double* ps = out.sums.mutable_data();
  for (index_t qi = 0; qi < queries; ++qi) {
    const double* first = parts + qi * chunks * stride;
    std::copy(first, first + stride, total.begin());
    for (index_t ci = 1; ci < chunks; ++ci) {
      const double* b = parts + (qi * chunks + ci) * stride;
      total[3] += b[3];
      total[4] += b[4];
      total[5] = std::min(total[5], b[5]);
      if (b[0] == -inf) continue;
      if (total[0] == -inf) {
        total[0] = b[0];
        total[1] = b[1];
        total[2] = b[2];
        std::copy(b + 6, b + stride, total.begin() + 6);
        continue;
      }
      const double m = std::max(total[0], b[0]);
      const double fa = rescale_factor(total[0], m), fb = rescale_factor(b[0], m);
      total[0] = m;
      total[1] = total[1] * fa + b[1] * fb;
      total[2] = total[2] * fa * fa + b[2] * fb * fb;
      for (index_t k = 0; k <= nt; ++k) {
        total[static_cast<size_t>(6 + k)] = total[static_cast<size_t>(6 + k)] * fa + b[6 + k] * fb;
        total[static_cast<size_t>(7 + nt + k)] = total[static_cast<size_t>(7 + nt + k)] * fa * fa + b[7 + nt + k] * fb * fb;
      }
    }
    for (int k = 0; k < 3; ++k) out.lw_stats.mutable_data()[qi * 3 + k] = total[static_cast<size_t>(3 + k)];
    double s1 = 0.0, s2e = 0.0;
    index_t above = 0;
    for (index_t j = nt - 1; j >= 0; --j) {  // threshold j: the buckets above it
      s1 += total[static_cast<size_t>(6 + j + 1)];
      s2e += total[static_cast<size_t>(7 + nt + j + 1)];
      for (index_t ci = 0; ci < chunks; ++ci) above += counts[(qi * chunks + ci) * (nt + 1) + j + 1];
      out.event_counts.mutable_data()[qi * nt + j] = above;
      double* o = ps + (qi * nt + j) * 5;
      o[0] = total[0];
      o[1] = total[1];
      o[2] = s1;
      o[3] = total[2];
      o[4] = s2e;
    }
  }
  return out;
}

}  // namespace riskcore
