// Python entry points of the CUDA launchers. Arrays are passed as device pointers (integers) taken
// from __cuda_array_interface__ by the Python layer, which has validated shapes and dtypes.
// Without a CUDA build only `cuda_status` exists and reports why.
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "array_views.hpp"

#ifdef RISKCORE_WITH_CUDA
#include "cuda_launchers.hpp"
#include "estimator_names.hpp"
#endif

namespace riskcore {

#ifdef RISKCORE_WITH_CUDA
namespace {

const void* as_ptr(std::uintptr_t p) { return reinterpret_cast<const void*>(p); }

}  // namespace

void bind_cuda(py::module_& m) {
  m.def("cuda_status", [] {
    std::string why;
    const int count = cuda::device_count(why);
    return py::make_tuple(count, why);
  });
  m.def("cuda_crps_ensemble", [](int itemsize, std::uintptr_t obs, std::uintptr_t fct, std::uintptr_t weights,
                                 std::uintptr_t out, index_t n, index_t m, const std::string& estimator,
                                 double alpha, bool omit_nan, std::uintptr_t stream) {
    const int est = static_cast<int>(estimator_from_name(estimator));
    py::gil_scoped_release release;
    cuda::crps_ensemble(itemsize, as_ptr(obs), as_ptr(fct), as_ptr(weights), reinterpret_cast<void*>(out), n, m,
                        est, alpha, omit_nan, stream);
  });
  m.def("cuda_crps_ensemble_grad", [](int itemsize, std::uintptr_t obs, std::uintptr_t fct,
                                      std::uintptr_t weights, std::uintptr_t out, index_t n, index_t m,
                                      const std::string& estimator, double alpha, bool omit_nan,
                                      std::uintptr_t stream) {
    const int est = static_cast<int>(estimator_from_name(estimator));
    py::gil_scoped_release release;
    cuda::crps_ensemble_grad(itemsize, as_ptr(obs), as_ptr(fct), as_ptr(weights), reinterpret_cast<void*>(out),
                             n, m, est, alpha, omit_nan, stream);
  });
  m.def("cuda_energy_score", [](int itemsize, std::uintptr_t obs, std::uintptr_t fct, std::uintptr_t out,
                                index_t n, index_t m, index_t d, bool fair, std::uintptr_t stream) {
    py::gil_scoped_release release;
    cuda::energy_score(itemsize, as_ptr(obs), as_ptr(fct), reinterpret_cast<void*>(out), n, m, d, fair, stream);
  });
  m.def("cuda_crps_parametric", [](const std::string& name, int itemsize, const std::vector<std::uintptr_t>& args,
                                   const std::vector<index_t>& steps, std::uintptr_t out, index_t n,
                                   std::uintptr_t stream) {
    std::vector<const void*> ptrs;
    for (auto p : args) ptrs.push_back(as_ptr(p));
    py::gil_scoped_release release;
    cuda::crps_parametric(name, itemsize, ptrs, steps, reinterpret_cast<void*>(out), n, stream);
  });
  m.def("cuda_knapsack_max_sums", [](const std::vector<CArray<double>>& values, const CArray<std::int64_t>& ms,
                                     const CArray<std::int64_t>& t_max, std::uintptr_t stream) {
    const index_t problems = static_cast<index_t>(values.size());
    require_shape(ms, "m", {problems});
    require_shape(t_max, "t_max", {problems});
    CArray<double> out(problems);
    for (index_t p = 0; p < problems; ++p)
      out.mutable_data()[p] = cuda::knapsack_max_sum(values[p].data(), values[p].size(), ms.data()[p], t_max.data()[p], stream);
    return out;
  });
  m.def("cuda_simulate_chunk", [](const CArray<double>& cdf, const CArray<double>& masked_cdf,
                                  const CArray<double>& hazard, const CArray<std::uint8_t>& kind,
                                  const CArray<std::int64_t>& start, index_t horizon, std::uint64_t seed,
                                  index_t first, index_t count, std::uintptr_t stream) {
    require_shape(cdf, "cdf", {-1, -1, -1});
    const index_t chains = cdf.shape(0), states = cdf.shape(1), queries = start.size();
    require_shape(masked_cdf, "masked_cdf", {chains, states, states});
    require_shape(hazard, "hazard", {chains, states});
    require_shape(kind, "kind", {chains, states});
    CArray<double> values({index_t{3}, queries, count});
    std::int64_t steps;
    {
      py::gil_scoped_release release;
      steps = cuda::simulate_chunk(cdf.data(), masked_cdf.data(), hazard.data(), kind.data(), start.data(), chains,
                                   states, queries, horizon, seed, first, count, values.mutable_data(), stream);
    }
    return py::make_tuple(values, steps);
  });
  m.def("cuda_log_sums", [](std::uintptr_t log_weights, std::uintptr_t event, index_t queries, index_t n,
                            std::uintptr_t stream) {
    CArray<double> out({queries, index_t{5}});
    {
      py::gil_scoped_release release;
      cuda::log_sums(reinterpret_cast<const double*>(log_weights), reinterpret_cast<const std::uint8_t*>(event),
                     queries, n, out.mutable_data(), stream);
    }
    return out;
  });
  m.def("cuda_crps_mixnorm", [](int itemsize, std::uintptr_t obs, std::uintptr_t mu, std::uintptr_t s,
                                std::uintptr_t w, std::uintptr_t out, index_t n, index_t k, std::uintptr_t stream) {
    py::gil_scoped_release release;
    cuda::crps_mixnorm(itemsize, as_ptr(obs), as_ptr(mu), as_ptr(s), as_ptr(w), reinterpret_cast<void*>(out), n,
                       k, stream);
  });
}
#else
void bind_cuda(py::module_& m) {
  m.def("cuda_status", [] { return py::make_tuple(0, std::string("riskcore was built without CUDA")); });
}
#endif

}  // namespace riskcore
