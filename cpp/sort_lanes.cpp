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

// Transposes 8 rows of 8 keys (r[i][j]) into 8 wires (r[j][i]) in three rounds of two-input shuffles
// that swap the off-diagonal 1 x 1, 2 x 2 and 4 x 4 blocks.
RISKCORE_SORT_INLINE void transpose8(Wire r[8]) {
  typedef long long Index __attribute__((vector_size(8 * kSortLanes)));
  Wire a[8], b[8];
#pragma GCC unroll 4
  for (int i = 0; i < 8; i += 2) {
    a[i] = __builtin_shuffle(r[i], r[i + 1], Index{0, 8, 2, 10, 4, 12, 6, 14});
    a[i + 1] = __builtin_shuffle(r[i], r[i + 1], Index{1, 9, 3, 11, 5, 13, 7, 15});
  }
#pragma GCC unroll 4
  for (int i = 0; i < 6; i += (i == 1 ? 3 : 1)) {  // 0, 1, 4, 5
    b[i] = __builtin_shuffle(a[i], a[i + 2], Index{0, 1, 8, 9, 4, 5, 12, 13});
    b[i + 2] = __builtin_shuffle(a[i], a[i + 2], Index{2, 3, 10, 11, 6, 7, 14, 15});
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    r[i] = __builtin_shuffle(b[i], b[i + 4], Index{0, 1, 2, 3, 8, 9, 10, 11});
    r[i + 4] = __builtin_shuffle(b[i], b[i + 4], Index{4, 5, 6, 7, 12, 13, 14, 15});
  }
}

// Stores wire k = key chained through [lower, upper] (ternaries: a NaN stays NaN) and adds v - v to
// `spoiled`: 0 for finite v, NaN for a NaN or an infinity (plain arithmetic, which GCC keeps in vector
// registers where a masked select was split into scalar comparisons).
RISKCORE_SORT_INLINE void store_chained(double* cols, index_t k, const Wire& key, const Wire& lower,
                                        const Wire& upper, Wire& spoiled) {
  Wire v = key < lower ? lower : key;
  v = v > upper ? upper : v;
  spoiled += v - v;
  store_wire(cols, k, v);
}

// Wires from which fill_wires transposes in tiles: the block (n x 64 bytes) outgrows a 32 KB L1 there, and
// the row-by-row walk, which stores one double into each wire's line, misses on every store (1.2x slower
// end to end at m = 512 and 1000). Below it that walk, which reads each row as one stream, was as fast
// or faster than the tiles (m = 16 to 256).
constexpr index_t kTileWires = 512;

template <class T>
RISKCORE_SORT_INLINE unsigned fill_wires(const T* const* rows, index_t step, index_t m, index_t n, double lower,
                                         double upper, double* cols) {
  const Wire lo = Wire{} + lower, hi = Wire{} + upper;
  Wire spoiled = {};
  if (step == 1 && n >= kTileWires) {  // 8 x 8 tiles: 8 contiguous loads, a transpose, 8 stores
    typedef T Row8 __attribute__((vector_size(sizeof(T) * kSortLanes)));
    index_t k = 0;
    for (; k + 8 <= m; k += 8) {
      Wire tile[8];
#pragma GCC unroll 8
      for (int lane = 0; lane < 8; ++lane) {
        Row8 keys;
        __builtin_memcpy(&keys, rows[lane] + k, sizeof keys);
        tile[lane] = __builtin_convertvector(keys, Wire);
      }
      transpose8(tile);
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) store_chained(cols, k + j, tile[j], lo, hi, spoiled);
    }
    for (; k < m; ++k) {
      Wire v;
#pragma GCC unroll 8
      for (int lane = 0; lane < 8; ++lane) v[lane] = static_cast<double>(rows[lane][k]);
      store_chained(cols, k, v, lo, hi, spoiled);
    }
  } else {
    for (int lane = 0; lane < 8; ++lane) {
      double lane_spoiled = 0.0;
      for (index_t k = 0; k < m; ++k) {
        double v = static_cast<double>(rows[lane][k * step]);
        v = v < lower ? lower : v;
        v = v > upper ? upper : v;
        lane_spoiled += v - v;
        cols[k * kSortLanes + lane] = v;
      }
      spoiled[lane] = lane_spoiled;
    }
  }
  for (index_t k = m; k < n; ++k) store_wire(cols, k, Wire{} + static_cast<double>(INFINITY));
  unsigned mask = 0;
  for (int lane = 0; lane < 8; ++lane) mask |= (spoiled[lane] == 0.0 ? 0u : 1u) << lane;
  return mask;
}

}  // namespace

RISKCORE_SIMD_CLONES
unsigned fill_columns8(const double* const* rows, index_t step, index_t m, index_t n, double lower, double upper,
                       double* cols) {
  return fill_wires(rows, step, m, n, lower, upper, cols);
}

RISKCORE_SIMD_CLONES
unsigned fill_columns8(const float* const* rows, index_t step, index_t m, index_t n, double lower, double upper,
                       double* cols) {
  return fill_wires(rows, step, m, n, lower, upper, cols);
}

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
