// How a batch is cut into chunks for a device whose input buffer holds at
// most `capacity` bytes: blobs are packed whole, in batch order; a blob
// larger than a chunk is split into pieces that carry `lead` bytes of context
// before and `trail` bytes after their reported range, so the kernels'
// results do not depend on where a cut falls (chunk_scan.h).
#pragma once

#include <cstdint>
#include <vector>

#include "content/blob_batch.h"
#include "engine/chunk_scan.h"

namespace trawl {

struct ChunkLimits {
  std::uint32_t capacity = 0;      // bytes of data per chunk
  std::uint32_t max_segments = 0;  // segments per chunk
  std::uint32_t lead = 0;          // context a piece needs before its reported range
  std::uint32_t trail = 0;         // context a piece needs after it
};

struct Chunk {
  std::vector<ChunkSegment> segments;  // in chunk order, empty blobs left out
  std::uint32_t bytes = 0;             // data_end of the last segment
  bool holds_piece = false;            // a piece of a blob larger than a chunk
};

// Throws std::invalid_argument when the limits leave no room for a piece's
// reported range.
std::vector<Chunk> plan_chunks(const BlobBatch& batch, const ChunkLimits& limits);

// Copies the chunk's data from the batch's arena to `out` (chunk.bytes bytes).
void copy_chunk_bytes(const BlobBatch& batch, const Chunk& chunk, char* out);

}  // namespace trawl
