// Where a report goes: a file written atomically (a temporary file in the
// same directory, created mode 0600, renamed over the target when complete),
// or standard output when no path is given. A reader never sees a half
// written report, and no other user can read one.
#pragma once

#include <ostream>
#include <sstream>
#include <string>

namespace trawl {

class ReportOutput {
 public:
  explicit ReportOutput(std::string path) : path_(std::move(path)) {}

  std::ostream& stream() { return buffer_; }
  // Writes the buffered report. Throws std::runtime_error naming the path.
  void commit();

 private:
  std::string path_;
  std::ostringstream buffer_;
};

// Writes `contents` to `path` atomically with mode 0600.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace trawl
