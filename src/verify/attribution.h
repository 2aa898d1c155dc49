// Turns per-blob hits into findings at the commits that introduced them.
//
// A blob introduced at (commit, path) reports a hit only when the same rule
// found the same secret in none of the blobs the commit's parents held at
// that path. So a secret is reported once where it entered, not again for
// every later commit that edits the file around it; a secret copied to a new
// file is reported again there.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "engine/hit.h"
#include "rules/rule.h"
#include "source/history.h"
#include "verify/finding.h"

namespace trawl {

using HitsByBlob = std::unordered_map<ObjectId, std::vector<Hit>, ObjectIdHash>;

struct Attribution {
  std::vector<Finding> findings;  // oldest commit first, then path, line, column, rule
  std::uint64_t allowlisted = 0;  // findings an allowlist dropped
};

Attribution attribute_findings(const History& history, const RuleSet& rules, const HitsByBlob& hits);

std::string make_fingerprint(const std::string& commit, const std::string& path, const std::string& rule_id,
                             std::uint32_t line);

}  // namespace trawl
