// Turns per-blob hits into findings at the commits that introduced them.
//
// A blob introduced at (commit, path) reports a hit only when the same rule
// found the same secret in none of the blobs the commit's parents held at
// that path. So a secret is reported once where it entered, not again for
// every later commit that edits the file around it; a secret copied into
// another file is reported again there. A file renamed or copied unchanged
// (its blob already in a parent at another path) introduces nothing: the
// secret's timeline records the move. At one (commit, path) a secret gives
// one finding per line, however often the line repeats it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "content/provenance.h"
#include "engine/hit.h"
#include "rules/rule.h"
#include "verify/finding.h"
#include "verify/suppression.h"

namespace trawl {

using HitsByBlob = std::unordered_map<BlobKey, std::vector<Hit>, BlobKeyHash>;

// An introduction whose blob a parent commit already held, unchanged, at
// another path: a rename (the commit deleted `from_path`) or a copy.
struct BlobMove {
  std::string from_path;
  bool renamed = false;
};
// Where an image step (an index into Provenance::image_steps) is: the
// image's names and the step's layer; in_final_filesystem left true.
ImageLocation image_location(const Provenance& history, std::uint32_t step);

// By index into Provenance::introductions.
using BlobMoves = std::unordered_map<std::uint32_t, BlobMove>;

// Where the trees of the given commits (indices into Provenance::commits)
// hold any of the wanted blobs, each list sorted by path.
using LocateInCommits = std::function<std::vector<std::vector<BlobLocation>>(
    const std::vector<std::uint32_t>& commits, const std::unordered_set<BlobKey, BlobKeyHash>& wanted)>;

// The introductions that may be moves, ascending: a blob new at its path,
// in a commit with parents, that an earlier introduction already brought.
std::vector<std::uint32_t> possible_moves(const Provenance& history);

// Which of `candidates` (from possible_moves()) whose blob has hits are
// moves: a path the commit deleted held the blob in its first parent (a
// rename), else `locate` finds the blob in a parent's tree (a copy; the
// first parent, then the first path, that holds it).
BlobMoves find_moves(const Provenance& history, const std::vector<std::uint32_t>& candidates, const HitsByBlob& hits,
                     const LocateInCommits& locate);

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
  // Why keep() drops `finding` besides repeating an earlier one: an
  // allowlist or a suppression; nullopt when it is kept.
  std::optional<SuppressionReason> reason_for(const Finding& finding) const;

 private:
  const RuleSet& rules_;
  const Suppressions& suppressions_;
  std::unordered_map<std::string, const Rule*> by_id_;
  SuppressionCounts counts_;
};

// A finding for `hit` of `rule` in the file at `path`, with no commit.
Finding finding_from_hit(const Rule& rule, const Hit& hit, const std::string& path);

// What the verifier does with each of a file's hits at `path` (a file on
// disk or standard input: new at its path, with no commit), as
// attribute_findings() decides: for `trawl rules why`.
struct HitVerdict {
  enum class Outcome {
    kReported,
    kPathScope,   // the rule's path does not match
    kOverlap,     // another rule's hit on the same span stands (span_choice.h)
    kSkipReport,  // the rule only serves rules that require it
    kRequired,    // a rule it requires does not match near it
    kDuplicate,   // another rule reports the same secret on the line
    kAllowlist,   // `allowlist` drops it
    kIgnoreFile,  // its fingerprint is in an ignore file
    kBaseline,    // the baseline report holds it
    kInlineAllow  // a trawl:allow or gitleaks:allow comment on its line
  };
  Hit hit;
  Outcome outcome = Outcome::kReported;
  std::uint32_t other_rule = 0;          // kOverlap, kDuplicate: the rule whose hit stands
  const Allowlist* allowlist = nullptr;  // kAllowlist
  std::string fingerprint;
};

// One verdict per hit of `blob_hits` (stage 2's hits, every one, unchosen:
// ScannerOptions::choose_spans false), in their order.
std::vector<HitVerdict> file_hit_verdicts(const RuleSet& rules, const Suppressions& suppressions,
                                          const std::vector<Hit>& blob_hits, const std::string& path);

// `on_finding` is called with each finding as it is confirmed, in report
// order, before the whole result is returned. The introductions in `moves`
// give no findings.
Attribution attribute_findings(const Provenance& history, const RuleSet& rules, const HitsByBlob& hits,
                               const Suppressions& suppressions,
                               const std::function<void(const Finding&)>& on_finding = {}, const BlobMoves& moves = {});

// Attribution while blobs are still being read, for streamed reports: an
// introduction is confirmed, and its findings passed to `on_finding`, as soon
// as its blob and every parent blob at its path have been matched; what
// waits on a blob that was skipped is confirmed by finish(). The result is
// the same as attribute_findings()'s, in the same order; only the order of
// the on_finding calls follows the reading. Introductions that may be moves
// wait for finish(), which knows which are. Not thread-safe: callers
// serialise blobs_done() with their updates of the hits.
class StreamingAttribution {
 public:
  // `history`, `rules` and `suppressions` must outlive this.
  // `possible_moves` as possible_moves() returns them.
  StreamingAttribution(const Provenance& history, const RuleSet& rules, const Suppressions& suppressions,
                       std::function<void(const Finding&)> on_finding,
                       const std::vector<std::uint32_t>& possible_moves = {});

  // `blobs` have been matched and their hits (if any) are in `hits`.
  void blobs_done(const std::vector<BlobKey>& blobs, const HitsByBlob& hits);
  // Confirms every introduction still waiting, but those in `moves`;
  // returns all findings.
  Attribution finish(const HitsByBlob& hits, const BlobMoves& moves = {});

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
  std::vector<std::uint8_t> deferred_;  // may be a move: confirmed by finish()
  std::vector<std::pair<std::uint32_t, Finding>> confirmed_;
};

// As gitleaks forms it: commit:path:rule:line, or path:rule:line outside git.
std::string make_fingerprint(const std::string& commit, const std::string& path, const std::string& rule_id,
                             std::uint32_t line);

}  // namespace trawl
