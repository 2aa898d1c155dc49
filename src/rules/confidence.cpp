#include "rules/confidence.h"

#include <algorithm>

#include "rules/rule.h"

namespace trawl {

std::string_view confidence_name(Confidence confidence) {
  switch (confidence) {
    case Confidence::kLow:
      return "low";
    case Confidence::kMedium:
      return "medium";
    case Confidence::kHigh:
      return "high";
  }
  return "high";
}

std::optional<Confidence> confidence_named(std::string_view name) {
  for (const Confidence c : {Confidence::kLow, Confidence::kMedium, Confidence::kHigh}) {
    if (confidence_name(c) == name) return c;
  }
  return std::nullopt;
}

Confidence default_confidence(const Rule& rule) {
  if (rule.check) return Confidence::kMedium;
  if (!rule.regex) return Confidence::kHigh;
  const auto has = [&](SecretValidator v) {
    return std::find(rule.validators.begin(), rule.validators.end(), v) != rule.validators.end();
  };
  for (const SecretValidator v :
       {SecretValidator::kGithubChecksum, SecretValidator::kJwt, SecretValidator::kPem,
        SecretValidator::kBase64PrivateKey, SecretValidator::kBasicAuth, SecretValidator::kNkeySeed}) {
    if (has(v)) return Confidence::kHigh;
  }
  const bool generic =
      rule.id.starts_with("generic") || std::find(rule.tags.begin(), rule.tags.end(), "generic") != rule.tags.end();
  if (has(SecretValidator::kAssignedValue) || generic) return Confidence::kMedium;
  return Confidence::kHigh;
}

}  // namespace trawl
