// What drops a finding after its rule confirmed it, besides the rules' own
// allowlists: fingerprints listed in a .trawlignore or .gitleaksignore file,
// findings an earlier report already holds (--baseline-path), and a
// `trawl:allow` or `gitleaks:allow` comment on the line. The summary counts
// each reason apart so a user can tell what was hidden and why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "verify/finding.h"

namespace trawl {

inline constexpr std::size_t kMaxIgnoreFileBytes = std::size_t{16} << 20;

enum class SuppressionReason { kAllowlist, kIgnoreFile, kBaseline, kInlineAllow };

struct SuppressionCounts {
  std::uint64_t allowlist = 0;
  std::uint64_t ignore_file = 0;
  std::uint64_t baseline = 0;
  std::uint64_t inline_allow = 0;

  void add(SuppressionReason reason);
  std::uint64_t total() const { return allowlist + ignore_file + baseline + inline_allow; }
};

// A bad ignore or baseline file (exit code 2).
class SuppressionFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Suppressions {
 public:
  // Adds the fingerprints of an ignore file: one per line, `#` starts a
  // comment. An entry is a full fingerprint (commit:path:rule:line) or one
  // without its commit (path:rule:line), which matches at every commit.
  // Returns false when nothing exists at `path`. Throws SuppressionFileError
  // naming the file when it cannot be read, is not a regular file, is larger
  // than kMaxIgnoreFileBytes or, with `confined_to` not empty, leads out of
  // that directory through a symlink (a scanned repository's ignore file
  // could point at /dev/stdin or another user's file).
  bool add_ignore_file(const std::string& path, const std::string& confined_to = "");

  // Adds the fingerprints of an earlier report: trawl's json or a gitleaks
  // report, as the report writes them (content/text_escape.h). A redacted
  // report masks secrets in paths, so in fingerprints: there "REDACTED" and
  // "..." each stand for a masked part. Throws SuppressionFileError when the
  // file is neither.
  void add_baseline(const std::string& path);

  // Adds the ignore file gitleaks' -i/--gitleaks-ignore-path names: the
  // file, or .gitleaksignore in the directory. Throws SuppressionFileError
  // when there is none.
  void add_gitleaks_ignore_path(const std::string& path);

  // --ignore-gitleaks-allow: inline allow comments no longer drop findings.
  void ignore_inline_allow() { honour_inline_allow_ = false; }

  // Why a finding confirmed by its rule and past the allowlists is dropped.
  // An ignore or baseline entry that names the rule by one of `rule_aliases`
  // (its gitleaks ids) matches as well.
  std::optional<SuppressionReason> reason_for(const Finding& finding,
                                              const std::vector<std::string>& rule_aliases = {}) const;

  // SHA-256 over everything added (64 hex digits): equal digests suppress
  // the same findings.
  std::string digest() const;

 private:
  bool honour_inline_allow_ = true;
  std::unordered_set<std::string> ignored_;
  std::unordered_set<std::string> baseline_;
  // Redacted fingerprints: the literal pieces between their masks.
  std::vector<std::vector<std::string>> redacted_baseline_;
};

// True when the line carries an inline allow comment.
bool has_inline_allow(std::string_view line);

}  // namespace trawl
