// The per-thread steps of the CUDA kernels, as plain functions the host runs
// too. A kernel scans one chunk: a run of bytes copied to the device holding
// whole blobs and pieces of blobs larger than a chunk (ChunkSegment, planned
// by chunk_plan.h). The chunk is cut into fixed slices, one per thread
// (LaunchGeometry); each thread reports what its slice owns, whichever
// segments the slice crosses, so the slices together report every keyword
// occurrence and every token run exactly once.
//
// C++17: nvcc compiles this header for the kernels.
#pragma once

#include <cstdint>

#include "engine/aho_corasick.h"
#include "engine/host_device.h"
#include "engine/token_entropy.h"

namespace trawl {

// A blob, or a piece of one, inside a chunk. Offsets are in the chunk.
// [data_begin, data_end) is what was copied: the reported range plus, for a
// piece, the context before and after it that the scan must see (the
// longest keyword, a token run's edges). Outside [data_begin, data_end) lies
// the blob's edge, never more of the blob. One copy of a chunk feeds both
// kernels, so a piece carries the context either needs; each step reads only
// what it needs of it (the keyword step `overlap` bytes before its range and
// nothing after; the token step one byte before and a longest run after) and
// reports only what lies in [report_begin, report_end), so the extra context
// changes nothing.
struct ChunkSegment {
  std::uint32_t blob = 0;         // index into the batch's entries
  std::uint32_t blob_offset = 0;  // offset in the blob of data_begin
  std::uint32_t data_begin = 0;
  std::uint32_t data_end = 0;
  std::uint32_t report_begin = 0;  // results are reported for [report_begin, report_end)
  std::uint32_t report_end = 0;
};

// How a launch cuts a chunk: tile t (a block's share of one grid-stride
// round) covers [t * tile_bytes, (t + 1) * tile_bytes); its thread i covers
// bytes_per_thread bytes from t * tile_bytes + i * bytes_per_thread.
struct LaunchGeometry {
  std::uint32_t blocks = 1;
  std::uint32_t threads_per_block = 1;
  std::uint32_t bytes_per_thread = 1;

  TRAWL_HOST_DEVICE std::uint64_t tile_bytes() const {
    return static_cast<std::uint64_t>(threads_per_block) * bytes_per_thread;
  }
  // Tiles needed for `chunk_bytes`; block b runs tiles b, b + blocks, ...
  TRAWL_HOST_DEVICE std::uint64_t tile_count(std::uint64_t chunk_bytes) const {
    return (chunk_bytes + tile_bytes() - 1) / tile_bytes();
  }
};

struct ThreadSlice {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

TRAWL_HOST_DEVICE inline ThreadSlice thread_slice(const LaunchGeometry& g, std::uint64_t tile, std::uint32_t thread,
                                                  std::uint32_t chunk_bytes) {
  const std::uint64_t begin = tile * g.tile_bytes() + static_cast<std::uint64_t>(thread) * g.bytes_per_thread;
  const std::uint64_t end = begin + g.bytes_per_thread;
  ThreadSlice s;
  s.begin = static_cast<std::uint32_t>(begin < chunk_bytes ? begin : chunk_bytes);
  s.end = static_cast<std::uint32_t>(end < chunk_bytes ? end : chunk_bytes);
  return s;
}

// The keyword kernel stages each tile (plus `lead_rows` rows before it, for
// the overlap) in shared memory in 64-byte rows, one per thread, each
// followed by 4 bytes of padding: a warp's threads then read their rows 17
// words apart, so every lane hits its own bank.
constexpr std::uint32_t kStagedRowBytes = 64;
constexpr std::uint32_t kStagedRowPadding = 4;

// Chunk offset of the first staged byte of the tile starting at tile_begin.
TRAWL_HOST_DEVICE inline std::uint64_t staged_origin(std::uint64_t tile_begin, std::uint32_t lead_rows) {
  const std::uint64_t lead = std::uint64_t{lead_rows} * kStagedRowBytes;
  return tile_begin > lead ? tile_begin - lead : 0;
}

// Where byte `d` (counted from the origin) of a staged tile lies in shared memory.
TRAWL_HOST_DEVICE inline std::uint32_t staged_index(std::uint32_t d) {
  return d + (d / kStagedRowBytes) * kStagedRowPadding;
}

// A staged tile, indexed by chunk offset.
struct StagedBytes {
  const std::uint8_t* tile;
  std::uint32_t origin;

  TRAWL_HOST_DEVICE std::uint8_t operator[](std::uint32_t i) const { return tile[staged_index(i - origin)]; }
};

// Index of the first segment whose reported range ends after `offset`
// (segments are in chunk order, their reported ranges ascending and
// disjoint); segment_count if none.
TRAWL_HOST_DEVICE inline std::uint32_t first_segment_after(const ChunkSegment* segments, std::uint32_t segment_count,
                                                           std::uint32_t offset) {
  std::uint32_t lo = 0;
  std::uint32_t hi = segment_count;
  while (lo < hi) {
    const std::uint32_t mid = lo + (hi - lo) / 2;
    if (segments[mid].report_end <= offset) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// The keyword kernel's per-thread step: every keyword occurrence whose last
// byte lies in the slice [begin, end) and in a segment's reported range,
// passed to on_keyword(blob, keyword, end_offset_in_blob). Each segment's
// scan starts `overlap` (longest keyword - 1) bytes early from the root
// state, clipped to the segment's data, as ac_scan_slice() does.
template <typename Bytes, typename OnKeyword>
TRAWL_HOST_DEVICE inline void scan_keywords_in_slice(const AcTableView& table, std::uint32_t overlap,
                                                     const ChunkSegment* segments, std::uint32_t segment_count,
                                                     const Bytes& bytes, std::uint32_t begin, std::uint32_t end,
                                                     OnKeyword&& on_keyword) {
  for (std::uint32_t s = first_segment_after(segments, segment_count, begin);
       s < segment_count && segments[s].report_begin < end; ++s) {
    const ChunkSegment& seg = segments[s];
    const std::uint32_t from = begin > seg.report_begin ? begin : seg.report_begin;
    const std::uint32_t to = end < seg.report_end ? end : seg.report_end;
    const std::uint32_t warmup = from - seg.data_begin > overlap ? from - overlap : seg.data_begin;
    AcState state = 0;
    for (std::uint32_t i = warmup; i < from; ++i) state = ac_step(table, state, bytes[i]);
    for (std::uint32_t i = from; i < to; ++i) {
      state = ac_step(table, state, bytes[i]);
      if (!ac_is_output(table, state)) continue;
      const std::uint32_t at = seg.blob_offset + (i + 1 - seg.data_begin);
      ac_for_each_keyword(table, state, [&](std::uint32_t keyword) { on_keyword(seg.blob, keyword, at); });
    }
  }
}

// The entropy kernel's per-thread step: every token run over the threshold
// that starts in the slice [begin, end) and in a segment's reported range,
// passed to on_token(TokenCandidate). `counts` is kTokenSymbols zeroed
// counters, left zeroed.
template <typename Bytes, typename OnToken>
TRAWL_HOST_DEVICE inline void scan_tokens_in_slice(const EntropyTableView& table, const ChunkSegment* segments,
                                                   std::uint32_t segment_count, const Bytes& bytes, std::uint32_t begin,
                                                   std::uint32_t end, std::uint16_t* counts, OnToken&& on_token) {
  for (std::uint32_t s = first_segment_after(segments, segment_count, begin);
       s < segment_count && segments[s].report_begin < end; ++s) {
    const ChunkSegment& seg = segments[s];
    const std::uint32_t from = begin > seg.report_begin ? begin : seg.report_begin;
    const std::uint32_t to = end < seg.report_end ? end : seg.report_end;
    scan_tokens_in_range(table, bytes, seg.data_begin, seg.data_end, from, to, counts,
                         [&](std::uint32_t at, std::uint32_t length, TokenAlphabet alphabet, std::uint64_t entropy) {
                           TokenCandidate c;
                           c.blob = seg.blob;
                           c.begin = seg.blob_offset + (at - seg.data_begin);
                           c.length = length;
                           c.alphabet = alphabet;
                           c.entropy_fixed = entropy;
                           on_token(c);
                         });
  }
}

}  // namespace trawl
