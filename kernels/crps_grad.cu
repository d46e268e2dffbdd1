// CUDA launchers of the closed forms' parameter gradients (RISKCORE_PARAMETRIC_GRAD), apart from crps.cu so
// that the two large translation units compile in parallel; reached through crps_parametric.
#include <stdexcept>
#include <string>
#include <vector>

#include "crps_parametric.hpp"
#include "cuda_elementwise.cuh"
#include "cuda_launchers.hpp"

namespace riskcore::cuda {

void crps_parametric_grad(const std::string& name, int itemsize, const std::vector<const void*>& args,
                          const std::vector<index_t>& steps, void* out, index_t n, std::uintptr_t stream) {
  RISKCORE_PARAMETRIC_GRAD(RISKCORE_ELEMENTWISE_LAUNCH)
  throw std::invalid_argument("unknown distribution '" + name + "'");
}

}  // namespace riskcore::cuda
