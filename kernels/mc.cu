// CUDA launcher of the Markov-chain outcome-risk simulator: the tables are uploaded once per call, one
// thread per trajectory runs simulate_trajectory (kernels/mc.hpp), each block sums its trajectories' values
// and squares (block sums, no atomics), a second launch sums the blocks of each query in a fixed order, and
// only the per-query totals come back (a second pass over the same trajectories, for the efficiency
// intervals, sums the centred paired powers of the MC and SCOPE / REACH values). The uniforms and the
// paths are bit-identical to the CPU's (integer Philox, comparisons), so the MC sums (integers) and step
// counts are exact; SCOPE and REACH values use
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
// The paired sums of the efficiency intervals, about the per-query means (a, b_scope, b_reach) of a first
// pass: the MC value M is 0 or 1, so the power sums of (M - a)^i (X - b)^j need only, per group M = 0, 1,
// the count and sum_{j = 1..4} (X - b)^j: [count_0, count_1, then for X = SCOPE, REACH: group 0 j = 1..4,
// group 1 j = 1..4].
constexpr int kPairSums = 18;

// One trajectory's contribution: the plain sums and squares, or the centred paired powers (selects with
// constant indices, so the sums stay in registers).
template <int K>
__device__ inline void accumulate(const TrajectoryValues& v, const double* centre, double (&sums)[K]) {
  const double values[3] = {v.mc, v.scope, v.reach};
  if constexpr (K == kMoments) {
    for (int k = 0; k < 3; ++k) {
      sums[2 * k] += values[k];
      sums[2 * k + 1] += values[k] * values[k];
    }
  } else {
    const double hit = v.mc > 0.5 ? 1.0 : 0.0, miss = 1.0 - hit;
    sums[0] += miss;
    sums[1] += hit;
    for (int x = 0; x < 2; ++x) {
      const double d = values[1 + x] - centre[1 + x];
      double power = d;
      for (int j = 0; j < 4; ++j, power *= d) {
        sums[2 + 8 * x + j] += miss * power;
        sums[6 + 8 * x + j] += hit * power;
      }
    }
  }
}

// Block b of query q simulates trajectories first + i, i = b * blockDim + thread (+ a multiple of the query's
// blocks * blockDim), and writes its K sums (block sums, no atomics) to partial[(q, b)]; centre: the
// query's first-pass means (3 per query) for the paired sums, else unused.
template <int K>
__global__ void simulate_partials_kernel(const double* cdf, const double* masked_cdf, const double* hazard,
                                         const std::uint8_t* kind, const std::int64_t* start, index_t chains,
                                         index_t states, index_t horizon, std::uint64_t seed, index_t first,
                                         index_t count, index_t blocks_per_query, const double* centre,
                                         double* partial, unsigned long long* partial_steps) {
  const index_t q = blockIdx.x / blocks_per_query, b = blockIdx.x % blocks_per_query, c = chains == 1 ? 0 : q;
  const ChainTables chain{cdf + c * states * states, masked_cdf + c * states * states, hazard + c * states,
                          kind + c * states, states};
  double sums[K] = {};
  unsigned long long steps[1] = {0};
  for (index_t i = b * blockDim.x + threadIdx.x; i < count; i += blocks_per_query * blockDim.x) {
    const TrajectoryValues v = simulate_trajectory(chain, start[q], horizon, seed, q, first + i);
    accumulate(v, centre ? centre + 3 * q : nullptr, sums);
    steps[0] += static_cast<unsigned long long>(v.steps);
  }
  double* red = dynamic_shared<double>();
  block_sum(sums, red);
  block_sum(steps, reinterpret_cast<unsigned long long*>(red + K * kReduceScratch));
  if (threadIdx.x == 0) {
    for (int k = 0; k < K; ++k) partial[blockIdx.x * K + k] = sums[k];
    partial_steps[blockIdx.x] = steps[0];
  }
}

// One block per query sums its blocks' partials in a fixed order.
template <int K>
__global__ void query_totals_kernel(const double* partial, const unsigned long long* partial_steps,
                                    index_t blocks_per_query, double* totals, unsigned long long* steps) {
  const index_t q = blockIdx.x;
  double sums[K] = {};
  unsigned long long taken[1] = {0};
  for (index_t b = threadIdx.x; b < blocks_per_query; b += blockDim.x) {
    for (int k = 0; k < K; ++k) sums[k] += partial[(q * blocks_per_query + b) * K + k];
    taken[0] += partial_steps[q * blocks_per_query + b];
  }
  double* red = dynamic_shared<double>();
  block_sum(sums, red);
  block_sum(taken, reinterpret_cast<unsigned long long*>(red + K * kReduceScratch));
  if (threadIdx.x == 0) {
    for (int k = 0; k < K; ++k) totals[q * K + k] = sums[k];
    steps[q] = taken[0];
  }
}

// Both launches for K sums per query; totals (queries, K) and steps (queries) to the host.
template <int K>
void simulate_sums(const double* cdf, const double* masked_cdf, const double* hazard, const std::uint8_t* kind,
                   const std::int64_t* start, index_t chains, index_t states, index_t queries, index_t horizon,
                   std::uint64_t seed, index_t first, index_t count, const double* centre, double* totals_out,
                   std::int64_t* steps, cudaStream_t s) {
  const size_t table = static_cast<size_t>(chains * states * states), per_state = static_cast<size_t>(chains * states);
  const DeviceChains d{to_device(cdf, table, s), to_device(masked_cdf, table, s), to_device(hazard, per_state, s),
                       to_device(kind, per_state, s), to_device(start, static_cast<size_t>(queries), s)};
  const DeviceBuffer<double> d_centre =
      centre ? to_device(centre, static_cast<size_t>(queries) * 3, s) : DeviceBuffer<double>();
  const index_t wanted = (count + kSimulateBlock - 1) / kSimulateBlock, share = kSimulateBlocks / queries;
  const index_t blocks_per_query = wanted < share ? (wanted > 0 ? wanted : 1) : (share > 0 ? share : 1);
  const index_t blocks = queries * blocks_per_query;
  const size_t shared = (K + 1) * kReduceScratch * sizeof(double);
  DeviceBuffer<double> partial(static_cast<size_t>(blocks) * K, s), totals(static_cast<size_t>(queries) * K, s);
  DeviceBuffer<unsigned long long> partial_steps(static_cast<size_t>(blocks), s), query_steps(static_cast<size_t>(queries), s);
  launch("simulate", simulate_partials_kernel<K>, per_block(blocks, kSimulateBlock, "simulate", shared), s,
         d.cdf.get(), d.masked_cdf.get(), d.hazard.get(), d.kind.get(), d.start.get(), chains, states, horizon, seed,
         first, count, blocks_per_query, centre ? d_centre.get() : nullptr, partial.get(), partial_steps.get());
  launch("simulate_totals", query_totals_kernel<K>, per_block(queries, kSimulateBlock, "simulate_totals", shared), s,
         partial.get(), partial_steps.get(), blocks_per_query, totals.get(), query_steps.get());
  to_host(totals_out, totals, static_cast<size_t>(queries) * K, s);
  std::vector<unsigned long long> taken(static_cast<size_t>(queries));
  to_host(taken.data(), query_steps, taken.size(), s);
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize after simulate");
  for (index_t q = 0; q < queries; ++q) steps[q] = static_cast<std::int64_t>(taken[static_cast<size_t>(q)]);
}

}  // namespace

void simulate_moments(const double* cdf, const double* masked_cdf, const double* hazard, const std::uint8_t* kind,
                      const std::int64_t* start, index_t chains, index_t states, index_t queries, index_t horizon,
                      std::uint64_t seed, index_t first, index_t count, double* moments, std::int64_t* steps,
                      std::uintptr_t stream) {
  if (queries == 0) return;
  simulate_sums<kMoments>(cdf, masked_cdf, hazard, kind, start, chains, states, queries, horizon, seed, first, count,
                          nullptr, moments, steps, as_stream(stream));
}

void simulate_pair_sums(const double* cdf, const double* masked_cdf, const double* hazard, const std::uint8_t* kind,
                        const std::int64_t* start, index_t chains, index_t states, index_t queries, index_t horizon,
                        std::uint64_t seed, index_t first, index_t count, const double* centre, double* sums,
                        std::int64_t* steps, std::uintptr_t stream) {
  if (queries == 0) return;
  simulate_sums<kPairSums>(cdf, masked_cdf, hazard, kind, start, chains, states, queries, horizon, seed, first, count,
                           centre, sums, steps, as_stream(stream));
}

}  // namespace riskcore::cuda
