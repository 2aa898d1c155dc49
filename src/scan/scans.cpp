#include "scan/scans.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include "content/text_escape.h"
#include "rules/rule_choice.h"
#include "source/files/files_source.h"
#include "source/git/git_handles.h"
#include "source/git/git_history_source.h"
#include "source/git/remote_mirror.h"
#include "source/git/staged_source.h"
#include "source/image/image_source.h"

namespace trawl {
namespace {

ScanSettings settings_of(const CommonScanOptions& options) {
  ScanSettings settings;
  settings.backend = options.backend;
  settings.pipeline.threads = options.threads;
  settings.pipeline.batch_bytes = options.batch_bytes;
  settings.pipeline.memory_budget = options.memory_budget;
  settings.progress = options.progress;
  settings.keep_secret = options.keep_secret;
  settings.min_confidence = options.min_confidence;
  settings.match_deltas = !options.match_whole_blobs;
  settings.datastore = options.datastore;
  settings.datastore_scan.max_blob_size = options.max_blob_size;
  settings.datastore_scan.redact_percent = options.datastore_redact;
  settings.datastore_scan.sweep = options.datastore_sweep;
  return settings;
}

ScanResult run_with_root_rules(ContentSource& source, const CommonScanOptions& options, std::ostream& log,
                               const std::vector<FindingSink*>& sinks) {
  const RuleLoad rules = rules_for_root(options, source.root(), log);
  const Suppressions suppressions = suppressions_for_root(options, source.root(), log);
  ScanSettings settings = settings_of(options);
  settings.datastore_scan.repository = !options.datastore_name.empty()
                                           ? options.datastore_name
                                           : std::filesystem::absolute(source.root()).lexically_normal().string();
  return run_scan(source, rules.rules, suppressions, settings, sinks, log);
}

// The repository holding `path`, found upward; UsageError when none does.
std::string repository_of(const std::string& path) {
  try {
    return discover_repository(path);
  } catch (const GitError& e) {
    throw UsageError(e.what());
  }
}

// The first line of `path`: "user:password". Never echoed.
std::string read_registry_auth_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError(path + ": cannot read the registry credentials file");
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.find(':') == std::string::npos) throw UsageError(path + ": the first line must be USER:PASSWORD");
  return line;
}

}  // namespace

RuleLoad rules_for_root(const CommonScanOptions& options, const std::string& root, std::ostream& log) {
  RuleRequest request;
  request.config_path = options.config_path;
  request.root = root;
  request.allow_root_config = !options.no_repo_config;
  request.config_text = options.config_text;
  request.config_text_name = options.config_text_name;
  request.enabled_rules = options.enabled_rules;
  // A datastore keeps the findings of every medium and high rule, whatever
  // --min-confidence shows; the low-confidence rules, the broad and costly
  // ones, run only when --min-confidence low asks for them, datastore or not
  // (a later scan at low reads the stored blobs for them alone).
  request.min_confidence =
      options.datastore != nullptr ? std::min(options.min_confidence, Confidence::kMedium) : options.min_confidence;
  return choose_rules(request, log);
}

Suppressions suppressions_for_root(const CommonScanOptions& options, const std::string& root, std::ostream& log) {
  // A sweep's repositories may not hide their own findings.
  Suppressions suppressions;
  if (!options.no_repo_ignore) {
    suppressions = load_suppressions(root, options.baseline_path, log);
  } else if (!options.baseline_path.empty()) {
    suppressions.add_baseline(options.baseline_path);
  }
  if (!options.gitleaks_ignore_path.empty()) {
    suppressions.add_gitleaks_ignore_path(options.gitleaks_ignore_path);
    log << "trawl: ignoring the fingerprints listed in " << escape_text(options.gitleaks_ignore_path, true) << "\n";
  }
  if (options.ignore_inline_allow) suppressions.ignore_inline_allow();
  return suppressions;
}

RuleLoad resolve_rules(const std::string& config_path, const std::string& root, std::ostream& log,
                       bool allow_repo_config) {
  RuleRequest request;
  request.config_path = config_path;
  request.root = root;
  request.allow_root_config = allow_repo_config;
  return choose_rules(request, log);
}

Suppressions load_suppressions(const std::string& root, const std::string& baseline_path, std::ostream& log) {
  Suppressions suppressions;
  for (const char* name : {".trawlignore", ".gitleaksignore"}) {
    const std::string path = (std::filesystem::path(root) / name).string();
    // The scanned root supplies these: one that cannot be read is passed
    // over with a warning (no finding is hidden), not the end of the scan.
    try {
      if (suppressions.add_ignore_file(path, root)) {
        log << "trawl: ignoring the fingerprints listed in " << path << "\n";
      }
    } catch (const SuppressionFileError& e) {
      log << "trawl: warning: " << e.what() << "; not read\n";
    }
  }
  if (!baseline_path.empty()) suppressions.add_baseline(baseline_path);
  return suppressions;
}

ScanResult scan_git_history(const GitScanOptions& options, std::ostream& log, const std::vector<FindingSink*>& sinks) {
  if (is_repository_url(options.repo_path)) {
    std::optional<TemporaryMirror> mirror;
    try {
      mirror.emplace(options.repo_path);
    } catch (const RemoteUrlError& e) {
      throw UsageError(e.what());
    }
    log << "trawl: scanning a temporary mirror of " << url_for_log(options.repo_path) << "\n";
    GitScanOptions local = options;
    local.repo_path = mirror->path();
    if (local.datastore_name.empty()) local.datastore_name = url_for_log(options.repo_path);
    return scan_git_history(local, log, sinks);
  }
  GitHistoryOptions history;
  history.scope = options.scope;
  history.threads = options.threads;
  history.max_blob_size = options.max_blob_size;
  history.blob_source = options.blob_source;
  if (options.progress != nullptr) history.progress = &options.progress->walk;
  std::optional<GitHistorySource> source;
  try {
    source.emplace(repository_of(options.repo_path), history);
  } catch (const GitError& e) {
    throw UsageError(e.what());
  }
  try {
    return run_with_root_rules(*source, options, log, sinks);
  } catch (const GitError& e) {
    // Only a scope's revision can fail this way once the repository opened.
    if (!options.scope.tip.empty() || !options.scope.exclude.empty()) throw UsageError(e.what());
    throw;
  }
}

ScanResult scan_staged(const FileScanOptions& options, std::ostream& log, const std::vector<FindingSink*>& sinks) {
  std::optional<StagedSource> source;
  try {
    source.emplace(repository_of(options.path), options.max_blob_size, options.changes);
    return run_with_root_rules(*source, options, log, sinks);
  } catch (const GitError& e) {
    throw UsageError(e.what());
  }
}

ScanResult scan_directory(const FileScanOptions& options, std::istream& stdin_stream, std::ostream& log,
                          const std::vector<FindingSink*>& sinks) {
  try {
    std::optional<FilesSource> source;
    if (options.path == "-") {
      source.emplace(stdin_stream, ".", options.max_blob_size);
    } else {
      source.emplace(options.path, options.max_blob_size, options.threads, options.follow_symlinks);
    }
    return run_with_root_rules(*source, options, log, sinks);
  } catch (const DirectoryError& e) {
    throw UsageError(e.what());
  }
}

ScanResult scan_container_files(const ContainerFileOptions& options, std::ostream& log,
                                const std::vector<FindingSink*>& sinks) {
  RuleLoad load = resolve_rules(options.config_path, ".", log, !options.no_repo_config);
  std::erase_if(load.rules.rules, [](const Rule& rule) { return !rule.check; });
  if (load.rules.rules.empty()) {
    throw ConfigError("the rules from " + load.rules.origin + " hold no container build check");
  }
  const RuleSet& rules = load.rules;
  auto checked = [&](const std::string& path) {
    return std::any_of(rules.rules.begin(), rules.rules.end(),
                       [&](const Rule& rule) { return RE2::PartialMatch(path, *rule.path); });
  };
  for (const std::string& path : options.paths) {
    std::error_code error;
    if (std::filesystem::is_regular_file(std::filesystem::symlink_status(path, error)) && !checked(path)) {
      throw UsageError(path + ": not a Dockerfile, Containerfile, Compose file or CI pipeline file by its name");
    }
  }
  try {
    FilesSource source(options.paths, options.max_blob_size, options.threads, checked);
    const Suppressions suppressions = load_suppressions(source.root(), options.baseline_path, log);
    return run_scan(source, rules, suppressions, settings_of(options), sinks, log);
  } catch (const DirectoryError& e) {
    throw UsageError(e.what());
  }
}

ScanResult scan_images(const ImageCommandOptions& options, std::ostream& log, const std::vector<FindingSink*>& sinks) {
  ImageScanOptions image_options;
  image_options.max_blob_size = options.max_blob_size;
  image_options.platform.all = options.all_platforms;
  image_options.registry.insecure = options.insecure_registries;
  image_options.registry.timeout_seconds = options.registry_timeout_seconds;
  image_options.registry.credentials = options.registry_auth;
  image_options.limits.max_nesting = options.archive_depth;
  try {
    if (options.registry_timeout_seconds <= 0) throw UsageError("--registry-timeout must be at least 1 second");
    if (!options.registry_auth_file.empty()) {
      image_options.registry.credentials = read_registry_auth_file(options.registry_auth_file);
    }
    if (!image_options.registry.credentials.empty() &&
        image_options.registry.credentials.find(':') == std::string::npos) {
      throw UsageError("registry credentials must be USER:PASSWORD");
    }
    if (!options.platform.empty()) image_options.platform.platform = image::parse_platform(options.platform);
    ImageSource source(options.inputs, options.root, image_options);
    return run_with_root_rules(source, options, log, sinks);
  } catch (const image::InputError& e) {
    throw UsageError(e.what());
  } catch (const image::ImageFormatError& e) {
    throw UsageError(e.what());
  }
}

}  // namespace trawl
