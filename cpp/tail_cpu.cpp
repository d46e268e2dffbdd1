// CPU driver of the fused importance-sampling pass of kernels/tail_sums.hpp (log-weights, checks, events
// or a threshold grid, and the k-hat candidates): (query, chunk) pairs in parallel, chunks combined in
// order per query (so the result does not depend on the thread count).
// No a * b + c contracted into an FMA in the instruction-set clones (target avx512f allows FMA): the
// samplers give the same bits as the Numba mirror, which does not contract.
#pragma GCC optimize("fp-contract=off")
#include <algorithm>
#include <functional>
#include <utility>
#include <vector>

#include "array_views.hpp"
#include "parallel.hpp"
#include "simd.hpp"
#include "tail_parts.hpp"
#include "tail_sampler.hpp"
#include "tail_sums.hpp"

namespace riskcore {
namespace {

// A 2-D view (queries, samples) of any strides (in elements; 0 broadcasts).
template <class T>
struct View2 {
  const T* data;
  index_t s0, s1;
};

template <class T>
View2<T> view2(const py::array& a, const char* name, index_t queries, index_t n) {
  if (a.ndim() != 2 || a.shape(0) != queries || a.shape(1) != n)
    throw std::invalid_argument(std::string(name) + " must have shape (queries, samples)");
  const auto item = static_cast<py::ssize_t>(sizeof(T));
  if (a.strides(0) % item || a.strides(1) % item) throw std::invalid_argument(std::string(name) + " is misaligned");
  return View2<T>{static_cast<const T*>(a.data()), static_cast<index_t>(a.strides(0) / item),
                  static_cast<index_t>(a.strides(1) / item)};
}

// Pass 2's weights compiled per instruction set (cpp/simd.hpp): exp_nonpositive vectorises.
RISKCORE_SIMD_CLONES void weights_tile(const double* lw, double max, double* w, index_t count) {
  scaled_weights(lw, max, w, count);
}

struct ClonedWeights {
  void operator()(const double* lw, double max, double* w, index_t count) const { weights_tile(lw, max, w, count); }
};

using Candidate = std::pair<std::int32_t, double>;  // (bucket, log term)

// Keep the `keep` largest terms of each bucket (the multiset is unique, so this is deterministic).
void prune(std::vector<Candidate>& c, index_t keep, index_t buckets) {
  if (static_cast<index_t>(c.size()) <= keep) return;
  auto larger = [](const Candidate& a, const Candidate& b) { return a.second > b.second; };
  if (buckets == 1) {
    std::nth_element(c.begin(), c.begin() + keep, c.end(), larger);
    c.resize(static_cast<size_t>(keep));
    return;
  }
  std::stable_sort(c.begin(), c.end(), [](const Candidate& a, const Candidate& b) { return a.first < b.first; });
  std::vector<Candidate> out;
  for (size_t lo = 0, hi = 0; lo < c.size(); lo = hi) {
    while (hi < c.size() && c[hi].first == c[lo].first) ++hi;
    const size_t take = std::min(hi - lo, static_cast<size_t>(keep));
    if (take < hi - lo) std::nth_element(c.begin() + lo, c.begin() + lo + take, c.begin() + hi, larger);
    out.insert(out.end(), c.begin() + lo, c.begin() + lo + take);
  }
  c.swap(out);
}


// The fused pass over (query, chunk) pairs. query_at(qi, begin, end, thresholds, nt, lw, bucket, max, stats)
// gives the TailQuery of a chunk: views into arrays, or a prefilled query (a sampler's own pass 1). kind: TailEventKind; khat: 0 none, 1 the event terms
// of each threshold, 2 all log-weights; keep: how many of the largest terms k-hat needs.
template <class T, class QueryAt>
py::tuple run_tail_sums(index_t queries, index_t n, int kind, const CArray<double>& thresholds, int khat,
                        index_t keep, QueryAt query_at) {
  require_shape(thresholds, "thresholds", {-1, -1});
  const index_t nt = thresholds.shape(1);
  if (thresholds.shape(0) != 1 && thresholds.shape(0) != queries)
    throw std::invalid_argument("thresholds must have 1 or `queries` rows");
  if (kind != kEventScore && nt != 1) throw std::invalid_argument("boolean and graded events have one column");
  const index_t t_row = thresholds.shape(0) == 1 ? 0 : nt;
  const index_t chunks = std::max<index_t>(1, (n + kTailChunk - 1) / kTailChunk), pairs = queries * chunks;
  const index_t stride = tail_part_stride(nt), khat_lists = khat == 1 ? nt : (khat == 2 ? 1 : 0);
  const index_t buckets = khat == 2 ? 1 : nt;
  std::vector<double> parts(static_cast<size_t>(pairs * stride));
  std::vector<TailChecks> checks(static_cast<size_t>(pairs));
  std::vector<std::vector<Candidate>> cands(static_cast<size_t>(khat ? pairs : 0));
  std::vector<index_t> counts(static_cast<size_t>(pairs * (nt + 1)), 0);  // finite event terms per bucket
  const double* pt = thresholds.data();
  {
    py::gil_scoped_release release;
    parallel_for(pairs, 1, [&](index_t p0, index_t p1) {
      std::vector<double> lw(static_cast<size_t>(std::min(n, kTailChunk)));
      std::vector<std::int32_t> bucket(lw.size());
      // A term below the keep-th largest of an earlier chunk of the same query cannot be among the
      // query's keep largest (one list only: with a grid each bucket has its own).
      double floor = -static_cast<double>(INFINITY);
      index_t floor_query = -1;
      for (index_t p = p0; p < p1; ++p) {
        const index_t qi = p / chunks, begin = (p % chunks) * kTailChunk, end = std::min(n, begin + kTailChunk);
        double* out = parts.data() + p * stride;
        LogWeightStats stats;
        const TailQuery<T> q = query_at(qi, begin, end, pt + qi * t_row, nt, lw.data(), bucket.data(), out[0], stats);
        TailChecks& c = checks[static_cast<size_t>(p)];
        no_tail_errors(c);
        std::vector<Candidate>* list = khat ? &cands[static_cast<size_t>(p)] : nullptr;
        index_t* count = counts.data() + p * (nt + 1);
        if (floor_query != qi) floor = -static_cast<double>(INFINITY);
        floor_query = qi;
        auto on_term = [&](std::int32_t b, double term) {
          ++count[b];
          if (khat == 1 && term >= floor) list->emplace_back(b, term);
        };
        chunk_tail_sums(q, begin, end, lw.data(), bucket.data(), out[0], out[1], out[2], out + 6, out + 7 + nt,
                        stats, c, on_term, ClonedWeights{});
        out[3] = stats.sum;
        out[4] = static_cast<double>(stats.dead);
        out[5] = stats.min;
        if (khat == 2) {
          for (index_t i = 0; i < end - begin; ++i)
            if (lw[static_cast<size_t>(i)] > -static_cast<double>(INFINITY) && lw[static_cast<size_t>(i)] >= floor)
              list->emplace_back(1, lw[static_cast<size_t>(i)]);
        }
        if (khat) {
          const bool full = static_cast<index_t>(list->size()) >= keep;
          prune(*list, keep, buckets);
          if (full && buckets == 1) {
            double kth = static_cast<double>(INFINITY);
            for (const auto& c : *list) kth = std::min(kth, c.second);
            floor = std::max(floor, kth);
          }
        }
      }
    });
  }
  TailTotals totals = combine_tail_parts(queries, chunks, nt, parts.data(), checks.data(), counts.data());
  // k-hat candidates: per query, the `keep` largest terms of each list (threshold j: buckets > j).
  CArray<std::int64_t> offsets({queries * khat_lists + 1});
  std::vector<double> tops;
  offsets.mutable_data()[0] = 0;
  for (index_t qi = 0; qi < queries; ++qi) {
    std::vector<std::vector<double>> per_bucket(static_cast<size_t>(buckets + 1));
    for (index_t ci = 0; ci < chunks && khat; ++ci)
      for (const auto& c : cands[static_cast<size_t>(qi * chunks + ci)])
        per_bucket[static_cast<size_t>(c.first)].push_back(c.second);
    std::vector<std::vector<double>> lists(static_cast<size_t>(khat_lists));
    std::vector<double> current;
    for (index_t b = buckets; b >= 1 && khat; --b) {
      const auto& add = per_bucket[static_cast<size_t>(b)];
      current.insert(current.end(), add.begin(), add.end());
      if (static_cast<index_t>(current.size()) > keep) {
        std::nth_element(current.begin(), current.begin() + keep, current.end(), std::greater<double>());
        current.resize(static_cast<size_t>(keep));
      }
      lists[static_cast<size_t>(b - 1)] = current;
    }
    for (index_t j = 0; j < khat_lists; ++j) {
      auto& l = lists[static_cast<size_t>(j)];
      std::sort(l.begin(), l.end(), std::greater<double>());
      tops.insert(tops.end(), l.begin(), l.end());
      offsets.mutable_data()[qi * khat_lists + j + 1] = static_cast<std::int64_t>(tops.size());
    }
  }
  CArray<double> top_array({static_cast<index_t>(tops.size())});
  std::copy(tops.begin(), tops.end(), top_array.mutable_data());
  return py::make_tuple(totals.sums, totals.lw_stats, totals.errors, top_array, offsets, totals.event_counts);
}

template <class T>
py::tuple tail_sums_typed(const py::array& log_p, const py::array& log_q, int kind, const py::object& event,
                          const CArray<double>& thresholds, int khat, index_t keep) {
  if (log_p.ndim() != 2) throw std::invalid_argument("log_p must have shape (queries, samples)");
  const index_t queries = log_p.shape(0), n = log_p.shape(1);
  const auto lp = view2<T>(log_p, "log_p", queries, n), lq = view2<T>(log_q, "log_q", queries, n);
  View2<std::uint8_t> ev{nullptr, 0, 0};
  View2<T> value{nullptr, 0, 0};
  if (kind == kEventBool) ev = view2<std::uint8_t>(event.cast<py::array>(), "event", queries, n);
  else value = view2<T>(event.cast<py::array>(), "event", queries, n);
  return run_tail_sums<T>(queries, n, kind, thresholds, khat, keep,
                          [&](index_t qi, index_t, index_t, const double* t, index_t nt, double*, std::int32_t*,
                              double&, LogWeightStats&) {
                            return TailQuery<T>{lp.data + qi * lp.s0, lp.s1, lq.data + qi * lq.s0, lq.s1, kind,
                                                ev.data ? ev.data + qi * ev.s0 : nullptr,
                                                value.data ? value.data + qi * value.s0 : nullptr,
                                                ev.data ? ev.s1 : value.s1, t, nt, qi * n, 0};
                          });
}

// The sampler's pass 1, compiled per instruction set (cpp/simd.hpp) so that fill_normals' angle loop
// vectorises.
RISKCORE_SIMD_CLONES void shift_pass(double c, index_t begin, index_t end, std::uint64_t seed, std::uint64_t stream,
                                     double* lw, std::int32_t* bucket, double& max, LogWeightStats& stats) {
  gaussian_shift_pass(c, begin, end, seed, stream, lw, bucket, max, stats);
}

// P(S >= c), S ~ N(0, 1), by the shifted proposal N(c, 1): samples s = c + eps with eps the Philox normals
// of (seed, stream) (kernels/tail_sampler.hpp), log-weight -s^2/2 + eps^2/2, event s >= c, drawn chunk by
// chunk into the pass's own scratch (gaussian_shift_pass) and summed: nothing of size n is materialised.
py::tuple gaussian_shift_sums(double c, index_t n, std::uint64_t seed, std::uint64_t stream, int khat, index_t keep) {
  if (n < 1) throw std::invalid_argument("n must be >= 1");
  CArray<double> thresholds({index_t{1}, index_t{1}});
  thresholds.mutable_data()[0] = c;
  return run_tail_sums<double>(1, n, kEventScore, thresholds, khat, keep,
                               [&](index_t, index_t begin, index_t end, const double* t, index_t nt, double* lw,
                                   std::int32_t* bucket, double& max, LogWeightStats& stats) {
                                 shift_pass(c, begin, end, seed, stream, lw, bucket, max, stats);
                                 TailQuery<double> q{lw, 1, lw, 0, kEventScore, nullptr, nullptr, 1, t, nt, 0, begin};
                                 q.prefilled = true;
                                 return q;
                               });
}

py::tuple tail_sums(const py::array& log_p, const py::array& log_q, int kind, const py::object& event,
                    const CArray<double>& thresholds, int khat, index_t keep) {
  if (kind < kEventBool || kind > kEventScore || khat < 0 || khat > 2 || keep < 1)
    throw std::invalid_argument("tail_sums: kind in 0..2, khat in 0..2, keep >= 1");
  if (log_p.dtype().is(py::dtype::of<double>())) return tail_sums_typed<double>(log_p, log_q, kind, event, thresholds, khat, keep);
  if (log_p.dtype().is(py::dtype::of<float>())) return tail_sums_typed<float>(log_p, log_q, kind, event, thresholds, khat, keep);
  throw std::invalid_argument("log_p must be float32 or float64");
}

}  // namespace

void bind_tail(py::module_& m) {
  m.def("tail_sums", &tail_sums, py::arg("log_p"), py::arg("log_q"), py::arg("kind"), py::arg("event"),
        py::arg("thresholds"), py::arg("khat"), py::arg("keep"),
        "Fused log-weights, checks and log-space sums (kernels/tail_sums.hpp): (sums (Q, T, 5), log-weight "
        "statistics (Q, 3) [sum, count of -inf, min], checks (4, 2), "
        "k-hat terms, their offsets, finite event terms (Q, T)).");
  m.def("gaussian_shift_sums", &gaussian_shift_sums, py::arg("c"), py::arg("n"), py::arg("seed"), py::arg("stream"),
        py::arg("khat"), py::arg("keep"),
        "tail_sums of n samples of N(c, 1) drawn in the kernel, weighted to N(0, 1), event s >= c.");
}

}  // namespace riskcore
