// CUDA launcher of the batch-mean knapsack DP: one thread per slot sum j and layer, body knapsack_cell.
#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "conformal.hpp"
#include "cuda_launch.cuh"
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
  const cudaStream_t s = as_stream(stream);
  const index_t length = t_max + 1;
  std::vector<double> host(static_cast<size_t>(length), -std::numeric_limits<double>::infinity());
  host[0] = 0.0;
  const auto v = to_device(values, static_cast<size_t>(slots), s);
  auto prev = to_device(host.data(), host.size(), s);
  DeviceBuffer<double> next(host.size(), s);
  const Geometry g = items(length, "knapsack_layer");
  for (index_t i = 1; i <= m; ++i) {
    const index_t first = std::min(i, length), last = std::min(length, i * slots + 1);
    launch("knapsack_layer", knapsack_layer_kernel, g, s, prev.get(), v.get(), slots, first, last, length,
           next.get());
    std::swap(prev, next);
  }
  to_host(host.data(), prev, host.size(), s);
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize after knapsack");
  return *std::max_element(host.begin(), host.end());
}

}  // namespace riskcore::cuda
