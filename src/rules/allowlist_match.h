// Whether an allowlist drops a finding, by gitleaks' semantics: with
// condition OR any criterion that is set suffices; with AND every criterion
// that is set must hold. Regexes test the secret, the match or the line
// (regexTarget); a stopword drops a secret that contains it.
#pragma once

#include <optional>
#include <string_view>

#include "rules/rule.h"

namespace trawl {

struct FindingContext {
  std::string_view commit;  // full hex id; empty outside git
  std::string_view path;
  std::string_view secret;
  std::string_view match;
  std::string_view line;
};

bool allowlisted(const Allowlist& list, const FindingContext& finding);

// True when the allowlist drops every one of a set of unlike findings
// (different paths, secrets, lines and commits): it suppresses everything it
// applies to, e.g. `paths = [".*"]` or a regex that matches the empty
// string. A scanned repository's rules file could ship one to hide itself.
bool suppresses_everything(const Allowlist& list);

// True when the rule's own allowlists, or a global allowlist that targets
// this rule, drop the finding.
bool allowlisted(const RuleSet& rules, const Rule& rule, const FindingContext& finding);

// The first of those allowlists that drops the finding (the rule's own,
// then the global ones), or null.
const Allowlist* dropping_allowlist(const RuleSet& rules, const Rule& rule, const FindingContext& finding);

// The first of the allowlist's stopwords that `secret` holds, in any case.
std::optional<std::string_view> stopword_in(const Allowlist& list, std::string_view secret);

}  // namespace trawl
