#include "rules/rule_digest.h"

#include <cstdio>

#include "content/sha256.h"

namespace trawl {
namespace {

// A length-prefixed field, so no two definitions serialise alike.
void field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(":").append(std::to_string(value.size())).append(":").append(value).append("\n");
}

std::string pattern_of(const std::unique_ptr<RE2>& re) { return re ? re->pattern() : std::string(); }

void allowlist_fields(std::string& out, const Allowlist& a) {
  field(out, "allowlist", a.condition == AllowlistCondition::kAnd ? "and" : "or");
  field(out, "target", std::to_string(static_cast<int>(a.regex_target)));
  for (const std::string& c : a.commits) field(out, "commit", c);
  for (const auto& p : a.paths) field(out, "path", pattern_of(p));
  for (const auto& r : a.regexes) field(out, "regex", pattern_of(r));
  for (const std::string& s : a.stopwords) field(out, "stopword", s);
  for (const std::string& t : a.target_rules) field(out, "target_rule", t);
  field(out, "end", "");
}

}  // namespace

std::string rule_digest(const Rule& rule) {
  std::string out;
  field(out, "id", rule.id);
  field(out, "regex", pattern_of(rule.regex));
  field(out, "path", pattern_of(rule.path));
  field(out, "secret_group", std::to_string(rule.secret_group));
  char entropy[32];
  std::snprintf(entropy, sizeof entropy, "%.17g", rule.entropy);
  field(out, "entropy", entropy);
  for (const std::string& k : rule.keywords) field(out, "keyword", k);
  for (SecretValidator v : rule.validators) field(out, "validator", std::to_string(static_cast<int>(v)));
  for (const Allowlist& a : rule.allowlists) allowlist_fields(out, a);
  // Written only when set, so rules without them keep their digests.
  for (const RequiredRule& r : rule.required) {
    field(out, "required", r.id);
    field(out, "within_lines", r.within_lines ? std::to_string(*r.within_lines) : "");
    field(out, "within_columns", r.within_columns ? std::to_string(*r.within_columns) : "");
  }
  if (rule.skip_report) field(out, "skip_report", "true");
  if (rule.check) field(out, "check", std::string(container_check_name(*rule.check)));
  // Only a confidence other than the kind's default: stored findings carry
  // their rule's confidence, so changing it makes them stale.
  if (rule.confidence != default_confidence(rule)) field(out, "confidence", confidence_name(rule.confidence));
  if (rule.tokens) field(out, "tokens", "true");
  return sha256_hex(out);
}

std::string ruleset_digest(const RuleSet& rules) {
  std::string out;
  field(out, "engine", std::to_string(kEngineVersion));
  for (const Rule& rule : rules.rules) field(out, "rule", rule_digest(rule));
  for (const Allowlist& a : rules.allowlists) allowlist_fields(out, a);
  return sha256_hex(out);
}

}  // namespace trawl
