// How sure a finding is that it holds a real credential, as its rule says
// (a rule's `confidence` key, else the default of the rule's kind):
//
//   high    the value's own format proves it: a validator checks its
//           structure or checksum (github-checksum, jwt, pem, basic-auth,
//           nkey-seed), a provider's exact token format, or a credential
//           file found by its path.
//   medium  a credential key name in a credential context: assignments to
//           password, secret or token keys, URL and connection-string
//           credentials, provider keys named beside a value of the right
//           shape.
//   low     entropy or weak context only.
//
// --min-confidence (default medium) reports findings at or above a level;
// those below are counted in the summary, not reported.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace trawl {

struct Rule;

enum class Confidence : std::uint8_t { kLow = 0, kMedium = 1, kHigh = 2 };

inline constexpr Confidence kDefaultMinConfidence = Confidence::kMedium;

// "low", "medium" or "high".
std::string_view confidence_name(Confidence confidence);

// The level `name` spells (lowercase, as confidence_name writes it), or
// nullopt.
std::optional<Confidence> confidence_named(std::string_view name);

// The default for a rule that sets no `confidence`, from its kind:
//   - a container build check (`check`): medium (a credential-named ARG,
//     ENV or build argument);
//   - a path-only rule (no regex): high (a credential file by its path);
//   - a format validator (github-checksum, jwt, pem, basic-auth, nkey-seed):
//     high;
//   - the assigned-value validator, or a generic rule (tagged "generic" or
//     an id starting "generic"): medium;
//   - any other regex rule (a provider's token format): high.
Confidence default_confidence(const Rule& rule);

}  // namespace trawl
