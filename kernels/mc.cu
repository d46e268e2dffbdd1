// CUDA launcher of the Markov-chain outcome-risk simulator: one thread per (query, trajectory); the
// body is simulate_trajectory from kernels/mc.hpp. The uniforms and the path are bit-identical to the CPU's
// (integer Philox, comparisons), so MC values and step counts are exact; SCOPE and REACH use CUDA's
// log1p/exp and FMA contraction: within 1e-13 relative of the CPU (bit-identical when emulated).
#include <cstdint>
#include <vector>

#include "cuda_launch.cuh"
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

}  // namespace

std::int64_t simulate_chunk(const double* cdf, const double* masked_cdf, const double* hazard,
                            const std::uint8_t* kind, const std::int64_t* start, index_t chains, index_t states,
                            index_t queries, index_t horizon, std::uint64_t seed, index_t first, index_t count,
                            double* values, std::uintptr_t stream) {
  const cudaStream_t s = as_stream(stream);
  const size_t table = static_cast<size_t>(chains * states * states), per_state = static_cast<size_t>(chains * states);
  const size_t items_count = static_cast<size_t>(queries * count);
  const auto d_cdf = to_device(cdf, table, s);
  const auto d_masked = to_device(masked_cdf, table, s);
  const auto d_hazard = to_device(hazard, per_state, s);
  const auto d_kind = to_device(kind, per_state, s);
  const auto d_start = to_device(start, static_cast<size_t>(queries), s);
  const unsigned long long zero = 0;
  const auto d_steps = to_device(&zero, 1, s);
  DeviceBuffer<double> d_values(3 * items_count, s);
  launch("simulate", simulate_kernel, items(static_cast<index_t>(items_count), "simulate"), s, d_cdf.get(),
         d_masked.get(), d_hazard.get(), d_kind.get(), d_start.get(), chains, states, queries, horizon, seed, first,
         count, d_values.get(), d_steps.get());
  unsigned long long steps = 0;
  to_host(values, d_values, 3 * items_count, s);
  to_host(&steps, d_steps, 1, s);
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize after simulate");
  return static_cast<std::int64_t>(steps);
}

}  // namespace riskcore::cuda
