// What a scan covered and skipped: printed on stderr and embedded in the
// JSON report so a dashboard can tell a clean scan from an incomplete one.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "verify/suppression.h"

namespace trawl {

struct ScanSummary {
  std::uint64_t refs = 0;
  std::uint64_t commits = 0;
  std::uint64_t blobs = 0;          // unique blobs in the history
  std::uint64_t blobs_scanned = 0;  // of those, read and matched
  std::uint64_t bytes_scanned = 0;
  std::uint64_t blobs_from_packs = 0;                          // read by trawl's pack reader
  std::uint64_t blobs_from_libgit2 = 0;                        // loose, or beyond the pack reader: read through libgit2
  std::vector<std::pair<std::string, std::uint64_t>> skipped;  // reason -> count, every reason listed
  std::uint64_t findings = 0;
  SuppressionCounts suppressed;  // findings dropped, by reason
  bool shallow = false;
  std::string backend;
  std::string rules_origin;
  std::uint64_t rule_count = 0;
  double wall_seconds = 0.0;
  // Where the wall time went: walking the history, then reading and
  // matching blobs (which overlap; match_seconds is the time spent
  // matching, summed over the threads that matched), then attributing
  // findings to commits and building their timelines.
  double walk_seconds = 0.0;
  double read_match_seconds = 0.0;
  double match_seconds = 0.0;
  double attribute_seconds = 0.0;
};

// The multi-line human summary for stderr.
std::string format_summary(const ScanSummary& summary);

}  // namespace trawl
