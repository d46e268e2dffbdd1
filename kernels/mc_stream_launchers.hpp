// Host declarations of the CUDA launchers of kernels/mc_stream.cu (device pointers as in
// cuda_launchers.hpp; `stream` is a cudaStream_t as an integer). Errors throw std::runtime_error.
#pragma once
#include <cstdint>

#include "config.hpp"
#include "mc_stream.hpp"

namespace riskcore::cuda {

// risk_block of every (query, outcome, block) item into `blocks` (host, Q * K * ceil(N / kRiskBlock)
// items, item = (q * K + k) * blocks_per_pair + b); the caller merges them in order. itemsize 4 or 8.
void risk_blocks(int itemsize, const void* h, const index_t* h_strides, const std::int64_t* lengths,
                 const index_t* l_strides, const std::uint8_t* mask, const index_t* m_strides,
                 const std::int64_t* hit, const index_t* i_strides, index_t Q, index_t N, index_t T, index_t K,
                 int kind, RiskBlock* blocks, std::uintptr_t stream);

// sequence_step of every row; all pointers are device pointers (row states updated in place).
void sequence_step(int itemsize, const void* probs, index_t row_stride, index_t col_stride, const StepTables& tables,
                   index_t B, index_t t, const std::int64_t* context, const std::int64_t* trajectory,
                   const std::int8_t* role, std::uint8_t* alive, double* mc, double* scope, double* reach,
                   double* elapsed, std::int64_t* tokens, std::int64_t* fork, std::uint8_t* done, std::int64_t* bad,
                   std::uintptr_t stream);

}  // namespace riskcore::cuda
