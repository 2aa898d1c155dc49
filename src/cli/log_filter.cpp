#include "cli/log_filter.h"

#include <stdexcept>

namespace trawl {

LogLevel parse_log_level(std::string_view name) {
  if (name == "trace" || name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "error" || name == "fatal") return LogLevel::kError;
  throw std::invalid_argument("--log-level '" + std::string(name) +
                              "': expected trace, debug, info, warn, error or fatal");
}

LogLevel level_of_line(std::string_view line) {
  if (line.starts_with("trawl: warning: ") || line.starts_with("trawl: WARNING: ")) return LogLevel::kWarn;
  // A usable GPU is named once, at the default level.
  if (line.starts_with("trawl: backend cuda ")) return LogLevel::kInfo;
  return LogLevel::kDebug;
}

LogFilter::int_type LogFilter::overflow(int_type ch) {
  if (traits_type::eq_int_type(ch, traits_type::eof())) return traits_type::not_eof(ch);
  const char c = traits_type::to_char_type(ch);
  line_.push_back(c);
  if (c == '\n') flush_line();
  return ch;
}

std::streamsize LogFilter::xsputn(const char* s, std::streamsize n) {
  for (std::streamsize i = 0; i < n; ++i) overflow(traits_type::to_int_type(s[i]));
  return n;
}

int LogFilter::sync() {
  out_.flush();
  return 0;
}

void LogFilter::flush_line() {
  if (line_.empty()) return;
  if (level_of_line(line_) <= level_) out_ << line_ << std::flush;
  line_.clear();
}

}  // namespace trawl
