#include "cli/git_scan.h"

#include <tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <filesystem>

#include "engine/keyword_matcher.h"
#include "engine/scanner.h"
#include "source/blob_reader.h"
#include "source/git_handles.h"
#include "source/history.h"
#include "verify/attribution.h"

namespace trawl {

RuleLoad resolve_rules(const std::string& config_path, const std::string& root, std::ostream& log) {
  RuleLoad load;
  if (!config_path.empty()) {
    load = load_rules_file(config_path);
  } else {
    std::string found;
    for (const char* name : {".trawl.toml", ".gitleaks.toml"}) {
      const std::filesystem::path candidate = std::filesystem::path(root) / name;
      if (std::filesystem::is_regular_file(candidate)) {
        found = candidate.string();
        break;
      }
    }
    load = found.empty() ? load_builtin_rules() : load_rules_file(found);
  }
  for (const std::string& warning : load.warnings) log << "trawl: warning: " << warning << "\n";
  log << "trawl: using rules from " << load.rules.origin << " (" << load.rules.rules.size() << " rules)\n";
  return load;
}

GitScanResult scan_git_history(const GitScanOptions& options, std::ostream& log) {
  const auto started = std::chrono::steady_clock::now();
  std::string git_dir;
  std::string root;
  {
    RepositoryPtr repo;
    try {
      repo = open_repository(options.repo_path);
    } catch (const GitError& e) {
      throw UsageError(e.what());
    }
    git_dir = git_repository_path(repo.get());
    const char* workdir = git_repository_workdir(repo.get());
    root = workdir != nullptr ? workdir : git_dir;
  }

  const RuleLoad rules = resolve_rules(options.config_path, root, log);
  const Scanner scanner(rules.rules);
  std::unique_ptr<KeywordMatcher> matcher;
  try {
    matcher = make_keyword_matcher(options.backend, scanner.automaton(), log);
  } catch (const BackendUnavailable& e) {
    throw UsageError(e.what());
  }

  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  SkipLog skips;
  const auto walk_started = Clock::now();
  const History history = walk_history(git_dir, WalkOptions{options.threads}, skips);

  GitScanResult result;
  ScanSummary& summary = result.summary;
  HitsByBlob hits;
  BlobReadOptions read_options;
  read_options.batch_bytes = options.batch_bytes;
  read_options.max_blob_size = options.max_blob_size;
  read_options.threads = options.threads;
  read_options.memory_budget = options.memory_budget;
  read_options.source = options.blob_source;
  summary.walk_seconds = seconds_since(walk_started);
  const auto read_started = Clock::now();
  std::mutex hits_mutex;
  std::atomic<std::uint64_t> blobs_scanned{0};
  std::atomic<std::uint64_t> bytes_scanned{0};
  std::atomic<std::int64_t> match_nanoseconds{0};
  const BlobReadStats read_stats = read_blobs(git_dir, history.blobs, read_options, skips, [&](BlobBatch& batch) {
    const auto match_started = Clock::now();
    std::vector<BlobHits> found = scanner.scan(batch, *matcher);
    blobs_scanned += batch.entries.size();
    bytes_scanned += batch.total_bytes();
    {
      std::lock_guard lock(hits_mutex);
      for (BlobHits& blob : found) hits.emplace(blob.blob, std::move(blob.hits));
    }
    match_nanoseconds += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - match_started).count();
  });
  summary.blobs_scanned = blobs_scanned;
  summary.blobs_from_packs = read_stats.from_packs;
  summary.blobs_from_libgit2 = read_stats.from_libgit2;
  summary.bytes_scanned = bytes_scanned;
  summary.match_seconds = static_cast<double>(match_nanoseconds.load()) / 1e9;
  summary.read_match_seconds = seconds_since(read_started);

  Attribution attribution = attribute_findings(history, rules.rules, hits);
  result.findings = std::move(attribution.findings);
  result.skipped = skips.entries();

  summary.refs = history.refs.size();
  summary.commits = history.commits.size();
  summary.blobs = history.blobs.size();
  for (std::size_t r = 0; r < kSkipReasonCount; ++r) {
    const auto reason = static_cast<SkipReason>(r);
    summary.skipped.emplace_back(std::string(skip_reason_name(reason)), skips.count(reason));
  }
  summary.findings = result.findings.size();
  summary.allowlisted = attribution.allowlisted;
  summary.shallow = history.shallow;
  summary.backend = std::string(matcher->backend_name());
  summary.rules_origin = rules.rules.origin;
  summary.rule_count = rules.rules.rules.size();
  summary.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace trawl
