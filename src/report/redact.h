// --redact[=PERCENT]: masks secrets before any writer sees them, as gitleaks
// does. 100 (the default) replaces the secret with "REDACTED"; a lower
// PERCENT hides that share of it, keeping the first (100 - PERCENT)% of its
// characters followed by "...".
#pragma once

#include <string>
#include <vector>

#include "verify/finding.h"

namespace trawl {

std::string mask_secret(const std::string& secret, unsigned percent);

// Masks the secret in each finding's secret, match and line; 0 does nothing.
void redact_findings(std::vector<Finding>& findings, unsigned percent);

}  // namespace trawl
