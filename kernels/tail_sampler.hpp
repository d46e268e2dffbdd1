// Standard normals drawn inside the kernels from Philox4x64-10 (kernels/philox.hpp), identical on every
// backend for one (seed, stream): normal 4b + j comes from block b = philox4x64_10((b, 0, 0, 0), (seed,
// stream)) with words u0..u3 as uniforms in [0, 1) (top 53 bits) and two Box-Muller pairs,
//   r0 = sqrt(-2 log(1 - u0)), r1 = sqrt(-2 log(1 - u2)),
//   (r0 cos 2 pi u1, r0 sin 2 pi u1, r1 cos 2 pi u3, r1 sin 2 pi u3).
// log(1 - u) > -inf since u < 1, so every normal is finite (|z| < 8.6). sin and cos of 2 pi u come from
// sincos_turns (exact quadrant reduction, Taylor polynomials to x^15 / x^16 on [-pi/4, pi/4]: within 1e-15
// of the exact values, a third of their cost, and the same arithmetic in the Numba mirror).
#pragma once
#include <cmath>
#include <cstdint>

#include "config.hpp"
#include "philox.hpp"
#include "tail_sums.hpp"

namespace riskcore {

// sin and cos of 2 pi u for u in [0, 1): t = 4u and its nearest quadrant q are exact, x = (t - q) pi/2.
RISKCORE_HD inline void sincos_turns(double u, double& s, double& c) {
  const double t = 4.0 * u;
  const double q = static_cast<double>(static_cast<int>(t + 0.5));  // floor: t + 0.5 >= 0
  const double x = (t - q) * 1.5707963267948966;
  const double x2 = x * x;
  const double ps =
      x + x * x2 *
              (-0.16666666666666666 +
               x2 * (0.008333333333333333 +
                     x2 * (-0.0001984126984126984 +
                           x2 * (2.7557319223985893e-06 +
                                 x2 * (-2.505210838544172e-08 + x2 * (1.6059043836821613e-10 + x2 * -7.647163731819816e-13))))));
  const double pc =
      1.0 + x2 * (-0.5 +
                  x2 * (0.041666666666666664 +
                        x2 * (-0.001388888888888889 +
                              x2 * (2.48015873015873e-05 +
                                    x2 * (-2.755731922398589e-07 +
                                          x2 * (2.08767569878681e-09 +
                                                x2 * (-1.1470745597729725e-11 + x2 * 4.779477332387385e-14)))))));
  // quadrant k: (sin, cos) = (ps, pc), (pc, -ps), (-ps, -pc), (-pc, ps); selects, not branches, so
  // that a loop of these vectorises (and a random quadrant costs no mispredicted branch)
  const int k = static_cast<int>(q);
  const double a = (k & 1) ? pc : ps, b = (k & 1) ? ps : pc;
  s = (k & 2) ? -a : a;
  c = ((k + 1) & 2) ? -b : b;
}

// Normals begin..end-1 of the stream into out[0 .. end - begin), kNormalTile blocks at a time: first
// the Philox words and radii (scalar: 64-bit products and libm's log), then the angles' sines and cosines
// in a loop of plain arithmetic that the host compiler vectorises (the same operations for every tile
// boundary, so the same bits; the CPU files that call it compile without FMA contraction).
#if defined(__CUDA_ARCH__)
constexpr index_t kNormalTile = 8;  // a GPU thread keeps its tile in local memory
#else
constexpr index_t kNormalTile = 64;
#endif

RISKCORE_HD inline void fill_normals(double* out, index_t begin, index_t end, std::uint64_t seed, std::uint64_t stream) {
  double radius[2 * kNormalTile], turns[2 * kNormalTile], z[4 * kNormalTile];
  for (index_t first = begin / 4; 4 * first < end; first += kNormalTile) {
    const index_t last = (end + 3) / 4 < first + kNormalTile ? (end + 3) / 4 : first + kNormalTile;
    for (index_t b = first; b < last; ++b) {
      const Philox4x64Block w = philox4x64_10(Philox4x64Block{{static_cast<std::uint64_t>(b), 0, 0, 0}}, seed, stream);
      const index_t j = 2 * (b - first);
      radius[j] = sqrt(-2.0 * log(1.0 - uniform_from_bits(w.v[0])));  // 1 - u is exact
      radius[j + 1] = sqrt(-2.0 * log(1.0 - uniform_from_bits(w.v[2])));
      turns[j] = uniform_from_bits(w.v[1]);
      turns[j + 1] = uniform_from_bits(w.v[3]);
    }
    const index_t pairs = 2 * (last - first);
#if !defined(__CUDA_ARCH__)
#pragma omp simd
#endif
    for (index_t j = 0; j < pairs; ++j) {
      double sj, cj;
      sincos_turns(turns[j], sj, cj);
      z[2 * j] = radius[j] * cj;
      z[2 * j + 1] = radius[j] * sj;
    }
    const index_t lo = 4 * first > begin ? 4 * first : begin, hi = 4 * last < end ? 4 * last : end;
    for (index_t i = lo; i < hi; ++i) out[i - begin] = z[i - 4 * first];
  }
}

// Pass 1 of chunk_tail_sums for the shifted Gaussian proposal, done while drawing: s = c + eps,
// lw = -s^2/2 - (-eps^2/2), bucket = [s >= c] (exactly what the generic pass gives for log p = lw,
// log q = 0, score s and threshold c: normals are finite, so no check can fail).
RISKCORE_HD inline void gaussian_shift_pass(double c, index_t begin, index_t end, std::uint64_t seed,
                                            std::uint64_t stream, double* lw, std::int32_t* bucket, double& max,
                                            LogWeightStats& stats) {
  fill_normals(lw, begin, end, seed, stream);
  max = -static_cast<double>(INFINITY);
  stats = LogWeightStats{0.0, static_cast<double>(INFINITY), 0};
  for (index_t i = 0; i < end - begin; ++i) {
    const double eps = lw[i], s = c + eps;
    const double w = -0.5 * s * s - -0.5 * eps * eps;
    lw[i] = w;
    bucket[i] = c <= s ? 1 : 0;
    max = w > max ? w : max;
    stats.sum += w;
    stats.min = w < stats.min ? w : stats.min;
  }
}

}  // namespace riskcore
