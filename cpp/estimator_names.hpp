// Names of the ensemble estimators and scores as the Python API spells them.
#pragma once
#include <stdexcept>
#include <string>

#include "crps_ensemble.hpp"
#include "ensemble_scores.hpp"
#include "multivariate_scores.hpp"

namespace riskcore {

inline EnsembleEstimator estimator_from_name(const std::string& name) {
  if (name == "nrg") return EnsembleEstimator::nrg;
  if (name == "fair") return EnsembleEstimator::fair;
  if (name == "afcrps") return EnsembleEstimator::afcrps;
  if (name == "pwm") return EnsembleEstimator::pwm;
  if (name == "int") return EnsembleEstimator::integral;
  if (name == "akr") return EnsembleEstimator::akr;
  if (name == "akr_circperm") return EnsembleEstimator::akr_circperm;
  throw std::invalid_argument("estimator must be one of 'nrg', 'fair', 'afcrps', 'pwm', 'int', 'akr', 'akr_circperm'; got '" +
                              name + "'");
}

inline EnsembleScore ensemble_score_from_name(const std::string& name) {
  static const char* names[] = {"dss", "dss_bias", "ess", "gks_nrg", "gks_fair", "gks_akr", "gks_akr_circperm", "logs"};
  for (int k = 0; k < 8; ++k)
    if (name == names[k]) return static_cast<EnsembleScore>(k);
  throw std::invalid_argument("unknown ensemble score '" + name + "'");
}

inline MvScore mv_score_from_name(const std::string& name) {
  static const char* names[kMvScores] = {"es_nrg", "es_fair", "es_akr", "es_akr_circperm", "owes", "vres",
                                         "gks_nrg", "gks_fair", "gks_akr", "gks_akr_circperm", "owgks", "vrgks",
                                         "vs_nrg", "vs_fair", "owvs", "vrvs", "dss", "dss_bias"};
  for (int k = 0; k < kMvScores; ++k)
    if (name == names[k]) return static_cast<MvScore>(k);
  throw std::invalid_argument("unknown multivariate score '" + name + "'");
}

// The arrays a multivariate score needs besides obs and fct (the cpu and cuda bindings' check).
inline void check_mv_inputs(MvScore kind, bool has_w, bool has_fw, bool has_ow) {
  const bool vs = static_cast<int>(kind) >= static_cast<int>(MvScore::vs_nrg) &&
                  static_cast<int>(kind) <= static_cast<int>(MvScore::vrvs);
  if (vs && !has_w) throw std::invalid_argument("the variogram scores need w");
  const bool needs_ow = kind == MvScore::owes || kind == MvScore::vres || kind == MvScore::owgks ||
                        kind == MvScore::vrgks || kind == MvScore::owvs || kind == MvScore::vrvs;
  if (needs_ow && (!has_ow || !has_fw)) throw std::invalid_argument("the weighted scores need fw and ow");
}

// The member gradients that exist (multivariate_grad_row): the energy score's four estimators and the
// unweighted-pair variogram scores; the variogram ones need w (the cpu and cuda bindings' check).
inline void check_mv_gradient(MvScore kind, const std::string& name, bool has_w) {
  const bool vs = kind == MvScore::vs_nrg || kind == MvScore::vs_fair;
  if (!vs && kind != MvScore::es_nrg && kind != MvScore::es_fair && kind != MvScore::es_akr &&
      kind != MvScore::es_akr_circperm)
    throw std::invalid_argument("no member gradient for '" + name + "'");
  if (vs && !has_w) throw std::invalid_argument("the variogram scores need w");
}

}  // namespace riskcore
