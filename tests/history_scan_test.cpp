// End-to-end scans of histories the tests build, with known secrets at known
// commits: the report must hold exactly the expected findings, each at the
// commit, path and line that introduced it.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "scan/scans.h"
#include "source/git/git_handles.h"
#include "source/git/history.h"
#include "source/git/object_store.h"
#include "source/git/tree_diff.h"
#include "support/git_fixture.h"
#include "support/scan_counts.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

// Hands each finding to a function as it is confirmed.
class StreamingSink final : public FindingSink {
 public:
  explicit StreamingSink(std::function<void(const Finding&)> f) : f_(std::move(f)) {}
  bool streams() const override { return true; }
  void on_finding(const Finding& finding) override { f_(finding); }
  void finish(const ReportContent& /*content*/) override {}

 private:
  std::function<void(const Finding&)> f_;
};

const std::string kTokenRules = std::string(kTestTokenRule) + R"(tags = ["test"]
)";

// Distinct secrets, one per situation in the history.
const std::string kEdited = "tok_k3j9x0q2m5n8b1v4c7z6";    // introduced, then edited around
const std::string kDeleted = "tok_p0o9i8u7y6t5r4e3w2q1";   // introduced, file deleted later
const std::string kBranch = "tok_m1n2b3v4c5x6z7l8k9j0";    // only on an unmerged branch
const std::string kMerged = "tok_a9s8d7f6g5h4j3k2l1q0";    // on a branch that was merged
const std::string kTagged = "tok_z0x9c8v7b6n5m4a3s2d1";    // reachable only from a tag
const std::string kBinary = "tok_q1w2e3r4t5y6u7i8o9p0";    // inside a binary file
const std::string kTooBig = "tok_l0k9j8h7g6f5d4s3a2z1";    // in a blob over the size limit
const std::string kReplaced = "tok_r5t6y7u8i9o0p1a2s3d4";  // replaces kEdited on its line
const std::string kNote = "tok_n0t3s1n2o3t4e5s6x7y8";      // in a git note
const std::string kStashed = "tok_s7a6s5h4s3t2a1s0h9x8";   // only in a stash

struct Expected {
  std::string secret;
  std::string commit;
  std::string path;
  std::uint32_t line;
  // clang-tidy 14 mistakes the defaulted <=> for a literal 0 compared as a pointer.
  friend auto operator<=>(const Expected&, const Expected&) = default;  // NOLINT(modernize-use-nullptr)
};

std::vector<Expected> found(const ScanResult& result) {
  std::vector<Expected> out;
  for (const Finding& f : result.findings) out.push_back({f.secret, f.commit_hex(), f.path, f.start_line});
  std::sort(out.begin(), out.end());
  return out;
}

class HistoryScan : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "rules.toml") << kTokenRules;
    repo_ = std::make_unique<GitRepo>(dir_.path() / "repo");
    GitRepo& r = *repo_;

    r.write("config.py", "import os\n\nTOKEN = \"" + kEdited + "\"\n");
    r.write("old.env", "X=" + kDeleted + "\n");
    r.write("blob.bin", std::string("\x00\x01"
                                    "binary ",
                                    9) +
                            kBinary + "\n");
    r.write("big.txt", kTooBig + "\n" + std::string(2000, 'x') + "\n");
    c1_ = r.commit("add config");
    r.git("repack -q -d");  // a first pack

    r.write("config.py", "# settings\n# more\nimport os\n\nTOKEN = \"" + kEdited + "\"\n");
    c2_ = r.commit("edit around the token");
    r.remove("old.env");
    c3_ = r.commit("delete old.env");
    r.write("copy.py", "# copied\nT = '" + kEdited + "'\n");
    c4_ = r.commit("copy the token");
    r.git("repack -q -d");  // a second pack; later objects stay loose

    r.git("checkout -q -b topic");
    r.write("topic.txt", kMerged + "\n");
    t1_ = r.commit("topic work");
    r.git("checkout -q main");
    r.write("unrelated.txt", "nothing here\n");
    c5_ = r.commit("unrelated");
    r.git("merge -q --no-ff -m merge-topic topic");
    m1_ = r.head();

    r.git("checkout -q -b feature-x");
    r.write("feature.txt", "key: " + kBranch + "\n");
    f1_ = r.commit("unmerged feature");
    r.git("checkout -q main");

    r.git("checkout -q --detach");
    r.write("tagged.txt", kTagged + "\n");
    g1_ = r.commit("tagged only");
    r.git("tag -a -m release v-only");
    r.git("checkout -q main");

    r.write("config.py", "# settings\n# more\nimport os\n\nTOKEN = \"" + kReplaced + "\"\n");
    c6_ = r.commit("rotate the token");

    r.git("notes add -m " + shell_quote("note " + kNote) + " " + c1_);
    notes_commit_ = r.git("rev-parse refs/notes/commits");
    notes_commit_.pop_back();

    r.write("config.py", "# settings\n# more\nimport os\n\nTOKEN = \"" + kStashed + "\"\n");
    r.git("stash -q");
    stash_commit_ = r.git("rev-parse refs/stash");
    stash_commit_.pop_back();
  }

  ScanResult scan(const std::string& path, std::function<void(const Finding&)> on_finding = {},
                  std::uint64_t batch_bytes = 64ull << 20) {
    GitScanOptions options;
    options.repo_path = path;
    options.config_path = (dir_.path() / "rules.toml").string();
    options.max_blob_size = 1024;
    options.batch_bytes = batch_bytes;
    std::ostringstream log;
    if (!on_finding) return scan_git_history(options, log);
    StreamingSink sink(std::move(on_finding));
    return scan_git_history(options, log, {&sink});
  }

  std::vector<Expected> expected() const {
    std::vector<Expected> e = {
        {kEdited, c1_, "config.py", 3},   {kDeleted, c1_, "old.env", 1},    {kEdited, c4_, "copy.py", 2},
        {kMerged, t1_, "topic.txt", 1},   {kBranch, f1_, "feature.txt", 1}, {kTagged, g1_, "tagged.txt", 1},
        {kReplaced, c6_, "config.py", 5}, {kNote, notes_commit_, c1_, 1},   {kStashed, stash_commit_, "config.py", 5},
    };
    std::sort(e.begin(), e.end());
    return e;
  }

  TempDir dir_;
  std::unique_ptr<GitRepo> repo_;
  std::string c1_, c2_, c3_, c4_, c5_, c6_, t1_, m1_, f1_, g1_, notes_commit_, stash_commit_;
};

TEST_F(HistoryScan, ReportsEachSecretOnceAtTheCommitThatIntroducedIt) {
  const ScanResult result = scan(repo_->path().string());
  EXPECT_EQ(found(result), expected());
}

TEST_F(HistoryScan, StreamsEachFindingOnceWhileReadingAndReportsTheSameInOrder) {
  const ScanResult whole = scan(repo_->path().string());
  std::vector<std::string> streamed;
  // Tiny batches: introductions become ready at different times.
  const ScanResult result = scan(
      repo_->path().string(), [&](const Finding& f) { streamed.push_back(f.fingerprint); }, 1 << 16);
  std::vector<std::string> reported;
  for (const Finding& f : result.findings) reported.push_back(f.fingerprint);
  std::vector<std::string> expected;
  for (const Finding& f : whole.findings) expected.push_back(f.fingerprint);
  EXPECT_EQ(reported, expected);
  std::sort(streamed.begin(), streamed.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(streamed, expected);
}

TEST_F(HistoryScan, FillsEveryFindingFieldFromTheIntroducingCommit) {
  const ScanResult result = scan(repo_->path().string());
  auto it = std::find_if(result.findings.begin(), result.findings.end(),
                         [&](const Finding& f) { return f.secret == kEdited && f.path == "config.py"; });
  ASSERT_NE(it, result.findings.end());
  EXPECT_EQ(it->rule_id, "test-token");
  EXPECT_EQ(it->description, "Test token");
  EXPECT_EQ(it->match, kEdited);
  EXPECT_EQ(it->line, "TOKEN = \"" + kEdited + "\"");
  EXPECT_EQ(it->start_column, 10u);
  EXPECT_EQ(it->end_line, 3u);
  EXPECT_EQ(it->end_column, 33u);
  EXPECT_EQ(it->author, "Ada Author");
  EXPECT_EQ(it->email, "ada@example.com");
  EXPECT_EQ(it->date, 1700000060);
  EXPECT_EQ(it->message, "add config");
  EXPECT_EQ(it->tags, std::vector<std::string>{"test"});
  EXPECT_EQ(it->fingerprint, c1_ + ":config.py:test-token:3");
}

TEST_F(HistoryScan, CountsEveryRefCommitAndUniqueBlobAndSkipsBinaryAndOversized) {
  const ScanResult result = scan(repo_->path().string());
  // main, topic, feature-x, v-only, notes, stash
  EXPECT_EQ(result.summary.git->refs, 6u);
  const std::string commit_count = repo_->git("rev-list --all --count");
  EXPECT_EQ(result.summary.git->commits, std::stoull(commit_count));
  const std::string blob_count = repo_->git(
      "rev-list --all --objects | cut -d' ' -f1 | git cat-file --batch-check='%(objecttype)' | grep -c blob");
  EXPECT_EQ(result.summary.blobs, std::stoull(blob_count));
  EXPECT_EQ(skipped(result, "binary"), 1u);
  EXPECT_EQ(skipped(result, "too_large"), 1u);
  EXPECT_EQ(result.summary.blobs_scanned + 2, result.summary.blobs);
  EXPECT_FALSE(result.summary.git->shallow);
}

TEST_F(HistoryScan, FindsTheSameInABareCloneWithEverythingPacked) {
  const auto bare = dir_.path() / "bare.git";
  repo_->git("clone -q --mirror . " + shell_quote(bare.string()));
  GitRepo(bare, true).git("gc -q --aggressive");
  const ScanResult result = scan(bare.string());
  EXPECT_EQ(found(result), expected());
}

TEST_F(HistoryScan, StopsAtTheShallowBoundaryAndSaysSo) {
  const auto shallow = dir_.path() / "shallow";
  repo_->git("clone -q --depth 1 --no-local --branch main file://" + repo_->path().string() + " " +
             shell_quote(shallow.string()));
  const ScanResult result = scan(shallow.string());
  EXPECT_TRUE(result.summary.git->shallow);
  EXPECT_EQ(result.summary.git->commits, 1u);
  // At the boundary everything in the tree counts as introduced there.
  const std::string tip = c6_;
  std::vector<Expected> expect = {
      {kEdited, tip, "copy.py", 2}, {kMerged, tip, "topic.txt", 1}, {kReplaced, tip, "config.py", 5}};
  std::sort(expect.begin(), expect.end());
  EXPECT_EQ(found(result), expect);
}

}  // namespace
}  // namespace trawl::test

namespace trawl::test {
namespace {

// Searching ref tips only along the paths where wanted blobs were
// introduced finds what a search of every directory finds.
TEST(LocateBlobs, SearchAlongIntroducedPathsFindsWhatASearchOfEveryDirectoryFinds) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  repo.write("a/b/key.txt", "one\n");
  repo.write("a/c/other.txt", "two\n");
  repo.write("top.txt", "three\n");
  repo.commit("first");
  repo.git("branch topic");
  repo.write("d/e/f/key.txt", "one\n");  // the same blob, deeper
  repo.remove("a/b/key.txt");
  repo.commit("move");
  repo.git("checkout -q topic");
  repo.write("a/c/copy.txt", "three\n");
  repo.write("g/new.txt", "four\n");
  repo.commit("topic work");
  repo.git("checkout -q main");
  repo.git("merge -q --no-edit topic");
  repo.git("tag v1 HEAD~1");

  SkipLog skips;
  const History history = walk_history(repo.git_dir().string(), WalkOptions{}, skips);
  ASSERT_EQ(history.commits_in_scope, history.commits.size());
  std::unordered_set<ObjectId, ObjectIdHash> wanted(history.blobs.begin(), history.blobs.end());
  std::unordered_map<ObjectId, ObjectId, ObjectIdHash> tree_of;
  for (const CommitInfo& c : history.commits) tree_of.emplace(c.id, c.tree);
  std::vector<ObjectId> trees;
  for (const RefInfo& ref : history.refs) trees.push_back(tree_of.at(ref.commit));
  std::vector<std::string> paths;
  for (const BlobIntroduction& intro : history.introductions) paths.push_back(intro.path);

  const auto everywhere = locate_blobs(repo.git_dir().string(), trees, wanted, skips);
  const auto along_paths = locate_blobs(repo.git_dir().string(), trees, wanted, skips, 0, &paths);
  ASSERT_EQ(everywhere.size(), along_paths.size());
  std::size_t found = 0;
  for (std::size_t t = 0; t < everywhere.size(); ++t) {
    ASSERT_EQ(everywhere[t].size(), along_paths[t].size());
    for (std::size_t i = 0; i < everywhere[t].size(); ++i) {
      EXPECT_EQ(everywhere[t][i].path, along_paths[t][i].path);
      EXPECT_EQ(everywhere[t][i].blob, along_paths[t][i].blob);
    }
    found += everywhere[t].size();
  }
  EXPECT_GE(found, 10u);

  // A path list without a blob's directory prunes it: the search obeys it.
  const std::vector<std::string> only_top = {"top.txt"};
  const auto pruned = locate_blobs(repo.git_dir().string(), trees, wanted, skips, 0, &only_top);
  for (const auto& locations : pruned) {
    for (const BlobLocation& l : locations) EXPECT_EQ(l.path.find('/'), std::string::npos) << l.path;
  }
}

// Tips that share a tree (a branch and a tag on one commit) each get what a
// search of that tree alone finds, whichever of them comes first or last.
TEST(LocateBlobs, TipsSharingATreeEachGetWhatThatTreeHolds) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  repo.write("a/b/key.txt", "one\n");
  repo.write("top.txt", "two\n");
  repo.commit("first");
  repo.write("a/c/key.txt", "one\n");
  repo.write("z.txt", "three\n");
  repo.commit("second");

  SkipLog skips;
  const History history = walk_history(repo.git_dir().string(), WalkOptions{}, skips);
  std::unordered_set<ObjectId, ObjectIdHash> wanted(history.blobs.begin(), history.blobs.end());
  ASSERT_EQ(history.commits.size(), 2u);
  const ObjectId first = history.commits[0].tree;
  const ObjectId second = history.commits[1].tree;
  const std::vector<ObjectId> tips = {first, second, first, first, second, ObjectId{}, second};
  const auto shared = locate_blobs(repo.git_dir().string(), tips, wanted, skips);
  ASSERT_EQ(shared.size(), tips.size());
  const auto alone = [&](const ObjectId& tree) {
    return locate_blobs(repo.git_dir().string(), std::vector<ObjectId>{tree}, wanted, skips).at(0);
  };
  const auto paths = [](const std::vector<BlobLocation>& locations) {
    std::vector<std::string> out;
    out.reserve(locations.size());
    for (const BlobLocation& l : locations) out.push_back(l.path + " " + l.blob.hex());
    return out;
  };
  for (std::size_t i = 0; i < tips.size(); ++i) EXPECT_EQ(paths(shared[i]), paths(alone(tips[i]))) << i;
  EXPECT_EQ(shared[0].size(), 2u);
  EXPECT_EQ(shared[1].size(), 4u);
  EXPECT_TRUE(shared[5].empty());
}

// What a commit changes depends on its tree and its parents' trees alone:
// diff_commit() on them gives the walk's introductions and departures for
// that commit, the same each time, and says when a tree could not be read.
TEST(TreeDiff, DiffCommitGivesTheWalksChangesFromACommitsTreesAlone) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  repo.write("a/b/key.txt", "one\n");
  repo.write("a/c/other.txt", "two\n");
  repo.write("top.txt", "three\n");
  repo.commit("first");
  repo.git("branch topic");
  repo.write("a/b/key.txt", "one, edited\n");
  repo.remove("top.txt");
  repo.commit("edit and delete");
  repo.git("checkout -q topic");
  repo.write("a/c/other.txt", "two, on topic\n");
  repo.write("g/new.txt", "four\n");
  repo.commit("topic work");
  repo.git("checkout -q main");
  repo.git("merge -q --no-edit topic");

  const PackSet packs(repo.git_dir().string());
  SkipLog skips;
  const History history = walk_history(repo.git_dir().string(), packs, WalkOptions{}, skips);
  ASSERT_EQ(history.commits.size(), 4u);
  RepositoryPtr git = open_repository(repo.git_dir().string());
  git_odb* raw_odb = nullptr;
  git_check(git_repository_odb(&raw_odb, git.get()), "opening the object database");
  OdbPtr odb(raw_odb);
  const ObjectStore store(packs);
  TreeReader reader(store, repo.git_dir().string() + "/", odb.get(), skips, std::size_t{1} << 20);
  TreeDiffer differ(reader);
  std::size_t merges = 0;
  for (std::uint32_t i = 0; i < history.commits.size(); ++i) {
    const CommitInfo& commit = history.commits[i];
    std::vector<ObjectId> parent_trees;
    for (std::uint32_t p : commit.parents) parent_trees.push_back(history.commits[p].tree);
    if (parent_trees.size() > 1) ++merges;
    const CommitChanges changes = diff_commit(differ, commit.tree, parent_trees);
    EXPECT_TRUE(changes.complete);
    std::vector<BlobIntroduction> introductions;
    for (const PathIntroduction& intro : changes.introductions) {
      introductions.push_back(
          {i, intro.path, intro.blob, std::vector<BlobKey>(intro.parent_blobs.begin(), intro.parent_blobs.end())});
    }
    std::vector<BlobDeparture> departures;
    for (const PathDeparture& d : changes.departures) departures.push_back({i, d.path, d.old_blob, d.new_blob});
    std::vector<BlobIntroduction> walked;
    std::copy_if(history.introductions.begin(), history.introductions.end(), std::back_inserter(walked),
                 [&](const BlobIntroduction& intro) { return intro.commit == i; });
    std::vector<BlobDeparture> walked_departures;
    std::copy_if(history.departures.begin(), history.departures.end(), std::back_inserter(walked_departures),
                 [&](const BlobDeparture& d) { return d.commit == i; });
    ASSERT_EQ(introductions.size(), walked.size()) << commit.summary;
    for (std::size_t k = 0; k < walked.size(); ++k) {
      EXPECT_EQ(introductions[k].path, walked[k].path);
      EXPECT_EQ(introductions[k].blob, walked[k].blob);
      EXPECT_EQ(introductions[k].parent_blobs, walked[k].parent_blobs);
    }
    ASSERT_EQ(departures.size(), walked_departures.size()) << commit.summary;
    for (std::size_t k = 0; k < departures.size(); ++k) {
      EXPECT_EQ(departures[k].path, walked_departures[k].path);
      EXPECT_EQ(departures[k].old_blob, walked_departures[k].old_blob);
      EXPECT_EQ(departures[k].new_blob, walked_departures[k].new_blob);
    }
    // Again, with the trees now cached: the same.
    const CommitChanges again = diff_commit(differ, commit.tree, parent_trees);
    ASSERT_EQ(again.introductions.size(), changes.introductions.size());
    for (std::size_t k = 0; k < again.introductions.size(); ++k) {
      EXPECT_EQ(again.introductions[k].path, changes.introductions[k].path);
    }
    EXPECT_EQ(again.departures.size(), changes.departures.size());
  }
  EXPECT_EQ(merges, 1u);
  EXPECT_EQ(skips.total(), 0u);

  // A tree that cannot be read makes the result incomplete (and is logged).
  std::string subtree = repo.git("rev-parse HEAD:a/b");
  subtree.pop_back();
  std::filesystem::remove(repo.loose_object_path(subtree));
  RepositoryPtr fresh_git = open_repository(repo.git_dir().string());  // no object cached
  git_check(git_repository_odb(&raw_odb, fresh_git.get()), "opening the object database");
  OdbPtr fresh_odb(raw_odb);
  TreeReader fresh(store, repo.git_dir().string() + "/", fresh_odb.get(), skips, std::size_t{1} << 20);
  TreeDiffer fresh_differ(fresh);
  EXPECT_FALSE(diff_commit(fresh_differ, history.commits.back().tree, {}).complete);
  EXPECT_EQ(skips.count(SkipReason::kMissingObject), 1u);
}

// Matching only what each delta adds (engine/delta_match.h) is an
// optimisation: a history whose files are edited version after version,
// secrets planted and removed at random lines, packed with deep delta
// chains, gives exactly the same findings, every field, as matching every
// byte, with the built-in rules (keyword, token and credential-file rules).
TEST(HistoryScanDeltas, FindsExactlyWhatMatchingWholeBlobsFinds) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  std::mt19937 rng(1201);
  auto pick = [&](std::string_view alphabet, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += alphabet[rng() % alphabet.size()];
    return out;
  };
  constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  constexpr std::string_view kMixed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  auto secret_line = [&]() -> std::string {
    switch (rng() % 8) {
      case 0:
        return "GITHUB_TOKEN = \"ghp_" + pick(kMixed, 36) + "\"";
      case 1:
        return "aws_access_key_id = AKIA" + pick(kUpper, 16);
      case 2:
        return "db_password = \"" + pick(kMixed, 6) + "!" + pick("0123456789", 3) + "\"";
      case 3:
        return "api_key: " + pick(kMixed, 40);
      case 4:
        return "url = \"postgres://app:" + pick(kMixed, 12) + "@db.internal:5432/app\"";
      case 5:
        // Found only through stage 1's token runs: a key naming a
        // credential with no rule's keyword, and (in the .env file) any
        // high-entropy assignment.
        return "SERVICE_PW=" + pick(kMixed, 24);
      case 6:
        return "opaque_" + std::to_string(rng() % 100) + "=" + pick(kMixed, 28);
      default:
        return "client_secret = '" + pick(kMixed, 32) + "'";
    }
  };
  auto filler_line = [&]() { return "value_" + std::to_string(rng() % 1000) + " = compute(" + pick(kMixed, 8) + ")"; };
  const std::vector<std::string> paths = {"config.py", "settings/app.env", "deploy/values.yaml", "README.md"};
  std::vector<std::vector<std::string>> files(paths.size());
  for (auto& lines : files) {
    for (int i = 0; i < 120; ++i) lines.push_back(rng() % 5 == 0 ? secret_line() : filler_line());
  }
  for (int commit = 0; commit < 50; ++commit) {
    for (std::size_t f = 0; f < paths.size(); ++f) {
      std::vector<std::string>& lines = files[f];
      for (int edit = 0; edit < 3; ++edit) {
        const std::size_t at = rng() % lines.size();
        switch (rng() % 4) {
          case 0:
            lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), secret_line());
            break;
          case 1:
            if (lines.size() > 10) lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(at));
            break;
          case 2:
            // Half a line replaced: a secret's tail or head changes.
            lines[at] = lines[at].substr(0, lines[at].size() / 2) + pick(kMixed, 10);
            break;
          default:
            lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at), filler_line());
        }
      }
      std::string text;
      for (const std::string& line : lines) text += line + "\n";
      repo.write(paths[f], text);
    }
    repo.commit("version " + std::to_string(commit));
  }
  // A file made of keywords: its candidates would outgrow it, so the pack
  // reader lets them go and the prefilter matches it.
  std::string dense;
  for (int i = 0; i < 2000; ++i) dense += "token pass key secret\n";
  for (int version = 0; version < 5; ++version) {
    dense.replace(rng() % dense.size(), 5, "pw pw");
    repo.write("dense.txt", dense + "password = \"" + pick(kMixed, 10) + "!7\"\n");
    repo.commit("dense " + std::to_string(version));
  }
  repo.git("gc -q --aggressive");

  auto scan = [&](bool whole) {
    GitScanOptions options;
    options.repo_path = repo.path().string();
    options.no_repo_config = true;
    options.match_whole_blobs = whole;
    options.backend.name = "cpu";
    options.batch_bytes = 1 << 16;
    std::ostringstream log;
    return scan_git_history(options, log);
  };
  auto fields = [](const ScanResult& result) {
    std::vector<std::tuple<std::string, std::string, std::string, std::string, std::string, std::uint32_t,
                           std::uint32_t, std::uint32_t, std::uint32_t, std::string>>
        out;
    for (const Finding& f : result.findings) {
      out.emplace_back(f.rule_id, f.secret, f.match, f.commit_hex(), f.path, f.start_line, f.start_column, f.end_line,
                       f.end_column, f.line);
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  const ScanResult by_deltas = scan(false);
  const ScanResult whole = scan(true);
  EXPECT_GT(by_deltas.findings.size(), 100U);
  const auto delta_fields = fields(by_deltas);
  const auto whole_fields = fields(whole);
  std::remove_const_t<decltype(delta_fields)> only_one;
  std::set_symmetric_difference(delta_fields.begin(), delta_fields.end(), whole_fields.begin(), whole_fields.end(),
                                std::back_inserter(only_one));
  EXPECT_EQ(delta_fields.size(), whole_fields.size());
  EXPECT_TRUE(only_one.empty()) << only_one.size() << " findings differ, the first: " << std::get<0>(only_one[0]) << " "
                                << std::get<4>(only_one[0]) << ":" << std::get<5>(only_one[0]);
  EXPECT_EQ(by_deltas.summary.blobs_scanned, whole.summary.blobs_scanned);
  // The delta path ran, and read less than the blobs hold; the whole path
  // did not run it.
  ASSERT_TRUE(by_deltas.summary.git && whole.summary.git);
  EXPECT_GT(by_deltas.summary.git->bytes_rebuilt, 0U);
  EXPECT_LT(by_deltas.summary.git->bytes_matched * 2, by_deltas.summary.git->bytes_rebuilt);
  EXPECT_EQ(whole.summary.git->bytes_rebuilt, 0U);
}

}  // namespace
}  // namespace trawl::test
