// Secret timelines and scan scopes on one history the test builds: a secret
// introduced on a branch, merged into main, removed on main and still held
// by a tag; a secret in a file main deletes; one secret on several lines and
// in several files; and a range, a branch and a date that cut the history.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <tuple>

#include "content/sha256.h"
#include "scan/scans.h"
#include "support/git_fixture.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

const std::string kBranchSecret = "tok_b1r2a3n4c5h6s7e8c9r0";  // topic, merged, removed on main, tagged
const std::string kKept = "tok_k1e2p3t4s5t6a7y8s9x0";          // topic, merged, never removed
const std::string kDeleted = "tok_d1e2l3e4t5e6d7f8i9l0";       // main, its file deleted
const std::string kRepeated = "tok_r1e2p3e4a5t6e7d8x9y0";      // several lines, several files
const std::string kLate = "tok_l1a2t3e4c5o6m7m8i9t0";          // added by the last commit

struct Place {
  std::string commit;
  std::string path;
  std::uint32_t line;
  // clang-tidy 14 mistakes the defaulted <=> for a literal 0 compared as a pointer.
  friend auto operator<=>(const Place&, const Place&) = default;  // NOLINT(modernize-use-nullptr)
};

class Timeline : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "rules.toml") << kTestTokenRule;
    repo_ = std::make_unique<GitRepo>(dir_.path() / "repo");
    GitRepo& r = *repo_;
    r.write("a.txt", kRepeated + "\nplain\nx=" + kRepeated + " y=" + kRepeated + "\n");
    r.write("b.txt", "b: " + kRepeated + "\n");
    c1_ = r.commit("base");
    r.git("checkout -q -b topic");
    r.write("app.env", "# app\nTOKEN=" + kBranchSecret + "\nKEEP=" + kKept + "\n");
    t1_ = r.commit("topic: add app.env");
    r.git("checkout -q main");
    r.write("old.key", kDeleted + "\n");
    c2_ = r.commit("main: add old.key");
    r.git("merge -q --no-ff -m merge-topic topic");
    m1_ = r.head();
    r.git("tag v1");
    r.write("app.env", "# app\nTOKEN=rotated\nKEEP=" + kKept + "\nLATE=" + kLate + "\n");
    r.remove("old.key");
    r1_ = r.commit("main: rotate and delete");
  }

  ScanResult scan(const HistoryScope& scope = {}) {
    GitScanOptions options;
    options.repo_path = repo_->path().string();
    options.config_path = (dir_.path() / "rules.toml").string();
    options.scope = scope;
    std::ostringstream log;
    return scan_git_history(options, log);
  }

  static std::vector<Place> places(const ScanResult& result) {
    std::vector<Place> out;
    for (const Finding& f : result.findings) out.push_back({f.commit_hex(), f.path, f.start_line});
    std::sort(out.begin(), out.end());
    return out;
  }

  static const SecretTimeline& timeline_of(const ScanResult& result, const std::string& secret) {
    auto it = std::find_if(result.secrets.begin(), result.secrets.end(),
                           [&](const SecretTimeline& t) { return t.secret == secret; });
    if (it == result.secrets.end()) throw std::runtime_error("no timeline for " + secret);
    return *it;
  }

  static std::vector<Place> sorted(std::vector<Place> p) {
    std::sort(p.begin(), p.end());
    return p;
  }

  TempDir dir_;
  std::unique_ptr<GitRepo> repo_;
  std::string c1_, t1_, c2_, m1_, r1_;
};

TEST_F(Timeline, ReportsOneFindingPerLineAndPerFileWhereTheSecretEntered) {
  const ScanResult result = scan();
  EXPECT_EQ(places(result), sorted({{c1_, "a.txt", 1},
                                    {c1_, "a.txt", 3},
                                    {c1_, "b.txt", 1},
                                    {t1_, "app.env", 2},
                                    {t1_, "app.env", 3},
                                    {c2_, "old.key", 1},
                                    {r1_, "app.env", 4}}));
  EXPECT_EQ(result.summary.git->commits, 5u);
}

TEST_F(Timeline, FollowsASecretFromItsBranchThroughTheMergeToItsRemovalAndTheTagThatStillHoldsIt) {
  const ScanResult result = scan();
  const SecretTimeline& t = timeline_of(result, kBranchSecret);
  EXPECT_EQ(t.rule_id, "test-token");
  EXPECT_EQ(t.secret_sha256, sha256_hex(kBranchSecret));
  ASSERT_EQ(t.introduced.size(), 1u);
  EXPECT_EQ(t.introduced[0].commit->hex(), t1_);
  EXPECT_EQ(t.introduced[0].path, "app.env");
  EXPECT_EQ(t.introduced[0].line, 2u);
  EXPECT_EQ(t.introduced[0].author, "Ada Author");
  EXPECT_EQ(t.introduced[0].email, "ada@example.com");
  EXPECT_EQ(t.introduced[0].date, 1700000120);
  ASSERT_EQ(t.removed.size(), 1u);
  EXPECT_EQ(t.removed[0].commit.hex(), r1_);
  EXPECT_EQ(t.removed[0].path, "app.env");
  EXPECT_EQ(t.removed[0].date, 1700000240);
  EXPECT_EQ(t.reachable_from, (std::vector<std::string>{"refs/heads/main", "refs/heads/topic", "refs/tags/v1"}));
  ASSERT_EQ(t.present_at.size(), 2u);
  EXPECT_EQ(t.present_at[0].ref, "refs/heads/topic");
  EXPECT_EQ(t.present_at[0].path, "app.env");
  EXPECT_EQ(t.present_at[0].line, 2u);
  EXPECT_EQ(t.present_at[1].ref, "refs/tags/v1");
  EXPECT_EQ(t.present_at[1].line, 2u);
}

TEST_F(Timeline, RecordsADeletedFileAsARemovalAndAKeptSecretAsPresentEverywhere) {
  const ScanResult result = scan();
  const SecretTimeline& deleted = timeline_of(result, kDeleted);
  ASSERT_EQ(deleted.removed.size(), 1u);
  EXPECT_EQ(deleted.removed[0].commit.hex(), r1_);
  EXPECT_EQ(deleted.removed[0].path, "old.key");
  EXPECT_EQ(deleted.reachable_from, (std::vector<std::string>{"refs/heads/main", "refs/tags/v1"}));
  ASSERT_EQ(deleted.present_at.size(), 1u);
  EXPECT_EQ(deleted.present_at[0].ref, "refs/tags/v1");

  const SecretTimeline& kept = timeline_of(result, kKept);
  EXPECT_TRUE(kept.removed.empty());
  std::vector<std::tuple<std::string, std::string, std::uint32_t>> at;
  for (const SecretAtRef& p : kept.present_at) at.emplace_back(p.ref, p.path, p.line);
  EXPECT_EQ(
      at, (std::vector<std::tuple<std::string, std::string, std::uint32_t>>{
              {"refs/heads/main", "app.env", 3}, {"refs/heads/topic", "app.env", 3}, {"refs/tags/v1", "app.env", 3}}));

  const SecretTimeline& repeated = timeline_of(result, kRepeated);
  ASSERT_EQ(repeated.introduced.size(), 3u);
  EXPECT_EQ(repeated.present_at.size(), 9u);  // three places at each of three refs
}

TEST_F(Timeline, ARangeReportsOnlyWhatItsCommitsIntroduced) {
  HistoryScope scope;
  scope.exclude = m1_;
  scope.tip = "main";
  const ScanResult result = scan(scope);
  // kKept is still on line 3 of the file r1 changes, but entered before the range.
  EXPECT_EQ(places(result), (std::vector<Place>{{r1_, "app.env", 4}}));
  EXPECT_EQ(result.summary.git->commits, 1u);
  EXPECT_EQ(result.summary.git->refs, 1u);
  ASSERT_EQ(result.secrets.size(), 1u);
  EXPECT_EQ(result.secrets[0].reachable_from, std::vector<std::string>{"refs/heads/main"});
}

TEST_F(Timeline, ABranchScopeScansOnlyThatRefsHistory) {
  HistoryScope scope;
  scope.tip = "topic";
  const ScanResult result = scan(scope);
  EXPECT_EQ(
      places(result),
      sorted({{c1_, "a.txt", 1}, {c1_, "a.txt", 3}, {c1_, "b.txt", 1}, {t1_, "app.env", 2}, {t1_, "app.env", 3}}));
  EXPECT_EQ(result.summary.git->commits, 2u);
}

TEST_F(Timeline, SinceSkipsOlderCommitsWithoutBlamingTheMergeForWhatTheyIntroduced) {
  HistoryScope scope;
  scope.since = 1700000180;  // c2's time; the topic commit is older
  const ScanResult result = scan(scope);
  EXPECT_EQ(places(result), sorted({{c2_, "old.key", 1}, {r1_, "app.env", 4}}));
}

TEST_F(Timeline, RejectsARangeEndThatNamesNoCommit) {
  GitScanOptions options;
  options.repo_path = repo_->path().string();
  options.config_path = (dir_.path() / "rules.toml").string();
  options.scope.tip = "no-such-branch";
  std::ostringstream log;
  EXPECT_THROW(scan_git_history(options, log), UsageError);
}

TEST(TimelineRefs, CapsRefListsAtAHundredBranchesFirstAndCountsThemAll) {
  TempDir dir;
  std::ofstream(dir.path() / "rules.toml") << kTestTokenRule;
  GitRepo repo(dir.path() / "repo");
  repo.write("a.env", "T=" + kKept + "\n");
  repo.commit("add");
  // 120 pull refs and a tag, all at the commit that holds the secret.
  std::ofstream updates(dir.path() / "updates");
  for (int i = 1; i <= 120; ++i) updates << "create refs/pull/" << i << "/head " << repo.head() << "\n";
  updates.close();
  repo.git("update-ref --stdin < " + shell_quote((dir.path() / "updates").string()));
  repo.git("tag v1");
  GitScanOptions options;
  options.repo_path = repo.path().string();
  options.config_path = (dir.path() / "rules.toml").string();
  std::ostringstream log;
  const ScanResult result = scan_git_history(options, log);
  ASSERT_EQ(result.secrets.size(), 1u);
  const SecretTimeline& t = result.secrets[0];
  EXPECT_EQ(t.reachable_from_total, 122u);
  EXPECT_EQ(t.present_at_total, 122u);
  ASSERT_EQ(t.reachable_from.size(), kMaxRefsListed);
  ASSERT_EQ(t.present_at.size(), kMaxRefsListed);
  EXPECT_EQ(t.reachable_from[0], "refs/heads/main");
  EXPECT_EQ(t.reachable_from[1], "refs/tags/v1");
  EXPECT_EQ(t.reachable_from[2], "refs/pull/1/head");
  EXPECT_EQ(t.present_at[0].ref, "refs/heads/main");
  EXPECT_EQ(t.present_at[1].ref, "refs/tags/v1");
}

TEST(Sha256, MatchesTheStandardTestVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

}  // namespace
}  // namespace trawl::test
