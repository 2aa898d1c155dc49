// Random access to the objects in a repository's pack files, for the
// history walk's commits and trees.
//
// libgit2 rebuilds a packed object through a small delta-base cache behind
// one lock per pack, so threads walking trees (nearly all of them deltas of
// a neighbouring version) re-inflate the same chains again and again, one at
// a time. This store reads the packs of a PackSet (pack_set.h), finds an
// object there (in the pack a multi-pack-index prefers, when one is
// present), follows its delta chain down to an entry it has already rebuilt
// or to a whole one, inflates each entry in one call (libdeflate: pack
// headers give every inflated size) and applies the deltas back up. Every
// object rebuilt on the way (but the commit asked for: commits are read once
// each) is kept in a byte-bounded cache keyed by (pack, entry), split in
// independently locked shards that evict with the clock algorithm, so the
// next version of a tree costs one delta and walker threads do not wait on
// each other.
//
// It returns only what it could check: each entry's CRC-32 must match the
// one its index records, sizes must fit the bytes they come from, a delta
// chain must end within kMaxChainLength entries and a REF_DELTA base must lie
// in the same pack. Anything else (loose objects, packs the PackSet left
// out, corrupt entries) is "not here": read() returns null and the caller
// asks libgit2, which then reports what is really wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/object_id.h"
#include "source/git/pack_set.h"

namespace trawl {

enum class ObjectType : std::uint8_t { kCommit = 1, kTree = 2, kBlob = 3, kTag = 4 };

// An object's type and bytes, shared between the cache and its readers.
struct StoredObject {
  ObjectType type = ObjectType::kBlob;
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
  std::string_view view() const { return {data.get(), size}; }
};
using StoredObjectPtr = std::shared_ptr<const StoredObject>;

class ObjectStore {
 public:
  static constexpr std::size_t kDefaultCacheBytes = std::size_t{64} << 20;
  // Longer chains are left to libgit2; git itself writes at most 4095.
  static constexpr std::size_t kMaxChainLength = 10000;

  // Reads the packs of `packs`, which must outlive the store; the objects of
  // packs it left out are not here. `cache_bytes` bounds the objects kept
  // for reuse (a single object larger than a cache shard's share is rebuilt
  // but not kept).
  explicit ObjectStore(const PackSet& packs, std::size_t cache_bytes = kDefaultCacheBytes);
  ~ObjectStore();
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // The object `id`, or null when no pack here holds a copy this store can
  // read and check. Safe to call from any number of threads at once.
  StoredObjectPtr read(const ObjectId& id) const;

  // The type of object `id`, from the headers of its pack entry and of the
  // entries down its delta chain, each checked as read() checks it, without
  // inflating anything; nullopt where read() would give null.
  std::optional<ObjectType> type_of(const ObjectId& id) const;

  // Packs in use.
  std::size_t pack_count() const;

  struct Stats {
    std::uint64_t cache_hits = 0;  // reads that found their object, or part of its chain, kept
    std::uint64_t kept = 0;        // objects rebuilt and offered to the cache
  };
  Stats stats() const;

 private:
  class Cache;
  StoredObjectPtr rebuild(PackSet::Location at) const;

  const PackSet& packs_;
  std::unique_ptr<Cache> cache_;
};

}  // namespace trawl
