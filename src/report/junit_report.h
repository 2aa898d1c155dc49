// The "junit" report: JUnit XML as CI systems show test results, one failed
// test case per finding (as gitleaks writes it), so a pipeline's test view
// lists the leaks. Bytes XML 1.0 cannot hold are written as \xNN.
#pragma once

#include <ostream>
#include <vector>

#include "verify/finding.h"

namespace trawl {

void write_junit(std::ostream& out, const std::vector<Finding>& findings);

}  // namespace trawl
