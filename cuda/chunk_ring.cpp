#include "chunk_ring.h"

#include <cstring>

#include "cuda_check.h"
#include "kernels.h"

namespace trawl::cuda {

ChunkRing::ChunkRing(const ChunkLimits& limits, std::uint32_t record_capacity, const ChunkKernel& kernel)
    : limits_(limits), record_capacity_(record_capacity), kernel_(kernel) {
  scratch_bytes_ = kernel.sort_scratch_bytes(record_capacity);
  const std::size_t input_bytes = std::size_t{limits.capacity} + kInputPadding;
  const std::size_t segment_bytes = std::size_t{limits.max_segments} * sizeof(ChunkSegment);
  const std::size_t record_bytes = std::size_t{record_capacity} * kernel.record_bytes();
  for (Slot& s : slots_) {
    check(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking), "stream create");
    check(cudaMallocHost(&s.host_bytes, input_bytes), "pinned alloc");
    check(cudaMallocHost(&s.host_segments, segment_bytes), "pinned alloc");
    check(cudaMallocHost(&s.host_records, record_bytes), "pinned alloc");
    check(cudaMallocHost(&s.host_count, sizeof(std::uint32_t)), "pinned alloc");
    check(cudaMalloc(&s.device_bytes, input_bytes), "device alloc");
    check(cudaMalloc(&s.device_segments, segment_bytes), "device alloc");
    check(cudaMalloc(&s.device_records, record_bytes), "device alloc");
    check(cudaMalloc(&s.device_count, sizeof(std::uint32_t)), "device alloc");
    check(cudaMalloc(&s.device_scratch, scratch_bytes_), "device alloc");
    device_bytes_ += input_bytes + segment_bytes + record_bytes + sizeof(std::uint32_t) + scratch_bytes_;
  }
}

ChunkRing::~ChunkRing() {
  // Errors are ignored here: after a failure the context may refuse even
  // these, and the scan has moved on to the CPU.
  for (Slot& s : slots_) {
    if (s.stream != nullptr) cudaStreamSynchronize(s.stream);
    cudaFreeHost(s.host_bytes);
    cudaFreeHost(s.host_segments);
    cudaFreeHost(s.host_records);
    cudaFreeHost(s.host_count);
    cudaFree(s.device_bytes);
    cudaFree(s.device_segments);
    cudaFree(s.device_records);
    cudaFree(s.device_count);
    cudaFree(s.device_scratch);
    if (s.stream != nullptr) cudaStreamDestroy(s.stream);
  }
}

void ChunkRing::copy_in_and_scan(Slot& slot, const BlobBatch& batch, const Chunk& chunk) {
  copy_chunk_bytes(batch, chunk, slot.host_bytes);
  // The kernel loads whole 16-byte vectors; the padding past the data is never reported.
  std::memset(slot.host_bytes + chunk.bytes, 0, kInputPadding);
  std::memcpy(slot.host_segments, chunk.segments.data(), chunk.segments.size() * sizeof(ChunkSegment));
  const auto segment_count = static_cast<std::uint32_t>(chunk.segments.size());
  check(cudaMemsetAsync(slot.device_count, 0, sizeof(std::uint32_t), slot.stream), "memset");
  check(cudaMemcpyAsync(slot.device_bytes, slot.host_bytes, std::size_t{chunk.bytes} + kInputPadding,
                        cudaMemcpyHostToDevice, slot.stream),
        "copy in");
  check(cudaMemcpyAsync(slot.device_segments, slot.host_segments, segment_count * sizeof(ChunkSegment),
                        cudaMemcpyHostToDevice, slot.stream),
        "copy in");
  DeviceChunk device;
  device.bytes = slot.device_bytes;
  device.byte_count = chunk.bytes;
  device.segments = slot.device_segments;
  device.segment_count = segment_count;
  device.records = slot.device_records;
  device.record_count = slot.device_count;
  device.record_capacity = record_capacity_;
  check(kernel_.launch(device, slot.stream), "kernel launch");
  check(cudaMemcpyAsync(slot.host_count, slot.device_count, sizeof(std::uint32_t), cudaMemcpyDeviceToHost, slot.stream),
        "copy out");
}

void ChunkRing::sort_and_copy_out(Slot& slot) {
  check(cudaStreamSynchronize(slot.stream), "kernel");
  const std::uint32_t count = *slot.host_count;
  slot.overflowed = count > record_capacity_;
  if (slot.overflowed || count == 0) return;
  check(kernel_.sort(slot.device_records, count, slot.device_scratch, scratch_bytes_, slot.stream), "sort");
  check(cudaMemcpyAsync(slot.host_records, slot.device_records, count * kernel_.record_bytes(), cudaMemcpyDeviceToHost,
                        slot.stream),
        "copy out");
}

void ChunkRing::run(const BlobBatch& batch, const std::vector<Chunk>& chunks, const std::vector<std::size_t>& order,
                    const std::function<void(std::size_t, const void*, std::uint32_t)>& on_records,
                    const std::function<void(std::size_t)>& on_overflow) {
  const std::size_t n = order.size();
  // Step i starts chunk i, sorts chunk i-1 and hands over chunk i-2; slot
  // i % kSlots was last used by chunk i-3, handed over in step i-1.
  for (std::size_t i = 0; i < n + 2; ++i) {
    if (i < n) {
      Slot& slot = slots_[i % kSlots];
      slot.chunk = order[i];
      copy_in_and_scan(slot, batch, chunks[order[i]]);
    }
    if (i >= 1 && i - 1 < n) sort_and_copy_out(slots_[(i - 1) % kSlots]);
    if (i >= 2) {
      Slot& slot = slots_[(i - 2) % kSlots];
      check(cudaStreamSynchronize(slot.stream), "copy out");
      if (slot.overflowed) {
        on_overflow(slot.chunk);
      } else {
        on_records(slot.chunk, slot.host_records, *slot.host_count);
      }
    }
  }
}

}  // namespace trawl::cuda
