// A history scan of one repository, stage by stage: walk the history in
// scope (source), read blobs into batches and match them (engine), attribute
// hits to the commits that introduced them and build each secret's timeline
// (verify). The caller writes reports.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "cli/progress.h"
#include "cli/scan_result.h"
#include "engine/backends.h"
#include "rules/rule_loader.h"
#include "source/blob_reader.h"
#include "source/history.h"
#include "verify/suppression.h"

namespace trawl {

struct GitScanOptions {
  std::string repo_path = ".";
  std::string config_path;      // empty: .trawl.toml or .gitleaks.toml at the root, else built-in
  bool no_repo_config = false;  // ignore the rules files at the root (--no-repo-config)
  std::string baseline_path;    // an earlier report; empty: none
  HistoryScope scope;
  unsigned threads = 0;  // 0: all cores
  std::uint64_t max_blob_size = 64ull << 20;
  std::uint64_t batch_bytes = 64ull << 20;
  std::uint64_t memory_budget = 2ull << 30;  // bounds the blob reader's batches
  BlobSource blob_source = BlobSource::kPacks;
  BackendRequest backend;            // --backend, --gpus
  ScanProgress* progress = nullptr;  // optional
  // Called with each finding as it is confirmed (for streamed reports).
  std::function<void(const Finding&)> on_finding;
};

// Chooses the rules for a scan of the repository whose work tree (or git
// directory, when bare) is `root` (see choose_rules): --config, else
// .trawl.toml or .gitleaks.toml there unless `allow_repo_config` is false,
// else the built-in rules. Says on `log` which was used and prints the
// loader's warnings there.
RuleLoad resolve_rules(const std::string& config_path, const std::string& root, std::ostream& log,
                       bool allow_repo_config = true);

// The suppressions for a scan rooted at `root`: its .trawlignore and
// .gitleaksignore files and the baseline report, if any. Says on `log` which
// ignore files were read.
Suppressions load_suppressions(const std::string& root, const std::string& baseline_path, std::ostream& log);

// Throws UsageError when the path is not a repository, a scope's revision
// names no commit or the requested backend cannot run here, ConfigError for
// bad rules; anything the scan meets in the repository itself is skipped and
// counted, not thrown.
ScanResult scan_git_history(const GitScanOptions& options, std::ostream& log);

}  // namespace trawl
