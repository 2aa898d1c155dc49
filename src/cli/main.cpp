// The trawl command line: parses flags, runs a scan (history, staged changes
// or a directory), writes the report and maps outcomes to exit codes (0
// clean, 1 findings, 2 usage or configuration error, 3 the scan itself
// failed, 4 objects could not be read and --fail-on-skip was given).
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>

#include "cli/completion.h"
#include "cli/help_format.h"
#include "cli/progress.h"
#include "cli/rule_examples.h"
#include "content/sha256.h"
#include "content/text_escape.h"
#include "engine/backends.h"
#include "report/finding_sink.h"
#include "report/redact.h"
#include "report/reports.h"
#include "rules/rule_loader.h"
#include "scan/scans.h"
#include "scan/trace.h"
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

// Flags every scanning subcommand shares: where the report goes and how.
struct ReportFlags {
  std::string report_format = "json";
  std::string report_path;
  std::string report_mode;
  unsigned redact = 0;
  int exit_code = 1;
  bool verbose = false;
  bool no_progress = false;
  bool fail_on_skip = false;
};

// Seconds since the epoch for YYYY-MM-DD, optionally followed by THH:MM or
// THH:MM:SS, in UTC (a trailing Z is accepted).
std::int64_t parse_since(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  const int fields = std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &consumed);
  std::size_t used = static_cast<std::size_t>(consumed);
  if (fields == 3 && used < text.size() && (text[used] == 'T' || text[used] == ' ')) {
    int more = 0;
    if (std::sscanf(text.c_str() + used + 1, "%2d:%2d%n:%2d%n", &tm.tm_hour, &tm.tm_min, &more, &tm.tm_sec, &more) <
        2) {
      throw trawl::UsageError("--since '" + text + "': expected YYYY-MM-DD[THH:MM[:SS]]");
    }
    used += 1 + static_cast<std::size_t>(more);
  }
  if (used < text.size() && text.substr(used) == "Z") ++used;
  if (fields != 3 || used != text.size() || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31) {
    throw trawl::UsageError("--since '" + text + "': expected YYYY-MM-DD[THH:MM[:SS]]");
  }
  const std::tm asked = tm;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t seconds = timegm(&tm);
  // timegm normalises 2024-02-31 to 2024-03-02 and 25:00 to the next day:
  // a date that does not come back as written does not exist.
  std::tm back{};
  if (gmtime_r(&seconds, &back) == nullptr || back.tm_year + 1900 != asked.tm_year || back.tm_mon + 1 != asked.tm_mon ||
      back.tm_mday != asked.tm_mday || back.tm_hour != asked.tm_hour || back.tm_min != asked.tm_min ||
      back.tm_sec != asked.tm_sec) {
    throw trawl::UsageError("--since '" + text + "': no such date or time");
  }
  return static_cast<std::int64_t>(seconds);
}

// --range A..B: commits reachable from B and not from A; "A.." means A..HEAD.
void apply_range(const std::string& range, trawl::HistoryScope& scope) {
  const auto dots = range.find("..");
  if (dots == std::string::npos || dots == 0 || range.find("...") != std::string::npos) {
    throw trawl::UsageError("--range '" + range + "': expected A..B");
  }
  scope.exclude = range.substr(0, dots);
  scope.tip = dots + 2 < range.size() ? range.substr(dots + 2) : "HEAD";
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

// Prints the summary (and the skipped objects when asked); returns the exit
// code: findings first, then (with --fail-on-skip) objects not read.
int finish(const ReportFlags& flags, const trawl::ScanResult& result) {
  if (flags.verbose) print_skipped(result, flags.redact);
  std::cerr << trawl::format_summary(result.summary);
  if (!result.findings.empty() && flags.exit_code != 0) return flags.exit_code;
  if (flags.fail_on_skip && result.summary.unreadable > 0) return kExitUnreadable;
  return 0;
}

mode_t report_mode(const ReportFlags& flags) {
  return flags.report_mode.empty() ? trawl::kPrivateReportMode : trawl::parse_report_mode(flags.report_mode);
}

int run_scan(trawl::GitScanOptions options, const ReportFlags& flags, const std::string& range,
             const std::string& branch, const std::string& since) {
  const trawl::ReportFormat format = trawl::parse_report_format(flags.report_format);
  if (!range.empty() && !branch.empty()) throw trawl::UsageError("--range and --branch cannot be combined");
  if (!range.empty()) apply_range(range, options.scope);
  if (!branch.empty()) options.scope.tip = branch;
  if (!since.empty()) options.scope.since = parse_since(since);

  trawl::ReportSink report(format, flags.report_path, flags.redact, redact_key(), report_mode(flags));
  trawl::ScanProgress progress;
  options.progress = &progress;
  trawl::ScanResult result;
  {
    const trawl::ProgressLine line(progress, !flags.no_progress && trawl::stderr_is_terminal());
    result = trawl::scan_git_history(options, std::cerr, {&report});
  }
  return finish(flags, result);
}

int run_file_scan(const trawl::FileScanOptions& options, const ReportFlags& flags, bool staged) {
  const trawl::ReportFormat format = trawl::parse_report_format(flags.report_format);
  trawl::ReportSink report(format, flags.report_path, flags.redact, redact_key(), report_mode(flags));
  const trawl::ScanResult result = staged ? trawl::scan_staged(options, std::cerr, {&report})
                                          : trawl::scan_directory(options, std::cin, std::cerr, {&report});
  return finish(flags, result);
}

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
int run_trace(trawl::GitScanOptions options, const ReportFlags& flags, const TraceFlags& trace_flags) {
  const trawl::ReportFormat format = trawl::parse_report_format(flags.report_format);
  const trawl::TraceTarget target = trace_target(trace_flags);
  trawl::ReportOutput output(flags.report_path, report_mode(flags));
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
  if (flags.verbose) print_skipped(result, flags.redact);
  if (result.secrets.empty()) std::cerr << "trawl: the secret was not found in the history scanned\n";
  std::cerr << trawl::format_summary(result.summary);
  return result.findings.empty() ? 0 : flags.exit_code;
}

void add_report_flags(CLI::App* command, ReportFlags& flags) {
  command->add_option("-f,--report-format", flags.report_format, "Report format")
      ->option_text("json|jsonl|sarif|csv|gitleaks|text")
      ->capture_default_str();
  command->add_option("-r,--report-path", flags.report_path, "Write the report here (mode 0600); default: stdout")
      ->option_text("FILE");
  command
      ->add_option("--report-mode", flags.report_mode,
                   "Permissions of the report file, e.g. 0640 for a pipeline that reads it as another user "
                   "(default: 0600; never writable by others)")
      ->option_text("OCTAL");
  command->add_flag("--redact{100}", flags.redact, "Mask secrets in the report; --redact=PERCENT masks part of each")
      ->check(CLI::Range(0U, 100U))
      ->option_text("[=PERCENT]");
  command->add_option("--exit-code", flags.exit_code, "Exit code when there are findings (0 to 255)")
      ->check(CLI::Range(0, 255))
      ->option_text("N")
      ->capture_default_str();
  command->add_flag("-v,--verbose", flags.verbose, "List every skipped object");
  command->add_flag("--fail-on-skip", flags.fail_on_skip,
                    "Exit 4 when objects or files could not be read (missing, corrupt, unreadable)");
}

void add_rules_flags(CLI::App* command, std::string& config, bool& no_repo_config, std::string& baseline) {
  command
      ->add_option("-c,--config", config,
                   "Rules file (gitleaks TOML), the only one read; default: .trawl.toml or .gitleaks.toml at the "
                   "root, else the built-in rules")
      ->option_text("FILE");
  command->add_flag("--no-repo-config", no_repo_config,
                    "Do not read .trawl.toml or .gitleaks.toml at the root: --config or the built-in rules");
  command
      ->add_option("-b,--baseline-path", baseline,
                   "An earlier trawl json or gitleaks report: report only findings it lacks")
      ->option_text("REPORT");
}

void add_size_flag(CLI::App* command, std::uint64_t& max_size, const char* what) {
  command->add_option("--max-blob-size", max_size, what)
      ->option_text("SIZE")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{0xffffffff}))
      ->default_str("64MiB");
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

}  // namespace

int main(int argc, char** argv) {
  // Named, so help says "trawl", not the path it was started by.
  CLI::App app{"trawl: finds leaked credentials in every blob of a git repository's history", "trawl"};
  trawl::use_help_formatter(app);
  app.footer(
      "Examples:\n"
      "  trawl scan                              whole history of the repository here\n"
      "  trawl protect --staged                  what the next commit would add\n"
      "  trawl dir ./dist                        files on disk\n"
      "Run 'trawl COMMAND --help' for a command's options.");
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text());

  ReportFlags report_flags;
  trawl::GitScanOptions scan_options;
  std::string range;
  std::string branch;
  std::string since;
  CLI::App* scan = app.add_subcommand("scan", "Scan every blob in the history of every ref of a repository");
  scan->footer(
      "Examples:\n"
      "  trawl scan                              scan the repository in the current directory\n"
      "  trawl scan ~/src/app --report-path r.json\n"
      "  trawl scan repo.git --report-format sarif --redact > trawl.sarif\n"
      "  trawl scan --range v1.0..main           only commits in main since v1.0\n"
      "  trawl scan --branch release --since 2024-01-01\n"
      "  trawl scan --baseline-path old.json     only what old.json does not hold\n"
      "  trawl scan --report-format jsonl | jq .rule_id");
  scan->add_option("path", scan_options.repo_path, "Repository (work tree, git directory or URL to clone)")
      ->capture_default_str();
  add_rules_flags(scan, scan_options.config_path, scan_options.no_repo_config, scan_options.baseline_path);
  add_report_flags(scan, report_flags);
  scan->add_option("--range", range, "Only commits reachable from B and not from A")->option_text("A..B");
  scan->add_option("--branch", branch, "Only the history of this ref (branch, tag or commit)")->option_text("REF");
  scan->add_option("--since", since, "Only commits committed since this date (YYYY-MM-DD[THH:MM[:SS]], UTC)")
      ->option_text("DATE");
  add_size_flag(scan, scan_options.max_blob_size, "Skip blobs larger than this");
  scan->add_option("--batch-size", scan_options.batch_bytes, "Bytes of blob content per batch")
      ->option_text("SIZE")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1} << 16, std::uint64_t{1} << 34))
      ->default_str("32MiB");
  scan->add_option("-j,--threads", scan_options.threads, "Worker threads, at most 1024 (default: all cores)")
      ->check(CLI::Range(0U, kMaxThreads))
      ->option_text("N");
  scan->add_option("--memory-budget", scan_options.memory_budget, "Memory the blob reader may hold")
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
  add_backend_flags(scan, scan_options.backend);
  scan->add_flag("--no-progress", report_flags.no_progress, "No progress line on stderr (drawn only on a terminal)");

  ReportFlags trace_report_flags;
  trace_report_flags.report_format = "text";
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
  add_rules_flags(trace, trace_options.config_path, trace_options.no_repo_config, trace_options.baseline_path);
  add_report_flags(trace, trace_report_flags);
  trace->get_option("--report-format")->default_str("text");
  trace->get_option("--redact")->description("Mask the secret in the output (the default); --redact=0 shows it");
  add_backend_flags(trace, trace_options.backend);
  trace->add_flag("--no-progress", trace_report_flags.no_progress,
                  "No progress line on stderr (drawn only on a terminal)");

  trawl::FileScanOptions protect_options;
  bool staged = false;
  CLI::App* protect = app.add_subcommand("protect", "Scan what the index would add on top of HEAD (pre-commit)");
  protect->footer(
      "Examples:\n"
      "  trawl protect --staged                  in a pre-commit hook: exits 1 when the commit would leak\n"
      "  trawl protect --staged --report-format text\n"
      "  trawl protect --staged ~/src/app --redact");
  protect->add_flag("--staged", staged, "Scan the staged changes (required)")->required();
  protect->add_option("path", protect_options.path, "Repository work tree")->capture_default_str();
  add_rules_flags(protect, protect_options.config_path, protect_options.no_repo_config, protect_options.baseline_path);
  add_report_flags(protect, report_flags);
  add_size_flag(protect, protect_options.max_blob_size, "Skip files larger than this");
  add_backend_flags(protect, protect_options.backend);
  protect->get_option("--report-format")->default_str("text");

  trawl::FileScanOptions dir_options;
  CLI::App* dir = app.add_subcommand("dir", "Scan files on disk (no git), or standard input");
  dir->footer(
      "Examples:\n"
      "  trawl dir ./build-output                every file under it; symlinks are not followed\n"
      "  trawl dir . --report-format csv --report-path findings.csv\n"
      "  kubectl get secret -o yaml | trawl dir -");
  dir->add_option("path", dir_options.path, "Directory, or - for standard input")->capture_default_str();
  add_rules_flags(dir, dir_options.config_path, dir_options.no_repo_config, dir_options.baseline_path);
  add_report_flags(dir, report_flags);
  add_size_flag(dir, dir_options.max_blob_size, "Skip files larger than this");
  dir->add_option("-j,--threads", dir_options.threads, "Worker threads, at most 1024 (default: all cores)")
      ->check(CLI::Range(0U, kMaxThreads))
      ->option_text("N");
  add_backend_flags(dir, dir_options.backend);

  trawl::ImageCommandOptions image_options;
  CLI::App* image = app.add_subcommand("image", "Scan container images: every layer, the config and the build history");
  image->footer(
      "Examples:\n"
      "  trawl image app.tar                     a docker save tarball (gzip or zstd too)\n"
      "  trawl image ./oci-layout app.oci.tar    an OCI layout directory, an OCI archive\n"
      "  trawl image app.tar --platform linux/arm64");
  image->add_option("input", image_options.inputs, "Image tarballs or OCI layout directories")->required();
  add_rules_flags(image, image_options.config_path, image_options.no_repo_config, image_options.baseline_path);
  add_report_flags(image, report_flags);
  add_size_flag(image, image_options.max_blob_size, "Skip files larger than this (e.g. 64MiB)");
  image->add_option("--platform", image_options.platform,
                    "The image to scan from an index: OS/ARCH[/VARIANT] (default: this machine's)");
  image->add_flag("--all-platforms", image_options.all_platforms, "Scan every platform's image of an index");
  add_backend_flags(image, image_options.backend);

  CLI::App* rules = app.add_subcommand("rules", "List or check rules");
  rules->require_subcommand(1);
  std::string list_config;
  rules->footer(
      "Examples:\n"
      "  trawl rules list                        the built-in rules\n"
      "  trawl rules list -c .gitleaks.toml\n"
      "  trawl rules check my-rules.toml         run each rule's examples");
  CLI::App* list = rules->add_subcommand("list", "Print each rule's id, description and keywords");
  list->footer("Example:\n  trawl rules list -c .gitleaks.toml | cut -f1");
  list->add_option("-c,--config", list_config, "Rules file; default: the built-in rules")->option_text("FILE");
  std::string check_file;
  CLI::App* check = rules->add_subcommand("check", "Run each rule's examples and report those that fail");
  check->add_option("file", check_file, "Rules file; default: the built-in rules (which must carry examples)");
  check->footer("Example:\n  trawl rules check .gitleaks.toml");

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

  try {
    app.parse(argc, argv);
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
    if (scan->parsed()) return run_scan(scan_options, report_flags, range, branch, since);
    if (trace->parsed()) {
      if (trace->get_option("--redact")->count() == 0) trace_report_flags.redact = 100;
      return run_trace(trace_options, trace_report_flags, trace_flags);
    }
    if (protect->parsed()) {
      if (protect->get_option("--report-format")->count() == 0) report_flags.report_format = "text";
      return run_file_scan(protect_options, report_flags, true);
    }
    if (dir->parsed()) return run_file_scan(dir_options, report_flags, false);
    if (image->parsed()) {
      const trawl::ReportFormat format = trawl::parse_report_format(report_flags.report_format);
      trawl::ReportSink report(format, report_flags.report_path, report_flags.redact);
      return finish(report_flags, trawl::scan_images(image_options, std::cerr, {&report}));
    }
    if (list->parsed()) return run_rules_list(list_config);
    if (check->parsed()) return run_rules_check(check_file);
    if (completion->parsed()) {
      std::cout << trawl::completion_script(app, shell);
      return 0;
    }
  } catch (const trawl::ConfigError& e) {
    return usage_error(e);
  } catch (const trawl::SuppressionFileError& e) {
    return usage_error(e);
  } catch (const trawl::UsageError& e) {
    return usage_error(e);
  } catch (const trawl::ReportPathError& e) {
    return usage_error(e);
  } catch (const std::invalid_argument& e) {
    return usage_error(e);
  } catch (const std::exception& e) {
    std::cerr << "trawl: error: the scan failed: " << trawl::escape_text(e.what(), true) << "\n";
    return kExitScanFailed;
  }
  return kExitUsage;
}
