#include "cli/git_scan.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>

#include "engine/keyword_matcher.h"
#include "engine/scanner.h"
#include "source/blob_reader.h"
#include "source/git_handles.h"
#include "source/history.h"
#include "source/pack_set.h"
#include "verify/attribution.h"
#include "verify/timeline.h"

namespace trawl {
namespace {

// Where each scanned ref's tip holds blobs with any of the secrets.
std::vector<std::vector<BlobLocation>> tip_locations(const std::string& git_dir, const PackSet& packs,
                                                     const History& history,
                                                     const std::unordered_set<ObjectId, ObjectIdHash>& wanted,
                                                     SkipLog& skips, unsigned threads) {
  std::unordered_map<ObjectId, ObjectId, ObjectIdHash> tree_of;
  for (const CommitInfo& c : history.commits) tree_of.emplace(c.id, c.tree);
  std::vector<ObjectId> trees;
  for (const RefInfo& ref : history.refs) {
    auto it = tree_of.find(ref.commit);
    trees.push_back(it != tree_of.end() ? it->second : ObjectId{});
  }
  // When every commit was compared with its parents, a tip holds a wanted
  // blob only at a path where some commit introduced it.
  if (history.commits_in_scope != history.commits.size())
    return locate_blobs(git_dir, packs, trees, wanted, skips, threads);
  std::set<std::string> paths;
  for (const BlobIntroduction& intro : history.introductions) {
    if (wanted.contains(intro.blob)) paths.insert(intro.path);
  }
  const std::vector<std::string> path_list(paths.begin(), paths.end());
  return locate_blobs(git_dir, packs, trees, wanted, skips, threads, &path_list);
}

}  // namespace

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

Suppressions load_suppressions(const std::string& root, const std::string& baseline_path, std::ostream& log) {
  Suppressions suppressions;
  for (const char* name : {".trawlignore", ".gitleaksignore"}) {
    const std::string path = (std::filesystem::path(root) / name).string();
    if (suppressions.add_ignore_file(path)) log << "trawl: ignoring the fingerprints listed in " << path << "\n";
  }
  if (!baseline_path.empty()) suppressions.add_baseline(baseline_path);
  return suppressions;
}

ScanResult scan_git_history(const GitScanOptions& options, std::ostream& log) {
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  const auto started = Clock::now();
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
  const Suppressions suppressions = load_suppressions(root, options.baseline_path, log);
  const Scanner scanner(rules.rules);
  std::unique_ptr<KeywordMatcher> matcher;
  try {
    matcher = make_keyword_matcher(options.backend, scanner.automaton(), log);
  } catch (const BackendUnavailable& e) {
    throw UsageError(e.what());
  }

  ScanProgress unobserved;
  ScanProgress& progress = options.progress != nullptr ? *options.progress : unobserved;
  SkipLog skips;
  const auto walk_started = Clock::now();
  // The packs are opened once, for the walk, the blob reader and the tips' search.
  const PackSet packs(git_dir);
  WalkOptions walk_options{options.threads, options.scope, &progress.walk};
  History history;
  try {
    history = walk_history(git_dir, packs, walk_options, skips);
  } catch (const GitError& e) {
    // Only a scope's revision can fail this way once the repository opened.
    if (!options.scope.tip.empty() || !options.scope.exclude.empty()) throw UsageError(e.what());
    throw;
  }

  ScanResult result;
  ScanSummary& summary = result.summary;
  HitsByBlob hits;
  BlobReadOptions read_options;
  read_options.batch_bytes = options.batch_bytes;
  read_options.max_blob_size = options.max_blob_size;
  read_options.threads = options.threads;
  read_options.memory_budget = options.memory_budget;
  read_options.source = options.blob_source;
  summary.walk_seconds = seconds_since(walk_started);
  progress.blobs_total = history.blobs.size();
  progress.phase = ScanPhase::kReading;
  const auto read_started = Clock::now();
  std::mutex hits_mutex;
  // A streamed report confirms findings while blobs are still being read.
  std::optional<StreamingAttribution> streaming;
  if (options.on_finding) streaming.emplace(history, rules.rules, suppressions, options.on_finding);
  std::atomic<std::uint64_t> blobs_scanned{0};
  std::atomic<std::uint64_t> bytes_scanned{0};
  std::atomic<std::int64_t> match_nanoseconds{0};
  const BlobReadStats read_stats =
      read_blobs(git_dir, packs, history.blobs, read_options, skips, [&](BlobBatch& batch) {
        const auto match_started = Clock::now();
        // Matching runs on several threads at once; the progress shows matching
        // while any of them is.
        progress.phase = ScanPhase::kMatching;
        std::vector<BlobHits> found = scanner.scan(batch, *matcher);
        blobs_scanned += batch.entries.size();
        bytes_scanned += batch.total_bytes();
        {
          std::lock_guard lock(hits_mutex);
          for (BlobHits& blob : found) hits.emplace(blob.blob, std::move(blob.hits));
          if (streaming) {
            std::vector<ObjectId> matched;
            matched.reserve(batch.entries.size());
            for (const BlobEntry& entry : batch.entries) matched.push_back(entry.id);
            streaming->blobs_done(matched, hits);
          }
        }
        match_nanoseconds += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - match_started).count();
        progress.blobs_done += batch.entries.size();
        progress.bytes_done += batch.total_bytes();
      });
  summary.blobs_scanned = blobs_scanned;
  summary.blobs_from_packs = read_stats.from_packs;
  summary.blobs_from_libgit2 = read_stats.from_libgit2;
  summary.bytes_scanned = bytes_scanned;
  summary.match_seconds = static_cast<double>(match_nanoseconds.load()) / 1e9;
  summary.read_match_seconds = seconds_since(read_started);

  progress.phase = ScanPhase::kAttributing;
  const auto attribute_started = Clock::now();
  Attribution attribution =
      streaming ? streaming->finish(hits) : attribute_findings(history, rules.rules, hits, suppressions);
  result.findings = std::move(attribution.findings);
  result.secrets = group_by_secret(result.findings);
  if (!result.secrets.empty()) {
    const auto wanted = blobs_holding(result.secrets, rules.rules, hits);
    add_history(result.secrets, history, rules.rules, hits,
                tip_locations(git_dir, packs, history, wanted, skips, options.threads));
  }
  result.skipped = skips.entries();
  summary.attribute_seconds = seconds_since(attribute_started);

  summary.refs = history.refs.size();
  summary.commits = history.commits_in_scope;
  summary.blobs = history.blobs.size();
  for (std::size_t r = 0; r < kSkipReasonCount; ++r) {
    const auto reason = static_cast<SkipReason>(r);
    summary.skipped.emplace_back(std::string(skip_reason_name(reason)), skips.count(reason));
  }
  summary.findings = result.findings.size();
  summary.suppressed = attribution.suppressed;
  summary.shallow = history.shallow;
  summary.backend = std::string(matcher->backend_name());
  summary.rules_origin = rules.rules.origin;
  summary.rule_count = rules.rules.rules.size();
  summary.wall_seconds = seconds_since(started);
  return result;
}

}  // namespace trawl
