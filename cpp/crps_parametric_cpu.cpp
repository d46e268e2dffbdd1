// CPU drivers for the closed-form CRPS: one elementwise loop for every distribution.
// Arguments arrive flattened by the Python layer, each of length n or 1 (a broadcast scalar), so
// broadcasting never copies a constant parameter. The loop runs over chunks in which every argument is
// a unit-stride pointer (a scalar is spread into a small buffer once), which lets it vectorise.
#include "simd.hpp"  // before the kernels: declares the vector variants of libm

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "array_views.hpp"
#include "crps_parametric.hpp"
#include "parallel.hpp"

namespace riskcore {
namespace {

constexpr index_t kChunk = 512;

// Functors with a `fast(args..., int& ok)` form (a branch-free evaluation of the common case) run it
// over the whole chunk, vectorised, then operator() where it set ok = 0. Functors that keep
// per-parameter terms between calls (`caches`) run a plain scalar loop: simd lanes would share them.
template <class F, class = void>
struct has_fast : std::false_type {};
template <class F>
struct has_fast<F, std::void_t<decltype(&F::fast)>> : std::true_type {};
template <class F, class = void>
struct caches : std::false_type {};
template <class F>
struct caches<F, std::void_t<decltype(F::caches)>> : std::bool_constant<F::caches> {};

template <class T, class F, size_t... I>
RISKCORE_SIMD_CLONES void elementwise_chunk(const T* const* args, T* out, index_t n, std::index_sequence<I...>) {
  const F f{};
  if constexpr (has_fast<F>::value) {
    int ok[kChunk];
#pragma omp simd
    for (index_t i = 0; i < n; ++i) {
      int lane_ok;
      out[i] = static_cast<T>(f.fast(static_cast<double>(args[I][i])..., lane_ok));
      ok[i] = lane_ok;
    }
    for (index_t i = 0; i < n; ++i)
      if (!ok[i]) out[i] = static_cast<T>(f(static_cast<double>(args[I][i])...));
  } else if constexpr (caches<F>::value) {
    for (index_t i = 0; i < n; ++i) out[i] = static_cast<T>(f(static_cast<double>(args[I][i])...));
  } else {
#pragma omp simd
    for (index_t i = 0; i < n; ++i) out[i] = static_cast<T>(f(static_cast<double>(args[I][i])...));
  }
}

template <class T, class F, size_t... I>
void elementwise_loop(const std::vector<const T*>& ptr, const std::vector<index_t>& step, T* out,
                      index_t n, std::index_sequence<I...> seq) {
  constexpr size_t count = sizeof...(I);
  parallel_for(n, 4096, [&](index_t i0, index_t i1) {
    std::vector<T> spread(count * kChunk);  // scalar arguments, repeated kChunk times
    for (size_t a = 0; a < count; ++a)
      if (step[a] == 0) std::fill_n(spread.data() + a * kChunk, kChunk, ptr[a][0]);
    const T* chunk_args[count];
    for (index_t c = i0; c < i1; c += kChunk) {
      for (size_t a = 0; a < count; ++a) chunk_args[a] = step[a] ? ptr[a] + c : spread.data() + a * kChunk;
      elementwise_chunk<T, F>(chunk_args, out + c, std::min(kChunk, i1 - c), seq);
    }
  });
}

template <class T, class F>
CArray<T> elementwise(const std::string& name, const std::vector<CArray<T>>& args) {
  constexpr size_t count = F::arity + 1;
  if (args.size() != count)
    throw std::invalid_argument("crps_" + name + " takes " + std::to_string(count) + " arrays, got " +
                                std::to_string(args.size()));
  index_t n = 1;
  for (const auto& a : args) n = std::max<index_t>(n, a.size());
  std::vector<const T*> ptr;
  std::vector<index_t> step;
  for (const auto& a : args) {
    if (a.ndim() != 1 || (a.size() != n && a.size() != 1))
      throw std::invalid_argument("crps_" + name + ": arguments must be 1-d of length " +
                                  std::to_string(n) + " or 1");
    ptr.push_back(a.data());
    step.push_back(a.size() == 1 ? 0 : 1);
  }
  CArray<T> out(n);
  T* pout = out.mutable_data();
  py::gil_scoped_release release;
  elementwise_loop<T, F>(ptr, step, pout, n, std::make_index_sequence<count>{});
  return out;
}

template <class T>
CArray<T> crps_parametric_cpu(const std::string& name, const std::vector<CArray<T>>& args) {
#define RISKCORE_DISPATCH(dist, functor) \
  if (name == #dist) return elementwise<T, functor>(name, args);
#define RISKCORE_DISPATCH_GRAD(dist, functor) RISKCORE_DISPATCH(dist, NanPropagating<functor>)
  RISKCORE_PARAMETRIC_CRPS(RISKCORE_DISPATCH)
  RISKCORE_PARAMETRIC_GRAD(RISKCORE_DISPATCH_GRAD)
#undef RISKCORE_DISPATCH_GRAD
#undef RISKCORE_DISPATCH
  throw std::invalid_argument("unknown distribution '" + name + "'");
}

// m (n, K) with obs (n,) and s, w (n, K) beside it.
template <class T>
void check_mixture(const CArray<T>& obs, const CArray<T>& m, const CArray<T>& s, const CArray<T>& w) {
  require_shape(m, "m", {-1, -1});
  const index_t n = m.shape(0), k = m.shape(1);
  require_shape(obs, "obs", {n});
  require_shape(s, "s", {n, k});
  require_shape(w, "w", {n, k});
}

template <class T>
CArray<T> crps_mixnorm_cpu(const CArray<T>& obs, const CArray<T>& m, const CArray<T>& s,
                           const CArray<T>& w) {
  check_mixture(obs, m, s, w);
  const index_t n = m.shape(0), k = m.shape(1);
  CArray<T> out(n);
  const T *po = obs.data(), *pm = m.data(), *ps = s.data(), *pw = w.data();
  T* pout = out.mutable_data();
  py::gil_scoped_release release;
  parallel_for(n, 256, [&](index_t r0, index_t r1) {
    for (index_t r = r0; r < r1; ++r)
      pout[r] = static_cast<T>(crps_mixnorm_row<T>(po[r], pm + r * k, ps + r * k, pw + r * k, k));
  });
  return out;
}

// The gradient of crps_mixnorm in m, s and w: one (3, n, K) array, d/dm, d/ds, d/dw.
template <class T>
CArray<T> crps_mixnorm_grad_cpu(const CArray<T>& obs, const CArray<T>& m, const CArray<T>& s,
                                const CArray<T>& w) {
  check_mixture(obs, m, s, w);
  const index_t n = m.shape(0), k = m.shape(1);
  CArray<T> out({index_t{3}, n, k});
  const T *po = obs.data(), *pm = m.data(), *ps = s.data(), *pw = w.data();
  T* pout = out.mutable_data();
  const index_t plane = n * k;
  py::gil_scoped_release release;
  parallel_for(n, 64, [&](index_t r0, index_t r1) {
    for (index_t r = r0; r < r1; ++r) {
      T* row = pout + r * k;
      crps_mixnorm_grad_row<T>(po[r], pm + r * k, ps + r * k, pw + r * k, k, row, row + plane, row + 2 * plane);
    }
  });
  return out;
}

template <class T>
void bind_for_dtype(py::module_& mod) {
  mod.def("crps_parametric", &crps_parametric_cpu<T>, py::arg("name"), py::arg("args"),
          "Closed-form CRPS; args = [obs, *params], each 1-d of length n or 1.");
  mod.def("crps_mixnorm", &crps_mixnorm_cpu<T>, py::arg("obs"), py::arg("m"), py::arg("s"), py::arg("w"),
          "CRPS of normal mixtures m, s, w (n, K) against obs (n,).");
  mod.def("crps_mixnorm_grad", &crps_mixnorm_grad_cpu<T>, py::arg("obs"), py::arg("m"), py::arg("s"), py::arg("w"),
          "d/dm, d/ds, d/dw (3, n, K) of the CRPS of normal mixtures m, s, w (n, K) against obs (n,).");
}

}  // namespace

std::vector<std::string> parametric_names() {
  std::vector<std::string> names;
#define RISKCORE_NAME(dist, functor) names.push_back(#dist);
  RISKCORE_PARAMETRIC_CRPS(RISKCORE_NAME)
  RISKCORE_PARAMETRIC_GRAD(RISKCORE_NAME)
#undef RISKCORE_NAME
  return names;
}

void bind_crps_parametric(py::module_& mod) {
  bind_for_dtype<double>(mod);
  bind_for_dtype<float>(mod);
  mod.attr("parametric_distributions") = parametric_names();
}

}  // namespace riskcore
