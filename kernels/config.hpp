// Shared configuration for the header-only kernels: one source for host (C++) and device (CUDA).
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define RISKCORE_HD __host__ __device__
#else
#define RISKCORE_HD
#endif

namespace riskcore {
// All element counts and offsets are 64-bit: inputs with more than 2^31 elements are valid.
using index_t = std::int64_t;
}  // namespace riskcore
