// The pipelined host side shared by both kernels on one device: a ring of
// three slots, each with pinned host buffers, device buffers and its own
// stream, all allocated once. While chunk i is copied in and scanned, chunk
// i-1's records are sorted and copied out and chunk i-2's are handed to the
// caller, so copies, kernels and host work overlap. Host-only header.
#pragma once

#include <cuda_runtime.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "device_memory.h"
#include "engine/chunk_plan.h"

namespace trawl::cuda {

// One chunk as a kernel sees it on the device.
struct DeviceChunk {
  const std::uint8_t* bytes = nullptr;
  std::uint32_t byte_count = 0;
  const ChunkSegment* segments = nullptr;
  std::uint32_t segment_count = 0;
  void* records = nullptr;
  std::uint32_t* record_count = nullptr;
  std::uint32_t record_capacity = 0;
};

// What a ring runs on each chunk; an implementation holds its device tables.
class ChunkKernel {
 public:
  virtual ~ChunkKernel() = default;
  virtual std::size_t record_bytes() const = 0;
  virtual std::size_t sort_scratch_bytes(std::uint32_t capacity) const = 0;
  virtual cudaError_t launch(const DeviceChunk& chunk, cudaStream_t stream) const = 0;
  virtual cudaError_t sort(void* records, std::uint32_t count, void* scratch, std::size_t scratch_bytes,
                           cudaStream_t stream) const = 0;
};

class ChunkRing {
 public:
  static constexpr int kSlots = 3;

  // Allocates every buffer on the current device, which the ring remembers
  // and makes current again to release them. Throws BackendError; whatever
  // was allocated by then is released.
  ChunkRing(const ChunkLimits& limits, std::uint32_t record_capacity, const ChunkKernel& kernel);
  ~ChunkRing();
  ChunkRing(const ChunkRing&) = delete;
  ChunkRing& operator=(const ChunkRing&) = delete;

  // Bytes of device memory the ring holds.
  std::size_t device_bytes() const { return device_bytes_; }

  // Scans chunks[order[0]], chunks[order[1]], ... and calls, in that order,
  // on_records(chunk, records, count) with the chunk's sorted records, or
  // on_overflow(chunk) when they did not fit the record buffer. Throws
  // BackendError on a CUDA error.
  void run(const BlobBatch& batch, const std::vector<Chunk>& chunks, const std::vector<std::size_t>& order,
           const std::function<void(std::size_t, const void*, std::uint32_t)>& on_records,
           const std::function<void(std::size_t)>& on_overflow);

 private:
  struct Slot {
    Stream stream;
    PinnedBuffer<char> host_bytes;
    PinnedBuffer<ChunkSegment> host_segments;
    PinnedBuffer<std::byte> host_records;
    PinnedBuffer<std::uint32_t> host_count;
    DeviceBuffer<std::uint8_t> device_bytes;
    DeviceBuffer<ChunkSegment> device_segments;
    DeviceBuffer<std::byte> device_records;
    DeviceBuffer<std::uint32_t> device_count;
    DeviceBuffer<std::byte> device_scratch;
    std::size_t chunk = 0;
    bool overflowed = false;
  };

  void copy_in_and_scan(Slot& slot, const BlobBatch& batch, const Chunk& chunk);
  void sort_and_copy_out(Slot& slot);

  int device_ = 0;
  ChunkLimits limits_;
  std::uint32_t record_capacity_;
  const ChunkKernel& kernel_;
  std::size_t scratch_bytes_ = 0;
  std::size_t device_bytes_ = 0;
  std::array<Slot, kSlots> slots_{};
};

}  // namespace trawl::cuda
