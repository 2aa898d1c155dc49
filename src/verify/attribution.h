// Turns per-blob hits into findings at the commits that introduced them.
//
// A blob introduced at (commit, path) reports a hit only when the same rule
// found the same secret in none of the blobs the commit's parents held at
// that path. So a secret is reported once where it entered, not again for
// every later commit that edits the file around it; a secret copied to a new
// file is reported again there. At one (commit, path) a secret gives one
// finding per line, however often the line repeats it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/hit.h"
#include "rules/rule.h"
#include "source/history.h"
#include "verify/finding.h"
#include "verify/suppression.h"

namespace trawl {

using HitsByBlob = std::unordered_map<ObjectId, std::vector<Hit>, ObjectIdHash>;

struct Attribution {
  std::vector<Finding> findings;  // oldest commit first, then path, line, column, rule
  SuppressionCounts suppressed;
};

// Decides which candidate findings at one place survive: drops those an
// allowlist or a suppression covers (counting why) and keeps one finding per
// (line, secret), the leftmost.
class FindingFilter {
 public:
  // `rules` and `suppressions` must outlive the filter.
  FindingFilter(const RuleSet& rules, const Suppressions& suppressions);

  // `here` are findings at one (commit, path), in any order; returns the
  // survivors by line, column and rule.
  std::vector<Finding> keep(std::vector<Finding> here);
  const SuppressionCounts& counts() const { return counts_; }

 private:
  const RuleSet& rules_;
  const Suppressions& suppressions_;
  std::unordered_map<std::string, const Rule*> by_id_;
  SuppressionCounts counts_;
};

// A finding for `hit` of `rule` in the file at `path`, with no commit.
Finding finding_from_hit(const Rule& rule, const Hit& hit, const std::string& path);

// `on_finding` is called with each finding as it is confirmed, in report
// order, before the whole result is returned.
Attribution attribute_findings(const History& history, const RuleSet& rules, const HitsByBlob& hits,
                               const Suppressions& suppressions,
                               const std::function<void(const Finding&)>& on_finding = {});

// As gitleaks forms it: commit:path:rule:line, or path:rule:line outside git.
std::string make_fingerprint(const std::string& commit, const std::string& path, const std::string& rule_id,
                             std::uint32_t line);

}  // namespace trawl
