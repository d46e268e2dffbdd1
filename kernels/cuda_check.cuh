// Shared by the CUDA launchers: error checking and the launch geometry.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "config.hpp"

namespace riskcore::cuda {

constexpr int kBlock = 256;

inline void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(status));
}

inline unsigned grid_for(index_t n) { return static_cast<unsigned>((n + kBlock - 1) / kBlock); }

}  // namespace riskcore::cuda
