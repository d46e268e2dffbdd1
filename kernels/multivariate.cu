// CUDA launchers for the multivariate ensemble scores (energy / Gaussian kernel with ow / vr weights and
// akr pairings, variogram scores, Dawid-Sebastiani) and the censored / conditional KDE log score: one
// thread per forecast on the CPU's row functions (kernels/multivariate_scores.hpp), every array read
// through its element strides (a broadcast weight vector or variogram matrix has row stride 0, so it is
// never expanded). Scratch (the variogram's m doubles, the Dawid-Sebastiani d + d^2, the log score's 2m)
// lives in global memory for at most kRowsPerLaunch forecasts at a time. The same terms in the same order
// as the CPU; CUDA's own exp/log/sqrt and FMA contraction put the results within a few ulp of it.
// (The unweighted nrg / fair energy score has its own tiled block kernel in kernels/crps.cu.) The member
// gradients (energy and variogram scores) are one thread per forecast on multivariate_grad_row, writing
// the forecast's m x d gradient in place (float32: through m d doubles of scratch).
#include <type_traits>

#include "cuda_check.cuh"
#include "cuda_launch.cuh"
#include "cuda_launchers.hpp"
#include "multivariate_scores.hpp"

namespace riskcore::cuda {
namespace {

constexpr index_t kRowsPerLaunch = index_t(1) << 16;  // forecasts sharing one scratch allocation

template <class T>
struct MvArrays {  // the kernel's views: pointers with element strides (null: absent)
  const T* x;
  index_t x0, x1, x2;
  const T* y;
  index_t y0, y1;
  const T* ens;
  index_t e0, e1;
  const T* fw;
  index_t f0, f1;
  const T* ow;
  index_t o0;
  const T* w;
  index_t w0, w1, w2;
};

template <class T>
MvArrays<T> mv_arrays(const MultivariateArgs& a) {
  const auto& s = a.strides;
  return MvArrays<T>{static_cast<const T*>(a.fct), s[0], s[1], s[2], static_cast<const T*>(a.obs), s[3], s[4],
                     static_cast<const T*>(a.ens_w), s[5], s[6], static_cast<const T*>(a.fw), s[7], s[8],
                     static_cast<const T*>(a.ow), s[9], static_cast<const T*>(a.w), s[10], s[11], s[12]};
}

index_t mv_scratch(MvScore kind, index_t m, index_t d) {
  if (kind == MvScore::dss || kind == MvScore::dss_bias) return d + d * d;
  if (static_cast<int>(kind) >= static_cast<int>(MvScore::vs_nrg)) return m;
  return 0;
}

template <class T>
__global__ void multivariate_score_kernel(MvScore kind, MvArrays<T> a, T* out, index_t first, index_t rows,
                                          index_t m, index_t d, double p, double* scratch, index_t per_row) {
  const index_t k = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k >= rows) return;
  const index_t r = first + k;
  const StridedMatrix<T> x{a.x + r * a.x0, a.x1, a.x2};
  const StridedVector<T> y{a.y + r * a.y0, a.y1};
  const StridedVector<T> ens{a.ens ? a.ens + r * a.e0 : nullptr, a.e1}, fw{a.fw ? a.fw + r * a.f0 : nullptr, a.f1};
  const StridedMatrix<T> w{a.w ? a.w + r * a.w0 : nullptr, a.w1, a.w2};
  const double ow = a.ow ? static_cast<double>(a.ow[r * a.o0]) : 1.0;
  out[r] = static_cast<T>(multivariate_score_row<T>(kind, x, y, m, d, ens, fw, ow, w, p,
                                                    per_row ? scratch + k * per_row : nullptr));
}

template <class T>
__global__ void multivariate_grad_kernel(MvScore kind, MvArrays<T> a, T* out, index_t first, index_t rows, index_t m,
                                         index_t d, double p, double* scratch, index_t per_row) {
  const index_t k = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k >= rows) return;
  const index_t r = first + k;
  double* mine = scratch + k * per_row;  // the variogram's m values, then (float32) the gradient
  double* g = mine + m;
  if constexpr (std::is_same_v<T, double>) g = out + r * m * d;
  multivariate_grad_row<T>(kind, StridedMatrix<T>{a.x + r * a.x0, a.x1, a.x2}, StridedVector<T>{a.y + r * a.y0, a.y1},
                           m, d, StridedVector<T>{a.ens ? a.ens + r * a.e0 : nullptr, a.e1},
                           StridedMatrix<T>{a.w ? a.w + r * a.w0 : nullptr, a.w1, a.w2}, p, mine, g);
  if constexpr (!std::is_same_v<T, double>)
    for (index_t c = 0; c < m * d; ++c) out[r * m * d + c] = static_cast<T>(g[c]);
}

template <class T>
__global__ void clogs_kernel(const T* obs, index_t so, const T* fct, index_t sr, index_t sm, const T* lo, index_t sa,
                             const T* hi, index_t sb, const T* bw, index_t sw, bool cens, T* out, index_t first,
                             index_t rows, index_t m, double* key) {
  const index_t k = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (k >= rows) return;
  const index_t r = first + k;
  out[r] = static_cast<T>(clogs_row<T>(fct + r * sr, m, sm, static_cast<double>(obs[r * so]),
                                       static_cast<double>(lo[r * sa]), static_cast<double>(hi[r * sb]),
                                       bw ? static_cast<double>(bw[r * sw]) : 0.0, cens, key + k * 2 * m));
}

// `kernel` over the n forecasts of args, `chunk` rows per launch sharing per_row doubles of scratch each.
template <class T, class Kernel>
void launch_rows(const char* name, Kernel kernel, const MultivariateArgs& args, void* out, index_t per_row,
                 index_t chunk, cudaStream_t s) {
  const auto kind = static_cast<MvScore>(args.kind);
  DeviceBuffer<double> scratch(static_cast<std::size_t>(per_row) * static_cast<std::size_t>(chunk), s);
  const MvArrays<T> a = mv_arrays<T>(args);
  for (index_t first = 0; first < args.n; first += chunk) {
    const index_t rows = args.n - first < chunk ? args.n - first : chunk;
    launch(name, kernel, items(rows, name), s, kind, a, static_cast<T*>(out), first, rows, args.m, args.d, args.p,
           scratch.get(), per_row);
  }
}

template <class T>
void multivariate_typed(const MultivariateArgs& args, void* out, cudaStream_t s) {
  const index_t per_row = mv_scratch(static_cast<MvScore>(args.kind), args.m, args.d);
  launch_rows<T>("multivariate_score", multivariate_score_kernel<T>, args, out, per_row,
                 args.n < kRowsPerLaunch ? args.n : kRowsPerLaunch, s);
}

// Scratch of the gradient launches: at most this many doubles (rows per launch shrink for large m d).
constexpr index_t kGradScratch = index_t(1) << 24;

template <class T>
void multivariate_grad_typed(const MultivariateArgs& args, void* out, cudaStream_t s) {
  const index_t per_row = args.m + (std::is_same_v<T, double> ? 0 : args.m * args.d);
  const index_t fit = kGradScratch / per_row > 1 ? kGradScratch / per_row : 1;
  launch_rows<T>("multivariate_grad", multivariate_grad_kernel<T>, args, out, per_row, args.n < fit ? args.n : fit, s);
}

template <class T>
void clogs_typed(const ClogsArgs& c, void* out, cudaStream_t s) {
  const index_t chunk = c.n < kRowsPerLaunch ? c.n : kRowsPerLaunch;
  DeviceBuffer<double> key(2 * static_cast<std::size_t>(c.m) * static_cast<std::size_t>(chunk), s);
  const auto& st = c.strides;
  for (index_t first = 0; first < c.n; first += chunk) {
    const index_t rows = c.n - first < chunk ? c.n - first : chunk;
    launch("clogs_ensemble", clogs_kernel<T>, items(rows, "clogs_ensemble"), s, static_cast<const T*>(c.obs), st[0],
           static_cast<const T*>(c.fct), st[1], st[2], static_cast<const T*>(c.a), st[3], static_cast<const T*>(c.b),
           st[4], static_cast<const T*>(c.bw), st[5], c.cens, static_cast<T*>(out), first, rows, c.m, key.get());
  }
}

}  // namespace

void multivariate_score(const MultivariateArgs& args, void* out, std::uintptr_t stream) {
  if (args.n == 0) return;
  by_itemsize(args.itemsize, [&](auto tag) { multivariate_typed<decltype(tag)>(args, out, as_stream(stream)); });
}

void multivariate_grad(const MultivariateArgs& args, void* out, std::uintptr_t stream) {
  if (args.n == 0) return;
  by_itemsize(args.itemsize, [&](auto tag) { multivariate_grad_typed<decltype(tag)>(args, out, as_stream(stream)); });
}

void clogs_ensemble(const ClogsArgs& args, void* out, std::uintptr_t stream) {
  if (args.n == 0) return;
  by_itemsize(args.itemsize, [&](auto tag) { clogs_typed<decltype(tag)>(args, out, as_stream(stream)); });
}

}  // namespace riskcore::cuda
