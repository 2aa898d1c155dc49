// BlobBatch: many blobs' bytes in one contiguous arena plus an index of
// (blob id, offset, length). This is the unit the engine consumes: one
// allocation, one copy to a device, one parallel loop.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "content/blob_key.h"

namespace trawl {

struct BlobEntry {
  BlobKey key;
  std::uint64_t offset = 0;  // into BlobBatch::arena
  std::uint64_t length = 0;
};

struct BlobBatch {
  std::vector<char> arena;
  std::vector<BlobEntry> entries;

  std::string_view bytes(std::size_t i) const {
    return {arena.data() + entries[i].offset, static_cast<std::size_t>(entries[i].length)};
  }
  std::uint64_t total_bytes() const { return arena.size(); }
};

}  // namespace trawl
