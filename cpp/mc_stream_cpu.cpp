// CPU driver of the one-pass MC / SCOPE / REACH folds of kernels/mc_stream.hpp: (query, outcome, block)
// items in parallel, merged in block order, so results do not depend on the thread count. Arrays are
// read through their strides (no copies).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <exception>
#include <system_error>
#include <thread>
#include <vector>

#include "array_views.hpp"
#include "mc_stream.hpp"
#include "parallel.hpp"
#include "risk_parts.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RISKCORE_HOST_AVX2 1
#endif

namespace riskcore {
namespace {

#ifdef RISKCORE_HOST_AVX2
// kernels/mc_stream.hpp's row_sums for contiguous rows with AVX2 (GCC does not vectorise the portable
// form): the same tree per chunk -- lanes (x_j + x_{j+4}) + (x_{j+8} + x_{j+12}) as one 4-wide vector,
// then (lane_0 + lane_1) + (lane_2 + lane_3) -- so the sums are bit-identical to the other backends.
__attribute__((target("avx2"))) inline __m256d load4(const float* x) { return _mm256_cvtps_pd(_mm_loadu_ps(x)); }
__attribute__((target("avx2"))) inline __m256d load4(const double* x) { return _mm256_loadu_pd(x); }

// Sign bits of the raw weights OR-ed into `sign` (a -0.0 or a negative NaN also sets one: check_row
// then scans the row exactly, so the flag may only err towards a scan).
__attribute__((target("avx2"))) inline void or_signs(const float* x, __m256d& sign) {
  sign = _mm256_or_pd(sign, _mm256_castps_pd(_mm256_or_ps(_mm256_loadu_ps(x), _mm256_loadu_ps(x + 8))));
}
__attribute__((target("avx2"))) inline void or_signs(const double* x, __m256d& sign) {
  sign = _mm256_or_pd(sign, _mm256_or_pd(_mm256_or_pd(_mm256_loadu_pd(x), _mm256_loadu_pd(x + 4)),
                                         _mm256_or_pd(_mm256_loadu_pd(x + 8), _mm256_loadu_pd(x + 12))));
}

// The four lanes (x_j + x_{j+4}) + (x_{j+8} + x_{j+12}), j < 4, of the full chunk at x.
template <class T>
__attribute__((target("avx2"))) inline __m256d chunk_lanes(const T* x) {
  return _mm256_add_pd(_mm256_add_pd(load4(x), load4(x + 4)), _mm256_add_pd(load4(x + 8), load4(x + 12)));
}

// The chunk sums of the contiguous row x into `sums` (the tree above; four chunks at a time, their
// (lane_0 + lane_1) and (lane_2 + lane_3) by one horizontal add per pair of chunks), fused with the
// running totals of the row's own draw: prefix[c] = the allowed weight of chunks 0..c
// (categorical_prefix), the chunks holding an outcome of `exclude` re-summed over their allowed tokens
// (allowed_chunk). Returns the row mass (the sums added in order), with the allowed weight in
// `allowed`; `neg` is set when a sign bit is set.
template <bool excluding, class T>
__attribute__((target("avx2"))) double row_pass_avx2(const T* x, const StepTables& tb, std::uint64_t exclude,
                                                     double* sums, double* prefix, double& allowed, bool& neg) {
  const index_t V = tb.V, full = V / kDrawChunk;
  __m256d sign = _mm256_setzero_pd();
  double total = 0.0, own = 0.0;
  const double* none = nullptr;
  index_t c = 0;
  for (; c + 4 <= full; c += 4) {
    const T* p = x + c * kDrawChunk;
    const __m256d l0 = chunk_lanes(p), l1 = chunk_lanes(p + 16), l2 = chunk_lanes(p + 32), l3 = chunk_lanes(p + 48);
    or_signs(p, sign), or_signs(p + 16, sign), or_signs(p + 32, sign), or_signs(p + 48, sign);
    const __m256d h01 = _mm256_hadd_pd(l0, l1), h23 = _mm256_hadd_pd(l2, l3);  // (c0: l0 + l1, c1: l0 + l1, c0: l2 + l3, ..)
    _mm256_storeu_pd(sums + c, _mm256_add_pd(_mm256_permute2f128_pd(h01, h23, 0x20),
                                             _mm256_permute2f128_pd(h01, h23, 0x31)));
    for (index_t i = c; i < c + 4; ++i) {
      total += sums[i];
      if (excluding) own += (tb.chunk_bits[i] & exclude) ? allowed_chunk(x, 1, none, sums, tb, exclude, i) : sums[i];
      prefix[i] = excluding ? own : total;
    }
  }
  for (; c < step_chunks(V); ++c) {
    const index_t c0 = c * kDrawChunk;
    sums[c] = chunk_sum(x + c0, 1, c0 + kDrawChunk <= V ? kDrawChunk : V - c0, neg);
    total += sums[c];
    if (excluding) own += allowed_chunk(x, 1, none, sums, tb, exclude, c);
    prefix[c] = excluding ? own : total;
  }
  neg |= _mm256_movemask_pd(sign) != 0;
  allowed = excluding ? own : total;
  return total;
}

// kernels/mc_stream.hpp's fold_steps for contiguous steps with AVX2 (GCC does not vectorise the
// portable form): trajectory g's four lanes over t mod 4 are one 4-wide vector, updated by the same
// operations (a separate multiply and add: target avx2 has no FMA), so the folds are bit-identical to
// the other backends; the range check is two compares per vector; fold_finish does the rest.
template <bool scope, int G, class Real>
__attribute__((target("avx2"))) void fold_steps_avx2(const Real* const* h, index_t stop, index_t end, double* x,
                                                     bool& bad) {
  const __m256d zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
  __m256d lanes[G], outside = zero;
  for (int g = 0; g < G; ++g) lanes[g] = zero;
  index_t t = 0;
  for (; t + 4 <= stop; t += 4)
    for (int g = 0; g < G; ++g) {
      const __m256d v = load4(h[g] + t);
      const __m256d below = _mm256_cmp_pd(v, zero, _CMP_NGE_UQ), above = _mm256_cmp_pd(v, one, _CMP_NLE_UQ);
      outside = _mm256_or_pd(outside, _mm256_or_pd(below, above));
      lanes[g] = scope ? _mm256_add_pd(lanes[g], v)
                       : _mm256_add_pd(lanes[g], _mm256_mul_pd(v, _mm256_sub_pd(one, lanes[g])));
    }
  double lane[G][4];
  for (int g = 0; g < G; ++g) _mm256_storeu_pd(lane[g], lanes[g]);
  bool out = _mm256_movemask_pd(outside) != 0;
  fold_finish<scope, true, G>(h, 1, t, stop, end, lane, x, out);
  bad = out;
}
#endif

// Whether the fused AVX2 passes above can run here.
bool host_has_avx2() {
#ifdef RISKCORE_HOST_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
#else
  return false;
#endif
}

// risk_block's fold on the CPU: fold_steps_avx2 for contiguous steps where the CPU has AVX2.
struct HostFold {
  template <int G, class Real>
  static void run(bool scope, const Real* const* h, index_t ht, index_t stop, index_t end, double* x, bool& bad) {
#ifdef RISKCORE_HOST_AVX2
    if (ht == 1 && host_has_avx2()) {
      if (scope)
        fold_steps_avx2<true, G>(h, stop, end, x, bad);
      else
        fold_steps_avx2<false, G>(h, stop, end, x, bad);
      return;
    }
#endif
    PortableFold::run<G>(scope, h, ht, stop, end, x, bad);
  }
};

// A row between its weights and its draw: the uniform, the row mass and the allowed weight, the first
// bad token (-1: none); its weights, masses (scratch) and running totals (prefix) are in `scratch`.
struct PendingRow {
  double u, total, allowed;
  std::int64_t bad;
  double* scratch;
  double* prefix;
};

// The weights of row p (kernels/mc_stream.hpp's row_weights and outcome_masses; the fused AVX2 pass for
// contiguous probabilities where the CPU has it) and the running totals of its own draw.
template <class Real>
void host_weights(const Real* p, index_t pv, const StepTables& tb, std::int64_t context, std::int64_t trajectory,
                  index_t t, int role, bool avx2, PendingRow& r) {
  r.u = step_draw(tb.seed, context, trajectory, t, role);
  const std::uint64_t own = own_exclude(role);
  r.allowed = 0.0;
#ifdef RISKCORE_HOST_AVX2
  if (avx2 && pv == 1 && !tb.logits) {
    bool neg = false;
    r.total = own ? row_pass_avx2<true>(p, tb, own, r.scratch, r.prefix, r.allowed, neg)
                  : row_pass_avx2<false>(p, tb, own, r.scratch, r.prefix, r.allowed, neg);
    r.bad = check_row(p, pv, tb.V, r.total, neg);
  } else
#endif
  {
    (void)avx2;
    r.total = row_weights(p, pv, tb, r.scratch, r.bad);
    if (r.bad < 0) {
      const double* w = r.scratch + step_chunks(tb.V) + tb.K;
      for (index_t c = 0; c < step_chunks(tb.V); ++c) {
        r.allowed += allowed_chunk(p, pv, w, r.scratch, tb, own, c);
        r.prefix[c] = r.allowed;
      }
    }
  }
  if (r.bad < 0) outcome_masses(p, pv, tb, r.scratch);
}

// The draw (categorical_prefix) and the updates (step_update) of a row after host_weights.
template <class Real>
std::int64_t host_draw(const Real* p, index_t pv, const StepTables& tb, index_t t, std::int64_t context,
                       std::int64_t trajectory, int role, const RowState& st, const PendingRow& r,
                       std::int64_t* fork, std::uint8_t& done) {
  done = 0;
  if (r.bad >= 0) return -1;
  const double* w = r.scratch + step_chunks(tb.V) + tb.K;
  const std::uint64_t own = own_exclude(role);
  const std::int64_t token =
      r.allowed > 0.0 ? categorical_prefix(p, pv, w, r.scratch, r.prefix, tb, own, r.u * r.allowed) : -1;
  return step_update(p, pv, tb, t, context, trajectory, role, st, r.scratch, r.total, token, fork, done);
}

template <class Real>
using Strided = py::array_t<Real, 0>;  // any strides, no dtype conversion

template <class Real>
index_t stride(const Strided<Real>& a, int axis) {
  return static_cast<index_t>(a.strides(axis)) / static_cast<index_t>(sizeof(Real));
}

template <class Real>
py::tuple risk_moments(const Strided<Real>& h, const Strided<std::int64_t>& len, const py::object& mask_obj,
                       const py::object& hit_obj, int kind) {
  if (h.ndim() != 4 || len.ndim() != 3) throw std::invalid_argument("hazards must be 4-d and lengths 3-d");
  RiskArrays<Real> a{};
  a.Q = h.shape(0), a.N = h.shape(1), a.T = h.shape(2), a.K = h.shape(3);
  a.h = h.data(), a.hq = stride(h, 0), a.hn = stride(h, 1), a.ht = stride(h, 2), a.hk = stride(h, 3);
  if (len.shape(0) != a.Q || len.shape(1) != a.N || len.shape(2) != a.K)
    throw std::invalid_argument("lengths must have shape (Q, N, K)");
  a.len = len.data(), a.lq = stride(len, 0), a.ln = stride(len, 1), a.lk = stride(len, 2);
  Strided<std::uint8_t> mask;
  if (!mask_obj.is_none()) {
    mask = mask_obj.cast<Strided<std::uint8_t>>();
    if (mask.ndim() != 3 || mask.shape(0) != a.Q || mask.shape(1) != a.N || mask.shape(2) != a.T)
      throw std::invalid_argument("mask must have shape (Q, N, T)");
    a.mask = mask.data(), a.mq = stride(mask, 0), a.mn = stride(mask, 1), a.mt = stride(mask, 2);
  }
  Strided<std::int64_t> hit;
  if (!hit_obj.is_none()) {
    hit = hit_obj.cast<Strided<std::int64_t>>();
    if (hit.ndim() != 3 || hit.shape(0) != a.Q || hit.shape(1) != a.N || hit.shape(2) != a.K)
      throw std::invalid_argument("first_hit must have shape (Q, N, K)");
    a.hit = hit.data(), a.iq = stride(hit, 0), a.in = stride(hit, 1), a.ik = stride(hit, 2);
  }
  if (kind < kRiskMc || kind > kRiskReach) throw std::invalid_argument("unknown estimator kind");
  const index_t blocks = (a.N + kRiskBlock - 1) / kRiskBlock, pairs = a.Q * a.K;
  std::vector<RiskBlock> parts(static_cast<size_t>(pairs * blocks));
  CArray<double> out({index_t{5}, a.Q, a.K});
  CArray<std::int64_t> checks({index_t{4}});
  {
    py::gil_scoped_release release;
    const index_t work = a.T > 0 ? a.T : 1;
    parallel_for(pairs * blocks, (1 << 16) / (kRiskBlock * work) + 1, [&](index_t i0, index_t i1) {
      for (index_t item = i0; item < i1; ++item) {
        const index_t pair = item / blocks, b = item % blocks;
        const index_t n0 = b * kRiskBlock, n1 = n0 + kRiskBlock < a.N ? n0 + kRiskBlock : a.N;
        parts[static_cast<size_t>(item)] = risk_block<Real, HostFold>(a, kind, pair / a.K, pair % a.K, n0, n1);
      }
    });
    combine_risk_parts(parts.data(), pairs, blocks, kind, out.mutable_data(), checks.mutable_data());
  }
  return py::make_tuple(out, checks);
}

// Runs work() on the calling thread and on up to num_threads() - 1 helper threads (as many as B rows
// need at min_rows each); `work` pulls blocks of rows from a shared counter until none are left. The
// calling thread is already running, so on a busy machine it does all the blocks that late-starting
// helpers do not (parallel_for's threads all start fresh, and a step waits for the slowest). A helper
// that cannot be started leaves its share to the others.
template <class Work>
void run_pulling(index_t B, index_t min_rows, Work work) {
  const index_t workers = std::max<index_t>(1, std::min<index_t>(num_threads(), (B + min_rows - 1) / min_rows));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
  std::vector<std::thread> helpers;
  for (index_t i = 1; i < workers; ++i) {
    try {
      helpers.emplace_back([&errors, &work, i] {
        try {
          work();
        } catch (...) {
          errors[static_cast<size_t>(i)] = std::current_exception();
        }
      });
    } catch (const std::system_error&) {
      break;
    }
  }
  try {
    work();
  } catch (...) {
    errors[0] = std::current_exception();
  }
  for (auto& h : helpers) h.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// One step of the sequence-model driver for every live row (kernels/mc_stream.hpp's sequence_step);
// the row states (alive, mc, scope, reach, elapsed) are updated in place.
template <class Real>
py::tuple sequence_step_batch(const Strided<Real>& probs, bool logits, const CArray<std::uint64_t>& outcome_bits,
                              const CArray<std::uint64_t>& chunk_bits, const CArray<std::int64_t>& outcome_offsets, const CArray<std::int64_t>& outcome_list,
                              const CArray<std::uint8_t>& is_end, const CArray<double>& duration,
                              const CArray<double>& horizon, std::uint64_t seed, bool coupled, index_t t,
                              const CArray<std::int64_t>& context, const CArray<std::int64_t>& trajectory,
                              const CArray<std::int8_t>& role, CArray<std::uint8_t>& alive, CArray<double>& mc,
                              CArray<double>& scope, CArray<double>& reach, CArray<double>& elapsed) {
  if (probs.ndim() != 2) throw std::invalid_argument("probabilities must be 2-d (rows, vocabulary)");
  const index_t B = probs.shape(0), V = probs.shape(1), K = alive.ndim() == 2 ? alive.shape(1) : -1;
  const index_t H = horizon.size();
  require_shape(outcome_bits, "outcome_bits", {V});
  require_shape(chunk_bits, "chunk_bits", {step_chunks(V)});
  require_shape(is_end, "is_end", {V});
  require_shape(duration, "duration", {V});
  for (const auto* a : {&context, &trajectory}) require_shape(*a, "rows", {B});
  require_shape(role, "role", {B});
  require_shape(alive, "alive", {B, K});
  require_shape(mc, "mc", {B, K, H});
  require_shape(scope, "scope", {B, K, H});
  require_shape(reach, "reach", {B, K, H});
  require_shape(elapsed, "elapsed", {B});
  if (K < 1 || K > 64) throw std::invalid_argument("1 to 64 outcomes");
  require_shape(outcome_offsets, "outcome_offsets", {K + 1});
  const std::int64_t* off = outcome_offsets.data();
  if (off[0] != 0 || off[K] != outcome_list.size()) throw std::invalid_argument("outcome_offsets do not fit");
  for (index_t i = 0; i < outcome_list.size(); ++i)
    if (outcome_list.data()[i] < 0 || outcome_list.data()[i] >= V) throw std::invalid_argument("outcome token");
  double max_h = -static_cast<double>(INFINITY);
  for (index_t j = 0; j < H; ++j) max_h = horizon.data()[j] > max_h ? horizon.data()[j] : max_h;
  const StepTables tb{outcome_bits.data(), chunk_bits.data(), off, outcome_list.data(), is_end.data(),
                      duration.data(), horizon.data(), V, K, H, max_h, seed, logits, coupled};
  CArray<std::int64_t> tokens({B}), fork({B, K}), bad({B});
  CArray<std::uint8_t> done({B});
  const index_t pb = stride(probs, 0), pv = stride(probs, 1);
  const bool avx2 = host_has_avx2();
  {
    py::gil_scoped_release release;
    // Rows go out in blocks from a shared counter, so a thread that starts late or is preempted takes
    // fewer blocks (each row's results depend on the row alone, not on the thread that ran it).
    // Within a block, rows run in a two-stage pipeline: the weights of row b, then the draw of row
    // b - 1, whose inputs are ready, so its latency and branch misses overlap row b's loads.
    constexpr index_t kRowBlock = 64;
    std::atomic<index_t> next{0};
    run_pulling(B, std::max<index_t>(1, 16384 / std::max<index_t>(V, 1)), [&] {
      const size_t per_row = static_cast<size_t>(step_scratch(V, K, logits) + step_chunks(V));
      std::vector<double> buffer(2 * per_row);
      PendingRow pending[2];
      for (int i = 0; i < 2; ++i) {
        pending[i].scratch = buffer.data() + i * per_row;
        pending[i].prefix = pending[i].scratch + step_scratch(V, K, logits);
      }
      const auto draw = [&](index_t b) {
        const RowState st{alive.mutable_data() + b * K, mc.mutable_data() + b * K * H,
                          scope.mutable_data() + b * K * H, reach.mutable_data() + b * K * H,
                          elapsed.mutable_data() + b};
        const PendingRow& r = pending[b & 1];
        bad.mutable_data()[b] = r.bad;
        tokens.mutable_data()[b] = host_draw(probs.data() + b * pb, pv, tb, t, context.data()[b], trajectory.data()[b],
                                             role.data()[b], st, r, fork.mutable_data() + b * K,
                                             done.mutable_data()[b]);
      };
      for (index_t b0 = next.fetch_add(kRowBlock); b0 < B; b0 = next.fetch_add(kRowBlock)) {
        const index_t b1 = std::min(B, b0 + kRowBlock);
        for (index_t b = b0; b < b1; ++b) {
          host_weights(probs.data() + b * pb, pv, tb, context.data()[b], trajectory.data()[b], t, role.data()[b],
                       avx2, pending[b & 1]);
          if (b > b0) draw(b - 1);
        }
        draw(b1 - 1);
      }
    });
  }
  return py::make_tuple(tokens, fork, done, bad);
}

}  // namespace

void bind_mc_stream(py::module_& m) {
  const char* doc =
      "MC / SCOPE / REACH moments in one pass over hazards (Q, N, T, K): ((5, Q, K) count, mean, m2, mc mean, "
      "mc m2; (bad hazards, first flat index, bad first hits, first flat index)).";
  m.def("risk_moments", &risk_moments<float>, py::arg("hazards").noconvert(), py::arg("lengths"),
        py::arg("mask"), py::arg("first_hit"), py::arg("kind"), doc);
  m.def("risk_moments", &risk_moments<double>, py::arg("hazards").noconvert(), py::arg("lengths"),
        py::arg("mask"), py::arg("first_hit"), py::arg("kind"), doc);
  const char* step_doc = "One driver step of every live row: (tokens, forks, done, first bad token or -1).";
  m.def("sequence_step", &sequence_step_batch<float>, py::arg("probs").noconvert(), py::arg("logits"),
        py::arg("outcome_bits"), py::arg("chunk_bits"), py::arg("outcome_offsets"), py::arg("outcome_list"),
        py::arg("is_end"), py::arg("duration"), py::arg("horizon"), py::arg("seed"),
        py::arg("coupled"), py::arg("t"), py::arg("context"), py::arg("trajectory"), py::arg("role"),
        py::arg("alive").noconvert(), py::arg("mc").noconvert(), py::arg("scope").noconvert(),
        py::arg("reach").noconvert(), py::arg("elapsed").noconvert(), step_doc);
  m.def("sequence_step", &sequence_step_batch<double>, py::arg("probs").noconvert(), py::arg("logits"),
        py::arg("outcome_bits"), py::arg("chunk_bits"), py::arg("outcome_offsets"), py::arg("outcome_list"),
        py::arg("is_end"), py::arg("duration"), py::arg("horizon"), py::arg("seed"),
        py::arg("coupled"), py::arg("t"), py::arg("context"), py::arg("trajectory"), py::arg("role"),
        py::arg("alive").noconvert(), py::arg("mc").noconvert(), py::arg("scope").noconvert(),
        py::arg("reach").noconvert(), py::arg("elapsed").noconvert(), step_doc);
}

}  // namespace riskcore
