#include "parallel.hpp"

#include <atomic>
#include <cstdlib>

namespace riskcore {
namespace {

int default_threads() {
  if (const char* env = std::getenv("RISKCORE_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

std::atomic<int>& thread_setting() {
  static std::atomic<int> threads{default_threads()};
  return threads;
}

}  // namespace

int num_threads() { return thread_setting().load(); }

void set_num_threads(int n) { thread_setting().store(n > 0 ? n : default_threads()); }

}  // namespace riskcore
