// What the scanning commands' output flags mean, apart from parsing them:
// where findings go (text on stdout by default, a machine format only when
// asked), how much of each secret shows, colour, what stderr says, and
// gitleaks' flags and environment taken with gitleaks' meaning.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "cli/log_filter.h"
#include "report/reports.h"
#include "scan/scans.h"

namespace trawl {

// --redact not given.
inline constexpr unsigned kRedactUnset = ~0u;
// What the text outputs hide of each secret unless --redact says otherwise:
// the first fifth of it shows.
inline constexpr unsigned kTextRedactPercent = 80;

struct OutputFlags {
  std::string report_format;  // empty: text on stdout, or as --report-path's extension says
  std::string report_path;
  std::string report_mode;         // --report-mode: octal; empty: 0600
  unsigned redact = kRedactUnset;  // --redact[=PERCENT]
  int exit_code = 1;
  bool verbose = false;  // -v: gitleaks' finding blocks, and the details on stderr
  bool quiet = false;
  std::string log_level;  // gitleaks' -l/--log-level
  bool no_color = false;
  bool no_banner = false;  // gitleaks' --no-banner: trawl prints no banner
  bool list_skipped = false;
  bool fail_on_skip = false;  // exit 4 when objects or files could not be read
  bool no_progress = false;
  std::string report_template;  // gitleaks' --report-template: refused
  unsigned timeout_seconds = 0;
  std::uint64_t max_target_megabytes = 0;
  std::string source;                                 // gitleaks' -s/--source
  std::string datastore;                              // --datastore: record into (and skip what is known to) this store
  Confidence min_confidence = kDefaultMinConfidence;  // --min-confidence
};

// History scope as flags; gitleaks' --log-opts among them.
struct ScopeFlags {
  std::string range;
  std::string branch;
  std::string since;
  std::string log_opts;
  bool empty() const { return range.empty() && branch.empty() && since.empty() && log_opts.empty(); }
};

// Throws UsageError for flags trawl refuses, naming trawl's equivalent.
void check_output_flags(const OutputFlags& flags);

// --log-level, else --quiet (errors only), else -v (details), else info.
// Throws std::invalid_argument for an unknown level.
LogLevel log_level_of(const OutputFlags& flags);

struct OutputPlan {
  bool report = true;  // false: -v's blocks stand in for the default text report
  ReportFormat format = ReportFormat::kText;
  unsigned redact = 0;
  bool colour = false;
  bool blocks = false;  // gitleaks' -v finding blocks
  bool blocks_to_stderr = false;
  unsigned blocks_redact = 0;
  bool blocks_colour = false;
};

// Decides the outputs. `no_color_env` and `term_env` are $NO_COLOR and $TERM
// (null when unset); colour needs a terminal, no --no-color, NO_COLOR unset
// or empty, and TERM not "dumb". Throws std::invalid_argument for an unknown
// --report-format.
OutputPlan plan_output(const OutputFlags& flags, const char* no_color_env, const char* term_env, bool stdout_tty,
                       bool stderr_tty);

// The format a report path's extension names (.json, .jsonl, .sarif, .csv,
// .xml for junit, .txt for text); json for any other.
ReportFormat format_for_path(const std::string& path);

// gitleaks' GITLEAKS_CONFIG (a rules file) and GITLEAKS_CONFIG_TOML (rules
// as text), each used when no --config was given, in that order.
void apply_gitleaks_environment(CommonScanOptions& options, const char* config_env, const char* config_toml_env);

// gitleaks' --max-target-megabytes: files over that many megabytes (10^6
// bytes) are skipped; 0 leaves --max-blob-size's limit.
void apply_max_target_megabytes(CommonScanOptions& options, std::uint64_t megabytes);

// --timeout: ends the process with `exit_code`, saying so on stderr, when
// it lives longer than `seconds`.
class Watchdog {
 public:
  Watchdog(unsigned seconds, int exit_code);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace trawl
