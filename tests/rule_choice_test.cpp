// Which rules a scan uses: the operator's --config, the scanned root's own
// rules file (and what trawl says about it), or the built-in rules.
#include "rules/rule_choice.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/git_fixture.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

class RuleChoice : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(root()); }

  std::filesystem::path root() const { return dir_.path() / "repo"; }
  std::string write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
    return path.string();
  }
  RuleLoad choose(const std::string& config, bool allow_root_config = true) {
    RuleRequest request;
    request.config_path = config;
    request.root = root().string();
    request.allow_root_config = allow_root_config;
    return choose_rules(request, log_);
  }
  static std::string builtin_line() {
    return "trawl: using rules from built-in (" + std::to_string(load_builtin_rules().rules.rules.size()) + " rules)\n";
  }

  TempDir dir_;
  std::ostringstream log_;
};

TEST_F(RuleChoice, TheConfigFlagIsTheOnlyFileRead) {
  write(root() / ".gitleaks.toml", "not [ toml");
  write(root() / ".trawl.toml", "not [ toml");
  const std::string config = write(dir_.path() / "mine.toml", std::string(kTestTokenRule));
  const RuleLoad load = choose(config);
  EXPECT_EQ(load.rules.origin, config);
  EXPECT_EQ(log_.str(), "trawl: using rules from " + config + " (1 rules)\n");
  // --no-repo-config changes nothing then.
  log_.str("");
  EXPECT_EQ(choose(config, false).rules.origin, config);
  EXPECT_EQ(log_.str(), "trawl: using rules from " + config + " (1 rules)\n");
}

TEST_F(RuleChoice, ARootConfigThatReplacesTheBuiltInRulesIsAWarning) {
  const std::string file = write(root() / ".gitleaks.toml", std::string(kTestTokenRule));
  const RuleLoad load = choose("");
  EXPECT_EQ(load.rules.rules.size(), 1u);
  EXPECT_EQ(log_.str(),
            "trawl: warning: the repository's .gitleaks.toml replaces the built-in rules (1 rules); --no-repo-config "
            "uses the built-in rules\n"
            "trawl: using rules from " +
                file + " (1 rules)\n");
}

TEST_F(RuleChoice, ARootConfigThatExtendsTheBuiltInRulesSaysSo) {
  const std::string file = write(root() / ".trawl.toml", "[extend]\nuseDefault = true\n" + std::string(kTestTokenRule));
  const std::size_t count = load_builtin_rules().rules.rules.size() + 1;
  EXPECT_EQ(choose("").rules.rules.size(), count);
  EXPECT_EQ(log_.str(), "trawl: the repository's .trawl.toml extends the built-in rules (" + std::to_string(count) +
                            " rules); --no-repo-config uses the built-in rules alone\n"
                            "trawl: using rules from " +
                            file + " (" + std::to_string(count) + " rules)\n");
}

TEST_F(RuleChoice, TrawlTomlComesBeforeGitleaksToml) {
  write(root() / ".gitleaks.toml", "not [ toml");
  const std::string file = write(root() / ".trawl.toml", std::string(kTestTokenRule));
  EXPECT_EQ(choose("").rules.origin, file);
}

TEST_F(RuleChoice, NoRepoConfigUsesTheBuiltInRules) {
  write(root() / ".gitleaks.toml", std::string(kTestTokenRule));
  const RuleLoad load = choose("", false);
  EXPECT_EQ(load.rules.origin, "built-in");
  EXPECT_FALSE(load.extends_builtin);
  EXPECT_EQ(log_.str(), builtin_line());
}

TEST_F(RuleChoice, WithoutARootConfigTheBuiltInRulesAreUsed) {
  EXPECT_EQ(choose("").rules.origin, "built-in");
  EXPECT_EQ(log_.str(), builtin_line());
}

TEST_F(RuleChoice, ASymlinkedRootConfigIsNotFollowed) {
  const std::string outside = write(dir_.path() / "outside.toml", std::string(kTestTokenRule));
  std::filesystem::create_symlink(outside, root() / ".gitleaks.toml");
  EXPECT_EQ(choose("").rules.origin, "built-in");
  EXPECT_EQ(log_.str(), "trawl: warning: " + (root() / ".gitleaks.toml").string() +
                            " is a symlink; not followed (a repository's rules file must be a regular file in it)\n" +
                            builtin_line());
  // The next name is still looked for.
  std::filesystem::create_symlink(outside, root() / ".trawl.toml");
  std::filesystem::remove(root() / ".gitleaks.toml");
  const std::string file = write(root() / ".gitleaks.toml", std::string(kTestTokenRule));
  EXPECT_EQ(choose("").rules.origin, file);
}

TEST_F(RuleChoice, ARootConfigThatIsNotARegularFileIsNotRead) {
  std::filesystem::create_directories(root() / ".gitleaks.toml");
  EXPECT_EQ(choose("").rules.origin, "built-in");
  EXPECT_EQ(log_.str(), "trawl: warning: " + (root() / ".gitleaks.toml").string() +
                            " is not a regular file; not read\n" + builtin_line());
}

TEST_F(RuleChoice, AnEmptyRootConfigIsAnError) {
  const std::string file = write(root() / ".gitleaks.toml", "");
  try {
    choose("");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(file + ": no rules: ")) << e.what();
  }
}

TEST_F(RuleChoice, ARootConfigMayExtendOnlyFilesInsideTheRoot) {
  const std::string outside = write(dir_.path() / "outside.toml", std::string(kTestTokenRule));
  std::filesystem::create_directories(root() / "rules");
  const std::string inside = write(root() / "rules" / "base.toml", std::string(kTestTokenRule));
  const auto error_of = [&](const std::string& extend) {
    const std::string file = write(root() / ".gitleaks.toml", "[extend]\npath = \"" + extend + "\"\n");
    try {
      choose("");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string file = (root() / ".gitleaks.toml").string();
  const std::string leads_out = ": a repository's rules may extend only files in the repository";
  EXPECT_EQ(error_of("../outside.toml"), file + ":2: [extend] path " + (root() / "../outside.toml").string() +
                                             " leads out of " + root().string() + leads_out);
  EXPECT_EQ(error_of(outside), file + ":2: [extend] path " + outside + " leads out of " + root().string() + leads_out);
  EXPECT_EQ(error_of("/dev/zero"), file + ":2: [extend] path /dev/zero leads out of " + root().string() + leads_out);
  // Through a symlink in the repository that leads out of it.
  std::filesystem::create_symlink(outside, root() / "link.toml");
  EXPECT_EQ(error_of("link.toml"), file + ":2: [extend] path " + (root() / "link.toml").string() + " leads out of " +
                                       root().string() + leads_out);
  // A file in the repository, even through a symlink that stays in it.
  EXPECT_EQ(error_of("rules/base.toml"), "no error");
  std::filesystem::create_symlink(inside, root() / "inner.toml");
  EXPECT_EQ(error_of("inner.toml"), "no error");
  // A self-extending file is a cycle, not a crash.
  EXPECT_EQ(error_of(".gitleaks.toml"), file + ":2: [extend] path makes a cycle: " + file + " -> " + file);
}

TEST_F(RuleChoice, TheOperatorsConfigMayExtendFilesAnywhere) {
  const std::string outside = write(dir_.path() / "outside.toml", std::string(kTestTokenRule));
  const std::string config = write(root() / "operator.toml", "[extend]\npath = \"" + outside + "\"\n");
  EXPECT_EQ(choose(config).rules.rules.size(), 1u);
}

}  // namespace
}  // namespace trawl::test
