#include "chunk_ring.h"

#include <cstring>

#include "cuda_check.h"
#include "kernels.h"

namespace trawl::cuda {

ChunkRing::ChunkRing(const ChunkLimits& limits, std::uint32_t record_capacity, const ChunkKernel& kernel)
    : limits_(limits), record_capacity_(record_capacity), kernel_(kernel) {
  check(cudaGetDevice(&device_), "get device");
  scratch_bytes_ = kernel.sort_scratch_bytes(record_capacity);
  const std::size_t input_bytes = std::size_t{limits.capacity} + kInputPadding;
  const std::size_t record_bytes = std::size_t{record_capacity} * kernel.record_bytes();
  for (Slot& s : slots_) {
    s.stream = make_stream();
    s.host_bytes = pinned_buffer<char>(input_bytes);
    s.host_segments = pinned_buffer<ChunkSegment>(limits.max_segments);
    s.host_records = pinned_buffer<std::byte>(record_bytes);
    s.host_count = pinned_buffer<std::uint32_t>(1);
    s.device_bytes = device_buffer<std::uint8_t>(input_bytes);
    s.device_segments = device_buffer<ChunkSegment>(limits.max_segments);
    s.device_records = device_buffer<std::byte>(record_bytes);
    s.device_count = device_buffer<std::uint32_t>(1);
    s.device_scratch = device_buffer<std::byte>(scratch_bytes_);
    device_bytes_ += input_bytes + std::size_t{limits.max_segments} * sizeof(ChunkSegment) + record_bytes +
                     sizeof(std::uint32_t) + scratch_bytes_;
  }
}

ChunkRing::~ChunkRing() {
  // The slots' buffers are released after this, on the ring's device, once
  // nothing queued on their streams still uses them. Errors are ignored (see
  // device_memory.h).
  cudaSetDevice(device_);
  for (Slot& s : slots_) {
    if (s.stream != nullptr) cudaStreamSynchronize(s.stream.get());
  }
}

void ChunkRing::copy_in_and_scan(Slot& slot, const BlobBatch& batch, const Chunk& chunk) {
  copy_chunk_bytes(batch, chunk, slot.host_bytes.get());
  // The kernel loads whole 16-byte vectors; the padding past the data is never reported.
  std::memset(slot.host_bytes.get() + chunk.bytes, 0, kInputPadding);
  std::memcpy(slot.host_segments.get(), chunk.segments.data(), chunk.segments.size() * sizeof(ChunkSegment));
  const auto segment_count = static_cast<std::uint32_t>(chunk.segments.size());
  check(cudaMemsetAsync(slot.device_count.get(), 0, sizeof(std::uint32_t), slot.stream.get()), "memset");
  check(cudaMemcpyAsync(slot.device_bytes.get(), slot.host_bytes.get(), std::size_t{chunk.bytes} + kInputPadding,
                        cudaMemcpyHostToDevice, slot.stream.get()),
        "copy in");
  check(cudaMemcpyAsync(slot.device_segments.get(), slot.host_segments.get(), segment_count * sizeof(ChunkSegment),
                        cudaMemcpyHostToDevice, slot.stream.get()),
        "copy in");
  DeviceChunk device;
  device.bytes = slot.device_bytes.get();
  device.byte_count = chunk.bytes;
  device.segments = slot.device_segments.get();
  device.segment_count = segment_count;
  device.records = slot.device_records.get();
  device.record_count = slot.device_count.get();
  device.record_capacity = record_capacity_;
  check(kernel_.launch(device, slot.stream.get()), "kernel launch");
  check(cudaMemcpyAsync(slot.host_count.get(), slot.device_count.get(), sizeof(std::uint32_t), cudaMemcpyDeviceToHost,
                        slot.stream.get()),
        "copy out");
}

void ChunkRing::sort_and_copy_out(Slot& slot) {
  check(cudaStreamSynchronize(slot.stream.get()), "kernel");
  const std::uint32_t count = slot.host_count[0];
  slot.overflowed = count > record_capacity_;
  if (slot.overflowed || count == 0) return;
  check(kernel_.sort(slot.device_records.get(), count, slot.device_scratch.get(), scratch_bytes_, slot.stream.get()),
        "sort");
  check(cudaMemcpyAsync(slot.host_records.get(), slot.device_records.get(), count * kernel_.record_bytes(),
                        cudaMemcpyDeviceToHost, slot.stream.get()),
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
      check(cudaStreamSynchronize(slot.stream.get()), "copy out");
      if (slot.overflowed) {
        on_overflow(slot.chunk);
      } else {
        on_records(slot.chunk, slot.host_records.get(), slot.host_count[0]);
      }
    }
  }
}

}  // namespace trawl::cuda
