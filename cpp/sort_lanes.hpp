// Sorts 8 rows at once (column layout cols[k * 8 + lane]) with a comparator network, compiled for
// AVX-512, AVX2 and baseline x86-64 and picked at load time (RISKCORE_SIMD_CLONES).
#pragma once
#include <cstdint>

#include "config.hpp"
#include "sort.hpp"

namespace riskcore {

constexpr int kSortLanes = 8;

// cols must be 64-byte aligned (allocate it as Lanes<kSortLanes>).
void sort_columns8(double* cols, const std::int32_t* pairs, index_t n_comparators);

}  // namespace riskcore
