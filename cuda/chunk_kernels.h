// The two kernels as the chunk ring runs them on one device: each holds its
// tables in that device's memory (uploaded once, released with the kernel,
// also when its constructor throws after the upload) and its launch geometry
// (a persistent grid: as many blocks as fit on every multiprocessor at once).
// Host-only header.
#pragma once

#include <algorithm>
#include <cstring>
#include <vector>

#include "chunk_ring.h"
#include "cuda_check.h"
#include "device_memory.h"
#include "engine/aho_corasick.h"
#include "engine/token_entropy.h"
#include "kernels.h"

namespace trawl::cuda {

struct DeviceProperties {
  std::uint32_t multiprocessors = 0;
  std::size_t shared_per_block = 0;  // with the opt-in for dynamic shared memory
};

// Makes `device` current and reads what the kernels are sized by.
inline DeviceProperties device_properties(int device) {
  check(cudaSetDevice(device), "set device");
  int multiprocessors = 0;
  int shared = 0;
  check(cudaDeviceGetAttribute(&multiprocessors, cudaDevAttrMultiProcessorCount, device), "device attribute");
  check(cudaDeviceGetAttribute(&shared, cudaDevAttrMaxSharedMemoryPerBlockOptin, device), "device attribute");
  return {static_cast<std::uint32_t>(multiprocessors), static_cast<std::size_t>(shared)};
}

// A kernel's arguments pointed at one chunk on the device: its bytes, its
// segments and its record buffer (of the kernel's record type).
template <typename Args>
Args with_chunk(Args args, const DeviceChunk& chunk) {
  args.bytes = chunk.bytes;
  args.chunk_bytes = chunk.byte_count;
  args.segments = chunk.segments;
  args.segment_count = chunk.segment_count;
  args.out = static_cast<decltype(args.out)>(chunk.records);
  args.out_count = chunk.record_count;
  args.out_capacity = chunk.record_capacity;
  return args;
}

// The automaton on one device: next and byte_class adjacent, so a block
// stages both in shared memory with 16-byte loads when they fit; otherwise
// the kernel reads them from global memory, through the L1 / read-only cache.
class KeywordChunkKernel final : public ChunkKernel {
 public:
  KeywordChunkKernel(const KeywordAutomaton& automaton, const DeviceProperties& props) {
    const AcTableView host = automaton.view();
    const std::size_t next_bytes = std::size_t{host.state_count} * host.class_count * sizeof(AcState);
    const std::size_t byte_class_offset = (next_bytes + 15) / 16 * 16;
    const std::size_t output_states = host.state_count - host.first_output_state;
    const std::size_t output_offsets_count = output_states + 1;
    const std::size_t output_keywords_count = host.output_offsets[output_states];
    const std::size_t offsets_at = byte_class_offset + 256;
    const std::size_t keywords_at = offsets_at + output_offsets_count * sizeof(std::uint32_t);
    std::vector<std::uint8_t> image(keywords_at + output_keywords_count * sizeof(std::uint32_t));
    std::memcpy(image.data(), host.next, next_bytes);
    std::memcpy(image.data() + byte_class_offset, host.byte_class, 256);
    std::memcpy(image.data() + offsets_at, host.output_offsets, output_offsets_count * sizeof(std::uint32_t));
    std::memcpy(image.data() + keywords_at, host.output_keywords, output_keywords_count * sizeof(std::uint32_t));
    table_memory_ = upload(image.data(), image.size());
    const std::uint8_t* tables = table_memory_.get();

    args_.table = host;
    args_.table.next = reinterpret_cast<const AcState*>(tables);
    args_.table.byte_class = tables + byte_class_offset;
    args_.table.output_offsets = reinterpret_cast<const std::uint32_t*>(tables + offsets_at);
    args_.table.output_keywords = reinterpret_cast<const std::uint32_t*>(tables + keywords_at);
    args_.byte_class_offset = static_cast<std::uint32_t>(byte_class_offset);
    args_.overlap = automaton.overlap();
    args_.lead_rows = (args_.overlap + 63) / 64;
    args_.staged_table_bytes = static_cast<std::uint32_t>(byte_class_offset + 256);
    shared_bytes_ = keyword_kernel_shared_bytes(args_.staged_table_bytes, args_.lead_rows);
    if (shared_bytes_ > props.shared_per_block) {
      args_.staged_table_bytes = 0;
      shared_bytes_ = keyword_kernel_shared_bytes(0, args_.lead_rows);
    }
    int blocks_per_multiprocessor = 0;
    check(prepare_keyword_kernel(shared_bytes_, &blocks_per_multiprocessor), "kernel attributes");
    args_.geometry = {props.multiprocessors * static_cast<std::uint32_t>(std::max(1, blocks_per_multiprocessor)),
                      kKeywordThreads, kKeywordBytesPerThread};
  }
  KeywordChunkKernel(const KeywordChunkKernel&) = delete;
  KeywordChunkKernel& operator=(const KeywordChunkKernel&) = delete;

  bool table_in_shared_memory() const { return args_.staged_table_bytes != 0; }
  const LaunchGeometry& geometry() const { return args_.geometry; }
  std::size_t record_bytes() const override { return sizeof(KeywordRecord); }
  std::size_t sort_scratch_bytes(std::uint32_t capacity) const override { return keyword_sort_scratch_bytes(capacity); }
  cudaError_t launch(const DeviceChunk& chunk, cudaStream_t stream) const override {
    const KeywordKernelArgs a = with_chunk(args_, chunk);
    return launch_keyword_kernel(a, shared_bytes_, stream);
  }
  cudaError_t sort(void* records, std::uint32_t count, void* scratch, std::size_t scratch_bytes,
                   cudaStream_t stream) const override {
    return sort_keyword_records(static_cast<KeywordRecord*>(records), count, scratch, scratch_bytes, stream);
  }

 private:
  DeviceBuffer<std::uint8_t> table_memory_;
  KeywordKernelArgs args_{};
  std::size_t shared_bytes_ = 0;
};

class EntropyChunkKernel final : public ChunkKernel {
 public:
  EntropyChunkKernel(const EntropyTable& table, const DeviceProperties& props) {
    table_memory_ = upload(table.count_log_count().data(), table.count_log_count().size());
    args_.table = {table_memory_.get(), table.threshold_fixed()};
    int blocks_per_multiprocessor = 0;
    check(entropy_kernel_blocks_per_multiprocessor(&blocks_per_multiprocessor), "kernel attributes");
    args_.geometry = {props.multiprocessors * static_cast<std::uint32_t>(std::max(1, blocks_per_multiprocessor)),
                      kEntropyThreads, kEntropyBytesPerThread};
  }
  EntropyChunkKernel(const EntropyChunkKernel&) = delete;
  EntropyChunkKernel& operator=(const EntropyChunkKernel&) = delete;

  const LaunchGeometry& geometry() const { return args_.geometry; }
  std::size_t record_bytes() const override { return sizeof(TokenCandidate); }
  std::size_t sort_scratch_bytes(std::uint32_t capacity) const override { return token_sort_scratch_bytes(capacity); }
  cudaError_t launch(const DeviceChunk& chunk, cudaStream_t stream) const override {
    const EntropyKernelArgs a = with_chunk(args_, chunk);
    return launch_entropy_kernel(a, stream);
  }
  cudaError_t sort(void* records, std::uint32_t count, void* scratch, std::size_t scratch_bytes,
                   cudaStream_t stream) const override {
    return sort_token_records(static_cast<TokenCandidate*>(records), count, scratch, scratch_bytes, stream);
  }

 private:
  DeviceBuffer<std::uint64_t> table_memory_;
  EntropyKernelArgs args_{};
};

}  // namespace trawl::cuda
