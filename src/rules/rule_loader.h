// Loads rules in gitleaks' TOML schema (so teams bring their .gitleaks.toml
// unchanged) and compiles them: regexes with RE2, keywords lowercased.
//
// Errors (TOML syntax, a bad regex, a rule without id or regex) throw
// ConfigError whose message names the file, the line and the rule id.
// Unknown keys are not errors: each adds a warning naming file, line and key.
//
// Rules files come from places the operator may not control (a scanned
// repository's .gitleaks.toml and the files it extends), so reading one is
// bounded: only regular files are read (a directory, device or FIFO is a
// ConfigError naming it), each at most kMaxRulesFileBytes, and an `[extend]
// path` chain holds at most kMaxExtendChain files and no file twice (a cycle
// is a ConfigError naming the files in the chain). A rules file the scanned
// repository supplies is loaded confined to it: an `[extend] path` that
// leads out of the repository, through a symlink or not, is a ConfigError
// (the operator's own --config may extend anywhere). A load that ends with no
// rules at all is a ConfigError too: it would scan for nothing.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rule.h"

namespace trawl {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr std::size_t kMaxRulesFileBytes = std::size_t{16} << 20;
inline constexpr std::size_t kMaxExtendChain = 8;  // files, the first one included

struct RuleLoad {
  RuleSet rules;
  std::vector<std::string> warnings;
  // The built-in rules are part of `rules`: `[extend] useDefault = true` in
  // the file or in a file it extends.
  bool extends_builtin = false;
};

// The built-in rules from patterns/*.toml.
RuleLoad load_builtin_rules();

// Rules from TOML text; `source_name` is used in messages. `[extend]
// useDefault = true` merges the built-in rules under these (same id: these
// win); `[extend] path` merges another file, relative to `base_dir` (the
// extending file's directory when loaded from a file). With `confined_to`
// not empty, every file extended must lie inside that directory once its
// symlinks are followed.
RuleLoad load_rules_text(std::string_view text, const std::string& source_name, const std::string& base_dir = ".",
                         const std::string& confined_to = "");

// Rules from a file on disk. Throws ConfigError if it cannot be read, is not
// a regular file or is larger than kMaxRulesFileBytes; `confined_to` as for
// load_rules_text.
RuleLoad load_rules_file(const std::string& path, const std::string& confined_to = "");

}  // namespace trawl
