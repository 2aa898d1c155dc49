#include "chunk_ring.h"

#include <algorithm>
#include <cstring>

#include "cuda_check.h"
#include "kernels.h"

namespace trawl::cuda {

ChunkRing::ChunkRing(const ChunkLimits& limits, std::vector<RingKernel> kernels)
    : limits_(limits), kernels_(std::move(kernels)) {
  if (kernels_.empty()) throw BackendError("CUDA ring with no kernel");
  check(cudaGetDevice(&device_), "get device");
  for (const RingKernel& k : kernels_) {
    scratch_bytes_ = std::max(scratch_bytes_, k.kernel->sort_scratch_bytes(k.record_capacity));
  }
  const std::size_t input_bytes = std::size_t{limits.capacity} + kInputPadding;
  const std::size_t segment_bytes = std::size_t{limits.max_segments} * sizeof(ChunkSegment);
  const std::size_t count_bytes = kernels_.size() * sizeof(std::uint32_t);
  for (Slot& s : slots_) {
    s.stream = make_stream();
    s.host_bytes = pinned_buffer<char>(input_bytes);
    s.host_segments = pinned_buffer<ChunkSegment>(limits.max_segments);
    s.host_counts = pinned_buffer<std::uint32_t>(kernels_.size());
    s.device_bytes = device_buffer<std::uint8_t>(input_bytes);
    s.device_segments = device_buffer<ChunkSegment>(limits.max_segments);
    s.device_counts = device_buffer<std::uint32_t>(kernels_.size());
    s.device_scratch = device_buffer<std::byte>(scratch_bytes_);
    device_bytes_ += input_bytes + segment_bytes + count_bytes + scratch_bytes_;
    s.outputs.resize(kernels_.size());
    for (std::size_t k = 0; k < kernels_.size(); ++k) {
      const std::size_t record_bytes = std::size_t{kernels_[k].record_capacity} * kernels_[k].kernel->record_bytes();
      s.outputs[k].host_records = pinned_buffer<std::byte>(record_bytes);
      s.outputs[k].device_records = device_buffer<std::byte>(record_bytes);
      device_bytes_ += record_bytes;
    }
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
  copy_chunk_bytes_parallel(batch, chunk, slot.host_bytes.get());
  // The keyword kernel loads whole 16-byte vectors; the padding past the data is never reported.
  std::memset(slot.host_bytes.get() + chunk.bytes, 0, kInputPadding);
  std::memcpy(slot.host_segments.get(), chunk.segments.data(), chunk.segments.size() * sizeof(ChunkSegment));
  const auto segment_count = static_cast<std::uint32_t>(chunk.segments.size());
  cudaStream_t stream = slot.stream.get();
  const std::size_t count_bytes = kernels_.size() * sizeof(std::uint32_t);
  check(cudaMemsetAsync(slot.device_counts.get(), 0, count_bytes, stream), "memset");
  // The one copy of the chunk's bytes that every kernel scans.
  check(cudaMemcpyAsync(slot.device_bytes.get(), slot.host_bytes.get(), std::size_t{chunk.bytes} + kInputPadding,
                        cudaMemcpyHostToDevice, stream),
        "copy in");
  check(cudaMemcpyAsync(slot.device_segments.get(), slot.host_segments.get(), segment_count * sizeof(ChunkSegment),
                        cudaMemcpyHostToDevice, stream),
        "copy in");
  for (std::size_t k = 0; k < kernels_.size(); ++k) {
    DeviceChunk device;
    device.bytes = slot.device_bytes.get();
    device.byte_count = chunk.bytes;
    device.segments = slot.device_segments.get();
    device.segment_count = segment_count;
    device.records = slot.outputs[k].device_records.get();
    device.record_count = slot.device_counts.get() + k;
    device.record_capacity = kernels_[k].record_capacity;
    check(kernels_[k].kernel->launch(device, stream), "kernel launch");
  }
  check(cudaMemcpyAsync(slot.host_counts.get(), slot.device_counts.get(), count_bytes, cudaMemcpyDeviceToHost, stream),
        "copy out");
}

void ChunkRing::sort_and_copy_out(Slot& slot) {
  cudaStream_t stream = slot.stream.get();
  check(cudaStreamSynchronize(stream), "kernel");
  for (std::size_t k = 0; k < kernels_.size(); ++k) {
    const ChunkKernel& kernel = *kernels_[k].kernel;
    Output& out = slot.outputs[k];
    const std::uint32_t count = slot.host_counts[k];
    out.overflowed = count > kernels_[k].record_capacity;
    if (out.overflowed || count == 0) continue;
    check(kernel.sort(out.device_records.get(), count, slot.device_scratch.get(), scratch_bytes_, stream), "sort");
    check(cudaMemcpyAsync(out.host_records.get(), out.device_records.get(), count * kernel.record_bytes(),
                          cudaMemcpyDeviceToHost, stream),
          "copy out");
  }
}

void ChunkRing::run(const BlobBatch& batch, const std::vector<Chunk>& chunks, const std::vector<std::size_t>& order,
                    const OnRecords& on_records, const OnOverflow& on_overflow) {
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
      for (std::size_t k = 0; k < kernels_.size(); ++k) {
        if (slot.outputs[k].overflowed) {
          on_overflow(slot.chunk, k);
        } else {
          on_records(slot.chunk, k, slot.outputs[k].host_records.get(), slot.host_counts[k]);
        }
      }
    }
  }
}

}  // namespace trawl::cuda
