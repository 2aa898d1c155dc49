// The trawl command line: parses flags, runs a scan (history, staged changes
// or a directory), writes the report and maps outcomes to exit codes (0
// clean, 1 findings, 2 usage or configuration error, 3 the scan itself
// failed).
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>

#include "cli/progress.h"
#include "cli/rule_examples.h"
#include "engine/backends.h"
#include "report/finding_sink.h"
#include "report/reports.h"
#include "rules/rule_loader.h"
#include "scan/scans.h"

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitScanFailed = 3;

std::string version_text() {
  std::string text = "trawl " TRAWL_VERSION "\nbackends:\n";
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
  unsigned redact = 0;
  int exit_code = 1;
  bool verbose = false;
  bool no_progress = false;
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
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm));
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

void print_skipped(const trawl::ScanResult& result) {
  for (const trawl::SkippedObject& s : result.skipped) {
    std::cerr << "trawl: skipped " << trawl::skip_reason_name(s.reason) << " " << s.id;
    if (!s.detail.empty()) std::cerr << ": " << s.detail;
    std::cerr << "\n";
  }
  for (const trawl::MalformedObject& m : result.malformed) {
    std::cerr << "trawl: malformed " << trawl::malformed_kind_name(m.kind) << " " << m.id;
    if (!m.detail.empty()) std::cerr << ": " << m.detail;
    std::cerr << "\n";
  }
}

// Prints the summary (and the skipped objects when asked); returns the exit code.
int finish(const ReportFlags& flags, const trawl::ScanResult& result) {
  if (flags.verbose) print_skipped(result);
  std::cerr << trawl::format_summary(result.summary);
  return result.findings.empty() ? 0 : flags.exit_code;
}

int run_scan(trawl::GitScanOptions options, const ReportFlags& flags, const std::string& range,
             const std::string& branch, const std::string& since) {
  const trawl::ReportFormat format = trawl::parse_report_format(flags.report_format);
  if (!range.empty() && !branch.empty()) throw trawl::UsageError("--range and --branch cannot be combined");
  if (!range.empty()) apply_range(range, options.scope);
  if (!branch.empty()) options.scope.tip = branch;
  if (!since.empty()) options.scope.since = parse_since(since);

  trawl::ReportSink report(format, flags.report_path, flags.redact);
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
  trawl::ReportSink report(format, flags.report_path, flags.redact);
  const trawl::ScanResult result = staged ? trawl::scan_staged(options, std::cerr, {&report})
                                          : trawl::scan_directory(options, std::cin, std::cerr, {&report});
  return finish(flags, result);
}

void add_report_flags(CLI::App* command, ReportFlags& flags) {
  command->add_option("-f,--report-format", flags.report_format, "json, jsonl, sarif, csv, gitleaks or text")
      ->capture_default_str();
  command->add_option("-r,--report-path", flags.report_path, "Write the report here (mode 0600); default: stdout");
  command->add_flag("--redact{100}", flags.redact, "Mask secrets in the report; --redact=PERCENT masks part of each");
  command->add_option("--exit-code", flags.exit_code, "Exit code when there are findings")->capture_default_str();
  command->add_flag("-v,--verbose", flags.verbose, "List every skipped object");
}

void add_rules_flags(CLI::App* command, std::string& config, bool& no_repo_config, std::string& baseline) {
  command->add_option("-c,--config", config,
                      "Rules file (gitleaks TOML), the only one read; default: .trawl.toml or .gitleaks.toml at the "
                      "root, else the built-in rules");
  command->add_flag("--no-repo-config", no_repo_config,
                    "Do not read .trawl.toml or .gitleaks.toml at the root: --config or the built-in rules");
  command->add_option("-b,--baseline-path", baseline,
                      "An earlier trawl json or gitleaks report: report only findings it lacks");
}

void add_size_flag(CLI::App* command, std::uint64_t& max_size, const char* what) {
  command->add_option("--max-blob-size", max_size, what)
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{0xffffffff}))
      ->default_str("64MiB");
}

void add_backend_flags(CLI::App* command, trawl::BackendRequest& backend) {
  command
      ->add_option("--backend", backend.name,
                   "Keyword matching on: auto (CUDA when a device is usable, else CPU), cuda or cpu")
      ->check(CLI::IsMember({"auto", "cuda", "cpu"}))
      ->capture_default_str();
  command->add_option("--gpus", backend.gpus, "CUDA devices to use, e.g. 0,2 (default: all)")
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
  CLI::App app{"trawl: finds leaked credentials in every blob of a git repository's history"};
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
  scan->add_option("path", scan_options.repo_path, "Repository (work tree or git directory)")->capture_default_str();
  add_rules_flags(scan, scan_options.config_path, scan_options.no_repo_config, scan_options.baseline_path);
  add_report_flags(scan, report_flags);
  scan->add_option("--range", range, "Only commits reachable from B and not from A (A..B)");
  scan->add_option("--branch", branch, "Only the history of this ref (branch, tag or commit)");
  scan->add_option("--since", since, "Only commits committed since this date (YYYY-MM-DD[THH:MM[:SS]], UTC)");
  add_size_flag(scan, scan_options.max_blob_size, "Skip blobs larger than this (e.g. 64MiB)");
  scan->add_option("--batch-size", scan_options.batch_bytes, "Bytes of blob content per batch")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1} << 16, std::uint64_t{1} << 34))
      ->default_str("32MiB");
  scan->add_option("-j,--threads", scan_options.threads, "Worker threads (default: all cores)");
  scan->add_option("--memory-budget", scan_options.memory_budget, "Memory the blob reader may hold (e.g. 2GiB)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1} << 20, ~std::uint64_t{0}))
      ->default_str("2GiB");
  scan->add_option(
          "--blob-reader", scan_options.blob_source,
          "packs: read pack files directly, libgit2 for the rest (default); libgit2: everything through libgit2")
      ->transform(CLI::CheckedTransformer(std::map<std::string, trawl::BlobSource>{
          {"packs", trawl::BlobSource::kPacks}, {"libgit2", trawl::BlobSource::kLibgit2}}))
      ->default_str("packs");
  add_backend_flags(scan, scan_options.backend);
  scan->add_flag("--no-progress", report_flags.no_progress, "No progress line on stderr (drawn only on a terminal)");

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
  add_size_flag(protect, protect_options.max_blob_size, "Skip files larger than this (e.g. 64MiB)");
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
  add_size_flag(dir, dir_options.max_blob_size, "Skip files larger than this (e.g. 64MiB)");
  dir->add_option("-j,--threads", dir_options.threads, "Worker threads (default: all cores)");
  add_backend_flags(dir, dir_options.backend);

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
  list->add_option("-c,--config", list_config, "Rules file; default: the built-in rules");
  std::string check_file;
  CLI::App* check = rules->add_subcommand("check", "Run each rule's examples and report those that fail");
  check->add_option("file", check_file, "Rules file; default: the built-in rules (which must carry examples)");
  check->footer("Example:\n  trawl rules check .gitleaks.toml");

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
    if (protect->parsed()) {
      if (protect->get_option("--report-format")->count() == 0) report_flags.report_format = "text";
      return run_file_scan(protect_options, report_flags, true);
    }
    if (dir->parsed()) return run_file_scan(dir_options, report_flags, false);
    if (list->parsed()) return run_rules_list(list_config);
    if (check->parsed()) return run_rules_check(check_file);
  } catch (const trawl::ConfigError& e) {
    std::cerr << "trawl: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const trawl::SuppressionFileError& e) {
    std::cerr << "trawl: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const trawl::UsageError& e) {
    std::cerr << "trawl: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::invalid_argument& e) {
    std::cerr << "trawl: error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "trawl: error: the scan failed: " << e.what() << "\n";
    return kExitScanFailed;
  }
  return kExitUsage;
}
