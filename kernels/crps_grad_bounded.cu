// CUDA launchers of the parameter gradients of the truncated / censored families with point masses and of
// the integer laws: the last part of crps_parametric_grad.
#include <stdexcept>

#include "crps_grad_launch.cuh"

namespace riskcore::cuda {

void crps_parametric_grad_bounded(const std::string& name, int itemsize, const std::vector<const void*>& args,
                                  const std::vector<index_t>& steps, void* out, index_t n, std::uintptr_t stream) {
  RISKCORE_PARAMETRIC_GRAD_BOUNDED(RISKCORE_GRAD_LAUNCH)
  throw std::invalid_argument("unknown distribution '" + name + "'");
}

}  // namespace riskcore::cuda
