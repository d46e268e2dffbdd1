// Shared configuration for the header-only kernels: one source for host (C++) and device (CUDA).
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define RISKCORE_HD __host__ __device__
#else
#define RISKCORE_HD
#endif

// A large helper that many kernels call (each partial of a gradient): one copy in device code instead of
// one inlined into every kernel and element type (which multiplied ptxas' time on crps.cu); inlined as
// usual on the host.
#if defined(__CUDA_ARCH__)
#define RISKCORE_DEVICE_NOINLINE __noinline__
#else
#define RISKCORE_DEVICE_NOINLINE
#endif

namespace riskcore {
// All element counts and offsets are 64-bit: inputs with more than 2^31 elements are valid.
using index_t = std::int64_t;
}  // namespace riskcore
