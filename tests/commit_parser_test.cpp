// trawl's commit parser must give what libgit2 gives (git_commit_lookup and
// its accessors) for every commit libgit2 accepts, however unusual, and
// refuse what libgit2 refuses; and a walk over packed and loose unusual
// commits must describe each one as libgit2 does.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "source/git/commit_parser.h"
#include "source/git/git_handles.h"
#include "source/git/history.h"
#include "support/git_fixture.h"

namespace trawl::test {
namespace {

using namespace std::string_literals;

const std::string kTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";  // the empty tree

struct Fields {
  ObjectId tree;
  std::vector<ObjectId> parents;
  std::string author_name;
  std::string author_email;
  std::int64_t author_time = 0;
  std::int64_t commit_time = 0;
  std::string summary;
  friend bool operator==(const Fields&, const Fields&) = default;
};

std::ostream& operator<<(std::ostream& out, const Fields& f) {
  out << "{tree " << f.tree.hex() << ", parents";
  for (const ObjectId& p : f.parents) out << " " << p.hex();
  return out << ", author '" << f.author_name << "' <" << f.author_email << "> " << f.author_time << ", committed "
             << f.commit_time << ", summary '" << f.summary << "'}";
}

std::optional<Fields> from_parser(std::string_view bytes) {
  auto parsed = parse_commit(bytes);
  if (!parsed) return std::nullopt;
  return Fields{parsed->tree,        parsed->parents,     parsed->author_name, parsed->author_email,
                parsed->author_time, parsed->commit_time, parsed->summary};
}

std::optional<Fields> from_libgit2(git_repository* repo, const ObjectId& id) {
  const git_oid oid = to_git_oid(id);
  git_commit* raw = nullptr;
  if (git_commit_lookup(&raw, repo, &oid) < 0) return std::nullopt;
  CommitPtr commit(raw);
  Fields f;
  f.tree = to_object_id(*git_commit_tree_id(raw));
  for (unsigned i = 0; i < git_commit_parentcount(raw); ++i)
    f.parents.push_back(to_object_id(*git_commit_parent_id(raw, i)));
  const git_signature* author = git_commit_author(raw);
  f.author_name = author->name;
  f.author_email = author->email;
  f.author_time = author->when.time;
  f.commit_time = git_commit_time(raw);
  const char* message = git_commit_message(raw);
  const char* end = std::strchr(message, '\n');
  f.summary = end == nullptr ? std::string(message) : std::string(message, end);
  return f;
}

std::string raw_bytes(git_repository* repo, const ObjectId& id) {
  git_odb* raw_odb = nullptr;
  git_check(git_repository_odb(&raw_odb, repo), "opening the object database");
  OdbPtr odb(raw_odb);
  const git_oid oid = to_git_oid(id);
  git_odb_object* raw = nullptr;
  git_check(git_odb_read(&raw, odb.get(), &oid), "reading " + id.hex());
  OdbObjectPtr object(raw);
  return std::string(static_cast<const char*>(git_odb_object_data(raw)), git_odb_object_size(raw));
}

ObjectId parse_id(std::string hex) {
  while (!hex.empty() && hex.back() == '\n') hex.pop_back();
  git_oid oid;
  git_oid_fromstr(&oid, hex.c_str());
  return to_object_id(oid);
}

// Writes `bytes` as a commit object, as is.
ObjectId write_commit(GitRepo& repo, const TempDir& dir, const std::string& bytes) {
  const auto file = dir.path() / "commit.raw";
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
  return parse_id(repo.git("hash-object -t commit --literally -w " + shell_quote(file.string())));
}

// Commits libgit2 reads, with every kind of header and message shape.
std::vector<std::string> unusual_commits(const std::string& p1, const std::string& p2, const std::string& p3) {
  const std::string sig = "A U Thor <author@example.com> 1700000000 +0100\n";
  const std::string head = "tree " + kTree + "\nparent " + p1 + "\n";
  const std::string gpgsig =
      "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n =abcd\n -----END PGP SIGNATURE-----\n";
  const std::string mergetag =
      "mergetag object " + p2 + "\n type commit\n tag v1.0\n tagger T <t@example.com> 1600000000 +0000\n \n Release\n";
  return {
      head + "author " + sig + "committer " + sig + "\nPlain summary\n\nBody line\n",
      head + "author " + sig + "committer " + sig + gpgsig + "\nSigned commit\n",
      "tree " + kTree + "\nparent " + p1 + "\nparent " + p2 + "\nauthor " + sig + "committer " + sig + mergetag +
          "\nMerge tag 'v1.0'\n",
      "tree " + kTree + "\nparent " + p1 + "\nparent " + p2 + "\nparent " + p3 + "\nauthor " + sig + "committer " +
          sig + "\nOctopus\n",
      head + "author " + sig + "committer " + sig + "encoding ISO-8859-1\n\nLatin-1 \xe9t\xe9\n",
      head + "author " + sig + "committer " + sig + "\nNo trailing newline",
      head + "author " + sig + "committer " + sig + "\n",
      head + "author " + sig + "committer " + sig,
      head + "author " + sig + "committer " + sig + "\n\n\n\nAfter blank lines\n",
      head + "author " + sig + "committer " + sig + "\nCRLF summary\r\nmore\r\n",
      head + "author " + sig + "committer " + sig + "\nNUL\0inside\n"s,
      head + "author " + sig + "author Second <second@example.com> 1 +0000\ncommitter " + sig + "\nTwo authors\n",
      head + "author  .,:;\"'Odd Name\\ '<  <odd@example.com>  > 1700000001 +0000\ncommitter " + sig + "\nCrud\n",
      head + "author No Time <no.time@example.com>\ncommitter " + sig + "\nNo time\n",
      head + "author No Zone <nz@example.com> 1700000002\ncommitter " + sig + "\nNo zone\n",
      head + "author Bad Zone <bz@example.com> 1700000003 zulu\ncommitter " + sig + "\nBad zone\n",
      head + "author Plus <plus@example.com> +1700000004 +0000\ncommitter " + sig + "\nPlus sign\n",
      head + "author Neg <neg@example.com> -5 +0000\ncommitter " + sig + "\nNegative time\n",
      head + "author Spaces <sp@example.com>    42 +0000\ncommitter " + sig + "\nSpaces before time\n",
      head + "author Trailing <tr@example.com> 42abc +0000\ncommitter " + sig + "\nTrailing letters\n",
      head + "author Name\0With NUL <nul@example.com> 7 +0000\ncommitter "s + sig + "\nNUL in name\n",
      head + "author <> 8 +0000\ncommitter <c@example.com> 9 +0000\nEmpty name and e-mail\n",
      "tree " +
          [] {
            std::string upper = kTree;
            for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            return upper;
          }() +
          "\nauthor " + sig + "committer " + sig + "\nUpper-case tree, no parent\n",
      head + "author " + sig + "committer " + sig + "x-custom-header value\n continued\n\nCustom header\n",
      head + "author " + sig + "committer " + sig + "\n\n",
  };
}

// Commits libgit2 refuses.
std::vector<std::string> malformed_commits(const std::string& p1) {
  const std::string sig = "A U Thor <author@example.com> 1700000000 +0100\n";
  const std::string head = "tree " + kTree + "\nparent " + p1 + "\n";
  return {
      "parent " + p1 + "\nauthor " + sig + "committer " + sig + "\nNo tree\n",
      head + "committer " + sig + "\nNo author\n",
      head + "author " + sig + "\nNo committer\n",
      head + "author No Email 1700000000 +0000\ncommitter " + sig + "\nNo e-mail\n",
      head + "author Reversed >r@example.com< 1 +0000\ncommitter " + sig + "\nReversed\n",
      head + "author Letters <l@example.com> abc +0000\ncommitter " + sig + "\nNot a number\n",
      head + "author Huge <h@example.com> 99999999999999999999 +0000\ncommitter " + sig + "\nOverflow\n",
      head + "author " + sig + "author Bad Second 1 +0000\ncommitter " + sig + "\nBad second author\n",
      "tree " + kTree.substr(0, 39) + "\nauthor " + sig + "committer " + sig + "\nShort tree\n",
      "tree " + kTree + "\nparent " + p1.substr(0, 39) + "\nauthor " + sig + "committer " + sig + "\nShort parent\n",
      head + "author " + sig + "committer " + sig.substr(0, sig.size() - 1),
      "",
  };
}

class CommitParser : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = std::make_unique<GitRepo>(dir_.path() / "repo");
    repo_->git("hash-object -t tree -w /dev/null");  // the empty tree, which the commits below hold
    for (int i = 0; i < 3; ++i) {
      repo_->write("f.txt", std::to_string(i));
      parents_.push_back(repo_->commit("parent " + std::to_string(i)));
    }
  }

  TempDir dir_;
  std::unique_ptr<GitRepo> repo_;
  std::vector<std::string> parents_;
};

TEST_F(CommitParser, GivesWhatLibgit2GivesForUnusualCommits) {
  RepositoryPtr repo = open_repository(repo_->git_dir().string());
  for (const std::string& bytes : unusual_commits(parents_[0], parents_[1], parents_[2])) {
    const ObjectId id = write_commit(*repo_, dir_, bytes);
    const auto expected = from_libgit2(repo.get(), id);
    ASSERT_TRUE(expected.has_value()) << "libgit2 refuses " << bytes;
    const std::string stored = raw_bytes(repo.get(), id);
    EXPECT_EQ(stored, bytes);
    const auto parsed = from_parser(stored);
    ASSERT_TRUE(parsed.has_value()) << "trawl refuses " << bytes;
    EXPECT_EQ(*parsed, *expected) << bytes;
  }
}

TEST_F(CommitParser, RefusesWhatLibgit2Refuses) {
  RepositoryPtr repo = open_repository(repo_->git_dir().string());
  for (const std::string& bytes : malformed_commits(parents_[0])) {
    const ObjectId id = write_commit(*repo_, dir_, bytes);
    EXPECT_FALSE(from_libgit2(repo.get(), id).has_value()) << "libgit2 reads " << bytes;
    EXPECT_FALSE(from_parser(raw_bytes(repo.get(), id)).has_value()) << "trawl reads " << bytes;
  }
}

// What libgit2 refuses but git shows: the lenient parse keeps the tree and
// the parents (what the walk needs to go on) and says why it is malformed;
// without a tree line there is nothing to follow.
TEST(CommitParserLenient, KeepsTheTreeAndParentsOfWhatLibgit2Refuses) {
  const std::string parent = "1111111111111111111111111111111111111111";
  const std::string sig = "A U Thor <a@example.com> 1700000000 +0100\n";
  const std::string head = "tree " + kTree + "\nparent " + parent + "\n";
  struct Case {
    std::string bytes;
    std::string author_name;
    std::int64_t author_time;
    std::int64_t commit_time;
    std::string problem;
  };
  const Case cases[] = {
      {head + "committer " + sig + "\nNo author\n", "", 0, 1700000000, "no author line"},
      {head + "author " + sig + "\nNo committer\n", "A U Thor", 1700000000, 0, "no committer line"},
      {head + "author Huge <h@example.com> 99999999999999999999 +0000\ncommitter " + sig + "\nNo author\n", "Huge", 0,
       1700000000, "a malformed header (a signature without an e-mail, a time that is not a number)"},
      {head + "author No Email 1 +0000\ncommitter " + sig + "\nNo author\n", "", 0, 1700000000,
       "a malformed header (a signature without an e-mail, a time that is not a number)"},
      {head + "\nOnly a message\n", "", 0, 0, "no author line"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(parse_commit(c.bytes).has_value()) << c.bytes;
    std::string problem;
    const auto parsed = parse_commit_leniently(c.bytes, &problem);
    ASSERT_TRUE(parsed.has_value()) << c.bytes;
    EXPECT_EQ(parsed->tree.hex(), kTree);
    ASSERT_EQ(parsed->parents.size(), 1u);
    EXPECT_EQ(parsed->parents[0].hex(), parent);
    EXPECT_EQ(parsed->author_name, c.author_name) << c.bytes;
    EXPECT_EQ(parsed->author_time, c.author_time) << c.bytes;
    EXPECT_EQ(parsed->commit_time, c.commit_time) << c.bytes;
    EXPECT_EQ(problem, c.problem) << c.bytes;
  }
  std::string problem = "stale";
  const std::string good = head + "author " + sig + "committer " + sig + "\nFine\n";
  ASSERT_TRUE(parse_commit_leniently(good, &problem).has_value());
  EXPECT_EQ(problem, "");
  EXPECT_FALSE(parse_commit_leniently("parent " + parent + "\nauthor " + sig, &problem).has_value());
  EXPECT_FALSE(parse_commit_leniently("", &problem).has_value());
}

TEST_F(CommitParser, GivesWhatLibgit2GivesForEveryCommitOfTrawlTestRepo) {
  const char* path = std::getenv("TRAWL_TEST_REPO");
  if (path == nullptr) GTEST_SKIP() << "TRAWL_TEST_REPO is not set: no external repository to compare on";
  GitRepo external{std::filesystem::path(path), GitRepo::kExisting};
  RepositoryPtr repo = open_repository(external.git_dir().string());
  std::istringstream ids(external.git("rev-list --all"));
  std::size_t compared = 0;
  for (std::string hex; ids >> hex; ++compared) {
    const ObjectId id = parse_id(hex);
    const auto expected = from_libgit2(repo.get(), id);
    const auto parsed = from_parser(raw_bytes(repo.get(), id));
    ASSERT_EQ(parsed.has_value(), expected.has_value()) << hex;
    if (expected) {
      ASSERT_EQ(*parsed, *expected) << hex;
    }
  }
  EXPECT_GT(compared, 0u);
}

// The walk reads commits out of packs with trawl's parser and loose ones
// through libgit2; both must describe every commit as libgit2 does.
void expect_walk_describes_commits_like_libgit2(GitRepo& repo) {
  SkipLog skips;
  const History history = walk_history(repo.git_dir().string(), WalkOptions{}, skips);
  RepositoryPtr git = open_repository(repo.git_dir().string());
  ASSERT_GT(history.commits.size(), 20u);
  for (const CommitInfo& c : history.commits) {
    const auto expected = from_libgit2(git.get(), c.id);
    ASSERT_TRUE(expected.has_value()) << c.id.hex();
    EXPECT_EQ(c.tree, expected->tree);
    EXPECT_EQ(c.author_name, expected->author_name) << c.id.hex();
    EXPECT_EQ(c.author_email, expected->author_email) << c.id.hex();
    EXPECT_EQ(c.author_time, expected->author_time) << c.id.hex();
    EXPECT_EQ(c.summary, expected->summary) << c.id.hex();
    std::vector<ObjectId> parents;
    for (std::uint32_t p : c.parents) parents.push_back(history.commits[p].id);
    EXPECT_EQ(parents, expected->parents) << c.id.hex();
  }
}

TEST_F(CommitParser, WalkDescribesPackedAndLooseUnusualCommitsLikeLibgit2) {
  // A chain of unusual commits on top of the ordinary ones, each the parent
  // of the next, reachable from a branch.
  std::string previous = parents_.back();
  int written = 0;
  for (const std::string& bytes : unusual_commits(parents_[0], parents_[1], parents_[2])) {
    std::string rewritten = bytes;
    const std::size_t first_parent = rewritten.find("parent " + parents_[0]);
    if (first_parent != std::string::npos) rewritten.replace(first_parent + 7, 40, previous);
    previous = write_commit(*repo_, dir_, rewritten).hex();
    repo_->git("update-ref refs/heads/unusual-" + std::to_string(written++) + " " + previous);
  }
  expect_walk_describes_commits_like_libgit2(*repo_);  // loose: through libgit2
  repo_->git("repack -q -a -d");
  ASSERT_EQ(repo_->git("count-objects -v | grep '^count:'"), "count: 0\n");
  expect_walk_describes_commits_like_libgit2(*repo_);  // packed: trawl's parser
}

}  // namespace
}  // namespace trawl::test
