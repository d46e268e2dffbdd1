// CUDA launcher of the Markov-chain outcome-risk simulator: one thread per (query, trajectory); the
// body is simulate_trajectory from kernels/mc.hpp, so the values equal the CPU ones.
#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "cuda_check.cuh"
#include "cuda_launchers.hpp"
#include "mc.hpp"

namespace riskcore::cuda {
namespace {

__global__ void simulate_kernel(const double* cdf, const double* masked_cdf, const double* hazard,
                                const std::uint8_t* kind, const std::int64_t* start, index_t chains,
                                index_t states, index_t queries, index_t horizon, std::uint64_t seed,
                                index_t first, index_t count, double* values, unsigned long long* steps) {
  const index_t item = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const index_t items = queries * count;
  if (item >= items) return;
  const index_t q = item / count, i = item % count, c = chains == 1 ? 0 : q;
  const ChainTables chain{cdf + c * states * states, masked_cdf + c * states * states, hazard + c * states,
                          kind + c * states, states};
  const TrajectoryValues v = simulate_trajectory(chain, start[q], horizon, seed, q, first + i);
  values[item] = v.mc;
  values[items + item] = v.scope;
  values[2 * items + item] = v.reach;
  atomicAdd(steps, static_cast<unsigned long long>(v.steps));
}

template <class T>
T* to_device(const T* host, size_t n, cudaStream_t s) {
  T* dev = nullptr;
  check(cudaMallocAsync(&dev, sizeof(T) * n, s), "cudaMallocAsync");
  check(cudaMemcpyAsync(dev, host, sizeof(T) * n, cudaMemcpyHostToDevice, s), "cudaMemcpyAsync");
  return dev;
}

}  // namespace

std::int64_t simulate_chunk(const double* cdf, const double* masked_cdf, const double* hazard,
                            const std::uint8_t* kind, const std::int64_t* start, index_t chains, index_t states,
                            index_t queries, index_t horizon, std::uint64_t seed, index_t first, index_t count,
                            double* values, std::uintptr_t stream) {
  const auto s = reinterpret_cast<cudaStream_t>(stream);
  const size_t table = static_cast<size_t>(chains * states * states), per_state = static_cast<size_t>(chains * states);
  const size_t items = static_cast<size_t>(queries * count);
  double* d_cdf = to_device(cdf, table, s);
  double* d_masked = to_device(masked_cdf, table, s);
  double* d_hazard = to_device(hazard, per_state, s);
  std::uint8_t* d_kind = to_device(kind, per_state, s);
  std::int64_t* d_start = to_device(start, static_cast<size_t>(queries), s);
  const unsigned long long zero = 0;
  unsigned long long* d_steps = to_device(&zero, 1, s);
  double* d_values = nullptr;
  check(cudaMallocAsync(&d_values, sizeof(double) * 3 * items, s), "cudaMallocAsync");
  if (items > 0)
    simulate_kernel<<<grid_for(static_cast<index_t>(items)), kBlock, 0, s>>>(
        d_cdf, d_masked, d_hazard, d_kind, d_start, chains, states, queries, horizon, seed, first, count, d_values,
        d_steps);
  check(cudaGetLastError(), "simulate kernel launch");
  unsigned long long steps = 0;
  check(cudaMemcpyAsync(values, d_values, sizeof(double) * 3 * items, cudaMemcpyDeviceToHost, s), "cudaMemcpyAsync");
  check(cudaMemcpyAsync(&steps, d_steps, sizeof(steps), cudaMemcpyDeviceToHost, s), "cudaMemcpyAsync");
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
  for (void* p : {static_cast<void*>(d_cdf), static_cast<void*>(d_masked), static_cast<void*>(d_hazard),
                  static_cast<void*>(d_kind), static_cast<void*>(d_start), static_cast<void*>(d_steps),
                  static_cast<void*>(d_values)})
    cudaFreeAsync(p, s);
  return static_cast<std::int64_t>(steps);
}

}  // namespace riskcore::cuda
