// CPU driver of the batch-mean knapsack DP: layers in sequence, each layer's cells in parallel blocks
// (one problem) or whole problems in parallel (a batch); SIMD over cells inside a block.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "array_views.hpp"
#include "conformal.hpp"
#include "parallel.hpp"
#include "simd.hpp"

namespace riskcore {
namespace {

constexpr index_t kCellBlock = 2048;

RISKCORE_SIMD_CLONES void layer_blocks(const double* prev, const double* v, index_t slots, index_t b0,
                                       index_t b1, index_t first, index_t last, double* out) {
  for (index_t b = b0; b < b1; ++b) {
    const index_t j0 = first + b * kCellBlock, j1 = std::min(last, j0 + kCellBlock);
    knapsack_block(prev, v, slots, j0, j1, out);
  }
}

// max over sums j <= t_max of D_m[j] (-inf if no multiset of m slots has sum <= t_max). Half depth +
// combine: only layers up to h = ceil(m/2) are built, and a multiset of m slots is one of h slots plus
// one of f = floor(m/2), so max_{j <= t} D_m[j] = max_{j1} D_h[j1] + max_{j2 <= t - j1} D_f[j2].
double knapsack_max_sum(const double* v, index_t slots, index_t m, index_t t_max, bool threaded) {
  const double neg_inf = -std::numeric_limits<double>::infinity();
  std::vector<double> prev(static_cast<size_t>(t_max + 1), neg_inf), next(prev.size(), neg_inf);
  prev[0] = 0.0;
  const index_t half = (m + 1) / 2, floor_half = m / 2;
  std::vector<double> lower(prev);  // D_f: the layer floor(m/2) (D_0 for m = 1)
  for (index_t i = 1; i <= half; ++i) {
    // Layer i is finite only on sums [i, i * slots]; cells outside stay -inf.
    const index_t first = std::min(i, t_max + 1), last = std::min(t_max + 1, i * slots + 1);
    const index_t blocks = (last - first + kCellBlock - 1) / kCellBlock;
    std::fill(next.begin(), next.begin() + first, neg_inf);
    std::fill(next.begin() + last, next.end(), neg_inf);
    auto run = [&](index_t b0, index_t b1) { layer_blocks(prev.data(), v, slots, b0, b1, first, last, next.data()); };
    if (threaded)
      parallel_for(blocks, 1, run);
    else
      run(0, blocks);
    std::swap(prev, next);
    if (i == floor_half) lower = prev;
  }
  for (size_t j = 1; j < lower.size(); ++j) lower[j] = std::max(lower[j], lower[j - 1]);  // prefix maxima
  double best = neg_inf;
  for (index_t j1 = 0; j1 <= t_max; ++j1) best = std::max(best, prev[j1] + lower[t_max - j1]);
  return best;
}

CArray<double> knapsack_max_sums(const std::vector<CArray<double>>& values, const CArray<std::int64_t>& m,
                                 const CArray<std::int64_t>& t_max) {
  const index_t problems = static_cast<index_t>(values.size());
  require_shape(m, "m", {problems});
  require_shape(t_max, "t_max", {problems});
  std::vector<const double*> v;
  std::vector<index_t> slots;
  for (const auto& a : values) {
    if (a.ndim() != 1 || a.size() < 1) throw std::invalid_argument("values must be non-empty 1-d arrays");
    v.push_back(a.data());
    slots.push_back(a.size());
  }
  for (index_t p = 0; p < problems; ++p)
    if (m.data()[p] < 1 || t_max.data()[p] < 0)
      throw std::invalid_argument("m must be >= 1 and t_max >= 0");
  CArray<double> out(problems);
  double* po = out.mutable_data();
  const std::int64_t* pm = m.data();
  const std::int64_t* pt = t_max.data();
  py::gil_scoped_release release;
  if (problems >= num_threads()) {
    parallel_for(problems, 1, [&](index_t p0, index_t p1) {
      for (index_t p = p0; p < p1; ++p) po[p] = knapsack_max_sum(v[p], slots[p], pm[p], pt[p], false);
    });
  } else {
    for (index_t p = 0; p < problems; ++p) po[p] = knapsack_max_sum(v[p], slots[p], pm[p], pt[p], true);
  }
  return out;
}

}  // namespace

void bind_conformal(py::module_& mod) {
  mod.def("knapsack_max_sums", &knapsack_max_sums, py::arg("values"), py::arg("m"), py::arg("t_max"),
          "For each problem p: max of sum_{r in M} values[p][r-1] over multisets M of m[p] slots in "
          "1..len(values[p]) with sum(M) <= t_max[p] (-inf if none).");
}

}  // namespace riskcore
