#include "sort_lanes.hpp"

#include "simd.hpp"

namespace riskcore {
namespace {

// One wire of the 8 lanes: 8 doubles (one zmm register under AVX-512).
typedef double Wire __attribute__((vector_size(8 * kSortLanes)));

// The helpers are inlined into each clone of sort_columns8, so they compile for its instruction set
// (left out of line they were baseline x86-64 code, 12x slower at m = 1000), and their unrolled loops
// keep the wires in registers.
#define RISKCORE_SORT_INLINE __attribute__((always_inline)) inline

RISKCORE_SORT_INLINE Wire load_wire(const double* cols, index_t w) {
  Wire v;
  __builtin_memcpy(&v, cols + w * kSortLanes, sizeof v);
  return v;
}

RISKCORE_SORT_INLINE void store_wire(double* cols, index_t w, const Wire& v) {
  __builtin_memcpy(cols + w * kSortLanes, &v, sizeof v);
}

// The comparator on wires (lo, hi), lo < hi: ascending puts the smaller key on lo.
template <bool descending>
RISKCORE_SORT_INLINE void compare_exchange(Wire& lo, Wire& hi) {
  const auto less = lo < hi;
  const Wire small = less ? lo : hi, large = less ? hi : lo;
  lo = descending ? large : small;
  hi = descending ? small : large;
}

// Merges q = 1 .. 4 on the block of 16 wires at x0 (a multiple of 16): it ends ascending when bit 16 of
// x0 is clear, descending otherwise (as the later merges need it), by the mirrored network (every
// comparator's direction flipped).
template <bool block_descending>
RISKCORE_SORT_INLINE void sort16(double* cols, index_t x0) {
  Wire v[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) v[i] = load_wire(cols, x0 + i);
#pragma GCC unroll 4
  for (int q = 1; q <= 4; ++q)
#pragma GCC unroll 4
    for (int r = q - 1; r >= 0; --r)
#pragma GCC unroll 16
      for (int i = 0; i < 16; ++i) {
        const int k = 1 << q, j = 1 << r;
        if ((i & j) == 0) {
          if (((i & k) != 0) != block_descending)
            compare_exchange<true>(v[i], v[i | j]);
          else
            compare_exchange<false>(v[i], v[i | j]);
        }
      }
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) store_wire(cols, x0 + i, v[i]);
}

// R consecutive half-cleaners at distances d[0] > .. > d[R-1] on the group of wires
// x0 + sum_{s in l} d[s] (l a subset of 0..R-1, x0 with none of the distances' bits).
template <int R, bool descending>
RISKCORE_SORT_INLINE void half_cleaners(double* cols, index_t x0, const index_t* d) {
  constexpr int G = 1 << R;
  index_t wire[G];
  Wire v[G];
#pragma GCC unroll 16
  for (int l = 0; l < G; ++l) {
    wire[l] = x0;
#pragma GCC unroll 4
    for (int s = 0; s < R; ++s) wire[l] += (l >> s & 1) ? d[s] : 0;
    v[l] = load_wire(cols, wire[l]);
  }
#pragma GCC unroll 4
  for (int s = 0; s < R; ++s)
#pragma GCC unroll 16
    for (int l = 0; l < G; ++l)
      if ((l >> s & 1) == 0) compare_exchange<descending>(v[l], v[l | (1 << s)]);
#pragma GCC unroll 16
  for (int l = 0; l < G; ++l) store_wire(cols, wire[l], v[l]);
}

// One sweep: the half-cleaners d[0 .. R) of the merge of blocks of 2^q wires, over every group.
template <int R>
RISKCORE_SORT_INLINE void sweep(double* cols, index_t n, index_t block, const index_t* d) {
  index_t mask = 0;
  for (int s = 0; s < R; ++s) mask |= d[s];
  for (index_t x0 = 0; x0 < n; x0 = ((x0 | mask) + 1) & ~mask)
    if (x0 & block)
      half_cleaners<R, true>(cols, x0, d);
    else
      half_cleaners<R, false>(cols, x0, d);
}

}  // namespace

index_t bitonic_wires(index_t m) {
  index_t n = 16;
  while (n < m) n <<= 1;
  return n;
}

RISKCORE_SIMD_CLONES
void sort_columns8(double* cols, index_t n) {
  for (index_t x0 = 0; x0 < n; x0 += 32) {
    sort16<false>(cols, x0);
    if (x0 + 16 < n) sort16<true>(cols, x0 + 16);
  }
  for (index_t block = 32; block <= n; block <<= 1) {
    index_t d[4];
    for (index_t first = block >> 1; first > 0;) {  // distances first, first / 2, ..: up to four per sweep
      int r = 0;
      for (; r < 4 && first > 0; ++r, first >>= 1) d[r] = first;
      switch (r) {
        case 4: sweep<4>(cols, n, block, d); break;
        case 3: sweep<3>(cols, n, block, d); break;
        case 2: sweep<2>(cols, n, block, d); break;
        default: sweep<1>(cols, n, block, d); break;
      }
    }
  }
}

}  // namespace riskcore
