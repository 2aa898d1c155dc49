// How a batch is cut into chunks for a device whose input buffer holds at
// most `capacity` bytes: blobs are packed whole, in batch order; a blob
// larger than a chunk is split into pieces that carry `lead` bytes of context
// before and `trail` bytes after their reported range, so the kernels'
// results do not depend on where a cut falls (chunk_scan.h). One copy of a
// chunk feeds both stage-1 kernels, so its context is what either needs
// (prefilter_chunk_limits).
#pragma once

#include <cstdint>
#include <vector>

#include "content/blob_batch.h"
#include "engine/chunk_scan.h"
#include "engine/prefilter.h"

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

// Chunks of `capacity` bytes for the candidates `tables` asks for: before a
// piece, the keyword overlap (KeywordAutomaton::overlap()) and at least the
// one byte that says whether a token run began earlier; after it, when token
// candidates are asked for, a longest token run and the byte that ends it
// (kMaxTokenLength + 1), else nothing. A kernel step that needs less of it
// reads less (chunk_scan.h). Up to capacity / 64 + 1 segments per chunk.
ChunkLimits prefilter_chunk_limits(const PrefilterTables& tables, std::uint32_t capacity);

// Throws std::invalid_argument when the limits leave no room for a piece's
// reported range.
std::vector<Chunk> plan_chunks(const BlobBatch& batch, const ChunkLimits& limits);

// Copies the chunk's data from the batch's arena to `out` (chunk.bytes bytes).
void copy_chunk_bytes(const BlobBatch& batch, const Chunk& chunk, char* out);
// The same, on every core in pieces of 1 MiB: one thread's copy into pinned
// memory is what bounds a GPU's stage 1, not the transfer or the kernels.
void copy_chunk_bytes_parallel(const BlobBatch& batch, const Chunk& chunk, char* out);

// The kernels' per-thread steps on the host, over a whole chunk as one slice
// (`bytes` is the chunk's copy), with the records sorted as the device sorts
// a chunk's: by (blob, keyword, end) and by (blob, begin). The CUDA backend
// scans a chunk this way when its records overflow a device buffer.
std::vector<Candidate> scan_chunk_keywords(const KeywordAutomaton& automaton, const Chunk& chunk,
                                           const std::uint8_t* bytes);
std::vector<TokenCandidate> scan_chunk_tokens(const EntropyTable& table, const Chunk& chunk, const std::uint8_t* bytes);

// A batch's candidates in the prefilter's order from its chunks' records
// (element c of each list is chunk c's, sorted as above). A blob split into
// pieces has one run of keywords per piece, merged here; its pieces' tokens
// are in order already.
BatchCandidates merge_chunk_candidates(const std::vector<Chunk>& chunks,
                                       const std::vector<std::vector<Candidate>>& keywords,
                                       const std::vector<std::vector<TokenCandidate>>& tokens);

}  // namespace trawl
