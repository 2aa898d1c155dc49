// Loading gitleaks-format rules: what loads, and the exact error or warning
// for each kind of bad configuration.
#include <gtest/gtest.h>

#include "rules/rule_loader.h"

namespace trawl {
namespace {

std::string error_of(const std::string& toml) {
  try {
    load_rules_text(toml, "cfg.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(RuleLoader, LoadsEveryGitleaksRuleField) {
  const RuleLoad load = load_rules_text(R"(
title = "team rules"
[[rules]]
id = "team-token"
description = "Team token"
regex = '''(?i)team_(tok)=([a-z0-9]{8})'''
secretGroup = 2
entropy = 2.5
keywords = ["TEAM_"]
path = '''\.env$'''
tags = ["team", "internal"]
  [[rules.allowlists]]
  condition = "AND"
  regexTarget = "line"
  regexes = ['''fixture''']
  paths = ['''^test/''']
  commits = ["ABC123"]
  stopwords = ["Dummy"]
[allowlist]
paths = ['''vendor/''']
)",
                                        "cfg.toml");
  ASSERT_EQ(load.rules.rules.size(), 1u);
  const Rule& r = load.rules.rules[0];
  EXPECT_EQ(r.id, "team-token");
  EXPECT_EQ(r.description, "Team token");
  EXPECT_EQ(r.secret_group, 2);
  EXPECT_DOUBLE_EQ(r.entropy, 2.5);
  EXPECT_EQ(r.keywords, std::vector<std::string>{"team_"});
  EXPECT_TRUE(r.path && RE2::PartialMatch("a/.env", *r.path));
  EXPECT_EQ(r.tags, (std::vector<std::string>{"team", "internal"}));
  EXPECT_EQ(r.source, "cfg.toml:3");
  ASSERT_EQ(r.allowlists.size(), 1u);
  EXPECT_EQ(r.allowlists[0].condition, AllowlistCondition::kAnd);
  EXPECT_EQ(r.allowlists[0].regex_target, RegexTarget::kLine);
  EXPECT_EQ(r.allowlists[0].commits, std::vector<std::string>{"abc123"});
  EXPECT_EQ(r.allowlists[0].stopwords, std::vector<std::string>{"dummy"});
  EXPECT_EQ(load.rules.allowlists.size(), 1u);
  EXPECT_TRUE(load.warnings.empty());
}

TEST(RuleLoader, WarnsAboutUnknownKeysWithFileAndLine) {
  const RuleLoad load = load_rules_text("[[rules]]\nid = \"a\"\nregex = 'x'\nkeywrods = [\"x\"]\n", "cfg.toml");
  ASSERT_EQ(load.warnings.size(), 1u);
  EXPECT_EQ(load.warnings[0], "cfg.toml:4: unknown key 'keywrods' in rule 'a' (ignored)");
}

TEST(RuleLoader, NamesFileAndLineOfATomlSyntaxError) {
  EXPECT_EQ(error_of("[[rules]]\nid = \"a\"\nregex = 'unterminated\n"),
            "cfg.toml:3: invalid TOML: Error while parsing literal string: control characters other than TAB (U+0009) "
            "are explicitly prohibited");
}

TEST(RuleLoader, NamesFileLineAndRuleOfABadRegex) {
  EXPECT_EQ(error_of("[[rules]]\nid = \"broken\"\nregex = '''(unclosed'''\n"),
            "cfg.toml:3: rule 'broken': invalid regex /(unclosed/: missing ): (unclosed");
}

TEST(RuleLoader, RejectsRulesWithoutIdOrPattern) {
  EXPECT_EQ(error_of("[[rules]]\nregex = 'x'\n"), "cfg.toml:1: a rule has no 'id'");
  EXPECT_EQ(error_of("[[rules]]\nid = \"empty\"\n"), "cfg.toml:1: rule 'empty': a rule needs a 'regex' or a 'path'");
}

TEST(RuleLoader, RejectsASecretGroupTheRegexDoesNotHave) {
  EXPECT_EQ(error_of("[[rules]]\nid = \"g\"\nregex = '(a)'\nsecretGroup = 2\n"),
            "cfg.toml:4: rule 'g': 'secretGroup' is 2 but the regex has only 1 groups");
}

TEST(RuleLoader, RejectsDuplicateIdsAndBadAllowlistValues) {
  EXPECT_EQ(error_of("[[rules]]\nid = \"d\"\nregex = 'a'\n[[rules]]\nid = \"d\"\nregex = 'b'\n"),
            "cfg.toml:4: rule 'd': duplicate rule id");
  EXPECT_EQ(error_of("[[rules]]\nid = \"c\"\nregex = 'a'\n[[rules.allowlists]]\ncondition = \"XOR\"\n"),
            "cfg.toml:5: rule 'c': allowlist condition must be \"OR\" or \"AND\", not \"xor\"");
}

TEST(RuleLoader, ExtendingTheDefaultsKeepsBuiltInRulesAndOverridesById) {
  const RuleLoad builtin = load_builtin_rules();
  ASSERT_FALSE(builtin.rules.rules.empty());
  const std::string first_id = builtin.rules.rules[0].id;
  const RuleLoad load = load_rules_text("[extend]\nuseDefault = true\n[[rules]]\nid = \"" + first_id +
                                            "\"\ndescription = \"mine\"\nregex = 'zzz'\n[[rules]]\nid = \"extra\"\n"
                                            "regex = 'yyy'\n",
                                        "cfg.toml");
  EXPECT_EQ(load.rules.rules.size(), builtin.rules.rules.size() + 1);
  EXPECT_EQ(load.rules.rules[0].description, "mine");
  EXPECT_EQ(load.rules.rules.back().id, "extra");
}

TEST(RuleLoader, ExtendingWithDisabledRulesDropsThem) {
  const RuleLoad builtin = load_builtin_rules();
  const std::string first_id = builtin.rules.rules[0].id;
  const RuleLoad load =
      load_rules_text("[extend]\nuseDefault = true\ndisabledRules = [\"" + first_id + "\"]\n", "cfg.toml");
  EXPECT_EQ(load.rules.rules.size(), builtin.rules.rules.size() - 1);
}

TEST(RuleLoader, AConfigWithoutExtendReplacesTheDefaults) {
  const RuleLoad load = load_rules_text("[[rules]]\nid = \"only\"\nregex = 'x'\n", "cfg.toml");
  ASSERT_EQ(load.rules.rules.size(), 1u);
  EXPECT_EQ(load.rules.origin, "cfg.toml");
}

}  // namespace
}  // namespace trawl
