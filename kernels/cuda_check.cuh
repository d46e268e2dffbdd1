// Shared by the CUDA launchers: error checks and RAII device buffers.
//
//   check(status, "what")            throws std::runtime_error("CUDA error in what: <reason>")
//   DeviceBuffer<T> b(count, stream) count elements of device memory, freed (stream-ordered) when b goes
//                                    out of scope; movable, not copyable. b.get(), b.size().
//                                    Allocated through the allocator installed by set_allocator (the Python
//                                    layer installs CuPy's memory pool), else cudaMallocAsync.
//   to_device(host, count, stream)   a DeviceBuffer holding a copy of host[0, count).
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "config.hpp"

namespace riskcore::cuda {

constexpr int kBlock = 256;

inline void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(status));
}

// Device allocation hooks: `allocate` returns a device pointer or nullptr (out of memory); `release`
// returns it. Null hooks mean cudaMallocAsync / cudaFreeAsync on the launch stream.
struct Allocator {
  void* (*allocate)(std::size_t bytes, cudaStream_t stream) = nullptr;
  void (*release)(void* ptr, cudaStream_t stream) = nullptr;
};

inline Allocator& allocator() {
  static Allocator a;
  return a;
}

inline void set_allocator(Allocator a) { allocator() = a; }

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(std::size_t count, cudaStream_t stream) : size_(count), stream_(stream) {
    const std::size_t bytes = (count > 0 ? count : 1) * sizeof(T);
    void* p = nullptr;
    if (allocator().allocate) {
      p = allocator().allocate(bytes, stream);
      if (!p) throw std::bad_alloc();
    } else {
      check(cudaMallocAsync(&p, bytes, stream), "cudaMallocAsync");
    }
    ptr_ = static_cast<T*>(p);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept { swap(o); }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    DeviceBuffer(std::move(o)).swap(*this);
    return *this;
  }
  ~DeviceBuffer() {
    if (!ptr_) return;
    if (allocator().release)
      allocator().release(ptr_, stream_);
    else
      cudaFreeAsync(ptr_, stream_);
  }
  T* get() const { return ptr_; }
  std::size_t size() const { return size_; }

 private:
  void swap(DeviceBuffer& o) noexcept {
    std::swap(ptr_, o.ptr_);
    std::swap(size_, o.size_);
    std::swap(stream_, o.stream_);
  }
  T* ptr_ = nullptr;
  std::size_t size_ = 0;
  cudaStream_t stream_ = nullptr;
};

static_assert(!std::is_copy_constructible_v<DeviceBuffer<double>>, "a copy would free the memory twice");

template <class T>
DeviceBuffer<T> to_device(const T* host, std::size_t count, cudaStream_t stream) {
  DeviceBuffer<T> b(count, stream);
  if (count > 0) check(cudaMemcpyAsync(b.get(), host, sizeof(T) * count, cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync");
  return b;
}

template <class T>
void to_host(T* host, const DeviceBuffer<T>& b, std::size_t count, cudaStream_t stream) {
  if (count > 0) check(cudaMemcpyAsync(host, b.get(), sizeof(T) * count, cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync");
}

inline cudaStream_t as_stream(std::uintptr_t s) { return reinterpret_cast<cudaStream_t>(s); }

}  // namespace riskcore::cuda
