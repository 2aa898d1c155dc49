// The CPU's keyword scan of a whole text: Aho-Corasick (aho_corasick.h) over
// eight slices of it advanced in one interleaved loop, so the eight
// independent table lookups per step overlap in the core. The CPU backend
// (cpu_prefilter.cpp) and the delta matcher (delta_match.h) scan with it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "engine/aho_corasick.h"

namespace trawl {

// A keyword's end and the state that reported it.
struct AcOutput {
  std::uint32_t end;
  AcState state;
};

// Steps of the interleaved loop between hand-offs of what it found.
inline constexpr std::uint64_t kAcOutputChunk = 2048;

// Cuts [0, length) into `Streams` slices and advances all of them in one
// loop; each slice starts `overlap` bytes early, as ac_scan_slice() does.
// The loop only records (end, state) into a buffer, handed to `expand` a
// chunk at a time: pushing candidates from inside it cost half its speed
// in spilled registers.
template <int Streams, typename Expand>
void ac_scan_streams(const AcTableView& table, const std::uint8_t* bytes, std::uint64_t length, std::uint32_t overlap,
                     std::vector<AcOutput>& buffer, Expand& expand) {
  const std::uint64_t slice = (length + Streams - 1) / Streams;
  std::array<std::uint64_t, Streams> pos{};
  std::array<std::uint64_t, Streams> end{};
  std::array<AcState, Streams> state{};
  for (int k = 0; k < Streams; ++k) {
    const std::uint64_t begin = std::min(length, slice * static_cast<std::uint64_t>(k));
    end[k] = std::min(length, begin + slice);
    const std::uint64_t from = begin > overlap ? begin - overlap : 0;
    for (std::uint64_t i = from; i < begin; ++i) state[k] = ac_step(table, state[k], bytes[i]);
    pos[k] = begin;
  }
  // Every step can report at most one state per stream.
  if (buffer.size() < kAcOutputChunk * Streams) buffer.resize(kAcOutputChunk * Streams);
  AcOutput* out = buffer.data();
  // All slices but the last have exactly `slice` bytes; run them in lockstep
  // for as long as the last one has bytes too.
  const std::uint64_t common = end[Streams - 1] - pos[Streams - 1];
  for (std::uint64_t chunk = 0; chunk < common; chunk += kAcOutputChunk) {
    const std::uint64_t chunk_end = std::min(common, chunk + kAcOutputChunk);
    std::size_t count = 0;
    for (std::uint64_t i = chunk; i < chunk_end; ++i) {
      for (int k = 0; k < Streams; ++k) {
        state[k] = ac_step(table, state[k], bytes[pos[k] + i]);
        if (ac_is_output(table, state[k])) [[unlikely]] {
          out[count++] = {static_cast<std::uint32_t>(pos[k] + i + 1), state[k]};
        }
      }
    }
    expand(out, count);
  }
  for (int k = 0; k < Streams; ++k) {
    std::size_t count = 0;
    ac_scan(table, bytes, pos[k] + common, end[k], state[k], [&](std::uint64_t at, AcState s) {
      out[count++] = {static_cast<std::uint32_t>(at), s};
      if (count == buffer.size()) {
        expand(out, count);
        count = 0;
      }
    });
    expand(out, count);
  }
}

// Every keyword end in bytes[0, length), handed to expand(outputs, count) a
// buffer at a time (not in order of end across slices). Below 1 KiB, one
// stream: the overlap would cost more than it saves.
template <typename Expand>
void ac_scan_interleaved(const AcTableView& table, const std::uint8_t* bytes, std::uint64_t length,
                         std::uint32_t overlap, std::vector<AcOutput>& buffer, Expand& expand) {
  constexpr std::uint64_t kInterleaveMinBytes = 1024;
  if (length < kInterleaveMinBytes) {
    ac_scan_streams<1>(table, bytes, length, overlap, buffer, expand);
  } else {
    ac_scan_streams<8>(table, bytes, length, overlap, buffer, expand);
  }
}

}  // namespace trawl
