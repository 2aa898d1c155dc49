// The CUDA kernels' launch interface, for the host-side classes: the keyword
// automaton kernel and the token-entropy kernel each scan one chunk
// (chunk_scan.h) and append their records with warp-aggregated atomics; the
// sorts put a chunk's records in the CPU backend's order on the device.
// Host-only header (plain types and cudaError_t), compiled as CUDA C++17.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "engine/chunk_scan.h"

namespace trawl::cuda {

// Candidate's layout (engine/prefilter.h), which needs C++20.
struct KeywordRecord {
  std::uint32_t blob;
  std::uint32_t keyword;
  std::uint32_t end;
};

constexpr std::uint32_t kKeywordThreads = 256;
// One 64-byte row of the block's staged tile per thread.
constexpr std::uint32_t kKeywordBytesPerThread = 64;
constexpr std::uint32_t kEntropyThreads = 256;
constexpr std::uint32_t kEntropyBytesPerThread = 64;
// Input buffers are padded to this, so a tile is loaded in whole 16-byte vectors.
constexpr std::uint32_t kInputPadding = 16;

struct KeywordKernelArgs {
  AcTableView table;                 // device pointers; next and byte_class adjacent (see below)
  std::uint32_t staged_table_bytes;  // next (padded to 16) + byte_class, copied to shared memory; 0: read global
  std::uint32_t byte_class_offset;   // of byte_class after next, a multiple of 16
  std::uint32_t overlap;             // longest keyword - 1
  std::uint32_t lead_rows;           // rows staged before each tile (chunk_scan.h), >= overlap bytes
  LaunchGeometry geometry;
  const std::uint8_t* bytes;
  std::uint32_t chunk_bytes;
  const ChunkSegment* segments;
  std::uint32_t segment_count;
  KeywordRecord* out;
  std::uint32_t* out_count;  // may exceed out_capacity: the chunk's records did not fit
  std::uint32_t out_capacity;
};

struct EntropyKernelArgs {
  EntropyTableView table;  // device pointer to the table
  LaunchGeometry geometry;
  const std::uint8_t* bytes;
  std::uint32_t chunk_bytes;
  const ChunkSegment* segments;
  std::uint32_t segment_count;
  TokenCandidate* out;
  std::uint32_t* out_count;
  std::uint32_t out_capacity;
};

// Dynamic shared memory the keyword kernel needs for a table of
// `staged_table_bytes` (0 when it stays in global memory).
std::size_t keyword_kernel_shared_bytes(std::uint32_t staged_table_bytes, std::uint32_t lead_rows);
// Allows the keyword kernel `shared_bytes` of dynamic shared memory and says
// how many of its blocks fit on one multiprocessor.
cudaError_t prepare_keyword_kernel(std::size_t shared_bytes, int* blocks_per_multiprocessor);
cudaError_t launch_keyword_kernel(const KeywordKernelArgs& args, std::size_t shared_bytes, cudaStream_t stream);
cudaError_t entropy_kernel_blocks_per_multiprocessor(int* blocks);
cudaError_t launch_entropy_kernel(const EntropyKernelArgs& args, cudaStream_t stream);

// Scratch the sorts need for up to `capacity` records.
std::size_t keyword_sort_scratch_bytes(std::uint32_t capacity);
std::size_t token_sort_scratch_bytes(std::uint32_t capacity);
// Sort by (blob, keyword, end) and by (blob, begin): the CPU backends' orders.
cudaError_t sort_keyword_records(KeywordRecord* records, std::uint32_t count, void* scratch, std::size_t scratch_bytes,
                                 cudaStream_t stream);
cudaError_t sort_token_records(TokenCandidate* records, std::uint32_t count, void* scratch, std::size_t scratch_bytes,
                               cudaStream_t stream);

}  // namespace trawl::cuda
