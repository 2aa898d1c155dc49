// Stage 1's candidates found by a source while it reads, for the blobs it
// rebuilds from deltas: a delta's result is pieces, each a copy of a range
// of its base or bytes the delta inserts, and a keyword or token run that
// lies inside one copied range is one the base holds at the same place. A
// matcher (engine/delta_match.h) therefore matches a whole object once and,
// for each delta built on it, only the inserted bytes and a window around
// each piece boundary, inheriting the rest of its base's candidates.
//
// These are the engine's candidates (engine/prefilter.h) without the
// batch's blob index, so that sources and batches need no engine.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace trawl {

// One piece of a delta's result: `length` bytes at `at` in the result,
// copied from `from` in the base when `copy`, else inserted by the delta.
struct DeltaPiece {
  std::uint64_t at = 0;
  std::uint64_t length = 0;
  std::uint64_t from = 0;
  bool copy = false;

  friend bool operator==(const DeltaPiece&, const DeltaPiece&) = default;
};

// A keyword occurrence: the automaton's keyword id, and the offset just
// past it.
struct FoundKeyword {
  std::uint32_t keyword = 0;
  std::uint32_t end = 0;

  friend bool operator==(const FoundKeyword&, const FoundKeyword&) = default;
};

// A token run over the entropy threshold (engine/token_entropy.h).
struct FoundToken {
  std::uint32_t begin = 0;
  std::uint32_t length = 0;
  std::uint8_t alphabet = 0;  // TokenAlphabet
  std::uint64_t entropy_fixed = 0;

  friend bool operator==(const FoundToken&, const FoundToken&) = default;
};

// Every stage 1 candidate of one object: every keyword of the automaton,
// those of no rule included, sorted by end then keyword; and, when the
// matcher scores tokens, the runs over the threshold, sorted by begin
// (every run, or with a token gate those of the lines it opens).
struct StageOneFound {
  std::vector<FoundKeyword> keywords;
  std::vector<FoundToken> tokens;
};

// Bytes a matcher read, for the summary of what matching deltas saved.
struct DeltaMatchCounts {
  std::uint64_t objects = 0;          // objects matched whole
  std::uint64_t object_bytes = 0;     // their bytes
  std::uint64_t deltas = 0;           // objects matched as deltas
  std::uint64_t delta_bytes = 0;      // their results' bytes
  std::uint64_t window_bytes = 0;     // bytes of those the keyword scan read
  std::uint64_t token_bytes = 0;      // bytes the token scan started runs in, in both
  std::uint64_t keywords_found = 0;   // keyword occurrences of the objects delivered
  std::uint64_t keywords_handed = 0;  // of those, handed to stage 2 (for_stage_two)
};

// Implemented by the engine; called concurrently.
class DeltaMatcher {
 public:
  virtual ~DeltaMatcher() = default;
  // The candidates of an object read whole.
  virtual std::unique_ptr<StageOneFound> whole(std::string_view bytes) const = 0;
  // The candidates of `bytes`, which `pieces` (in order, covering it) built
  // from a base whose candidates are `base`; with no pieces (a delta too
  // finely cut to list them), those of `bytes` matched whole.
  virtual std::unique_ptr<StageOneFound> delta(const StageOneFound& base, std::span<const DeltaPiece> pieces,
                                               std::string_view bytes) const = 0;
  // What of `found` (the candidates of `bytes`) to hand to stage 2, into
  // `out`: every token run, and the keyword occurrences stage 2 can use. A
  // matcher may leave out occurrences stage 2 would drop for every rule,
  // checking them here, while the object's bytes are at hand, instead of in
  // stage 2, long after they left the cache. `found` itself keeps every
  // occurrence, for the deltas built on the object.
  virtual void for_stage_two(std::string_view bytes, const StageOneFound& found, StageOneFound& out) const = 0;
  virtual DeltaMatchCounts counts() const = 0;
};

}  // namespace trawl
