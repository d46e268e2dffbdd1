// CPU drivers for the ensemble CRPS kernels: rows in parallel, GIL released.
//
// Fast path (equal weights, m <= kMaxNetworkSize): 8 rows are transposed into a column block, sorted
// together by a Batcher network and scored together by crps_sorted_lanes<8> (SIMD across rows). Rows with a
// NaN, weighted rows, the last < 8 rows and larger ensembles take crps_ensemble_row (heap sort), the
// same function every CUDA thread runs.
#include <optional>
#include <string>
#include <vector>

#include "array_views.hpp"
#include "crps_ensemble.hpp"
#include "estimator_names.hpp"
#include "parallel.hpp"
#include "sort_lanes.hpp"
#include "sort_network.hpp"

namespace riskcore {
namespace {

// Rows of an ensemble array: members contiguous, rows `row_stride` elements apart (0 for a broadcast).
template <class T>
struct Rows {
  const T* data;
  index_t row_stride;
  const T* row(index_t r) const { return data + r * row_stride; }
};

template <class T>
Rows<T> rows_of(const py::array_t<T>& a, const char* name) {
  if (a.ndim() != 2) throw std::invalid_argument(std::string(name) + " must be 2-d (n, m)");
  if (a.shape(1) > 1 && a.strides(1) != static_cast<py::ssize_t>(sizeof(T)))
    throw std::invalid_argument(std::string(name) + ": members must be contiguous");
  if (a.strides(0) % static_cast<py::ssize_t>(sizeof(T)) != 0)
    throw std::invalid_argument(std::string(name) + ": row stride is not a whole number of elements");
  return Rows<T>{a.data(), static_cast<index_t>(a.strides(0) / static_cast<py::ssize_t>(sizeof(T)))};
}

template <class T>
void score_block_by_network(const T* obs, index_t obs_stride, Rows<T> fct, index_t first, index_t m,
                            const std::vector<std::int32_t>& network, EnsembleEstimator est,
                            double alpha, bool omit_nan, std::vector<Lanes<kSortLanes>>& block,
                            std::vector<double>& key, T* out) {
  double* cols = block.data()->v;  // m x 8 doubles, 64-byte aligned
  bool has_nan[kSortLanes];
  for (int lane = 0; lane < kSortLanes; ++lane) {
    const T* row = fct.row(first + lane);
    bool nan_seen = false;
    for (index_t k = 0; k < m; ++k) {
      const double v = static_cast<double>(row[k]);
      nan_seen |= (v != v);
      cols[k * kSortLanes + lane] = v;
    }
    has_nan[lane] = nan_seen;
  }
  sort_columns8(cols, network.data(), static_cast<index_t>(network.size() / 2));
  double y[kSortLanes], score[kSortLanes];
  for (int lane = 0; lane < kSortLanes; ++lane) y[lane] = static_cast<double>(obs[(first + lane) * obs_stride]);
  crps_sorted_lanes<kSortLanes>(cols, nullptr, m, y, est, alpha, score);
  for (int lane = 0; lane < kSortLanes; ++lane) {
    const index_t row = first + lane;
    out[row] = has_nan[lane] || y[lane] != y[lane]
                   ? static_cast<T>(crps_ensemble_row<T>(fct.row(row), nullptr, m, obs[row * obs_stride], est, alpha,
                                                         omit_nan, key.data(), nullptr))
                   : static_cast<T>(score[lane]);
  }
}

// obs (n,) and fct (n, m) may be strided views (a broadcast observation or ensemble costs no copy:
// inputs with more than 2^31 elements work); weights are C-contiguous.
template <class T>
CArray<T> crps_ensemble_cpu(const py::array_t<T>& obs, const py::array_t<T>& fct,
                            const std::optional<CArray<T>>& weights, const std::string& estimator,
                            double alpha, bool omit_nan) {
  const EnsembleEstimator est = estimator_from_name(estimator);
  const Rows<T> rows = rows_of(fct, "fct");
  const index_t n = fct.shape(0), m = fct.shape(1);
  if (obs.ndim() != 1 || obs.shape(0) != n) throw std::invalid_argument("obs must have shape (n,) matching fct");
  if (weights) require_shape(*weights, "weights", {n, m});
  if (m < 1) throw std::invalid_argument("fct needs at least one member");
  CArray<T> out(n);
  const T* po = obs.data();
  const index_t obs_stride = static_cast<index_t>(obs.strides(0) / static_cast<py::ssize_t>(sizeof(T)));
  const T* pw = weights ? weights->data() : nullptr;
  T* pout = out.mutable_data();
  const bool use_network = !pw && m <= kMaxNetworkSize;
  const std::vector<std::int32_t> network =
      use_network ? batcher_network(static_cast<std::int32_t>(m)) : std::vector<std::int32_t>{};
  py::gil_scoped_release release;
  const index_t blocks = use_network ? n / kSortLanes : 0;
  parallel_for(blocks, 64, [&](index_t b0, index_t b1) {
    std::vector<Lanes<kSortLanes>> block(static_cast<size_t>(m));
    std::vector<double> key(static_cast<size_t>(m));
    for (index_t b = b0; b < b1; ++b)
      score_block_by_network(po, obs_stride, rows, b * kSortLanes, m, network, est, alpha, omit_nan, block, key, pout);
  });
  const index_t first_general = blocks * kSortLanes;
  parallel_for(n - first_general, 256, [&](index_t r0, index_t r1) {
    std::vector<double> key(static_cast<size_t>(m)), w(pw ? static_cast<size_t>(m) : 0);
    for (index_t r = first_general + r0; r < first_general + r1; ++r)
      pout[r] = static_cast<T>(crps_ensemble_row<T>(rows.row(r), pw ? pw + r * m : nullptr, m, po[r * obs_stride],
                                                    est, alpha, omit_nan, key.data(), w.data()));
  });
  return out;
}

template <class T>
CArray<T> crps_ensemble_grad_cpu(const CArray<T>& obs, const CArray<T>& fct,
                                 const std::optional<CArray<T>>& weights,
                                 const std::string& estimator, double alpha, bool omit_nan) {
  const EnsembleEstimator est = estimator_from_name(estimator);
  if (est != EnsembleEstimator::nrg && est != EnsembleEstimator::fair && est != EnsembleEstimator::afcrps)
    throw std::invalid_argument("gradients are available for 'nrg', 'fair' and 'afcrps'");
  require_shape(fct, "fct", {-1, -1});
  const index_t n = fct.shape(0), m = fct.shape(1);
  require_shape(obs, "obs", {n});
  if (weights) require_shape(*weights, "weights", {n, m});
  CArray<T> out({n, m});
  const T* po = obs.data();
  const T* pf = fct.data();
  const T* pw = weights ? weights->data() : nullptr;
  T* pout = out.mutable_data();
  py::gil_scoped_release release;
  parallel_for(n, 64, [&](index_t r0, index_t r1) {
    std::vector<double> key(static_cast<size_t>(m)), w(static_cast<size_t>(m));
    std::vector<index_t> pos(static_cast<size_t>(m));
    for (index_t r = r0; r < r1; ++r)
      crps_ensemble_grad_row<T>(pf + r * m, pw ? pw + r * m : nullptr, m, po[r], est, alpha, omit_nan,
                                key.data(), w.data(), pos.data(), pout + r * m);
  });
  return out;
}

template <class T>
CArray<T> energy_score_cpu(const CArray<T>& obs, const CArray<T>& fct, bool fair) {
  require_shape(fct, "fct", {-1, -1, -1});
  const index_t n = fct.shape(0), m = fct.shape(1), d = fct.shape(2);
  require_shape(obs, "obs", {n, d});
  CArray<T> out(n);
  const T* po = obs.data();
  const T* pf = fct.data();
  T* pout = out.mutable_data();
  py::gil_scoped_release release;
  parallel_for(n, 16, [&](index_t r0, index_t r1) {
    for (index_t r = r0; r < r1; ++r)
      pout[r] = static_cast<T>(energy_score_row<T>(pf + r * m * d, po + r * d, m, d, fair));
  });
  return out;
}

template <class T>
void bind_for_dtype(py::module_& m) {
  m.def("crps_ensemble", &crps_ensemble_cpu<T>, py::arg("obs"), py::arg("fct"), py::arg("weights"),
        py::arg("estimator"), py::arg("alpha"), py::arg("omit_nan"),
        "CRPS of ensembles fct (n, m) against obs (n,); weights (n, m) or None.");
  m.def("crps_ensemble_grad", &crps_ensemble_grad_cpu<T>, py::arg("obs"), py::arg("fct"),
        py::arg("weights"), py::arg("estimator"), py::arg("alpha"), py::arg("omit_nan"),
        "Gradient of the ensemble CRPS with respect to fct (n, m).");
  m.def("energy_score", &energy_score_cpu<T>, py::arg("obs"), py::arg("fct"), py::arg("fair"),
        "Energy score of fct (n, m, d) against obs (n, d).");
}

}  // namespace

void bind_crps_ensemble(py::module_& m) {
  bind_for_dtype<double>(m);
  bind_for_dtype<float>(m);
}

}  // namespace riskcore
