// trawl's own reading of refs (packed-refs and loose refs): the same refs as
// git lists, and hostile ref stores read without blocking, following links
// or losing the refs that can be read.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "content/skip_log.h"
#include "source/git/history.h"
#include "source/git/ref_files.h"
#include "support/git_fixture.h"

namespace trawl::test {
namespace {

// name -> "<hex id>" or "ref: <target>", as read.
std::map<std::string, std::string> as_map(const RefFiles& files) {
  std::map<std::string, std::string> out;
  for (const StoredRef& ref : files.refs) out[ref.name] = ref.target.empty() ? ref.id.hex() : "ref: " + ref.target;
  return out;
}

// name -> why, as read.
std::map<std::string, std::string> problems_of(const RefFiles& files) {
  std::map<std::string, std::string> out;
  for (const RefProblem& problem : files.problems) out[problem.name] = problem.why;
  return out;
}

// What git lists: name -> "<hex id>" or "ref: <target>".
std::map<std::string, std::string> git_refs(GitRepo& repo) {
  std::map<std::string, std::string> out;
  std::istringstream lines(repo.git("for-each-ref --format='%(refname) %(objectname) %(symref)'"));
  std::string name;
  std::string id;
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string symref;
    words >> name >> id >> symref;
    out[name] = symref.empty() ? id : "ref: " + symref;
  }
  return out;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

class RefFilesTest : public ::testing::Test {
 protected:
  RefFilesTest() : repo_(dir_.path() / "repo", true) {}

  // A small history in a bare repository: two branches, a lightweight tag,
  // an annotated tag and a tag of that tag.
  void build_history() {
    GitRepo work(dir_.path() / "work");
    work.write("a.txt", "one\n");
    first_ = work.commit("first");
    work.write("a.txt", "two\n");
    second_ = work.commit("second");
    work.git("branch topic " + first_);
    work.git("tag light " + first_);
    work.git("tag -a -m annotated annotated " + second_);
    work.git("tag -a -m nested nested annotated");
    work.git("push -q " + shell_quote(repo_.path().string()) + " --all");
    work.git("push -q " + shell_quote(repo_.path().string()) + " --tags");
  }

  TempDir dir_;
  GitRepo repo_;
  std::string first_;
  std::string second_;
};

TEST_F(RefFilesTest, ParsesALooseRefAsGitDoes) {
  const std::string hex = "0123456789abcdef0123456789abcdef01234567";
  EXPECT_EQ(parse_loose_ref("r", hex)->id.hex(), hex);
  EXPECT_EQ(parse_loose_ref("r", hex + "\n")->id.hex(), hex);
  EXPECT_EQ(parse_loose_ref("r", hex + " anything after white space")->id.hex(), hex);
  EXPECT_EQ(parse_loose_ref("r", "0123456789ABCDEF0123456789ABCDEF01234567\n")->id.hex(), hex);
  EXPECT_EQ(parse_loose_ref("r", "ref: refs/heads/main\n")->target, "refs/heads/main");
  EXPECT_EQ(parse_loose_ref("r", "ref:refs/heads/main")->target, "refs/heads/main");
  EXPECT_FALSE(parse_loose_ref("r", hex + "0"));                 // a longer id
  EXPECT_FALSE(parse_loose_ref("r", hex.substr(0, 39) + "\n"));  // a shorter one
  EXPECT_FALSE(parse_loose_ref("r", "g123456789abcdef0123456789abcdef01234567"));
  EXPECT_FALSE(parse_loose_ref("r", "ref: \n"));
  EXPECT_FALSE(parse_loose_ref("r", ""));
}

TEST_F(RefFilesTest, ReadsWhatGitListsPackedLooseAndSymbolic) {
  build_history();
  repo_.git("pack-refs --all");
  // Loose refs written after packing: one stands for its packed version.
  repo_.git("update-ref refs/heads/topic " + second_);
  repo_.git("update-ref refs/heads/loose-only " + first_);
  repo_.git("symbolic-ref refs/remotes/origin/HEAD refs/heads/topic");
  ASSERT_TRUE(std::filesystem::exists(repo_.git_dir() / "packed-refs"));
  ASSERT_TRUE(std::filesystem::exists(repo_.git_dir() / "refs/heads/topic"));
  // A lock file beside a ref is not a ref.
  write_file(repo_.git_dir() / "refs/heads/topic.lock", second_ + "\n");

  const RefFiles files = read_ref_files(repo_.git_dir().string());
  EXPECT_TRUE(files.problems.empty()) << files.problems.front().name << ": " << files.problems.front().why;
  const std::map<std::string, std::string> expected = git_refs(repo_);
  EXPECT_EQ(as_map(files), expected);
  EXPECT_EQ(expected.at("refs/heads/topic"), second_);
  EXPECT_EQ(expected.at("refs/remotes/origin/HEAD"), "ref: refs/heads/topic");
  EXPECT_TRUE(std::is_sorted(files.refs.begin(), files.refs.end(),
                             [](const StoredRef& a, const StoredRef& b) { return a.name < b.name; }));

  // The walk lists each ref as the commit it peels to, a symbolic ref as
  // what it points at, and a detached HEAD.
  write_file(repo_.git_dir() / "HEAD", first_ + "\n");
  SkipLog skips;
  const History history = walk_history(repo_.git_dir().string(), WalkOptions{}, skips);
  std::map<std::string, std::string> listed;
  for (const RefInfo& ref : history.refs) listed[ref.name] = ref.commit.hex();
  const std::map<std::string, std::string> peeled{
      {"HEAD", first_},
      {"refs/heads/loose-only", first_},
      {"refs/heads/main", second_},
      {"refs/heads/topic", second_},
      {"refs/remotes/origin/HEAD", second_},
      {"refs/tags/annotated", second_},
      {"refs/tags/light", first_},
      {"refs/tags/nested", second_},
  };
  EXPECT_EQ(listed, peeled);
  EXPECT_EQ(skips.entries().size(), 0u);
}

TEST_F(RefFilesTest, ReadsEveryRefItCanOfAHostileStoreAndNamesTheRest) {
  build_history();
  repo_.git("pack-refs --all");
  const std::filesystem::path git_dir = repo_.git_dir();
  const std::filesystem::path heads = git_dir / "refs/heads";
  // Damaged packed-refs lines among good ones: a line that is no ref, and
  // one longer than any ref, around refs that must still be read.
  std::string packed;
  {
    std::ifstream in(git_dir / "packed-refs", std::ios::binary);
    packed.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string good = first_ + " refs/heads/after-damage\n";
  write_file(git_dir / "packed-refs", packed + "not a ref line\n" + first_ + " refs/heads/" +
                                          std::string(kMaxRefFileBytes * 3, 'x') + "\n" + good);
  // Loose refs that are not refs.
  ASSERT_EQ(::mkfifo((heads / "fifo").c_str(), 0600), 0);  // a read would block
  std::filesystem::create_symlink("/dev/zero", heads / "to-dev-zero");
  std::filesystem::create_symlink(heads / "main", heads / "to-main");
  std::filesystem::create_directories(heads / "loop");
  std::filesystem::create_directory_symlink(heads, heads / "loop" / "back");
  write_file(heads / "huge", first_ + "\n" + std::string(kMaxRefFileBytes, ' '));
  write_file(heads / "garbage", "this is no ref\n");
  // Directories nested past the bound, with a ref at the bottom.
  std::filesystem::path deep = heads;
  for (std::size_t i = 0; i < kMaxRefDepth + 2; ++i) deep /= "d";
  write_file(deep / "ref", first_ + "\n");
  // Symbolic refs that lead nowhere, and a loop.
  write_file(heads / "dangling", "ref: refs/heads/nothing-here\n");
  write_file(heads / "ping", "ref: refs/heads/pong\n");
  write_file(heads / "pong", "ref: refs/heads/ping\n");
  // Good loose refs among them.
  write_file(heads / "good", second_ + "\n");

  const RefFiles files = read_ref_files(git_dir.string());
  const std::map<std::string, std::string> read = as_map(files);
  EXPECT_EQ(read.at("refs/heads/after-damage"), first_);
  EXPECT_EQ(read.at("refs/heads/good"), second_);
  EXPECT_EQ(read.at("refs/heads/main"), second_);
  EXPECT_EQ(read.at("refs/heads/dangling"), "ref: refs/heads/nothing-here");
  EXPECT_EQ(read.count("refs/heads/fifo") + read.count("refs/heads/to-dev-zero") + read.count("refs/heads/to-main") +
                read.count("refs/heads/huge") + read.count("refs/heads/garbage"),
            0u);
  // refs/ and refs/heads/ are two levels of kMaxRefDepth.
  std::string deep_name = "refs/heads/";
  for (std::size_t i = 0; i < kMaxRefDepth - 2; ++i) deep_name += "d/";
  const std::map<std::string, std::string> expected_problems{
      {"packed-refs line " + std::to_string(std::count(packed.begin(), packed.end(), '\n') + 1),
       "not \"<id> <ref name>\""},
      {"packed-refs line " + std::to_string(std::count(packed.begin(), packed.end(), '\n') + 2),
       "longer than " + std::to_string(kMaxRefFileBytes) + " bytes"},
      {"refs/heads/fifo", "not a regular file"},
      {"refs/heads/to-dev-zero", "a symbolic link, not followed"},
      {"refs/heads/to-main", "a symbolic link, not followed"},
      {"refs/heads/loop/back", "a symbolic link, not followed"},
      {"refs/heads/huge", "larger than " + std::to_string(kMaxRefFileBytes) + " bytes"},
      {"refs/heads/garbage", "neither an object id nor \"ref: <name>\""},
      {deep_name + "d/", "nested deeper than " + std::to_string(kMaxRefDepth) + " levels, not read"},
  };
  EXPECT_EQ(problems_of(files), expected_problems);

  // The walk logs each as an unreadable ref, the symbolic refs that lead
  // nowhere too, and scans from the rest.
  SkipLog skips;
  const History history = walk_history(git_dir.string(), WalkOptions{}, skips);
  std::map<std::string, std::string> skipped;
  for (const SkippedObject& s : skips.entries()) {
    EXPECT_EQ(s.reason, SkipReason::kUnreadableRef) << s.id;
    skipped[s.id] = s.detail;
  }
  EXPECT_EQ(skipped.size(), expected_problems.size() + 3);
  EXPECT_EQ(skipped.at("refs/heads/dangling"), "a symbolic ref to refs/heads/nothing-here, which is no ref here");
  EXPECT_EQ(skipped.at("refs/heads/ping"), "a chain of more than 5 symbolic refs");
  EXPECT_EQ(skipped.at("refs/heads/pong"), "a chain of more than 5 symbolic refs");
  std::map<std::string, std::string> listed;
  for (const RefInfo& ref : history.refs) listed[ref.name] = ref.commit.hex();
  EXPECT_EQ(listed.at("refs/heads/good"), second_);
  EXPECT_EQ(listed.at("refs/heads/after-damage"), first_);
  EXPECT_EQ(listed.at("refs/tags/nested"), second_);
  EXPECT_EQ(history.commits.size(), 2u);
}

TEST_F(RefFilesTest, ARepositoryWithoutRefsHasNone) {
  const RefFiles files = read_ref_files(repo_.git_dir().string());
  EXPECT_TRUE(files.refs.empty());
  EXPECT_TRUE(files.problems.empty());
}

}  // namespace
}  // namespace trawl::test
