// A detection rule in gitleaks' schema, compiled: what the engine and the
// verifier need to find, confirm and filter one kind of secret.
#pragma once

#include <re2/re2.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/confidence.h"
#include "rules/container_checks.h"
#include "rules/validators.h"

namespace trawl {

enum class AllowlistCondition { kOr, kAnd };
enum class RegexTarget { kSecret, kMatch, kLine };

// gitleaks' [[rules.allowlists]] / [[allowlists]]: a finding that meets the
// condition over the criteria that are set is dropped.
struct Allowlist {
  std::string description;
  AllowlistCondition condition = AllowlistCondition::kOr;
  RegexTarget regex_target = RegexTarget::kSecret;
  std::vector<std::string> commits;  // full or abbreviated ids
  std::vector<std::unique_ptr<RE2>> paths;
  std::vector<std::unique_ptr<RE2>> regexes;
  std::vector<std::string> stopwords;     // lowercase
  std::vector<std::string> target_rules;  // global allowlists only: empty means every rule
};

// gitleaks' [[rules.required]]: a rule with required rules reports a match
// only where each required rule also matches in the same content, within
// `within_lines` lines and `within_columns` columns of it (when set).
struct RequiredRule {
  std::string id;
  std::optional<std::uint32_t> within_lines;
  std::optional<std::uint32_t> within_columns;
};

struct Rule {
  std::string id;
  // gitleaks' ids for the rule (trawl's `aliases` key): ignore entries,
  // baselines, disabledRules, targetRules and --enable-rule written for
  // gitleaks name the rule by them.
  std::vector<std::string> aliases;
  std::string description;
  std::unique_ptr<RE2> regex;  // null for a path-only rule
  std::unique_ptr<RE2> path;   // null when the rule applies to every path
  // Most line breaks one match can span (regex_span.h); nullopt when
  // unbounded, and then the regex searches whole blobs.
  std::optional<unsigned> max_newlines;
  int secret_group = 0;               // 0: first non-empty group, else the whole match
  double entropy = 0.0;               // minimum Shannon entropy of the secret; 0 disables
  std::vector<std::string> keywords;  // lowercase
  std::vector<std::string> tags;
  std::vector<Allowlist> allowlists;
  // trawl's `validate` key: offline checks every secret must pass.
  std::vector<SecretValidator> validators;
  // trawl's `check` key: a built-in check of container build files
  // (rules/container_checks.h) finds this rule's hits; such a rule has no
  // regex, and its `path` says which files the check is for.
  std::optional<ContainerCheck> check;
  // trawl's `tokens` key: the rule's candidates are stage 1's high-entropy
  // token runs (engine/token_entropy.h, over the rule's `entropy`), not
  // keywords. Its regex runs only around those runs' lines, and a match
  // counts only when its secret lies within one run. Such a rule has no
  // keywords: it can name credentials by words too common to be keywords.
  bool tokens = false;
  std::vector<std::string> examples;           // must produce a finding
  std::vector<std::string> negative_examples;  // must not
  std::string source;                          // "file:line" where the rule was defined
  std::vector<RequiredRule> required;
  bool skip_report = false;  // gitleaks' skipReport: only a part of composite rules
  // trawl's `confidence` key, else default_confidence() of the rule's kind
  // (rules/confidence.h).
  Confidence confidence = Confidence::kHigh;

  // True when `name` is the rule's id or one of its aliases.
  bool answers_to(std::string_view name) const {
    return id == name || std::find(aliases.begin(), aliases.end(), name) != aliases.end();
  }
};

struct RuleSet {
  std::vector<Rule> rules;
  std::vector<Allowlist> allowlists;  // global
  std::string origin;                 // the file the rules came from, or "built-in"
  // Said on stderr and in the report's summary: e.g. an allowlist in the
  // scanned repository's rules file that suppresses every finding.
  std::vector<std::string> warnings;
  // Rules left out because their confidence is below --min-confidence
  // (rules/rule_choice.h): they are not run, so nothing of theirs is counted.
  std::uint64_t below_min_confidence = 0;
};

}  // namespace trawl
