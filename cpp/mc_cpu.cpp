// CPU driver of the Markov-chain outcome-risk simulator: (query, trajectory) pairs in parallel, each a
// pure function of (seed, query, trajectory), so results do not depend on the thread count.
#include <atomic>
#include <cstdint>

#include "array_views.hpp"
#include "mc.hpp"
#include "parallel.hpp"

namespace riskcore {
namespace {

// Per-trajectory values for trajectories [first, first + count) of every query: (3, Q, count) array
// of MC, SCOPE and REACH values, and the number of transitions simulated.
py::tuple simulate_chunk(const CArray<double>& cdf, const CArray<double>& masked_cdf, const CArray<double>& hazard,
                         const CArray<std::uint8_t>& kind, const CArray<std::int64_t>& start, index_t horizon,
                         std::uint64_t seed, index_t first, index_t count) {
  require_shape(cdf, "cdf", {-1, -1, -1});
  const index_t chains = cdf.shape(0), states = cdf.shape(1);
  require_shape(cdf, "cdf", {chains, states, states});
  require_shape(masked_cdf, "masked_cdf", {chains, states, states});
  require_shape(hazard, "hazard", {chains, states});
  require_shape(kind, "kind", {chains, states});
  const index_t queries = start.size();
  if (chains != 1 && chains != queries) throw std::invalid_argument("need one chain or one chain per query");
  if (horizon < 0 || count < 0 || first < 0) throw std::invalid_argument("horizon, first and count must be >= 0");
  for (index_t q = 0; q < queries; ++q)
    if (start.data()[q] < 0 || start.data()[q] >= states) throw std::invalid_argument("start state out of range");
  CArray<double> values({index_t{3}, queries, count});
  double* out = values.mutable_data();
  std::int64_t total_steps = 0;
  {
    py::gil_scoped_release release;
    const index_t items = queries * count;
    std::atomic<std::int64_t> steps{0};
    parallel_for(items, 256, [&](index_t i0, index_t i1) {
      std::int64_t local = 0;
      for (index_t item = i0; item < i1; ++item) {
        const index_t q = item / count, i = item % count;
        const index_t c = chains == 1 ? 0 : q;
        const ChainTables chain{cdf.data() + c * states * states, masked_cdf.data() + c * states * states,
                                hazard.data() + c * states, kind.data() + c * states, states};
        const TrajectoryValues v = simulate_trajectory(chain, start.data()[q], horizon, seed, q, first + i);
        out[item] = v.mc;
        out[items + item] = v.scope;
        out[2 * items + item] = v.reach;
        local += v.steps;
      }
      steps += local;
    });
    total_steps = steps.load();
  }
  return py::make_tuple(values, total_steps);
}

}  // namespace

void bind_mc(py::module_& m) {
  m.def("simulate_chunk", &simulate_chunk, py::arg("cdf"), py::arg("masked_cdf"), py::arg("hazard"),
        py::arg("kind"), py::arg("start"), py::arg("horizon"), py::arg("seed"), py::arg("first"),
        py::arg("count"),
        "MC, SCOPE and REACH values of trajectories [first, first + count) of every query: ((3, Q, count), steps).");
}

}  // namespace riskcore
