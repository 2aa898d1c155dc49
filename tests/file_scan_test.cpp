// Scans outside the history: `trawl protect --staged` (what the index adds on
// top of HEAD, at the staged file's line numbers), `trawl dir PATH` (limits
// honoured, no symlink followed) and `trawl dir -` (standard input).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/progress.h"
#include "scan/scans.h"
#include "support/git_fixture.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

const std::string kOld = "tok_o1l2d3s4e5c6r7e8t9x0";
const std::string kStaged = "tok_s1t2a3g4e5d6x7y8z9a0";
const std::string kNewFile = "tok_n1e2w3f4i5l6e7x8y9z0";
const std::string kUnstaged = "tok_u1n2s3t4a5g6e7d8x9y0";

struct Place {
  std::string path;
  std::uint32_t line;
  std::string fingerprint;
  friend bool operator==(const Place&, const Place&) = default;
};

std::vector<Place> places(const ScanResult& result) {
  std::vector<Place> out;
  for (const Finding& f : result.findings) {
    EXPECT_FALSE(f.commit.has_value());
    out.push_back({f.path, f.start_line, f.fingerprint});
  }
  return out;
}

std::uint64_t skipped(const ScanResult& result, const std::string& reason) {
  for (const auto& [name, count] : result.summary.skipped)
    if (name == reason) return count;
  ADD_FAILURE() << "no skip reason " << reason;
  return 0;
}

class FileScan : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(rules_path()) << kTestTokenRule; }
  std::string rules_path() const { return (dir_.path() / "rules.toml").string(); }
  FileScanOptions options(const std::filesystem::path& path) const {
    FileScanOptions o;
    o.path = path.string();
    o.config_path = rules_path();
    o.max_blob_size = 1024;
    return o;
  }
  CommandResult trawl(const std::string& args, const std::filesystem::path& cwd) {
    return run_command(shell_quote(TRAWL_BINARY) + " " + args + " -c " + shell_quote(rules_path()), cwd);
  }

  TempDir dir_;
  std::ostringstream log_;
};

TEST_F(FileScan, StagedReportsOnlyWhatTheIndexAddsAtTheStagedLineNumbers) {
  GitRepo repo(dir_.path() / "repo");
  repo.write("config.py", "import os\n\nTOKEN = \"" + kOld + "\"\n");
  repo.commit("base");
  repo.write("config.py", "# one\n# two\nimport os\n\nTOKEN = \"" + kOld + "\"\n\nNEW = \"" + kStaged + "\"\n");
  repo.write("dir/new.env", "# new\nX=" + kNewFile + "\n");
  repo.git("add config.py dir/new.env");
  repo.write("unstaged.env", "U=" + kUnstaged + "\n");

  const ScanResult result = scan_staged(options(repo.path()), log_);
  EXPECT_EQ(places(result), (std::vector<Place>{{"config.py", 7, "config.py:test-token:7"},
                                                {"dir/new.env", 2, "dir/new.env:test-token:2"}}));
  EXPECT_EQ(result.summary.blobs_scanned, 2u);

  const CommandResult cli = trawl("protect --staged " + shell_quote(repo.path().string()), dir_.path());
  EXPECT_EQ(cli.exit_code, 1) << cli.err;
  EXPECT_NE(cli.out.find("test-token  config.py:7\n  secret  "), std::string::npos) << cli.out;
  EXPECT_EQ(cli.out.find("commit"), std::string::npos) << cli.out;

  repo.commit("take it");
  EXPECT_EQ(trawl("protect --staged", repo.path()).exit_code, 0);
}

TEST_F(FileScan, StagedWorksBeforeTheFirstCommit) {
  GitRepo repo(dir_.path() / "fresh");
  repo.write("a.env", "A=" + kStaged + "\n");
  repo.git("add a.env");
  EXPECT_EQ(places(scan_staged(options(repo.path()), log_)), (std::vector<Place>{{"a.env", 1, "a.env:test-token:1"}}));
}

TEST_F(FileScan, ProtectWithoutStagedScansTheWorkTreeOverTheIndex) {
  GitRepo repo(dir_.path() / "repo");
  repo.write("config.py", "import os\nTOKEN = \"" + kOld + "\"\n");
  repo.commit("base");
  repo.write("staged.env", "S=" + kStaged + "\n");
  repo.git("add staged.env");
  repo.write("config.py", "import os\nTOKEN = \"" + kOld + "\"\nNEW = \"" + kUnstaged + "\"\n");
  repo.write("untracked.env", "U=" + kNewFile + "\n");

  FileScanOptions unstaged = options(repo.path());
  unstaged.changes = PendingChanges::kUnstaged;
  EXPECT_EQ(places(scan_staged(unstaged, log_)), (std::vector<Place>{{"config.py", 3, "config.py:test-token:3"}}));

  const CommandResult cli = trawl("protect -f json", repo.path());
  EXPECT_EQ(cli.exit_code, 1) << cli.err;
  const auto doc = nlohmann::json::parse(cli.out);
  ASSERT_EQ(doc["findings"].size(), 1u) << cli.out;
  EXPECT_EQ(doc["findings"][0]["path"], "config.py");
  EXPECT_EQ(doc["findings"][0]["line"], 3);
  repo.git("add config.py");
  EXPECT_EQ(trawl("protect", repo.path()).exit_code, 0);
}

TEST_F(FileScan, ScanAndProtectWorkFromASubdirectoryOfTheWorkTree) {
  GitRepo repo(dir_.path() / "repo");
  repo.write("deep/er/a.env", "A=" + kOld + "\n");
  repo.commit("base");
  repo.write("deep/er/b.env", "B=" + kStaged + "\n");
  repo.git("add deep/er/b.env");
  const auto sub = repo.path() / "deep" / "er";
  const CommandResult scan = trawl("scan -f json", sub);
  EXPECT_EQ(scan.exit_code, 1) << scan.err;
  EXPECT_EQ(nlohmann::json::parse(scan.out)["findings"][0]["path"], "deep/er/a.env");
  const CommandResult staged = trawl("protect --staged -f json", sub);
  EXPECT_EQ(staged.exit_code, 1) << staged.err;
  EXPECT_EQ(nlohmann::json::parse(staged.out)["findings"][0]["path"], "deep/er/b.env");
}

TEST_F(FileScan, DirTakesASingleFileAndFollowsFileLinksOnlyWhenAsked) {
  const auto root = dir_.path() / "tree";
  std::filesystem::create_directories(root);
  std::ofstream(root / "one.env") << "# one\nX=" << kStaged << "\n";
  std::ofstream(dir_.path() / "target.env") << "Y=" << kOld << "\n";
  std::filesystem::create_symlink(dir_.path() / "target.env", root / "link.env");

  const CommandResult file = trawl("dir " + shell_quote((root / "one.env").string()) + " -f json", dir_.path());
  EXPECT_EQ(file.exit_code, 1) << file.err;
  const auto doc = nlohmann::json::parse(file.out);
  ASSERT_EQ(doc["findings"].size(), 1u);
  EXPECT_EQ(doc["findings"][0]["path"], "one.env");
  EXPECT_EQ(doc["findings"][0]["line"], 2);

  const CommandResult plain = trawl("dir " + shell_quote(root.string()) + " -f json", dir_.path());
  EXPECT_EQ(nlohmann::json::parse(plain.out)["findings"].size(), 1u) << plain.out;
  const CommandResult followed = trawl("dir " + shell_quote(root.string()) + " -f json --follow-symlinks", dir_.path());
  std::set<std::string> paths;
  const auto doc_followed = nlohmann::json::parse(followed.out);
  for (const auto& f : doc_followed["findings"]) paths.insert(f["path"].get<std::string>());
  EXPECT_EQ(paths, (std::set<std::string>{"link.env", "one.env"}));
}

TEST_F(FileScan, DirHonoursLimitsAndFollowsNoSymlink) {
  const auto root = dir_.path() / "tree";
  const auto outside = dir_.path() / "outside.txt";
  std::filesystem::create_directories(root / "a");
  std::filesystem::create_directories(root / ".git");
  std::ofstream(root / "a" / "b.txt") << "# b\nkey=" << kStaged << "\n";
  std::ofstream(root / "big.txt") << kOld << "\n" << std::string(2000, 'x') << "\n";
  std::ofstream(root / "data.bin", std::ios::binary) << std::string("\0\0bin ", 6) << kOld << "\n";
  std::ofstream(root / ".git" / "config") << kOld << "\n";
  std::ofstream(outside) << kUnstaged << "\n";
  std::filesystem::create_symlink(outside, root / "escape.txt");
  std::filesystem::create_symlink(dir_.path(), root / "up");
  std::filesystem::create_symlink(root / "a" / "b.txt", root / "inside.txt");

  const ScanResult result = scan_directory(options(root), std::cin, log_);
  EXPECT_EQ(places(result), (std::vector<Place>{{"a/b.txt", 2, "a/b.txt:test-token:2"}}));
  EXPECT_EQ(skipped(result, "too_large"), 1u);
  EXPECT_EQ(skipped(result, "binary"), 1u);
  EXPECT_EQ(skipped(result, "symlink"), 3u);
  EXPECT_EQ(result.summary.blobs_scanned, 1u);

  const CommandResult cli = trawl("dir " + shell_quote(root.string()) + " --report-format csv", dir_.path());
  EXPECT_EQ(cli.exit_code, 1) << cli.err;
  EXPECT_NE(cli.out.find("test-token,,a/b.txt,," + kStaged), std::string::npos) << cli.out;
}

TEST_F(FileScan, DirDashReadsStandardInput) {
  std::istringstream in("first\nsecond " + kNewFile + "\n");
  const ScanResult result = scan_directory(options("-"), in, log_);
  EXPECT_EQ(places(result), (std::vector<Place>{{"stdin", 2, "stdin:test-token:2"}}));

  const CommandResult cli = run_command("printf 'x\\ny=" + kNewFile + "\\n' | " + shell_quote(TRAWL_BINARY) +
                                            " dir - --report-format jsonl -c " + shell_quote(rules_path()),
                                        dir_.path());
  EXPECT_EQ(cli.exit_code, 1) << cli.err;
  EXPECT_EQ(nlohmann::json::parse(cli.out)["line"], 2);
}

TEST_F(FileScan, DirRejectsAPathThatIsNotADirectory) {
  const CommandResult r = trawl("dir " + shell_quote((dir_.path() / "missing").string()), dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is not a directory"), std::string::npos) << r.err;
}

TEST(Progress, DescribesThePhaseCountsRateAndEta) {
  ScanProgress progress;
  progress.walk.commits_loaded = 40;
  progress.walk.commits_compared = 12;
  EXPECT_EQ(progress_text(progress, 0), "trawl: walking refs: 40 commits loaded, 12 compared");
  progress.phase = ScanPhase::kReading;
  progress.walk.commits_compared = 40;
  progress.blobs_total = 400;
  progress.blobs_done = 100;
  progress.bytes_done = 20'000'000;
  EXPECT_EQ(progress_text(progress, 10.0),
            "trawl: reading blobs: 40 commits, 100/400 blobs, 20.0 MB, 2.0 MB/s, ETA 0m30s");
}

}  // namespace
}  // namespace trawl::test
