#include "engine/delta_match.h"

#include <algorithm>
#include <array>
#include <tuple>
#include <vector>

namespace trawl {
namespace {

// Half-open ranges of positions, in order, overlapping or adjacent ones
// joined.
class Ranges {
 public:
  void add(std::uint64_t begin, std::uint64_t end) {
    if (begin >= end) return;
    if (!ranges_.empty() && begin <= ranges_.back().second) {
      ranges_.back().second = std::max(ranges_.back().second, end);
      return;
    }
    ranges_.emplace_back(begin, end);
  }
  const std::vector<std::pair<std::uint64_t, std::uint64_t>>& all() const { return ranges_; }
  std::uint64_t bytes() const {
    std::uint64_t n = 0;
    for (const auto& [begin, end] : ranges_) n += end - begin;
    return n;
  }

 private:
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges_;
};

// The piece holding position `at` (pieces cover the blob in order).
const DeltaPiece& piece_at(std::span<const DeltaPiece> pieces, std::uint64_t at) {
  auto it = std::upper_bound(pieces.begin(), pieces.end(), at,
                             [](std::uint64_t position, const DeltaPiece& p) { return position < p.at; });
  return *(it - 1);
}

// Whether [begin, end) lies inside one copied piece.
bool inside_one_copy(std::span<const DeltaPiece> pieces, std::uint64_t begin, std::uint64_t end) {
  const DeltaPiece& p = piece_at(pieces, begin);
  return p.copy && end <= p.at + p.length;
}

bool by_end(const FoundKeyword& a, const FoundKeyword& b) {
  return std::tie(a.end, a.keyword) < std::tie(b.end, b.keyword);
}

}  // namespace

DeltaStageOne::DeltaStageOne(const KeywordAutomaton& automaton, const EntropyTable* entropy)
    : automaton_(automaton), entropy_(entropy) {}

void DeltaStageOne::scan_keywords(std::string_view bytes, std::uint64_t begin, std::uint64_t end,
                                  std::vector<FoundKeyword>& out) const {
  const AcTableView table = automaton_.view();
  ac_scan_slice(table, reinterpret_cast<const std::uint8_t*>(bytes.data()), begin, end, automaton_.overlap(),
                [&](std::uint64_t at, AcState state) {
                  const std::uint32_t i = state - table.first_output_state;
                  for (std::uint32_t o = table.output_offsets[i]; o < table.output_offsets[i + 1]; ++o) {
                    out.push_back({table.output_keywords[o], static_cast<std::uint32_t>(at)});
                  }
                });
}

void DeltaStageOne::scan_tokens(std::string_view bytes, std::uint64_t begin, std::uint64_t end,
                                std::vector<FoundToken>& out) const {
  std::array<std::uint16_t, kTokenSymbols> counts{};
  scan_tokens_in_range(entropy_->view(), reinterpret_cast<const std::uint8_t*>(bytes.data()), 0,
                       static_cast<std::uint32_t>(bytes.size()), static_cast<std::uint32_t>(begin),
                       static_cast<std::uint32_t>(end), counts.data(),
                       [&](std::uint32_t at, std::uint32_t length, TokenAlphabet alphabet, std::uint64_t entropy) {
                         out.push_back({at, length, static_cast<std::uint8_t>(alphabet), entropy});
                       });
}

std::unique_ptr<StageOneFound> DeltaStageOne::whole(std::string_view bytes) const {
  auto found = std::make_unique<StageOneFound>();
  scan_keywords(bytes, 0, bytes.size(), found->keywords);
  std::sort(found->keywords.begin(), found->keywords.end(), by_end);
  if (entropy_ != nullptr) scan_tokens(bytes, 0, bytes.size(), found->tokens);
  ++objects_;
  object_bytes_ += bytes.size();
  return found;
}

std::unique_ptr<StageOneFound> DeltaStageOne::delta(const StageOneFound& base, std::span<const DeltaPiece> pieces,
                                                    std::string_view bytes) const {
  const std::uint64_t n = bytes.size();
  if (n == 0 || pieces.empty()) return whole(bytes);
  const std::uint64_t overlap = automaton_.overlap();
  // Where keywords not inside one copied piece end: (begin, end] as
  // ac_scan_slice takes them; and where token runs not inside one start.
  Ranges keyword_ends;
  Ranges token_starts;
  token_starts.add(0, 1);
  for (const DeltaPiece& p : pieces) {
    const std::uint64_t piece_end = p.at + p.length;
    if (!p.copy) {
      keyword_ends.add(p.at, std::min(n, piece_end + overlap));
      token_starts.add(p.at > kMaxTokenLength ? p.at - kMaxTokenLength : 0, std::min(n, piece_end + 1));
    } else if (p.at > 0) {
      keyword_ends.add(p.at, std::min(n, p.at + overlap));
      token_starts.add(p.at > kMaxTokenLength ? p.at - kMaxTokenLength : 0, std::min(n, p.at + 1));
    }
  }
  token_starts.add(n > kMaxTokenLength ? n - kMaxTokenLength : 0, n);
  const std::uint64_t keyword_bytes = keyword_ends.bytes() + keyword_ends.all().size() * overlap;
  if (keyword_bytes > n / 2) return whole(bytes);

  auto found = std::make_unique<StageOneFound>();
  std::vector<FoundKeyword> scanned;
  for (const auto& [begin, end] : keyword_ends.all()) scan_keywords(bytes, begin, end, scanned);
  for (const FoundKeyword& k : scanned) {
    if (!inside_one_copy(pieces, k.end - automaton_.keyword_length(k.keyword), k.end)) found->keywords.push_back(k);
  }
  for (const DeltaPiece& p : pieces) {
    if (!p.copy) continue;
    // The base's keywords inside [from, from + length), by end.
    auto it = std::upper_bound(base.keywords.begin(), base.keywords.end(), p.from,
                               [](std::uint64_t from, const FoundKeyword& k) { return from < k.end; });
    for (; it != base.keywords.end() && it->end <= p.from + p.length; ++it) {
      if (it->end - automaton_.keyword_length(it->keyword) < p.from) continue;
      found->keywords.push_back({it->keyword, static_cast<std::uint32_t>(it->end - p.from + p.at)});
    }
  }
  std::sort(found->keywords.begin(), found->keywords.end(), by_end);

  std::uint64_t token_bytes = 0;
  if (entropy_ != nullptr) {
    std::vector<FoundToken> runs;
    for (const auto& [begin, end] : token_starts.all()) scan_tokens(bytes, begin, end, runs);
    token_bytes = token_starts.bytes();
    // A run is inherited when it and the byte on each side lie in one copy.
    for (const FoundToken& t : runs) {
      if (t.begin == 0 || !inside_one_copy(pieces, t.begin - 1, std::uint64_t{t.begin} + t.length + 1)) {
        found->tokens.push_back(t);
      }
    }
    for (const DeltaPiece& p : pieces) {
      if (!p.copy) continue;
      auto it = std::lower_bound(base.tokens.begin(), base.tokens.end(), p.from + 1,
                                 [](const FoundToken& t, std::uint64_t at) { return t.begin < at; });
      for (; it != base.tokens.end() && std::uint64_t{it->begin} + it->length + 1 <= p.from + p.length; ++it) {
        FoundToken t = *it;
        t.begin = static_cast<std::uint32_t>(t.begin - p.from + p.at);
        found->tokens.push_back(t);
      }
    }
    std::sort(found->tokens.begin(), found->tokens.end(),
              [](const FoundToken& a, const FoundToken& b) { return a.begin < b.begin; });
  }
  ++deltas_;
  delta_bytes_ += n;
  window_bytes_ += keyword_bytes;
  token_bytes_ += token_bytes;
  return found;
}

DeltaMatchCounts DeltaStageOne::counts() const {
  return {objects_.load(),     object_bytes_.load(), deltas_.load(),
          delta_bytes_.load(), window_bytes_.load(), token_bytes_.load()};
}

}  // namespace trawl
