// What the three translation units of the parameter gradients' CUDA launchers share: the launch of one
// gradient by name, and the two parts that crps_parametric_grad (crps_grad.cu) falls through to.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "crps_parametric.hpp"
#include "cuda_elementwise.cuh"

// Inside a launcher taking (name, itemsize, args, steps, out, n, stream): runs functor and returns on a match.
#define RISKCORE_GRAD_LAUNCH(dist, functor) RISKCORE_ELEMENTWISE_LAUNCH(dist, NanPropagating<functor>)

namespace riskcore::cuda {

// RISKCORE_PARAMETRIC_GRAD_INCOMPLETE_GAMMA (crps_grad_incomplete_gamma.cu); otherwise falls through to
// crps_parametric_grad_bounded.
void crps_parametric_grad_incomplete_gamma(const std::string& name, int itemsize,
                                           const std::vector<const void*>& args, const std::vector<index_t>& steps,
                                           void* out, index_t n, std::uintptr_t stream);

// RISKCORE_PARAMETRIC_GRAD_BOUNDED (crps_grad_bounded.cu); std::invalid_argument for any other name.
void crps_parametric_grad_bounded(const std::string& name, int itemsize, const std::vector<const void*>& args,
                                  const std::vector<index_t>& steps, void* out, index_t n, std::uintptr_t stream);

}  // namespace riskcore::cuda
