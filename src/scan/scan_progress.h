// What a running scan advances as it goes, for a progress line to read: the
// phase, the walk's counters, blobs and bytes done of the total.
#pragma once

#include <atomic>
#include <cstdint>

#include "source/git/history.h"

namespace trawl {

enum class ScanPhase : std::uint8_t { kWalking, kReading, kMatching, kAttributing };

// What the scan driver advances as it goes; the progress line only reads it.
struct ScanProgress {
  std::atomic<ScanPhase> phase{ScanPhase::kWalking};
  WalkProgress walk;
  std::atomic<std::uint64_t> blobs_total{0};
  std::atomic<std::uint64_t> blobs_done{0};
  std::atomic<std::uint64_t> bytes_done{0};
};

}  // namespace trawl
