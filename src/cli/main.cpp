// The trawl command line: parses flags, runs a scan (history, staged or
// unstaged changes, or files), writes the report and maps outcomes to exit
// codes (0 clean, 1 findings, 2 usage or configuration error, 3 the scan
// itself failed, 4 objects could not be read and --fail-on-skip was given).
// gitleaks' commands and flags are accepted with gitleaks'
// meaning (cli/scan_flags.h), so its users keep their habits.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/completion.h"
#include "cli/help_format.h"
#include "cli/log_filter.h"
#include "cli/log_opts.h"
#include "cli/progress.h"
#include "cli/rule_examples.h"
#include "cli/scan_flags.h"
#include "content/sha256.h"
#include "content/text_escape.h"
#include "engine/backends.h"
#include "report/explain_report.h"
#include "report/finding_sink.h"
#include "report/redact.h"
#include "report/reports.h"
#include "rules/rule_loader.h"
#include "scan/explain_line.h"
#include "scan/scans.h"
#include "scan/sweep.h"
#include "scan/trace.h"
#include "store/datastore.h"
#include "trawl_commit.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitScanFailed = 3;
constexpr int kExitUnreadable = 4;
// More worker threads than any machine trawl runs on has cores: a larger
// -j is a typing error, not a wish for a million threads.
constexpr unsigned kMaxThreads = 1024;

std::string version_text() {
  std::string text = "trawl " TRAWL_VERSION " (commit " TRAWL_COMMIT ")\nbackends:\n";
  for (const trawl::BackendStatus& b : trawl::backend_statuses()) {
    text += "  " + b.name + ": " + (b.compiled ? (b.usable ? "usable" : "compiled in, not usable") : "not compiled in");
    text += " (" + b.detail + ")\n";
  }
  return text;
}

// Each skipped object's id (a path for files) and detail, escaped and, with
// --redact, with every secret the scan found masked.
void print_skipped(const trawl::ScanResult& result, unsigned redact) {
  std::vector<std::string> secrets;
  if (redact > 0) {
    for (const trawl::Finding& f : result.findings) secrets.push_back(f.secret);
  }
  const trawl::SecretMasker masker(redact, secrets);
  const auto shown = [&](const std::string& text) { return trawl::escape_text(masker.mask(text), true); };
  for (const trawl::SkippedObject& s : result.skipped) {
    std::cerr << "trawl: skipped " << trawl::skip_reason_name(s.reason) << " " << shown(s.id);
    if (!s.detail.empty()) std::cerr << ": " << shown(s.detail);
    std::cerr << "\n";
  }
  for (const trawl::MalformedObject& m : result.malformed) {
    std::cerr << "trawl: malformed " << trawl::malformed_kind_name(m.kind) << " " << m.id;
    if (!m.detail.empty()) std::cerr << ": " << m.detail;
    std::cerr << "\n";
  }
}

// Errors may quote a scanned repository's rules file (a rule id, a regex):
// escaped, they cannot drive the terminal.
int usage_error(const std::exception& e) {
  std::cerr << "trawl: error: " << trawl::escape_text(e.what(), true) << "\n";
  return kExitUsage;
}

// The key of a redacted report's secret digests: TRAWL_REDACT_KEY, else a
// random one (ReportSink). An environment variable, not a flag, so it does
// not show in the process list.
std::string redact_key() {
  const char* key = std::getenv("TRAWL_REDACT_KEY");
  return key == nullptr ? std::string() : std::string(key);
}

mode_t report_mode(const std::string& mode) {
  return mode.empty() ? trawl::kPrivateReportMode : trawl::parse_report_mode(mode);
}

// --redact as given; not given: what the text outputs hide of each secret.
unsigned shown_redact(const trawl::OutputFlags& flags) {
  return flags.redact == trawl::kRedactUnset ? trawl::kTextRedactPercent : flags.redact;
}

// Prints the summary (and the skipped objects when asked); returns the exit
// code: findings first, then (with --fail-on-skip) objects not read.
int finish(const trawl::OutputFlags& flags, trawl::LogLevel level, const trawl::ScanResult& result) {
  if (flags.list_skipped) print_skipped(result, shown_redact(flags));
  if (level >= trawl::LogLevel::kDebug) {
    std::cerr << trawl::format_summary(result.summary);
  } else if (level >= trawl::LogLevel::kInfo) {
    std::cerr << trawl::format_summary_line(result.summary);
  } else if (level >= trawl::LogLevel::kWarn) {
    std::cerr << trawl::format_summary_warnings(result.summary);
  }
  if (!result.findings.empty() && flags.exit_code != 0) return flags.exit_code;
  if (flags.fail_on_skip && result.summary.unreadable > 0) return kExitUnreadable;
  return 0;
}

void add_datastore_flag(CLI::App* command, trawl::OutputFlags& flags) {
  command
      ->add_option("--datastore", flags.datastore,
                   "Record findings in this SQLite file or PostgreSQL server (postgresql://...; created if absent) "
                   "and skip blobs it already scanned with these rules")
      ->option_text("FILE|URL");
}

// Where findings go: the report (text on stdout unless a format or path is
// asked for) and, with -v, gitleaks' finding blocks.
struct Outputs {
  std::unique_ptr<trawl::ReportSink> report;
  std::unique_ptr<trawl::GitleaksBlocksSink> blocks;

  std::vector<trawl::FindingSink*> sinks() const {
    std::vector<trawl::FindingSink*> out;
    if (blocks) out.push_back(blocks.get());
    if (report) out.push_back(report.get());
    return out;
  }
};

Outputs make_outputs(const trawl::OutputFlags& flags) {
  const trawl::OutputPlan plan = trawl::plan_output(flags, std::getenv("NO_COLOR"), std::getenv("TERM"),
                                                    ::isatty(STDOUT_FILENO) == 1, ::isatty(STDERR_FILENO) == 1);
  Outputs outputs;
  if (plan.report) {
    outputs.report = std::make_unique<trawl::ReportSink>(plan.format, flags.report_path, plan.redact, redact_key(),
                                                         report_mode(flags.report_mode), plan.colour);
  }
  if (plan.blocks) {
    outputs.blocks = std::make_unique<trawl::GitleaksBlocksSink>(plan.blocks_to_stderr ? std::cerr : std::cout,
                                                                 plan.blocks_redact, plan.blocks_colour);
  }
  return outputs;
}

int run_history_scan(trawl::GitScanOptions options, const trawl::OutputFlags& flags, const trawl::ScopeFlags& scope,
                     std::ostream& log, trawl::LogLevel level) {
  if (!scope.range.empty() && !scope.branch.empty()) throw trawl::UsageError("--range and --branch cannot be combined");
  if (!scope.range.empty()) trawl::apply_range(scope.range, options.scope);
  if (!scope.branch.empty()) options.scope.tip = scope.branch;
  if (!scope.since.empty()) options.scope.since = trawl::parse_date(scope.since, "--since");
  if (!scope.log_opts.empty()) trawl::apply_log_opts(scope.log_opts, options.scope);

  const Outputs outputs = make_outputs(flags);
  trawl::ScanProgress progress;
  options.progress = &progress;
  trawl::ScanResult result;
  {
    const trawl::ProgressLine line(
        progress, !flags.no_progress && level >= trawl::LogLevel::kInfo && trawl::stderr_is_terminal());
    result = trawl::scan_git_history(options, log, outputs.sinks());
  }
  return finish(flags, level, result);
}

int run_file_scan(const trawl::FileScanOptions& options, const trawl::OutputFlags& flags, bool changes,
                  std::ostream& log, trawl::LogLevel level) {
  const Outputs outputs = make_outputs(flags);
  const trawl::ScanResult result = changes ? trawl::scan_staged(options, log, outputs.sinks())
                                           : trawl::scan_directory(options, std::cin, log, outputs.sinks());
  return finish(flags, level, result);
}

int run_image_scan(const trawl::ImageCommandOptions& options, const trawl::OutputFlags& flags, std::ostream& log,
                   trawl::LogLevel level) {
  const Outputs outputs = make_outputs(flags);
  return finish(flags, level, trawl::scan_images(options, log, outputs.sinks()));
}

// `trawl report`: the stored findings in any report format, all of them or
// only those new in the latest sweep or since a given one.
struct StoreReportFlags {
  std::string datastore;
  bool only_new = false;
  std::string since_sweep;
};

// Writes the stored findings `selection` picks as `flags` ask; returns how
// many there were. `summary` says what the report's scan object holds.
trawl::ScanSummary write_stored_report(trawl::Datastore& store, const trawl::StoredSelection& selection,
                                       const trawl::OutputFlags& flags, trawl::ScanSummary summary) {
  trawl::ScanResult result;
  result.findings = store.stored_findings(selection);
  result.summary = std::move(summary);
  trawl::apply_min_confidence(result, flags.min_confidence);
  const Outputs outputs = make_outputs(flags);
  for (trawl::FindingSink* sink : outputs.sinks()) sink->finish({result.findings, result.secrets, result.summary});
  return result.summary;
}

int run_store_report(const trawl::OutputFlags& flags, const StoreReportFlags& report, trawl::LogLevel level) {
  if (report.only_new && !report.since_sweep.empty())
    throw trawl::UsageError("--new and --since-sweep cannot be combined");
  if (!trawl::is_server_location(report.datastore) && !std::filesystem::exists(report.datastore)) {
    throw trawl::UsageError("datastore " + trawl::escape_text(report.datastore, true) + ": no such file");
  }
  const std::unique_ptr<trawl::Datastore> store = trawl::open_datastore(report.datastore);
  trawl::StoredSelection selection;
  selection.only_new = report.only_new;
  selection.since_sweep = report.since_sweep;
  trawl::ScanSummary summary;
  summary.rules_origin = "datastore " + trawl::datastore_name(report.datastore);
  const trawl::ScanSummary written = write_stored_report(*store, selection, flags, summary);
  const std::uint64_t findings = written.findings;
  if (level >= trawl::LogLevel::kInfo) {
    std::cerr << "trawl: " << findings << (findings == 1 ? " finding" : " findings")
              << " from the datastore (latest sweep " << store->latest_sweep() << "; " << store->stale_findings()
              << " stale)\n";
    if (const std::string counts = trawl::format_confidence_counts(written); !counts.empty()) {
      std::cerr << "trawl: " << counts << "\n";
    }
  }
  return findings == 0 || flags.exit_code == 0 ? 0 : flags.exit_code;
}

// `trawl sweep MANIFEST`: what its flags say beyond the scan's.
struct SweepFlags {
  std::string shard;
  bool only_new = false;
};

// The scheduler's variables that name a shard, those set.
std::map<std::string, std::string> shard_environment() {
  std::map<std::string, std::string> env;
  for (const char* name : {"JOB_COMPLETION_INDEX", "TRAWL_SHARD_COUNT", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT",
                           "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_STEP"}) {
    if (const char* value = std::getenv(name); value != nullptr) env.emplace(name, value);
  }
  return env;
}

// Exit codes: 0 every repository swept, 1 some could not be (recorded in the
// store, the others swept), 2 a usage error.
int run_sweep_command(trawl::SweepOptions options, const SweepFlags& sweep, const trawl::OutputFlags& flags,
                      std::ostream& log, trawl::LogLevel level) {
  options.shard =
      sweep.shard.empty() ? trawl::shard_from_environment(shard_environment()) : trawl::parse_shard(sweep.shard);
  const std::unique_ptr<trawl::Datastore> store = trawl::open_datastore(flags.datastore);
  options.scan.datastore_redact = flags.redact == trawl::kRedactUnset ? 0 : flags.redact;
  const trawl::SweepResult result = trawl::run_sweep(options, *store, log);
  if (!flags.report_format.empty() || !flags.report_path.empty()) {
    trawl::StoredSelection selection;
    if (sweep.only_new) selection.in_sweep = result.round;
    trawl::ScanSummary summary;
    summary.rules_origin = "datastore " + trawl::datastore_name(flags.datastore);
    summary.datastore = true;
    summary.blobs_read = result.blobs_read;
    summary.blobs_known = result.blobs_known;
    summary.repositories_unchanged = result.unchanged;
    write_stored_report(*store, selection, flags, summary);
  }
  if (level >= trawl::LogLevel::kInfo) std::cerr << trawl::format_sweep_summary(result);
  return result.failed > 0 ? 1 : 0;
}

// `trawl merge OUT IN...`: every input store added to OUT (created if absent).
int run_merge(const std::string& out, const std::vector<std::string>& inputs) {
  for (const std::string& in : inputs) {
    if (!trawl::is_server_location(in) && !std::filesystem::is_regular_file(in)) {
      throw trawl::UsageError("datastore " + trawl::escape_text(in, true) + ": no such file");
    }
  }
  const std::unique_ptr<trawl::Datastore> store = trawl::open_datastore(out);
  for (const std::string& in : inputs) store->merge_from(in);
  return 0;
}

// trace's report flags: its own defaults (its text timeline, the secret
// masked) and no gitleaks flags.
struct TraceReportFlags {
  std::string report_format = "text";
  std::string report_path;
  std::string report_mode;
  unsigned redact = 100;
  int exit_code = 1;
  bool list_skipped = false;
  bool no_progress = false;
};

// What `trawl trace` is asked to follow.
struct TraceFlags {
  std::string secret;  // a value, or "-" for standard input
  std::string sha256;
  std::string from_report;
  std::size_t finding = 0;
};

trawl::TraceTarget trace_target(const TraceFlags& flags) {
  const int given = static_cast<int>(!flags.secret.empty()) + static_cast<int>(!flags.sha256.empty()) +
                    static_cast<int>(!flags.from_report.empty());
  if (given != 1) throw trawl::UsageError("trace: give one of SECRET, -, --sha256 HEX or --from-report FILE");
  if (!flags.from_report.empty()) {
    if (flags.finding == 0) throw trawl::UsageError("--from-report needs --finding N (counted from 1)");
    return trawl::target_from_report(flags.from_report, flags.finding);
  }
  if (flags.finding != 0) throw trawl::UsageError("--finding needs --from-report FILE");
  if (!flags.sha256.empty()) return trawl::target_from_sha256(flags.sha256);
  if (flags.secret == "-") return trawl::target_from_stdin(std::cin);
  std::cerr << "trawl: warning: a secret given as an argument stays in the shell's history and is visible to other "
               "users while trawl runs; 'trawl trace -' reads it from standard input\n";
  return {flags.secret, trawl::sha256_hex(flags.secret), {}, {}};
}

// The traced secret's story: text is its timeline alone; other formats are
// the scan's report, holding only that secret.
int run_trace(trawl::GitScanOptions options, const TraceReportFlags& flags, const TraceFlags& trace_flags) {
  const trawl::ReportFormat format = trawl::parse_report_format(flags.report_format);
  const trawl::TraceTarget target = trace_target(trace_flags);
  trawl::ReportOutput output(flags.report_path, report_mode(flags.report_mode));
  trawl::CollectingSink collected;
  trawl::ScanProgress progress;
  options.progress = &progress;
  trawl::ScanResult result;
  {
    const trawl::ProgressLine line(progress, !flags.no_progress && trawl::stderr_is_terminal());
    result = trawl::trace_secret(options, target, std::cerr, {&collected});
  }
  std::vector<trawl::Finding> findings = result.findings;
  std::vector<trawl::SecretTimeline> secrets = result.secrets;
  std::string key = redact_key();
  if (key.empty() && flags.redact > 0) key = trawl::random_bytes(32);
  trawl::redact_report(findings, secrets, flags.redact, key);
  if (format == trawl::ReportFormat::kText) {
    trawl::write_timelines_text(output.stream(), secrets);
  } else {
    trawl::write_report(output.stream(), format, {findings, secrets, result.summary});
  }
  output.commit();
  if (flags.list_skipped) print_skipped(result, flags.redact);
  if (result.secrets.empty()) std::cerr << "trawl: the secret was not found in the history scanned\n";
  std::cerr << trawl::format_summary(result.summary);
  return result.findings.empty() ? 0 : flags.exit_code;
}

void add_trace_report_flags(CLI::App* command, TraceReportFlags& flags) {
  command->add_option("-f,--report-format", flags.report_format, "Report format (text: the secret's timeline)")
      ->option_text("json|jsonl|sarif|csv|gitleaks|junit|text")
      ->capture_default_str();
  command->add_option("-r,--report-path", flags.report_path, "Write the report here (mode 0600); default: stdout")
      ->option_text("FILE");
  command
      ->add_option("--report-mode", flags.report_mode,
                   "Permissions of the report file, e.g. 0640 for a pipeline that reads it as another user "
                   "(default: 0600; never writable by others)")
      ->option_text("OCTAL");
  command->add_flag("--redact{100}", flags.redact, "Mask the secret in the output (the default); --redact=0 shows it")
      ->check(CLI::Range(0U, 100U))
      ->option_text("[=PERCENT]");
  command->add_option("--exit-code", flags.exit_code, "Exit code when the secret is found (0 to 255)")
      ->check(CLI::Range(0, 255))
      ->option_text("N")
      ->capture_default_str();
  command->add_flag("--list-skipped", flags.list_skipped, "List every skipped object on stderr");
  command->add_flag("--no-progress", flags.no_progress, "No progress line on stderr (drawn only on a terminal)");
}

// Where the report goes and what stderr says; gitleaks' flags among them.
void add_min_confidence_flag(CLI::App* command, trawl::OutputFlags& flags) {
  command
      ->add_option("--min-confidence", flags.min_confidence,
                   "Report findings of at least this confidence (default: medium); rules below it are not run "
                   "(with --datastore medium and high rules always run, and those below are counted)")
      ->transform(
          CLI::CheckedTransformer(std::map<std::string, trawl::Confidence>{{"low", trawl::Confidence::kLow},
                                                                           {"medium", trawl::Confidence::kMedium},
                                                                           {"high", trawl::Confidence::kHigh}}))
      ->option_text("low|medium|high");
}

void add_output_flags(CLI::App* command, trawl::OutputFlags& flags) {
  command
      ->add_option("-f,--report-format", flags.report_format,
                   "Report format (default: text on stdout; with --report-path, as its extension says, else json)")
      ->option_text("json|jsonl|sarif|csv|gitleaks|junit|text");
  command->add_option("-r,--report-path", flags.report_path, "Write the report here (mode 0600); default: stdout")
      ->option_text("FILE");
  command
      ->add_option("--report-mode", flags.report_mode,
                   "Permissions of the report file, e.g. 0640 for a pipeline that reads it as another user "
                   "(default: 0600; never writable by others)")
      ->option_text("OCTAL");
  command
      ->add_flag("--redact{100}", flags.redact,
                 "Mask secrets; --redact=PERCENT masks part of each, --redact=0 shows them whole (default: text "
                 "shows the first fifth of each secret, machine formats all of it)")
      ->check(CLI::Range(0U, 100U))
      ->option_text("[=PERCENT]");
  command->add_option("--exit-code", flags.exit_code, "Exit code when there are findings (0 to 255)")
      ->check(CLI::Range(0, 255))
      ->option_text("N")
      ->capture_default_str();
  command->add_flag("-v,--verbose", flags.verbose,
                    "Print each finding as gitleaks -v does (stdout, or stderr when the report is on stdout) and "
                    "details on stderr");
  command->add_flag("-q,--quiet", flags.quiet, "Nothing on stderr but errors");
  command->add_option("-l,--log-level", flags.log_level, "stderr: trace, debug, info (default), warn, error or fatal")
      ->option_text("LEVEL");
  command->add_flag("--no-color", flags.no_color, "No colour (also: NO_COLOR set, TERM=dumb, or not a terminal)");
  command->add_flag("--no-banner", flags.no_banner, "Accepted for gitleaks; trawl prints no banner");
  command->add_flag("--list-skipped", flags.list_skipped, "List every skipped object on stderr");
  command->add_flag("--fail-on-skip", flags.fail_on_skip,
                    "Exit 4 when objects or files could not be read (missing, corrupt, unreadable)");
  command
      ->add_option("--report-template", flags.report_template,
                   "gitleaks' template report: not supported (use --report-format json or jsonl)")
      ->option_text("TEMPLATE");
  add_min_confidence_flag(command, flags);
  command->add_option("--timeout", flags.timeout_seconds, "Give up (exit 3) after this many seconds (0: never)")
      ->option_text("SECONDS");
  // Every command that writes a report takes it, so scripts can pass it to
  // any of them; only history scans draw a progress line today.
  command->add_flag("--no-progress", flags.no_progress, "No progress line on stderr (drawn only on a terminal)");
}

// gitleaks' -s/--source, besides the positional path.
void add_source_flag(CLI::App* command, trawl::OutputFlags& flags) {
  command->add_option("-s,--source", flags.source, "gitleaks' name for the path to scan")->option_text("PATH");
}

void add_rules_flags(CLI::App* command, trawl::CommonScanOptions& options) {
  command
      ->add_option("-c,--config", options.config_path,
                   "Rules file (gitleaks TOML), the only one read; default: $GITLEAKS_CONFIG, "
                   "$GITLEAKS_CONFIG_TOML, .trawl.toml or .gitleaks.toml at the root, else the built-in rules")
      ->option_text("FILE");
  command->add_flag("--no-repo-config", options.no_repo_config,
                    "Do not read .trawl.toml or .gitleaks.toml at the root: --config or the built-in rules");
  command
      ->add_option("-b,--baseline-path", options.baseline_path,
                   "An earlier trawl json or gitleaks report: report only findings it lacks")
      ->option_text("REPORT");
  command
      ->add_option("--enable-rule", options.enabled_rules,
                   "Only these rules (ids or gitleaks ids; repeat or separate with commas)")
      ->delimiter(',');
  command
      ->add_option("-i,--gitleaks-ignore-path", options.gitleaks_ignore_path,
                   "A .gitleaksignore file, or a directory holding one, besides the root's")
      ->option_text("PATH");
  command->add_flag("--ignore-gitleaks-allow", options.ignore_inline_allow,
                    "Report findings on lines marked gitleaks:allow or trawl:allow");
}

void add_size_flags(CLI::App* command, trawl::CommonScanOptions& options, trawl::OutputFlags& flags, const char* what) {
  command->add_option("--max-blob-size", options.max_blob_size, what)
      ->option_text("SIZE")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{0xffffffff}))
      ->default_str("64MiB");
  command
      ->add_option("--max-target-megabytes", flags.max_target_megabytes,
                   "gitleaks' name: skip files larger than this many megabytes (0: the --max-blob-size limit)")
      ->option_text("N");
}

void add_backend_flags(CLI::App* command, trawl::BackendRequest& backend) {
  command
      ->add_option("--backend", backend.name,
                   "Keyword matching on: auto (CUDA when a device is usable, else CPU), cuda or cpu")
      ->option_text("auto|cuda|cpu")
      ->check(CLI::IsMember({"auto", "cuda", "cpu"}))
      ->capture_default_str();
  command->add_option("--gpus", backend.gpus, "CUDA devices to use, e.g. 0,2 (default: all)")
      ->option_text("LIST")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber);
}

void add_scope_flags(CLI::App* command, trawl::ScopeFlags& scope) {
  command->add_option("--range", scope.range, "Only commits reachable from B and not from A (A..B)")
      ->option_text("A..B");
  command->add_option("--branch", scope.branch, "Only the history of this ref (branch, tag or commit)")
      ->option_text("REF");
  command->add_option("--since", scope.since, "Only commits committed since this date (YYYY-MM-DD[THH:MM[:SS]], UTC)")
      ->option_text("DATE");
  command
      ->add_option("--log-opts", scope.log_opts,
                   "gitleaks' git log options, the part trawl honours without git: A..B, REV, --all, --branches, "
                   "--tags, --since, --until, --author, -- PATH")
      ->option_text("OPTS");
}

trawl::RuleLoad rules_for_listing(const std::string& config) {
  return config.empty() ? trawl::load_builtin_rules() : trawl::load_rules_file(config);
}

int run_rules_list(const std::string& config) {
  const trawl::RuleLoad load = rules_for_listing(config);
  for (const trawl::Rule& rule : load.rules.rules) {
    std::string keywords;
    for (const std::string& k : rule.keywords) keywords += (keywords.empty() ? "" : ",") + k;
    std::cout << rule.id << "\t" << rule.description << "\t" << keywords << "\n";
  }
  return 0;
}

int run_rules_check(const std::string& file) {
  const trawl::RuleLoad load = rules_for_listing(file);
  for (const std::string& warning : load.warnings) std::cerr << "trawl: warning: " << warning << "\n";
  const trawl::ExampleCheck check = trawl::check_rule_examples(load.rules, file.empty());
  for (const trawl::ExampleFailure& f : check.failures) {
    std::cout << "FAIL " << f.rule_id << " (" << f.source << "): " << f.problem << "\n";
  }
  std::cout << check.rules << " rules, " << check.examples << " examples checked, " << check.failures.size()
            << " failures\n";
  return check.failures.empty() ? 0 : 1;
}

// `trawl rules why`'s own flags.
struct WhyFlags {
  std::string target;  // FILE:LINE
  std::string format = "text";
  unsigned redact = 100;
  bool show_secret = false;
};

int run_rules_why(trawl::ExplainOptions& options, const WhyFlags& flags) {
  trawl::parse_file_line(flags.target, options);
  trawl::apply_gitleaks_environment(options, std::getenv("GITLEAKS_CONFIG"), std::getenv("GITLEAKS_CONFIG_TOML"));
  const trawl::LineExplanation explanation = trawl::explain_line(options, std::cin, std::cerr);
  if (flags.format == "json") {
    trawl::write_explanation_json(std::cout, explanation, flags.redact);
  } else {
    trawl::write_explanation_text(std::cout, explanation, flags.redact);
  }
  return 0;
}

// The arguments, with `trawl rules why -:LINE` (standard input) moved after
// a "--": the parser would read "-:LINE" as an option. Reversed, as
// CLI::App::parse takes them.
std::vector<std::string> stdin_line_last(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto is_stdin_line = [](const std::string& a) {
    return a.size() > 2 && a.starts_with("-:") &&
           std::all_of(a.begin() + 2, a.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const auto end = std::find(args.begin(), args.end(), "--");
  const auto found = std::find_if(args.begin(), end, is_stdin_line);
  if (found != end) {
    const std::string line = *found;
    const bool had_separator = end != args.end();
    args.erase(found);
    if (!had_separator) args.emplace_back("--");
    args.push_back(line);
  }
  std::reverse(args.begin(), args.end());
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  // libarchive turns each zip member's DOS time into a time_t with
  // mktime(), and glibc stats /etc/localtime on every such call while TZ
  // is unset (268,000 calls for one image's jars). Naming that same zone
  // once, before any thread starts, keeps local time as it was.
  if (std::getenv("TZ") == nullptr) setenv("TZ", ":/etc/localtime", 0);
  // Named, so help says "trawl", not the path it was started by.
  CLI::App app{"trawl: finds leaked credentials in every blob of a git repository's history", "trawl"};
  trawl::use_help_formatter(app);
  app.footer(
      "Examples:\n"
      "  trawl scan                              whole history of the repository here\n"
      "  trawl protect --staged                  what the next commit would add\n"
      "  trawl dir ./dist                        files on disk\n"
      "gitleaks' commands work too: trawl git, trawl detect --source PATH, trawl protect --staged.\n"
      "Run 'trawl COMMAND --help' for a command's options.");
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text());

  trawl::OutputFlags output;
  trawl::ScopeFlags scope;
  trawl::GitScanOptions scan_options;
  CLI::App* scan = app.add_subcommand("scan", "Scan every blob in the history of every ref of a repository");
  scan->alias("git");
  scan->footer(
      "Examples:\n"
      "  trawl scan                              scan the repository in the current directory\n"
      "  trawl scan ~/src/app --report-path r.json\n"
      "  trawl scan repo.git --report-format sarif --redact > trawl.sarif\n"
      "  trawl scan --range v1.0..main           only commits in main since v1.0\n"
      "  trawl scan --branch release --since 2024-01-01\n"
      "  trawl scan --baseline-path old.json     only what old.json does not hold\n"
      "  trawl scan --report-format jsonl | jq .rule_id\n"
      "  trawl git -v --log-opts='--since=2024-01-01 -- src'   gitleaks' spelling");
  scan->add_option("path", scan_options.repo_path, "Repository (work tree, a directory in it, git directory or URL)")
      ->capture_default_str();
  add_source_flag(scan, output);
  add_rules_flags(scan, scan_options);
  add_output_flags(scan, output);
  add_datastore_flag(scan, output);
  add_scope_flags(scan, scope);
  add_size_flags(scan, scan_options, output, "Skip blobs larger than this (e.g. 64MiB)");
  scan->add_option("--batch-size", scan_options.batch_bytes, "Bytes of blob content per batch")
      ->option_text("SIZE")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1} << 16, std::uint64_t{1} << 34))
      ->default_str("32MiB");
  scan->add_option("-j,--threads", scan_options.threads, "Worker threads, at most 1024 (default: all cores)")
      ->check(CLI::Range(0U, kMaxThreads))
      ->option_text("N");
  scan->add_option("--memory-budget", scan_options.memory_budget, "Memory the blob reader may hold (e.g. 2GiB)")
      ->option_text("SIZE")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1} << 20, ~std::uint64_t{0}))
      ->default_str("2GiB");
  scan->add_option(
          "--blob-reader", scan_options.blob_source,
          "packs: read pack files directly, libgit2 for the rest (default); libgit2: everything through libgit2")
      ->option_text("packs|libgit2")
      ->transform(CLI::CheckedTransformer(std::map<std::string, trawl::BlobSource>{
          {"packs", trawl::BlobSource::kPacks}, {"libgit2", trawl::BlobSource::kLibgit2}}))
      ->default_str("packs");
  scan->add_flag("--match-whole-blobs", scan_options.match_whole_blobs,
                 "Match every byte of every blob; by default the CPU backend matches only the bytes each delta adds "
                 "to its base, with the same findings");
  add_backend_flags(scan, scan_options.backend);

  // gitleaks' older command: the history of --source, or its files with --no-git.
  trawl::GitScanOptions detect_options;
  trawl::FileScanOptions detect_files;
  bool no_git = false;
  CLI::App* detect = app.add_subcommand("detect", "gitleaks' detect: scan --source's history (or files, --no-git)");
  detect->footer(
      "Examples:\n"
      "  trawl detect --source . -v              as 'trawl scan . -v'\n"
      "  trawl detect --no-git --source dist     as 'trawl dir dist'");
  add_source_flag(detect, output);
  detect->add_flag("--no-git", no_git, "Scan the files under --source, not its history (as 'trawl dir')");
  add_rules_flags(detect, detect_options);
  add_output_flags(detect, output);
  add_scope_flags(detect, scope);
  add_size_flags(detect, detect_options, output, "Skip blobs larger than this (e.g. 64MiB)");
  add_backend_flags(detect, detect_options.backend);
  detect->add_flag("--follow-symlinks", detect_files.follow_symlinks, "With --no-git: scan links to regular files");

  TraceReportFlags trace_report_flags;
  TraceFlags trace_flags;
  trawl::GitScanOptions trace_options;
  CLI::App* trace = app.add_subcommand(
      "trace", "Tell a leaked value's story: where it entered, moved and was removed, and which refs still hold it");
  trace->footer(
      "Examples:\n"
      "  printf %s \"$TOKEN\" | trawl trace -        read the value from standard input (kept out of shell history)\n"
      "  trawl trace --sha256 9f86d08... -p repo.git\n"
      "  trawl trace --from-report r.json --finding 3 --report-format json\n"
      "The value is masked in the output unless --redact=0 is given.");
  trace->add_option("secret", trace_flags.secret, "The value, or - to read it from standard input");
  trace->add_option("--sha256", trace_flags.sha256, "Trace the value whose SHA-256 is HEX (a report's secret_sha256)");
  trace->add_option("--from-report", trace_flags.from_report, "Trace a finding of this trawl json or gitleaks report");
  trace->add_option("--finding", trace_flags.finding, "Which finding of --from-report, counted from 1");
  trace->add_option("-p,--path", trace_options.repo_path, "Repository (work tree, git directory or URL)")
      ->capture_default_str();
  add_rules_flags(trace, trace_options);
  add_trace_report_flags(trace, trace_report_flags);
  add_backend_flags(trace, trace_options.backend);

  trawl::FileScanOptions protect_options;
  bool staged = false;
  CLI::App* protect =
      app.add_subcommand("protect", "Scan what the index would add on top of HEAD (--staged), or unstaged changes");
  protect->footer(
      "Examples:\n"
      "  trawl protect --staged                  in a pre-commit hook: exits 1 when the commit would leak\n"
      "  trawl protect                           changes in the work tree not yet staged\n"
      "  trawl protect --staged ~/src/app --redact");
  protect->add_flag("--staged", staged, "Scan the staged changes (default: the work tree's unstaged changes)");
  protect->add_option("path", protect_options.path, "Work tree, or a directory in it")->capture_default_str();
  add_source_flag(protect, output);
  add_rules_flags(protect, protect_options);
  add_output_flags(protect, output);
  add_size_flags(protect, protect_options, output, "Skip files larger than this (e.g. 64MiB)");
  add_backend_flags(protect, protect_options.backend);

  trawl::FileScanOptions dir_options;
  CLI::App* dir = app.add_subcommand("dir", "Scan files on disk (no git): a directory, a file, or standard input");
  dir->alias("directory");
  dir->alias("file");
  dir->footer(
      "Examples:\n"
      "  trawl dir ./build-output                every file under it; symlinks are not followed\n"
      "  trawl dir config/app.env                one file\n"
      "  trawl dir . --report-format csv --report-path findings.csv\n"
      "  kubectl get secret -o yaml | trawl dir -");
  dir->add_option("path", dir_options.path, "Directory, file, or - for standard input")->capture_default_str();
  add_source_flag(dir, output);
  add_rules_flags(dir, dir_options);
  add_output_flags(dir, output);
  add_datastore_flag(dir, output);
  add_size_flags(dir, dir_options, output, "Skip files larger than this (e.g. 64MiB)");
  dir->add_option("-j,--threads", dir_options.threads, "Worker threads, at most 1024 (default: all cores)")
      ->check(CLI::Range(0U, kMaxThreads))
      ->option_text("N");
  dir->add_flag("--follow-symlinks", dir_options.follow_symlinks,
                "Scan symlinks to regular files (at the link's path)");
  add_backend_flags(dir, dir_options.backend);

  trawl::FileScanOptions stdin_options;
  stdin_options.path = "-";
  CLI::App* stdin_command = app.add_subcommand("stdin", "Scan standard input (as 'trawl dir -')");
  add_rules_flags(stdin_command, stdin_options);
  add_output_flags(stdin_command, output);
  add_size_flags(stdin_command, stdin_options, output, "Skip input larger than this (e.g. 64MiB)");
  add_backend_flags(stdin_command, stdin_options.backend);

  trawl::ImageCommandOptions image_options;
  CLI::App* image = app.add_subcommand("image", "Scan container images: every layer, the config and the build history");
  image->footer(
      "Examples:\n"
      "  trawl image app.tar                     a docker save tarball (gzip or zstd too)\n"
      "  trawl image ./oci-layout app.oci.tar    an OCI layout directory, an OCI archive\n"
      "  trawl image app.tar --platform linux/arm64\n"
      "  trawl image registry.example.com/team/app:1.4   pulled from a registry\n"
      "  trawl image localhost:5000/app@sha256:HEX --insecure-registry localhost:5000");
  image
      ->add_option("input", image_options.inputs,
                   "Image tarballs, OCI layout directories or registry references (HOST[:PORT]/NAME[:TAG|@DIGEST])")
      ->required();
  add_rules_flags(image, image_options);
  add_output_flags(image, output);
  add_datastore_flag(image, output);
  add_size_flags(image, image_options, output, "Skip files larger than this (e.g. 64MiB)");
  image
      ->add_option("--archive-depth", image_options.archive_depth,
                   "Open archives inside layers (.jar, .war, .zip, .tar, .tgz) this many levels deep; 0: scan them "
                   "as files")
      ->check(CLI::Range(0, 8))
      ->capture_default_str()
      ->option_text("N");
  image->add_option("--platform", image_options.platform,
                    "The image to scan from an index: OS/ARCH[/VARIANT] (default: this machine's)");
  image->add_flag("--all-platforms", image_options.all_platforms, "Scan every platform's image of an index");
  image->add_option("--insecure-registry", image_options.insecure_registries,
                    "Reach this registry (HOST[:PORT]) over plain HTTP; repeatable");
  image
      ->add_option("--registry-timeout", image_options.registry_timeout_seconds,
                   "Give up on a registry that does not connect or makes no progress for this many seconds")
      ->capture_default_str();
  image->add_option("--registry-auth", image_options.registry_auth,
                    "USER:PASSWORD for the registries (default: ~/.docker/config.json's, else anonymous)");
  image->add_option("--registry-auth-file", image_options.registry_auth_file,
                    "A file whose first line is USER:PASSWORD (kept out of the process list)");
  add_backend_flags(image, image_options.backend);

  trawl::ContainerFileOptions dockerfile_options;
  CLI::App* dockerfile = app.add_subcommand(
      "dockerfile", "Check Dockerfiles, Compose and CI files for secrets a container build would keep");
  dockerfile->footer(
      "Examples:\n"
      "  trawl dockerfile Dockerfile compose.yaml  these files\n"
      "  trawl dockerfile .                        every Dockerfile, Compose and CI file under it\n"
      "  trawl dockerfile . --report-format sarif --report-path dockerfile.sarif");
  dockerfile->add_option("path", dockerfile_options.paths, "Files, or directories to search for them")->required();
  add_rules_flags(dockerfile, dockerfile_options);
  add_output_flags(dockerfile, output);
  add_size_flags(dockerfile, dockerfile_options, output, "Skip files larger than this (e.g. 64MiB)");
  dockerfile
      ->add_option("-j,--threads", dockerfile_options.threads, "Worker threads, at most 1024 (default: all cores)")
      ->check(CLI::Range(0U, kMaxThreads))
      ->option_text("N");

  StoreReportFlags store_report;
  CLI::App* report = app.add_subcommand("report", "Write a report of the findings a datastore holds");
  report->footer(
      "Examples:\n"
      "  trawl report --datastore trawl.db --report-format sarif --report-path all.sarif\n"
      "  trawl report --datastore trawl.db --new -f json     introduced in the latest sweep\n"
      "  trawl report --datastore trawl.db --since-sweep 20260101T000000.000000Z-0a1b2c3d");
  report->add_option("--datastore", store_report.datastore, "The datastore to read (a file or postgresql://...)")
      ->option_text("FILE|URL")
      ->required();
  report->add_flag("--new", store_report.only_new, "Only findings introduced in the latest sweep");
  report->add_option("--since-sweep", store_report.since_sweep, "Only findings introduced after this sweep")
      ->option_text("ID");
  add_output_flags(report, output);

  trawl::SweepOptions sweep_options;
  SweepFlags sweep_flags;
  CLI::App* sweep = app.add_subcommand("sweep", "Scan every repository a manifest lists into one datastore");
  sweep->footer(
      "Examples:\n"
      "  trawl sweep repos.jsonl --datastore org.db --clone-dir /cache\n"
      "  trawl sweep repos.jsonl --datastore shard-2.db --clone-dir /cache --shard 2/8\n"
      "  trawl sweep repos.jsonl --datastore org.db --clone-dir /cache --new -f sarif -r new.sarif\n"
      "Each line of the manifest: {\"name\": \"app\", \"url\": \"https://host/app.git\"} or {\"path\": "
      "\"/src/app\"}, optionally with \"fork_of\": \"NAME\".\n"
      "Without --shard the shard comes from JOB_COMPLETION_INDEX and TRAWL_SHARD_COUNT (Kubernetes) or\n"
      "SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (Slurm). Exit: 0 all swept, 1 some repositories failed, 2 "
      "usage.");
  sweep->add_option("manifest", sweep_options.manifest_path, "JSON lines, one repository each")
      ->required()
      ->option_text("MANIFEST");
  sweep->add_option("--datastore", output.datastore, "The datastore to record into (created if absent)")
      ->option_text("FILE")
      ->required();
  sweep->add_option("--clone-dir", sweep_options.clone_dir, "Where repositories named by URL are mirrored and kept")
      ->option_text("DIR");
  sweep->add_option("--jobs", sweep_options.jobs, "Mirrors cloned or fetched at once (1 to 64)")
      ->check(CLI::Range(1U, 64U))
      ->option_text("N")
      ->capture_default_str();
  sweep->add_option("--shard", sweep_flags.shard, "Sweep shard I of N (from 0); default: the scheduler's environment")
      ->option_text("I/N");
  sweep
      ->add_option("--sweep-id", sweep_options.sweep_id,
                   "Name the sweep (default: the manifest's digest); an interrupted run of it resumes")
      ->option_text("ID");
  add_rules_flags(sweep, sweep_options.scan);
  add_min_confidence_flag(sweep, output);
  add_size_flags(sweep, sweep_options.scan, output, "Skip blobs larger than this (e.g. 64MiB)");
  sweep->add_option("-j,--threads", sweep_options.scan.threads, "Worker threads, at most 1024 (default: all cores)")
      ->check(CLI::Range(0U, kMaxThreads))
      ->option_text("N");
  add_backend_flags(sweep, sweep_options.scan.backend);
  sweep
      ->add_option("-f,--report-format", output.report_format,
                   "Write a report of the datastore's findings in this format (default: as --report-path's "
                   "extension says, else json)")
      ->option_text("json|jsonl|sarif|csv|gitleaks|junit|text");
  sweep->add_option("-r,--report-path", output.report_path, "Write the report here (mode 0600); default: stdout")
      ->option_text("FILE");
  sweep->add_flag("--new", sweep_flags.only_new, "The report holds only findings introduced in this sweep");
  sweep
      ->add_option("--report-mode", output.report_mode,
                   "Permissions of the report file (default: 0600; never writable by others)")
      ->option_text("OCTAL");
  sweep
      ->add_flag("--redact{100}", output.redact,
                 "Mask secrets in the report and in what the datastore keeps; --redact=PERCENT masks part of each")
      ->check(CLI::Range(0U, 100U))
      ->option_text("[=PERCENT]");
  sweep->add_flag("-q,--quiet", output.quiet, "Nothing on stderr but errors");
  sweep->add_option("-l,--log-level", output.log_level, "stderr: trace, debug, info (default), warn, error or fatal")
      ->option_text("LEVEL");

  std::string merge_out;
  std::vector<std::string> merge_inputs;
  CLI::App* merge = app.add_subcommand("merge", "Add datastores into one (idempotent, in any order)");
  merge->footer(
      "Examples:\n"
      "  trawl merge all.db shard-0.db shard-1.db shard-2.db");
  merge->add_option("out", merge_out, "The datastore to merge into (created if absent)")
      ->required()
      ->option_text("OUT");
  merge->add_option("inputs", merge_inputs, "Datastores to add")->required()->option_text("IN...");

  CLI::App* rules = app.add_subcommand("rules", "List or check rules");
  rules->require_subcommand(1);
  std::string list_config;
  rules->footer(
      "Examples:\n"
      "  trawl rules list                        the built-in rules\n"
      "  trawl rules list -c .gitleaks.toml\n"
      "  trawl rules check my-rules.toml         run each rule's examples\n"
      "  trawl rules why config/app.env:12       why a value on line 12 was or was not reported");
  CLI::App* list = rules->add_subcommand("list", "Print each rule's id, description and keywords");
  list->footer("Example:\n  trawl rules list -c .gitleaks.toml | cut -f1");
  list->add_option("-c,--config", list_config, "Rules file; default: the built-in rules")->option_text("FILE");
  std::string check_file;
  CLI::App* check = rules->add_subcommand("check", "Run each rule's examples and report those that fail");
  check->add_option("file", check_file, "Rules file; default: the built-in rules (which must carry examples)");
  check->footer("Example:\n  trawl rules check .gitleaks.toml");
  trawl::ExplainOptions why_options;
  WhyFlags why_flags;
  CLI::App* why = rules->add_subcommand(
      "why", "Say which rules considered a line of a file and why each value there was reported or not");
  why->footer(
      "Examples:\n"
      "  trawl rules why config/app.env:12\n"
      "  trawl rules why src/db.py:40 -c .gitleaks.toml -f json\n"
      "  cat deploy.yml | trawl rules why -:7 --path k8s/deploy.yml\n"
      "Runs what 'trawl dir FILE' runs (the same rules, ignore files and allowlists, looked for in the\n"
      "file's directory). Secrets are masked unless --show-secret is given. Exit 0 once the line is\n"
      "explained, whatever the outcome; 2 on a missing file or a line out of range.");
  why->add_option("target", why_flags.target, "The file and line (- for standard input)")
      ->required()
      ->option_text("FILE:LINE");
  add_rules_flags(why, why_options);
  why->add_option("--rules", why_options.config_path, "Same as --config")->option_text("FILE");
  why->add_option("--path", why_options.path_name,
                  "The path the file is scanned at, for rules with a path (default: its name; stdin for -)")
      ->option_text("PATH");
  why->add_option("-f,--format,--report-format", why_flags.format, "Output format")
      ->option_text("text|json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  why->add_flag("--show-secret", why_flags.show_secret, "Show each candidate secret (masked by default)");
  why->add_flag("--redact{100}", why_flags.redact,
                "Mask secrets (the default); --redact=PERCENT masks part of each, even with --show-secret")
      ->check(CLI::Range(0U, 100U))
      ->option_text("[=PERCENT]");
  why->add_option("--max-blob-size", why_options.max_blob_size, "Refuse a file larger than this (e.g. 64MiB)")
      ->option_text("SIZE")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{0xffffffff}))
      ->default_str("64MiB");

  std::string shell;
  CLI::App* completion = app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
  completion->footer(
      "Examples:\n"
      "  source <(trawl completion bash)\n"
      "  trawl completion fish > ~/.config/fish/completions/trawl.fish");
  completion->add_option("shell", shell, "bash, zsh or fish")
      ->option_text("bash|zsh|fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));

  // Adding an integer flag zeroes its variable; "not given" is set after.
  output.redact = trawl::kRedactUnset;
  try {
    app.parse(stdin_line_last(argc, argv));
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  try {
    if (list->parsed()) return run_rules_list(list_config);
    if (check->parsed()) return run_rules_check(check_file);
    if (why->parsed()) {
      // Adding an integer flag zeroes its variable: masked unless asked.
      if (why->get_option("--redact")->count() == 0) why_flags.redact = why_flags.show_secret ? 0 : 100;
      return run_rules_why(why_options, why_flags);
    }
    if (completion->parsed()) {
      std::cout << trawl::completion_script(app, shell);
      return 0;
    }
    if (trace->parsed()) {
      // Adding an integer flag zeroes its variable: masked unless asked.
      if (trace->get_option("--redact")->count() == 0) trace_report_flags.redact = 100;
      return run_trace(trace_options, trace_report_flags, trace_flags);
    }

    trawl::check_output_flags(output);
    const trawl::LogLevel level = trawl::log_level_of(output);
    trawl::FilteredLog log(std::cerr, level);
    std::optional<trawl::Watchdog> watchdog;
    if (output.timeout_seconds > 0) watchdog.emplace(output.timeout_seconds, kExitScanFailed);
    if (merge->parsed()) return run_merge(merge_out, merge_inputs);
    if (report->parsed()) return run_store_report(output, store_report, level);
    if (sweep->parsed()) {
      trawl::apply_gitleaks_environment(sweep_options.scan, std::getenv("GITLEAKS_CONFIG"),
                                        std::getenv("GITLEAKS_CONFIG_TOML"));
      trawl::apply_max_target_megabytes(sweep_options.scan, output.max_target_megabytes);
      sweep_options.scan.min_confidence = output.min_confidence;
      return run_sweep_command(sweep_options, sweep_flags, output, log, level);
    }
    std::unique_ptr<trawl::Datastore> datastore;
    auto prepare = [&](trawl::CommonScanOptions& options) {
      if (!output.datastore.empty()) {
        datastore = trawl::open_datastore(output.datastore);
        options.datastore = datastore.get();
        options.datastore_redact = output.redact == trawl::kRedactUnset ? 0 : output.redact;
      }
      trawl::apply_gitleaks_environment(options, std::getenv("GITLEAKS_CONFIG"), std::getenv("GITLEAKS_CONFIG_TOML"));
      trawl::apply_max_target_megabytes(options, output.max_target_megabytes);
      options.min_confidence = output.min_confidence;
    };
    if (scan->parsed()) {
      if (!output.source.empty()) scan_options.repo_path = output.source;
      prepare(scan_options);
      return run_history_scan(scan_options, output, scope, log, level);
    }
    if (detect->parsed()) {
      const std::string source = output.source.empty() ? "." : output.source;
      if (no_git) {
        if (!scope.empty()) throw trawl::UsageError("--no-git scans files: history options do not apply");
        static_cast<trawl::CommonScanOptions&>(detect_files) = detect_options;
        detect_files.path = source;
        prepare(detect_files);
        return run_file_scan(detect_files, output, false, log, level);
      }
      detect_options.repo_path = source;
      prepare(detect_options);
      return run_history_scan(detect_options, output, scope, log, level);
    }
    if (protect->parsed()) {
      if (!output.source.empty()) protect_options.path = output.source;
      protect_options.changes = staged ? trawl::PendingChanges::kStaged : trawl::PendingChanges::kUnstaged;
      prepare(protect_options);
      return run_file_scan(protect_options, output, true, log, level);
    }
    if (dir->parsed()) {
      if (!output.source.empty()) dir_options.path = output.source;
      prepare(dir_options);
      return run_file_scan(dir_options, output, false, log, level);
    }
    if (stdin_command->parsed()) {
      prepare(stdin_options);
      return run_file_scan(stdin_options, output, false, log, level);
    }
    if (image->parsed()) {
      prepare(image_options);
      return run_image_scan(image_options, output, log, level);
    }
    if (dockerfile->parsed()) {
      prepare(dockerfile_options);
      const Outputs outputs = make_outputs(output);
      return finish(output, level, trawl::scan_container_files(dockerfile_options, log, outputs.sinks()));
    }
  } catch (const trawl::ConfigError& e) {
    return usage_error(e);
  } catch (const trawl::SuppressionFileError& e) {
    return usage_error(e);
  } catch (const trawl::UsageError& e) {
    return usage_error(e);
  } catch (const trawl::ReportPathError& e) {
    return usage_error(e);
  } catch (const trawl::DatastoreError& e) {
    return usage_error(e);
  } catch (const std::invalid_argument& e) {
    return usage_error(e);
  } catch (const std::exception& e) {
    std::cerr << "trawl: error: the scan failed: " << trawl::escape_text(e.what(), true) << "\n";
    return kExitScanFailed;
  }
  return kExitUsage;
}
