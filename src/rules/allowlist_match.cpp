#include "rules/allowlist_match.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace trawl {
namespace {

bool contains_folded(std::string_view haystack, std::string_view lower_needle) {
  auto it = std::search(haystack.begin(), haystack.end(), lower_needle.begin(), lower_needle.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != haystack.end();
}

bool any_regex(const std::vector<std::unique_ptr<RE2>>& regexes, std::string_view text) {
  const re2::StringPiece piece(text.data(), text.size());
  return std::any_of(regexes.begin(), regexes.end(), [&](const auto& re) { return RE2::PartialMatch(piece, *re); });
}

}  // namespace

bool allowlisted(const Allowlist& list, const FindingContext& finding) {
  // Each criterion that is set: nullopt when unset.
  std::optional<bool> results[4];
  if (!list.commits.empty()) {
    results[0] = !finding.commit.empty() &&
                 std::any_of(list.commits.begin(), list.commits.end(),
                             [&](const std::string& c) { return !c.empty() && finding.commit.starts_with(c); });
  }
  if (!list.paths.empty()) results[1] = any_regex(list.paths, finding.path);
  if (!list.regexes.empty()) {
    std::string_view target = finding.secret;
    if (list.regex_target == RegexTarget::kMatch) target = finding.match;
    if (list.regex_target == RegexTarget::kLine) target = finding.line;
    results[2] = any_regex(list.regexes, target);
  }
  if (!list.stopwords.empty()) {
    results[3] = std::any_of(list.stopwords.begin(), list.stopwords.end(),
                             [&](const std::string& w) { return contains_folded(finding.secret, w); });
  }
  bool any_set = false;
  bool any_true = false;
  bool all_true = true;
  for (const auto& r : results) {
    if (!r) continue;
    any_set = true;
    any_true = any_true || *r;
    all_true = all_true && *r;
  }
  if (!any_set) return false;
  return list.condition == AllowlistCondition::kOr ? any_true : all_true;
}

bool suppresses_everything(const Allowlist& list) {
  static constexpr FindingContext kUnlike[] = {
      {"8f14e45fceea167a5a36dedd4bea2543a1b2c3d4", "src/main.go", "AKIAZ7Q2W3E4R5T6Y7U8", "key = AKIAZ7Q2W3E4R5T6Y7U8",
       "key = AKIAZ7Q2W3E4R5T6Y7U8"},
      {"", "deploy/.env", "hunter2", "PASSWORD=hunter2", "export PASSWORD=hunter2 # prod"},
      {"0000000000000000000000000000000000000001", "Q", "9", "9", "9"},
      {"", "", "-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----"},
  };
  return std::all_of(std::begin(kUnlike), std::end(kUnlike),
                     [&](const FindingContext& finding) { return allowlisted(list, finding); });
}

const Allowlist* dropping_allowlist(const RuleSet& rules, const Rule& rule, const FindingContext& finding) {
  for (const Allowlist& list : rule.allowlists) {
    if (allowlisted(list, finding)) return &list;
  }
  for (const Allowlist& list : rules.allowlists) {
    const bool targets =
        list.target_rules.empty() || std::any_of(list.target_rules.begin(), list.target_rules.end(),
                                                 [&](const std::string& target) { return rule.answers_to(target); });
    if (targets && allowlisted(list, finding)) return &list;
  }
  return nullptr;
}

bool allowlisted(const RuleSet& rules, const Rule& rule, const FindingContext& finding) {
  return dropping_allowlist(rules, rule, finding) != nullptr;
}

std::optional<std::string_view> stopword_in(const Allowlist& list, std::string_view secret) {
  for (const std::string& word : list.stopwords) {
    if (contains_folded(secret, word)) return word;
  }
  return std::nullopt;
}

}  // namespace trawl
