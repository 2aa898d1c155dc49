// Rule and ruleset digests: the same definition always gives the same
// digest, anything that changes what is found changes it, presentation does
// not.
#include <gtest/gtest.h>

#include "rules/rule_digest.h"
#include "rules/rule_loader.h"

namespace trawl {
namespace {

constexpr const char* kRule = R"(
[[rules]]
id = "demo"
description = "Demo token"
regex = '''demo_[a-z0-9]{16}'''
keywords = ["demo_"]
tags = ["a"]
)";

std::string digest_of(const std::string& text) { return rule_digest(load_rules_text(text, "test").rules.rules.at(0)); }

std::string with(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(RuleDigest, TheSameDefinitionGivesTheSameDigest) {
  EXPECT_EQ(digest_of(kRule), digest_of(kRule));
  EXPECT_EQ(digest_of(kRule).size(), 64u);
}

TEST(RuleDigest, WhatDecidesMatchesChangesIt) {
  const std::string base = digest_of(kRule);
  EXPECT_NE(digest_of(with(kRule, "{16}", "{17}")), base);
  EXPECT_NE(digest_of(with(kRule, "id = \"demo\"", "id = \"demo2\"")), base);
  EXPECT_NE(digest_of(with(kRule, "[\"demo_\"]", "[\"demo\"]")), base);
  EXPECT_NE(digest_of(std::string(kRule) + "entropy = 3.5\n"), base);
  EXPECT_NE(digest_of(std::string(kRule) + "secretGroup = 0\npath = '''\\.env$'''\n"), base);
  EXPECT_NE(digest_of(std::string(kRule) + "[[rules.allowlists]]\nstopwords = [\"example\"]\n"), base);
}

TEST(RuleDigest, DescriptionTagsAndExamplesDoNot) {
  const std::string base = digest_of(kRule);
  EXPECT_EQ(digest_of(with(kRule, "Demo token", "Another description")), base);
  EXPECT_EQ(digest_of(with(kRule, "tags = [\"a\"]", "tags = [\"b\", \"c\"]")), base);
  EXPECT_EQ(digest_of(std::string(kRule) + "examples = [\"x = demo_0123456789abcdef\"]\n"), base);
}

TEST(RulesetDigest, FollowsTheRulesAndTheirOrder) {
  const std::string second = R"(
[[rules]]
id = "other"
regex = '''other_[a-z]{8}'''
keywords = ["other_"]
)";
  const RuleLoad ab = load_rules_text(std::string(kRule) + second, "test");
  const RuleLoad ba = load_rules_text(second + kRule, "test");
  const RuleLoad a = load_rules_text(kRule, "test");
  EXPECT_EQ(ruleset_digest(ab.rules), ruleset_digest(load_rules_text(std::string(kRule) + second, "t2").rules));
  EXPECT_NE(ruleset_digest(ab.rules), ruleset_digest(ba.rules));
  EXPECT_NE(ruleset_digest(ab.rules), ruleset_digest(a.rules));
  const RuleLoad builtin = load_builtin_rules();
  EXPECT_EQ(ruleset_digest(builtin.rules), ruleset_digest(load_builtin_rules().rules));
}

}  // namespace
}  // namespace trawl
