// Loading gitleaks-format rules: what loads, and the exact error or warning
// for each kind of bad configuration.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>

#include "rules/rule_loader.h"
#include "support/git_fixture.h"

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

TEST(RuleLoader, AConfigWithNoRulesIsAnError) {
  const std::string no_rules =
      ": no rules: it would scan for nothing (define [[rules]], or [extend] useDefault = true for the built-in rules)";
  EXPECT_EQ(error_of(""), "cfg.toml" + no_rules);
  EXPECT_EQ(error_of("[allowlist]\npaths = ['x']\n"), "cfg.toml" + no_rules);
  const RuleLoad builtin = load_builtin_rules();
  std::string all;
  for (const Rule& r : builtin.rules.rules) {
    if (!all.empty()) all += ", ";
    all += "\"" + r.id + "\"";
  }
  EXPECT_EQ(error_of("[extend]\nuseDefault = true\ndisabledRules = [" + all + "]\n"), "cfg.toml" + no_rules);
}

// Rules files on disk, each test's own, in a temporary directory.
class RuleLoaderFiles : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = dir_.path() / name;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }
  std::string path_of(const std::string& name) const { return (dir_.path() / name).string(); }
  static std::string error_of_file(const std::string& path) {
    try {
      load_rules_file(path);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  }

  static constexpr const char* kRule = "[[rules]]\nid = \"r\"\nregex = 'x'\n";
  test::TempDir dir_;
};

TEST_F(RuleLoaderFiles, AFileThatExtendsItselfIsAnErrorNamingIt) {
  const std::string a = write("a.toml", std::string(kRule) + "[extend]\npath = \"a.toml\"\n");
  EXPECT_EQ(error_of_file(a), a + ":5: [extend] path makes a cycle: " + a + " -> " + a);
  // However the path is spelled.
  const std::string b = write("b.toml", std::string(kRule) + "[extend]\npath = \"./b.toml\"\n");
  EXPECT_EQ(error_of_file(b), b + ":5: [extend] path makes a cycle: " + b + " -> " + path_of("./b.toml"));
}

TEST_F(RuleLoaderFiles, AnExtendCycleNamesEveryFileInIt) {
  const std::string a = write("a.toml", std::string(kRule) + "[extend]\npath = \"b.toml\"\n");
  const std::string b = write("b.toml", "[extend]\npath = \"a.toml\"\n");
  EXPECT_EQ(error_of_file(a), b + ":2: [extend] path makes a cycle: " + a + " -> " + b + " -> " + a);
}

TEST_F(RuleLoaderFiles, AnExtendChainOfMoreThanEightFilesIsAnError) {
  // f0.toml extends f1.toml, ..., f19.toml holds the rule.
  const auto name = [](int i) {
    std::string n = "f";
    n += std::to_string(i);
    n += ".toml";
    return n;
  };
  std::vector<std::string> files;
  files.reserve(20);
  for (int i = 0; i < 20; ++i) {
    files.push_back(write(name(i), i == 19 ? kRule : "[extend]\npath = \"" + name(i + 1) + "\"\n"));
  }
  std::string chain;
  for (int i = 0; i <= 8; ++i) {
    if (i > 0) chain += " -> ";
    chain += files[i];
  }
  EXPECT_EQ(error_of_file(files[0]), files[7] + ":2: [extend] path: a chain of more than 8 rules files: " + chain);
  // Eight files load: the last of them holds the rule.
  EXPECT_EQ(error_of_file(files[12]), "no error");
  EXPECT_EQ(load_rules_file(files[12]).rules.rules.size(), 1u);
}

TEST_F(RuleLoaderFiles, ExtendPathsAreRelativeToTheExtendingFile) {
  const std::string a = write("sub/a.toml", "[extend]\npath = \"b.toml\"\n");
  write("sub/b.toml", std::string(kRule) + "[allowlist]\npaths = ['vendor/']\n");
  write("b.toml", "[[rules]]\nid = \"wrong-b\"\nregex = 'y'\n");
  const RuleLoad load = load_rules_file(a);
  ASSERT_EQ(load.rules.rules.size(), 1u);
  EXPECT_EQ(load.rules.rules[0].id, "r");
  EXPECT_EQ(load.rules.rules[0].source, path_of("sub/b.toml") + ":1");
  EXPECT_EQ(load.rules.allowlists.size(), 1u);
  EXPECT_EQ(load.rules.origin, a);
  // load_rules_text resolves them against its base directory.
  EXPECT_EQ(load_rules_text("[extend]\npath = \"b.toml\"\n", "text", path_of("sub")).rules.rules[0].id, "r");
}

TEST_F(RuleLoaderFiles, AnExtendedFileMayHoldOnlyAllowlists) {
  write("allow.toml", "[allowlist]\npaths = ['vendor/']\n");
  const std::string a = write("a.toml", std::string(kRule) + "[extend]\npath = \"allow.toml\"\n");
  const RuleLoad load = load_rules_file(a);
  EXPECT_EQ(load.rules.rules.size(), 1u);
  EXPECT_EQ(load.rules.allowlists.size(), 1u);
  EXPECT_FALSE(load.extends_builtin);
}

TEST_F(RuleLoaderFiles, SaysWhenTheBuiltInRulesAreExtendedThroughAnyFile) {
  write("base.toml", "[extend]\nuseDefault = true\n");
  const RuleLoad load = load_rules_file(write("a.toml", std::string(kRule) + "[extend]\npath = \"base.toml\"\n"));
  EXPECT_TRUE(load.extends_builtin);
  EXPECT_EQ(load.rules.rules.size(), load_builtin_rules().rules.rules.size() + 1);
}

TEST_F(RuleLoaderFiles, DevicesFifosAndDirectoriesAreNotRead) {
  const auto started = std::chrono::steady_clock::now();
  const std::string zero = write("zero.toml", std::string(kRule) + "[extend]\npath = \"/dev/zero\"\n");
  EXPECT_EQ(error_of_file(zero), "/dev/zero: cannot read the rules file: it is a character device, not a regular file");
  const std::string fifo = path_of("fifo.toml");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string to_fifo = write("to-fifo.toml", std::string(kRule) + "[extend]\npath = \"fifo.toml\"\n");
  EXPECT_EQ(error_of_file(to_fifo), fifo + ": cannot read the rules file: it is a FIFO, not a regular file");
  EXPECT_EQ(error_of_file(fifo), fifo + ": cannot read the rules file: it is a FIFO, not a regular file");
  EXPECT_EQ(error_of_file(dir_.path().string()),
            dir_.path().string() + ": cannot read the rules file: it is a directory, not a regular file");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(RuleLoaderFiles, AFileOverSixteenMebibytesIsNotRead) {
  const std::string big = write("big.toml", kRule);
  std::filesystem::resize_file(big, kMaxRulesFileBytes + 1);
  EXPECT_EQ(error_of_file(big), big + ": the rules file is larger than 16 MiB");
  const std::string to_big = write("to-big.toml", std::string(kRule) + "[extend]\npath = \"big.toml\"\n");
  EXPECT_EQ(error_of_file(to_big), big + ": the rules file is larger than 16 MiB");
}

TEST_F(RuleLoaderFiles, AnEmptyFileIsAnErrorNamingIt) {
  const std::string empty = write("empty.toml", "");
  EXPECT_EQ(error_of_file(empty), empty +
                                      ": no rules: it would scan for nothing (define [[rules]], or [extend] useDefault "
                                      "= true for the built-in rules)");
}

}  // namespace
}  // namespace trawl
