// Names of the ensemble estimators and scores as the Python API spells them.
#pragma once
#include <stdexcept>
#include <string>

#include "crps_ensemble.hpp"
#include "ensemble_scores.hpp"

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

}  // namespace riskcore
