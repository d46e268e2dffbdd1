// CUDA launchers of the one-pass MC / SCOPE / REACH folds and of the sequence-model driver step: the
// bodies are risk_block and sequence_step from kernels/mc_stream.hpp, so the values equal the CPU ones
// (up to the fused multiply-adds nvcc contracts and, for the array estimators, the order in which a
// block's threads' moments are merged: within 1e-13 relative).
#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "cuda_launch.cuh"
#include "mc_stream_launchers.hpp"

namespace riskcore::cuda {
namespace {

// One block of kRiskThreads threads per (query, outcome, kRiskBlock trajectories) item: thread t runs
// risk_block on trajectories [8t, 8t + 8) of the item (two groups of kRiskGroup), and thread 0 merges the
// threads' moments and checks in thread order (merge_block), so the item's result is the CPU's up to
// the association of the merges (within 1e-13 relative).
constexpr unsigned kRiskThreads = 256;
constexpr index_t kRiskPerThread = kRiskBlock / kRiskThreads;

template <class Real>
__global__ void __launch_bounds__(kRiskThreads, 2)
    risk_block_kernel(RiskArrays<Real> a, int kind, index_t blocks_per_pair, RiskBlock* out) {
  const index_t item = blockIdx.x, pair = item / blocks_per_pair, b = item % blocks_per_pair;
  const index_t end = (b + 1) * kRiskBlock < a.N ? (b + 1) * kRiskBlock : a.N;
  const index_t lo = b * kRiskBlock + static_cast<index_t>(threadIdx.x) * kRiskPerThread;
  const index_t n0 = lo < end ? lo : end, n1 = lo + kRiskPerThread < end ? lo + kRiskPerThread : end;
  RiskBlock* parts = dynamic_shared<RiskBlock>();
  parts[threadIdx.x] = risk_block(a, kind, pair / a.K, pair % a.K, n0, n1);
  __syncthreads();
  if (threadIdx.x == 0) {
    RiskBlock all{{0, 0, 0}, {0, 0, 0}, 0, 0, 0, 0};
    for (unsigned t = 0; t < blockDim.x; ++t) merge_block(all, parts[t]);
    out[item] = all;
  }
}

template <class Real>
__global__ void sequence_step_kernel(const Real* probs, index_t row_stride, index_t col_stride, StepTables tb,
                                     index_t B, index_t t, const std::int64_t* context,
                                     const std::int64_t* trajectory, const std::int8_t* role, std::uint8_t* alive,
                                     double* mc, double* scope, double* reach, double* elapsed, double* scratch,
                                     std::int64_t* tokens, std::int64_t* fork, std::uint8_t* done,
                                     std::int64_t* bad) {
  const index_t b = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (b >= B) return;
  const index_t K = tb.K, H = tb.H;
  const RowState st{alive + b * K, mc + b * K * H, scope + b * K * H, reach + b * K * H, elapsed + b};
  tokens[b] = sequence_step(probs + b * row_stride, col_stride, tb, t, context[b], trajectory[b], role[b], st,
                            scratch + b * step_scratch(tb.V, K, tb.logits), fork + b * K, done[b], bad[b]);
}

template <class Real>
void launch_risk(const void* h, const index_t* hs, const std::int64_t* len, const index_t* ls,
                 const std::uint8_t* mask, const index_t* ms, const std::int64_t* hit, const index_t* is, index_t Q,
                 index_t N, index_t T, index_t K, int kind, RiskBlock* blocks, cudaStream_t s) {
  RiskArrays<Real> a{static_cast<const Real*>(h), hs[0], hs[1], hs[2], hs[3], len, ls[0], ls[1], ls[2],
                     mask, mask ? ms[0] : 0, mask ? ms[1] : 0, mask ? ms[2] : 0,
                     hit, hit ? is[0] : 0, hit ? is[1] : 0, hit ? is[2] : 0, Q, N, T, K};
  const index_t per_pair = (N + kRiskBlock - 1) / kRiskBlock, n_items = Q * K * per_pair;
  DeviceBuffer<RiskBlock> d_out(static_cast<size_t>(n_items), s);
  launch("risk_block", risk_block_kernel<Real>,
         per_block(n_items, kRiskThreads, "risk_block", kRiskThreads * sizeof(RiskBlock)), s, a, kind, per_pair,
         d_out.get());
  check(cudaMemcpyAsync(blocks, d_out.get(), sizeof(RiskBlock) * static_cast<size_t>(n_items), cudaMemcpyDeviceToHost,
                        s),
        "cudaMemcpyAsync");
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
}

}  // namespace

void risk_blocks(int itemsize, const void* h, const index_t* h_strides, const std::int64_t* lengths,
                 const index_t* l_strides, const std::uint8_t* mask, const index_t* m_strides,
                 const std::int64_t* hit, const index_t* i_strides, index_t Q, index_t N, index_t T, index_t K,
                 int kind, RiskBlock* blocks, std::uintptr_t stream) {
  const auto s = reinterpret_cast<cudaStream_t>(stream);
  by_itemsize(itemsize, [&](auto tag) {
    launch_risk<decltype(tag)>(h, h_strides, lengths, l_strides, mask, m_strides, hit, i_strides, Q, N, T, K, kind,
                               blocks, s);
  });
}

void sequence_step(int itemsize, const void* probs, index_t row_stride, index_t col_stride, const StepTables& tables,
                   index_t B, index_t t, const std::int64_t* context, const std::int64_t* trajectory,
                   const std::int8_t* role, std::uint8_t* alive, double* mc, double* scope, double* reach,
                   double* elapsed, std::int64_t* tokens, std::int64_t* fork, std::uint8_t* done, std::int64_t* bad,
                   std::uintptr_t stream) {
  const auto s = reinterpret_cast<cudaStream_t>(stream);
  DeviceBuffer<double> scratch(static_cast<size_t>(B * step_scratch(tables.V, tables.K, tables.logits)), s);
  const Geometry g = items(B, "sequence_step");
  by_itemsize(itemsize, [&](auto tag) {
    using T = decltype(tag);
    launch("sequence_step", sequence_step_kernel<T>, g, s, static_cast<const T*>(probs), row_stride, col_stride,
           tables, B, t, context, trajectory, role, alive, mc, scope, reach, elapsed, scratch.get(), tokens, fork,
           done, bad);
  });
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize");
}

}  // namespace riskcore::cuda
