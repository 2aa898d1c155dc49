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
// Blobs this reader cannot deliver — loose objects, objects whose delta base
// lies outside their pack, packs the PackSet left out, and, as in the object
// store, chains with an entry whose bytes do not match its index's CRC-32 —
// are returned for the libgit2 reader (which reports what is wrong with
// them). A corrupt entry the CRC does not catch (bad header, inflate error,
// bad delta) is logged as a corrupt object with its pack and offset, and
// skipped; nothing reads out of bounds.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "content/object_id.h"
#include "content/skip_log.h"
#include "source/git/pack_set.h"

namespace trawl {

struct PackReadStats {
  std::uint64_t packs = 0;           // packs read through this reader
  std::uint64_t blobs = 0;           // selected blobs it delivered or skipped
  std::uint64_t bases_inflated = 0;  // entries inflated that were not selected themselves
};

// Called concurrently from worker threads with each selected blob's bytes.
using PackedBlobConsumer = std::function<void(const ObjectId&, std::string_view)>;

// Reads the `wanted` blobs (unique ids) that lie in `packs` and passes each
// (no larger than `max_blob_size`; larger ones are logged as too_large) to
// `consume`. Returns the wanted ids it neither delivered nor logged.
std::vector<ObjectId> read_packed_blobs(const PackSet& packs, const std::vector<ObjectId>& wanted,
                                        std::uint64_t max_blob_size, SkipLog& skips, const PackedBlobConsumer& consume,
                                        PackReadStats& stats);

}  // namespace trawl
