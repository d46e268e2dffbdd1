// CPU drivers for the ensemble CRPS kernels: rows in parallel, GIL released.
//
// Fast path (equal weights, m <= kMaxNetworkSize): 8 rows are transposed into a column block (padded
// with +inf to a power of two), sorted together by a bitonic network in registers (cpp/sort_lanes.cpp)
// and scored together by crps_sorted_lanes<8> (SIMD across rows). Rows with a NaN or an infinity,
// weighted rows, the last < 8 rows and larger ensembles take crps_ensemble_row (heap sort), the same
// function every CUDA thread runs. Every input is read in place through its strides.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "array_views.hpp"
#include "crps_ensemble.hpp"
#include "estimator_names.hpp"
#include "parallel.hpp"
#include "sort_lanes.hpp"
#include "sort_network.hpp"  // kMaxNetworkSize

namespace riskcore {
namespace {

// Rows of a 2-d (n, m) array read in place through its strides (in elements): rows `row_stride` apart,
// members `step` apart; 0 for an axis that is broadcast.
template <class T>
struct Rows {
  const T* data;
  index_t row_stride;
  index_t step;
  const T* row(index_t r) const { return data + r * row_stride; }
};

template <class T>
Rows<T> rows_of(const py::array_t<T>& a, const char* name, index_t n, index_t m) {
  if (a.ndim() != 2 || a.shape(0) != n || a.shape(1) != m)
    throw std::invalid_argument(std::string(name) + " must have shape (n, m) = (" + std::to_string(n) + ", " +
                                std::to_string(m) + ")");
  const auto item = static_cast<py::ssize_t>(sizeof(T));
  if (a.strides(0) % item != 0 || a.strides(1) % item != 0)
    throw std::invalid_argument(std::string(name) + ": strides are not a whole number of elements");
  return Rows<T>{a.data(), static_cast<index_t>(a.strides(0) / item), static_cast<index_t>(a.strides(1) / item)};
}

template <class T>
Rows<T> fct_rows(const py::array_t<T>& fct) {
  if (fct.ndim() != 2) throw std::invalid_argument("fct must be 2-d (n, m)");
  if (fct.shape(1) < 1) throw std::invalid_argument("fct needs at least one member");
  return rows_of(fct, "fct", fct.shape(0), fct.shape(1));
}

template <class T>
index_t obs_stride_of(const py::array_t<T>& obs, index_t n) {
  if (obs.ndim() != 1 || obs.shape(0) != n) throw std::invalid_argument("obs must have shape (n,) matching fct");
  return static_cast<index_t>(obs.strides(0) / static_cast<py::ssize_t>(sizeof(T)));
}

// 8 rows sorted together by the network and scored together; a row with a NaN or an infinity (or a NaN
// observation) is scored again by crps_ensemble_row, which knows the NaN policy and the +/-inf rule.
template <class T>
void score_block_by_network(const T* obs, index_t obs_stride, Rows<T> fct, index_t first, index_t m,
                            index_t wires, EnsembleEstimator est, double alpha,
                            bool omit_nan, const RowLayout& layout, std::vector<Lanes<kSortLanes>>& block,
                            std::vector<double>& key, T* out) {
  double* cols = block.data()->v;  // wires x 8 doubles, 64-byte aligned
  const T* lane_rows[kSortLanes];
  for (int lane = 0; lane < kSortLanes; ++lane) lane_rows[lane] = fct.row(first + lane);
  const unsigned nonfinite = fill_columns8(lane_rows, fct.step, m, wires, layout.lower, layout.upper, cols);
  bool special[kSortLanes];
  double y[kSortLanes], score[kSortLanes];
  for (int lane = 0; lane < kSortLanes; ++lane) {
    y[lane] = chain(static_cast<double>(obs[(first + lane) * obs_stride]), layout);
    special[lane] = (nonfinite >> lane & 1u) || !is_finite_value(y[lane]);
  }
  sort_columns8(cols, wires);
  crps_sorted_lanes<kSortLanes>(cols, nullptr, m, y, est, alpha, score);
  for (int lane = 0; lane < kSortLanes; ++lane) {
    const index_t row = first + lane;
    out[row] = special[lane] ? static_cast<T>(crps_ensemble_row<T>(fct.row(row), nullptr, m, obs[row * obs_stride], est,
                                                                  alpha, omit_nan, key.data(), nullptr, layout))
                             : static_cast<T>(score[lane]);
  }
}

// obs (n,), fct (n, m) and weights (n, m) are read through their strides: a broadcast observation or
// weight vector, a member-strided ensemble (fct[:, ::2]) and a sliding window cost no copy. [lower, upper]
// is the chaining interval of the threshold-weighted CRPS (members are clipped as they are read).
template <class T>
CArray<T> crps_ensemble_cpu(const py::array_t<T>& obs, const py::array_t<T>& fct,
                            const std::optional<py::array_t<T>>& weights, const std::string& estimator,
                            double alpha, bool omit_nan, double lower, double upper) {
  const EnsembleEstimator est = estimator_from_name(estimator);
  const Rows<T> rows = fct_rows(fct);
  const index_t n = fct.shape(0), m = fct.shape(1);
  const index_t obs_stride = obs_stride_of(obs, n);
  const std::optional<Rows<T>> w_rows =
      weights ? std::optional<Rows<T>>(rows_of(*weights, "weights", n, m)) : std::nullopt;
  const RowLayout layout{rows.step, w_rows ? w_rows->step : 1, lower, upper};
  CArray<T> out(n);
  const T* po = obs.data();
  T* pout = out.mutable_data();
  const bool use_network = !w_rows && m <= kMaxNetworkSize && !is_akr(est);
  const index_t wires = bitonic_wires(m);
  py::gil_scoped_release release;
  const index_t blocks = use_network ? n / kSortLanes : 0;
  parallel_for(blocks, 64, [&](index_t b0, index_t b1) {
    std::vector<Lanes<kSortLanes>> block(static_cast<size_t>(wires));
    std::vector<double> key(static_cast<size_t>(m));
    for (index_t b = b0; b < b1; ++b)
      score_block_by_network(po, obs_stride, rows, b * kSortLanes, m, wires, est, alpha, omit_nan, layout, block,
                             key, pout);
  });
  const index_t first_general = blocks * kSortLanes;
  parallel_for(n - first_general, 256, [&](index_t r0, index_t r1) {
    std::vector<double> key(static_cast<size_t>(m)), w(w_rows ? static_cast<size_t>(m) : 0);
    for (index_t r = first_general + r0; r < first_general + r1; ++r)
      pout[r] = static_cast<T>(crps_ensemble_row<T>(rows.row(r), w_rows ? w_rows->row(r) : nullptr, m,
                                                    po[r * obs_stride], est, alpha, omit_nan, key.data(), w.data(),
                                                    layout));
  });
  return out;
}

template <class T>
CArray<T> crps_ensemble_grad_cpu(const py::array_t<T>& obs, const py::array_t<T>& fct,
                                 const std::optional<py::array_t<T>>& weights, const std::string& estimator,
                                 double alpha, bool omit_nan) {
  const EnsembleEstimator est = estimator_from_name(estimator);
  if (est == EnsembleEstimator::pwm || est == EnsembleEstimator::integral)
    throw std::invalid_argument("gradients are available for 'nrg', 'fair', 'afcrps', 'akr' and 'akr_circperm'");
  const Rows<T> rows = fct_rows(fct);
  const index_t n = fct.shape(0), m = fct.shape(1);
  const index_t obs_stride = obs_stride_of(obs, n);
  const std::optional<Rows<T>> w_rows =
      weights ? std::optional<Rows<T>>(rows_of(*weights, "weights", n, m)) : std::nullopt;
  const RowLayout layout{rows.step, w_rows ? w_rows->step : 1};
  CArray<T> out({n, m});
  const T* po = obs.data();
  T* pout = out.mutable_data();
  py::gil_scoped_release release;
  parallel_for(n, 64, [&](index_t r0, index_t r1) {
    std::vector<double> key(static_cast<size_t>(m)), w(static_cast<size_t>(m));
    std::vector<index_t> pos(static_cast<size_t>(m));
    for (index_t r = r0; r < r1; ++r)
      crps_ensemble_grad_row<T>(rows.row(r), w_rows ? w_rows->row(r) : nullptr, m, po[r * obs_stride], est, alpha,
                                omit_nan, key.data(), w.data(), pos.data(), pout + r * m, layout);
  });
  return out;
}

template <class T>
void bind_for_dtype(py::module_& m) {
  m.def("crps_ensemble", &crps_ensemble_cpu<T>, py::arg("obs"), py::arg("fct"), py::arg("weights"),
        py::arg("estimator"), py::arg("alpha"), py::arg("omit_nan"), py::arg("lower") = -INFINITY,
        py::arg("upper") = INFINITY,
        "CRPS of ensembles fct (n, m) against obs (n,), all read through their strides; weights (n, m) or None; "
        "members and obs chained through min(max(z, lower), upper).");
  m.def("crps_ensemble_grad", &crps_ensemble_grad_cpu<T>, py::arg("obs"), py::arg("fct"),
        py::arg("weights"), py::arg("estimator"), py::arg("alpha"), py::arg("omit_nan"),
        "Gradient of the ensemble CRPS with respect to fct (n, m).");
}

}  // namespace

void bind_ensemble_scores(py::module_& m);  // cpp/ensemble_scores_cpu.cpp

void bind_crps_ensemble(py::module_& m) {
  bind_for_dtype<double>(m);
  bind_for_dtype<float>(m);
  bind_ensemble_scores(m);
}

}  // namespace riskcore
