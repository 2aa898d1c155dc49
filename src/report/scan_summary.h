// What a scan covered and skipped: printed on stderr and embedded in the
// JSON report so a dashboard can tell a clean scan from an incomplete one.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "content/provenance.h"
#include "rules/confidence.h"
#include "verify/suppression.h"

namespace trawl {

struct ScanSummary {
  // Refs, commits, how blobs were read and how long the walk took: only a
  // git history has these (the json report writes zeros for other sources).
  std::optional<GitSummary> git;
  std::uint64_t blobs = 0;          // unique blobs (or files) in scope
  std::uint64_t blobs_scanned = 0;  // of those, read and matched
  std::uint64_t bytes_scanned = 0;
  // With a datastore (--datastore): blobs read this run, and blobs not
  // read because the store already had them.
  bool datastore = false;
  std::uint64_t blobs_read = 0;
  std::uint64_t blobs_known = 0;
  // Of the blobs read, those the store knew but some of whose rules had
  // not run on them (rules added or edited since, or a rule with a path the
  // blob now appears at): read for those rules only. And the rules run on
  // them, summed over the blobs.
  std::uint64_t blobs_rescanned = 0;
  std::uint64_t rules_run_on_known_blobs = 0;
  // With a datastore: nothing changed since the repository's last complete
  // scan (refs and their tips, rules, suppressions, options), so that
  // scan's result was given again and the history was neither walked nor
  // read (the counts of what was read are zero).
  bool reused_result = false;
  // A sweep's report: repositories whose result was given again so.
  std::optional<std::uint64_t> repositories_unchanged;
  std::vector<std::pair<std::string, std::uint64_t>> skipped;  // reason -> count, every reason listed
  // Of those, objects that could not be read (is_unreadable): what the scan
  // cannot vouch for.
  std::uint64_t unreadable = 0;
  std::string unreadable_reasons;  // e.g. "missing_object 2, corrupt_object 1"
  // Objects read in spite of damage (a commit without an author, a tree with
  // a malformed entry): kind -> count, every kind listed.
  std::vector<std::pair<std::string, std::uint64_t>> malformed;
  std::uint64_t findings = 0;
  // The findings reported, by confidence (indexed by Confidence: low,
  // medium, high); and those below --min-confidence, not reported.
  std::array<std::uint64_t, 3> findings_by_confidence{};
  Confidence min_confidence = kDefaultMinConfidence;
  std::uint64_t below_min_confidence = 0;
  // Rules not run because their confidence is below --min-confidence (with
  // a datastore, which keeps the findings of every medium and high rule,
  // only low-confidence rules are left out).
  std::uint64_t rules_below_min_confidence = 0;
  SuppressionCounts suppressed;  // findings dropped, by reason
  std::string backend;
  std::string rules_origin;
  std::uint64_t rule_count = 0;
  // What may hide findings and must not go unnoticed, e.g. an allowlist in
  // the scanned repository's rules file that suppresses every finding.
  std::vector<std::string> warnings;
  double wall_seconds = 0.0;
  // Where the wall time went: listing the content (walking the history:
  // git->walk_seconds), then reading and matching blobs (which overlap;
  // match_seconds is the time spent matching, summed over the threads that
  // matched), then attributing findings and building their timelines.
  double read_match_seconds = 0.0;
  double match_seconds = 0.0;
  double attribute_seconds = 0.0;
  // Windows stage 2 searched (a rule's lines around its keywords), and of
  // those, the ones it had searched lately with the same bytes (the same
  // lines of another version of a file), whose matches it took from there.
  std::uint64_t windows_searched = 0;
  std::uint64_t windows_repeated = 0;
};

// The multi-line human summary for stderr (--verbose).
std::string format_summary(const ScanSummary& summary);

// The one summary line stderr gets by default, e.g. "trawl: 2 findings;
// scanned 14 commits, 30 of 31 blobs, 1.2 MB in 0.41 s on cpu; 1 skipped".
// Only the summary's warnings (what may hide findings), for a log level
// that shows warnings but no summary.
std::string format_summary_warnings(const ScanSummary& s);

std::string format_summary_line(const ScanSummary& summary);

// "by confidence: 1 high, 2 medium, 0 low" and, when --min-confidence held
// some back, "; 3 below --min-confidence medium, not reported"; empty when
// there were no findings at all.
std::string format_confidence_counts(const ScanSummary& summary);

}  // namespace trawl
