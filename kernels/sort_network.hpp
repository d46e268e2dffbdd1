// Host-side construction of Batcher's odd-even merge sorting network for any size n.
// n * ceil(log2 n)^2 / 4 comparators or fewer: 403 for n = 50, 23,521 for n = 1,000.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace riskcore {

// Largest ensemble sorted by a network; above it rows are heap-sorted (O(m log m)).
constexpr std::int64_t kMaxNetworkSize = 2048;

inline std::vector<std::int32_t> batcher_network(std::int32_t n) {
  std::vector<std::int32_t> pairs;
  for (std::int32_t p = 1; p < n; p <<= 1) {
    for (std::int32_t k = p; k >= 1; k >>= 1) {
      for (std::int32_t j = k % p; j <= n - 1 - k; j += 2 * k) {
        for (std::int32_t i = 0; i <= std::min(k - 1, n - j - k - 1); ++i) {
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) {
            pairs.push_back(i + j);
            pairs.push_back(i + j + k);
          }
        }
      }
    }
  }
  return pairs;
}

}  // namespace riskcore
