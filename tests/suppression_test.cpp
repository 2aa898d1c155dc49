// Findings suppressed by each mechanism: .trawlignore and .gitleaksignore
// fingerprints, a baseline report (trawl json or gitleaks), an inline allow
// comment, and the rules' allowlists; the summary counts each reason.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "scan/scans.h"
#include "support/git_fixture.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

const std::string kFirst = "tok_s1u2p3p4r5e6s7s8e9d0";
const std::string kSecond = "tok_s2e3c4o5n6d7x8y9z0a1";
const std::string kAllowed = "tok_a1l2l3o4w5e6d7x8y9z0";
const std::string kListed = "tok_l1i2s3t4e5d6x7y8z9a0";
const std::string kRules = std::string(kTestTokenRule) + R"([[rules.allowlists]]
regexes = ['''tok_l1i2''']
)";

class Suppression : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "rules.toml") << kRules;
    repo_ = std::make_unique<GitRepo>(dir_.path() / "repo");
    repo_->write("a.env", "A=" + kFirst + "\nB=" + kAllowed + "  # trawl:allow\nC=" + kListed + "\n");
    repo_->write("b.env", "B=" + kSecond + " # gitleaks:allow\nD=" + kFirst + "\n");
    commit_ = repo_->commit("add envs");
  }

  CommandResult scan(const std::string& args = "") {
    return run_command(shell_quote(TRAWL_BINARY) + " scan " + shell_quote(repo_->path().string()) + " -c " +
                           shell_quote((dir_.path() / "rules.toml").string()) + " -l debug " +
                           (args.find("--report-format") == std::string::npos ? "--report-format json " : "") + args,
                       dir_.path());
  }
  std::vector<std::string> fingerprints(const CommandResult& r) {
    std::vector<std::string> out;
    const auto doc = nlohmann::json::parse(r.out);
    for (const auto& f : doc["findings"]) out.push_back(f["fingerprint"]);
    return out;
  }
  nlohmann::json suppressed(const CommandResult& r) { return nlohmann::json::parse(r.out)["scan"]["suppressed"]; }

  TempDir dir_;
  std::unique_ptr<GitRepo> repo_;
  std::string commit_;
};

TEST_F(Suppression, InlineAllowCommentsAndAllowlistsDropFindingsAndAreCounted) {
  const CommandResult r = scan();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(fingerprints(r),
            (std::vector<std::string>{commit_ + ":a.env:test-token:1", commit_ + ":b.env:test-token:2"}));
  EXPECT_EQ(suppressed(r),
            (nlohmann::json{{"allowlist", 1}, {"ignore_file", 0}, {"baseline", 0}, {"inline_allow", 2}}));
  EXPECT_EQ(nlohmann::json::parse(r.out)["scan"]["allowlisted"], 1);
  EXPECT_NE(r.err.find("trawl: 2 findings (3 suppressed: allowlist 1, inline allow 2)\n"), std::string::npos) << r.err;
}

TEST_F(Suppression, FingerprintsInATrawlignoreFileAreSuppressed) {
  std::ofstream(repo_->path() / ".trawlignore") << "# reviewed\n" << commit_ << ":a.env:test-token:1\n";
  const CommandResult r = scan();
  EXPECT_EQ(fingerprints(r), std::vector<std::string>{commit_ + ":b.env:test-token:2"});
  EXPECT_EQ(suppressed(r)["ignore_file"], 1);
  EXPECT_NE(r.err.find("trawl: ignoring the fingerprints listed in "), std::string::npos) << r.err;
}

TEST_F(Suppression, AGitleaksignoreEntryWithoutACommitMatchesEveryCommit) {
  std::ofstream(repo_->path() / ".gitleaksignore") << "b.env:test-token:2\n" << commit_ << ":a.env:test-token:1\n";
  const CommandResult r = scan();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(suppressed(r)["ignore_file"], 2);
}

TEST_F(Suppression, ABaselineReportHidesWhatItAlreadyHolds) {
  const auto baseline = dir_.path() / "baseline.json";
  ASSERT_EQ(scan("--report-path " + shell_quote(baseline.string())).exit_code, 1);
  repo_->write("c.env", "E=" + kSecond + "\n");
  const std::string next = repo_->commit("another");
  const CommandResult r = scan("--baseline-path " + shell_quote(baseline.string()));
  EXPECT_EQ(fingerprints(r), std::vector<std::string>{next + ":c.env:test-token:1"});
  EXPECT_EQ(suppressed(r)["baseline"], 2);

  const auto gitleaks = dir_.path() / "gitleaks.json";
  ASSERT_EQ(scan("--report-format gitleaks --redact --report-path " + shell_quote(gitleaks.string())).exit_code, 1);
  const CommandResult again = scan("--baseline-path " + shell_quote(gitleaks.string()));
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(suppressed(again)["baseline"], 3);
}

TEST_F(Suppression, RejectsABaselineThatIsNoReport) {
  const auto bad = dir_.path() / "bad.json";
  std::ofstream(bad) << "{\"not\": \"a report\"}";
  const CommandResult r = scan("--baseline-path " + shell_quote(bad.string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err.substr(r.err.find("trawl: error:")),
            "trawl: error: " + bad.string() + ": not a trawl json or gitleaks report\n");
}

// The scanned root's ignore files: only regular files inside it are read,
// bounded; anything else is passed over with a warning naming it.
class IgnoreFiles : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(root()); }
  std::filesystem::path root() const { return dir_.path() / "root"; }
  std::string ignore_file() const { return (root() / ".trawlignore").string(); }
  std::string load() {
    std::ostringstream log;
    load_suppressions(root().string(), "", log);
    return log.str();
  }

  TempDir dir_;
};

TEST_F(IgnoreFiles, ASymlinkOutOfTheRootIsNotFollowed) {
  std::ofstream(dir_.path() / "outside") << "a.env:test-token:1\n";
  std::filesystem::create_symlink(dir_.path() / "outside", ignore_file());
  const std::string leads_out = ": the ignore file leads out of " + root().string() +
                                " (a symlink to a file outside it, or to nothing); not read\n";
  EXPECT_EQ(load(), "trawl: warning: " + ignore_file() + leads_out);
  // /dev/stdin would block on a terminal or a pipe.
  std::filesystem::remove(ignore_file());
  std::filesystem::create_symlink("/dev/stdin", ignore_file());
  EXPECT_EQ(load(), "trawl: warning: " + ignore_file() + leads_out);
  // /dev/zero would be read until memory runs out.
  const std::string gitleaksignore = (root() / ".gitleaksignore").string();
  std::filesystem::remove(ignore_file());
  std::filesystem::create_symlink("/dev/zero", gitleaksignore);
  EXPECT_EQ(load(), "trawl: warning: " + gitleaksignore + leads_out);
}

TEST_F(IgnoreFiles, ASymlinkThatStaysInTheRootIsRead) {
  std::ofstream(root() / "reviewed.txt") << "a.env:test-token:1\n";
  std::filesystem::create_symlink(root() / "reviewed.txt", ignore_file());
  EXPECT_EQ(load(), "trawl: ignoring the fingerprints listed in " + ignore_file() + "\n");
}

TEST_F(IgnoreFiles, AFifoADirectoryOrAnOversizedFileIsNotRead) {
  ASSERT_EQ(mkfifo(ignore_file().c_str(), 0600), 0);
  EXPECT_EQ(load(), "trawl: warning: " + ignore_file() +
                        ": cannot read the ignore file: it is a FIFO, not a regular file; not read\n");
  std::filesystem::remove(ignore_file());
  std::filesystem::create_directory(ignore_file());
  EXPECT_EQ(load(), "trawl: warning: " + ignore_file() +
                        ": cannot read the ignore file: it is a directory, not a regular file; not read\n");
  std::filesystem::remove(ignore_file());
  std::ofstream(ignore_file()) << "a.env:test-token:1\n";
  std::filesystem::resize_file(ignore_file(), kMaxIgnoreFileBytes + 1);
  EXPECT_EQ(load(), "trawl: warning: " + ignore_file() + ": the ignore file is larger than 16 MiB; not read\n");
}

}  // namespace
}  // namespace trawl::test
