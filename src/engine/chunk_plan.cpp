#include "engine/chunk_plan.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace trawl {

std::vector<Chunk> plan_chunks(const BlobBatch& batch, const ChunkLimits& limits) {
  if (limits.max_segments == 0 || limits.capacity <= std::uint64_t{limits.lead} + limits.trail) {
    throw std::invalid_argument("device chunk of " + std::to_string(limits.capacity) +
                                " bytes leaves no room beside the scan's context");
  }
  std::vector<Chunk> chunks;
  Chunk open;
  auto flush = [&] {
    if (!open.segments.empty()) chunks.push_back(std::move(open));
    open = Chunk{};
  };
  for (std::size_t b = 0; b < batch.entries.size(); ++b) {
    const std::uint64_t length = batch.entries[b].length;
    const auto blob = static_cast<std::uint32_t>(b);
    if (length == 0) continue;
    if (length <= limits.capacity) {
      if (open.bytes + length > limits.capacity || open.segments.size() == limits.max_segments) flush();
      const auto end = static_cast<std::uint32_t>(open.bytes + length);
      open.segments.push_back({blob, 0, open.bytes, end, open.bytes, end});
      open.bytes = end;
      continue;
    }
    flush();
    const std::uint64_t piece = limits.capacity - limits.lead - limits.trail;
    for (std::uint64_t begin = 0; begin < length; begin += piece) {
      const std::uint64_t end = std::min(length, begin + piece);
      const std::uint64_t data_begin = begin > limits.lead ? begin - limits.lead : 0;
      const std::uint64_t data_end = std::min(length, end + limits.trail);
      Chunk chunk;
      chunk.segments.push_back(
          {blob, static_cast<std::uint32_t>(data_begin), 0, static_cast<std::uint32_t>(data_end - data_begin),
           static_cast<std::uint32_t>(begin - data_begin), static_cast<std::uint32_t>(end - data_begin)});
      chunk.bytes = static_cast<std::uint32_t>(data_end - data_begin);
      chunk.holds_piece = true;
      chunks.push_back(std::move(chunk));
    }
  }
  flush();
  return chunks;
}

void copy_chunk_bytes(const BlobBatch& batch, const Chunk& chunk, char* out) {
  for (const ChunkSegment& s : chunk.segments) {
    std::memcpy(out + s.data_begin, batch.arena.data() + batch.entries[s.blob].offset + s.blob_offset,
                s.data_end - s.data_begin);
  }
}

}  // namespace trawl
