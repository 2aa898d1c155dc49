// --redact[=PERCENT]: masks secrets before any writer sees them, as gitleaks
// does. 100 (the default) replaces the secret with "REDACTED"; a lower
// PERCENT hides that share of it, keeping the first (100 - PERCENT)% of its
// characters followed by "...".
#pragma once

#include <string>
#include <vector>

#include "verify/finding.h"
#include "verify/timeline.h"

namespace trawl {

std::string mask_secret(const std::string& secret, unsigned percent);

// Masks the secret in each finding's secret, match and line; 0 does nothing.
void redact_findings(std::vector<Finding>& findings, unsigned percent);
void redact_finding(Finding& finding, unsigned percent);
// Masks each timeline's secret; its secret_sha256 stays.
void redact_timelines(std::vector<SecretTimeline>& timelines, unsigned percent);

}  // namespace trawl
