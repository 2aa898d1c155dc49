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

#include "content/provenance.h"
#include "engine/hit.h"
#include "rules/rule.h"
#include "verify/finding.h"
#include "verify/suppression.h"

namespace trawl {

using HitsByBlob = std::unordered_map<BlobKey, std::vector<Hit>, BlobKeyHash>;

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
Attribution attribute_findings(const Provenance& history, const RuleSet& rules, const HitsByBlob& hits,
                               const Suppressions& suppressions,
                               const std::function<void(const Finding&)>& on_finding = {});

// Attribution while blobs are still being read, for streamed reports: an
// introduction is confirmed, and its findings passed to `on_finding`, as soon
// as its blob and every parent blob at its path have been matched; what
// waits on a blob that was skipped is confirmed by finish(). The result is
// the same as attribute_findings()'s, in the same order; only the order of
// the on_finding calls follows the reading. Not thread-safe: callers
// serialise blobs_done() with their updates of the hits.
class StreamingAttribution {
 public:
  // `history`, `rules` and `suppressions` must outlive this.
  StreamingAttribution(const Provenance& history, const RuleSet& rules, const Suppressions& suppressions,
                       std::function<void(const Finding&)> on_finding);

  // `blobs` have been matched and their hits (if any) are in `hits`.
  void blobs_done(const std::vector<BlobKey>& blobs, const HitsByBlob& hits);
  // Confirms every introduction still waiting; returns all findings.
  Attribution finish(const HitsByBlob& hits);

 private:
  void confirm(std::uint32_t introduction, const HitsByBlob& hits);

  const Provenance& history_;
  const RuleSet& rules_;
  FindingFilter filter_;
  std::vector<std::uint32_t> path_only_rules_;
  std::function<void(const Finding&)> on_finding_;
  std::unordered_map<BlobKey, std::vector<std::uint32_t>, BlobKeyHash> dependents_;
  std::vector<std::uint32_t> waiting_for_;  // per introduction: blobs not matched yet
  std::vector<std::uint8_t> done_;
  std::vector<std::pair<std::uint32_t, Finding>> confirmed_;
};

// As gitleaks forms it: commit:path:rule:line, or path:rule:line outside git.
std::string make_fingerprint(const std::string& commit, const std::string& path, const std::string& rule_id,
                             std::uint32_t line);

}  // namespace trawl
