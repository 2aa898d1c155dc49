// Report writers: output only, no detection logic. Each takes findings (and
// secret timelines) that are already redacted as asked.
//
// - "json": trawl's own format (documented in README.md, versioned by
//   "version"): {"version", "tool", "findings": [...], "secrets": [...],
//   "scan": {...}}.
// - "jsonl": one finding per line, the json format's finding objects; written
//   as each finding is confirmed (write_jsonl_finding) so a sweep can be piped;
//   then one line per secret, the json format's secret objects with
//   "type": "secret" (write_jsonl_secrets).
// - "sarif": SARIF 2.1.0 as GitHub code scanning reads it; each result's
//   secret timeline as relatedLocations and properties.timeline (without the
//   secret).
// - "csv": a header row, then one row per finding (gitleaks' columns).
// - "gitleaks": the JSON array gitleaks writes, with its field names, so tools
//   that read gitleaks reports read trawl's.
// - "junit": JUnit XML, a failed test case per finding (junit_report.h).
// - "text": what a person reads: a few lines per finding (text_report.h),
//   colour when asked (only on a terminal), then a block per secret's
//   timeline (write_timelines_text).
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "report/scan_summary.h"
#include "verify/finding.h"
#include "verify/timeline.h"

namespace trawl {

inline constexpr int kJsonReportVersion = 1;

enum class ReportFormat { kJson, kJsonl, kSarif, kCsv, kGitleaks, kJunit, kText };

// Parses a --report-format value; throws std::invalid_argument naming it.
ReportFormat parse_report_format(std::string_view name);

struct ReportContent {
  const std::vector<Finding>& findings;
  const std::vector<SecretTimeline>& secrets;
  const ScanSummary& summary;
};

// Writes the whole report. For jsonl, writes every finding; a caller that
// streamed them with write_jsonl_finding writes nothing more.
void write_report(std::ostream& out, ReportFormat format, const ReportContent& content, bool colour = false);

// One jsonl line (with its newline), flushed.
void write_jsonl_finding(std::ostream& out, const Finding& finding);

// One jsonl line per secret timeline, after the findings; flushed.
void write_jsonl_secrets(std::ostream& out, const std::vector<SecretTimeline>& secrets);

// A readable block per secret: where it was introduced, moved and removed,
// the refs that reach it and where refs' tips still hold it.
void write_timelines_text(std::ostream& out, const std::vector<SecretTimeline>& secrets);

// RFC 3339 in UTC, e.g. "2024-05-01T12:00:00Z".
std::string format_utc(std::int64_t seconds);

}  // namespace trawl
