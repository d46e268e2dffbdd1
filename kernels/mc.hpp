// Outcome-risk simulation of a finite Markov chain: MC, SCOPE and REACH values of one trajectory.
//
// A chain is given by per-state tables prepared once on the host (identical for every backend):
//   cdf[s * S + j]        cumulative P[s, 0..j], exactly 1 from the last reachable state on
//   masked_cdf[s * S + j] the same for row s with the outcome columns removed and renormalised
//   hazard[s]             h(s) = sum_{o in O} P[s, o], the conditional hazard (exactly 1 when only
//                         outcome states are reachable)
//   kind[s]               0 transient, 1 outcome, 2 end (outcome and end states are absorbing)
// Randomness: Philox4x64-10 with key (seed, query) and counter (t / 4, trajectory, pass, 0); step t
// uses word t % 4 as a uniform in [0, 1). pass 0 drives the unmodified chain (MC, SCOPE), pass 1 the
// outcome-masked chain (REACH). Results therefore depend on (seed, query, trajectory) only.
//
//   MC    = 1{an outcome state is drawn within the horizon}
//   SCOPE = sum of h over the steps taken, including the step on which the outcome is drawn
//   REACH = 1 - prod_t (1 - h_t) along the masked chain = -expm1(sum_t log1p(-h_t)); h = 1 gives 1
#pragma once
#include <cmath>
#include <cstdint>

#include "config.hpp"
#include "philox.hpp"

namespace riskcore {

enum StateKind : std::uint8_t { kTransient = 0, kOutcome = 1, kEnd = 2 };

struct ChainTables {
  const double* cdf;
  const double* masked_cdf;
  const double* hazard;
  const std::uint8_t* kind;
  index_t states;
};

struct TrajectoryValues {
  double mc, scope, reach;
  index_t steps;  // transitions simulated over both passes (for throughput figures)
};

// First j with row[j] > u (row non-decreasing with row[S - 1] = 1 exactly, u in [0, 1)).
RISKCORE_HD inline index_t sample_state(const double* row, index_t states, double u) {
  index_t lo = 0, hi = states - 1;
  while (lo < hi) {
    const index_t mid = lo + (hi - lo) / 2;
    if (row[mid] > u)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

// Uniform of step t of a pass; `block` caches the Philox block of steps 4 * (t / 4) .. + 3.
RISKCORE_HD inline double step_uniform(Philox4x64Block& block, std::uint64_t seed, index_t query,
                                       index_t trajectory, index_t pass, index_t t) {
  if (t % 4 == 0) {
    const Philox4x64Block ctr{{static_cast<std::uint64_t>(t / 4), static_cast<std::uint64_t>(trajectory),
                               static_cast<std::uint64_t>(pass), 0}};
    block = philox4x64_10(ctr, seed, static_cast<std::uint64_t>(query));
  }
  return uniform_from_bits(block.v[t % 4]);
}

RISKCORE_HD inline TrajectoryValues simulate_trajectory(const ChainTables& chain, index_t start,
                                                        index_t horizon, std::uint64_t seed,
                                                        index_t query, index_t trajectory) {
  TrajectoryValues out{0.0, 0.0, 0.0, 0};
  const index_t S = chain.states;
  Philox4x64Block block{};
  index_t s = start;
  for (index_t t = 0; t < horizon; ++t) {  // pass 0: the unmodified chain
    out.scope += chain.hazard[s];
    const index_t next = sample_state(chain.cdf + s * S, S, step_uniform(block, seed, query, trajectory, 0, t));
    ++out.steps;
    if (chain.kind[next] == kOutcome) {
      out.mc = 1.0;
      break;
    }
    if (chain.kind[next] == kEnd) break;
    s = next;
  }
  double log_survival = 0.0;
  s = start;
  for (index_t t = 0; t < horizon; ++t) {  // pass 1: the outcome-masked chain
    const double h = chain.hazard[s];
    if (h >= 1.0) {
      log_survival = -static_cast<double>(INFINITY);
      break;
    }
    log_survival += log1p(-h);
    const double u = step_uniform(block, seed, query, trajectory, 1, t);
    const index_t next = sample_state(chain.masked_cdf + s * S, S, u);
    ++out.steps;
    if (chain.kind[next] == kEnd) break;
    s = next;
  }
  out.reach = -expm1(log_survival);
  return out;
}

}  // namespace riskcore
