// gitleaks' allowlist semantics: OR and AND over the criteria that are set.
#include <gtest/gtest.h>

#include "rules/allowlist_match.h"
#include "rules/rule_loader.h"

namespace trawl {
namespace {

RuleSet rules_from(const std::string& toml) { return std::move(load_rules_text(toml, "cfg.toml").rules); }

const FindingContext kFinding{"0123456789abcdef0123456789abcdef01234567", "test/fixtures/a.env", "s3cr3tDummyValue",
                              "KEY=s3cr3tDummyValue", "export KEY=s3cr3tDummyValue # fixture"};

TEST(Allowlist, OrDropsWhenAnySetCriterionHolds) {
  const RuleSet rules = rules_from(
      "[[rules]]\nid = \"r\"\nregex = 'x'\n[[rules.allowlists]]\npaths = ['''^src/''']\nstopwords = [\"dummy\"]\n");
  EXPECT_TRUE(allowlisted(rules, rules.rules[0], kFinding));
}

TEST(Allowlist, AndDropsOnlyWhenEverySetCriterionHolds) {
  const RuleSet rules = rules_from(
      "[[rules]]\nid = \"r\"\nregex = 'x'\n[[rules.allowlists]]\ncondition = \"AND\"\npaths = ['''^src/''']\n"
      "stopwords = [\"dummy\"]\n");
  EXPECT_FALSE(allowlisted(rules, rules.rules[0], kFinding));
  const RuleSet both = rules_from(
      "[[rules]]\nid = \"r\"\nregex = 'x'\n[[rules.allowlists]]\ncondition = \"AND\"\npaths = ['''^test/''']\n"
      "stopwords = [\"dummy\"]\n");
  EXPECT_TRUE(allowlisted(both, both.rules[0], kFinding));
}

TEST(Allowlist, RegexesTestTheChosenTarget) {
  auto with_target = [](const std::string& target, const std::string& regex) {
    return rules_from("[[rules]]\nid = \"r\"\nregex = 'x'\n[[rules.allowlists]]\nregexTarget = \"" + target +
                      "\"\nregexes = ['''" + regex + "''']\n");
  };
  const RuleSet secret = with_target("secret", "fixture");
  EXPECT_FALSE(allowlisted(secret, secret.rules[0], kFinding));
  const RuleSet line = with_target("line", "fixture");
  EXPECT_TRUE(allowlisted(line, line.rules[0], kFinding));
  const RuleSet match = with_target("match", "^KEY=");
  EXPECT_TRUE(allowlisted(match, match.rules[0], kFinding));
}

TEST(Allowlist, CommitsMatchByPrefixAndGlobalListsHonourTargetRules) {
  const RuleSet rules = rules_from(
      "[[rules]]\nid = \"a\"\nregex = 'x'\n[[rules]]\nid = \"b\"\nregex = 'y'\n"
      "[[allowlists]]\ntargetRules = [\"b\"]\ncommits = [\"0123456\"]\n");
  EXPECT_FALSE(allowlisted(rules, rules.rules[0], kFinding));
  EXPECT_TRUE(allowlisted(rules, rules.rules[1], kFinding));
}

TEST(Allowlist, AnEmptyAllowlistDropsNothing) {
  const RuleSet rules =
      rules_from("[[rules]]\nid = \"r\"\nregex = 'x'\n[[rules.allowlists]]\ndescription = \"none\"\n");
  EXPECT_FALSE(allowlisted(rules, rules.rules[0], kFinding));
}

}  // namespace
}  // namespace trawl
