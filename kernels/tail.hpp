// Importance-sampling sums in log space: for log-weights lw_i and event indicators e_i,
//   M = max_i lw_i,  s0 = sum e^{lw_i - M},  s1 = sum e_i e^{lw_i - M},
//   s2 = sum e^{2 (lw_i - M)},  s2e = sum e_i e^{2 (lw_i - M)}
// (two passes per chunk: the max, then the scaled sums), so weights spanning 1e300 neither overflow nor
// underflow to a wrong answer. Chunks are combined by rescaling to the larger max; a fixed chunk size
// and a fixed combination order make the result independent of threads and backend.
#pragma once
#include <cmath>
#include <cstdint>

#include "config.hpp"

namespace riskcore {

constexpr index_t kTailChunk = 65536;

struct LogSums {
  double max, s0, s1, s2, s2e;
};

RISKCORE_HD inline LogSums empty_log_sums() {
  return LogSums{-static_cast<double>(INFINITY), 0.0, 0.0, 0.0, 0.0};
}

// Sums over lw[begin, end) (finite or -inf; -inf is a zero weight).
RISKCORE_HD inline LogSums chunk_log_sums(const double* lw, const std::uint8_t* event, index_t begin, index_t end) {
  LogSums out = empty_log_sums();
  for (index_t i = begin; i < end; ++i) out.max = lw[i] > out.max ? lw[i] : out.max;
  if (out.max == -static_cast<double>(INFINITY)) return out;
  for (index_t i = begin; i < end; ++i) {
    const double w = exp(lw[i] - out.max);
    const double w2 = w * w;
    out.s0 += w;
    out.s2 += w2;
    if (event[i]) {
      out.s1 += w;
      out.s2e += w2;
    }
  }
  return out;
}

RISKCORE_HD inline LogSums combine_log_sums(const LogSums& a, const LogSums& b) {
  if (a.max == -static_cast<double>(INFINITY)) return b;
  if (b.max == -static_cast<double>(INFINITY)) return a;
  const double m = a.max > b.max ? a.max : b.max;
  const double fa = exp(a.max - m), fb = exp(b.max - m);
  return LogSums{m, a.s0 * fa + b.s0 * fb, a.s1 * fa + b.s1 * fb, a.s2 * fa * fa + b.s2 * fb * fb,
                 a.s2e * fa * fa + b.s2e * fb * fb};
}

}  // namespace riskcore
