// CUDA launchers for the CRPS kernels: one thread per forecast, the bodies are the shared headers.
#include <stdexcept>
#include <string>
#include <utility>

#include "crps_ensemble.hpp"
#include "crps_parametric.hpp"
#include "cuda_launch.cuh"
#include "cuda_launchers.hpp"
#include "multivariate_scores.hpp"

namespace riskcore::cuda {
namespace {


template <class T>
__global__ void ensemble_kernel(const T* obs, const T* fct, const T* weights, T* out, index_t n,
                                index_t m, EnsembleEstimator est, double alpha, bool omit_nan,
                                double* key, double* w) {
  const index_t r = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= n) return;
  out[r] = static_cast<T>(crps_ensemble_row<T>(fct + r * m, weights ? weights + r * m : nullptr, m,
                                               obs[r], est, alpha, omit_nan, key + r * m, w + r * m));
}

template <class T>
__global__ void grad_kernel(const T* obs, const T* fct, const T* weights, T* out, index_t n, index_t m,
                            EnsembleEstimator est, double alpha, bool omit_nan, double* key, double* w,
                            index_t* pos) {
  const index_t r = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= n) return;
  crps_ensemble_grad_row<T>(fct + r * m, weights ? weights + r * m : nullptr, m, obs[r], est, alpha,
                            omit_nan, key + r * m, w + r * m, pos + r * m, out + r * m);
}

template <class T>
__global__ void energy_kernel(const T* obs, const T* fct, T* out, index_t n, index_t m, index_t d,
                              bool fair) {
  const index_t r = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= n) return;
  const StridedVector<T> none{nullptr, 0};
  out[r] = static_cast<T>(kernel_score_row<T>(fair ? MvScore::es_fair : MvScore::es_nrg, StridedMatrix<T>{fct + r * m * d, d, 1},
                                              StridedVector<T>{obs + r * d, 1}, m, d, none, none, 1.0));
}

template <class T>
__global__ void mixnorm_kernel(const T* obs, const T* mu, const T* s, const T* w, T* out, index_t n,
                               index_t k) {
  const index_t r = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r < n) out[r] = static_cast<T>(crps_mixnorm_row<T>(obs[r], mu + r * k, s + r * k, w + r * k, k));
}

// Up to eight inputs (obs + 7 parameters); unused slots are ignored by functors of lower arity.
template <class T>
struct ElementwiseArgs {
  const T* ptr[8];
  index_t step[8];
};

template <class T, class F, size_t... I>
__device__ double apply_functor(const ElementwiseArgs<T>& a, index_t i, std::index_sequence<I...>) {
  return F{}(static_cast<double>(a.ptr[I][i * a.step[I]])...);
}

template <class T, class F>
__global__ void elementwise_kernel(ElementwiseArgs<T> args, T* out, index_t n) {
  const index_t i = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = static_cast<T>(apply_functor<T, F>(args, i, std::make_index_sequence<F::arity + 1>{}));
}

template <class T>
void ensemble_typed(const void* obs, const void* fct, const void* weights, void* out, index_t n,
                    index_t m, int estimator, double alpha, bool omit_nan, cudaStream_t s, bool grad) {
  if (n == 0) return;
  const size_t cells = static_cast<size_t>(n) * static_cast<size_t>(m);
  DeviceBuffer<double> key(cells, s), w(cells, s);
  const auto est = static_cast<EnsembleEstimator>(estimator);
  const auto* o = static_cast<const T*>(obs);
  const auto* f = static_cast<const T*>(fct);
  const auto* wt = static_cast<const T*>(weights);
  if (grad) {
    DeviceBuffer<index_t> pos(cells, s);
    launch("crps_ensemble_grad", grad_kernel<T>, items(n, "crps_ensemble_grad"), s, o, f, wt, static_cast<T*>(out),
           n, m, est, alpha, omit_nan, key.get(), w.get(), pos.get());
  } else {
    launch("crps_ensemble", ensemble_kernel<T>, items(n, "crps_ensemble"), s, o, f, wt, static_cast<T*>(out), n, m,
           est, alpha, omit_nan, key.get(), w.get());
  }
}

template <class T, class F>
void elementwise_typed(const std::vector<const void*>& args, const std::vector<index_t>& steps,
                       void* out, index_t n, cudaStream_t s) {
  ElementwiseArgs<T> packed{};
  for (size_t j = 0; j < args.size() && j < 8; ++j) {
    packed.ptr[j] = static_cast<const T*>(args[j]);
    packed.step[j] = steps[j];
  }
  launch("crps_parametric", elementwise_kernel<T, F>, items(n, "crps_parametric"), s, packed, static_cast<T*>(out), n);
}

}  // namespace

void crps_ensemble(int itemsize, const void* obs, const void* fct, const void* weights, void* out,
                   index_t n, index_t m, int estimator, double alpha, bool omit_nan, std::uintptr_t stream) {
  if (itemsize == 8)
    ensemble_typed<double>(obs, fct, weights, out, n, m, estimator, alpha, omit_nan, as_stream(stream), false);
  else
    ensemble_typed<float>(obs, fct, weights, out, n, m, estimator, alpha, omit_nan, as_stream(stream), false);
}

void crps_ensemble_grad(int itemsize, const void* obs, const void* fct, const void* weights, void* out,
                        index_t n, index_t m, int estimator, double alpha, bool omit_nan,
                        std::uintptr_t stream) {
  if (itemsize == 8)
    ensemble_typed<double>(obs, fct, weights, out, n, m, estimator, alpha, omit_nan, as_stream(stream), true);
  else
    ensemble_typed<float>(obs, fct, weights, out, n, m, estimator, alpha, omit_nan, as_stream(stream), true);
}

template <class T>
void energy_typed(const void* obs, const void* fct, void* out, index_t n, index_t m, index_t d, bool fair,
                  cudaStream_t s) {
  launch("energy_score", energy_kernel<T>, items(n, "energy_score"), s, static_cast<const T*>(obs),
         static_cast<const T*>(fct), static_cast<T*>(out), n, m, d, fair);
}

template <class T>
void mixnorm_typed(const void* obs, const void* mu, const void* sd, const void* w, void* out, index_t n, index_t k,
                   cudaStream_t s) {
  launch("crps_mixnorm", mixnorm_kernel<T>, items(n, "crps_mixnorm"), s, static_cast<const T*>(obs),
         static_cast<const T*>(mu), static_cast<const T*>(sd), static_cast<const T*>(w), static_cast<T*>(out), n, k);
}

void energy_score(int itemsize, const void* obs, const void* fct, void* out, index_t n, index_t m,
                  index_t d, bool fair, std::uintptr_t stream) {
  if (itemsize == 8)
    energy_typed<double>(obs, fct, out, n, m, d, fair, as_stream(stream));
  else
    energy_typed<float>(obs, fct, out, n, m, d, fair, as_stream(stream));
}

void crps_mixnorm(int itemsize, const void* obs, const void* m, const void* s, const void* w, void* out,
                  index_t n, index_t k, std::uintptr_t stream) {
  if (itemsize == 8)
    mixnorm_typed<double>(obs, m, s, w, out, n, k, as_stream(stream));
  else
    mixnorm_typed<float>(obs, m, s, w, out, n, k, as_stream(stream));
}

void crps_parametric(const std::string& name, int itemsize, const std::vector<const void*>& args,
                     const std::vector<index_t>& steps, void* out, index_t n, std::uintptr_t stream) {
#define RISKCORE_LAUNCH(dist, functor)                                                   \
  if (name == #dist) {                                                                   \
    if (args.size() != functor::arity + 1)                                               \
      throw std::invalid_argument("crps_" #dist ": wrong number of arguments");          \
    if (itemsize == 8)                                                                   \
      elementwise_typed<double, functor>(args, steps, out, n, as_stream(stream));        \
    else                                                                                 \
      elementwise_typed<float, functor>(args, steps, out, n, as_stream(stream));         \
    return;                                                                              \
  }
  RISKCORE_PARAMETRIC_CRPS(RISKCORE_LAUNCH)
#undef RISKCORE_LAUNCH
  throw std::invalid_argument("unknown distribution '" + name + "'");
}

}  // namespace riskcore::cuda
