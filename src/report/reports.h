// Report writers: output only, no detection logic. Each takes findings that
// are already redacted as asked.
//
// "json" is trawl's own format (documented in README.md, versioned by
// "version"): {"version", "tool", "findings": [...], "scan": {...}}.
// "gitleaks" is the JSON array gitleaks writes, with its field names, so
// tools that read gitleaks reports read trawl's.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "report/scan_summary.h"
#include "verify/finding.h"

namespace trawl {

inline constexpr int kJsonReportVersion = 1;

enum class ReportFormat { kJson, kGitleaks };

// Parses a --report-format value; throws std::invalid_argument naming it.
ReportFormat parse_report_format(std::string_view name);

void write_report(std::ostream& out, ReportFormat format, const std::vector<Finding>& findings,
                  const ScanSummary& summary);

// RFC 3339 in UTC, e.g. "2024-05-01T12:00:00Z".
std::string format_utc(std::int64_t seconds);

}  // namespace trawl
