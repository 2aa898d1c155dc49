#include "engine/delta_match.h"

#include "engine/interleaved_scan.h"

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

DeltaStageOne::DeltaStageOne(const KeywordAutomaton& automaton, const EntropyTable* entropy, const TokenGate* gate,
                             const Scanner* stage_two)
    : automaton_(automaton), entropy_(entropy), gate_(gate), stage_two_(stage_two) {}

void DeltaStageOne::for_stage_two(std::string_view bytes, const StageOneFound& found, StageOneFound& out) const {
  out.tokens = found.tokens;
  out.keywords.clear();
  if (stage_two_ == nullptr) {
    out.keywords = found.keywords;
  } else {
    std::copy_if(found.keywords.begin(), found.keywords.end(), std::back_inserter(out.keywords),
                 [&](const FoundKeyword& k) { return stage_two_->stage_two_uses(k.keyword, bytes, k.end); });
  }
  keywords_found_.fetch_add(found.keywords.size(), std::memory_order_relaxed);
  keywords_handed_.fetch_add(out.keywords.size(), std::memory_order_relaxed);
}

void DeltaStageOne::scan_keywords(std::string_view bytes, std::uint64_t begin, std::uint64_t end,
                                  std::vector<FoundKeyword>& out) const {
  const AcTableView table = automaton_.view();
  ac_scan_slice(table, reinterpret_cast<const std::uint8_t*>(bytes.data()), begin, end, automaton_.overlap(),
                [&](std::uint64_t at, AcState state) {
                  ac_for_each_keyword(table, state, [&](std::uint32_t keyword) {
                    out.push_back({keyword, static_cast<std::uint32_t>(at)});
                  });
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

std::vector<std::pair<std::uint64_t, std::uint64_t>> DeltaStageOne::open_lines(
    std::string_view bytes, const std::vector<FoundKeyword>& keywords) const {
  std::vector<std::uint32_t> starts;
  for (const FoundKeyword& k : keywords) {
    if (gate_->keywords[k.keyword] != TokenGate::kNotAGate) {
      starts.push_back(k.end - automaton_.keyword_length(k.keyword));
    }
  }
  std::sort(starts.begin(), starts.end());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> lines;
  for_each_open_line(bytes, starts, [&](std::size_t begin, std::size_t end) { lines.emplace_back(begin, end); });
  return lines;
}

std::unique_ptr<StageOneFound> DeltaStageOne::whole(std::string_view bytes) const {
  auto found = std::make_unique<StageOneFound>();
  const AcTableView table = automaton_.view();
  thread_local std::vector<AcOutput> buffer;
  auto expand = [&](const AcOutput* outputs, std::size_t count) {
    for (std::size_t n = 0; n < count; ++n) {
      ac_for_each_keyword(table, outputs[n].state, [&](std::uint32_t keyword) {
        found->keywords.push_back({keyword, outputs[n].end});
      });
    }
  };
  ac_scan_interleaved(table, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), automaton_.overlap(),
                      buffer, expand);
  std::sort(found->keywords.begin(), found->keywords.end(), by_end);
  std::uint64_t token_bytes = 0;
  if (entropy_ != nullptr && gate_ == nullptr) {
    scan_tokens(bytes, 0, bytes.size(), found->tokens);
    token_bytes = bytes.size();
  } else if (entropy_ != nullptr) {
    for (const auto& [begin, end] : open_lines(bytes, found->keywords)) {
      scan_tokens(bytes, begin, end, found->tokens);
      token_bytes += end - begin;
    }
  }
  ++objects_;
  object_bytes_ += bytes.size();
  token_bytes_ += token_bytes;
  return found;
}

std::unique_ptr<StageOneFound> DeltaStageOne::delta(const StageOneFound& base, std::span<const DeltaPiece> pieces,
                                                    std::string_view bytes) const {
  const std::uint64_t n = bytes.size();
  if (n == 0 || pieces.empty()) return whole(bytes);
  const std::uint64_t overlap = automaton_.overlap();
  // Where keywords not inside one copied piece end: (begin, end] as
  // ac_scan_slice takes them.
  Ranges keyword_ends;
  for (const DeltaPiece& p : pieces) {
    if (!p.copy) {
      keyword_ends.add(p.at, std::min(n, p.at + p.length + overlap));
    } else if (p.at > 0) {
      keyword_ends.add(p.at, std::min(n, p.at + overlap));
    }
  }
  const std::uint64_t keyword_bytes = keyword_ends.bytes() + keyword_ends.all().size() * overlap;
  if (keyword_bytes > n / 2) return whole(bytes);

  auto found = std::make_unique<StageOneFound>();
  thread_local std::vector<FoundKeyword> scanned;
  thread_local std::vector<FoundKeyword> inherited;
  scanned.clear();
  inherited.clear();
  for (const auto& [begin, end] : keyword_ends.all()) scan_keywords(bytes, begin, end, scanned);
  std::erase_if(scanned, [&](const FoundKeyword& k) {
    return inside_one_copy(pieces, k.end - automaton_.keyword_length(k.keyword), k.end);
  });
  std::sort(scanned.begin(), scanned.end(), by_end);
  // Pieces are in order and each inherits its base's keywords in order, so
  // what is inherited is sorted too (an inherited keyword ends after its
  // piece's start and at or before its end), and the two lists merge.
  for (const DeltaPiece& p : pieces) {
    if (!p.copy) continue;
    // The base's keywords inside [from, from + length), by end.
    auto it = std::upper_bound(base.keywords.begin(), base.keywords.end(), p.from,
                               [](std::uint64_t from, const FoundKeyword& k) { return from < k.end; });
    for (; it != base.keywords.end() && it->end <= p.from + p.length; ++it) {
      if (it->end - automaton_.keyword_length(it->keyword) < p.from) continue;
      inherited.push_back({it->keyword, static_cast<std::uint32_t>(it->end - p.from + p.at)});
    }
  }
  found->keywords.resize(scanned.size() + inherited.size());
  std::merge(scanned.begin(), scanned.end(), inherited.begin(), inherited.end(), found->keywords.begin(), by_end);

  std::uint64_t token_bytes = 0;
  if (entropy_ != nullptr && gate_ == nullptr) {
    // Where runs not inside one copied piece (with a neighbour each side)
    // can start.
    Ranges token_starts;
    token_starts.add(0, 1);
    for (const DeltaPiece& p : pieces) {
      if (!p.copy || p.at > 0) {
        token_starts.add(p.at > kMaxTokenLength ? p.at - kMaxTokenLength : 0,
                         std::min(n, (p.copy ? p.at : p.at + p.length) + 1));
      }
    }
    token_starts.add(n > kMaxTokenLength ? n - kMaxTokenLength : 0, n);
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
  } else if (entropy_ != nullptr) {
    // The runs of the lines a gate keyword opens: a line that lies, with
    // the line feed on each side, inside one copy is the same line of the
    // base, open there by the same keyword, so its runs are inherited; any
    // other open line is scanned. Lines are taken in order, so the runs are
    // too.
    for (const auto& [begin, end] : open_lines(bytes, found->keywords)) {
      if (begin > 0 && end < n && inside_one_copy(pieces, begin - 1, end + 1)) {
        const DeltaPiece& p = piece_at(pieces, begin - 1);
        const std::uint64_t base_begin = begin - p.at + p.from;
        const std::uint64_t base_end = end - p.at + p.from;
        auto it = std::lower_bound(base.tokens.begin(), base.tokens.end(), base_begin,
                                   [](const FoundToken& t, std::uint64_t at) { return t.begin < at; });
        for (; it != base.tokens.end() && it->begin < base_end; ++it) {
          FoundToken t = *it;
          t.begin = static_cast<std::uint32_t>(t.begin - p.from + p.at);
          found->tokens.push_back(t);
        }
      } else {
        scan_tokens(bytes, begin, end, found->tokens);
        token_bytes += end - begin;
      }
    }
  }
  ++deltas_;
  delta_bytes_ += n;
  window_bytes_ += keyword_bytes;
  token_bytes_ += token_bytes;
  return found;
}

DeltaMatchCounts DeltaStageOne::counts() const {
  return {objects_.load(),      object_bytes_.load(), deltas_.load(),         delta_bytes_.load(),
          window_bytes_.load(), token_bytes_.load(),  keywords_found_.load(), keywords_handed_.load()};
}

}  // namespace trawl
