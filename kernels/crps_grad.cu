// CUDA launchers of the closed forms' parameter gradients (RISKCORE_PARAMETRIC_GRAD, reached through
// crps_parametric) and of the normal mixture's, apart from crps.cu so that the large translation units
// compile in parallel; the incomplete-gamma and bounded families' launchers are two more files
// (crps_grad_launch.cuh).
#include "crps_grad_launch.cuh"
#include "cuda_launchers.hpp"

namespace riskcore::cuda {

void crps_parametric_grad(const std::string& name, int itemsize, const std::vector<const void*>& args,
                          const std::vector<index_t>& steps, void* out, index_t n, std::uintptr_t stream) {
  RISKCORE_PARAMETRIC_GRAD_CLOSED(RISKCORE_GRAD_LAUNCH)
  crps_parametric_grad_incomplete_gamma(name, itemsize, args, steps, out, n, stream);
}

namespace {

// One thread per mixture: crps_mixnorm_grad_row into the three (n, K) planes of out.
template <class T>
__global__ void mixnorm_grad_kernel(const T* obs, const T* mu, const T* sd, const T* w, T* out, index_t n,
                                    index_t k) {
  const index_t r = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= n) return;
  T* row = out + r * k;
  crps_mixnorm_grad_row<T>(obs[r], mu + r * k, sd + r * k, w + r * k, k, row, row + n * k, row + 2 * n * k);
}

}  // namespace

void crps_mixnorm_grad(int itemsize, const void* obs, const void* m, const void* s, const void* w, void* out,
                       index_t n, index_t k, std::uintptr_t stream) {
  by_itemsize(itemsize, [&](auto tag) {
    using T = decltype(tag);
    launch("crps_mixnorm_grad", mixnorm_grad_kernel<T>, items(n, "crps_mixnorm_grad"), as_stream(stream),
           static_cast<const T*>(obs), static_cast<const T*>(m), static_cast<const T*>(s), static_cast<const T*>(w),
           static_cast<T*>(out), n, k);
  });
}

}  // namespace riskcore::cuda
