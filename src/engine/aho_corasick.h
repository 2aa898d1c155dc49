// The keyword automaton: Aho-Corasick over every rule's keywords, folded to
// lowercase, compiled into a dense DFA.
//
// Compactness is what lets a GPU block hold the whole table in shared memory:
// bytes are mapped to a few classes (every byte that appears in no keyword
// shares class 0, and 'A' shares 'a''s class), state ids are 16-bit, and
// states are numbered so that every state that ends a keyword comes last,
// making "does this state report a match" a single comparison.
//
// AcTableView is a plain view of the tables; ac_step() and ac_scan() are the
// per-byte and per-slice steps that the CPU backend and the CUDA kernels
// share unchanged.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/host_device.h"

namespace trawl {

using AcState = std::uint16_t;

struct AcTableView {
  const AcState* next = nullptr;                  // [state * class_count + class]
  const std::uint8_t* byte_class = nullptr;       // [256]
  const std::uint32_t* output_offsets = nullptr;  // [state - first_output_state], CSR into output_keywords
  const std::uint32_t* output_keywords = nullptr;
  std::uint32_t class_count = 0;
  std::uint32_t state_count = 0;
  std::uint32_t first_output_state = 0;  // states >= this end at least one keyword
};

TRAWL_HOST_DEVICE inline AcState ac_step(const AcTableView& t, AcState state, std::uint8_t byte) {
  return t.next[static_cast<std::uint32_t>(state) * t.class_count + t.byte_class[byte]];
}

TRAWL_HOST_DEVICE inline bool ac_is_output(const AcTableView& t, AcState state) {
  return state >= t.first_output_state;
}

// Calls on_keyword(id) for every keyword that ends at `state`, an output
// state (ac_is_output).
template <typename OnKeyword>
TRAWL_HOST_DEVICE inline void ac_for_each_keyword(const AcTableView& t, AcState state, OnKeyword&& on_keyword) {
  const std::uint32_t i = state - t.first_output_state;
  for (std::uint32_t o = t.output_offsets[i]; o < t.output_offsets[i + 1]; ++o) on_keyword(t.output_keywords[o]);
}

// Runs the automaton over bytes[begin, end) from `state` and calls
// on_output(position_after_byte, state) at every state that ends a keyword.
// Returns the state after the last byte, so a caller can continue a scan
// across slices.
template <typename OnOutput>
TRAWL_HOST_DEVICE inline AcState ac_scan(const AcTableView& t, const std::uint8_t* bytes, std::uint64_t begin,
                                         std::uint64_t end, AcState state, OnOutput&& on_output) {
  for (std::uint64_t i = begin; i < end; ++i) {
    state = ac_step(t, state, bytes[i]);
    if (ac_is_output(t, state)) on_output(i + 1, state);
  }
  return state;
}

// Scans [begin, end) of a text as one slice of a larger scan. It starts
// `overlap` bytes early (the longest keyword's length minus one) from the
// root state, so a keyword that straddles `begin` is found, and reports only
// keywords that end inside (begin, end]: adjacent slices, scanned
// independently and in any order, report every occurrence exactly once.
template <typename OnOutput>
TRAWL_HOST_DEVICE inline void ac_scan_slice(const AcTableView& t, const std::uint8_t* bytes, std::uint64_t begin,
                                            std::uint64_t end, std::uint32_t overlap, OnOutput&& on_output) {
  const std::uint64_t from = begin > overlap ? begin - overlap : 0;
  AcState state = 0;
  for (std::uint64_t i = from; i < begin; ++i) state = ac_step(t, state, bytes[i]);
  ac_scan(t, bytes, begin, end, state, on_output);
}

class KeywordAutomaton {
 public:
  // Builds the automaton for `keywords` (case-insensitive; the id of a
  // keyword is its index). Throws std::length_error if the DFA would need
  // more states than AcState can number.
  explicit KeywordAutomaton(const std::vector<std::string>& keywords);

  AcTableView view() const;
  std::size_t keyword_count() const { return keyword_lengths_.size(); }
  std::uint32_t keyword_length(std::uint32_t keyword) const { return keyword_lengths_[keyword]; }
  std::uint32_t max_keyword_length() const { return max_keyword_length_; }
  // Bytes a scan of a slice must read before it (from the root state) so a
  // keyword straddling the slice's start is found: the longest keyword's
  // length minus one (ac_scan_slice). The CPU scan, the CUDA keyword kernel
  // and the device chunk planning all take it from here.
  std::uint32_t overlap() const { return max_keyword_length_ > 0 ? max_keyword_length_ - 1 : 0; }
  // Bytes of the tables a device must hold.
  std::size_t table_bytes() const;

  // Keyword ids that end at `state` (empty unless ac_is_output).
  std::vector<std::uint32_t> outputs(AcState state) const;

 private:
  std::array<std::uint8_t, 256> byte_class_{};
  std::uint32_t class_count_ = 1;
  std::uint32_t state_count_ = 0;
  std::uint32_t first_output_state_ = 0;
  std::vector<AcState> next_;
  std::vector<std::uint32_t> output_offsets_;
  std::vector<std::uint32_t> output_keywords_;
  std::vector<std::uint32_t> keyword_lengths_;
  std::uint32_t max_keyword_length_ = 0;
};

}  // namespace trawl
