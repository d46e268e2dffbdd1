// CUDA launcher of the Markov-chain outcome-risk simulator: the tables are uploaded once per call, one
// thread per trajectory runs simulate_trajectory (kernels/mc.hpp), each block sums its trajectories' values
// and squares (block sums, no atomics), a second launch sums the blocks of each query in a fixed order, and
// only the per-query totals come back. The uniforms and the paths are bit-identical to the CPU's (integer
// Philox, comparisons), so the MC sums (integers) and step counts are exact; SCOPE and REACH values use
// CUDA's log1p/expm1 and FMA contraction (bit-identical when emulated), and their sums run in another
// order than the CPU's two-pass moments: within 1e-13 relative for the means.
#include <cstdint>
#include <vector>

#include "cuda_block.cuh"
#include "cuda_launch.cuh"
#include "cuda_launchers.hpp"
#include "mc.hpp"

namespace riskcore::cuda {
namespace {

// The device tables of one call: uploaded once, read by every block.
struct DeviceChains {
  DeviceBuffer<double> cdf, masked_cdf, hazard;
  DeviceBuffer<std::uint8_t> kind;
  DeviceBuffer<std::int64_t> start;
};

constexpr unsigned kSimulateBlock = 256;
constexpr index_t kSimulateBlocks = 8192;  // blocks per launch when there are enough trajectories
constexpr int kMoments = 6;                // sum and sum of squares of the MC, SCOPE and REACH values

// Block b of query q simulates trajectories first + i, i = b * blockDim + thread (+ a multiple of the query's
// blocks * blockDim), and writes its sums (block sums, no atomics) to partial[(q, b)].
__global__ void simulate_partials_kernel(const double* cdf, const double* masked_cdf, const double* hazard,
                                         const std::uint8_t* kind, const std::int64_t* start, index_t chains,
                                         index_t states, index_t horizon, std::uint64_t seed, index_t first,
                                         index_t count, index_t blocks_per_query, double* partial,
                                         unsigned long long* partial_steps) {
  const index_t q = blockIdx.x / blocks_per_query, b = blockIdx.x % blocks_per_query, c = chains == 1 ? 0 : q;
  const ChainTables chain{cdf + c * states * states, masked_cdf + c * states * states, hazard + c * states,
                          kind + c * states, states};
  double sums[kMoments] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  unsigned long long steps[1] = {0};
  for (index_t i = b * blockDim.x + threadIdx.x; i < count; i += blocks_per_query * blockDim.x) {
    const TrajectoryValues v = simulate_trajectory(chain, start[q], horizon, seed, q, first + i);
    const double values[3] = {v.mc, v.scope, v.reach};
    for (int k = 0; k < 3; ++k) {
      sums[2 * k] += values[k];
      sums[2 * k + 1] += values[k] * values[k];
    }
    steps[0] += static_cast<unsigned long long>(v.steps);
  }
  double* red = dynamic_shared<double>();
  block_sum(sums, red);
  block_sum(steps, reinterpret_cast<unsigned long long*>(red + kMoments * kReduceScratch));
  if (threadIdx.x == 0) {
    for (int k = 0; k < kMoments; ++k) partial[blockIdx.x * kMoments + k] = sums[k];
    partial_steps[blockIdx.x] = steps[0];
  }
}

// One block per query sums its blocks' partials in a fixed order.
__global__ void query_totals_kernel(const double* partial, const unsigned long long* partial_steps,
                                    index_t blocks_per_query, double* totals, unsigned long long* steps) {
  const index_t q = blockIdx.x;
  double sums[kMoments] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  unsigned long long taken[1] = {0};
  for (index_t b = threadIdx.x; b < blocks_per_query; b += blockDim.x) {
    for (int k = 0; k < kMoments; ++k) sums[k] += partial[(q * blocks_per_query + b) * kMoments + k];
    taken[0] += partial_steps[q * blocks_per_query + b];
  }
  double* red = dynamic_shared<double>();
  block_sum(sums, red);
  block_sum(taken, reinterpret_cast<unsigned long long*>(red + kMoments * kReduceScratch));
  if (threadIdx.x == 0) {
    for (int k = 0; k < kMoments; ++k) totals[q * kMoments + k] = sums[k];
    steps[q] = taken[0];
  }
}

}  // namespace


void simulate_moments(const double* cdf, const double* masked_cdf, const double* hazard, const std::uint8_t* kind,
                      const std::int64_t* start, index_t chains, index_t states, index_t queries, index_t horizon,
                      std::uint64_t seed, index_t first, index_t count, double* moments, std::int64_t* steps,
                      std::uintptr_t stream) {
  if (queries == 0) return;
  const cudaStream_t s = as_stream(stream);
  const size_t table = static_cast<size_t>(chains * states * states), per_state = static_cast<size_t>(chains * states);
  const DeviceChains d{to_device(cdf, table, s), to_device(masked_cdf, table, s), to_device(hazard, per_state, s),
                       to_device(kind, per_state, s), to_device(start, static_cast<size_t>(queries), s)};
  const index_t wanted = (count + kSimulateBlock - 1) / kSimulateBlock, share = kSimulateBlocks / queries;
  const index_t blocks_per_query = wanted < share ? (wanted > 0 ? wanted : 1) : (share > 0 ? share : 1);
  const index_t blocks = queries * blocks_per_query;
  const size_t shared = (kMoments + 1) * kReduceScratch * sizeof(double);
  DeviceBuffer<double> partial(static_cast<size_t>(blocks) * kMoments, s), totals(static_cast<size_t>(queries) * kMoments, s);
  DeviceBuffer<unsigned long long> partial_steps(static_cast<size_t>(blocks), s), query_steps(static_cast<size_t>(queries), s);
  launch("simulate", simulate_partials_kernel, per_block(blocks, kSimulateBlock, "simulate", shared), s, d.cdf.get(),
         d.masked_cdf.get(), d.hazard.get(), d.kind.get(), d.start.get(), chains, states, horizon, seed, first, count,
         blocks_per_query, partial.get(), partial_steps.get());
  launch("simulate_totals", query_totals_kernel, per_block(queries, kSimulateBlock, "simulate_totals", shared), s,
         partial.get(), partial_steps.get(), blocks_per_query, totals.get(), query_steps.get());
  to_host(moments, totals, static_cast<size_t>(queries) * kMoments, s);
  std::vector<unsigned long long> taken(static_cast<size_t>(queries));
  to_host(taken.data(), query_steps, taken.size(), s);
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize after simulate");
  for (index_t q = 0; q < queries; ++q) steps[q] = static_cast<std::int64_t>(taken[static_cast<size_t>(q)]);
}

}  // namespace riskcore::cuda
