// The one-pass MC / SCOPE / REACH folds' per-(query, outcome, block) parts (kernels/mc_stream.hpp's
// RiskBlock, item = pair * blocks + b) merged in block order into per-pair results: the one combination
// step of the CPU driver (cpp/mc_stream_cpu.cpp) and of the CUDA binding (cpp/cuda_bindings.cpp).
//
//   out (5, pairs)   the estimator's count, mean, M2, then MC's mean and M2 (from the first hits)
//   checks (4,)      bad hazards: count, first flat index; bad first hits: count, first flat index
#pragma once
#include <cstdint>

#include "mc_stream.hpp"

namespace riskcore {

inline void combine_risk_parts(const RiskBlock* parts, index_t pairs, index_t blocks, int kind, double* out,
                               std::int64_t* checks) {
  RiskBlock all{{0, 0, 0}, {0, 0, 0}, 0, 0, 0, 0};
  for (index_t pair = 0; pair < pairs; ++pair) {
    RiskBlock v{{0, 0, 0}, {0, 0, 0}, 0, 0, 0, 0};
    for (index_t b = 0; b < blocks; ++b) merge_block(v, parts[pair * blocks + b]);
    out[pair] = kind == kRiskMc ? v.mc.count : v.value.count;
    out[pairs + pair] = kind == kRiskMc ? v.mc.mean : v.value.mean;
    out[2 * pairs + pair] = kind == kRiskMc ? v.mc.m2 : v.value.m2;
    out[3 * pairs + pair] = v.mc.mean;
    out[4 * pairs + pair] = v.mc.m2;
    merge_block(all, RiskBlock{{0, 0, 0}, {0, 0, 0}, v.bad_h, v.first_h, v.bad_hit, v.first_hit});
  }
  checks[0] = all.bad_h, checks[1] = all.first_h, checks[2] = all.bad_hit, checks[3] = all.first_hit;
}

}  // namespace riskcore
