// What trawl says on stderr, by level (--quiet, --verbose, gitleaks'
// -l/--log-level). The scan writes every message to one stream, a line at a
// time, each starting "trawl: "; this filter lets through what the level
// asks for:
// - error: nothing (errors are printed by the command line itself);
// - warn: warnings ("trawl: warning: ...");
// - info (the default): warnings, the backend line when a GPU is used, and
//   the one summary line the command line prints;
// - debug: every line (which rules, which ignore files, the backend, the
//   full summary).
#pragma once

#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace trawl {

enum class LogLevel { kError, kWarn, kInfo, kDebug };

// Parses gitleaks' level names: trace and debug are debug, fatal and error
// are error. Throws std::invalid_argument naming the value.
LogLevel parse_log_level(std::string_view name);

// The level a message line needs to be shown.
LogLevel level_of_line(std::string_view line);

// A stream buffer that passes each complete line to `out` when its level is
// shown at `level`; a last line without a newline is passed when flushed.
class LogFilter final : public std::streambuf {
 public:
  LogFilter(std::ostream& out, LogLevel level) : out_(out), level_(level) {}
  LogFilter(const LogFilter&) = delete;
  LogFilter& operator=(const LogFilter&) = delete;
  ~LogFilter() override { flush_line(); }

 protected:
  int_type overflow(int_type ch) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  void flush_line();

  std::ostream& out_;
  LogLevel level_;
  std::string line_;
};

// An ostream over a LogFilter.
class FilteredLog final : public std::ostream {
 public:
  FilteredLog(std::ostream& sink, LogLevel level) : std::ostream(nullptr), filter_(sink, level) { rdbuf(&filter_); }
  FilteredLog(const FilteredLog&) = delete;
  FilteredLog& operator=(const FilteredLog&) = delete;
  ~FilteredLog() override { flush(); }

 private:
  LogFilter filter_;
};

}  // namespace trawl
