// A whole-history scan of one repository, stage by stage: walk the history
// (source), read blobs into batches and match them (engine), attribute hits
// to the commits that introduced them (verify). The caller writes reports.
#pragma once

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/backends.h"
#include "source/blob_reader.h"
#include "report/scan_summary.h"
#include "rules/rule_loader.h"
#include "source/skip_log.h"
#include "verify/finding.h"

namespace trawl {

// The user asked for something that cannot be done (exit code 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GitScanOptions {
  std::string repo_path = ".";
  std::string config_path;  // empty: .trawl.toml or .gitleaks.toml at the root, else built-in
  unsigned threads = 0;     // 0: all cores
  std::uint64_t max_blob_size = 64ull << 20;
  std::uint64_t batch_bytes = 64ull << 20;
  std::uint64_t memory_budget = 2ull << 30;  // bounds the blob reader's batches
  BlobSource blob_source = BlobSource::kPacks;
  BackendRequest backend;  // --backend, --gpus
};

struct GitScanResult {
  std::vector<Finding> findings;
  ScanSummary summary;
  std::vector<SkippedObject> skipped;
};

// Chooses the rules for a scan of the repository whose work tree (or git
// directory, when bare) is `root`: --config, else .trawl.toml or
// .gitleaks.toml there, else the built-in rules. Says on `log` which was used
// and prints the loader's warnings there.
RuleLoad resolve_rules(const std::string& config_path, const std::string& root, std::ostream& log);

// Throws UsageError when the path is not a repository or the requested
// backend cannot run here, ConfigError for bad rules; anything the scan meets
// in the repository itself is skipped and counted, not thrown.
GitScanResult scan_git_history(const GitScanOptions& options, std::ostream& log);

}  // namespace trawl
