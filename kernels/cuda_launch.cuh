// The one way riskcore launches a kernel (the .cu files contain no <<<>>> of their own).
//
//   Geometry g = items(n, "name")            one thread per item: ceil(n / kBlock) blocks of kBlock;
//   Geometry g = items(n, "name", block)     n = 0 gives an empty grid; n beyond the grid limit throws
//                                            std::length_error naming the kernel.
//   Geometry g = per_block(count, block, "name", shared_bytes)
//                                            one block of `block` threads per item (count blocks).
//   launch("name", kernel, g, stream, args...)
//                                            kernel<<<g.grid, g.block, g.shared, stream>>>(args...):
//                                            skipped for an empty grid; a failed launch throws
//                                            std::runtime_error("CUDA kernel name failed ...: reason");
//                                            with RISKCORE_CUDA_SYNC_CHECK (Debug builds) it also
//                                            synchronises the stream, so a fault inside the kernel is
//                                            reported by this launch and not by a later call.
//   T* p = dynamic_shared<T>()               the launch's dynamic shared memory (g.shared bytes), in a
//                                            kernel body.
//   by_itemsize(itemsize, [&](auto tag) { typed<decltype(tag)>(..); })
//                                            the launchers' float / double dispatch.
//
// Under RISKCORE_CUDA=EMULATE the same calls run the kernel on the host (kernels/cuda_emulation.hpp).
// Converting an existing launcher: `k<<<grid_for(n), kBlock, 0, s>>>(a, b)` becomes
// `launch("k", k<T>, items(n, "k"), s, a, b)`.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <stdexcept>
#include <string>

#include "config.hpp"
#include "cuda_check.cuh"

namespace riskcore::cuda {

struct Geometry {
  dim3 grid{0, 1, 1};
  dim3 block{kBlock, 1, 1};
  std::size_t shared = 0;
};

constexpr index_t kMaxGridX = 2147483647;

inline Geometry items(index_t n, const char* kernel, unsigned block = kBlock) {
  if (n < 0) throw std::invalid_argument(std::string("kernel ") + kernel + ": negative item count");
  const index_t blocks = (n + block - 1) / block;
  if (blocks > kMaxGridX)
    throw std::length_error(std::string("kernel ") + kernel + ": " + std::to_string(n) +
                            " items exceed one launch's grid (" + std::to_string(kMaxGridX) + " blocks of " +
                            std::to_string(block) + "); split the input");
  return Geometry{dim3(static_cast<unsigned>(blocks), 1, 1), dim3(block, 1, 1), 0};
}

inline Geometry per_block(index_t count, unsigned block, const char* kernel, std::size_t shared = 0) {
  if (count < 0) throw std::invalid_argument(std::string("kernel ") + kernel + ": negative block count");
  if (count > kMaxGridX)
    throw std::length_error(std::string("kernel ") + kernel + ": " + std::to_string(count) +
                            " blocks exceed one launch's grid; split the input");
  return Geometry{dim3(static_cast<unsigned>(count), 1, 1), dim3(block, 1, 1), shared};
}

inline std::string describe(const char* kernel, const Geometry& g) {
  return std::string("CUDA kernel ") + kernel + " (grid " + std::to_string(g.grid.x) + "x" +
         std::to_string(g.grid.y) + "x" + std::to_string(g.grid.z) + ", block " + std::to_string(g.block.x) + "x" +
         std::to_string(g.block.y) + "x" + std::to_string(g.block.z) + ", " + std::to_string(g.shared) +
         " B shared)";
}

template <class... Params, class... Args>
void launch(const char* name, void (*kernel)(Params...), const Geometry& g, cudaStream_t stream, Args&&... args) {
  static_assert(sizeof...(Params) == sizeof...(Args), "launch: wrong number of kernel arguments");
  if (1ull * g.grid.x * g.grid.y * g.grid.z == 0) return;
#if defined(RISKCORE_CUDA_EMULATED)
  emulation::launch(g.grid, g.block, g.shared, [&] { kernel(static_cast<Params>(args)...); });
#else
  kernel<<<g.grid, g.block, g.shared, stream>>>(static_cast<Params>(args)...);
#endif
  const cudaError_t launched = cudaGetLastError();
  if (launched != cudaSuccess)
    throw std::runtime_error(describe(name, g) + " failed to launch: " + cudaGetErrorString(launched));
#if defined(RISKCORE_CUDA_SYNC_CHECK)
  const cudaError_t ran = cudaStreamSynchronize(stream);
  if (ran != cudaSuccess) throw std::runtime_error(describe(name, g) + " failed: " + cudaGetErrorString(ran));
#else
  (void)stream;
#endif
}

// Calls f(double{}) for 8-byte elements and f(float{}) for 4-byte ones (the element type as a tag);
// any other size throws std::invalid_argument (the bindings pass only these two).
template <class F>
void by_itemsize(int itemsize, F&& f) {
  if (itemsize == 8)
    f(double{});
  else if (itemsize == 4)
    f(float{});
  else
    throw std::invalid_argument("CUDA kernels take 4- or 8-byte floats, not " + std::to_string(itemsize) + "-byte");
}

#if defined(RISKCORE_CUDA_EMULATED)
template <class T>
T* dynamic_shared() {
  return reinterpret_cast<T*>(emulation::state().dynamic_shared.data());
}
#else
template <class T>
__device__ inline T* dynamic_shared() {
  extern __shared__ __align__(16) unsigned char riskcore_dynamic_shared[];
  return reinterpret_cast<T*>(riskcore_dynamic_shared);
}
#endif

}  // namespace riskcore::cuda
