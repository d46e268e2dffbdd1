// CUDA launcher of the importance-sampling log-sums: one thread per (query, chunk); the chunk sums
// come back to the host and are combined there in the CPU's order. CUDA's exp differs from the host's
// by an ulp at most: the sums agree with the CPU within 1e-13 relative (bit-identical when emulated).
#include <vector>

#include "cuda_launch.cuh"
#include "cuda_launchers.hpp"
#include "tail.hpp"

namespace riskcore::cuda {
namespace {

__global__ void log_sums_kernel(const double* lw, const std::uint8_t* event, index_t queries, index_t n,
                                index_t chunks, LogSums* parts) {
  const index_t p = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (p >= queries * chunks) return;
  const index_t q = p / chunks, begin = (p % chunks) * kTailChunk;
  const index_t end = begin + kTailChunk < n ? begin + kTailChunk : n;
  parts[p] = chunk_log_sums(lw + q * n, event + q * n, begin, end);
}

}  // namespace

void log_sums(const double* log_weights, const std::uint8_t* event, index_t queries, index_t n, double* out,
              std::uintptr_t stream) {
  const cudaStream_t s = as_stream(stream);
  const index_t chunks = (n + kTailChunk - 1) / kTailChunk, count = queries * chunks;
  DeviceBuffer<LogSums> d_parts(static_cast<size_t>(count), s);
  launch("log_sums", log_sums_kernel, items(count, "log_sums"), s, log_weights, event, queries, n, chunks,
         d_parts.get());
  std::vector<LogSums> parts(static_cast<size_t>(count));
  to_host(parts.data(), d_parts, parts.size(), s);
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize after log_sums");
  for (index_t q = 0; q < queries; ++q) {
    LogSums total = empty_log_sums();
    for (index_t c = 0; c < chunks; ++c) total = combine_log_sums(total, parts[static_cast<size_t>(q * chunks + c)]);
    const double values[5] = {total.max, total.s0, total.s1, total.s2, total.s2e};
    for (int k = 0; k < 5; ++k) out[q * 5 + k] = values[k];
  }
}

}  // namespace riskcore::cuda
