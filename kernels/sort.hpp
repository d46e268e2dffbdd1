// Sorting used by the ensemble kernels, host and device.
//
// * heapsort_with_payload: O(m log m), no recursion and no allocation, so it runs inside a CUDA thread;
//   it carries up to two payload arrays (member weights, original positions) along with the keys.
// * Lanes<L>: one key position of L rows (column layout cols[k * L + lane]), which cpp/sort_lanes.cpp
//   sorts 8 at a time by a comparator network (a 512-bit vector per comparator).
#pragma once
#include "config.hpp"

namespace riskcore {

template <class T>
RISKCORE_HD inline void swap_values(T& a, T& b) {
  T t = a;
  a = b;
  b = t;
}

RISKCORE_HD inline void swap_entries(double* key, double* w, index_t* pos, index_t i, index_t j) {
  swap_values(key[i], key[j]);
  if (w) swap_values(w[i], w[j]);
  if (pos) swap_values(pos[i], pos[j]);
}

RISKCORE_HD inline void sift_down(double* key, double* w, index_t* pos, index_t root, index_t n) {
  for (;;) {
    index_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && key[child + 1] > key[child]) ++child;
    if (!(key[child] > key[root])) return;
    swap_entries(key, w, pos, root, child);
    root = child;
  }
}

// Sorts key[0..n) ascending; w and pos (either may be null) are permuted alongside.
RISKCORE_HD inline void heapsort_with_payload(double* key, double* w, index_t* pos, index_t n) {
  for (index_t i = n / 2; i-- > 0;) sift_down(key, w, pos, i, n);
  for (index_t end = n - 1; end > 0; --end) {
    swap_entries(key, w, pos, 0, end);
    sift_down(key, w, pos, 0, end);
  }
}

template <int L>
struct alignas(8 * L) Lanes {
  double v[L];
};

}  // namespace riskcore
