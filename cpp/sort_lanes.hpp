// Sorts 8 rows at once (column layout cols[k * 8 + lane]) by a bitonic network executed in registers,
// compiled for AVX-512, AVX2 and baseline x86-64 and picked at load time (RISKCORE_SIMD_CLONES).
#pragma once
#include <cstdint>

#include "config.hpp"
#include "sort.hpp"

namespace riskcore {

constexpr int kSortLanes = 8;

// Wires of the network sorting m keys: the power of two >= max(m, 16); the caller fills wires
// [m, n) of every lane with +inf, which stay there for finite rows.
index_t bitonic_wires(index_t m);

// Fills the column block for sort_columns8: wire k < m of lane l is rows[l][k * step] (a float widened
// to double) mapped through min(max(z, lower), upper), wires [m, n) are +inf. Contiguous rows (step 1)
// of n >= 512 wires go in 8 x 8 tiles (8 vector loads, an in-register transpose, 8 stores), others row by
// row. Returns bit l set where lane l holds a NaN or an infinity. cols: n * 8 doubles, 64-byte aligned.
unsigned fill_columns8(const double* const* rows, index_t step, index_t m, index_t n, double lower, double upper,
                       double* cols);
unsigned fill_columns8(const float* const* rows, index_t step, index_t m, index_t n, double lower, double upper,
                       double* cols);

// Sorts every lane's column of cols[0 .. n * 8) ascending, n = bitonic_wires(m). Batcher's bitonic
// sort (merges of blocks of 2^q, q = 1 .. log2 n, each a cascade of half-cleaners at distances 2^(q-1)
// .. 1): the first four merges sort each block of 16 wires in registers; the later ones go in sweeps of
// up to four consecutive half-cleaners, each sweep loading the 16 wires {x0 + sum of a subset of its
// distances} of a group, applying its comparators in registers and storing them (n log2 n (log2 n + 1)
// / 4 comparators; one load and store per wire per sweep instead of per comparator). NaN keys sort
// arbitrarily (callers re-score such rows). cols must be 64-byte aligned (allocate Lanes<kSortLanes>).
void sort_columns8(double* cols, index_t n);

}  // namespace riskcore
