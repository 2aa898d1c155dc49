// Where a report goes: a file written atomically (a temporary file in the
// same directory, created mode 0600, renamed over the target when complete),
// or standard output when no path is given (or "-"), written through as it
// comes so a streamed report can be piped. A reader of a report file never
// sees a half written report, and no other user can read one.
#pragma once

#include <ostream>
#include <sstream>
#include <string>

namespace trawl {

class ReportOutput {
 public:
  explicit ReportOutput(std::string path) : path_(std::move(path)) {}

  bool to_stdout() const { return path_.empty() || path_ == "-"; }
  std::ostream& stream();
  // Completes the report: writes the buffered file, or flushes standard
  // output. Throws std::runtime_error naming the path.
  void commit();

 private:
  std::string path_;
  std::ostringstream buffer_;
};

// Writes `contents` to `path` atomically with mode 0600.
void write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace trawl
