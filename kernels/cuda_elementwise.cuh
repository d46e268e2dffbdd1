// The elementwise launcher of the closed forms and their gradients (one thread per element), shared by
// crps.cu (the scores) and crps_grad*.cu (the gradients: translation units of their own, so that nvcc
// and ptxas work on them in parallel).
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "config.hpp"
#include "cuda_check.cuh"
#include "cuda_launch.cuh"

namespace riskcore::cuda {

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

}  // namespace riskcore::cuda

// One branch of a launcher's name dispatch (inside a function taking name, itemsize, args, steps, out, n,
// stream): X(name, functor) of the X-macro lists in crps_parametric.hpp.
#define RISKCORE_ELEMENTWISE_LAUNCH(dist, functor)                                                   \
  if (name == #dist) {                                                                   \
    if (args.size() != functor::arity + 1)                                               \
      throw std::invalid_argument("crps_" #dist ": wrong number of arguments");          \
    by_itemsize(itemsize, [&](auto tag) {                                                \
      elementwise_typed<decltype(tag), functor>(args, steps, out, n, as_stream(stream)); \
    });                                                                                  \
    return;                                                                              \
  }
