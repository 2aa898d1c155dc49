// Loads rules in gitleaks' TOML schema (so teams bring their .gitleaks.toml
// unchanged) and compiles them: regexes with RE2, keywords lowercased.
//
// Errors (TOML syntax, a bad regex, a rule without id or regex) throw
// ConfigError whose message names the file, the line and the rule id.
// Unknown keys are not errors: each adds a warning naming file, line and key.
#pragma once

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

struct RuleLoad {
  RuleSet rules;
  std::vector<std::string> warnings;
};

// The built-in rules from patterns/*.toml.
RuleLoad load_builtin_rules();

// Rules from TOML text; `source_name` is used in messages. `[extend]
// useDefault = true` merges the built-in rules under these (same id: these
// win); `[extend] path` merges another file, relative to `base_dir`.
RuleLoad load_rules_text(std::string_view text, const std::string& source_name, const std::string& base_dir = ".");

// Rules from a file on disk. Throws ConfigError if it cannot be read.
RuleLoad load_rules_file(const std::string& path);

}  // namespace trawl
