// CUDA launchers for the CRPS kernels; the per-element math is the shared headers'.
//
// Ensemble CRPS and its gradient (m <= kBlockMembers): one block per forecast, one thread per member
// (blockDim = m rounded up to a power of two, at least a warp). The members are read coalesced, sorted
// in shared memory by a bitonic network with their weights and positions, and the sums of
// kernels/crps_ensemble.hpp are formed as block scans (the weight below / above each member) and block
// sums. No global scratch. The terms are the CPU's, their sums run in another order: within a few ulp
// of the CPU (tests/test_cuda_backend.py holds them to 1e-13 relative in float64). Larger ensembles run
// one thread per forecast on the CPU's row function (heapsort in global scratch, bit-identical).
// Energy score and normal mixture: one block per forecast, members / components loaded tile by tile
// into shared memory, pairs spread over the threads, block sums (each term is the CPU's).
#include <stdexcept>
#include <string>
#include <utility>

#include "crps_ensemble.hpp"
#include "crps_parametric.hpp"
#include "cuda_block.cuh"
#include "cuda_elementwise.cuh"
#include "cuda_launch.cuh"
#include "cuda_launchers.hpp"
#include "multivariate_scores.hpp"

namespace riskcore::cuda {
namespace {

constexpr index_t kBlockMembers = 1024;        // largest ensemble sorted in shared memory
constexpr unsigned kPairBlock = 128;           // threads of the energy-score / mixture blocks
constexpr index_t kTileDoubles = 4096;         // shared doubles for the tiles (32 KiB)
constexpr int kSums = 4;                       // values summed at once by the ensemble blocks

// Shared memory of an ensemble block of P threads: reduction scratch, then `arrays` double arrays of P,
// then the positions (int32).
struct EnsembleShared {
  double* red;
  double* key;
  double* w;
  double* suffix;
  double* prefix;
  int* pos;
};

__device__ inline EnsembleShared ensemble_shared(int P, bool with_prefix) {
  double* base = dynamic_shared<double>();
  EnsembleShared s;
  s.red = base;
  s.key = base + kSums * kReduceScratch;
  s.w = s.key + P;
  s.suffix = s.w + P;
  s.prefix = with_prefix ? s.suffix + P : nullptr;
  s.pos = reinterpret_cast<int*>(s.suffix + (with_prefix ? 2 : 1) * P);
  return s;
}

std::size_t ensemble_shared_bytes(unsigned P, bool with_prefix) {
  return (kSums * kReduceScratch + (with_prefix ? 4u : 3u) * P) * sizeof(double) + P * sizeof(int);
}

// This thread's member (original position threadIdx.x) after gather_block.
struct Member {
  double key = 0.0;
  double w = 0.0;  // normalised weight; 0 for members that take no part
  bool in = false;
};

// The block form of gather_members: the member of each thread, the count of members taking part, or -1
// when a NaN member propagates. Weights are divided by the largest and normalised to sum 1 (as the CPU).
template <class T>
__device__ inline int gather_block(const T* fct, const T* weights, index_t m, bool omit_nan, double* red,
                                   Member& me) {
  const index_t t = threadIdx.x;
  bool nan_member = false;
  me = Member{};
  if (t < m) {
    const double v = static_cast<double>(fct[t]);
    if (v != v) {
      nan_member = !omit_nan;
    } else {
      const double wt = weights ? static_cast<double>(weights[t]) : 1.0;
      me.key = v;
      me.w = wt;
      me.in = !weights || wt > 0.0;
    }
  }
  if (block_count(nan_member, red) > 0) return -1;
  const int n = block_count(me.in, red);
  if (n < 1) return n;
  if (weights) {
    const double largest = block_max(me.in ? me.w : 0.0, red);
    const double scaled = me.in ? me.w / largest : 0.0;
    double total[1] = {scaled};
    block_sum(total, red);
    me.w = me.in ? scaled / total[0] : 0.0;
  } else {
    me.w = me.in ? 1.0 / static_cast<double>(n) : 0.0;
  }
  return n;
}

// akr / akr_circperm: the members taking part, compacted in their given order into key[0..n); returns
// the score and this thread's slot (-1 when its member takes no part).
__device__ inline double akr_block(const Member& me, int n, double y, EnsembleEstimator est,
                                   const EnsembleShared& sh, double* gradient) {
  const int slot = static_cast<int>(block_scan(me.in ? 1.0 : 0.0, sh.red).before);
  if (me.in) sh.key[slot] = me.key;
  __syncthreads();
  const int s = static_cast<int>(akr_shift(est, n));
  double sums[2] = {0.0, 0.0};
  bool finite = is_finite_value(y), equal = true;
  double g = 0.0;
  if (me.in) {
    const int up = slot + s < n ? slot + s : slot + s - n, down = slot >= s ? slot - s : slot + n - s;
    sums[0] = fabs(me.key - y);
    sums[1] = fabs(me.key - sh.key[up]);
    finite = finite && is_finite_value(me.key);
    equal = me.key == y;
    g = (sign_of(me.key - y) - 0.5 * (sign_of(me.key - sh.key[up]) - sign_of(sh.key[down] - me.key))) /
        static_cast<double>(n);
  }
  block_sum(sums, sh.red);
  const bool infinite = block_count(!finite, sh.red) > 0, unequal = block_count(!equal, sh.red) > 0;
  const double score = infinite ? (unequal ? static_cast<double>(INFINITY) : 0.0)
                                : sums[0] / static_cast<double>(n) - 0.5 * sums[1] / static_cast<double>(n);
  *gradient = is_finite_value(score) ? g : (score == 0.0 ? 0.0 : quiet_nan());
  return score;
}

// Sorts the members taking part into key/w/pos[0..n) (pos: original positions) and forms this thread's
// sorted slot's weight below (prefix) and above (suffix); suffix[] holds every slot's weight above.
struct Sorted {
  double key, w, below, through, above;
};

__device__ inline Sorted sort_block(const Member& me, int n, const EnsembleShared& sh) {
  const int t = static_cast<int>(threadIdx.x), P = static_cast<int>(blockDim.x);
  sh.key[t] = me.in ? me.key : static_cast<double>(INFINITY);
  sh.w[t] = me.w;
  sh.pos[t] = me.in ? t : -1;
  bitonic_sort(sh.key, sh.w, sh.pos, P);
  Sorted s;
  s.key = sh.key[t];
  s.w = t < n ? sh.w[t] : 0.0;
  const Scan prefix = block_scan(s.w, sh.red);
  const int u = P - 1 - t;  // the suffix sums scan the slots from the top
  sh.suffix[u] = block_scan(u < n ? sh.w[u] : 0.0, sh.red).before;
  if (sh.prefix) sh.prefix[t] = prefix.before;
  __syncthreads();
  s.below = prefix.before;
  s.through = prefix.through;
  s.above = sh.suffix[t];
  return s;
}

// The +/-inf rule of infinite_row_score on the sorted block.
__device__ inline bool infinite_block(const EnsembleShared& sh, int n, double y, double* score) {
  const double lo = sh.key[0], hi = sh.key[n - 1];
  if (is_finite_value(y) && is_finite_value(lo) && is_finite_value(hi)) return false;
  *score = (lo == y && hi == y) ? 0.0 : static_cast<double>(INFINITY);
  return true;
}

template <class T>
__device__ double ensemble_block_row(const T* fct, const T* weights, index_t m, double y, EnsembleEstimator est,
                                     double alpha, bool omit_nan, const EnsembleShared& sh) {
  Member me;
  const int n = gather_block(fct, weights, m, omit_nan, sh.red, me);
  if (y != y || n < 1) return quiet_nan();
  if (is_akr(est)) {
    double unused;
    return akr_block(me, n, y, est, sh, &unused);
  }
  const Sorted s = sort_block(me, n, sh);
  double score;
  if (infinite_block(sh, n, y, &score)) return score;
  const int t = static_cast<int>(threadIdx.x);
  const bool valid = t < n;
  const double d = s.key - y;
  double sums[kSums] = {0.0, 0.0, 0.0, 0.0};
  if (est == EnsembleEstimator::integral) {  // the CPU's terms with cdf = the weight through this slot
    if (valid && t + 1 < n) {
      const double a = s.key, b = sh.key[t + 1], cdf = s.through;
      const double below = fmax(fmin(b, y) - a, 0.0), above = fmax(b - fmax(a, y), 0.0);
      sums[0] = cdf * cdf * below + (1.0 - cdf) * (1.0 - cdf) * above;
    }
    double total[1] = {sums[0]};
    block_sum(total, sh.red);
    return fmax(sh.key[0] - y, 0.0) + fmax(y - sh.key[n - 1], 0.0) + total[0];
  }
  if (est == EnsembleEstimator::pwm) {
    if (n < 2) return quiet_nan();
    const double inv_m = 1.0 / static_cast<double>(n), pair_norm = 1.0 / static_cast<double>(index_t{n} * (n - 1));
    if (valid) {
      sums[0] = fabs(d) * inv_m;
      sums[1] = d * inv_m;
      sums[2] = d * static_cast<double>(t) * pair_norm;
    }
    block_sum(sums, sh.red);
    return sums[0] + sums[1] - 2.0 * sums[2];
  }
  if (valid) {
    sums[0] = s.w * fabs(d);
    sums[1] = s.w * d * s.below;
    sums[2] = s.w * d * s.above;
    sums[3] = 2.0 * s.w * s.above;
  }
  block_sum(sums, sh.red);
  return sums[0] - scaled_spread(est, alpha, sums[1] - sums[2], sums[3]);
}

template <class T>
__global__ void ensemble_block_kernel(const T* obs, const T* fct, const T* weights, T* out, index_t m, EnsembleEstimator est, double alpha, bool omit_nan) {
  const EnsembleShared sh = ensemble_shared(static_cast<int>(blockDim.x), false);
  const index_t r = blockIdx.x;
  const double score = ensemble_block_row(fct + r * m, weights ? weights + r * m : nullptr, m,
                                          static_cast<double>(obs[r]), est, alpha, omit_nan, sh);
  if (threadIdx.x == 0) out[r] = static_cast<T>(score);
}

// crps_ensemble_grad_row on a block: ties are found by binary search in the sorted keys, the weight
// strictly below / above a tie group read from the prefix / suffix arrays.
template <class T>
__device__ void grad_block_row(const T* fct, const T* weights, index_t m, double y, EnsembleEstimator est,
                               double alpha, bool omit_nan, const EnsembleShared& sh, T* grad) {
  const index_t t = threadIdx.x;
  Member me;
  const int n = y != y ? -1 : gather_block(fct, weights, m, omit_nan, sh.red, me);
  if (n < 1) {
    if (t < m) grad[t] = static_cast<T>(quiet_nan());
    return;
  }
  if (is_akr(est)) {
    double g;
    akr_block(me, n, y, est, sh, &g);
    if (t < m) grad[t] = static_cast<T>(me.in ? g : 0.0);
    return;
  }
  const Sorted s = sort_block(me, n, sh);
  double infinite;
  if (infinite_block(sh, n, y, &infinite)) {
    if (t < m) grad[t] = static_cast<T>(infinite == 0.0 ? 0.0 : quiet_nan());
    return;
  }
  double pair_weight[1] = {t < n ? 2.0 * s.w * s.above : 0.0};
  block_sum(pair_weight, sh.red);
  if (t < m && !me.in) grad[t] = static_cast<T>(0);
  if (t < n) {
    const double below = sh.prefix[lower_bound(sh.key, n, s.key)];
    const double above = sh.suffix[upper_bound(sh.key, n, s.key) - 1];
    const double g = s.w * sign_of(s.key - y) - scaled_spread(est, alpha, s.w * below, pair_weight[0]);
    grad[sh.pos[t]] = static_cast<T>(g + scaled_spread(est, alpha, s.w * above, pair_weight[0]));
  }
}

template <class T>
__global__ void grad_block_kernel(const T* obs, const T* fct, const T* weights, T* out, index_t m,
                                  EnsembleEstimator est, double alpha, bool omit_nan) {
  const EnsembleShared sh = ensemble_shared(static_cast<int>(blockDim.x), true);
  const index_t r = blockIdx.x;
  grad_block_row(fct + r * m, weights ? weights + r * m : nullptr, m, static_cast<double>(obs[r]), est, alpha,
                 omit_nan, sh, out + r * m);
}

// Ensembles above kBlockMembers: one thread per forecast on the CPU's row functions, scratch in global memory.
template <class T>
__global__ void ensemble_scratch_kernel(const T* obs, const T* fct, const T* weights, T* out, index_t n,
                                        index_t m, EnsembleEstimator est, double alpha, bool omit_nan,
                                        double* key, double* w) {
  const index_t r = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= n) return;
  out[r] = static_cast<T>(crps_ensemble_row<T>(fct + r * m, weights ? weights + r * m : nullptr, m,
                                               obs[r], est, alpha, omit_nan, key + r * m, w + r * m));
}

template <class T>
__global__ void grad_scratch_kernel(const T* obs, const T* fct, const T* weights, T* out, index_t n, index_t m,
                                    EnsembleEstimator est, double alpha, bool omit_nan, double* key, double* w,
                                    index_t* pos) {
  const index_t r = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= n) return;
  crps_ensemble_grad_row<T>(fct + r * m, weights ? weights + r * m : nullptr, m, obs[r], est, alpha,
                            omit_nan, key + r * m, w + r * m, pos + r * m, out + r * m);
}

// sum_k (a_k - b_k)^2 over d values, in the CPU's order.
__device__ inline double squared_distance(const double* a, const double* b, index_t d) {
  double s = 0.0;
  for (index_t k = 0; k < d; ++k) {
    const double diff = a[k] - b[k];
    s += diff * diff;
  }
  return s;
}

// Members [first, first + count) of a row (count x d values, contiguous) into shared memory, coalesced.
template <class T>
__device__ inline void load_tile(const T* row, index_t first, index_t count, index_t d, double* tile) {
  __syncthreads();  // the previous tile's readers are done
  for (index_t e = threadIdx.x; e < count * d; e += blockDim.x) tile[e] = static_cast<double>(row[first * d + e]);
  __syncthreads();
}

// energy_score_row on a block: y and two tiles of `tile` members in shared memory.
template <class T>
__global__ void energy_block_kernel(const T* obs, const T* fct, T* out, index_t m, index_t d,
                                    bool fair, index_t tile) {
  double* red = dynamic_shared<double>();
  double* y = red + 2 * kReduceScratch;
  double* a_tile = y + d;
  double* b_tile = a_tile + tile * d;
  const index_t t = threadIdx.x, step = blockDim.x, r = blockIdx.x;
  if (fair && m < 2) {
    if (t == 0) out[r] = static_cast<T>(quiet_nan());
    return;
  }
  const T* x = fct + r * m * d;
  for (index_t k = t; k < d; k += step) y[k] = static_cast<double>(obs[r * d + k]);
  double sums[2] = {0.0, 0.0};  // sum_i ||x_i - y||, sum_{i<j} ||x_i - x_j||
  for (index_t a0 = 0; a0 < m; a0 += tile) {
    const index_t na = m - a0 < tile ? m - a0 : tile;
    load_tile(x, a0, na, d, a_tile);
    for (index_t i = t; i < na; i += step) sums[0] += sqrt(squared_distance(a_tile + i * d, y, d));
    for (index_t p = t; p < na * na; p += step) {
      const index_t i = p / na, j = p % na;
      if (i < j) sums[1] += sqrt(squared_distance(a_tile + i * d, a_tile + j * d, d));
    }
    for (index_t b0 = a0 + na; b0 < m; b0 += tile) {
      const index_t nb = m - b0 < tile ? m - b0 : tile;
      load_tile(x, b0, nb, d, b_tile);
      for (index_t p = t; p < na * nb; p += step)
        sums[1] += sqrt(squared_distance(a_tile + (p / nb) * d, b_tile + (p % nb) * d, d));
    }
  }
  block_sum(sums, red);
  const double md = static_cast<double>(m);
  if (t == 0) out[r] = static_cast<T>(sums[0] / md - sums[1] / (fair ? md * (md - 1.0) : md * md));
}

// Dimensions above this run one thread per forecast (energy_score_row): two tiles of one member no longer fit.
constexpr index_t kMaxTiledDims = (kTileDoubles - 2 * kReduceScratch) / 3;

template <class T>
__global__ void energy_scratch_kernel(const T* obs, const T* fct, T* out, index_t n, index_t m, index_t d,
                                      bool fair) {
  const index_t r = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (r >= n) return;
  const StridedVector<T> none{nullptr, 0};
  out[r] = static_cast<T>(kernel_score_row<T>(fair ? MvScore::es_fair : MvScore::es_nrg, StridedMatrix<T>{fct + r * m * d, d, 1},
                                              StridedVector<T>{obs + r * d, 1}, m, d, none, none, 1.0));
}

// Mixture components [first, first + count) of a row into shared memory: (mean, sd, weight) triples.
template <class T>
__device__ inline void load_components(const T* mu, const T* sd, const T* w, index_t first, index_t count,
                                       double* tile) {
  __syncthreads();
  for (index_t j = threadIdx.x; j < count; j += blockDim.x) {
    tile[3 * j] = static_cast<double>(mu[first + j]);
    tile[3 * j + 1] = static_cast<double>(sd[first + j]);
    tile[3 * j + 2] = static_cast<double>(w[first + j]);
  }
  __syncthreads();
}

constexpr index_t kComponentTile = (kTileDoubles - 2 * kReduceScratch) / 6;

// crps_mixnorm_row on a block: the weight sum first, then every (j, k) pair over two component tiles.
template <class T>
__global__ void mixnorm_block_kernel(const T* obs, const T* mu, const T* sd, const T* w, T* out, index_t k) {
  double* red = dynamic_shared<double>();
  double* a_tile = red + 2 * kReduceScratch;
  double* b_tile = a_tile + 3 * kComponentTile;
  const index_t t = threadIdx.x, step = blockDim.x, r = blockIdx.x;
  const T *mr = mu + r * k, *sr = sd + r * k, *wr = w + r * k;
  double wsum[1] = {0.0};
  for (index_t j = t; j < k; j += step) wsum[0] += static_cast<double>(wr[j]);
  block_sum(wsum, red);
  const double y = static_cast<double>(obs[r]);
  double sums[2] = {0.0, 0.0};  // sum_j w_j A(y - m_j, s_j), sum_jk w_j w_k A(m_j - m_k, ...)
  for (index_t a0 = 0; a0 < k; a0 += kComponentTile) {
    const index_t na = k - a0 < kComponentTile ? k - a0 : kComponentTile;
    load_components(mr, sr, wr, a0, na, a_tile);
    for (index_t j = t; j < na; j += step)
      sums[0] += a_tile[3 * j + 2] / wsum[0] * normal_abs_mean(y - a_tile[3 * j], a_tile[3 * j + 1]);
    for (index_t b0 = 0; b0 < k; b0 += kComponentTile) {
      const index_t nb = k - b0 < kComponentTile ? k - b0 : kComponentTile;
      if (b0 != a0) load_components(mr, sr, wr, b0, nb, b_tile);
      const double* b = b0 == a0 ? a_tile : b_tile;
      for (index_t p = t; p < na * nb; p += step) {
        const double* cj = a_tile + 3 * (p / nb);
        const double* ck = b + 3 * (p % nb);
        sums[1] += cj[2] / wsum[0] * (ck[2] / wsum[0]) *
                   normal_abs_mean(cj[0] - ck[0], sqrt(cj[1] * cj[1] + ck[1] * ck[1]));
      }
    }
  }
  block_sum(sums, red);
  if (t == 0) out[r] = static_cast<T>(sums[0] - 0.5 * sums[1]);
}

template <class T>
void ensemble_typed(const void* obs, const void* fct, const void* weights, void* out, index_t n,
                    index_t m, int estimator, double alpha, bool omit_nan, cudaStream_t s, bool grad) {
  if (n == 0) return;
  const auto est = static_cast<EnsembleEstimator>(estimator);
  const auto* o = static_cast<const T*>(obs);
  const auto* f = static_cast<const T*>(fct);
  const auto* wt = static_cast<const T*>(weights);
  auto* res = static_cast<T*>(out);
  if (m <= kBlockMembers) {
    const unsigned P = block_for(m);
    if (grad)
      launch("crps_ensemble_grad", grad_block_kernel<T>,
             per_block(n, P, "crps_ensemble_grad", ensemble_shared_bytes(P, true)), s, o, f, wt, res, m, est, alpha,
             omit_nan);
    else
      launch("crps_ensemble", ensemble_block_kernel<T>,
             per_block(n, P, "crps_ensemble", ensemble_shared_bytes(P, false)), s, o, f, wt, res, m, est, alpha,
             omit_nan);
    return;
  }
  const size_t cells = static_cast<size_t>(n) * static_cast<size_t>(m);
  DeviceBuffer<double> key(cells, s), w(cells, s);
  if (grad) {
    DeviceBuffer<index_t> pos(cells, s);
    launch("crps_ensemble_grad", grad_scratch_kernel<T>, items(n, "crps_ensemble_grad"), s, o, f, wt, res, n, m, est,
           alpha, omit_nan, key.get(), w.get(), pos.get());
  } else {
    launch("crps_ensemble", ensemble_scratch_kernel<T>, items(n, "crps_ensemble"), s, o, f, wt, res, n, m, est, alpha,
           omit_nan, key.get(), w.get());
  }
}

}  // namespace

void crps_ensemble(int itemsize, const void* obs, const void* fct, const void* weights, void* out,
                   index_t n, index_t m, int estimator, double alpha, bool omit_nan, std::uintptr_t stream) {
  by_itemsize(itemsize, [&](auto tag) {
    ensemble_typed<decltype(tag)>(obs, fct, weights, out, n, m, estimator, alpha, omit_nan, as_stream(stream), false);
  });
}

void crps_ensemble_grad(int itemsize, const void* obs, const void* fct, const void* weights, void* out,
                        index_t n, index_t m, int estimator, double alpha, bool omit_nan,
                        std::uintptr_t stream) {
  by_itemsize(itemsize, [&](auto tag) {
    ensemble_typed<decltype(tag)>(obs, fct, weights, out, n, m, estimator, alpha, omit_nan, as_stream(stream), true);
  });
}

template <class T>
void energy_typed(const void* obs, const void* fct, void* out, index_t n, index_t m, index_t d, bool fair,
                  cudaStream_t s) {
  const auto* o = static_cast<const T*>(obs);
  const auto* f = static_cast<const T*>(fct);
  if (d > kMaxTiledDims) {
    launch("energy_score", energy_scratch_kernel<T>, items(n, "energy_score"), s, o, f, static_cast<T*>(out), n, m,
           d, fair);
    return;
  }
  const index_t fit = (kTileDoubles - 2 * kReduceScratch - d) / (2 * d), tile = fit < m ? fit : m;
  const std::size_t shared = static_cast<std::size_t>(2 * kReduceScratch + d + 2 * tile * d) * sizeof(double);
  launch("energy_score", energy_block_kernel<T>, per_block(n, kPairBlock, "energy_score", shared), s,
         o, f, static_cast<T*>(out), m, d, fair, tile);
}

template <class T>
void mixnorm_typed(const void* obs, const void* mu, const void* sd, const void* w, void* out, index_t n, index_t k,
                   cudaStream_t s) {
  const std::size_t shared = static_cast<std::size_t>(2 * kReduceScratch + 6 * kComponentTile) * sizeof(double);
  launch("crps_mixnorm", mixnorm_block_kernel<T>, per_block(n, kPairBlock, "crps_mixnorm", shared), s,
         static_cast<const T*>(obs), static_cast<const T*>(mu), static_cast<const T*>(sd), static_cast<const T*>(w),
         static_cast<T*>(out), k);
}

void energy_score(int itemsize, const void* obs, const void* fct, void* out, index_t n, index_t m,
                  index_t d, bool fair, std::uintptr_t stream) {
  by_itemsize(itemsize,
              [&](auto tag) { energy_typed<decltype(tag)>(obs, fct, out, n, m, d, fair, as_stream(stream)); });
}

void crps_mixnorm(int itemsize, const void* obs, const void* m, const void* s, const void* w, void* out,
                  index_t n, index_t k, std::uintptr_t stream) {
  by_itemsize(itemsize, [&](auto tag) { mixnorm_typed<decltype(tag)>(obs, m, s, w, out, n, k, as_stream(stream)); });
}

void crps_parametric(const std::string& name, int itemsize, const std::vector<const void*>& args,
                     const std::vector<index_t>& steps, void* out, index_t n, std::uintptr_t stream) {
  RISKCORE_PARAMETRIC_CRPS(RISKCORE_ELEMENTWISE_LAUNCH)
  crps_parametric_grad(name, itemsize, args, steps, out, n, stream);  // throws for an unknown name
}

}  // namespace riskcore::cuda
