// CUDA launcher of the batch-mean knapsack DP: one thread per slot sum j and layer, body knapsack_cell.
#include <cuda_runtime.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "conformal.hpp"
#include "cuda_check.cuh"
#include "cuda_launchers.hpp"

namespace riskcore::cuda {
namespace {


__global__ void knapsack_layer_kernel(const double* prev, const double* v, index_t slots, index_t first,
                                      index_t last, index_t length, double* next) {
  const index_t j = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j >= length) return;
  next[j] = (j >= first && j < last) ? knapsack_cell(prev, v, slots, j) : -static_cast<double>(INFINITY);
}

}  // namespace

double knapsack_max_sum(const double* values, index_t slots, index_t m, index_t t_max, std::uintptr_t stream) {
  const auto s = reinterpret_cast<cudaStream_t>(stream);
  const index_t length = t_max + 1;
  std::vector<double> host(static_cast<size_t>(length), -std::numeric_limits<double>::infinity());
  host[0] = 0.0;
  double *v = nullptr, *prev = nullptr, *next = nullptr;
  check(cudaMallocAsync(&v, sizeof(double) * slots, s), "cudaMallocAsync");
  check(cudaMallocAsync(&prev, sizeof(double) * length, s), "cudaMallocAsync");
  check(cudaMallocAsync(&next, sizeof(double) * length, s), "cudaMallocAsync");
  check(cudaMemcpyAsync(v, values, sizeof(double) * slots, cudaMemcpyHostToDevice, s), "cudaMemcpyAsync");
  check(cudaMemcpyAsync(prev, host.data(), sizeof(double) * length, cudaMemcpyHostToDevice, s), "cudaMemcpyAsync");
  const unsigned grid = grid_for(length);
  for (index_t i = 1; i <= m; ++i) {
    const index_t first = std::min(i, length), last = std::min(length, i * slots + 1);
    knapsack_layer_kernel<<<grid, kBlock, 0, s>>>(prev, v, slots, first, last, length, next);
    check(cudaGetLastError(), "knapsack kernel launch");
    std::swap(prev, next);
  }
  check(cudaMemcpyAsync(host.data(), prev, sizeof(double) * length, cudaMemcpyDeviceToHost, s), "cudaMemcpyAsync");
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
  cudaFreeAsync(v, s);
  cudaFreeAsync(prev, s);
  cudaFreeAsync(next, s);
  return *std::max_element(host.begin(), host.end());
}

}  // namespace riskcore::cuda
