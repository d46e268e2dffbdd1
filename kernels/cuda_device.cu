// The CUDA backend's status: is there a GPU this build can run on?
#include <string>

#include "cuda_check.cuh"
#include "cuda_launchers.hpp"

namespace riskcore::cuda {

int device_count(std::string& why) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status == cudaErrorNoDevice || status == cudaErrorInsufficientDriver || (status == cudaSuccess && count == 0)) {
    why = "no NVIDIA driver / no GPU found";
    return 0;
  }
  if (status != cudaSuccess) {
    why = std::string("the CUDA runtime cannot start: ") + cudaGetErrorString(status);
    return 0;
  }
  // The build holds sm_80 and sm_90 machine code and compute_90 PTX: compute capability 8.x runs the
  // sm_80 code, 9.0 the sm_90 code, newer GPUs JIT the PTX; older GPUs have no kernel image.
  int device = 0, major = 0, minor = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  check(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device), "cudaDeviceGetAttribute");
  check(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device), "cudaDeviceGetAttribute");
  if (major < kMinComputeMajor) {
    why = "GPU " + std::to_string(device) + " has compute capability " + std::to_string(major) + "." +
          std::to_string(minor) + "; riskcore's CUDA build supports " + std::to_string(kMinComputeMajor) +
          ".0 and newer (sm_80, sm_90, compute_90 PTX)";
    return 0;
  }
  why = "compute capability " + std::to_string(major) + "." + std::to_string(minor);
  return count;
}

}  // namespace riskcore::cuda
