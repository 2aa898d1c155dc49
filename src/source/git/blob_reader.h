// Reads a git repository's blobs into BlobBatches, in parallel.
//
// Blobs in packs come from the pack reader (pack_reader.h: pack order, each
// delta chain resolved once); the rest (loose objects, bases in other
// packs, packs the fast path cannot read) from libgit2. Both feed the same
// BatchFiller, one batch per reading thread, handed to the scan pipeline
// when full.
//
// Blobs that are binary (a NUL in the first 8000 bytes, as git decides),
// over the size limit, git-LFS pointers, missing or corrupt are recorded in
// the SkipLog and never reach a batch.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "content/object_id.h"
#include "content/skip_log.h"
#include "content/stage_one_found.h"
#include "source/content_source.h"
#include "source/git/pack_set.h"

namespace trawl {

enum class BlobSource { kPacks, kLibgit2 };

struct BlobReadOptions {
  std::uint64_t max_blob_size = 64ull << 20;
  unsigned threads = 0;                    // 0: all cores
  BlobSource source = BlobSource::kPacks;  // kLibgit2 reads everything through libgit2
  // Time the pack reader may spend rebuilding one object (pack_reader.h).
  std::chrono::steady_clock::duration object_time_budget = std::chrono::seconds(60);
  // When set, the pack reader finds stage 1's candidates of the blobs it
  // rebuilds (pack_reader.h) and hands them on with the bytes.
  const DeltaMatcher* matcher = nullptr;
};

struct BlobReadStats {
  std::uint64_t from_packs = 0;    // selected blobs the pack reader handled
  std::uint64_t from_libgit2 = 0;  // selected blobs read through libgit2
};

// Reads `blobs` from the repository at `git_dir`, whose packs are `packs`,
// into `out`, on options.threads threads, and finishes `out`.
BlobReadStats read_blobs(const std::string& git_dir, const PackSet& packs, const std::vector<ObjectId>& blobs,
                         const BlobReadOptions& options, SkipLog& skips, BatchFiller& out);

}  // namespace trawl
