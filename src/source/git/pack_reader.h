// Reads blobs straight out of pack files, in pack order, resolving each
// delta chain once.
//
// For every pack of a PackSet (pack_set.h): the selected blobs it locates
// there (in the pack a multi-pack-index prefers), in pack order, have their
// delta chains followed to their bases, and each base is inflated once
// (libdeflate, whole-buffer: pack headers give every inflated size) and then
// the deltas built on it, depth first, so only the chain being rebuilt is
// held in memory. Independent delta trees are rebuilt in parallel (TBB).
// Object ids come from the index; nothing is re-hashed.
//
// Delta chains are followed and rebuilt without recursion, with a base let
// go before its last child is rebuilt (children ordered smallest subtree
// first), so a chain of any length holds two objects at a time and any delta
// tree at most log2(entries) + 1 per thread. Sizes are checked from headers
// before anything is inflated or allocated: a blob's from its entry header,
// a delta's result from the delta's own header, a base's from its header.
//
// What is handed to libgit2, and what never is. libgit2 crashes on some
// damaged indexes and loops forever on a REF_DELTA that is its own base, so
// it only reads (a) objects in no pack of the set (loose, or in a pack the
// set rejected: libgit2's view leaves such packs out, see
// repository_pool.h), and (b) objects in packs the set found sound
// (libgit2_safe) whose delta chain trawl walked to its end: no cycle, at
// most ObjectStore::kMaxChainLength long, every OFS_DELTA base an entry.
// Such an object is retried through libgit2 when its chain ends in another
// pack, when an entry's bytes fail their index's CRC-32, and when trawl
// fails to rebuild it (inflate error, bad delta, not a blob): libgit2
// then reads it or reports why not. Never retried, and skipped with the
// reason: a structural fault of the chain (unreadable entry header, cycle,
// too long, OFS_DELTA base not an entry), an object over the size limit,
// an object over the time budget, and any failure in a pack libgit2 may not
// read. Nothing reads out of bounds.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/object_id.h"
#include "content/skip_log.h"
#include "content/stage_one_found.h"
#include "source/git/pack_set.h"

namespace trawl {

struct PackReadStats {
  std::uint64_t packs = 0;           // packs read through this reader
  std::uint64_t blobs = 0;           // selected blobs it delivered or skipped
  std::uint64_t bases_inflated = 0;  // entries inflated that were not selected themselves
};

// Called concurrently from worker threads with each selected blob's bytes,
// and its stage 1 candidates when PackReadLimits::matcher is set (else null).
using PackedBlobConsumer = std::function<void(const ObjectId&, std::string_view, const StageOneFound*)>;

struct PackReadLimits {
  // Larger blobs are logged as too_large without being inflated; so are
  // those built on a larger base.
  std::uint64_t max_blob_size = 64ull << 20;
  // Time rebuilding one object may take, its chain from its base included;
  // an object over it is skipped as corrupt, saying so.
  std::chrono::steady_clock::duration object_time_budget = std::chrono::seconds(60);
  // When set, every object rebuilt is matched too: a whole object whole, a
  // delta by what it adds to its base (content/stage_one_found.h), each
  // object's candidates kept while objects are built on it.
  const DeltaMatcher* matcher = nullptr;
};

// Reads the `wanted` blobs (unique ids) that lie in `packs` and passes each
// to `consume`. Returns the wanted ids it neither delivered nor logged, for
// libgit2 (see above).
std::vector<ObjectId> read_packed_blobs(const PackSet& packs, const std::vector<ObjectId>& wanted,
                                        const PackReadLimits& limits, SkipLog& skips, const PackedBlobConsumer& consume,
                                        PackReadStats& stats);

// Whether libgit2 may be asked for entry `entry` of `pack`: nullopt when its
// delta chain ends (in this pack, or at a REF_DELTA base outside it) within
// the bounds above and no object on it exceeds `max_blob_size` by its
// header; else why not, with `reason` set (too_large or corrupt_object).
std::optional<std::string> check_for_libgit2(const PackSet::Pack& pack, std::uint32_t entry,
                                             std::uint64_t max_blob_size, SkipReason& reason);

}  // namespace trawl
