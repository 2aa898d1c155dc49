// Objects missing from the object database (partial clones) or corrupt on
// disk are skipped and counted; the rest of the scan completes.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "scan/scans.h"
#include "support/git_fixture.h"
#include "support/scan_counts.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

const std::string kSurvivor = "tok_v1v2v3v4v5v6v7v8v9v0";
const std::string kInDamaged = "tok_d1d2d3d4d5d6d7d8d9d0";

class DamagedRepository : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "rules.toml") << kTestTokenRule;
    repo_ = std::make_unique<GitRepo>(dir_.path() / "repo");
    repo_->write("good.txt", kSurvivor + "\n");
    repo_->write("damaged.txt", kInDamaged + "\n");
    repo_->commit("two files");
    damaged_blob_ = repo_->git("rev-parse HEAD:damaged.txt");
    damaged_blob_.pop_back();
  }

  ScanResult scan() {
    GitScanOptions options;
    options.repo_path = repo_->path().string();
    options.config_path = (dir_.path() / "rules.toml").string();
    std::ostringstream log;
    return scan_git_history(options, log);
  }

  TempDir dir_;
  std::unique_ptr<GitRepo> repo_;
  std::string damaged_blob_;
};

TEST_F(DamagedRepository, CountsAMissingBlobAndReportsTheRest) {
  std::filesystem::remove(repo_->loose_object_path(damaged_blob_));
  const ScanResult result = scan();
  EXPECT_EQ(skipped(result, "missing_object"), 1u);
  EXPECT_EQ(skipped(result, "corrupt_object"), 0u);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].secret, kSurvivor);
  ASSERT_EQ(result.skipped.size(), 1u);
  EXPECT_EQ(result.skipped[0].id, damaged_blob_);
}

TEST_F(DamagedRepository, CountsACorruptLooseObjectAndReportsTheRest) {
  const auto object = repo_->loose_object_path(damaged_blob_);
  std::filesystem::remove(object);
  std::ofstream(object, std::ios::binary) << "this is not zlib data at all";
  const ScanResult result = scan();
  EXPECT_EQ(skipped(result, "corrupt_object"), 1u);
  EXPECT_EQ(skipped(result, "missing_object"), 0u);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].secret, kSurvivor);
  ASSERT_EQ(result.skipped.size(), 1u);
  EXPECT_EQ(result.skipped[0].id, damaged_blob_);
}

TEST_F(DamagedRepository, CountsAMissingTreeAndScansTheOtherCommits) {
  repo_->write("later.txt", "nothing\n");
  repo_->commit("second");
  std::string tree = repo_->git("rev-parse HEAD^{tree}");
  tree.pop_back();
  std::filesystem::remove(repo_->loose_object_path(tree));
  const ScanResult result = scan();
  EXPECT_EQ(skipped(result, "missing_object"), 1u);
  EXPECT_EQ(result.findings.size(), 2u);
}

}  // namespace
}  // namespace trawl::test

namespace trawl::test {
namespace {

TEST(SkippedContent, CountsLfsPointersAndSubmodulesWithoutScanningThem) {
  TempDir dir;
  std::ofstream(dir.path() / "rules.toml") << kTestTokenRule;
  GitRepo repo(dir.path() / "repo");
  repo.write("model.bin", "version https://git-lfs.github.com/spec/v1\noid sha256:" + std::string(64, 'a') +
                              "\nsize 12345\n# " + kInDamaged + "\n");
  repo.write("plain.txt", kSurvivor + "\n");
  repo.git("add model.bin plain.txt");
  // A gitlink with no checkout: `git add -A` would drop it, so commit the index as it is.
  repo.git("update-index --add --cacheinfo 160000," + std::string(40, '1') + ",vendor/lib");
  repo.git("commit -q -m 'lfs and submodule'");

  GitScanOptions options;
  options.repo_path = repo.path().string();
  options.config_path = (dir.path() / "rules.toml").string();
  std::ostringstream log;
  const ScanResult result = scan_git_history(options, log);
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].secret, kSurvivor);
  std::map<std::string, std::uint64_t> skipped(result.summary.skipped.begin(), result.summary.skipped.end());
  EXPECT_EQ(skipped["lfs_pointer"], 1u);
  EXPECT_EQ(skipped["submodule"], 1u);
  EXPECT_EQ(result.summary.blobs, 2u);
  EXPECT_EQ(result.summary.blobs_scanned, 1u);
}

}  // namespace
}  // namespace trawl::test
