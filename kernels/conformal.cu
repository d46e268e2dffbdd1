// CUDA launcher of the batch-mean knapsack DP: the pruned half-depth DP of kernels/conformal.hpp (the
// same plan, passes, pull, prune and combine as cpp/conformal_cpu.cpp, hence the same doubles).
//
// Every problem of a call runs in one launch, one block per problem, both passes of knapsack_solve in
// the block (the plan, all slots by increasing gap, is made on the host; a pass keeps a prefix of it,
// found by the block with its least and largest slot; the second pass also prunes by the coarse
// completion bound, whose table the host makes for every problem before the launch). A block's threads fill a layer's cells (one
// cell per thread, body knapsack_pull), meet at __syncthreads, prune the layer by chunks
// (knapsack_prune) and reduce its window and least acc in shared memory. The layers (three of t_max + 1
// doubles: previous, next and the floor(m/2) layer) and the two chunk tables live in the launch's
// shared memory when every problem's fit in it (48 KiB: t_max up to about 2,000), else in global memory.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "conformal.hpp"
#include "cuda_launch.cuh"
#include "cuda_launchers.hpp"

namespace riskcore::cuda {
namespace {

constexpr unsigned kDpBlock = 256;
constexpr std::size_t kSharedBytes = 48 * 1024;

struct DpProblem {
  index_t offset;  // of the plan's slots by increasing gap (slot, value, gap arrays) and of v_r, gap_r by rank
  index_t slots, m, t;
  index_t coarse_offset, coarse_width, coarse_first, coarse_cols;  // the coarse table (packed)
  double lambda, w_max, upper, lower, margin;
  bool feasible;
  index_t scratch;  // offset of the global scratch (layer_doubles(t) doubles), when not in shared memory
};

__host__ __device__ inline index_t layer_doubles(index_t t) {
  return 3 * (t + 1) + 2 * ((t >> kKnapsackChunkShift) + 1);
}

__device__ inline void block_min(double* shared, double x) {
  shared[threadIdx.x] = x;
  __syncthreads();
  for (unsigned half = kDpBlock / 2; half > 0; half /= 2) {
    if (threadIdx.x < half && shared[threadIdx.x + half] < shared[threadIdx.x])
      shared[threadIdx.x] = shared[threadIdx.x + half];
    __syncthreads();
  }
}

__device__ inline void block_max(double* shared, double x) {
  block_min(shared, -x);
  __syncthreads();
  if (threadIdx.x == 0) shared[0] = -shared[0];
  __syncthreads();
}

// The view of a pass keeping gap <= delta (knapsack_view of the header, by the block): the prefix
// length and its least and largest slot.
__device__ KnapsackView block_view(const DpProblem& p, const index_t* slot, const double* value, const double* gap,
                                   const double* rank_value, const double* rank_gap, const double* coarse,
                                   double delta, double* reduce) {
  double first_out = static_cast<double>(p.slots);
  for (index_t k = threadIdx.x; k < p.slots; k += blockDim.x)
    if (gap[k] > delta && static_cast<double>(k) < first_out) first_out = static_cast<double>(k);
  block_min(reduce, first_out);
  const index_t count = static_cast<index_t>(reduce[0]);
  __syncthreads();
  double least = static_cast<double>(INFINITY), largest = -static_cast<double>(INFINITY);
  for (index_t k = threadIdx.x; k < count; k += blockDim.x) {
    const double r = static_cast<double>(slot[k]);
    least = r < least ? r : least;
    largest = r > largest ? r : largest;
  }
  block_min(reduce, least);
  const index_t slot_min = static_cast<index_t>(reduce[0]);
  __syncthreads();
  block_max(reduce, largest);
  const index_t slot_max = static_cast<index_t>(reduce[0]);
  __syncthreads();
  return KnapsackView{slot,           value,    gap,           count,   slot_min,
                      slot_max,       p.lambda, p.w_max,       delta,   rank_value,
                      rank_gap,       coarse,   p.coarse_width, p.coarse_first, p.coarse_cols,
                      p.m,            p.t,      p.upper - delta};
}

// One pass (knapsack_pass of cpp/conformal_cpu.cpp) by the block; every thread returns its value.
__device__ double block_pass(const DpProblem& p, const KnapsackView& view, double* base, double* reduce) {
  const double neg_inf = -static_cast<double>(INFINITY), pos_inf = static_cast<double>(INFINITY);
  const index_t length = p.t + 1, chunks = (p.t >> kKnapsackChunkShift) + 1;
  double *prev = base, *next = base + length, *lower = base + 2 * length;
  double *cprev = base + 3 * length, *cnext = cprev + chunks;
  for (index_t j = threadIdx.x; j < length; j += blockDim.x) prev[j] = next[j] = lower[j] = neg_inf;
  if (threadIdx.x == 0) {
    prev[0] = 0.0, cprev[0] = 0.0;
    if (p.m / 2 == 0) lower[0] = 0.0;  // D_0 is the floor(m/2) layer for m = 1
  }
  __syncthreads();
  const index_t half = (p.m + 1) / 2, floor_half = p.m / 2;
  index_t lo = 0, hi = 0, written_lo = 0, written_hi = 0, next_lo = 0, next_hi = -1;
  double least = 0.0;
  for (index_t i = 1; i <= half && lo <= hi; ++i) {
    const index_t a = lo + view.slot_min, b = knapsack_min(hi + view.slot_max, p.t - (p.m - i));
    for (index_t j = next_lo + threadIdx.x; j <= next_hi; j += blockDim.x) next[j] = neg_inf;
    __syncthreads();
    for (index_t j = a + threadIdx.x; j <= b; j += blockDim.x)
      knapsack_pull(prev, cprev, lo, hi, least, view, j, j + 1, next);
    __syncthreads();
    double my_least = pos_inf;
    index_t my_lo = b + 1, my_hi = a - 1;
    for (index_t c = (a >> kKnapsackChunkShift) + threadIdx.x; c <= (b >> kKnapsackChunkShift); c += blockDim.x) {
      const index_t j0 = knapsack_max(a, c << kKnapsackChunkShift);
      const index_t j1 = knapsack_min(b + 1, (c + 1) << kKnapsackChunkShift);
      cnext[c] = knapsack_prune(i, view, j0, j1, next);
      my_least = cnext[c] < my_least ? cnext[c] : my_least;
      for (index_t j = j0; j < j1; ++j)
        if (next[j] != neg_inf) my_lo = j < my_lo ? j : my_lo, my_hi = j > my_hi ? j : my_hi;
    }
    block_min(reduce, my_least);
    least = reduce[0];
    __syncthreads();
    block_min(reduce, static_cast<double>(my_lo));
    const index_t new_lo = static_cast<index_t>(reduce[0]);
    __syncthreads();
    block_min(reduce, -static_cast<double>(my_hi));
    const index_t new_hi = static_cast<index_t>(-reduce[0]);
    __syncthreads();
    next_lo = written_lo, next_hi = written_hi;  // the old prev's cells, cleared before they are rewritten
    written_lo = a, written_hi = b;
    lo = new_lo, hi = new_hi;
    double* swap = prev;
    prev = next, next = swap;
    swap = cprev, cprev = cnext, cnext = swap;
    if (i == floor_half)
      for (index_t j = lo + threadIdx.x; j <= hi; j += blockDim.x) lower[j] = prev[j];
    __syncthreads();
  }
  // Prefix maxima of the floor(m/2) layer over [0, t - half]: each thread scans a segment, then adds the
  // maximum of the segments before it.
  const index_t span = p.t - half + 1, segment = (span + kDpBlock - 1) / kDpBlock;
  const index_t s0 = threadIdx.x * segment, s1 = knapsack_min(span, s0 + segment);
  double running = neg_inf;
  for (index_t j = s0; j < s1; ++j) running = lower[j] = lower[j] > running ? lower[j] : running;
  reduce[threadIdx.x] = running;
  __syncthreads();
  double before = neg_inf;
  for (unsigned k = 0; k < threadIdx.x; ++k) before = reduce[k] > before ? reduce[k] : before;
  for (index_t j = s0; j < s1; ++j) lower[j] = lower[j] > before ? lower[j] : before;
  __syncthreads();
  double best = neg_inf;
  for (index_t j = lo + threadIdx.x; j <= hi && j <= p.t; j += blockDim.x) {
    const double x = prev[j] + lower[p.t - j];
    best = x > best ? x : best;
  }
  block_max(reduce, best);
  const double found = lo <= hi ? reduce[0] : neg_inf;
  __syncthreads();
  return found;
}

__global__ void knapsack_kernel(const index_t* slots, const double* values, const double* gaps,
                                const double* rank_values, const double* rank_gaps, const double* coarse,
                                const DpProblem* problems, double* scratch, bool in_shared, double* out) {
  const DpProblem p = problems[blockIdx.x];
  __shared__ double reduce[kDpBlock];
  if (!p.feasible) {
    if (threadIdx.x == 0) out[blockIdx.x] = -static_cast<double>(INFINITY);
    return;
  }
  const index_t* slot = slots + p.offset;
  const double* value = values + p.offset;
  const double* gap = gaps + p.offset;
  const double* rank_value = rank_values + p.offset;
  const double* rank_gap = rank_gaps + p.offset;
  double* base = in_shared ? dynamic_shared<double>() : scratch + p.scratch;
  const double first = knapsack_delta(knapsack_first_slack(p.upper, p.lower), p.margin);
  double found =
      block_pass(p, block_view(p, slot, value, gap, rank_value, rank_gap, nullptr, first, reduce), base, reduce);
  if (!knapsack_certified(p.upper, p.lower, found)) {  // knapsack_solve's second pass
    const double second = knapsack_delta(knapsack_second_slack(p.upper, p.lower, found), p.margin);
    found = block_pass(
        p, block_view(p, slot, value, gap, rank_value, rank_gap, coarse + p.coarse_offset, second, reduce), base,
        reduce);
  }
  if (threadIdx.x == 0) out[blockIdx.x] = found;
}

}  // namespace

void knapsack_max_sums(const std::vector<const double*>& values, const std::vector<index_t>& slots,
                       const std::int64_t* m, const std::int64_t* t_max, double* out, std::uintptr_t stream) {
  const cudaStream_t s = as_stream(stream);
  const size_t count = values.size();
  if (count == 0) return;
  std::vector<DpProblem> problems(count);
  std::vector<index_t> packed_slots;
  std::vector<double> packed_values, packed_gaps, packed_rank_values, packed_rank_gaps, packed_coarse;
  index_t scratch_total = 0, widest = 0;
  for (size_t p = 0; p < count; ++p) {
    const KnapsackPlan plan = knapsack_plan(values[p], slots[p], m[p], t_max[p]);
    const index_t t = plan.feasible ? t_max[p] : 0;  // an infeasible problem needs no layers
    KnapsackCoarse coarse;
    if (plan.feasible) coarse = knapsack_coarse(values[p], slots[p], m[p], t, 0);
    problems[p] = DpProblem{static_cast<index_t>(packed_slots.size()),
                            static_cast<index_t>(plan.slot.size()),
                            m[p],
                            t,
                            static_cast<index_t>(packed_coarse.size()),
                            coarse.width,
                            coarse.first,
                            coarse.cols,
                            plan.lambda,
                            plan.w_max,
                            plan.upper,
                            plan.lower,
                            plan.margin,
                            plan.feasible,
                            scratch_total};
    packed_slots.insert(packed_slots.end(), plan.slot.begin(), plan.slot.end());
    packed_values.insert(packed_values.end(), plan.value.begin(), plan.value.end());
    packed_gaps.insert(packed_gaps.end(), plan.gap.begin(), plan.gap.end());
    packed_rank_values.insert(packed_rank_values.end(), plan.rank_value.begin(), plan.rank_value.end());
    packed_rank_gaps.insert(packed_rank_gaps.end(), plan.rank_gap.begin(), plan.rank_gap.end());
    packed_coarse.insert(packed_coarse.end(), coarse.table.begin(), coarse.table.end());
    scratch_total += layer_doubles(t);
    widest = std::max(widest, layer_doubles(t));
  }
  const bool in_shared = static_cast<std::size_t>(widest) * sizeof(double) <= kSharedBytes;
  const auto d_slots = to_device(packed_slots.data(), packed_slots.size(), s);
  const auto d_values = to_device(packed_values.data(), packed_values.size(), s);
  const auto d_gaps = to_device(packed_gaps.data(), packed_gaps.size(), s);
  const auto d_rank_values = to_device(packed_rank_values.data(), packed_rank_values.size(), s);
  const auto d_rank_gaps = to_device(packed_rank_gaps.data(), packed_rank_gaps.size(), s);
  if (packed_coarse.empty()) packed_coarse.push_back(0.0);  // every problem infeasible: a valid pointer
  const auto d_coarse = to_device(packed_coarse.data(), packed_coarse.size(), s);
  const auto d_problems = to_device(problems.data(), count, s);
  DeviceBuffer<double> d_scratch(in_shared ? 1 : static_cast<size_t>(scratch_total), s), d_out(count, s);
  const std::size_t shared = in_shared ? static_cast<std::size_t>(widest) * sizeof(double) : 0;
  launch("knapsack", knapsack_kernel, per_block(static_cast<index_t>(count), kDpBlock, "knapsack", shared), s,
         d_slots.get(), d_values.get(), d_gaps.get(), d_rank_values.get(), d_rank_gaps.get(), d_coarse.get(),
         d_problems.get(), d_scratch.get(), in_shared, d_out.get());
  to_host(out, d_out, count, s);
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize after knapsack");
}

}  // namespace riskcore::cuda
