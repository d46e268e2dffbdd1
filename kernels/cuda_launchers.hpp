// Host declarations of the CUDA launchers (kernels/*.cu). Pointers are device pointers (CuPy's
// __cuda_array_interface__); `stream` is a cudaStream_t as an integer (0 = default stream).
// Element type: itemsize 4 = float, 8 = double. Errors throw std::runtime_error.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config.hpp"
#include "tail_sums.hpp"

namespace riskcore::cuda {

// Oldest compute capability (major) the build's machine code and PTX run on.
constexpr int kMinComputeMajor = 8;

// Devices visible to the CUDA runtime when the current one can run this build (its compute capability
// in `why`); otherwise 0 with the reason in `why` (no driver / no GPU, or an unsupported GPU).
int device_count(std::string& why);

void crps_ensemble(int itemsize, const void* obs, const void* fct, const void* weights, void* out,
                   index_t n, index_t m, int estimator, double alpha, bool omit_nan,
                   std::uintptr_t stream);

void crps_ensemble_grad(int itemsize, const void* obs, const void* fct, const void* weights,
                        void* out, index_t n, index_t m, int estimator, double alpha, bool omit_nan,
                        std::uintptr_t stream);

void energy_score(int itemsize, const void* obs, const void* fct, void* out, index_t n, index_t m,
                  index_t d, bool fair, std::uintptr_t stream);

void crps_parametric(const std::string& name, int itemsize, const std::vector<const void*>& args,
                     const std::vector<index_t>& steps, void* out, index_t n, std::uintptr_t stream);

// The parameter gradients (grad_<family>_<parameter>, crps_grad.cu), through crps_parametric.
void crps_parametric_grad(const std::string& name, int itemsize, const std::vector<const void*>& args,
                          const std::vector<index_t>& steps, void* out, index_t n, std::uintptr_t stream);

void crps_mixnorm(int itemsize, const void* obs, const void* m, const void* s, const void* w, void* out,
                  index_t n, index_t k, std::uintptr_t stream);

// d/dm, d/ds, d/dw of crps_mixnorm into out (3, n, K) (crps_grad.cu).
void crps_mixnorm_grad(int itemsize, const void* obs, const void* m, const void* s, const void* w, void* out,
                       index_t n, index_t k, std::uintptr_t stream);

// Multivariate score `kind` (MvScore of kernels/multivariate_scores.hpp) of fct (n, m, d) against obs (n, d),
// with ensemble weights ens_w (n, m), weight-function values fw (n, m) and ow (n,), the variogram weights
// w (n, d, d) (each null when absent). strides: element strides of fct (3), obs (2), ens_w (2), fw (2),
// ow (1) and w (3), in that order (0 for a broadcast axis).
struct MultivariateArgs {
  int kind, itemsize;
  const void *obs, *fct, *ens_w, *fw, *ow, *w;
  index_t n, m, d;
  double p;
  index_t strides[13];
};
void multivariate_score(const MultivariateArgs& args, void* out, std::uintptr_t stream);
// d score / d member (n, m, d), C-contiguous, of the energy or variogram score args.kind (fw, ow unused).
void multivariate_grad(const MultivariateArgs& args, void* out, std::uintptr_t stream);

// Censored (cens) or conditional KDE log score of fct (n, m) against obs (n,) on [a, b] (n,), bandwidth bw
// (n,) or null (the rule of thumb); strides: obs, fct (2), a, b, bw.
struct ClogsArgs {
  int itemsize;
  const void *obs, *fct, *a, *b, *bw;
  index_t n, m;
  bool cens;
  index_t strides[6];
};
void clogs_ensemble(const ClogsArgs& args, void* out, std::uintptr_t stream);

// Univariate ensemble score `kind` (EnsembleScore of kernels/ensemble_scores.hpp) of fct (n, m), contiguous,
// against obs (n,); param (n,) or null (the log score's bandwidth).
void ensemble_score(int kind, int itemsize, const void* obs, const void* fct, const void* param, void* out,
                    index_t n, index_t m, std::uintptr_t stream);

// Batch-mean knapsack DP for every problem p in one launch: values[p] (host, slots[p] doubles), m[p] >= 1,
// t_max[p] >= 0; out[p] = max_{j <= t_max[p]} D_m[j] (host).
void knapsack_max_sums(const std::vector<const double*>& values, const std::vector<index_t>& slots,
                       const std::int64_t* m, const std::int64_t* t_max, double* out, std::uintptr_t stream);

// Markov-chain simulator over trajectories [first, first + count) of every query: host tables in; host
// moments (queries, 3, 2) out: the sum and the sum of squares of the MC, SCOPE and REACH values; and the
// transitions taken per query in steps (queries).
void simulate_moments(const double* cdf, const double* masked_cdf, const double* hazard, const std::uint8_t* kind,
                      const std::int64_t* start, index_t chains, index_t states, index_t queries, index_t horizon,
                      std::uint64_t seed, index_t first, index_t count, double* moments, std::int64_t* steps,
                      std::uintptr_t stream);
// The same trajectories' paired sums about centre (queries, 3: the means of MC, SCOPE, REACH), for the
// efficiency intervals: sums (queries, 18) = [count of M = 0, count of M = 1, then for X = SCOPE, REACH
// the sums of (X - b)^j, j = 1..4, over M = 0 and then over M = 1].
void simulate_pair_sums(const double* cdf, const double* masked_cdf, const double* hazard, const std::uint8_t* kind,
                        const std::int64_t* start, index_t chains, index_t states, index_t queries, index_t horizon,
                        std::uint64_t seed, index_t first, index_t count, const double* centre, double* sums,
                        std::int64_t* steps, std::uintptr_t stream);

// The fused importance-sampling pass (kernels/tail_sums.hpp) on device arrays log_p, log_q, event (queries,
// n) of any element strides (0 broadcasts): event is uint8 for kEventBool, else of the log-weights' type;
// thresholds (threshold_rows, nt) doubles on the device. Results per (query, chunk of kTailChunk samples)
// in the CPU driver's layout, on the host: parts (pairs, tail_part_stride(nt)), counts (pairs, nt + 1),
// checks (pairs) (pairs = queries * chunks; cpp/tail_parts.hpp combines them). k-hat candidates, on the
// device: terms (queries, n) (khat 1: the event terms, khat 2: every log-weight, -inf elsewhere) and, with
// a threshold grid, their buckets (queries, n); both null for khat 0.
struct TailArgs {
  int itemsize, kind, khat;
  const void *log_p, *log_q, *event;
  index_t strides[6];  // log_p (2), log_q (2), event (2)
  const double* thresholds;
  index_t threshold_rows, nt, queries, n;
};
struct TailParts {
  double* parts;
  index_t* counts;
  TailChecks* checks;
  double* terms;
  std::int32_t* term_buckets;
};
void tail_sums(const TailArgs& args, const TailParts& out, std::uintptr_t stream);

// P(S >= c) by N(c, 1) samples drawn in the kernel (kernels/tail_sampler.hpp's gaussian_shift_pass, the
// Philox normals of (seed, philox_stream)): one query, one threshold, results as tail_sums'.
void gaussian_shift_sums(double c, index_t n, std::uint64_t seed, std::uint64_t philox_stream, int khat,
                         const TailParts& out, std::uintptr_t stream);

// n standard normals of Philox stream (seed, philox_stream) into the device array out (fill_normals).
void standard_normals(double* out, index_t n, std::uint64_t seed, std::uint64_t philox_stream, std::uintptr_t stream);
void standard_uniforms(double* out, index_t n, std::uint64_t seed, std::uint64_t philox_stream, std::uintptr_t stream);

}  // namespace riskcore::cuda
