// The trawl command line: parses flags, runs a scan, writes the report and
// maps outcomes to exit codes (0 clean, 1 findings, 2 usage or
// configuration error, 3 the scan itself failed).
#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

#include "cli/git_scan.h"
#include "cli/rule_examples.h"
#include "engine/backends.h"
#include "report/output_file.h"
#include "report/redact.h"
#include "report/reports.h"
#include "rules/rule_loader.h"

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

struct ScanFlags {
  trawl::GitScanOptions scan;
  std::string report_format = "json";
  std::string report_path;
  unsigned redact = 0;
  int exit_code = 1;
  bool verbose = false;
};

int run_scan(const ScanFlags& flags) {
  const trawl::ReportFormat format = trawl::parse_report_format(flags.report_format);
  trawl::GitScanResult result = trawl::scan_git_history(flags.scan, std::cerr);
  trawl::redact_findings(result.findings, flags.redact);

  trawl::ReportOutput output(flags.report_path);
  trawl::write_report(output.stream(), format, result.findings, result.summary);
  output.commit();

  if (flags.verbose) {
    for (const trawl::SkippedObject& s : result.skipped) {
      std::cerr << "trawl: skipped " << trawl::skip_reason_name(s.reason) << " " << s.id;
      if (!s.detail.empty()) std::cerr << ": " << s.detail;
      std::cerr << "\n";
    }
  }
  std::cerr << trawl::format_summary(result.summary);
  return result.findings.empty() ? 0 : flags.exit_code;
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
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text());

  ScanFlags flags;
  CLI::App* scan = app.add_subcommand("scan", "Scan every blob in the history of every ref of a repository");
  scan->footer(
      "Examples:\n"
      "  trawl scan                              scan the repository in the current directory\n"
      "  trawl scan ~/src/app --report-path r.json\n"
      "  trawl scan repo.git --report-format gitleaks --redact");
  scan->add_option("path", flags.scan.repo_path, "Repository (work tree or git directory)")->capture_default_str();
  scan->add_option("-c,--config", flags.scan.config_path,
                   "Rules file (gitleaks TOML); default: .trawl.toml or .gitleaks.toml at the repository root, "
                   "else the built-in rules");
  scan->add_option("-f,--report-format", flags.report_format, "json or gitleaks")->capture_default_str();
  scan->add_option("-r,--report-path", flags.report_path, "Write the report here (mode 0600); default: stdout");
  scan->add_flag("--redact{100}", flags.redact, "Mask secrets in the report; --redact=PERCENT masks part of each");
  scan->add_option("--max-blob-size", flags.scan.max_blob_size, "Skip blobs larger than this (e.g. 64MiB)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{0xffffffff}))
      ->default_str("64MiB");
  scan->add_option("--batch-size", flags.scan.batch_bytes, "Bytes of blob content per batch")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1} << 16, std::uint64_t{1} << 34))
      ->default_str("64MiB");
  scan->add_option("-j,--threads", flags.scan.threads, "Worker threads (default: all cores)");
  scan->add_option("--memory-budget", flags.scan.memory_budget, "Memory the blob reader may hold (e.g. 2GiB)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(std::uint64_t{1} << 20, ~std::uint64_t{0}))
      ->default_str("2GiB");
  scan->add_option("--blob-reader", flags.scan.blob_source,
                   "packs: read pack files directly, libgit2 for the rest (default); libgit2: everything through libgit2")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, trawl::BlobSource>{{"packs", trawl::BlobSource::kPacks},
                                                   {"libgit2", trawl::BlobSource::kLibgit2}}))
      ->default_str("packs");
  scan->add_option("--backend", flags.scan.backend.name,
                   "Keyword matching on: auto (CUDA when a device is usable, else CPU), cuda or cpu")
      ->check(CLI::IsMember({"auto", "cuda", "cpu"}))
      ->capture_default_str();
  scan->add_option("--gpus", flags.scan.backend.gpus, "CUDA devices to use, e.g. 0,2 (default: all)")
      ->delimiter(',')
      ->check(CLI::NonNegativeNumber);
  scan->add_option("--exit-code", flags.exit_code, "Exit code when there are findings")->capture_default_str();
  scan->add_flag("-v,--verbose", flags.verbose, "List every skipped object");

  CLI::App* rules = app.add_subcommand("rules", "List or check rules");
  rules->require_subcommand(1);
  std::string list_config;
  CLI::App* list = rules->add_subcommand("list", "Print each rule's id, description and keywords");
  list->add_option("-c,--config", list_config, "Rules file; default: the built-in rules");
  std::string check_file;
  CLI::App* check = rules->add_subcommand("check", "Run each rule's examples and report those that fail");
  check->add_option("file", check_file, "Rules file; default: the built-in rules (which must carry examples)");

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
    if (scan->parsed()) return run_scan(flags);
    if (list->parsed()) return run_rules_list(list_config);
    if (check->parsed()) return run_rules_check(check_file);
  } catch (const trawl::ConfigError& e) {
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
