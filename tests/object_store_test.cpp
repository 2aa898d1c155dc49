// The object store must return exactly the type and bytes libgit2 reads for
// every object it returns, on every shape of object database the tests build
// (deep delta chains of trees and commits, several packs, a multi-pack-index,
// a thin pack fixed up with REF_DELTA bases), leave loose objects to libgit2,
// and on damaged packs return nothing rather than wrong bytes.
#include <gtest/gtest.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>

#include "source/git/clock_cache.h"
#include "source/git/git_handles.h"
#include "source/git/object_store.h"
#include "source/git/repository_pool.h"
#include "support/git_fixture.h"
#include "support/pack_fixtures.h"

namespace trawl::test {
namespace {

std::set<ObjectId> loose_object_ids(GitRepo& repo) {
  const CommandResult listing = run_command(
      "find objects -path 'objects/[0-9a-f][0-9a-f]/*' -type f | sed 's|^objects/||; s|/||'", repo.git_dir());
  const std::vector<ObjectId> ids = object_ids_in(listing.out);
  return {ids.begin(), ids.end()};
}

struct Object {
  ObjectType type;
  std::string bytes;
};

std::optional<Object> read_with_libgit2(git_odb* odb, const ObjectId& id) {
  const git_oid oid = to_git_oid(id);
  git_odb_object* raw = nullptr;
  if (git_odb_read(&raw, odb, &oid) < 0) return std::nullopt;
  OdbObjectPtr object(raw);
  return Object{static_cast<ObjectType>(git_odb_object_type(raw)),
                std::string(static_cast<const char*>(git_odb_object_data(raw)), git_odb_object_size(raw))};
}

std::map<ObjectId, Object> read_all_with_libgit2(const std::filesystem::path& git_dir,
                                                 const std::vector<ObjectId>& ids) {
  RepositoryPtr repo = open_repository(git_dir.string());
  git_odb* raw = nullptr;
  git_check(git_repository_odb(&raw, repo.get()), "opening the object database");
  OdbPtr odb(raw);
  std::map<ObjectId, Object> objects;
  for (const ObjectId& id : ids) {
    if (auto object = read_with_libgit2(odb.get(), id)) objects.emplace(id, std::move(*object));
  }
  return objects;
}

// Reads every object through the store, on several threads at once, and
// checks each against libgit2. Returns the ids the store did not return.
std::set<ObjectId> expect_same_as_libgit2(const std::filesystem::path& git_dir, const std::vector<ObjectId>& ids,
                                          std::size_t cache_bytes = ObjectStore::kDefaultCacheBytes) {
  const PackSet packs(git_dir.string());
  const ObjectStore store(packs, cache_bytes);
  const ObjectStore unread(packs, 0);
  RepositoryPool pool(git_dir.string());
  tbb::enumerable_thread_specific<OdbPtr> odbs;
  std::vector<std::uint8_t> returned(ids.size(), 0);
  std::atomic<std::size_t> wrong{0};
  tbb::parallel_for(std::size_t{0}, ids.size(), [&](std::size_t i) {
    OdbPtr& odb = odbs.local();
    if (!odb) {
      git_odb* raw = nullptr;
      git_check(git_repository_odb(&raw, pool.local()), "opening the object database");
      odb.reset(raw);
    }
    const StoredObjectPtr stored = store.read(ids[i]);
    if (!stored) return;
    returned[i] = 1;
    const auto expected = read_with_libgit2(odb.get(), ids[i]);
    if (!expected || expected->type != stored->type || expected->bytes != stored->view()) {
      ADD_FAILURE() << "the store's " << ids[i].hex() << " differs from libgit2's";
      ++wrong;
    }
    // The type from headers alone: from a store that rebuilt nothing yet,
    // and from this one, which may hold the object.
    if (!expected || unread.type_of(ids[i]) != expected->type || store.type_of(ids[i]) != expected->type) {
      ADD_FAILURE() << "the store's type of " << ids[i].hex() << " differs from libgit2's";
      ++wrong;
    }
  });
  EXPECT_EQ(wrong.load(), 0u);
  std::set<ObjectId> not_returned;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (returned[i] == 0) not_returned.insert(ids[i]);
  }
  return not_returned;
}

std::filesystem::path only_pack(GitRepo& repo) {
  std::filesystem::path pack;
  for (const auto& e : std::filesystem::directory_iterator(repo.git_dir() / "objects/pack")) {
    if (e.path().extension() == ".pack") pack = e.path();
  }
  return pack;
}

TEST(ObjectStore, ReadsEveryObjectOfDeepDeltaChainsLikeLibgit2) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  grow_history(repo, 60, "a");
  repo.git("repack -q -a -d -f --depth=50 --window=250");
  // Trees ten and more deltas deep exist.
  const std::string deep_trees = repo.git(
      "verify-pack -v $(git rev-parse --git-dir)/objects/pack/*.idx | "
      "awk '$2 == \"tree\" && $6 >= 10' | wc -l");
  EXPECT_GT(std::stoi(deep_trees), 0);
  const std::vector<ObjectId> ids = repo.object_ids();
  EXPECT_TRUE(expect_same_as_libgit2(repo.git_dir(), ids).empty());
  // A cache too small to hold a chain gives the same bytes.
  EXPECT_TRUE(expect_same_as_libgit2(repo.git_dir(), ids, 4096).empty());
}

TEST(ObjectStore, RebuildsEachEntryOnceWhenItsCacheHoldsTheChains) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  grow_history(repo, 40, "a");
  repo.git("repack -q -a -d -f --depth=50 --window=250");
  // Commits asked for are not kept; trees and blobs are.
  const std::vector<ObjectId> ids = object_ids_in(
      repo.git("cat-file --batch-all-objects --batch-check='%(objectname) %(objecttype)' | grep -v ' commit$' | "
               "cut -d' ' -f1"));
  const PackSet packs(repo.git_dir().string());
  const ObjectStore store(packs);
  for (const ObjectId& id : ids) ASSERT_NE(store.read(id), nullptr);
  const ObjectStore::Stats first = store.stats();
  EXPECT_LE(first.kept, ids.size());
  EXPECT_GT(first.cache_hits, 0u);
  for (const ObjectId& id : ids) ASSERT_NE(store.read(id), nullptr);
  EXPECT_EQ(store.stats().kept, first.kept);
  EXPECT_EQ(store.stats().cache_hits, first.cache_hits + ids.size());
}

TEST(ObjectStore, ReadsSeveralPacksAndLeavesLooseObjectsToLibgit2) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  grow_two_packs_and_loose_objects(repo);
  EXPECT_EQ(repo.git("count-objects -v | grep '^packs:'"), "packs: 2\n");
  const std::set<ObjectId> loose = loose_object_ids(repo);
  ASSERT_FALSE(loose.empty());
  EXPECT_EQ(expect_same_as_libgit2(repo.git_dir(), repo.object_ids()), loose);
  const PackSet packs(repo.git_dir().string());
  EXPECT_EQ(packs.size(), 2u);
  EXPECT_EQ(ObjectStore(packs).pack_count(), 2u);
}

TEST(ObjectStore, ReadsObjectsThatSeveralPacksHoldThroughAMultiPackIndex) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  grow_history(repo, 15, "a");
  repo.git("repack -q -d");
  grow_history(repo, 15, "b");
  repo.git("repack -q -a");  // a second pack holding everything again
  repo.git("multi-pack-index write");
  ASSERT_TRUE(std::filesystem::exists(repo.git_dir() / "objects/pack/multi-pack-index"));
  EXPECT_TRUE(expect_same_as_libgit2(repo.git_dir(), repo.object_ids()).empty());
}

TEST(ObjectStore, ReadsAThinPackFixedUpWithRefDeltaBases) {
  TempDir dir;
  GitRepo source(dir.path() / "source");
  GitRepo target(dir.path() / "target", true);
  fetch_thin_pack(source, target);
  EXPECT_EQ(target.git("count-objects -v | grep '^packs:'"), "packs: 2\n");
  EXPECT_TRUE(expect_same_as_libgit2(target.git_dir(), target.object_ids()).empty());
}

TEST(ObjectStore, ReturnsNothingRatherThanWrongBytesFromDamagedPacks) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  grow_history(repo, 30, "a");
  repo.git("repack -q -a -d -f --depth=50 --window=250");
  const std::vector<ObjectId> ids = repo.object_ids();
  const std::map<ObjectId, Object> good = read_all_with_libgit2(repo.git_dir(), ids);
  ASSERT_EQ(good.size(), ids.size());

  const std::filesystem::path pack = only_pack(repo);
  std::ifstream in(pack, std::ios::binary);
  const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::permissions(pack, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);

  // Where entries start: flipping a type bit there turns a tree into a blob
  // of the same size, which inflates fine.
  std::vector<std::size_t> entries;
  std::istringstream index(
      repo.git("show-index < " + shell_quote(pack.string().substr(0, pack.string().size() - 5)) + ".idx"));
  for (std::string line; std::getline(index, line);) entries.push_back(std::stoul(line.substr(0, line.find(' '))));

  std::mt19937 rng(2025);
  std::size_t returned = 0;
  for (int round = 0; round < 80; ++round) {
    std::string damaged = original;
    if (round % 4 == 3) {
      damaged[entries[rng() % entries.size()]] ^= 0x10;
    } else if (round % 6 == 5) {
      damaged.resize(12 + rng() % (original.size() - 12));  // truncated
    } else {
      for (int flips = 0; flips < 1 + round % 5; ++flips) {
        damaged[12 + rng() % (damaged.size() - 32)] ^= static_cast<char>(1 + rng() % 255);
      }
    }
    std::ofstream(pack, std::ios::binary | std::ios::trunc) << damaged;
    const PackSet packs(repo.git_dir().string());
    const ObjectStore store(packs);
    for (const ObjectId& id : ids) {
      // A type from headers alone is never wrong either.
      if (const auto type = store.type_of(id)) {
        ASSERT_EQ(*type, good.at(id).type) << "round " << round << ": " << id.hex();
      }
      const StoredObjectPtr stored = store.read(id);
      if (!stored) continue;
      ++returned;
      const Object& expected = good.at(id);
      ASSERT_EQ(stored->type, expected.type) << "round " << round << ": " << id.hex();
      ASSERT_EQ(stored->view(), expected.bytes) << "round " << round << ": " << id.hex();
    }
  }
  // Damage is local: most objects stay readable.
  EXPECT_GT(returned, ids.size() * 10);
}

TEST(ObjectStore, ReadsTheRepositoryNamedByTrawlTestRepo) {
  const char* path = std::getenv("TRAWL_TEST_REPO");
  if (path == nullptr) GTEST_SKIP() << "TRAWL_TEST_REPO is not set: no external repository to compare on";
  GitRepo repo{std::filesystem::path(path), GitRepo::kExisting};
  const std::vector<ObjectId> ids = repo.object_ids();
  const std::set<ObjectId> not_returned = expect_same_as_libgit2(repo.git_dir(), ids);
  const std::set<ObjectId> loose = loose_object_ids(repo);
  for (const ObjectId& id : not_returned) EXPECT_TRUE(loose.contains(id)) << "packed but not read: " << id.hex();
}

// The clock cache's index of slots: open addressing whose erase moves keys
// back into the hole. Against a node-based map, with a hash that sends keys
// to few homes (long runs that wrap round the table's end) and one that
// spreads them, through growth and many erases.
struct FewHomes {
  std::size_t operator()(std::uint64_t key) const { return key % 7; }
};
template <typename Hash>
void slot_index_agrees_with_a_map(std::uint32_t seed) {
  SlotIndex<std::uint64_t, Hash> index;
  std::unordered_map<std::uint64_t, std::uint32_t> map;
  std::mt19937 rng(seed);
  for (std::uint32_t step = 0; step < 40000; ++step) {
    const std::uint64_t key = rng() % 3000;
    const std::uint32_t* found = index.find(key);
    const auto it = map.find(key);
    ASSERT_EQ(found != nullptr, it != map.end()) << key;
    if (found != nullptr) {
      ASSERT_EQ(*found, it->second) << key;
    }
    if (rng() % 3 == 0) {
      index.erase(key);
      map.erase(key);
    } else if (found == nullptr) {
      index.emplace(key, step);
      map.emplace(key, step);
    }
  }
  for (std::uint64_t key = 0; key < 3000; ++key) {
    const std::uint32_t* found = index.find(key);
    const auto it = map.find(key);
    ASSERT_EQ(found != nullptr, it != map.end()) << key;
    if (found != nullptr) {
      EXPECT_EQ(*found, it->second) << key;
    }
  }
}

TEST(ClockCache, ItsSlotIndexFindsWhatAMapFindsThroughInsertsAndErases) {
  slot_index_agrees_with_a_map<FewHomes>(3);
  slot_index_agrees_with_a_map<std::hash<std::uint64_t>>(4);
}

TEST(ClockCache, EvictsWhatWasNotUsedSinceTheHandPassed) {
  ClockCache<int, std::string> cache(30);
  cache.insert(1, "one", 10);
  cache.insert(2, "two", 10);
  cache.insert(3, "three", 10);
  ASSERT_NE(cache.find(1), nullptr);  // 1 is used, so 2 goes first
  cache.insert(4, "four", 10);
  EXPECT_EQ(cache.find(2), nullptr);
  ASSERT_NE(cache.find(1), nullptr);
  EXPECT_EQ(*cache.find(1), "one");
  EXPECT_NE(cache.find(3), nullptr);
  EXPECT_NE(cache.find(4), nullptr);
  cache.insert(5, "too large", 31);  // over the whole budget: not kept
  EXPECT_EQ(cache.find(5), nullptr);
  cache.insert(4, "again", 10);  // kept already
  EXPECT_EQ(*cache.find(4), "four");
  cache.insert(6, "six", 30);  // takes the whole budget
  EXPECT_EQ(cache.find(1), nullptr);
  EXPECT_EQ(cache.find(3), nullptr);
  EXPECT_EQ(cache.find(4), nullptr);
  EXPECT_EQ(*cache.find(6), "six");
}

}  // namespace
}  // namespace trawl::test
