// `trawl scan URL`: a repository served by a `git daemon` the test starts on
// 127.0.0.1, and one named by a file:// URL, are cloned into a temporary
// mirror, scanned and the mirror removed; bad URLs and failed clones are
// clear errors; a scan interrupted while it clones leaves no mirror behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/git_daemon.h"
#include "support/git_fixture.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

const std::string kSecret = "tok_r1e2m3o4t5e6s7e8c9r0";

class RemoteScan : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "rules.toml") << kTestTokenRule;
    std::filesystem::create_directories(tmp_);
    GitRepo work(dir_.path() / "work");
    work.write("app.env", "TOKEN=" + kSecret + "\n");
    commit_ = work.commit("add app.env");
    work.git("tag v1");
    work.git("checkout -q -b topic");
    work.write("notes.txt", "nothing\n");
    work.commit("topic");
    work.git("clone -q --bare . " + shell_quote((dir_.path() / "served" / "repo.git").string()));
  }

  CommandResult trawl(const std::string& target, const std::string& args = "--report-format json") {
    return run_command("TMPDIR=" + shell_quote(tmp_.string()) + " " + shell_quote(TRAWL_BINARY) + " scan " +
                           shell_quote(target) + " -c " + shell_quote((dir_.path() / "rules.toml").string()) + " " +
                           args,
                       dir_.path());
  }

  bool tmp_is_empty() const { return std::filesystem::is_empty(tmp_); }

  void expect_the_secret_on_every_ref(const CommandResult& r) {
    ASSERT_EQ(r.exit_code, 1) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    ASSERT_EQ(doc["findings"].size(), 1u);
    EXPECT_EQ(doc["findings"][0]["commit"], commit_);
    EXPECT_EQ(doc["findings"][0]["path"], "app.env");
    EXPECT_EQ(doc["secrets"][0]["reachable_from"],
              (nlohmann::json{"refs/heads/main", "refs/heads/topic", "refs/tags/v1"}));
    EXPECT_TRUE(tmp_is_empty());
  }

  TempDir dir_;
  std::filesystem::path tmp_ = dir_.path() / "tmp";
  std::string commit_;
};

TEST_F(RemoteScan, ClonesARepositoryServedByGitDaemonScansItAndRemovesTheMirror) {
  const GitDaemon daemon(dir_.path() / "served");
  const CommandResult r = trawl(daemon.url("repo.git"), "--report-format json -l debug");
  expect_the_secret_on_every_ref(r);
  EXPECT_NE(r.err.find("trawl: scanning a temporary mirror of " + daemon.url("repo.git")), std::string::npos);
}

TEST_F(RemoteScan, ClonesAFileUrl) {
  expect_the_secret_on_every_ref(trawl("file://" + (dir_.path() / "served" / "repo.git").string()));
}

TEST_F(RemoteScan, AFailedCloneIsAnIoErrorAndLeavesNoMirror) {
  const GitDaemon daemon(dir_.path() / "served");
  const CommandResult r = trawl(daemon.url("missing.git"));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("trawl: error: the scan failed: cloning " + daemon.url("missing.git") + ": "), std::string::npos)
      << r.err;
  EXPECT_TRUE(tmp_is_empty());
}

TEST_F(RemoteScan, AnUnusableUrlIsAUsageErrorThatHidesItsPassword) {
  const CommandResult scheme = trawl("ftp://user:hunter2@example.com/repo.git");
  EXPECT_EQ(scheme.exit_code, 2);
  EXPECT_NE(scheme.err.find("'ftp://example.com/repo.git': unsupported URL scheme"), std::string::npos) << scheme.err;
  EXPECT_EQ(scheme.err.find("hunter2"), std::string::npos);
  const CommandResult no_host = trawl("https:///repo.git");
  EXPECT_EQ(no_host.exit_code, 2);
  EXPECT_NE(no_host.err.find("the URL names no host"), std::string::npos) << no_host.err;
  EXPECT_TRUE(tmp_is_empty());
}

TEST_F(RemoteScan, ATerminatedCloneLeavesNoMirror) {
  // A server that accepts the connection and never answers: the clone waits.
  const Listener silent;
  const std::string url = "git://127.0.0.1:" + std::to_string(silent.port()) + "/repo.git";
  const std::string rules = (dir_.path() / "rules.toml").string();
  const std::string tmpdir = "TMPDIR=" + tmp_.string();
  std::vector<std::string> args = {TRAWL_BINARY, "scan", url, "-c", rules};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  std::string tmp_entry = tmpdir;
  envp.push_back(tmp_entry.data());
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("TMPDIR=")) continue;
    envp.push_back(*e);
  }
  envp.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, TRAWL_BINARY, nullptr, nullptr, argv.data(), envp.data()), 0);
  // Bounded: the mirror directory appears as the clone starts.
  for (int i = 0; i < 400 && tmp_is_empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const bool started = !tmp_is_empty();
  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(started);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_TRUE(tmp_is_empty());
}

}  // namespace
}  // namespace trawl::test
