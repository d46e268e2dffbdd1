// CPU driver of the batch-mean knapsack DP (kernels/conformal.hpp): layers in sequence, each layer's
// chunks of cells in parallel tasks (one problem) or whole problems in parallel (a batch); SIMD over
// the cells of a chunk.
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

constexpr index_t kChunksPerBlock = 8;    // chunks of kKnapsackChunk sums per pull call
constexpr index_t kBlocksPerThread = 16;  // a layer goes to threads only with this many blocks per thread

// Layer i into `out` from `prev` (window [lo, hi]): cells [a, b] in blocks b0..b1 of kChunksPerBlock
// chunks from chunk c_first, pulled densely (chunk minima cmin_prev) or sparsely (the kept states of
// prev), pruned, chunk minima into cmin_out.
RISKCORE_SIMD_CLONES void layer_blocks(const double* prev, const double* cmin_prev, const index_t* kept,
                                       index_t kept_count, bool sparse, index_t lo, index_t hi, double layer_min,
                                       const KnapsackView& view, index_t i, index_t a, index_t b, index_t c_first,
                                       index_t b0, index_t b1, double* out, double* cmin_out) {
  for (index_t block = b0; block < b1; ++block) {
    const index_t c0 = c_first + block * kChunksPerBlock;
    const index_t c1 = std::min((b >> kKnapsackChunkShift) + 1, c0 + kChunksPerBlock);
    const index_t j0 = std::max(a, c0 << kKnapsackChunkShift), j1 = std::min(b + 1, c1 << kKnapsackChunkShift);
    if (sparse)
      knapsack_pull_sparse(prev, kept, kept_count, view, i, j0, j1, out);
    else
      knapsack_pull(prev, cmin_prev, lo, hi, layer_min, view, j0, j1, out);
    for (index_t c = c0; c < c1; ++c)
      cmin_out[c] = knapsack_prune(i, view, std::max(a, c << kKnapsackChunkShift),
                                   std::min(b + 1, (c + 1) << kKnapsackChunkShift), out);
  }
}

// One DP layer buffer: the sums, the chunk minima of acc, the window [lo, hi] of kept states and
// their list.
struct Layer {
  std::vector<double> cell, cmin;
  index_t lo = 0, hi = -1, written_lo = 0, written_hi = -1;
  double least = 0.0;
  std::vector<index_t> kept;
};

// One pass of the pruned half-depth DP of kernels/conformal.hpp: the best value over the states it
// keeps (-inf if none).
double knapsack_pass(const KnapsackView& view, index_t m, index_t t, bool threaded) {
  const double neg_inf = -std::numeric_limits<double>::infinity();
  const size_t length = static_cast<size_t>(t + 1), chunks = static_cast<size_t>((t >> kKnapsackChunkShift) + 1);
  Layer prev{std::vector<double>(length, neg_inf), std::vector<double>(chunks, 0.0), 0, 0, 0, 0, 0.0, {0}};
  Layer next{std::vector<double>(length, neg_inf), std::vector<double>(chunks, 0.0), 0, -1, 0, -1, 0.0, {}};
  prev.cell[0] = 0.0;
  const index_t half = (m + 1) / 2, floor_half = m / 2;
  Layer lower = prev;  // D_f (f = floor(m/2); D_0 for m = 1)
  std::vector<double> sorted_cmin;
  for (index_t i = 1; i <= half && prev.lo <= prev.hi; ++i) {
    const index_t a = prev.lo + view.slot_min, b = std::min(prev.hi + view.slot_max, t - (m - i));
    std::fill(next.cell.begin() + next.written_lo, next.cell.begin() + next.written_hi + 1, neg_inf);
    next.lo = 1, next.hi = 0, next.written_lo = a, next.written_hi = b;
    next.kept.clear();
    if (a <= b) {
      const index_t c_first = a >> kKnapsackChunkShift, c_count = (b >> kKnapsackChunkShift) - c_first + 1;
      sorted_cmin.assign(prev.cmin.begin() + (prev.lo >> kKnapsackChunkShift),
                         prev.cmin.begin() + (prev.hi >> kKnapsackChunkShift) + 1);
      std::sort(sorted_cmin.begin(), sorted_cmin.end());
      const double dense = knapsack_dense_work(sorted_cmin.data(), static_cast<index_t>(sorted_cmin.size()), view);
      const bool sparse = knapsack_sparse_layer(dense, static_cast<index_t>(prev.kept.size()), view);
      auto run = [&](index_t b0, index_t b1) {
        layer_blocks(prev.cell.data(), prev.cmin.data(), prev.kept.data(), static_cast<index_t>(prev.kept.size()),
                     sparse, prev.lo, prev.hi, prev.least, view, i, a, b, c_first, b0, b1, next.cell.data(),
                     next.cmin.data());
      };
      const index_t blocks = (c_count + kChunksPerBlock - 1) / kChunksPerBlock;
      if (threaded)
        parallel_for(blocks, kBlocksPerThread, run);
      else
        run(0, blocks);
      next.least = *std::min_element(next.cmin.begin() + c_first, next.cmin.begin() + c_first + c_count);
      for (index_t j = a; j <= b; ++j)
        if (next.cell[j] != neg_inf) next.kept.push_back(j);
      if (!next.kept.empty()) next.lo = next.kept.front(), next.hi = next.kept.back();
    }
    std::swap(prev, next);
    if (i == floor_half) lower = prev;
  }
  if (prev.lo > prev.hi) return neg_inf;  // cannot happen: the optimum's states are never pruned
  std::vector<double>& prefix = lower.cell;
  for (index_t j = 1; j <= t - half; ++j) prefix[j] = std::max(prefix[j], prefix[j - 1]);
  return knapsack_combine(prev.cell.data(), prev.lo, prev.hi, prefix.data(), t);
}

RISKCORE_SIMD_CLONES void coarse_cells(const double* prev, const double* top, index_t blocks, index_t u0, index_t u1,
                                       double* next) {
  knapsack_coarse_cells(prev, top, blocks, u0, u1, next);
}

constexpr index_t kCoarseCellsPerTask = 512;

// The first pass with the Lagrangian bound alone; the second (when the first cannot certify) also
// with the coarse completion bound of width `coarse_width` (0: chosen from n, m, t).
double knapsack_max_sum(const double* v, index_t slots, index_t m, index_t t, bool threaded, index_t coarse_width) {
  const KnapsackPlan plan = knapsack_plan(v, slots, m, t);
  return knapsack_solve(plan, [&](double delta, bool second) {
    if (!second) return knapsack_pass(knapsack_view(plan, delta, m, t, nullptr), m, t, threaded);
    const KnapsackCoarse coarse = knapsack_coarse(
        v, slots, m, t, coarse_width, [&](const double* prev, const double* top, index_t blocks, index_t cols, double* next) {
          const index_t tasks = (cols + kCoarseCellsPerTask - 1) / kCoarseCellsPerTask;
          auto run = [&](index_t a, index_t b) {
            coarse_cells(prev, top, blocks, a * kCoarseCellsPerTask, std::min(cols, b * kCoarseCellsPerTask), next);
          };
          if (threaded)
            parallel_for(tasks, kBlocksPerThread / 4, run);
          else
            run(0, tasks);
        });
    return knapsack_pass(knapsack_view(plan, delta, m, t, &coarse), m, t, threaded);
  });
}

CArray<double> knapsack_max_sums(const std::vector<CArray<double>>& values, const CArray<std::int64_t>& m,
                                 const CArray<std::int64_t>& t_max, index_t coarse_width) {
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
  if (coarse_width < 0) throw std::invalid_argument("coarse_width must be >= 0");
  CArray<double> out(problems);
  double* po = out.mutable_data();
  const std::int64_t* pm = m.data();
  const std::int64_t* pt = t_max.data();
  py::gil_scoped_release release;
  if (problems >= num_threads()) {
    parallel_for(problems, 1, [&](index_t p0, index_t p1) {
      for (index_t p = p0; p < p1; ++p) po[p] = knapsack_max_sum(v[p], slots[p], pm[p], pt[p], false, coarse_width);
    });
  } else {
    for (index_t p = 0; p < problems; ++p) po[p] = knapsack_max_sum(v[p], slots[p], pm[p], pt[p], true, coarse_width);
  }
  return out;
}

}  // namespace

void bind_conformal(py::module_& mod) {
  mod.def("knapsack_max_sums", &knapsack_max_sums, py::arg("values"), py::arg("m"), py::arg("t_max"),
          py::arg("coarse_width") = 0,
          "For each problem p: max of sum_{r in M} values[p][r-1] over multisets M of m[p] slots in "
          "1..len(values[p]) with sum(M) <= t_max[p] (-inf if none). coarse_width: the block width of "
          "the coarse completion bound (0: chosen from the sizes; any width gives the same result).");
}

}  // namespace riskcore
