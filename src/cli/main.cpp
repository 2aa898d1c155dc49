// The trawl command line: parses flags, runs a scan (history, staged or
// unstaged changes, or files), writes the report and maps outcomes to exit
// codes (0 clean, 1 findings, 2 usage or configuration error, 3 the scan
// itself failed). gitleaks' commands and flags are accepted with gitleaks'
// meaning (cli/scan_flags.h), so its users keep their habits.
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <optional>

#include "cli/log_filter.h"
#include "cli/log_opts.h"
#include "cli/progress.h"
#include "cli/rule_examples.h"
#include "cli/scan_flags.h"
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

void print_skipped(const trawl::ScanResult& result) {
  for (const trawl::SkippedObject& s : result.skipped) {
    std::cerr << "trawl: skipped " << trawl::skip_reason_name(s.reason) << " " << s.id;
    if (!s.detail.empty()) std::cerr << ": " << s.detail;
    std::cerr << "\n";
  }
}

// Prints the summary (and the skipped objects when asked); returns the exit code.
int finish(const trawl::OutputFlags& flags, trawl::LogLevel level, const trawl::ScanResult& result) {
  if (flags.list_skipped) print_skipped(result);
  if (level >= trawl::LogLevel::kDebug) {
    std::cerr << trawl::format_summary(result.summary);
  } else if (level >= trawl::LogLevel::kInfo) {
    std::cerr << trawl::format_summary_line(result.summary);
  }
  return result.findings.empty() ? 0 : flags.exit_code;
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
    outputs.report = std::make_unique<trawl::ReportSink>(plan.format, flags.report_path, plan.redact, plan.colour);
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

// Where the report goes and what stderr says; gitleaks' flags among them.
void add_output_flags(CLI::App* command, trawl::OutputFlags& flags) {
  command->add_option("-f,--report-format", flags.report_format,
                      "json, jsonl, sarif, csv, gitleaks, junit or text (default: text on stdout; with --report-path, "
                      "as its extension says, else json)");
  command->add_option("-r,--report-path", flags.report_path, "Write the report here (mode 0600); default: stdout");
  command->add_flag("--redact{100}", flags.redact,
                    "Mask secrets; --redact=PERCENT masks part of each, --redact=0 shows them whole (default: text "
                    "shows the first fifth of each secret, machine formats all of it)");
  command->add_option("--exit-code", flags.exit_code, "Exit code when there are findings")->capture_default_str();
  command->add_flag("-v,--verbose", flags.verbose,
                    "Print each finding as gitleaks -v does (stdout, or stderr when the report is on stdout) and "
                    "details on stderr");
  command->add_flag("-q,--quiet", flags.quiet, "Nothing on stderr but errors");
  command->add_option("-l,--log-level", flags.log_level, "stderr: trace, debug, info (default), warn, error or fatal");
  command->add_flag("--no-color", flags.no_color, "No colour (also: NO_COLOR set, TERM=dumb, or not a terminal)");
  command->add_flag("--no-banner", flags.no_banner, "Accepted for gitleaks; trawl prints no banner");
  command->add_flag("--list-skipped", flags.list_skipped, "List every skipped object on stderr");
  command->add_option("--report-template", flags.report_template,
                      "gitleaks' template report: not supported (use --report-format json or jsonl)");
  command->add_option("--timeout", flags.timeout_seconds, "Give up (exit 3) after this many seconds (0: never)");
}

// gitleaks' -s/--source, besides the positional path.
void add_source_flag(CLI::App* command, trawl::OutputFlags& flags) {
  command->add_option("-s,--source", flags.source, "gitleaks' name for the path to scan");
}

void add_rules_flags(CLI::App* command, trawl::CommonScanOptions& options) {
  command->add_option("-c,--config", options.config_path,
                      "Rules file (gitleaks TOML), the only one read; default: $GITLEAKS_CONFIG, "
                      "$GITLEAKS_CONFIG_TOML, .trawl.toml or .gitleaks.toml at the root, else the built-in rules");
  command->add_flag("--no-repo-config", options.no_repo_config,
                    "Do not read .trawl.toml or .gitleaks.toml at the root: --config or the built-in rules");
  command->add_option("-b,--baseline-path", options.baseline_path,
                      "An earlier trawl json or gitleaks report: report only findings it lacks");
  command
      ->add_option("--enable-rule", options.enabled_rules,
                   "Only these rules (ids or gitleaks ids; repeat or separate with commas)")
      ->delimiter(',');
  command->add_option("-i,--gitleaks-ignore-path", options.gitleaks_ignore_path,
                      "A .gitleaksignore file, or a directory holding one, besides the root's");
  command->add_flag("--ignore-gitleaks-allow", options.ignore_inline_allow,
                    "Report findings on lines marked gitleaks:allow or trawl:allow");
}

void add_size_flags(CLI::App* command, trawl::CommonScanOptions& options, trawl::OutputFlags& flags, const char* what) {
  command->add_option("--max-blob-size", options.max_blob_size, what)
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{0xffffffff}))
      ->default_str("64MiB");
  command->add_option("--max-target-megabytes", flags.max_target_megabytes,
                      "gitleaks' name: skip files larger than this many megabytes (0: the --max-blob-size limit)");
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

void add_scope_flags(CLI::App* command, trawl::ScopeFlags& scope) {
  command->add_option("--range", scope.range, "Only commits reachable from B and not from A (A..B)");
  command->add_option("--branch", scope.branch, "Only the history of this ref (branch, tag or commit)");
  command->add_option("--since", scope.since, "Only commits committed since this date (YYYY-MM-DD[THH:MM[:SS]], UTC)");
  command->add_option("--log-opts", scope.log_opts,
                      "gitleaks' git log options, the part trawl honours without git: A..B, REV, --all, --branches, "
                      "--tags, --since, --until, --author, -- PATH");
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
  scan->add_option("path", scan_options.repo_path, "Repository (work tree, a directory in it, or git directory)")
      ->capture_default_str();
  add_source_flag(scan, output);
  add_rules_flags(scan, scan_options);
  add_output_flags(scan, output);
  add_scope_flags(scan, scope);
  add_size_flags(scan, scan_options, output, "Skip blobs larger than this (e.g. 64MiB)");
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
  scan->add_flag("--no-progress", output.no_progress, "No progress line on stderr (drawn only on a terminal)");

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
  detect->add_flag("--no-progress", output.no_progress, "No progress line on stderr (drawn only on a terminal)");

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
  add_size_flags(dir, dir_options, output, "Skip files larger than this (e.g. 64MiB)");
  dir->add_option("-j,--threads", dir_options.threads, "Worker threads (default: all cores)");
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

  // Adding an integer flag zeroes its variable; "not given" is set after.
  output.redact = trawl::kRedactUnset;
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
    if (list->parsed()) return run_rules_list(list_config);
    if (check->parsed()) return run_rules_check(check_file);

    trawl::check_output_flags(output);
    const trawl::LogLevel level = trawl::log_level_of(output);
    trawl::FilteredLog log(std::cerr, level);
    std::optional<trawl::Watchdog> watchdog;
    if (output.timeout_seconds > 0) watchdog.emplace(output.timeout_seconds, kExitScanFailed);
    auto prepare = [&](trawl::CommonScanOptions& options) {
      trawl::apply_gitleaks_environment(options, std::getenv("GITLEAKS_CONFIG"), std::getenv("GITLEAKS_CONFIG_TOML"));
      trawl::apply_max_target_megabytes(options, output.max_target_megabytes);
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
