// What a scan's summary counts, read by the tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "scan/scans.h"

namespace trawl::test {

// The number of objects skipped for `reason`; a reason the summary does not
// list fails the test.
inline std::uint64_t skipped(const ScanResult& result, const std::string& reason) {
  for (const auto& [name, count] : result.summary.skipped)
    if (name == reason) return count;
  ADD_FAILURE() << "no skip reason " << reason;
  return 0;
}

}  // namespace trawl::test
