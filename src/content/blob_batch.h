// BlobBatch: many blobs' bytes in one contiguous arena plus an index of
// (blob id, offset, length). This is the unit the engine consumes: one
// allocation, one copy to a device, one parallel loop.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "content/blob_key.h"
#include "content/stage_one_found.h"

namespace trawl {

struct BlobEntry {
  BlobKey key;
  std::uint64_t offset = 0;  // into BlobBatch::arena
  std::uint64_t length = 0;
  // Stage 1's candidates, when the source found them (stage_one_found.h):
  // found_keywords[keywords_at, keywords_at + keyword_count) and the same
  // for tokens. A CPU prefilter hands them on instead of matching again.
  bool found = false;
  std::uint32_t keywords_at = 0;
  std::uint32_t keyword_count = 0;
  std::uint32_t tokens_at = 0;
  std::uint32_t token_count = 0;
};

struct BlobBatch {
  std::vector<char> arena;
  std::vector<BlobEntry> entries;
  std::vector<FoundKeyword> found_keywords;
  std::vector<FoundToken> found_tokens;

  std::string_view bytes(std::size_t i) const {
    return {arena.data() + entries[i].offset, static_cast<std::size_t>(entries[i].length)};
  }
  std::uint64_t total_bytes() const { return arena.size(); }
  std::span<const FoundKeyword> keywords_found(std::size_t i) const {
    return {found_keywords.data() + entries[i].keywords_at, entries[i].keyword_count};
  }
  std::span<const FoundToken> tokens_found(std::size_t i) const {
    return {found_tokens.data() + entries[i].tokens_at, entries[i].token_count};
  }
  void clear() {
    arena.clear();
    entries.clear();
    found_keywords.clear();
    found_tokens.clear();
  }
};

}  // namespace trawl
