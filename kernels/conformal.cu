// CUDA launcher of the batch-mean knapsack DP: every problem of a call in one launch, one block per
// problem. The block's threads fill a layer's cells j (body knapsack_cell), meet at __syncthreads and go
// on to the next layer; the layers live in global memory (t_max + 1 doubles each can exceed shared
// memory) and the final max is a shared-memory tree reduction. Max and + only: bit-identical to the CPU.
#include <cstdint>
#include <vector>

#include "conformal.hpp"
#include "cuda_launch.cuh"
#include "cuda_launchers.hpp"

namespace riskcore::cuda {
namespace {

constexpr unsigned kDpBlock = 256;

struct DpProblem {
  index_t values;  // offset of the slot values
  index_t slots, m, length;
  index_t layers;  // offset of the two layers (2 * length doubles)
};

__global__ void knapsack_kernel(const double* values, const DpProblem* problems, double* layers, double* out) {
  const DpProblem p = problems[blockIdx.x];
  const double* v = values + p.values;
  double* prev = layers + p.layers;
  double* next = prev + p.length;
  const double minus_inf = -static_cast<double>(INFINITY);
  for (index_t j = threadIdx.x; j < p.length; j += blockDim.x) prev[j] = j == 0 ? 0.0 : minus_inf;
  __syncthreads();
  for (index_t i = 1; i <= p.m; ++i) {
    const index_t first = i < p.length ? i : p.length;
    const index_t last = i * p.slots + 1 < p.length ? i * p.slots + 1 : p.length;
    for (index_t j = threadIdx.x; j < p.length; j += blockDim.x)
      next[j] = (j >= first && j < last) ? knapsack_cell(prev, v, p.slots, j) : minus_inf;
    __syncthreads();
    double* t = prev;
    prev = next;
    next = t;
  }
  __shared__ double best[kDpBlock];
  double b = minus_inf;
  for (index_t j = threadIdx.x; j < p.length; j += blockDim.x) b = prev[j] > b ? prev[j] : b;
  best[threadIdx.x] = b;
  __syncthreads();
  for (unsigned half = kDpBlock / 2; half > 0; half /= 2) {
    if (threadIdx.x < half && best[threadIdx.x + half] > best[threadIdx.x]) best[threadIdx.x] = best[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) out[blockIdx.x] = best[0];
}

}  // namespace

void knapsack_max_sums(const std::vector<const double*>& values, const std::vector<index_t>& slots,
                       const std::int64_t* m, const std::int64_t* t_max, double* out, std::uintptr_t stream) {
  const cudaStream_t s = as_stream(stream);
  const size_t count = values.size();
  std::vector<DpProblem> problems(count);
  index_t value_total = 0, layer_total = 0;
  for (size_t p = 0; p < count; ++p) {
    problems[p] = DpProblem{value_total, slots[p], m[p], t_max[p] + 1, layer_total};
    value_total += slots[p];
    layer_total += 2 * (t_max[p] + 1);
  }
  std::vector<double> packed(static_cast<size_t>(value_total));
  for (size_t p = 0; p < count; ++p)
    std::copy(values[p], values[p] + slots[p], packed.begin() + problems[p].values);
  const auto d_values = to_device(packed.data(), packed.size(), s);
  const auto d_problems = to_device(problems.data(), count, s);
  DeviceBuffer<double> d_layers(static_cast<size_t>(layer_total), s), d_out(count, s);
  launch("knapsack", knapsack_kernel, per_block(static_cast<index_t>(count), kDpBlock, "knapsack"), s, d_values.get(),
         d_problems.get(), d_layers.get(), d_out.get());
  to_host(out, d_out, count, s);
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize after knapsack");
}

}  // namespace riskcore::cuda
