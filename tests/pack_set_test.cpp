// A scan opens the repository's packs once: each index is read once, for
// the walk, the blob reader and the search of the tips alike. The set finds
// an object in the pack a multi-pack-index prefers, and orders ids by where
// it finds them.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "scan/scans.h"
#include "source/git/pack_set.h"
#include "support/git_fixture.h"
#include "support/pack_fixtures.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

TEST(PackSet, AScanReadsEachPackIndexOnce) {
  TempDir dir;
  std::ofstream(dir.path() / "rules.toml") << kTestTokenRule;
  GitRepo repo(dir.path() / "repo");
  repo.write("secret.txt", "tok_a1b2c3d4e5f6g7h8i9j0\n");
  grow_history(repo, 10, "a");
  repo.git("repack -q -d");
  grow_history(repo, 10, "b");
  repo.git("repack -q -d");
  repo.git("multi-pack-index write");
  grow_history(repo, 3, "c");  // loose
  ASSERT_EQ(repo.git("count-objects -v | grep '^packs:'"), "packs: 2\n");

  for (const BlobSource source : {BlobSource::kPacks, BlobSource::kLibgit2}) {
    GitScanOptions options;
    options.repo_path = repo.path().string();
    options.config_path = (dir.path() / "rules.toml").string();
    options.blob_source = source;
    std::ostringstream log;
    const std::uint64_t before = PackIndex::files_read();
    const ScanResult result = scan_git_history(options, log);
    EXPECT_EQ(PackIndex::files_read() - before, 2u);
    // The secret's timeline searched the tips too.
    ASSERT_EQ(result.findings.size(), 1u);
    ASSERT_EQ(result.secrets.size(), 1u);
  }
}

TEST(PackSet, FindsObjectsInThePackTheMultiPackIndexPrefers) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  grow_history(repo, 10, "a");
  repo.git("repack -q -d");
  grow_history(repo, 10, "b");
  repo.git("repack -q -a");  // a second pack holding everything again
  repo.git("multi-pack-index write");
  const std::vector<ObjectId> ids = repo.object_ids();
  const PackSet packs(repo.git_dir().string());
  ASSERT_EQ(packs.size(), 2u);
  const auto midx = MultiPackIndex::load((repo.git_dir() / "objects/pack/multi-pack-index").string());
  ASSERT_TRUE(midx.has_value());
  std::size_t in_both = 0;
  for (const ObjectId& id : ids) {
    const auto at = packs.locate(id);
    ASSERT_TRUE(at.has_value()) << id.hex();
    const PackSet::Pack& pack = packs[at->pack];
    EXPECT_EQ(pack.id_at(at->entry), id);
    EXPECT_TRUE(pack.crc_matches(at->entry));
    const std::string idx_name = pack.name.substr(0, pack.name.size() - 5) + ".idx";
    EXPECT_EQ(midx->pack_of(id), idx_name) << id.hex();
    if (packs[0].entry_of(id) && packs[1].entry_of(id)) ++in_both;
  }
  EXPECT_GT(in_both, 0u);

  // Ordered by pack, then pack order; what no pack holds comes last, as given.
  std::vector<ObjectId> asked = ids;
  ObjectId nowhere_a;
  nowhere_a.bytes[0] = 1;
  ObjectId nowhere_b;
  nowhere_b.bytes[0] = 2;
  asked.insert(asked.begin(), nowhere_b);
  asked.push_back(nowhere_a);
  const std::vector<ObjectId> ordered = order_by_pack_position(packs, asked);
  ASSERT_EQ(ordered.size(), asked.size());
  for (std::size_t i = 0; i + 3 < ordered.size(); ++i) {
    const auto a = packs.locate(ordered[i]);
    const auto b = packs.locate(ordered[i + 1]);
    ASSERT_TRUE(a.has_value() && b.has_value());
    EXPECT_TRUE(a->pack < b->pack || (a->pack == b->pack && a->entry < b->entry));
  }
  EXPECT_EQ(ordered[ordered.size() - 2], nowhere_b);
  EXPECT_EQ(ordered.back(), nowhere_a);
}

TEST(PackSet, KeepsWhatATruncatedPackStillHoldsAndKeepsThePackFromLibgit2) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  grow_history(repo, 10, "a");
  repo.git("repack -q -d");
  grow_history(repo, 10, "b");
  repo.git("repack -q -d");
  std::vector<std::filesystem::path> pack_files;
  for (const auto& e : std::filesystem::directory_iterator(repo.git_dir() / "objects/pack")) {
    if (e.path().extension() == ".pack") pack_files.push_back(e.path());
  }
  std::sort(pack_files.begin(), pack_files.end());
  ASSERT_EQ(pack_files.size(), 2u);
  // Cut the first pack short: its index's offsets now run past its end.
  std::filesystem::permissions(pack_files[0], std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  std::filesystem::resize_file(pack_files[0], std::filesystem::file_size(pack_files[0]) / 2);
  const PackSet packs(repo.git_dir().string());
  ASSERT_EQ(packs.size(), 2u);
  EXPECT_EQ(packs[0].name, pack_files[0].filename().string());
  EXPECT_GT(packs[0].entry_count(), 0u);
  EXPECT_LT(packs[0].entry_count(), packs[0].index.object_count());
  EXPECT_FALSE(packs[0].libgit2_safe);
  EXPECT_TRUE(packs[1].libgit2_safe);
  ASSERT_EQ(packs.problems().size(), 1u);
  EXPECT_EQ(packs.problems()[0].pack, pack_files[0].filename().string());
  EXPECT_FALSE(packs.problems()[0].rejected);
  EXPECT_NE(packs.problems()[0].what.find("outside the pack's"), std::string::npos) << packs.problems()[0].what;
  const auto indexes = packs.libgit2_pack_indexes();
  ASSERT_TRUE(indexes.has_value());
  ASSERT_EQ(indexes->size(), 1u);
  EXPECT_EQ(std::filesystem::path((*indexes)[0]).stem(), pack_files[1].stem());
}

}  // namespace
}  // namespace trawl::test
