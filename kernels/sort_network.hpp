// The largest ensemble the lane-sorting fast paths take (cpp/sort_lanes.cpp; the Numba backend's
// network); above it rows are heap-sorted (O(m log m)).
#pragma once
#include <cstdint>

namespace riskcore {

constexpr std::int64_t kMaxNetworkSize = 2048;

}  // namespace riskcore
