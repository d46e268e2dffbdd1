// Philox4x64-10 blocks on the CPU (the same header the simulators and CUDA threads use).
// No a * b + c contracted into an FMA in the instruction-set clones (target avx512f allows FMA): the
// samplers give the same bits as the Numba mirror, which does not contract.
#pragma GCC optimize("fp-contract=off")
#include <algorithm>

#include "array_views.hpp"
#include "parallel.hpp"
#include "philox.hpp"
#include "simd.hpp"
#include "tail_sampler.hpp"

namespace riskcore {
namespace {

// Compiled per instruction set (cpp/simd.hpp): fill_normals' angle loop vectorises.
RISKCORE_SIMD_CLONES void normals(double* out, index_t begin, index_t end, std::uint64_t seed, std::uint64_t stream) {
  fill_normals(out, begin, end, seed, stream);
}

}  // namespace

void bind_random(py::module_& m) {
  m.def(
      "philox4x64",
      [](const CArray<std::uint64_t>& counters, const CArray<std::uint64_t>& key) {
        require_shape(counters, "counters", {-1, 4});
        require_shape(key, "key", {2});
        const index_t n = counters.shape(0);
        CArray<std::uint64_t> out({n, index_t{4}});
        const std::uint64_t* pc = counters.data();
        const std::uint64_t k0 = key.data()[0], k1 = key.data()[1];
        std::uint64_t* po = out.mutable_data();
        py::gil_scoped_release release;
        parallel_for(n, 4096, [&](index_t i0, index_t i1) {
          for (index_t i = i0; i < i1; ++i) {
            const Philox4x64Block block =
                philox4x64_10(Philox4x64Block{{pc[4 * i], pc[4 * i + 1], pc[4 * i + 2], pc[4 * i + 3]}}, k0, k1);
            for (int j = 0; j < 4; ++j) po[4 * i + j] = block.v[j];
          }
        });
        return out;
      },
      py::arg("counters"), py::arg("key"),
      "Philox4x64-10 of each counter row (n, 4) under key (2,): (n, 4) uint64.");
  m.def(
      "standard_normals",
      [](index_t n, std::uint64_t seed, std::uint64_t stream) {
        if (n < 0) throw std::invalid_argument("n must be >= 0");
        CArray<double> out({n});
        double* po = out.mutable_data();
        py::gil_scoped_release release;
        parallel_for((n + 3) / 4, 4096, [&](index_t b0, index_t b1) {
          normals(po + 4 * b0, 4 * b0, std::min(n, 4 * b1), seed, stream);
        });
        return out;
      },
      py::arg("n"), py::arg("seed"), py::arg("stream"),
      "n standard normals of Philox stream (seed, stream), Box-Muller in the kernel (kernels/tail_sampler.hpp).");
}

}  // namespace riskcore
