// Stable identities for what a scan matched with, for an incremental store:
// a rule is its id plus a digest of its definition, a ruleset the digest of
// its rules in order, and the engine a version that changes only when
// matching semantics change. A blob's scan is keyed by (blob key, ruleset or
// rule digests, engine version): a re-scan with the same keys can skip the
// blob, and rules whose digest is new run over old blobs alone.
//
// A digest covers what decides matches: the id, the regex, the path
// pattern, the secret group, the entropy threshold, the keywords, the
// validators and the allowlists. The description, tags and examples do not
// change what is found, so they are left out: editing them re-scans nothing.
#pragma once

#include <string>

#include "rules/rule.h"

namespace trawl {

// Bumped only when the same rules over the same bytes could find something
// else (stage 1 or 2 semantics, attribution), never for speed.
inline constexpr int kEngineVersion = 1;

// SHA-256 of the rule's definition, 64 hex digits.
std::string rule_digest(const Rule& rule);

// SHA-256 over the rules' digests in order (order breaks ties between rules
// that find the same span) and the global allowlists, 64 hex digits.
std::string ruleset_digest(const RuleSet& rules);

}  // namespace trawl
