// Philox4x64-10 counter-based generator (Salmon et al., SC'11), bit-identical to numpy.random.Philox.
//
// block = philox4x64_10(counter, key): four 64-bit words that depend only on (counter, key), so any
// thread, any backend and any thread count draws the same numbers for the same (counter, key).
// numpy's Philox(key=k, counter=c) returns the words of philox4x64_10(c + 1, k), c + 1, ... in order.
#pragma once
#include "config.hpp"

namespace riskcore {

struct Philox4x64Block {
  std::uint64_t v[4];
};

RISKCORE_HD inline void mulhilo64(std::uint64_t a, std::uint64_t b, std::uint64_t& hi,
                                  std::uint64_t& lo) {
#if defined(__CUDA_ARCH__)
  lo = a * b;
  hi = __umul64hi(a, b);
#else
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  lo = static_cast<std::uint64_t>(product);
  hi = static_cast<std::uint64_t>(product >> 64);
#endif
}

// Ten rounds; the key is bumped by the Weyl constants between rounds.
RISKCORE_HD inline Philox4x64Block philox4x64_10(Philox4x64Block ctr, std::uint64_t k0,
                                                 std::uint64_t k1) {
  constexpr std::uint64_t kMul0 = 0xD2E7470EE14C6C93ULL;
  constexpr std::uint64_t kMul1 = 0xCA5A826395121157ULL;
  constexpr std::uint64_t kWeyl0 = 0x9E3779B97F4A7C15ULL;
  constexpr std::uint64_t kWeyl1 = 0xBB67AE8584CAA73BULL;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kWeyl0;
      k1 += kWeyl1;
    }
    std::uint64_t hi0, lo0, hi1, lo1;
    mulhilo64(kMul0, ctr.v[0], hi0, lo0);
    mulhilo64(kMul1, ctr.v[2], hi1, lo1);
    ctr = Philox4x64Block{{hi1 ^ ctr.v[1] ^ k0, lo1, hi0 ^ ctr.v[3] ^ k1, lo0}};
  }
  return ctr;
}

// Uniform double in [0, 1) from the top 53 bits, as numpy's Generator.random() does.
RISKCORE_HD inline double uniform_from_bits(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) * (1.0 / 9007199254740992.0);
}

}  // namespace riskcore
