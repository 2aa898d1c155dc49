// Scans outside the history: `trawl protect --staged` (what the index adds on
// top of HEAD, at the staged file's line numbers), `trawl dir PATH` (limits
// honoured, no symlink followed) and `trawl dir -` (standard input).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "cli/progress.h"
#include "engine/scanner.h"
#include "scan/scans.h"
#include "source/files/directory_files.h"
#include "support/child_process.h"
#include "support/git_fixture.h"
#include "support/scan_counts.h"
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

class FileScan : public ::testing::Test {
 protected:
  using RuleAt = std::tuple<std::string, int, std::string>;  // path, line, rule id

  // Where `trawl dir ROOT` with the built-in rules reports a finding.
  std::set<RuleAt> builtin_findings_of_dir(const std::filesystem::path& root) {
    const CommandResult r = run_command(
        shell_quote(TRAWL_BINARY) + " dir " + shell_quote(root.string()) + " --no-repo-config -f json", dir_.path());
    EXPECT_EQ(r.exit_code, 1) << r.err;
    std::set<RuleAt> found;
    const auto doc = nlohmann::json::parse(r.out);
    for (const auto& f : doc["findings"]) {
      found.insert({f["path"].get<std::string>(), f["line"].get<int>(), f["rule_id"].get<std::string>()});
    }
    return found;
  }

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
  EXPECT_NE(cli.out.find("test-token  config.py:7  (high)\n  secret  "), std::string::npos) << cli.out;
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

TEST_F(FileScan, StagedReadsTheIndexBlobOfFilesMarkedAssumeUnchangedOrSkipWorktree) {
  GitRepo repo(dir_.path() / "repo");
  repo.write("kept.txt", "nothing\n");
  repo.commit("base");
  repo.write("hidden.env", "H=" + kNewFile + "\n");
  repo.write("kept.txt", "nothing\nK=" + kStaged + "\n");
  repo.git("add hidden.env kept.txt");
  repo.git("update-index --assume-unchanged hidden.env");
  repo.git("update-index --skip-worktree kept.txt");

  EXPECT_EQ(
      places(scan_staged(options(repo.path()), log_)),
      (std::vector<Place>{{"hidden.env", 1, "hidden.env:test-token:1"}, {"kept.txt", 2, "kept.txt:test-token:2"}}));
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

TEST_F(FileScan, ScanTakesABareGitDirectoryWithoutAConfigFileAsGiven) {
  GitRepo repo(dir_.path() / "repo");
  repo.write("a.env", "A=" + kOld + "\n");
  repo.commit("base");
  // A mirror of the objects and refs alone, as some tools copy them: no
  // config file says it is bare.
  const auto mirror = dir_.path() / "mirror" / "repo.git";
  repo.git("clone -q --bare . " + shell_quote(mirror.string()));
  std::filesystem::remove(mirror / "config");
  const CommandResult scan = trawl("scan " + shell_quote(mirror.string()) + " -f json", dir_.path());
  EXPECT_EQ(scan.exit_code, 1) << scan.err;
  EXPECT_EQ(nlohmann::json::parse(scan.out)["findings"][0]["path"], "a.env");
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

// Stage 1 scores token runs only on lines naming a credential, and in whole
// files that a token rule with a path applies to: the built-in credential-file
// rule still reports a value whose key names no credential.
TEST_F(FileScan, TheTokenScanStillReadsCredentialFilesWhole) {
  const auto root = dir_.path() / "tree";
  std::filesystem::create_directories(root);
  std::ofstream(root / "deploy.env") << "APP=billing\nSTRIPE_LIVE=Hq7Zt2LmX9vB4pKc8Wn3Rd\n";
  std::ofstream(root / "notes.txt") << "STRIPE_LIVE=Hq7Zt2LmX9vB4pKc8Wn3Rd\n";
  std::ofstream(root / "app.py") << "import os\nmail_pw = \"Zk3vB8qLm2Rt9Wx4Yp\"\n";
  EXPECT_EQ(builtin_findings_of_dir(root),
            (std::set<RuleAt>{{"deploy.env", 2, "generic-high-entropy-in-credential-file"},
                              {"app.py", 2, "generic-high-entropy-assignment"}}));
}

// A Kubernetes Secret's value is the secret itself: at a manifest's path the
// Secret check's hit stands for it, and a generic rule's hit of the same
// span gives way; the same bytes elsewhere keep the generic hit.
TEST_F(FileScan, ASecretManifestsValueIsReportedOnceAndTheSameBytesElsewhereStill) {
  const auto root = dir_.path() / "tree";
  std::filesystem::create_directories(root);
  const std::string manifest =
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ledger\nstringData:\n  api-token: \"8jzPde0IgxLd6GncfBAepf\"\n";
  std::ofstream(root / "ledger.yaml") << manifest;
  std::ofstream(root / "ledger.txt") << manifest;
  EXPECT_EQ(builtin_findings_of_dir(root),
            (std::set<RuleAt>{{"ledger.yaml", 6, "kubernetes-secret-value"}, {"ledger.txt", 6, "generic-api-key"}}));
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
  std::istringstream lines(cli.out);
  std::string finding;
  std::string secret;
  std::getline(lines, finding);
  std::getline(lines, secret);
  EXPECT_EQ(nlohmann::json::parse(finding)["line"], 2);
  EXPECT_EQ(nlohmann::json::parse(secret)["type"], "secret");
}

TEST_F(FileScan, DirRejectsAPathThatIsNotADirectory) {
  const CommandResult r = trawl("dir " + shell_quote((dir_.path() / "missing").string()), dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is not a directory"), std::string::npos) << r.err;
}

// What the walk and the reads recorded, one "reason id: detail" a line.
std::string skip_lines(const SkipLog& skips) {
  std::string out;
  for (const SkippedObject& s : skips.entries()) {
    out += std::string(skip_reason_name(s.reason)) + " " + s.id + ": " + s.detail + "\n";
  }
  return out;
}

std::string joined(const std::vector<std::string>& paths) {
  std::string out;
  for (const std::string& p : paths) out += p + " ";
  return out;
}

TEST_F(FileScan, DirCountsUnreadableDirectoriesAndFilesAndScansTheRest) {
  const auto root = dir_.path() / "tree";
  std::filesystem::create_directories(root / "locked");
  std::ofstream(root / "ok.txt") << "key=" << kStaged << "\n";
  std::ofstream(root / "locked" / "hidden.txt") << "key=" << kOld << "\n";
  std::ofstream(root / "unreadable.txt") << "key=" << kOld << "\n";
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                                std::filesystem::perms::group_exec |
                                                std::filesystem::perms::others_read |
                                                std::filesystem::perms::others_exec);
  std::filesystem::permissions(root / "locked", std::filesystem::perms::none);
  std::filesystem::permissions(root / "unreadable.txt", std::filesystem::perms::none);
  // As root every file is readable: the walk runs as another user there.
  test::ChildLimits limits;
  if (geteuid() == 0) limits.user = 65534;
  const test::ChildOutcome outcome = test::run_in_child(
      [&] {
        SkipLog skips;
        const DirectoryListing listing = list_directory(root.string(), skips);
        std::string read;
        for (const std::string& path : listing.paths) {
          std::string contents;
          if (read_scannable_file(root.string(), path, 1024, skips, contents)) read += path + " ";
        }
        return joined(listing.paths) + "| " + read + "|\n" + skip_lines(skips);
      },
      limits);
  std::filesystem::permissions(root / "locked", std::filesystem::perms::owner_all);
  ASSERT_TRUE(outcome.completed) << outcome.output;
  EXPECT_EQ(outcome.output,
            "ok.txt unreadable.txt | ok.txt |\n"
            "unreadable_path locked/: Permission denied\n"
            "unreadable_path unreadable.txt: Permission denied\n");
}

TEST_F(FileScan, DirCountsPathsLongerThanPathMax) {
  const auto root = dir_.path() / "tree";
  std::filesystem::create_directories(root);
  std::ofstream(root / "top.txt") << "key=" << kStaged << "\n";
  // 30 levels of 200-byte names: 6000 bytes, past PATH_MAX (4096). Made and
  // removed through descriptors, as no path reaches the bottom.
  const std::string name(200, 'd');
  std::vector<int> fds{open(root.c_str(), O_RDONLY | O_DIRECTORY)};
  for (int level = 0; level < 30; ++level) {
    ASSERT_EQ(mkdirat(fds.back(), name.c_str(), 0755), 0);
    fds.push_back(openat(fds.back(), name.c_str(), O_RDONLY | O_DIRECTORY));
    ASSERT_GE(fds.back(), 0);
  }
  const int deep = openat(fds.back(), "deep.txt", O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(deep, 0);
  ASSERT_EQ(write(deep, "k=tok_d1e2e3p4x5y6z7a8b9c0\n", 27), 27);
  close(deep);

  SkipLog skips;
  const DirectoryListing listing = list_directory(root.string(), skips);
  // The 20th level's path is 20 * 201 - 1 = 4019 bytes long; the 21st's, 4220.
  std::string too_long;
  for (int level = 0; level < 21; ++level) too_long += (level > 0 ? "/" : "") + name;
  EXPECT_EQ(joined(listing.paths), "top.txt ");
  EXPECT_EQ(skip_lines(skips), "unreadable_path " + too_long + "/: the path is longer than PATH_MAX\n");

  FileScanOptions o = options(root);
  const ScanResult result = scan_directory(o, std::cin, log_);
  EXPECT_EQ(places(result), (std::vector<Place>{{"top.txt", 1, "top.txt:test-token:1"}}));
  EXPECT_EQ(skipped(result, "unreadable_path"), 1u);

  ASSERT_EQ(unlinkat(fds.back(), "deep.txt", 0), 0);
  for (std::size_t i = fds.size() - 1; i > 0; --i) {
    close(fds[i]);
    ASSERT_EQ(unlinkat(fds[i - 1], name.c_str(), AT_REMOVEDIR), 0);
  }
  close(fds[0]);
}

TEST_F(FileScan, DirCountsAFileDescriptorLimitHitDuringTheWalkOrARead) {
  const auto root = dir_.path() / "tree";
  std::filesystem::create_directories(root / "sub");
  std::ofstream(root / "a.txt") << "a\n";
  std::ofstream(root / "sub" / "b.txt") << "b\n";
  // One descriptor: the root's own; listing it needs a second.
  test::ChildOutcome outcome = test::run_in_child(
      [&] {
        SkipLog skips;
        const std::string listed = joined(list_directory(root.string(), skips).paths);
        return listed + "|\n" + skip_lines(skips);
      },
      {0, 1, std::nullopt});
  ASSERT_TRUE(outcome.completed) << outcome.output;
  EXPECT_EQ(outcome.output, "|\nunreadable_path ./: no file descriptor left: Too many open files\n");
  // Two: the walk completes; a read with none left is skipped, the next goes on.
  outcome = test::run_in_child(
      [&] {
        SkipLog skips;
        const DirectoryListing listing = list_directory(root.string(), skips);
        std::string read;
        std::string contents;
        const int a = open("/dev/null", O_RDONLY);
        const int b = open("/dev/null", O_RDONLY);
        if (read_scannable_file(root.string(), listing.paths[0], 1024, skips, contents)) read += listing.paths[0];
        close(a);
        close(b);
        if (read_scannable_file(root.string(), listing.paths[1], 1024, skips, contents)) read += listing.paths[1];
        return joined(listing.paths) + "| " + read + "\n" + skip_lines(skips);
      },
      {0, 2, std::nullopt});
  ASSERT_TRUE(outcome.completed) << outcome.output;
  EXPECT_EQ(outcome.output,
            "a.txt sub/b.txt | sub/b.txt\nunreadable_path a.txt: no file descriptor left: Too many open files\n");
}

TEST_F(FileScan, DirSkipsWhatIsNoLongerARegularFileAndReadsProcStyleFiles) {
  const auto root = dir_.path() / "tree";
  std::filesystem::create_directories(root);
  std::ofstream(root / "gone.txt") << "x\n";
  ASSERT_EQ(mkfifo((root / "fifo").c_str(), 0600), 0);
  SkipLog skips;
  const DirectoryListing listing = list_directory(root.string(), skips);
  EXPECT_EQ(joined(listing.paths), "gone.txt ");
  EXPECT_EQ(listing.special_files, 1u);
  // Between the listing and the read, the file became a directory; and a
  // FIFO is never opened for a blocking read.
  std::filesystem::remove(root / "gone.txt");
  std::filesystem::create_directory(root / "gone.txt");
  std::string contents;
  EXPECT_FALSE(read_scannable_file(root.string(), "gone.txt", 1024, skips, contents));
  EXPECT_FALSE(read_scannable_file(root.string(), "fifo", 1024, skips, contents));
  EXPECT_EQ(skip_lines(skips),
            "unreadable_path fifo: no longer a regular file\nunreadable_path gone.txt: no longer a regular file\n");
  // A file whose size says 0 is read to its end.
  SkipLog proc_skips;
  ASSERT_TRUE(read_scannable_file("/proc/self", "status", 1 << 20, proc_skips, contents));
  EXPECT_TRUE(contents.starts_with("Name:")) << contents;
}

// Standard input that never ends: `trawl dir -` stops at the size limit.
class EndlessBuffer : public std::streambuf {
 public:
  EndlessBuffer() : line_(1 << 16, 'x') { setg(line_.data(), line_.data(), line_.data() + line_.size()); }

 protected:
  int_type underflow() override {
    if (++refills_ > (1 << 16)) return traits_type::eof();  // 4 GiB: a broken limit still ends
    setg(line_.data(), line_.data(), line_.data() + line_.size());
    return traits_type::to_int_type(line_[0]);
  }

 private:
  std::string line_;
  std::size_t refills_ = 0;
};

TEST_F(FileScan, DirDashChecksTheSizeLimitWhileReading) {
  const test::ChildOutcome outcome = test::run_in_child(
      [] {
        EndlessBuffer endless;
        std::istream in(&endless);
        SkipLog skips;
        std::string contents;
        const bool read = read_scannable_stream(in, "stdin", std::uint64_t{1} << 20, skips, contents);
        return std::string(read ? "read " : "not read ") + std::to_string(contents.size()) + "\n" + skip_lines(skips);
      },
      {std::size_t{64} << 20, std::nullopt, std::nullopt});
  ASSERT_TRUE(outcome.completed) << outcome.output;
  EXPECT_EQ(outcome.output, "not read 1048576\ntoo_large stdin: over 1048576 bytes\n");
}

TEST_F(FileScan, ABlobWithMoreHitsThanStageTwoKeepsIsReportedTruncated) {
  const auto root = dir_.path() / "tree";
  std::filesystem::create_directories(root);
  {
    std::ofstream many(root / "many.txt");
    for (std::size_t i = 0; i <= kMaxHitsPerBlob; ++i) {
      std::string n = std::to_string(i);
      many << "tok_" << std::string(20 - n.size(), 'a') << n << "\n";
    }
  }
  FileScanOptions o = options(root);
  o.max_blob_size = 8 << 20;
  const ScanResult result = scan_directory(o, std::cin, log_);
  EXPECT_EQ(result.findings.size(), kMaxHitsPerBlob);
  EXPECT_EQ(skipped(result, "hits_truncated"), 1u);
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
