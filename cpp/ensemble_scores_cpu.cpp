// CPU driver for the univariate ensemble scores of kernels/ensemble_scores.hpp: rows in parallel, GIL
// released, obs / fct / param read in place through their strides.
#include <optional>
#include <string>
#include <vector>

#include "array_views.hpp"
#include "ensemble_scores.hpp"
#include "estimator_names.hpp"
#include "parallel.hpp"

namespace riskcore {
namespace {

template <class T>
index_t stride_of(const py::array_t<T>& a, int axis) {
  return static_cast<index_t>(a.strides(axis) / static_cast<py::ssize_t>(sizeof(T)));
}

template <class T>
CArray<T> ensemble_score_cpu(const std::string& name, const py::array_t<T>& obs, const py::array_t<T>& fct,
                             const std::optional<py::array_t<T>>& param) {
  const EnsembleScore kind = ensemble_score_from_name(name);
  if (fct.ndim() != 2 || fct.shape(1) < 1) throw std::invalid_argument("fct must be 2-d (n, m) with m >= 1");
  const index_t n = fct.shape(0), m = fct.shape(1);
  if (obs.ndim() != 1 || obs.shape(0) != n) throw std::invalid_argument("obs must have shape (n,) matching fct");
  if (param && (param->ndim() != 1 || param->shape(0) != n))
    throw std::invalid_argument("param must have shape (n,) matching fct");
  const T* po = obs.data();
  const T* pf = fct.data();
  const T* pp = param ? param->data() : nullptr;
  const index_t so = stride_of(obs, 0), sr = stride_of(fct, 0), sm = stride_of(fct, 1);
  const index_t sp = param ? stride_of(*param, 0) : 0;
  CArray<T> out(n);
  T* pout = out.mutable_data();
  py::gil_scoped_release release;
  parallel_for(n, 64, [&](index_t r0, index_t r1) {
    std::vector<double> key(static_cast<size_t>(m));
    for (index_t r = r0; r < r1; ++r)
      pout[r] = static_cast<T>(ensemble_score_row<T>(kind, pf + r * sr, m, sm, po[r * so],
                                                     pp ? static_cast<double>(pp[r * sp]) : 0.0, key.data()));
  });
  return out;
}

}  // namespace

void bind_ensemble_scores(py::module_& m) {
  m.def("ensemble_score", &ensemble_score_cpu<double>, py::arg("name"), py::arg("obs"), py::arg("fct"),
        py::arg("param"), "Univariate ensemble score `name` of fct (n, m) against obs (n,); param (n,) or None.");
  m.def("ensemble_score", &ensemble_score_cpu<float>, py::arg("name"), py::arg("obs"), py::arg("fct"),
        py::arg("param"));
}

}  // namespace riskcore
