#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace trawl {
namespace {

const char* phase_name(ScanPhase phase) {
  switch (phase) {
    case ScanPhase::kWalking:
      return "walking refs";
    case ScanPhase::kReading:
      return "reading blobs";
    case ScanPhase::kMatching:
      return "matching";
    case ScanPhase::kAttributing:
      return "attributing";
  }
  return "";
}

}  // namespace

std::string progress_text(const ScanProgress& progress, double read_elapsed) {
  const ScanPhase phase = progress.phase.load();
  const std::uint64_t loaded = progress.walk.commits_loaded.load();
  const std::uint64_t compared = progress.walk.commits_compared.load();
  char line[256];
  if (phase == ScanPhase::kWalking) {
    std::snprintf(line, sizeof line, "trawl: %s: %llu commits loaded, %llu compared", phase_name(phase),
                  static_cast<unsigned long long>(loaded), static_cast<unsigned long long>(compared));
    return line;
  }
  const std::uint64_t done = progress.blobs_done.load();
  const std::uint64_t total = progress.blobs_total.load();
  const double mb = static_cast<double>(progress.bytes_done.load()) / 1e6;
  const double rate = read_elapsed > 0 ? mb / read_elapsed : 0.0;
  std::string eta = "--";
  if (done > 0 && total >= done && read_elapsed > 0) {
    const auto seconds =
        static_cast<long long>(read_elapsed * static_cast<double>(total - done) / static_cast<double>(done));
    eta = std::to_string(seconds / 60) + "m" + (seconds % 60 < 10 ? "0" : "") + std::to_string(seconds % 60) + "s";
  }
  std::snprintf(line, sizeof line, "trawl: %s: %llu commits, %llu/%llu blobs, %.1f MB, %.1f MB/s, ETA %s",
                phase_name(phase), static_cast<unsigned long long>(compared), static_cast<unsigned long long>(done),
                static_cast<unsigned long long>(total), mb, rate, eta.c_str());
  return line;
}

ProgressLine::ProgressLine(const ScanProgress& progress, bool enabled) : progress_(progress) {
  if (enabled) thread_ = std::thread([this] { run(); });
}

ProgressLine::~ProgressLine() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ProgressLine::run() {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> read_started;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; })) {
    if (!read_started && progress_.phase.load() != ScanPhase::kWalking) read_started = Clock::now();
    const double elapsed = read_started ? std::chrono::duration<double>(Clock::now() - *read_started).count() : 0.0;
    // \r and erase-to-end redraw the same line.
    std::fprintf(stderr, "\r%s\x1b[K", progress_text(progress_, elapsed).c_str());
    std::fflush(stderr);
  }
  std::fprintf(stderr, "\r\x1b[K");
  std::fflush(stderr);
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace trawl
