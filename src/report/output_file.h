// Where a report goes: a file written atomically (streamed into a new
// temporary file in the same directory, created mode 0600 with O_EXCL, and
// renamed over the target when complete), or standard output when no path
// is given (or "-"), written through as it comes so a streamed report can be
// piped. A reader of a report file never sees a half written report, and no
// other user can read one, unless the caller asks for a wider mode (a
// pipeline that reads reports as another user). The temporary file is created when the output is
// made, before the scan, so an unwritable report path fails at once.
//
// A report is never written into what is already at the path: a FIFO,
// socket, device or directory there (which another user may have planted to
// receive the report, or to hang the scan on a FIFO nobody reads) is refused;
// a regular file or a symlink there is replaced, never written through.
// Standard output is asked for with "-".
#pragma once

#include <sys/types.h>

#include <memory>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>

namespace trawl {

// A report path that cannot be used: a usage error (exit code 2).
class ReportPathError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr mode_t kPrivateReportMode = 0600;

// Parses a --report-mode value: octal permission bits (e.g. 0640 or 640) no
// wider than 0777 and not writable by others. Throws std::invalid_argument
// naming the value.
mode_t parse_report_mode(std::string_view text);

class ReportOutput {
 public:
  // A report file gets permission bits `mode` (not masked by the umask).
  // Throws ReportPathError naming the path when it is not a regular file (or
  // nothing) or a new file cannot be created beside it.
  explicit ReportOutput(std::string path, mode_t mode = kPrivateReportMode);
  ~ReportOutput();
  ReportOutput(const ReportOutput&) = delete;
  ReportOutput& operator=(const ReportOutput&) = delete;

  bool to_stdout() const { return path_.empty() || path_ == "-"; }
  std::ostream& stream();
  // Completes the report: renames the temporary file over the target, or
  // flushes standard output. Throws std::runtime_error naming the path.
  void commit();

 private:
  class FileBuffer;
  std::string path_;
  std::string temporary_;  // empty when writing to stdout or once committed
  std::unique_ptr<FileBuffer> buffer_;
  std::unique_ptr<std::ostream> file_;
};

}  // namespace trawl
