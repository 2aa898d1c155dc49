// The pipelined host side of stage 1 on one device: a ring of three slots,
// each with pinned host buffers, device buffers and its own stream, all
// allocated once. A chunk's bytes are copied to the device once, and every
// kernel of the ring (the keyword kernel and, when token candidates are asked
// for, the entropy kernel) scans that copy into its own record buffer, which
// is counted, sorted and copied back on its own. While chunk i is copied in
// and scanned, chunk i-1's records are sorted and copied out and chunk i-2's
// are handed to the caller, so copies, kernels and host work overlap.
// Host-only header.
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

// A kernel a ring runs on every chunk, and how many records it may leave
// in one chunk before that chunk overflows.
struct RingKernel {
  const ChunkKernel* kernel = nullptr;
  std::uint32_t record_capacity = 0;
};

class ChunkRing {
 public:
  static constexpr int kSlots = 3;

  // Allocates every buffer on the current device, which the ring remembers
  // and makes current again to release them. The kernels must outlive the
  // ring. Throws BackendError; whatever was allocated by then is released.
  ChunkRing(const ChunkLimits& limits, std::vector<RingKernel> kernels);
  ~ChunkRing();
  ChunkRing(const ChunkRing&) = delete;
  ChunkRing& operator=(const ChunkRing&) = delete;

  // Bytes of device memory the ring holds.
  std::size_t device_bytes() const { return device_bytes_; }

  // Scans chunks[order[0]], chunks[order[1]], ... with every kernel and
  // calls, chunk by chunk in that order and kernel by kernel in the ring's
  // order, on_records(chunk, kernel, records, count) with that kernel's
  // sorted records for the chunk, or on_overflow(chunk, kernel) when they did
  // not fit its record buffer. Throws BackendError on a CUDA error.
  using OnRecords =
      std::function<void(std::size_t chunk, std::size_t kernel, const void* records, std::uint32_t count)>;
  using OnOverflow = std::function<void(std::size_t chunk, std::size_t kernel)>;
  void run(const BlobBatch& batch, const std::vector<Chunk>& chunks, const std::vector<std::size_t>& order,
           const OnRecords& on_records, const OnOverflow& on_overflow);

 private:
  // One kernel's records in one slot.
  struct Output {
    PinnedBuffer<std::byte> host_records;
    DeviceBuffer<std::byte> device_records;
    bool overflowed = false;
  };
  struct Slot {
    Stream stream;
    PinnedBuffer<char> host_bytes;
    PinnedBuffer<ChunkSegment> host_segments;
    PinnedBuffer<std::uint32_t> host_counts;  // one per kernel
    DeviceBuffer<std::uint8_t> device_bytes;
    DeviceBuffer<ChunkSegment> device_segments;
    DeviceBuffer<std::uint32_t> device_counts;
    // The sorts run one after another on the slot's stream and share it.
    DeviceBuffer<std::byte> device_scratch;
    std::vector<Output> outputs;  // one per kernel
    std::size_t chunk = 0;
  };

  void copy_in_and_scan(Slot& slot, const BlobBatch& batch, const Chunk& chunk);
  void sort_and_copy_out(Slot& slot);

  int device_ = 0;
  ChunkLimits limits_;
  std::vector<RingKernel> kernels_;
  std::size_t scratch_bytes_ = 0;
  std::size_t device_bytes_ = 0;
  std::array<Slot, kSlots> slots_{};
};

}  // namespace trawl::cuda
