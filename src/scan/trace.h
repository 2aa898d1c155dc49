// `trawl trace`: the story of one leaked value in a repository's history.
// A trace is a history scan whose confirmed hits are kept only when their
// secret is the value traced (or has its SHA-256), so its findings and its
// timeline are exactly what a full scan reports for that value, at the cost
// of the scan but none of the other secrets' attribution. The story is the
// secret's timeline (verify/timeline.h): any source that fills timelines
// (images, by layer, next) is traced the same way.
#pragma once

#include <istream>
#include <ostream>
#include <string>

#include "scan/scans.h"

namespace trawl {

// What to trace: a value, or only its SHA-256 (64 hex digits, lowercase).
struct TraceTarget {
  std::string secret;  // empty when only a digest is known
  std::string sha256;
  // A redacted report's keyed digest (secret_hmac_sha256) and its key
  // (TRAWL_REDACT_KEY), when that is all there is.
  std::string hmac_sha256;
  std::string hmac_key;
};

// A value read from standard input: its first line, without the line end.
// Throws UsageError when there is none.
TraceTarget target_from_stdin(std::istream& in);

// Throws UsageError unless `hex` is 64 hex digits.
TraceTarget target_from_sha256(const std::string& hex);

// The secret of the `number`th finding (from 1) of a trawl json report or a
// gitleaks report. When that report was redacted, a trawl report still
// names the secret by its timeline's secret_hmac_sha256, which the key in
// TRAWL_REDACT_KEY (the one the report was made with) matches. Throws UsageError
// naming the file or the finding at fault.
TraceTarget target_from_report(const std::string& path, std::size_t number);

// Scans the history as scan_git_history() does, keeping only `target`'s
// findings and timeline, and hands them to `sinks`.
ScanResult trace_secret(GitScanOptions options, const TraceTarget& target, std::ostream& log,
                        const std::vector<FindingSink*>& sinks = {});

}  // namespace trawl
