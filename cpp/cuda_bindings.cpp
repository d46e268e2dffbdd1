// Python entry points of the CUDA launchers. Arrays are passed as device pointers (integers) taken
// from __cuda_array_interface__ by the Python layer, which has validated shapes and dtypes.
// Without a CUDA build only `cuda_status` exists and reports why.
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "array_views.hpp"

#ifdef RISKCORE_WITH_CUDA
#include "cuda_check.cuh"
#include "cuda_launchers.hpp"
#include "estimator_names.hpp"
#include "mc_stream_launchers.hpp"
#include "risk_parts.hpp"
#include "tail_parts.hpp"
#endif

namespace riskcore {

#ifdef RISKCORE_WITH_CUDA
namespace {

const void* as_ptr(std::uintptr_t p) { return reinterpret_cast<const void*>(p); }

// The checks of the CPU bindings that raw device pointers allow: a direct caller gets an exception
// instead of a kernel reading out of bounds.
void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

void check_elements(int itemsize, index_t n, std::initializer_list<std::uintptr_t> pointers) {
  require(itemsize == 4 || itemsize == 8, "itemsize must be 4 (float32) or 8 (float64), got " + std::to_string(itemsize));
  require(n >= 0, "n must be >= 0");
  if (n > 0)
    for (auto p : pointers) require(p != 0, "a required device array is missing (null pointer)");
}

void check_ensemble(int itemsize, index_t n, index_t m, std::uintptr_t obs, std::uintptr_t fct, std::uintptr_t out) {
  check_elements(itemsize, n, {obs, fct, out});
  require(m >= 1, "fct needs at least one member");
}

// The simulator's tables (one chain or one per query) and arguments, as the CPU binding checks them;
// returns the number of chains.
index_t check_chains(const CArray<double>& cdf, const CArray<double>& masked_cdf, const CArray<double>& hazard,
                     const CArray<std::uint8_t>& kind, const CArray<std::int64_t>& start, index_t horizon,
                     index_t first, index_t count) {
  require_shape(cdf, "cdf", {-1, -1, -1});
  const index_t chains = cdf.shape(0), states = cdf.shape(1), queries = start.size();
  require_shape(cdf, "cdf", {chains, states, states});
  require_shape(masked_cdf, "masked_cdf", {chains, states, states});
  require_shape(hazard, "hazard", {chains, states});
  require_shape(kind, "kind", {chains, states});
  require(chains == 1 || chains == queries, "need one chain or one chain per query");
  require(horizon >= 0 && count >= 0 && first >= 0, "horizon, first and count must be >= 0");
  for (index_t q = 0; q < queries; ++q)
    require(start.data()[q] >= 0 && start.data()[q] < states, "start state out of range");
  return chains;
}

// Device allocations through a Python allocator (CuPy's memory pool): `allocate(nbytes)` returns an object
// with `.ptr`, kept alive until the launcher releases the pointer.
struct PythonAllocator {
  py::object allocate;
  std::unordered_map<std::uintptr_t, py::object> live;
};

PythonAllocator& python_allocator() {
  static auto* a = new PythonAllocator();  // never destroyed: outlives the interpreter's teardown
  return *a;
}

void* allocate_from_python(std::size_t bytes, cudaStream_t) {
  py::gil_scoped_acquire gil;
  py::object memory = python_allocator().allocate(bytes);
  const auto ptr = memory.attr("ptr").cast<std::uintptr_t>();
  python_allocator().live.emplace(ptr, std::move(memory));
  return reinterpret_cast<void*>(ptr);
}

// Host buffers for the per-chunk parts of the CUDA fused pass, combined like the CPU's (cpp/tail_parts.hpp).
struct HostTailParts {
  std::vector<double> parts;
  std::vector<index_t> counts;
  std::vector<TailChecks> checks;
  HostTailParts(index_t pairs, index_t nt)
      : parts(static_cast<size_t>(pairs * tail_part_stride(nt))), counts(static_cast<size_t>(pairs * (nt + 1))),
        checks(static_cast<size_t>(pairs)) {}
  cuda::TailParts view(std::uintptr_t terms, std::uintptr_t term_buckets) {
    return {parts.data(), counts.data(), checks.data(), reinterpret_cast<double*>(terms),
            reinterpret_cast<std::int32_t*>(term_buckets)};
  }
};

py::tuple tail_totals(index_t queries, index_t chunks, index_t nt, const HostTailParts& h) {
  TailTotals t = combine_tail_parts(queries, chunks, nt, h.parts.data(), h.checks.data(), h.counts.data());
  return py::make_tuple(t.sums, t.lw_stats, t.errors, t.event_counts);
}

index_t tail_chunks(index_t n) { return std::max<index_t>(1, (n + kTailChunk - 1) / kTailChunk); }

void check_tail_terms(int khat, bool grid, std::uintptr_t terms, std::uintptr_t term_buckets) {
  require(khat >= 0 && khat <= 2, "khat must be 0 (none), 1 (event terms) or 2 (all log-weights)");
  require(khat == 0 || terms != 0, "k-hat needs the terms array (queries, samples)");
  require(!(khat == 1 && grid) || term_buckets != 0, "k-hat over a threshold grid needs the buckets array");
}

void release_to_python(void* ptr, cudaStream_t) {
  py::gil_scoped_acquire gil;
  python_allocator().live.erase(reinterpret_cast<std::uintptr_t>(ptr));
}

}  // namespace

void bind_cuda(py::module_& m) {
  m.def("cuda_status", [] {
    std::string why;
    const int count = cuda::device_count(why);
    return py::make_tuple(count, why);
  });
#ifdef RISKCORE_CUDA_EMULATE
  m.attr("cuda_emulated") = true;
#else
  m.attr("cuda_emulated") = false;
#endif
  m.def("cuda_set_allocator", [](py::object allocate) {
    if (allocate.is_none()) {
      cuda::set_allocator({});
      python_allocator().allocate = py::none();
      return;
    }
    python_allocator().allocate = std::move(allocate);
    cuda::set_allocator({allocate_from_python, release_to_python});
  });
  m.def("cuda_allocations", [] { return python_allocator().live.size(); });
  m.def("cuda_crps_ensemble", [](int itemsize, std::uintptr_t obs, std::uintptr_t fct, std::uintptr_t weights,
                                 std::uintptr_t out, index_t n, index_t m, const std::string& estimator,
                                 double alpha, bool omit_nan, std::uintptr_t stream) {
    const int est = static_cast<int>(estimator_from_name(estimator));
    check_ensemble(itemsize, n, m, obs, fct, out);
    py::gil_scoped_release release;
    cuda::crps_ensemble(itemsize, as_ptr(obs), as_ptr(fct), as_ptr(weights), reinterpret_cast<void*>(out), n, m,
                        est, alpha, omit_nan, stream);
  });
  m.def("cuda_crps_ensemble_grad", [](int itemsize, std::uintptr_t obs, std::uintptr_t fct,
                                      std::uintptr_t weights, std::uintptr_t out, index_t n, index_t m,
                                      const std::string& estimator, double alpha, bool omit_nan,
                                      std::uintptr_t stream) {
    const EnsembleEstimator e = estimator_from_name(estimator);
    require(e != EnsembleEstimator::pwm && e != EnsembleEstimator::integral,
            "gradients are available for 'nrg', 'fair', 'afcrps', 'akr' and 'akr_circperm'");
    const int est = static_cast<int>(e);
    check_ensemble(itemsize, n, m, obs, fct, out);
    py::gil_scoped_release release;
    cuda::crps_ensemble_grad(itemsize, as_ptr(obs), as_ptr(fct), as_ptr(weights), reinterpret_cast<void*>(out),
                             n, m, est, alpha, omit_nan, stream);
  });
  m.def("cuda_energy_score", [](int itemsize, std::uintptr_t obs, std::uintptr_t fct, std::uintptr_t out,
                                index_t n, index_t m, index_t d, bool fair, std::uintptr_t stream) {
    check_ensemble(itemsize, n, m, obs, fct, out);
    require(d >= 1, "d must be >= 1");
    py::gil_scoped_release release;
    cuda::energy_score(itemsize, as_ptr(obs), as_ptr(fct), reinterpret_cast<void*>(out), n, m, d, fair, stream);
  });
  m.def("cuda_ensemble_score", [](const std::string& name, int itemsize, std::uintptr_t obs, std::uintptr_t fct,
                                  std::uintptr_t param, std::uintptr_t out, index_t n, index_t m, std::uintptr_t stream) {
    const EnsembleScore kind = ensemble_score_from_name(name);
    check_ensemble(itemsize, n, m, obs, fct, out);
    py::gil_scoped_release release;
    cuda::ensemble_score(static_cast<int>(kind), itemsize, as_ptr(obs), as_ptr(fct), as_ptr(param),
                         reinterpret_cast<void*>(out), n, m, stream);
  });
  m.def("cuda_multivariate_score", [](const std::string& name, int itemsize, std::uintptr_t obs, std::uintptr_t fct,
                                      std::uintptr_t ens_w, std::uintptr_t fw, std::uintptr_t ow, std::uintptr_t w,
                                      index_t n, index_t m, index_t d, double p, const std::vector<index_t>& strides,
                                      std::uintptr_t out, std::uintptr_t stream) {
    const MvScore kind = mv_score_from_name(name);
    check_ensemble(itemsize, n, m, obs, fct, out);
    require(d >= 1, "d must be >= 1");
    check_mv_inputs(kind, w != 0, fw != 0, ow != 0);
    require(strides.size() == 13, "strides: 13 element strides (fct 3, obs 2, ens_w 2, fw 2, ow 1, w 3)");
    cuda::MultivariateArgs args{static_cast<int>(kind), itemsize, as_ptr(obs), as_ptr(fct), as_ptr(ens_w),
                                as_ptr(fw), as_ptr(ow), as_ptr(w), n, m, d, p, {}};
    std::copy(strides.begin(), strides.end(), args.strides);
    py::gil_scoped_release release;
    cuda::multivariate_score(args, reinterpret_cast<void*>(out), stream);
  });
  m.def("cuda_multivariate_grad", [](const std::string& name, int itemsize, std::uintptr_t obs, std::uintptr_t fct,
                                     std::uintptr_t ens_w, std::uintptr_t w, index_t n, index_t m, index_t d, double p,
                                     const std::vector<index_t>& strides, std::uintptr_t out, std::uintptr_t stream) {
    const MvScore kind = mv_score_from_name(name);
    check_ensemble(itemsize, n, m, obs, fct, out);
    require(d >= 1, "d must be >= 1");
    check_mv_gradient(kind, name, w != 0);
    require(strides.size() == 13, "strides: 13 element strides (fct 3, obs 2, ens_w 2, fw 2, ow 1, w 3)");
    cuda::MultivariateArgs args{static_cast<int>(kind), itemsize, as_ptr(obs), as_ptr(fct), as_ptr(ens_w),
                                nullptr, nullptr, as_ptr(w), n, m, d, p, {}};
    std::copy(strides.begin(), strides.end(), args.strides);
    py::gil_scoped_release release;
    cuda::multivariate_grad(args, reinterpret_cast<void*>(out), stream);
  });
  m.def("cuda_clogs_ensemble", [](int itemsize, std::uintptr_t obs, std::uintptr_t fct, std::uintptr_t a,
                                  std::uintptr_t b, std::uintptr_t bw, index_t n, index_t m, bool cens,
                                  const std::vector<index_t>& strides, std::uintptr_t out, std::uintptr_t stream) {
    check_ensemble(itemsize, n, m, obs, fct, out);
    check_elements(itemsize, n, {a, b});
    require(strides.size() == 6, "strides: 6 element strides (obs, fct 2, a, b, bw)");
    cuda::ClogsArgs args{itemsize, as_ptr(obs), as_ptr(fct), as_ptr(a), as_ptr(b), as_ptr(bw), n, m, cens, {}};
    std::copy(strides.begin(), strides.end(), args.strides);
    py::gil_scoped_release release;
    cuda::clogs_ensemble(args, reinterpret_cast<void*>(out), stream);
  });
  m.def("cuda_crps_parametric", [](const std::string& name, int itemsize, const std::vector<std::uintptr_t>& args,
                                   const std::vector<index_t>& steps, std::uintptr_t out, index_t n,
                                   std::uintptr_t stream) {
    require(args.size() == steps.size(), "args and steps must have the same length");
    check_elements(itemsize, n, {out});
    std::vector<const void*> ptrs;
    for (size_t j = 0; j < args.size(); ++j) {
      require(args[j] != 0 || n == 0, "a required device array is missing (null pointer)");
      require(steps[j] == 0 || steps[j] == 1, "steps must be 0 (broadcast) or 1");
      ptrs.push_back(as_ptr(args[j]));
    }
    py::gil_scoped_release release;
    cuda::crps_parametric(name, itemsize, ptrs, steps, reinterpret_cast<void*>(out), n, stream);
  });
  m.def("cuda_knapsack_max_sums", [](const std::vector<CArray<double>>& values, const CArray<std::int64_t>& ms,
                                     const CArray<std::int64_t>& t_max, std::uintptr_t stream) {
    const index_t problems = static_cast<index_t>(values.size());
    require_shape(ms, "m", {problems});
    require_shape(t_max, "t_max", {problems});
    for (index_t p = 0; p < problems; ++p) {
      require(values[p].ndim() == 1 && values[p].size() >= 1, "values must be non-empty 1-d arrays");
      require(ms.data()[p] >= 1 && t_max.data()[p] >= 0, "m must be >= 1 and t_max >= 0");
    }
    CArray<double> out(problems);
    double* po = out.mutable_data();
    std::vector<const double*> v;
    std::vector<index_t> slots;
    for (const auto& a : values) {
      v.push_back(a.data());
      slots.push_back(a.size());
    }
    py::gil_scoped_release release;
    cuda::knapsack_max_sums(v, slots, ms.data(), t_max.data(), po, stream);
    return out;
  });
  m.def("cuda_simulate_moments", [](const CArray<double>& cdf, const CArray<double>& masked_cdf,
                                    const CArray<double>& hazard, const CArray<std::uint8_t>& kind,
                                    const CArray<std::int64_t>& start, index_t horizon, std::uint64_t seed,
                                    index_t first, index_t count, std::uintptr_t stream) {
    const index_t chains = check_chains(cdf, masked_cdf, hazard, kind, start, horizon, first, count);
    const index_t states = cdf.shape(1), queries = start.size();
    CArray<double> moments({queries, index_t{3}, index_t{2}});
    CArray<std::int64_t> steps(queries);
    {
      py::gil_scoped_release release;
      cuda::simulate_moments(cdf.data(), masked_cdf.data(), hazard.data(), kind.data(), start.data(), chains, states,
                             queries, horizon, seed, first, count, moments.mutable_data(), steps.mutable_data(),
                             stream);
    }
    return py::make_tuple(moments, steps);
  });
  m.def("cuda_simulate_pair_sums", [](const CArray<double>& cdf, const CArray<double>& masked_cdf,
                                      const CArray<double>& hazard, const CArray<std::uint8_t>& kind,
                                      const CArray<std::int64_t>& start, index_t horizon, std::uint64_t seed,
                                      index_t first, index_t count, const CArray<double>& centre,
                                      std::uintptr_t stream) {
    const index_t chains = check_chains(cdf, masked_cdf, hazard, kind, start, horizon, first, count);
    const index_t states = cdf.shape(1), queries = start.size();
    require_shape(centre, "centre", {queries, 3});
    CArray<double> sums({queries, index_t{18}});
    CArray<std::int64_t> steps(queries);
    {
      py::gil_scoped_release release;
      cuda::simulate_pair_sums(cdf.data(), masked_cdf.data(), hazard.data(), kind.data(), start.data(), chains,
                               states, queries, horizon, seed, first, count, centre.data(), sums.mutable_data(),
                               steps.mutable_data(), stream);
    }
    return py::make_tuple(sums, steps);
  });
  m.def("cuda_crps_mixnorm", [](int itemsize, std::uintptr_t obs, std::uintptr_t mu, std::uintptr_t s,
                                std::uintptr_t w, std::uintptr_t out, index_t n, index_t k, std::uintptr_t stream) {
    check_elements(itemsize, n, {obs, mu, s, w, out});
    require(k >= 1, "the mixture needs at least one component");
    py::gil_scoped_release release;
    cuda::crps_mixnorm(itemsize, as_ptr(obs), as_ptr(mu), as_ptr(s), as_ptr(w), reinterpret_cast<void*>(out), n,
                       k, stream);
  });
  m.def("cuda_crps_mixnorm_grad", [](int itemsize, std::uintptr_t obs, std::uintptr_t mu, std::uintptr_t s,
                                     std::uintptr_t w, std::uintptr_t out, index_t n, index_t k,
                                     std::uintptr_t stream) {
    check_elements(itemsize, n, {obs, mu, s, w, out});
    require(k >= 1, "the mixture needs at least one component");
    py::gil_scoped_release release;
    cuda::crps_mixnorm_grad(itemsize, as_ptr(obs), as_ptr(mu), as_ptr(s), as_ptr(w), reinterpret_cast<void*>(out),
                            n, k, stream);
  });
  // tail: the fused importance-sampling pass; returns (sums, lw_stats, errors, event_counts) on the host and
  // leaves the k-hat candidates in `terms` (and `term_buckets`) on the device.
  m.def("cuda_tail_sums", [](int itemsize, int kind, int khat, std::uintptr_t log_p, std::uintptr_t log_q,
                             std::uintptr_t event, const std::vector<index_t>& strides, std::uintptr_t thresholds,
                             index_t threshold_rows, index_t nt, index_t queries, index_t n, std::uintptr_t terms,
                             std::uintptr_t term_buckets, std::uintptr_t stream) {
    check_elements(itemsize, queries * n, {log_p, log_q, event, thresholds});
    require(kind >= kEventBool && kind <= kEventScore, "kind must be 0 (bool), 1 (graded) or 2 (score)");
    require(queries >= 1 && n >= 1, "need at least one query and one sample");
    require(strides.size() == 6, "strides: 6 element strides (log_p 2, log_q 2, event 2)");
    require(nt >= 1 && (kind == kEventScore || nt == 1), "boolean and graded events have one threshold column");
    require(threshold_rows == 1 || threshold_rows == queries, "thresholds must have 1 or `queries` rows");
    check_tail_terms(khat, nt > 1, terms, term_buckets);
    cuda::TailArgs args{itemsize, kind, khat, as_ptr(log_p), as_ptr(log_q), as_ptr(event), {},
                        reinterpret_cast<const double*>(thresholds), threshold_rows, nt, queries, n};
    std::copy(strides.begin(), strides.end(), args.strides);
    HostTailParts host(queries * tail_chunks(n), nt);
    {
      py::gil_scoped_release release;
      cuda::tail_sums(args, host.view(terms, term_buckets), stream);
    }
    return tail_totals(queries, tail_chunks(n), nt, host);
  });
  m.def("cuda_gaussian_shift_sums", [](double c, index_t n, std::uint64_t seed, std::uint64_t philox_stream,
                                       int khat, std::uintptr_t terms, std::uintptr_t stream) {
    require(n >= 1, "n must be >= 1");
    check_tail_terms(khat, false, terms, 0);
    HostTailParts host(tail_chunks(n), 1);
    {
      py::gil_scoped_release release;
      cuda::gaussian_shift_sums(c, n, seed, philox_stream, khat, host.view(terms, 0), stream);
    }
    return tail_totals(1, tail_chunks(n), 1, host);
  });
  // n normals / uniforms of Philox stream (seed, philox_stream) into the float64 device array out.
  using Draws = void (*)(double*, index_t, std::uint64_t, std::uint64_t, std::uintptr_t);
  for (const auto& named : {std::pair<const char*, Draws>{"cuda_standard_normals", cuda::standard_normals},
                            std::pair<const char*, Draws>{"cuda_standard_uniforms", cuda::standard_uniforms}}) {
    const Draws draw = named.second;
    m.def(named.first, [draw](std::uintptr_t out, index_t n, std::uint64_t seed, std::uint64_t philox_stream,
                              std::uintptr_t stream) {
      require(n >= 0, "n must be >= 0");
      require(n == 0 || out != 0, "a required device array is missing (null pointer)");
      py::gil_scoped_release release;
      draw(reinterpret_cast<double*>(out), n, seed, philox_stream, stream);
    });
  }
  // mc_stream: MC / SCOPE / REACH moments of device arrays (risk_moments' contract): hazards (Q, N, T, K),
  // lengths and first_hit (Q, N, K), mask (Q, N, T) or 0, read through `strides` (h 4, lengths 3, mask 3,
  // hit 3 element strides); the per-block parts come back and are merged as on the CPU.
  m.def("cuda_risk_moments", [](int itemsize, std::uintptr_t h, std::uintptr_t lengths, std::uintptr_t mask,
                                std::uintptr_t hit, const std::vector<index_t>& strides, index_t Q, index_t N, index_t T,
                                index_t K, int kind, std::uintptr_t stream) {
    require(itemsize == 4 || itemsize == 8, "itemsize must be 4 (float32) or 8 (float64), got " + std::to_string(itemsize));
    require(Q >= 1 && N >= 1 && K >= 1 && T >= 0, "need Q, N, K >= 1 and T >= 0");
    require(kind >= kRiskMc && kind <= kRiskReach, "unknown estimator kind");
    require(strides.size() == 13, "strides: 13 element strides (hazards 4, lengths 3, mask 3, first_hit 3)");
    require(lengths != 0 && (T == 0 || h != 0), "a required device array is missing (null pointer)");
    require(kind == kRiskReach || hit != 0, "mc and scope need first_hit");
    const index_t blocks = (N + kRiskBlock - 1) / kRiskBlock, pairs = Q * K;
    std::vector<RiskBlock> parts(static_cast<size_t>(pairs * blocks));
    CArray<double> out({index_t{5}, Q, K});
    CArray<std::int64_t> checks({index_t{4}});
    {
      py::gil_scoped_release release;
      const index_t* st = strides.data();
      cuda::risk_blocks(itemsize, as_ptr(h), st, reinterpret_cast<const std::int64_t*>(lengths), st + 4,
                        reinterpret_cast<const std::uint8_t*>(mask), st + 7, reinterpret_cast<const std::int64_t*>(hit),
                        st + 10, Q, N, T, K, kind, parts.data(), stream);
      combine_risk_parts(parts.data(), pairs, blocks, kind, out.mutable_data(), checks.mutable_data());
    }
    return py::make_tuple(out, checks);
  });
  // mc_stream: one sequence-model driver step on device rows (tables and row states are device arrays;
  // `tables` = (outcome_bits, chunk_bits, outcome_offsets, outcome_list, is_end, duration, horizon) pointers,
  // `rows` = (context, trajectory, role, alive, mc, scope, reach, elapsed, tokens, fork, done, bad) pointers).
  m.def("cuda_sequence_step", [](int itemsize, std::uintptr_t probs, index_t row_stride, index_t col_stride,
                                 const std::vector<std::uintptr_t>& tables, index_t V, index_t K, index_t H,
                                 double max_horizon, std::uint64_t seed, bool logits, bool coupled, index_t B,
                                 index_t t, const std::vector<std::uintptr_t>& rows, std::uintptr_t stream) {
    check_elements(itemsize, B, {probs});
    require(tables.size() == 7 && rows.size() == 12, "sequence_step takes 7 table and 12 row-state pointers");
    require(V >= 1 && K >= 1 && K <= 64 && H >= 1, "need V >= 1, 1 <= K <= 64 and H >= 1");
    for (auto p : tables) require(p != 0, "a required device array is missing (null pointer)");
    if (B > 0)
      for (auto p : rows) require(p != 0, "a required device array is missing (null pointer)");
    const auto u64 = [](std::uintptr_t p) { return reinterpret_cast<const std::uint64_t*>(p); };
    const auto i64 = [](std::uintptr_t p) { return reinterpret_cast<std::int64_t*>(p); };
    const auto f64 = [](std::uintptr_t p) { return reinterpret_cast<double*>(p); };
    const auto u8 = [](std::uintptr_t p) { return reinterpret_cast<std::uint8_t*>(p); };
    const StepTables tb{u64(tables[0]), u64(tables[1]), i64(tables[2]), i64(tables[3]), u8(tables[4]),
                        f64(tables[5]), f64(tables[6]), V, K, H, max_horizon, seed, logits, coupled};
    py::gil_scoped_release release;
    cuda::sequence_step(itemsize, as_ptr(probs), row_stride, col_stride, tb, B, t, i64(rows[0]), i64(rows[1]),
                        reinterpret_cast<const std::int8_t*>(rows[2]), u8(rows[3]), f64(rows[4]), f64(rows[5]),
                        f64(rows[6]), f64(rows[7]), i64(rows[8]), i64(rows[9]), u8(rows[10]), i64(rows[11]),
                        stream);
  });
}
#else
void bind_cuda(py::module_& m) {
  m.def("cuda_status", [] { return py::make_tuple(0, std::string("riskcore was built without CUDA")); });
  m.attr("cuda_emulated") = false;
}
#endif

}  // namespace riskcore
