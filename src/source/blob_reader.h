// Reads blob contents out of the object database into BlobBatches, in
// parallel and with bounded memory: each batch holds at most `batch_bytes`
// (a single blob larger than that gets a batch of its own, up to the blob
// size limit).
//
// Blobs that are binary (a NUL in the first 8000 bytes, as git decides),
// over the size limit, git-LFS pointers, missing or corrupt are recorded in
// the SkipLog and never reach a batch.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "source/blob_batch.h"
#include "source/object_id.h"
#include "source/skip_log.h"

namespace trawl {

struct BlobReadOptions {
  std::uint64_t batch_bytes = 64ull << 20;
  std::uint64_t max_blob_size = 64ull << 20;
  unsigned threads = 0;  // 0: all cores
};

// True when git would treat `bytes` as binary.
bool looks_binary(std::string_view bytes);
// True for a git-LFS pointer file.
bool is_lfs_pointer(std::string_view bytes);

// Reads `blobs` from the repository at `git_dir`, in the order given, and
// calls `consume` with each batch, in order and one at a time, on a TBB
// worker while the next batch is read. `consume` may run TBB work.
void read_blobs(const std::string& git_dir, const std::vector<ObjectId>& blobs, const BlobReadOptions& options,
                SkipLog& skips, const std::function<void(BlobBatch&)>& consume);

}  // namespace trawl
