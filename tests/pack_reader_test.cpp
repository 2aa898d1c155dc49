// The pack reader must deliver exactly the blobs, with exactly the bytes,
// that libgit2 reads, on every shape of object database the tests build: deep
// delta chains, several packs plus loose objects, reverse indexes, a
// multi-pack-index, thin packs fixed up with REF_DELTA bases; and on damaged
// packs it must skip, never crash or deliver wrong bytes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <sstream>

#include "source/git/blob_reader.h"
#include "source/git/git_delta.h"
#include "source/git/multi_pack_index.h"
#include "source/git/object_store.h"
#include "source/git/pack_index.h"
#include "support/batch_collector.h"
#include "support/git_fixture.h"
#include "support/pack_builder.h"
#include "support/pack_fixtures.h"

namespace trawl::test {
namespace {

struct ReadResult {
  std::map<ObjectId, std::string> blobs;
  BlobReadStats stats;
  std::vector<SkippedObject> skipped;
};

ReadResult read_all(const std::filesystem::path& git_dir, const std::vector<ObjectId>& ids, BlobSource source) {
  ReadResult result;
  SkipLog skips;
  BlobReadOptions options;
  options.source = source;
  BatchCollector collector(1 << 16);  // many small batches
  BatchFiller filler(collector);
  const PackSet packs(git_dir.string());
  result.stats = read_blobs(git_dir.string(), packs, ids, options, skips, filler);
  for (const BlobBatch& batch : collector.batches) {
    for (std::size_t i = 0; i < batch.entries.size(); ++i) {
      EXPECT_TRUE(result.blobs.emplace(batch.entries[i].key.git_id(), std::string(batch.bytes(i))).second)
          << "delivered twice: " << batch.entries[i].key.hex();
    }
  }
  result.skipped = skips.entries();
  return result;
}

void expect_same_as_libgit2(GitRepo& repo, std::uint64_t expect_from_packs_at_least) {
  const std::vector<ObjectId> ids = repo.object_ids("blob");
  ASSERT_FALSE(ids.empty());
  const ReadResult packs = read_all(repo.git_dir(), ids, BlobSource::kPacks);
  const ReadResult libgit2 = read_all(repo.git_dir(), ids, BlobSource::kLibgit2);
  EXPECT_EQ(packs.blobs.size(), libgit2.blobs.size());
  EXPECT_TRUE(packs.blobs == libgit2.blobs);
  std::vector<std::pair<SkipReason, std::string>> packs_skipped;
  std::vector<std::pair<SkipReason, std::string>> libgit2_skipped;
  for (const SkippedObject& s : packs.skipped) packs_skipped.emplace_back(s.reason, s.id);
  for (const SkippedObject& s : libgit2.skipped) libgit2_skipped.emplace_back(s.reason, s.id);
  EXPECT_EQ(packs_skipped, libgit2_skipped);
  EXPECT_GE(packs.stats.from_packs, expect_from_packs_at_least);
  EXPECT_EQ(packs.stats.from_packs + packs.stats.from_libgit2, ids.size());
}

TEST(PackReader, ReadsDeepDeltaChainsLikeLibgit2) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  grow_history(repo, 60, "a");
  repo.git("repack -q -a -d -f --depth=50 --window=250");
  // Chains of ten and more deltas exist.
  EXPECT_FALSE(repo.git("verify-pack -v $(git rev-parse --git-dir)/objects/pack/*.idx | grep 'chain length = "
                        "[1-9][0-9]:' || true")
                   .empty());
  expect_same_as_libgit2(repo, 100);
}

TEST(PackReader, ReadsSeveralPacksLooseObjectsAndReverseIndexes) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  grow_two_packs_and_loose_objects(repo);
  EXPECT_EQ(repo.git("count-objects -v | grep '^packs:'"), "packs: 2\n");
  expect_same_as_libgit2(repo, 40);
}

TEST(PackReader, ReadsEachObjectOnceFromThePackTheMultiPackIndexPrefers) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  grow_history(repo, 15, "a");
  repo.git("repack -q -d");
  grow_history(repo, 15, "b");
  repo.git("repack -q -a");  // a second pack holding everything again: every early object is in two packs
  repo.git("multi-pack-index write");
  ASSERT_TRUE(std::filesystem::exists(repo.git_dir() / "objects/pack/multi-pack-index"));
  const std::string midx =
      repo.git("multi-pack-index verify && ls $(git rev-parse --git-dir)/objects/pack/ | grep -c '\\.pack$'");
  EXPECT_NE(midx.find('2'), std::string::npos);
  expect_same_as_libgit2(repo, 0);
  const std::vector<ObjectId> ids = repo.object_ids("blob");
  const auto index = MultiPackIndex::load((repo.git_dir() / "objects/pack/multi-pack-index").string());
  ASSERT_TRUE(index.has_value());
  ASSERT_EQ(index->pack_names().size(), 2u);
  for (const ObjectId& id : ids) {
    const auto pack = index->pack_of(id);
    ASSERT_TRUE(pack.has_value()) << id.hex();
    EXPECT_TRUE(*pack == index->pack_names()[0] || *pack == index->pack_names()[1]);
  }
  EXPECT_EQ(read_all(repo.git_dir(), ids, BlobSource::kPacks).stats.from_packs, ids.size());
}

TEST(PackReader, ReadsAThinPackFixedUpWithRefDeltaBases) {
  TempDir dir;
  GitRepo source(dir.path() / "source");
  GitRepo target(dir.path() / "target", true);
  fetch_thin_pack(source, target);
  // The fixed-up pack holds REF_DELTA entries whose bases were appended.
  EXPECT_EQ(target.git("count-objects -v | grep '^packs:'"), "packs: 2\n");
  expect_same_as_libgit2(target, 40);
}

TEST(PackReader, SkipsDamagedEntriesWithoutCrashingOrDeliveringWrongBytes) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  grow_history(repo, 30, "a");
  repo.git("repack -q -a -d -f --depth=50 --window=250");
  const std::vector<ObjectId> ids = repo.object_ids("blob");
  const ReadResult good = read_all(repo.git_dir(), ids, BlobSource::kLibgit2);

  std::filesystem::path pack;
  for (const auto& e : std::filesystem::directory_iterator(repo.git_dir() / "objects/pack")) {
    if (e.path().extension() == ".pack") pack = e.path();
  }
  std::ifstream in(pack, std::ios::binary);
  const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::permissions(pack, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);

  std::mt19937 rng(2024);
  for (int round = 0; round < 40; ++round) {
    std::string damaged = original;
    if (round % 4 == 3) {
      damaged.resize(12 + rng() % (original.size() - 12));  // truncated
    } else {
      for (int flips = 0; flips < 1 + round % 5; ++flips) {
        damaged[12 + rng() % (damaged.size() - 32)] ^= static_cast<char>(1 + rng() % 255);
      }
    }
    std::ofstream(pack, std::ios::binary | std::ios::trunc) << damaged;
    const ReadResult result = read_all(repo.git_dir(), ids, BlobSource::kPacks);
    for (const auto& [id, bytes] : result.blobs) {
      ASSERT_EQ(bytes, good.blobs.at(id)) << "round " << round << ": wrong bytes for " << id.hex();
    }
    EXPECT_EQ(result.blobs.size() + result.skipped.size(), ids.size()) << "round " << round;
  }
}

// An entry whose bytes no longer match the CRC-32 its index records is not
// rebuilt by the pack reader, as the object store does not return it: both
// leave it to libgit2, which reads it when its bytes are sound (here the
// index's CRC was altered) and reports it corrupt when they are not.
TEST(PackReader, LeavesEntriesThatFailTheirIndexCrcToLibgit2LikeTheObjectStore) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  // Random text, so that every blob lies whole in the pack, a delta of none.
  std::mt19937 rng(7);
  for (int f = 0; f < 4; ++f) {
    std::string text;
    for (int word = 0; word < 400; ++word) text += std::to_string(rng()) + (word % 8 == 7 ? "\n" : " ");
    repo.write("f" + std::to_string(f) + ".txt", text);
  }
  repo.commit("random text");
  repo.git("repack -q -a -d");
  auto blob_at = [&](const std::string& path) {
    std::string hex = repo.git("rev-parse HEAD:" + path);
    hex.pop_back();
    return hex;
  };
  const std::string damaged = blob_at("f1.txt");      // its packed bytes altered
  const std::string crc_altered = blob_at("f2.txt");  // the CRC its index records altered

  std::filesystem::path pack;
  for (const auto& e : std::filesystem::directory_iterator(repo.git_dir() / "objects/pack")) {
    if (e.path().extension() == ".pack") pack = e.path();
  }
  std::filesystem::path idx = pack;
  idx.replace_extension(".idx");
  // "<id> blob <size> <size in pack> <offset>"
  std::istringstream entry(repo.git("verify-pack -v " + shell_quote(idx.string()) + " | grep '^" + damaged + " '"));
  std::string id, type;
  std::uint64_t size = 0, packed = 0, offset = 0;
  entry >> id >> type >> size >> packed >> offset;
  ASSERT_EQ(type, "blob");
  ASSERT_GT(packed, 100u);

  // A byte in the middle of the entry's compressed data.
  rewrite_file(pack, [&](std::string& bytes) { bytes[offset + packed / 2] ^= 0x5a; });
  const auto index = PackIndex::load(idx.string());
  ASSERT_TRUE(index.has_value());
  ObjectId crc_altered_id;
  for (std::size_t i = 0; i < 20; ++i)
    crc_altered_id.bytes[i] = static_cast<std::uint8_t>(std::stoi(crc_altered.substr(2 * i, 2), nullptr, 16));
  const auto position = index->position_of(crc_altered_id);
  ASSERT_TRUE(position.has_value());
  // The index's own checksum is made to match again: a pack whose index
  // fails it is never shown to libgit2.
  rewrite_file(idx, [&](std::string& bytes) {
    bytes[8 + 256 * 4 + 20 * index->object_count() + 4 * std::size_t{*position} + 3] ^= 0x01;
    bytes.replace(bytes.size() - 20, 20, sha1_of(bytes.substr(0, bytes.size() - 20)));
  });

  const std::vector<ObjectId> ids = repo.object_ids("blob");
  ASSERT_EQ(ids.size(), 4u);
  {
    const PackSet packs(repo.git_dir().string());
    ASSERT_EQ(packs.size(), 1u);
    const ObjectStore store(packs);
    for (const ObjectId& blob : ids) {
      EXPECT_EQ(store.read(blob) == nullptr, blob.hex() == damaged || blob.hex() == crc_altered) << blob.hex();
    }
  }
  const ReadResult packs = read_all(repo.git_dir(), ids, BlobSource::kPacks);
  const ReadResult libgit2 = read_all(repo.git_dir(), ids, BlobSource::kLibgit2);
  EXPECT_EQ(packs.stats.from_libgit2, 2u);
  EXPECT_EQ(packs.stats.from_packs, 2u);
  // What the pack reader left, libgit2 read: the same blobs and the same skips.
  EXPECT_TRUE(packs.blobs == libgit2.blobs);
  ASSERT_EQ(packs.blobs.size(), 3u);
  EXPECT_TRUE(packs.blobs.contains(crc_altered_id));
  ASSERT_EQ(packs.skipped.size(), 1u);
  EXPECT_EQ(packs.skipped[0].reason, SkipReason::kCorruptObject);
  EXPECT_EQ(packs.skipped[0].id, damaged);
  EXPECT_TRUE(packs.skipped[0].detail.starts_with("blob: ")) << packs.skipped[0].detail;
  ASSERT_EQ(libgit2.skipped.size(), 1u);
  EXPECT_EQ(libgit2.skipped[0].id, damaged);
}

TEST(PackReader, ReadsTheRepositoryNamedByTrawlTestRepo) {
  const char* path = std::getenv("TRAWL_TEST_REPO");
  if (path == nullptr) GTEST_SKIP() << "TRAWL_TEST_REPO is not set: no external repository to compare on";
  GitRepo repo{std::filesystem::path(path), GitRepo::kExisting};
  expect_same_as_libgit2(repo, 1);
}

TEST(GitDelta, RejectsCopiesOutsideTheBaseAndWrongSizes) {
  std::vector<char> out;
  const std::string base = "hello world";
  // base size 11, result size 5, copy offset 6 size 5 → "world"
  const std::string copy = std::string("\x0b\x05\x91\x06\x05", 5);
  ASSERT_TRUE(apply_delta(base, copy, out));
  EXPECT_EQ(std::string(out.data(), out.size()), "world");
  const std::string outside = std::string("\x0b\x05\x91\x08\x05", 5);
  EXPECT_FALSE(apply_delta(base, outside, out));
  const std::string wrong_base = std::string("\x0c\x05\x91\x06\x05", 5);
  EXPECT_FALSE(apply_delta(base, wrong_base, out));
  const std::string short_result = std::string("\x0b\x06\x91\x06\x05", 5);
  EXPECT_FALSE(apply_delta(base, short_result, out));
  const std::string insert = std::string("\x0b\x03\x03xyz", 6);
  ASSERT_TRUE(apply_delta(base, insert, out));
  EXPECT_EQ(std::string(out.data(), out.size()), "xyz");
  EXPECT_FALSE(apply_delta(base, std::string("\x0b\x03\x04xyz", 6), out));  // insert past the end
  EXPECT_FALSE(apply_delta(base, std::string("\x0b\x01\x00", 3), out));     // reserved opcode
}

}  // namespace
}  // namespace trawl::test
