// CUDA launchers of the fused importance-sampling pass (kernels/tail_sums.hpp) and of the shifted-Gaussian
// sampler (kernels/tail_sampler.hpp), and the standard normals alone. One block of kTailBlock threads per (query, chunk of kTailChunk
// samples), the CPU's chunking. Each thread runs chunk_tail_sums on its share of the chunk (the arrays:
// samples begin + t, begin + t + kTailBlock, ..., so a warp reads consecutive samples; the sampler: the
// contiguous run begin + t * kPerThread ..., whose normals it draws), then the block combines its threads'
// sums in a fixed order: the maximum and the scalar sums through block_max / block_sum, the per-bucket sums
// by one thread per bucket over the threads in order. Only the per-chunk parts (and the check report) go
// back to the host, where cpp/tail_parts.hpp combines the chunks as on the CPU. The k-hat candidates are
// written in place into a device array of one slot per sample (each thread's candidates into its own
// samples' slots), for the Python layer to select the largest on the device.
// Deterministic for a launch geometry; against the CPU the sums run in another order and use CUDA's exp
// and log (FMA contraction): within 1e-13 relative (tests/test_cuda_backend.py). The Philox words and
// so the samples' uniforms are the CPU's bit for bit.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "cuda_block.cuh"
#include "cuda_launch.cuh"
#include "cuda_launchers.hpp"
#include "tail_sampler.hpp"
#include "tail_sums.hpp"

namespace riskcore::cuda {
namespace {

constexpr unsigned kTailBlock = 256;
constexpr index_t kPerThread = kTailChunk / kTailBlock;  // samples per thread and chunk
// Per-thread bucket sums of one launch live in global scratch; launches cover at most this many doubles
// of it (a threshold grid of T costs 3 (T + 1) values per thread).
constexpr index_t kTailScratch = index_t{1} << 23;

// The per-thread bucket sums of a launch: t1 then t2 (2 (nt + 1) doubles) and counts (nt + 1) per thread.
struct ThreadScratch {
  double* sums;
  index_t* counts;
  TailChecks* checks;
};

// Thread t's share, after chunk_tail_sums: combine the block into part `pair` of `out`.
__device__ void combine_block(index_t pair, index_t nt, double max, double s0, double s2, const LogWeightStats& stats,
                              const TailChecks& checks, const ThreadScratch& scratch, const TailParts& out) {
  const unsigned t = threadIdx.x, threads = blockDim.x;
  const index_t mine = static_cast<index_t>(blockIdx.x) * threads + t;
  double* red = dynamic_shared<double>();
  double* factor = red + 4 * kReduceScratch;
  const double top = block_max(max, red);
  const double f = rescale_factor(max, top);
  double v[4] = {s0 * f, s2 * f * f, stats.sum, static_cast<double>(stats.dead)};
  block_sum(v, red);
  const double low = -block_max(-stats.min, red);
  factor[t] = f;
  scratch.checks[mine] = checks;
  __syncthreads();
  double* part = out.parts + pair * tail_part_stride(nt);
  if (t == 0) {
    part[0] = top;
    part[1] = v[0];
    part[2] = v[1];
    part[3] = v[2];
    part[4] = v[3];
    part[5] = low;
    TailChecks all;
    no_tail_errors(all);
    for (unsigned u = 0; u < threads; ++u) merge_checks(all, scratch.checks[mine - t + u]);
    out.checks[pair] = all;
  }
  const index_t width = 2 * (nt + 1);
  for (index_t k = t; k <= nt; k += threads) {
    double a = 0.0, b = 0.0;
    index_t c = 0;
    for (unsigned u = 0; u < threads; ++u) {
      const double* s = scratch.sums + (mine - t + u) * width;
      a += factor[u] * s[k];
      b += factor[u] * factor[u] * s[nt + 1 + k];
      c += scratch.counts[(mine - t + u) * (nt + 1) + k];
    }
    part[6 + k] = a;
    part[7 + nt + k] = b;
    out.counts[pair * (nt + 1) + k] = c;
  }
}

// The position of this query's checks: local index i of a thread's share is sample first + step * i.
__device__ void place_checks(TailChecks& c, index_t flat, index_t first, index_t step) {
  for (int k = 0; k < kTailChecks; ++k)
    if (c.count[k]) c.first[k] = flat + first + step * c.first[k];
}

template <class T>
__global__ void tail_sums_kernel(TailArgs a, index_t first_pair, index_t chunks, ThreadScratch scratch, TailParts out) {
  const index_t pair = first_pair + blockIdx.x, qi = pair / chunks, begin = (pair % chunks) * kTailChunk;
  const index_t end = begin + kTailChunk < a.n ? begin + kTailChunk : a.n;
  const index_t step = blockDim.x, first = begin + threadIdx.x;
  const index_t count = first < end ? (end - first + step - 1) / step : 0;
  const index_t at = count ? first : 0;  // pointers stay inside the arrays
  const T* log_p = static_cast<const T*>(a.log_p) + qi * a.strides[0] + at * a.strides[1];
  const T* log_q = static_cast<const T*>(a.log_q) + qi * a.strides[2] + at * a.strides[3];
  const index_t event_at = qi * a.strides[4] + at * a.strides[5];
  const bool flags = a.kind == kEventBool;
  const TailQuery<T> q{log_p, step * a.strides[1], log_q, step * a.strides[3], a.kind,
                       flags ? static_cast<const std::uint8_t*>(a.event) + event_at : nullptr,
                       flags ? nullptr : static_cast<const T*>(a.event) + event_at, step * a.strides[5],
                       a.thresholds + (a.threshold_rows == 1 ? 0 : qi * a.nt), a.nt, 0, 0};
  const index_t mine = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  double* t1 = scratch.sums + mine * 2 * (a.nt + 1);
  index_t* counts = scratch.counts + mine * (a.nt + 1);
  for (index_t b = 0; b <= a.nt; ++b) counts[b] = 0;
  double* terms = out.terms ? out.terms + qi * a.n : nullptr;
  std::int32_t* buckets = out.term_buckets ? out.term_buckets + qi * a.n : nullptr;
  index_t found = 0;
  const int khat = a.khat;
  auto on_term = [&](std::int32_t b, double term) {
    ++counts[b];
    if (khat == 1) {
      terms[first + step * found] = term;
      if (buckets) buckets[first + step * found] = b;
      ++found;
    }
  };
  double lw[kPerThread], max, s0, s2;
  std::int32_t bucket[kPerThread];
  LogWeightStats stats;
  TailChecks checks;
  no_tail_errors(checks);
  chunk_tail_sums(q, 0, count, lw, bucket, max, s0, s2, t1, t1 + a.nt + 1, stats, checks, on_term);
  if (khat == 2) {
    for (index_t i = 0; i < count; ++i) terms[first + step * i] = lw[i];
  } else if (khat == 1) {
    for (index_t i = found; i < count; ++i) terms[first + step * i] = -static_cast<double>(INFINITY);
  }
  place_checks(checks, qi * a.n, first, step);
  combine_block(pair, a.nt, max, s0, s2, stats, checks, scratch, out);
}

__global__ void gaussian_shift_kernel(double c, index_t n, std::uint64_t seed, std::uint64_t philox_stream, int khat,
                                      index_t first_pair, ThreadScratch scratch, TailParts out) {
  const index_t pair = first_pair + blockIdx.x, begin = pair * kTailChunk;
  const index_t end = begin + kTailChunk < n ? begin + kTailChunk : n;
  const index_t lo = begin + static_cast<index_t>(threadIdx.x) * kPerThread;
  const index_t hi = lo + kPerThread < end ? lo + kPerThread : end, count = lo < hi ? hi - lo : 0;
  const index_t mine = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  double* t1 = scratch.sums + mine * 4;
  index_t* counts = scratch.counts + mine * 2;
  counts[0] = counts[1] = 0;
  double lw[kPerThread], max = -static_cast<double>(INFINITY), s0, s2;
  std::int32_t bucket[kPerThread];
  LogWeightStats stats{0.0, static_cast<double>(INFINITY), 0};
  if (count) gaussian_shift_pass(c, lo, hi, seed, philox_stream, lw, bucket, max, stats);
  TailQuery<double> q{lw, 1, lw, 0, kEventScore, nullptr, nullptr, 1, &c, 1, 0, 0};
  q.prefilled = true;
  index_t found = 0;
  auto on_term = [&](std::int32_t b, double term) {
    ++counts[b];
    if (khat == 1) out.terms[lo + found++] = term;
  };
  TailChecks checks;  // normals are finite: nothing to check
  no_tail_errors(checks);
  chunk_tail_sums(q, 0, count, lw, bucket, max, s0, s2, t1, t1 + 2, stats, checks, on_term);
  if (khat == 2) {
    for (index_t i = 0; i < count; ++i) out.terms[lo + i] = lw[i];
  } else if (khat == 1) {
    for (index_t i = found; i < count; ++i) out.terms[lo + i] = -static_cast<double>(INFINITY);
  }
  combine_block(pair, 1, max, s0, s2, stats, checks, scratch, out);
}

// One thread per Philox block b: normals 4b .. min(4b + 4, n) - 1 into out (a warp writes 1 KiB in a row).
__global__ void normals_kernel(double* out, index_t n, std::uint64_t seed, std::uint64_t philox_stream) {
  const index_t b = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x, begin = 4 * b;
  if (begin < n) fill_normals(out + begin, begin, begin + 4 < n ? begin + 4 : n, seed, philox_stream);
}

// One thread per Philox block b: uniforms 4b .. min(4b + 4, n) - 1, uniform_from_bits of its words (exact:
// the same doubles as the host's).
__global__ void uniforms_kernel(double* out, index_t n, std::uint64_t seed, std::uint64_t philox_stream) {
  const index_t b = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x, begin = 4 * b;
  if (begin >= n) return;
  const Philox4x64Block w =
      philox4x64_10(Philox4x64Block{{static_cast<std::uint64_t>(b), 0, 0, 0}}, seed, philox_stream);
  for (index_t j = 0; j < 4 && begin + j < n; ++j) out[begin + j] = uniform_from_bits(w.v[j]);
}

// Launch `run(first_pair, pairs_now, scratch)` over [0, pairs) in launches whose thread scratch fits in
// kTailScratch doubles, then bring the parts to the host (`out` holds host pointers for parts, counts and
// checks; terms stay on the device).
template <class Run>
void in_launches(index_t pairs, index_t nt, const TailParts& out, cudaStream_t s, Run run) {
  const index_t per_pair = static_cast<index_t>(kTailBlock) * 3 * (nt + 1);
  const index_t group = std::max<index_t>(1, std::min<index_t>(pairs, kTailScratch / per_pair));
  const size_t threads = static_cast<size_t>(group) * kTailBlock;
  DeviceBuffer<double> sums(threads * 2 * static_cast<size_t>(nt + 1), s);
  DeviceBuffer<index_t> counts(threads * static_cast<size_t>(nt + 1), s);
  DeviceBuffer<TailChecks> checks(threads, s);
  const size_t stride = static_cast<size_t>(tail_part_stride(nt));
  DeviceBuffer<double> parts(static_cast<size_t>(pairs) * stride, s);
  DeviceBuffer<index_t> pair_counts(static_cast<size_t>(pairs) * static_cast<size_t>(nt + 1), s);
  DeviceBuffer<TailChecks> pair_checks(static_cast<size_t>(pairs), s);
  const TailParts device{parts.get(), pair_counts.get(), pair_checks.get(), out.terms, out.term_buckets};
  const ThreadScratch scratch{sums.get(), counts.get(), checks.get()};
  for (index_t first = 0; first < pairs; first += group) {
    const index_t now = std::min(group, pairs - first);
    run(first, per_block(now, kTailBlock, "tail_sums", (4 * kReduceScratch + kTailBlock) * sizeof(double)), scratch,
        device);
  }
  to_host(out.parts, parts, static_cast<size_t>(pairs) * stride, s);
  to_host(out.counts, pair_counts, static_cast<size_t>(pairs) * static_cast<size_t>(nt + 1), s);
  to_host(out.checks, pair_checks, static_cast<size_t>(pairs), s);
  check(cudaStreamSynchronize(s), "cudaStreamSynchronize after tail_sums");
}

template <class T>
void tail_sums_typed(const TailArgs& a, const TailParts& out, cudaStream_t s) {
  const index_t chunks = std::max<index_t>(1, (a.n + kTailChunk - 1) / kTailChunk);
  in_launches(a.queries * chunks, a.nt, out, s,
              [&](index_t first, const Geometry& g, const ThreadScratch& scratch, const TailParts& device) {
                launch("tail_sums", tail_sums_kernel<T>, g, s, a, first, chunks, scratch, device);
              });
}

}  // namespace

void tail_sums(const TailArgs& args, const TailParts& out, std::uintptr_t stream) {
  if (args.queries == 0) return;
  by_itemsize(args.itemsize, [&](auto tag) { tail_sums_typed<decltype(tag)>(args, out, as_stream(stream)); });
}

void gaussian_shift_sums(double c, index_t n, std::uint64_t seed, std::uint64_t philox_stream, int khat,
                         const TailParts& out, std::uintptr_t stream) {
  const cudaStream_t s = as_stream(stream);
  in_launches(std::max<index_t>(1, (n + kTailChunk - 1) / kTailChunk), 1, out, s,
              [&](index_t first, const Geometry& g, const ThreadScratch& scratch, const TailParts& device) {
                launch("gaussian_shift_sums", gaussian_shift_kernel, g, s, c, n, seed, philox_stream, khat, first,
                       scratch, device);
              });
}

// Both asynchronous on the caller's stream: CuPy's later work on it sees the draws.
void standard_normals(double* out, index_t n, std::uint64_t seed, std::uint64_t philox_stream,
                      std::uintptr_t stream) {
  launch("standard_normals", normals_kernel, items((n + 3) / 4, "standard_normals"), as_stream(stream), out, n, seed,
         philox_stream);
}

void standard_uniforms(double* out, index_t n, std::uint64_t seed, std::uint64_t philox_stream,
                       std::uintptr_t stream) {
  launch("standard_uniforms", uniforms_kernel, items((n + 3) / 4, "standard_uniforms"), as_stream(stream), out, n,
         seed, philox_stream);
}

}  // namespace riskcore::cuda
