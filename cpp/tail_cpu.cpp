// CPU driver of the importance-sampling log-sums: (query, chunk) pairs in parallel, chunks combined in
// order per query (so the result does not depend on the thread count).
#include <algorithm>
#include <vector>

#include "array_views.hpp"
#include "parallel.hpp"
#include "tail.hpp"

namespace riskcore {
namespace {

CArray<double> log_sums(const CArray<double>& log_weights, const CArray<std::uint8_t>& event) {
  require_shape(log_weights, "log_weights", {-1, -1});
  const index_t queries = log_weights.shape(0), n = log_weights.shape(1);
  require_shape(event, "event", {queries, n});
  const index_t chunks = (n + kTailChunk - 1) / kTailChunk;
  std::vector<LogSums> parts(static_cast<size_t>(queries * chunks));
  CArray<double> out({queries, index_t{5}});
  const double* lw = log_weights.data();
  const std::uint8_t* ev = event.data();
  double* po = out.mutable_data();
  py::gil_scoped_release release;
  parallel_for(queries * chunks, 1, [&](index_t p0, index_t p1) {
    for (index_t p = p0; p < p1; ++p) {
      const index_t q = p / chunks, c = p % chunks;
      const index_t begin = c * kTailChunk, end = std::min(n, begin + kTailChunk);
      parts[static_cast<size_t>(p)] = chunk_log_sums(lw + q * n, ev + q * n, begin, end);
    }
  });
  for (index_t q = 0; q < queries; ++q) {
    LogSums total = empty_log_sums();
    for (index_t c = 0; c < chunks; ++c) total = combine_log_sums(total, parts[static_cast<size_t>(q * chunks + c)]);
    const double values[5] = {total.max, total.s0, total.s1, total.s2, total.s2e};
    for (int k = 0; k < 5; ++k) po[q * 5 + k] = values[k];
  }
  return out;
}

}  // namespace

void bind_tail(py::module_& m) {
  m.def("log_sums", &log_sums, py::arg("log_weights"), py::arg("event"),
        "Per query: [max lw, sum w, sum w e, sum w^2, sum w^2 e] with w = exp(lw - max), (Q, 5).");
}

}  // namespace riskcore
