// The scans trawl runs, each a source handed to the one driver (scan.h):
// a repository's history, what the index stages on top of HEAD, and files
// on disk or standard input. Each chooses the rules (rules/rule_choice.h)
// and suppressions for its root, runs, and hands the result to `sinks`.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "report/finding_sink.h"
#include "rules/rule_loader.h"
#include "scan/scan.h"
#include "source/git/blob_reader.h"
#include "source/git/history.h"
#include "source/git/staged_changes.h"
#include "verify/suppression.h"

namespace trawl {

// What every scan takes.
struct CommonScanOptions {
  std::string config_path;      // empty: .trawl.toml or .gitleaks.toml at the root, else built-in
  bool no_repo_config = false;  // ignore the rules files at the root (--no-repo-config)
  std::string baseline_path;    // an earlier report; empty: none
  unsigned threads = 0;         // 0: all cores
  std::uint64_t max_blob_size = 64ull << 20;
  std::uint64_t batch_bytes = 32ull << 20;
  std::uint64_t memory_budget = 2ull << 30;  // bounds the batches alive at once
  BackendRequest backend;                    // --backend, --gpus
  ScanProgress* progress = nullptr;          // optional
  SecretFilter keep_secret;                  // empty: every secret (see ScanSettings)
  std::string config_text;                   // rules as TOML text when there is no config_path
  std::string config_text_name;              // names config_text in messages
  std::vector<std::string> enabled_rules;    // --enable-rule; empty: every rule
  std::string gitleaks_ignore_path;          // -i: an ignore file, or a directory holding .gitleaksignore
  bool ignore_inline_allow = false;          // --ignore-gitleaks-allow
  Datastore* datastore = nullptr;            // --datastore; null: none
  unsigned datastore_redact = 0;             // --redact, for what the datastore keeps
  std::string datastore_name;                // what the store names the scanned content; empty: its root
  std::string datastore_sweep;               // the store's sweep to record under (trawl sweep); empty: a new one
  bool no_repo_ignore = false;               // ignore the .trawlignore and .gitleaksignore files at the root
  Confidence min_confidence = kDefaultMinConfidence;  // --min-confidence
  bool match_whole_blobs = false;                     // --match-whole-blobs (ScanSettings::match_deltas)
};

struct GitScanOptions : CommonScanOptions {
  std::string repo_path = ".";
  HistoryScope scope;
  BlobSource blob_source = BlobSource::kPacks;
};

struct FileScanOptions : CommonScanOptions {
  std::string path = ".";                            // repository (staged) or directory or file; "-" for standard input
  bool follow_symlinks = false;                      // files: scan links to regular files
  PendingChanges changes = PendingChanges::kStaged;  // scan_staged: which changes
};

struct ContainerFileOptions : CommonScanOptions {
  std::vector<std::string> paths;  // Dockerfiles, Compose and CI files, or directories holding them
};

struct ImageCommandOptions : CommonScanOptions {
  std::vector<std::string> inputs;  // tarballs, OCI layout directories, registry references
  std::string platform;             // "os/arch[/variant]"; empty: the host's
  bool all_platforms = false;
  std::string root = ".";  // where rules and ignore files are looked for
  // Registry references among the inputs.
  std::vector<std::string> insecure_registries;  // host[:port] reached over plain HTTP
  long registry_timeout_seconds = 30;
  // Archives inside layers (.jar, .zip, .tar...) opened this deep; 0: such
  // files are scanned as they are, never opened.
  int archive_depth = 3;
  std::string registry_auth;       // "user:password"
  std::string registry_auth_file;  // a file whose first line is "user:password"
};

// Chooses the rules for a scan rooted at `root` (a work tree, a bare
// repository's git directory or a directory; see choose_rules): --config,
// else .trawl.toml or .gitleaks.toml there unless `allow_repo_config` is
// false, else the built-in rules. Says on `log` which was used and prints
// the loader's warnings there.
RuleLoad resolve_rules(const std::string& config_path, const std::string& root, std::ostream& log,
                       bool allow_repo_config = true);

// The rules a scan with `options` rooted at `root` uses (choose_rules):
// --config, $GITLEAKS_CONFIG..., the root's rules file or the built-in
// rules, narrowed by --enable-rule.
RuleLoad rules_for_root(const CommonScanOptions& options, const std::string& root, std::ostream& log);

// Everything that drops findings of a scan with `options` rooted at `root`:
// the root's ignore files (unless no_repo_ignore), the baseline, -i's file
// and whether inline allow comments count.
Suppressions suppressions_for_root(const CommonScanOptions& options, const std::string& root, std::ostream& log);

// The suppressions for a scan rooted at `root`: its .trawlignore and
// .gitleaksignore files and the baseline report, if any. Says on `log` which
// ignore files were read.
Suppressions load_suppressions(const std::string& root, const std::string& baseline_path, std::ostream& log);

// A `repo_path` that is a URL (https, http, git, ssh, file) is cloned into a
// temporary mirror (source/git/remote_mirror.h), scanned and removed; a
// clone that fails throws GitError. Otherwise the repository is found upward
// from `options.repo_path`, as git finds it. Throws UsageError when the path
// is not in a repository or not a usable URL, a scope's revision
// names no commit or the requested backend cannot run here, ConfigError for
// bad rules; anything the scan meets in the repository itself is skipped and
// counted, not thrown.
ScanResult scan_git_history(const GitScanOptions& options, std::ostream& log,
                            const std::vector<FindingSink*>& sinks = {});

// The staged (or unstaged, as `options.changes` says) changes of the
// repository holding `options.path`, found upward as git finds it. Throws
// UsageError when it is not in a repository with a work tree.
ScanResult scan_staged(const FileScanOptions& options, std::ostream& log, const std::vector<FindingSink*>& sinks = {});

// Throws UsageError when `options.path` is not a directory or a file. With
// path "-" reads `stdin_stream` as one file named "stdin".
ScanResult scan_directory(const FileScanOptions& options, std::istream& stdin_stream, std::ostream& log,
                          const std::vector<FindingSink*>& sinks = {});

// `trawl dockerfile`: the container build checks alone (the rules with a
// `check`, rules/container_checks.h) over the files `options.paths` names
// and the files under the directories it names whose paths a check's rule
// applies to. Rules and ignore files are looked for in the current
// directory. Throws UsageError when a path is neither a file nor a
// directory, or a file named is of no kind a check reads; ConfigError when
// the rules chosen hold no check.
ScanResult scan_container_files(const ContainerFileOptions& options, std::ostream& log,
                                const std::vector<FindingSink*>& sinks = {});

// Throws UsageError when an input cannot be opened or is not an image (its
// name and what is wrong in the message), or a registry has no such image
// or refuses the credentials; image::RegistryUnavailable (a runtime_error:
// the scan failed) when a registry cannot be reached or stalls. What cannot
// be read inside an image is skipped and counted.
ScanResult scan_images(const ImageCommandOptions& options, std::ostream& log,
                       const std::vector<FindingSink*>& sinks = {});

}  // namespace trawl
