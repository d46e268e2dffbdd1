// CUDA launcher for the univariate ensemble scores (Dawid-Sebastiani, error-spread, Gaussian kernel,
// kernel-density log score): one thread per forecast on the CPU's row function (kernels/ensemble_scores.hpp),
// members contiguous, the log score's bandwidth scratch (m doubles per forecast, Silverman's IQR) in
// global memory. The same terms in the same order as the CPU; CUDA's own exp/log and FMA contraction
// put the results within a few ulp of it (tests/test_ensemble_scores.py: 1e-12 relative).
#include "cuda_check.cuh"
#include "cuda_launch.cuh"
#include "cuda_launchers.hpp"
#include "ensemble_scores.hpp"

namespace riskcore::cuda {
namespace {

template <class T>
__global__ void ensemble_score_kernel(EnsembleScore kind, const T* obs, const T* fct, const T* param, T* out,
                                      index_t n, index_t m, double* key) {
  const index_t r = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= n) return;
  const double p = param ? static_cast<double>(param[r]) : 0.0;
  out[r] = static_cast<T>(ensemble_score_row<T>(kind, fct + r * m, m, 1, obs[r], p, key ? key + r * m : nullptr));
}

template <class T>
void ensemble_score_typed(EnsembleScore kind, const void* obs, const void* fct, const void* param, void* out,
                          index_t n, index_t m, cudaStream_t s) {
  if (n == 0) return;
  const bool scratch = kind == EnsembleScore::logs;
  DeviceBuffer<double> key(scratch ? static_cast<std::size_t>(n) * static_cast<std::size_t>(m) : 0, s);
  launch("ensemble_score", ensemble_score_kernel<T>, items(n, "ensemble_score"), s, kind,
         static_cast<const T*>(obs), static_cast<const T*>(fct), static_cast<const T*>(param), static_cast<T*>(out),
         n, m, scratch ? key.get() : nullptr);
}

}  // namespace

void ensemble_score(int kind, int itemsize, const void* obs, const void* fct, const void* param, void* out,
                    index_t n, index_t m, std::uintptr_t stream) {
  const auto k = static_cast<EnsembleScore>(kind);
  by_itemsize(itemsize,
              [&](auto tag) { ensemble_score_typed<decltype(tag)>(k, obs, fct, param, out, n, m, as_stream(stream)); });
}

}  // namespace riskcore::cuda
