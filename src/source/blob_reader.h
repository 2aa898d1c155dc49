// Reads blob contents into BlobBatches, in parallel and with bounded memory.
//
// Blobs in packs come from the pack reader (pack_reader.h: pack order, each
// delta chain resolved once); the rest (loose objects, bases in other
// packs, packs the fast path cannot read) from libgit2. Both feed the same
// batches: each worker fills its own arena and, when it holds `batch_bytes`,
// consumes it itself, so every core matches while others go on reading.
//
// Blobs that are binary (a NUL in the first 8000 bytes, as git decides),
// over the size limit, git-LFS pointers, missing or corrupt are recorded in
// the SkipLog and never reach a batch.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "content/blob_batch.h"
#include "content/object_id.h"
#include "source/pack_set.h"
#include "source/skip_log.h"

namespace trawl {

enum class BlobSource { kPacks, kLibgit2 };

struct BlobReadOptions {
  std::uint64_t batch_bytes = 64ull << 20;
  std::uint64_t max_blob_size = 64ull << 20;
  // Bounds the reader's batches (those being filled, queued and matched);
  // a smaller budget makes smaller batches.
  std::uint64_t memory_budget = 2ull << 30;
  unsigned threads = 0;                    // 0: all cores
  BlobSource source = BlobSource::kPacks;  // kLibgit2 reads everything through libgit2
};

struct BlobReadStats {
  std::uint64_t from_packs = 0;    // selected blobs the pack reader handled
  std::uint64_t from_libgit2 = 0;  // selected blobs read through libgit2
  std::uint64_t batches = 0;
};

// True when git would treat `bytes` as binary.
bool looks_binary(std::string_view bytes);
// True for a git-LFS pointer file.
bool is_lfs_pointer(std::string_view bytes);

// Reads `blobs` from the repository at `git_dir`, whose packs are `packs`,
// and calls `consume` with each batch, in no particular order, from TBB
// workers: several calls may run at once, so `consume` must be thread-safe.
// It may run TBB work.
BlobReadStats read_blobs(const std::string& git_dir, const PackSet& packs, const std::vector<ObjectId>& blobs,
                         const BlobReadOptions& options, SkipLog& skips,
                         const std::function<void(BlobBatch&)>& consume);

}  // namespace trawl
