#include "sort_lanes.hpp"

#include "simd.hpp"
#include "sort.hpp"

namespace riskcore {

RISKCORE_SIMD_CLONES
void sort_columns8(double* cols, const std::int32_t* pairs, index_t n_comparators) {
  apply_sorting_network<kSortLanes>(cols, pairs, n_comparators);
}

}  // namespace riskcore
