// CUDA launchers of the parameter gradients built on the incomplete gamma function and its shape slope
// (GEV, gamma, censored shifted gamma): the part of crps_parametric_grad that takes ptxas longest.
#include "crps_grad_launch.cuh"

namespace riskcore::cuda {

void crps_parametric_grad_incomplete_gamma(const std::string& name, int itemsize,
                                           const std::vector<const void*>& args, const std::vector<index_t>& steps,
                                           void* out, index_t n, std::uintptr_t stream) {
  RISKCORE_PARAMETRIC_GRAD_INCOMPLETE_GAMMA(RISKCORE_GRAD_LAUNCH)
  crps_parametric_grad_bounded(name, itemsize, args, steps, out, n, stream);
}

}  // namespace riskcore::cuda
