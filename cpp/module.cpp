// riskcore._core: the compiled kernels. C++ std::invalid_argument becomes ValueError, std::bad_alloc
// MemoryError and std::runtime_error RuntimeError (pybind11's standard translation).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "parallel.hpp"

namespace py = pybind11;

namespace riskcore {
void bind_crps_ensemble(py::module_& m);
void bind_crps_parametric(py::module_& m);
void bind_random(py::module_& m);
void bind_conformal(py::module_& m);
void bind_mc(py::module_& m);
void bind_mc_stream(py::module_& m);
void bind_tail(py::module_& m);
void bind_cuda(py::module_& m);
void bind_multivariate(py::module_& m);
}  // namespace riskcore

PYBIND11_MODULE(_core, m) {
  m.doc() = "riskcore compiled kernels (use the riskcore package, not this module directly)";
  m.def("num_threads", &riskcore::num_threads, "Threads used by CPU kernels.");
  m.def("set_num_threads", &riskcore::set_num_threads, py::arg("n"),
        "Set the threads used by CPU kernels (n <= 0 restores the default).");
  riskcore::bind_crps_ensemble(m);
  riskcore::bind_crps_parametric(m);
  riskcore::bind_random(m);
  riskcore::bind_conformal(m);
  riskcore::bind_mc(m);
  riskcore::bind_mc_stream(m);
  riskcore::bind_tail(m);
  riskcore::bind_cuda(m);
  riskcore::bind_multivariate(m);
}
