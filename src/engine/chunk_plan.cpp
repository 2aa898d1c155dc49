#include "engine/chunk_plan.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <tuple>
#include <unordered_set>

namespace trawl {
namespace {

bool by_blob_keyword_end(const Candidate& a, const Candidate& b) {
  return std::tie(a.blob, a.keyword, a.end) < std::tie(b.blob, b.keyword, b.end);
}

}  // namespace

ChunkLimits prefilter_chunk_limits(const PrefilterTables& tables, std::uint32_t capacity) {
  ChunkLimits limits;
  limits.capacity = capacity;
  limits.max_segments = capacity / 64 + 1;
  limits.lead = std::max<std::uint32_t>(tables.automaton.overlap(), 1);
  limits.trail = tables.entropy != nullptr ? kMaxTokenLength + 1 : 0;
  return limits;
}

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

void copy_chunk_bytes_parallel(const BlobBatch& batch, const Chunk& chunk, char* out) {
  constexpr std::uint32_t kPiece = std::uint32_t{1} << 20;
  if (chunk.bytes <= kPiece) {
    copy_chunk_bytes(batch, chunk, out);
    return;
  }
  const std::uint32_t pieces = (chunk.bytes + kPiece - 1) / kPiece;
  tbb::parallel_for(std::uint32_t{0}, pieces, [&](std::uint32_t p) {
    const std::uint32_t begin = p * kPiece;
    const std::uint32_t end = std::min(chunk.bytes, begin + kPiece);
    // Segments lie end to end in chunk order: the first one this piece
    // overlaps is the first that ends after its start.
    auto s = std::upper_bound(chunk.segments.begin(), chunk.segments.end(), begin,
                              [](std::uint32_t at, const ChunkSegment& x) { return at < x.data_end; });
    for (; s != chunk.segments.end() && s->data_begin < end; ++s) {
      const std::uint32_t from = std::max(begin, s->data_begin);
      const std::uint32_t to = std::min(end, s->data_end);
      std::memcpy(out + from,
                  batch.arena.data() + batch.entries[s->blob].offset + s->blob_offset + (from - s->data_begin),
                  to - from);
    }
  });
}

std::vector<Candidate> scan_chunk_keywords(const KeywordAutomaton& automaton, const Chunk& chunk,
                                           const std::uint8_t* bytes) {
  std::vector<Candidate> found;
  scan_keywords_in_slice(automaton.view(), automaton.overlap(), chunk.segments.data(),
                         static_cast<std::uint32_t>(chunk.segments.size()), bytes, 0, chunk.bytes,
                         [&](std::uint32_t blob, std::uint32_t keyword, std::uint32_t end) {
                           found.push_back({blob, keyword, end});
                         });
  std::sort(found.begin(), found.end(), by_blob_keyword_end);
  return found;
}

std::vector<TokenCandidate> scan_chunk_tokens(const EntropyTable& table, const Chunk& chunk,
                                              const std::uint8_t* bytes) {
  // One slice over the chunk finds runs segment by segment, each from its
  // start: already in (blob, begin) order.
  std::vector<TokenCandidate> found;
  std::uint16_t counts[kTokenSymbols] = {};
  scan_tokens_in_slice(table.view(), chunk.segments.data(), static_cast<std::uint32_t>(chunk.segments.size()), bytes, 0,
                       chunk.bytes, counts, [&](const TokenCandidate& c) { found.push_back(c); });
  return found;
}

BatchCandidates merge_chunk_candidates(const std::vector<Chunk>& chunks,
                                       const std::vector<std::vector<Candidate>>& keywords,
                                       const std::vector<std::vector<TokenCandidate>>& tokens) {
  BatchCandidates all;
  std::unordered_set<std::uint32_t> split_blobs;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    if (chunks[c].holds_piece) split_blobs.insert(chunks[c].segments.front().blob);
    if (c < keywords.size()) all.keywords.insert(all.keywords.end(), keywords[c].begin(), keywords[c].end());
    // Pieces of a blob are scanned in order, in consecutive chunks: the
    // concatenation is already in (blob, begin) order.
    if (c < tokens.size()) all.tokens.insert(all.tokens.end(), tokens[c].begin(), tokens[c].end());
  }
  // Each chunk's keywords come sorted; a blob cut into pieces has one sorted
  // run per piece, which together need one more sort.
  for (auto it = all.keywords.begin(); it != all.keywords.end();) {
    const std::uint32_t blob = it->blob;
    const auto same_blob = std::find_if(it, all.keywords.end(), [&](const Candidate& x) { return x.blob != blob; });
    if (split_blobs.count(blob) != 0) std::sort(it, same_blob, by_blob_keyword_end);
    it = same_blob;
  }
  return all;
}

}  // namespace trawl
