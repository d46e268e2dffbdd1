// Sorting used by the ensemble kernels, host and device.
//
// * heapsort_with_payload: O(m log m), no recursion and no allocation, so it runs inside a CUDA thread;
//   it carries up to two payload arrays (member weights, original positions) along with the keys.
// * apply_sorting_network<L>: applies a data-oblivious comparator network to L rows at once
//   (column layout cols[k * L + lane]); on the CPU L = 8 fills a 512-bit vector per comparator.
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

// Applies comparators (pairs[2c], pairs[2c+1]) with pairs[2c] < pairs[2c+1]: after it, every lane's
// column is ascending. Values must not be NaN.
template <int L>
RISKCORE_HD inline void apply_sorting_network(double* cols, const std::int32_t* pairs,
                                              index_t n_comparators) {
  Lanes<L>* rows = reinterpret_cast<Lanes<L>*>(cols);
  for (index_t c = 0; c < n_comparators; ++c) {
    const Lanes<L> a = rows[pairs[2 * c]];
    const Lanes<L> b = rows[pairs[2 * c + 1]];
    Lanes<L> lo, hi;
    for (int l = 0; l < L; ++l) {
      lo.v[l] = a.v[l] < b.v[l] ? a.v[l] : b.v[l];
      hi.v[l] = a.v[l] < b.v[l] ? b.v[l] : a.v[l];
    }
    rows[pairs[2 * c]] = lo;
    rows[pairs[2 * c + 1]] = hi;
  }
}

}  // namespace riskcore
