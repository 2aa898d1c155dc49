#include "cli/scan_flags.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

namespace trawl {

void check_output_flags(const OutputFlags& flags) {
  if (!flags.report_template.empty()) {
    throw UsageError(
        "--report-template: Go templates are not supported; use --report-format json or jsonl with a JSON tool "
        "(e.g. jq), or csv");
  }
}

LogLevel log_level_of(const OutputFlags& flags) {
  if (!flags.log_level.empty()) return parse_log_level(flags.log_level);
  if (flags.quiet) return LogLevel::kError;
  if (flags.verbose) return LogLevel::kDebug;
  return LogLevel::kInfo;
}

ReportFormat format_for_path(const std::string& path) {
  const std::string extension = std::filesystem::path(path).extension().string();
  if (extension == ".jsonl") return ReportFormat::kJsonl;
  if (extension == ".sarif") return ReportFormat::kSarif;
  if (extension == ".csv") return ReportFormat::kCsv;
  if (extension == ".xml") return ReportFormat::kJunit;
  if (extension == ".txt") return ReportFormat::kText;
  return ReportFormat::kJson;
}

OutputPlan plan_output(const OutputFlags& flags, const char* no_color_env, const char* term_env, bool stdout_tty,
                       bool stderr_tty) {
  OutputPlan plan;
  const bool to_stdout = flags.report_path.empty() || flags.report_path == "-";
  if (!flags.report_format.empty()) {
    plan.format = parse_report_format(flags.report_format);
  } else if (!to_stdout) {
    plan.format = format_for_path(flags.report_path);
  }
  const bool default_text = flags.report_format.empty() && to_stdout;
  const bool colour_allowed = !flags.no_color && (no_color_env == nullptr || *no_color_env == '\0') &&
                              (term_env == nullptr || std::string(term_env) != "dumb");
  const bool redact_given = flags.redact != kRedactUnset;
  plan.report = !(flags.verbose && default_text);
  plan.redact = redact_given ? flags.redact : (plan.format == ReportFormat::kText ? kTextRedactPercent : 0);
  plan.colour = colour_allowed && stdout_tty;
  plan.blocks = flags.verbose;
  plan.blocks_to_stderr = plan.report && to_stdout;
  plan.blocks_redact = redact_given ? flags.redact : kTextRedactPercent;
  plan.blocks_colour = colour_allowed && (plan.blocks_to_stderr ? stderr_tty : stdout_tty);
  return plan;
}

void apply_gitleaks_environment(CommonScanOptions& options, const char* config_env, const char* config_toml_env) {
  if (!options.config_path.empty()) return;
  if (config_env != nullptr && *config_env != '\0') {
    options.config_path = config_env;
  } else if (config_toml_env != nullptr && *config_toml_env != '\0') {
    options.config_text = config_toml_env;
    options.config_text_name = "$GITLEAKS_CONFIG_TOML";
  }
}

void apply_max_target_megabytes(CommonScanOptions& options, std::uint64_t megabytes) {
  if (megabytes > 0) options.max_blob_size = megabytes * 1'000'000;
}

Watchdog::Watchdog(unsigned seconds, int exit_code) {
  thread_ = std::thread([this, seconds, exit_code] {
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, std::chrono::seconds(seconds), [this] { return done_; })) return;
    const std::string message =
        "trawl: error: --timeout: the scan did not finish within " + std::to_string(seconds) + " seconds\n";
    (void)!::write(STDERR_FILENO, message.data(), message.size());
    std::_Exit(exit_code);
  });
}

Watchdog::~Watchdog() {
  {
    const std::lock_guard lock(mutex_);
    done_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

}  // namespace trawl
