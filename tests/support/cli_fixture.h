// The trawl binary run as a user runs it, over a repository with one secret
// and a rules file that finds it: the fixture the CLI tests share.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "support/git_fixture.h"
#include "support/test_rules.h"

namespace trawl::test {

inline const std::string kCliSecret = "tok_c1i2c3l4i5c6l7i8c9l0";

class CliFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_ = dir_.path() / "rules.toml";
    std::ofstream(rules_) << kTestTokenRule;
    repo_ = std::make_unique<GitRepo>(dir_.path() / "repo");
    repo_->write("app.env", "# app\nTOKEN=" + kCliSecret + "\n");
    commit_ = repo_->commit("add env");
  }

  // `env` is prepended to the command line (`NAME=value `); `timeout`
  // bounds a run that would otherwise wait forever (exit 124).
  CommandResult trawl(const std::string& args, const std::string& env = "") {
    return run_command(env + "timeout 120 " + shell_quote(TRAWL_BINARY) + " " + args, dir_.path());
  }
  std::string repo() const { return shell_quote(repo_->path().string()); }
  std::string rules() const { return "-c " + shell_quote(rules_.string()); }
  std::string write_rules(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() / name) << text;
    return (dir_.path() / name).string();
  }
  static std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  static bool holds(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

  TempDir dir_;
  std::filesystem::path rules_;
  std::unique_ptr<GitRepo> repo_;
  std::string commit_;
};

}  // namespace trawl::test
