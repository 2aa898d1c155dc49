// Scans of content outside the history: what the index stages on top of HEAD
// (`trawl protect --staged`, for pre-commit hooks) and files on disk or on
// standard input (`trawl dir`). Findings carry no commit; their fingerprint is
// path:rule:line. A staged file reports only secrets HEAD's version of the
// path lacks, at their line in the staged file.
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

#include "cli/scan_result.h"

namespace trawl {

struct FileScanOptions {
  std::string path = ".";       // repository (staged) or directory; "-" for standard input
  std::string config_path;      // empty: .trawl.toml or .gitleaks.toml in `path`, else built-in
  bool no_repo_config = false;  // ignore the rules files in `path` (--no-repo-config)
  std::string baseline_path;    // an earlier report; empty: none
  unsigned threads = 0;         // 0: all cores
  std::uint64_t max_blob_size = 64ull << 20;
};

// Throws UsageError when `options.path` is not a repository with a work tree.
ScanResult scan_staged(const FileScanOptions& options, std::ostream& log);

// Throws UsageError when `options.path` is not a directory. With path "-"
// reads `stdin` as one file named "stdin".
ScanResult scan_directory(const FileScanOptions& options, std::istream& stdin_stream, std::ostream& log);

}  // namespace trawl
