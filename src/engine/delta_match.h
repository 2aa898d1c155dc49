// Stage 1 for blobs rebuilt from deltas (content/stage_one_found.h): an
// object read whole is matched whole; a delta's result inherits every
// candidate of its base that lies inside one copied range, shifted to where
// the range lands, and only the bytes that can hold any other candidate are
// matched:
//
//   keywords  an occurrence not inside one copied piece overlaps an inserted
//             piece or crosses a piece boundary, so it ends in an inserted
//             piece or within (longest keyword - 1) bytes after one, or
//             within that much after a boundary: those ends are scanned
//             (ac_scan_slice, from the root state that many bytes early);
//   tokens    a run is decided by its bytes and the byte on each side, so
//             one whose bytes and neighbours lie inside one copied piece is
//             inherited; any other starts within kMaxTokenLength bytes
//             before an inserted piece, a boundary or the blob's end, or in
//             an inserted piece, or at the blob's start: those starts are
//             scanned (scan_tokens_in_range, over the whole blob's bytes).
//             With a TokenGate, only the runs of the lines its keywords
//             open are wanted (as the CPU backend finds them): an open line
//             that lies, with its line feeds, inside one copied piece has
//             its base's runs; any other open line is scanned.
//
// The two sets are disjoint by the same predicate, so the result is exactly
// what matching the whole blob finds. When the bytes to scan are over half
// of the blob, it is matched whole.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "content/stage_one_found.h"
#include "engine/aho_corasick.h"
#include "engine/prefilter.h"
#include "engine/scanner.h"
#include "engine/token_entropy.h"

namespace trawl {

class DeltaStageOne final : public DeltaMatcher {
 public:
  // `entropy` null: no token runs; `gate` null: every run, else only those
  // of the lines its keywords open (prefilter.h; a blob the gate wants
  // whole is the prefilter's to scan). `stage_two`, when given, says which
  // keyword occurrences for_stage_two() hands on (Scanner::stage_two_uses);
  // null: all of them. All must outlive this.
  DeltaStageOne(const KeywordAutomaton& automaton, const EntropyTable* entropy, const TokenGate* gate = nullptr,
                const Scanner* stage_two = nullptr);

  std::unique_ptr<StageOneFound> whole(std::string_view bytes) const override;
  std::unique_ptr<StageOneFound> delta(const StageOneFound& base, std::span<const DeltaPiece> pieces,
                                       std::string_view bytes) const override;
  void for_stage_two(std::string_view bytes, const StageOneFound& found, StageOneFound& out) const override;
  DeltaMatchCounts counts() const override;

 private:
  void scan_keywords(std::string_view bytes, std::uint64_t begin, std::uint64_t end,
                     std::vector<FoundKeyword>& out) const;
  void scan_tokens(std::string_view bytes, std::uint64_t begin, std::uint64_t end, std::vector<FoundToken>& out) const;
  // The lines [begin, end) holding a keyword of the gate, in order.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> open_lines(std::string_view bytes,
                                                                  const std::vector<FoundKeyword>& keywords) const;

  const KeywordAutomaton& automaton_;
  const EntropyTable* entropy_;
  const TokenGate* gate_;
  const Scanner* stage_two_;
  mutable std::atomic<std::uint64_t> objects_{0};
  mutable std::atomic<std::uint64_t> object_bytes_{0};
  mutable std::atomic<std::uint64_t> deltas_{0};
  mutable std::atomic<std::uint64_t> delta_bytes_{0};
  mutable std::atomic<std::uint64_t> window_bytes_{0};
  mutable std::atomic<std::uint64_t> token_bytes_{0};
  mutable std::atomic<std::uint64_t> keywords_found_{0};
  mutable std::atomic<std::uint64_t> keywords_handed_{0};
};

}  // namespace trawl
