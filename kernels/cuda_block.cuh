// Block-wide building blocks of the CUDA kernels (and of their emulation, kernels/cuda_emulation.hpp).
//
// Every helper is called by all threads of a block (blockDim.x a multiple of 32, at most 1024) and
// synchronises it; `scratch` is shared memory of kReduceScratch doubles per summed value.
//   block_sum(v, scratch)                 v[0..K) (double or integer) summed over the block, the same
//                                         result in every thread
//   block_max(v, scratch), block_count    the largest v / the number of threads with a true flag
//   block_scan(v, scratch)                {sum of v over the threads before this one, ... up to it}
//   bitonic_sort(key, w, pos, P)          key[0..P) ascending (P = blockDim.x, a power of two) with w and
//                                         pos carried along; entries with pos < 0 sort after all others
// Sums run as a butterfly within each warp, then over the warp totals in warp order: the same
// order on every run (deterministic), but not the CPU's left-to-right order.
#pragma once
#include "config.hpp"
#include "cuda_launch.cuh"
#include "sort.hpp"

namespace riskcore::cuda {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kReduceScratch = 32;  // one slot per warp

template <int K, class T>
__device__ inline void block_sum(T (&v)[K], T* scratch) {
  for (int o = 16; o > 0; o >>= 1)
    for (int k = 0; k < K; ++k) v[k] += __shfl_xor_sync(kFullMask, v[k], o);
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  if (lane == 0)
    for (int k = 0; k < K; ++k) scratch[k * kReduceScratch + warp] = v[k];
  __syncthreads();
  for (int k = 0; k < K; ++k) {
    v[k] = scratch[k * kReduceScratch];
    for (unsigned w = 1; w < warps; ++w) v[k] += scratch[k * kReduceScratch + w];
  }
  __syncthreads();
}

__device__ inline double block_max(double v, double* scratch) {
  for (int o = 16; o > 0; o >>= 1) {
    const double u = __shfl_xor_sync(kFullMask, v, o);
    v = u > v ? u : v;
  }
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = scratch[0];
  for (unsigned w = 1; w < warps; ++w) v = scratch[w] > v ? scratch[w] : v;
  __syncthreads();
  return v;
}

// Counts are exact in double up to 2^53.
__device__ inline int block_count(bool flag, double* scratch) {
  double v[1] = {flag ? 1.0 : 0.0};
  block_sum(v, scratch);
  return static_cast<int>(v[0]);
}

struct Scan {
  double before;   // sum over the threads with a smaller index
  double through;  // ... and this one
};

__device__ inline Scan block_scan(double v, double* scratch) {
  const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  double through = v;
  for (unsigned o = 1; o < 32; o <<= 1) {
    const double u = __shfl_up_sync(kFullMask, through, o);
    if (lane >= o) through += u;
  }
  double before = __shfl_up_sync(kFullMask, through, 1);
  if (lane == 0) before = 0.0;
  if (lane == 31) scratch[warp] = through;
  __syncthreads();
  double offset = 0.0;
  for (unsigned w = 0; w < warp; ++w) offset += scratch[w];
  __syncthreads();
  return Scan{offset + before, offset + through};
}

// Entry i sorts before entry j: valid (pos >= 0) and either j is not or key[i] < key[j].
__device__ inline bool sorts_before(const double* key, const int* pos, int i, int j) {
  return pos[i] >= 0 && (pos[j] < 0 || key[i] < key[j]);
}

// Bitonic sort of P = blockDim.x entries in shared memory, one per thread; w may be null.
__device__ inline void bitonic_sort(double* key, double* w, int* pos, int P) {
  const int t = static_cast<int>(threadIdx.x);
  __syncthreads();
  for (int size = 2; size <= P; size <<= 1) {
    for (int stride = size >> 1; stride > 0; stride >>= 1) {
      const int partner = t ^ stride;
      if (partner > t) {
        const bool ascending = (t & size) == 0;
        if (ascending ? sorts_before(key, pos, partner, t) : sorts_before(key, pos, t, partner)) {
          swap_values(key[t], key[partner]);
          swap_values(pos[t], pos[partner]);
          if (w) swap_values(w[t], w[partner]);
        }
      }
      __syncthreads();
    }
  }
}

// First index in key[0..n) (ascending) whose value is not below `value` / is above it.
__device__ inline int lower_bound(const double* key, int n, double value) {
  int lo = 0, hi = n;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (key[mid] < value)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

__device__ inline int upper_bound(const double* key, int n, double value) {
  int lo = 0, hi = n;
  while (lo < hi) {
    const int mid = (lo + hi) / 2;
    if (value < key[mid])
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

// Smallest power of two >= n, at least one warp.
inline unsigned block_for(index_t n) {
  unsigned p = 32;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace riskcore::cuda
