// Hostile histories: commits, trees, tags and loose objects crafted by hand
// (written byte for byte into the object database) that git's strict
// parsers refuse or that would send a naive walk round forever. The scan
// reads what git shows, counts what is malformed, skips and counts what
// cannot be read, and always ends.
#include <git2.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <fstream>
#include <map>
#include <sstream>

#include "report/scan_summary.h"
#include "scan/scans.h"
#include "source/git/git_handles.h"
#include "source/git/loose_object.h"
#include "source/git/pack_set.h"
#include "source/git/refs.h"
#include "support/git_fixture.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

const std::string kFirst = "tok_f1f2f3f4f5f6f7f8f9f0";
const std::string kSecond = "tok_s1s2s3s4s5s6s7s8s9s0";
const std::string kThird = "tok_t1t2t3t4t5t6t7t8t9t0";

std::string hex_of(const ObjectId& id) { return id.hex(); }

// The 20 raw bytes of a hex id, as a tree entry holds them.
std::string raw_id(const std::string& hex) {
  const ObjectId id = parse_object_id(hex);
  return std::string(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
}

std::string tree_entry(const std::string& mode, const std::string& name, const std::string& id_hex) {
  return mode + " " + name + std::string(1, '\0') + raw_id(id_hex);
}

git_object_t git_type(const std::string& type) {
  if (type == "commit") return GIT_OBJECT_COMMIT;
  if (type == "tree") return GIT_OBJECT_TREE;
  if (type == "tag") return GIT_OBJECT_TAG;
  return GIT_OBJECT_BLOB;
}

std::string hash_of(const std::string& type, const std::string& body) {
  git_oid oid;
  git_odb_hash(&oid, body.data(), body.size(), git_type(type));
  return hex_of(to_object_id(oid));
}

// Writes `body` as a loose object of `type` under the name `name_hex`
// (its own hash unless given): no check of any kind, as a hostile writer
// would.
std::string write_loose(GitRepo& repo, const std::string& type, const std::string& body, std::string name_hex = "") {
  if (name_hex.empty()) name_hex = hash_of(type, body);
  const std::string raw = type + " " + std::to_string(body.size()) + std::string(1, '\0') + body;
  uLongf size = compressBound(raw.size());
  std::string compressed(size, '\0');
  EXPECT_EQ(compress(reinterpret_cast<Bytef*>(compressed.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
                     raw.size()),
            Z_OK);
  compressed.resize(size);
  const auto path = repo.loose_object_path(name_hex);
  std::filesystem::create_directories(path.parent_path());
  std::filesystem::remove(path);
  std::ofstream(path, std::ios::binary) << compressed;
  return name_hex;
}

std::string commit_body(const std::string& tree, const std::vector<std::string>& parents,
                        const std::string& signature) {
  std::string body = "tree " + tree + "\n";
  for (const std::string& p : parents) body += "parent " + p + "\n";
  return body + signature + "\nhand-made commit\n";
}

const std::string kSignature =
    "author A U Thor <author@example.com> 1700000000 +0000\n"
    "committer A U Thor <author@example.com> 1700000000 +0000\n";

class HostileHistory : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "rules.toml") << kTestTokenRule;
    repo_ = std::make_unique<GitRepo>(dir_.path() / "repo");
  }

  std::string blob(const std::string& text) { return write_loose(*repo_, "blob", text); }
  std::string tree_with(const std::string& name, const std::string& text) {
    return write_loose(*repo_, "tree", tree_entry("100644", name, blob(text)));
  }
  void point(const std::string& ref, const std::string& id) {
    const auto path = repo_->git_dir() / ref;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << id << "\n";
  }

  ScanResult scan(std::string* summary = nullptr) {
    GitScanOptions options;
    options.repo_path = repo_->path().string();
    options.config_path = (dir_.path() / "rules.toml").string();
    std::ostringstream log;
    ScanResult result = scan_git_history(options, log);
    if (summary != nullptr) *summary = format_summary(result.summary);
    return result;
  }

  static std::uint64_t count_of(const std::vector<std::pair<std::string, std::uint64_t>>& counts,
                                const std::string& name) {
    for (const auto& [n, count] : counts)
      if (n == name) return count;
    return ~0ull;
  }

  static std::vector<std::string> secrets(const ScanResult& result) {
    std::vector<std::string> out;
    for (const Finding& f : result.findings) out.push_back(f.secret);
    std::sort(out.begin(), out.end());
    return out;
  }

  TempDir dir_;
  std::unique_ptr<GitRepo> repo_;
};

TEST_F(HostileHistory, ScansTheTreeAndParentsOfACommitWithoutAnAuthor) {
  const std::string first =
      write_loose(*repo_, "commit", commit_body(tree_with("a.txt", kFirst + "\n"), {}, kSignature));
  const std::string no_author = write_loose(*repo_, "commit",
                                            commit_body(tree_with("b.txt", kSecond + "\n"), {first},
                                                        "committer A U Thor <author@example.com> 1700000100 +0000\n"));
  const std::string top =
      write_loose(*repo_, "commit", commit_body(tree_with("c.txt", kThird + "\n"), {no_author}, kSignature));
  point("refs/heads/main", top);

  std::string summary;
  const ScanResult result = scan(&summary);
  EXPECT_EQ(secrets(result), (std::vector<std::string>{kFirst, kSecond, kThird}));
  EXPECT_EQ(count_of(result.summary.skipped, "unreadable_ref"), 0u);
  EXPECT_EQ(count_of(result.summary.malformed, "commit"), 1u);
  EXPECT_EQ(count_of(result.summary.malformed, "tree"), 0u);
  ASSERT_EQ(result.malformed.size(), 1u);
  EXPECT_EQ(result.malformed[0].id, no_author);
  EXPECT_EQ(result.malformed[0].detail, "no author line");
  EXPECT_EQ(result.summary.git->commits, 3u);
  EXPECT_NE(summary.find("trawl: read 1 malformed objects as far as they could be read: commit 1\n"), std::string::npos)
      << summary;
}

TEST_F(HostileHistory, ScansACommitWhoseAuthorDateOverflowsAtTheTipOfARef) {
  const std::string tip = write_loose(*repo_, "commit",
                                      commit_body(tree_with("a.txt", kFirst + "\n"), {},
                                                  "author A U Thor <author@example.com> 99999999999999999999999 +0000\n"
                                                  "committer A U Thor <author@example.com> 1700000000 +0000\n"));
  point("refs/heads/main", tip);
  const ScanResult result = scan();
  EXPECT_EQ(secrets(result), (std::vector<std::string>{kFirst}));
  EXPECT_EQ(count_of(result.summary.skipped, "unreadable_ref"), 0u);
  EXPECT_EQ(count_of(result.summary.malformed, "commit"), 1u);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].author, "A U Thor");
  EXPECT_EQ(result.findings[0].date, 0);
}

TEST_F(HostileHistory, ReadsTheEntriesAfterAMalformedTreeEntry) {
  // An empty name, a mode that is not octal, then a well-formed entry.
  const std::string tree = write_loose(*repo_, "tree",
                                       tree_entry("100644", "", blob(kSecond + "\n")) +
                                           tree_entry("10x644", "bad-mode.txt", blob(kThird + "\n")) +
                                           tree_entry("100644", "z.txt", blob(kFirst + "\n")));
  point("refs/heads/main", write_loose(*repo_, "commit", commit_body(tree, {}, kSignature)));
  const ScanResult result = scan();
  EXPECT_EQ(secrets(result), (std::vector<std::string>{kFirst}));
  EXPECT_EQ(count_of(result.summary.malformed, "tree"), 1u);
  ASSERT_EQ(result.malformed.size(), 1u);
  EXPECT_EQ(result.malformed[0].id, tree);
}

TEST_F(HostileHistory, CountsATreeCutShortAndReadsTheEntriesBeforeIt) {
  std::string bytes =
      tree_entry("100644", "a.txt", blob(kFirst + "\n")) + tree_entry("100644", "b.txt", blob(kSecond + "\n"));
  bytes.resize(bytes.size() - 5);
  const std::string tree = write_loose(*repo_, "tree", bytes);
  point("refs/heads/main", write_loose(*repo_, "commit", commit_body(tree, {}, kSignature)));
  const ScanResult result = scan();
  EXPECT_EQ(secrets(result), (std::vector<std::string>{kFirst}));
  EXPECT_EQ(count_of(result.summary.malformed, "tree"), 1u);
}

TEST_F(HostileHistory, RefusesALooseTreeWhoseNameIsNotItsHashAndScansTheRest) {
  // A tree stored under a name of its choosing that lists itself: read
  // under that name, it would contain itself for ever.
  const std::string name = std::string(39, '7') + "1";
  const std::string looped = write_loose(
      *repo_, "tree", tree_entry("40000", "self", name) + tree_entry("100644", "x.txt", blob(kSecond + "\n")), name);
  point("refs/heads/loop", write_loose(*repo_, "commit", commit_body(looped, {}, kSignature)));
  point("refs/heads/main",
        write_loose(*repo_, "commit", commit_body(tree_with("a.txt", kFirst + "\n"), {}, kSignature)));
  const ScanResult result = scan();
  EXPECT_EQ(secrets(result), (std::vector<std::string>{kFirst}));
  EXPECT_EQ(count_of(result.summary.skipped, "corrupt_object"), 1u);
  ASSERT_EQ(result.skipped.size(), 1u);
  EXPECT_EQ(result.skipped[0].id, name);
  EXPECT_NE(result.skipped[0].detail.find("do not hash to the object's id"), std::string::npos);
}

TEST_F(HostileHistory, WalksATree30000LevelsDeepWithoutRecursion) {
  // a.txt at the top; below "d/" 30,000 times, one more secret.
  std::string inner = tree_with("deep.txt", kSecond + "\n");
  for (int level = 0; level < 30000; ++level) inner = write_loose(*repo_, "tree", tree_entry("40000", "d", inner));
  const std::string top =
      write_loose(*repo_, "tree", tree_entry("100644", "a.txt", blob(kFirst + "\n")) + tree_entry("40000", "d", inner));
  point("refs/heads/main", write_loose(*repo_, "commit", commit_body(top, {}, kSignature)));
  const ScanResult result = scan();
  EXPECT_EQ(secrets(result), (std::vector<std::string>{kFirst}));
  EXPECT_EQ(count_of(result.summary.skipped, "corrupt_object"), 1u);
  ASSERT_EQ(result.skipped.size(), 1u);
  EXPECT_NE(result.skipped[0].detail.find("nested deeper than 4096 levels"), std::string::npos);
}

TEST_F(HostileHistory, ReportsATagThatPointsAtItselfAndScansTheOtherRefs) {
  const std::string name = std::string(39, '5') + "a";
  write_loose(*repo_, "tag", "object " + name + "\ntype tag\ntag loop\ntagger A <a@b> 1700000000 +0000\n\nloop\n",
              name);
  point("refs/tags/loop", name);
  point("refs/heads/main",
        write_loose(*repo_, "commit", commit_body(tree_with("a.txt", kFirst + "\n"), {}, kSignature)));
  const ScanResult result = scan();
  EXPECT_EQ(secrets(result), (std::vector<std::string>{kFirst}));
  EXPECT_EQ(count_of(result.summary.skipped, "unreadable_ref"), 1u);
  bool reported = false;
  for (const SkippedObject& s : result.skipped) reported = reported || s.id == "refs/tags/loop";
  EXPECT_TRUE(reported);
}

TEST_F(HostileHistory, FollowsAChainOfTagsOnlySoFar) {
  const std::string commit =
      write_loose(*repo_, "commit", commit_body(tree_with("a.txt", kFirst + "\n"), {}, kSignature));
  std::string target = commit;
  std::string type = "commit";
  std::vector<std::string> tags;
  for (int i = 0; i <= kMaxTagChain; ++i) {
    std::ostringstream tag;
    tag << "object " << target << "\ntype " << type << "\ntag t" << i
        << "\ntagger A <a@b> 1700000000 +0000\n\nchained\n";
    target = write_loose(*repo_, "tag", tag.str());
    type = "tag";
    tags.push_back(target);
  }
  const PackSet packs(repo_->git_dir().string());
  const ObjectStore store(packs);
  RepositoryPtr repo = open_repository(repo_->git_dir().string());
  SkipLog skips;
  std::string problem;
  // kMaxTagChain tags deep: followed to the commit.
  EXPECT_EQ(peel_to_commit(store, repo.get(), parse_object_id(tags[kMaxTagChain - 1]), skips, problem),
            std::optional<ObjectId>(parse_object_id(commit)));
  // One more: refused.
  EXPECT_EQ(peel_to_commit(store, repo.get(), parse_object_id(tags[kMaxTagChain]), skips, problem), std::nullopt);
  EXPECT_EQ(problem, "a chain of more than " + std::to_string(kMaxTagChain) + " tags");
}

// An octopus merge of 4,000 branches, each adding one file: comparing the
// merge with its parents once cost parents times paths (an answer per parent
// per path); it must stay small. Measured in a child process, whose peak
// resident size is its own.
TEST_F(HostileHistory, WalksAnOctopusMergeOfThousandsOfParentsInBoundedMemory) {
  constexpr int kParents = 4000;
  std::ostringstream out;
  for (int i = 0; i < kParents; ++i) out << "blob\nmark :" << i + 1 << "\ndata <<EOF\nfile " << i << "\nEOF\n";
  const std::string who = " A U Thor <author@example.com> 1700000000 +0000\n";
  for (int i = 0; i < kParents; ++i) {
    // Each branch a root commit on one scratch ref, reset in between.
    out << "reset refs/heads/branch\ncommit refs/heads/branch\nmark :" << kParents + i + 1 << "\nauthor" << who
        << "committer" << who << "data 2\nb\nM 100644 :" << i + 1 << " f" << i << ".txt\n\n";
  }
  out << "commit refs/heads/main\nauthor" << who << "committer" << who << "data 2\nm\nfrom :" << kParents + 1 << "\n";
  for (int i = 1; i < kParents; ++i) out << "merge :" << kParents + i + 1 << "\n";
  for (int i = 0; i < kParents; ++i) out << "M 100644 :" << i + 1 << " f" << i << ".txt\n";
  out << "\n";
  std::ofstream(dir_.path() / "import") << out.str();
  repo_->git("fast-import --quiet < " + shell_quote((dir_.path() / "import").string()));
  repo_->git("update-ref -d refs/heads/branch");

  // The whole scan, in a process of its own: its peak resident size is the
  // walk's and the rest of the scan's, nothing of this test's.
  const std::string repo_path = repo_->path().string();
  const std::string rules = (dir_.path() / "rules.toml").string();
  const std::string report = (dir_.path() / "report.json").string();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    execl(TRAWL_BINARY, "trawl", "scan", repo_path.c_str(), "-c", rules.c_str(), "-j", "2", "--no-progress",
          "--report-path", report.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  ASSERT_EQ(wait4(child, &status, 0, &usage), child);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  std::ifstream in(report);
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(json.find("\"commits\": " + std::to_string(kParents + 1)), std::string::npos) << json.substr(0, 400);
  // Comparing with each parent's answers kept would be 16 bytes and more per
  // parent per path: over 250 MB here.
  if (TRAWL_TEST_SANITIZED == 0) {  // a sanitizer's shadow memory is not the release build's
    EXPECT_LT(usage.ru_maxrss, 150 * 1024) << "peak resident KiB";
  }
}

}  // namespace
}  // namespace trawl::test
