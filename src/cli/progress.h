// The live progress line a scan draws on stderr while it runs: the phase,
// commits walked, blobs and bytes done of the total, MB/s and an ETA. Drawn
// only when stderr is a terminal and --no-progress was not given, so logs and
// pipes never see it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "scan/scan_progress.h"

namespace trawl {

// The line for the current state, `elapsed` seconds into the reading phase
// (for the rate and the ETA).
std::string progress_text(const ScanProgress& progress, double read_elapsed);

// Redraws the line a few times a second on a thread of its own while it
// lives; erases it when destroyed. Does nothing when not enabled.
class ProgressLine {
 public:
  ProgressLine(const ScanProgress& progress, bool enabled);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

 private:
  void run();

  const ScanProgress& progress_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

// Whether stderr is a terminal.
bool stderr_is_terminal();

}  // namespace trawl
