// CPU driver for kernels/multivariate_scores.hpp: forecasts in parallel, GIL released, every array read
// in place through its strides (a broadcast weight vector or variogram matrix has row stride 0).
#include <optional>
#include <string>
#include <vector>

#include "array_views.hpp"
#include "estimator_names.hpp"
#include "multivariate_scores.hpp"
#include "parallel.hpp"

namespace riskcore {
namespace {

template <class T>
using Arr = py::array_t<T>;

template <class T>
index_t step(const Arr<T>& a, int axis) {
  return static_cast<index_t>(a.strides(axis) / static_cast<py::ssize_t>(sizeof(T)));
}

template <class T>
void require(const std::optional<Arr<T>>& a, const char* name, std::initializer_list<index_t> shape) {
  if (!a) return;
  bool ok = a->ndim() == static_cast<py::ssize_t>(shape.size());
  int axis = 0;
  for (index_t s : shape) ok = ok && a->shape(axis++) == s;
  if (!ok) throw std::invalid_argument(std::string(name) + " does not have the shape the scores expect");
}

template <class T>
CArray<T> multivariate_score_cpu(const std::string& name, const Arr<T>& obs, const Arr<T>& fct,
                                 const std::optional<Arr<T>>& ens_w, const std::optional<Arr<T>>& fw,
                                 const std::optional<Arr<T>>& ow, const std::optional<Arr<T>>& w, double p) {
  const MvScore kind = mv_score_from_name(name);
  if (fct.ndim() != 3 || fct.shape(1) < 1 || fct.shape(2) < 1)
    throw std::invalid_argument("fct must be 3-d (n, m, d) with m, d >= 1");
  const index_t n = fct.shape(0), m = fct.shape(1), d = fct.shape(2);
  require<T>(obs, "obs", {n, d});
  require(ens_w, "ens_w", {n, m});
  require(fw, "fw", {n, m});
  require(ow, "ow", {n});
  require(w, "w", {n, d, d});
  check_mv_inputs(kind, w.has_value(), fw.has_value(), ow.has_value());
  CArray<T> out(n);
  T* pout = out.mutable_data();
  const T* pe = ens_w ? ens_w->data() : nullptr;
  const T* pf = fw ? fw->data() : nullptr;
  const T* po = ow ? ow->data() : nullptr;
  const T* pw = w ? w->data() : nullptr;
  const index_t e0 = ens_w ? step(*ens_w, 0) : 0, e1 = ens_w ? step(*ens_w, 1) : 0;
  const index_t f0 = fw ? step(*fw, 0) : 0, f1 = fw ? step(*fw, 1) : 0, o0 = ow ? step(*ow, 0) : 0;
  const index_t w0 = w ? step(*w, 0) : 0, w1 = w ? step(*w, 1) : 0, w2 = w ? step(*w, 2) : 0;
  const index_t x0 = step(fct, 0), x1 = step(fct, 1), x2 = step(fct, 2), y0 = step(obs, 0), y1 = step(obs, 1);
  const T* px = fct.data();
  const T* py_ = obs.data();
  py::gil_scoped_release release;
  parallel_for(n, 16, [&](index_t r0, index_t r1) {
    std::vector<double> scratch(static_cast<size_t>(m + d + d * d));
    for (index_t r = r0; r < r1; ++r) {
      const StridedMatrix<T> x{px + r * x0, x1, x2};
      const StridedVector<T> y{py_ + r * y0, y1};
      const StridedVector<T> e{pe ? pe + r * e0 : nullptr, e1}, f{pf ? pf + r * f0 : nullptr, f1};
      const StridedMatrix<T> wm{pw ? pw + r * w0 : nullptr, w1, w2};
      const double owr = po ? static_cast<double>(po[r * o0]) : 1.0;
      pout[r] = static_cast<T>(multivariate_score_row<T>(kind, x, y, m, d, e, f, owr, wm, p, scratch.data()));
    }
  });
  return out;
}

template <class T>
CArray<T> multivariate_grad_cpu(const std::string& name, const Arr<T>& obs, const Arr<T>& fct,
                                const std::optional<Arr<T>>& ens_w, const std::optional<Arr<T>>& w, double p) {
  const MvScore kind = mv_score_from_name(name);
  check_mv_gradient(kind, name, w.has_value());
  if (fct.ndim() != 3 || fct.shape(1) < 1 || fct.shape(2) < 1)
    throw std::invalid_argument("fct must be 3-d (n, m, d) with m, d >= 1");
  const index_t n = fct.shape(0), m = fct.shape(1), d = fct.shape(2);
  require<T>(obs, "obs", {n, d});
  require(ens_w, "ens_w", {n, m});
  require(w, "w", {n, d, d});
  CArray<T> out({n, m, d});
  T* pout = out.mutable_data();
  const T* pe = ens_w ? ens_w->data() : nullptr;
  const T* pw = w ? w->data() : nullptr;
  const index_t e0 = ens_w ? step(*ens_w, 0) : 0, e1 = ens_w ? step(*ens_w, 1) : 0;
  const index_t w0 = w ? step(*w, 0) : 0, w1 = w ? step(*w, 1) : 0, w2 = w ? step(*w, 2) : 0;
  const index_t x0 = step(fct, 0), x1 = step(fct, 1), x2 = step(fct, 2), y0 = step(obs, 0), y1 = step(obs, 1);
  const T* px = fct.data();
  const T* py_ = obs.data();
  py::gil_scoped_release release;
  parallel_for(n, 16, [&](index_t r0, index_t r1) {
    std::vector<double> scratch(static_cast<size_t>(m)), g(static_cast<size_t>(m * d));
    for (index_t r = r0; r < r1; ++r) {
      multivariate_grad_row<T>(kind, StridedMatrix<T>{px + r * x0, x1, x2}, StridedVector<T>{py_ + r * y0, y1}, m, d,
                               StridedVector<T>{pe ? pe + r * e0 : nullptr, e1},
                               StridedMatrix<T>{pw ? pw + r * w0 : nullptr, w1, w2}, p, scratch.data(), g.data());
      for (index_t c = 0; c < m * d; ++c) pout[r * m * d + c] = static_cast<T>(g[c]);
    }
  });
  return out;
}

template <class T>
CArray<T> clogs_cpu(const Arr<T>& obs, const Arr<T>& fct, const Arr<T>& a, const Arr<T>& b,
                    const std::optional<Arr<T>>& bw, bool cens) {
  if (fct.ndim() != 2 || fct.shape(1) < 1) throw std::invalid_argument("fct must be 2-d (n, m) with m >= 1");
  const index_t n = fct.shape(0), m = fct.shape(1);
  for (const Arr<T>* v : {&obs, &a, &b})
    if (v->ndim() != 1 || v->shape(0) != n) throw std::invalid_argument("obs, a and b must have shape (n,)");
  require(bw, "bw", {n});
  const T *po = obs.data(), *pf = fct.data(), *pa = a.data(), *pb = b.data(), *pbw = bw ? bw->data() : nullptr;
  const index_t so = step(obs, 0), sr = step(fct, 0), sm = step(fct, 1), sa = step(a, 0), sb = step(b, 0);
  const index_t sw = bw ? step(*bw, 0) : 0;
  CArray<T> out(n);
  T* pout = out.mutable_data();
  py::gil_scoped_release release;
  parallel_for(n, 64, [&](index_t r0, index_t r1) {
    std::vector<double> key(static_cast<size_t>(2 * m));
    for (index_t r = r0; r < r1; ++r)
      pout[r] = static_cast<T>(clogs_row<T>(pf + r * sr, m, sm, static_cast<double>(po[r * so]),
                                            static_cast<double>(pa[r * sa]), static_cast<double>(pb[r * sb]),
                                            pbw ? static_cast<double>(pbw[r * sw]) : 0.0, cens, key.data()));
  });
  return out;
}

template <class T>
void bind_for(py::module_& m) {
  m.def("multivariate_score", &multivariate_score_cpu<T>, py::arg("name"), py::arg("obs"), py::arg("fct"),
        py::arg("ens_w"), py::arg("fw"), py::arg("ow"), py::arg("w"), py::arg("p"),
        "Multivariate score `name` of fct (n, m, d) against obs (n, d); ens_w, fw (n, m), ow (n,), w (n, d, d) "
        "or None, any strides.");
  m.def("multivariate_grad", &multivariate_grad_cpu<T>, py::arg("name"), py::arg("obs"), py::arg("fct"),
        py::arg("ens_w"), py::arg("w"), py::arg("p"),
        "Gradient (n, m, d) of the energy or variogram score `name` with respect to the members.");
  m.def("clogs_ensemble", &clogs_cpu<T>, py::arg("obs"), py::arg("fct"), py::arg("a"), py::arg("b"), py::arg("bw"),
        py::arg("cens"), "Censored (cens) or conditional KDE log score of fct (n, m) against obs (n,).");
}

}  // namespace

void bind_multivariate(py::module_& m) {
  bind_for<double>(m);
  bind_for<float>(m);
}

}  // namespace riskcore
