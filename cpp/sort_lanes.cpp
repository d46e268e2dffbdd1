#include "sort_lanes.hpp"

#include "sort.hpp"

namespace riskcore {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void sort_columns8(double* cols, const std::int32_t* pairs, index_t n_comparators) {
  apply_sorting_network<kSortLanes>(cols, pairs, n_comparators);
}

}  // namespace riskcore
