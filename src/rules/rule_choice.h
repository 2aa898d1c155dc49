// Which rules a scan uses. The operator's --config wins and is the only file
// read; without it, a rules file at the scanned root (.trawl.toml, else
// .gitleaks.toml) is used, unless the operator said --no-repo-config; else the
// built-in rules.
//
// A scanned repository's own rules file may replace the built-in rules, as
// gitleaks allows, but not silently: the choice says so on the log. A rules
// file at the root that is a symlink (it could lead out of the repository)
// or not a regular file is not read: a warning says so and the next name, or
// the built-in rules, is used. The root's file may extend only files inside
// the scanned root (rule_loader.h).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "rules/rule_loader.h"

namespace trawl {

// The rules files looked for at the scanned root, in order.
inline constexpr const char* kRootRulesFiles[] = {".trawl.toml", ".gitleaks.toml"};

struct RuleRequest {
  std::string config_path;        // --config; empty: none
  std::string root;               // the scanned work tree, git directory or directory
  bool allow_root_config = true;  // false: --no-repo-config
  // Rules as TOML text (gitleaks' GITLEAKS_CONFIG_TOML), used when there is
  // no config_path; named `config_text_name` in messages.
  std::string config_text;
  std::string config_text_name;
  // --enable-rule: only these rules (ids or gitleaks aliases); empty: all.
  std::vector<std::string> enabled_rules;
  // Rules whose confidence is below this are left out: not run, since their
  // findings would not be reported. Low-confidence rules are the broad ones
  // (a UUID anywhere, entropy alone) and cost the most to run.
  Confidence min_confidence = Confidence::kLow;
};

// Loads the rules `request` asks for and writes to `log` the loader's
// warnings, any warning about the root's rules file and which rules are used
// (and how many are left out below request.min_confidence).
// Throws ConfigError when the chosen file cannot be loaded or an enabled
// rule names no rule.
RuleLoad choose_rules(const RuleRequest& request, std::ostream& log);

}  // namespace trawl
