// CPU parallel loop over independent items. Each item's result depends only on its inputs, so the
// output is bit-identical for any thread count.
#pragma once
#include <algorithm>
#include <exception>
#include <thread>
#include <vector>

#include "config.hpp"

namespace riskcore {

int num_threads();
void set_num_threads(int n);

// Calls body(begin, end) on contiguous chunks of [0, n) from up to num_threads() threads; chunks hold
// at least min_chunk items so that tiny inputs stay on the calling thread.
template <class Body>
void parallel_for(index_t n, index_t min_chunk, Body body) {
  const index_t workers = std::max<index_t>(
      1, std::min<index_t>(num_threads(), (n + min_chunk - 1) / std::max<index_t>(min_chunk, 1)));
  if (workers == 1) {
    if (n > 0) body(index_t{0}, n);
    return;
  }
  const index_t chunk = (n + workers - 1) / workers;
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
  for (index_t t = 0; t < workers; ++t) {
    threads.emplace_back([&, t] {
      try {
        const index_t begin = t * chunk, end = std::min(n, begin + chunk);
        if (begin < end) body(begin, end);
      } catch (...) {
        errors[static_cast<size_t>(t)] = std::current_exception();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace riskcore
