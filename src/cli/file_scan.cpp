#include "cli/file_scan.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>

#include "cli/git_scan.h"
#include "engine/scanner.h"
#include "source/directory_files.h"
#include "source/git_handles.h"
#include "source/staged_changes.h"
#include "verify/attribution.h"

namespace trawl {
namespace {

using Clock = std::chrono::steady_clock;

bool same_secret(const Hit& a, const Hit& b) { return a.rule == b.rule && a.secret == b.secret; }

// Findings for the hits in one file, minus those `before` (hits in the
// previous version of the file) already held.
std::vector<Finding> findings_in(const RuleSet& rules, const std::string& path, const std::vector<Hit>& hits,
                                 const std::vector<Hit>& before) {
  std::vector<Finding> out;
  for (const Hit& hit : hits) {
    const Rule& rule = rules.rules[hit.rule];
    if (rule.path && !RE2::PartialMatch(path, *rule.path)) continue;
    if (std::any_of(before.begin(), before.end(), [&](const Hit& b) { return same_secret(hit, b); })) continue;
    out.push_back(finding_from_hit(rule, hit, path));
  }
  return out;
}

void finish_summary(ScanResult& result, const RuleSet& rules, const SkipLog& skips, const FindingFilter& filter,
                    Clock::time_point started) {
  ScanSummary& summary = result.summary;
  for (std::size_t r = 0; r < kSkipReasonCount; ++r) {
    const auto reason = static_cast<SkipReason>(r);
    summary.skipped.emplace_back(std::string(skip_reason_name(reason)), skips.count(reason));
  }
  result.skipped = skips.entries();
  result.secrets = group_by_secret(result.findings);
  summary.findings = result.findings.size();
  summary.suppressed = filter.counts();
  summary.backend = "cpu";
  summary.rules_origin = rules.origin;
  summary.rule_count = rules.rules.size();
  summary.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  summary.read_match_seconds = summary.wall_seconds;
}

}  // namespace

ScanResult scan_staged(const FileScanOptions& options, std::ostream& log) {
  const auto started = Clock::now();
  SkipLog skips;
  StagedChanges staged;
  try {
    staged = read_staged_changes(options.path, options.max_blob_size, skips);
  } catch (const GitError& e) {
    throw UsageError(e.what());
  }
  const RuleLoad rules = resolve_rules(options.config_path, staged.root, log, !options.no_repo_config);
  const Suppressions suppressions = load_suppressions(staged.root, options.baseline_path, log);
  const Scanner scanner(rules.rules);
  FindingFilter filter(rules.rules, suppressions);

  ScanResult result;
  for (const StagedFile& file : staged.files) {
    const std::vector<Hit> hits = scanner.scan_text(file.staged);
    if (hits.empty()) continue;
    const std::vector<Hit> before = file.head ? scanner.scan_text(*file.head) : std::vector<Hit>{};
    for (Finding& f : filter.keep(findings_in(rules.rules, file.path, hits, before))) {
      result.findings.push_back(std::move(f));
    }
  }
  result.summary.blobs = staged.files.size() + skips.total();
  result.summary.blobs_scanned = staged.files.size();
  result.summary.bytes_scanned = staged.bytes;
  finish_summary(result, rules.rules, skips, filter, started);
  return result;
}

ScanResult scan_directory(const FileScanOptions& options, std::istream& stdin_stream, std::ostream& log) {
  const auto started = Clock::now();
  const bool from_stdin = options.path == "-";
  DirectoryListing listing;
  if (from_stdin) {
    listing.paths.push_back("stdin");
  } else {
    try {
      listing = list_directory(options.path);
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
  }
  const std::string root = from_stdin ? "." : options.path;
  const RuleLoad rules = resolve_rules(options.config_path, root, log, !options.no_repo_config);
  const Suppressions suppressions = load_suppressions(root, options.baseline_path, log);
  const Scanner scanner(rules.rules);
  SkipLog skips;

  struct Scanned {
    std::vector<Hit> hits;
    std::uint64_t bytes = 0;
    bool read = false;
  };
  std::vector<Scanned> scanned(listing.paths.size());
  if (from_stdin) {
    std::string contents;
    if (read_scannable_stream(stdin_stream, "stdin", options.max_blob_size, skips, contents)) {
      scanned[0] = {scanner.scan_text(contents), contents.size(), true};
    }
  } else {
    const int threads =
        options.threads == 0 ? tbb::this_task_arena::max_concurrency() : static_cast<int>(options.threads);
    tbb::task_arena arena(threads);
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, listing.paths.size(), [&](std::size_t i) {
        std::string contents;
        if (!read_scannable_file(options.path, listing.paths[i], options.max_blob_size, skips, contents)) return;
        scanned[i] = {scanner.scan_text(contents), contents.size(), true};
      });
    });
  }

  ScanResult result;
  FindingFilter filter(rules.rules, suppressions);
  for (std::size_t i = 0; i < listing.paths.size(); ++i) {
    if (!scanned[i].read) continue;
    ++result.summary.blobs_scanned;
    result.summary.bytes_scanned += scanned[i].bytes;
    for (Finding& f : filter.keep(findings_in(rules.rules, listing.paths[i], scanned[i].hits, {}))) {
      result.findings.push_back(std::move(f));
    }
  }
  result.summary.blobs = listing.paths.size();
  finish_summary(result, rules.rules, skips, filter, started);
  result.summary.skipped.emplace_back("symlink", listing.symlinks);
  return result;
}

}  // namespace trawl
