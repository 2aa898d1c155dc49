// What every kind of scan (history, staged changes, a directory, stdin)
// hands the report writers: findings, secret timelines, the summary and the
// skipped objects for --verbose.
#pragma once

#include <stdexcept>
#include <vector>

#include "content/skip_log.h"
#include "report/scan_summary.h"
#include "verify/finding.h"
#include "verify/timeline.h"

namespace trawl {

// The user asked for something that cannot be done (exit code 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ScanResult {
  std::vector<Finding> findings;
  std::vector<SecretTimeline> secrets;
  ScanSummary summary;
  std::vector<SkippedObject> skipped;
  std::vector<MalformedObject> malformed;
};

}  // namespace trawl
