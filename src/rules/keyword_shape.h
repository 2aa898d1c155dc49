// What must surround a keyword for a rule's regex to match there.
//
// Many rules' keywords are the literal start of the token they find (`pat`
// in `pat[A-Za-z0-9]{14}\.[a-f0-9]{64}`, `sk_`, `://`). Such a short keyword
// occurs far more often than the token (`pat` is in every "path" and
// "patch"), and running the regex around each occurrence dominated stage 2.
// A keyword shape is read off the pattern: the runs of byte classes the
// regex requires right before and right after the keyword. Checking them
// costs a few table lookups per occurrence and drops almost every false one.
//
// The shape is a necessary condition only, so it can never lose a match:
// every match holds the keyword at the position the shape was read from, and
// there the shape holds. It is derived conservatively: whatever the reader
// does not follow (alternation, repeated groups, case-insensitive flags,
// non-ASCII literals) ends the shape on that side, and a pattern that does
// not hold the keyword as a plain literal has no shape at all.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace trawl {

struct ShapeStep {
  std::bitset<256> bytes;  // bytes this step may consume
  std::uint32_t min = 0;   // bytes it needs at least
  std::uint32_t max = 0;   // bytes it may take at most (kUnboundedStep: no limit)
};

inline constexpr std::uint32_t kUnboundedStep = 0xffffffffu;

struct KeywordShape {
  std::vector<ShapeStep> before;  // nearest to the keyword first
  std::vector<ShapeStep> after;

  // Whether bytes[keyword_begin, keyword_end), an occurrence of the keyword,
  // can be where a match holds it.
  bool allows(std::string_view bytes, std::size_t keyword_begin, std::size_t keyword_end) const;
  bool empty() const { return before.empty() && after.empty(); }
};

// The shape around `keyword` (lowercase) in RE2 `pattern`, or nullopt when
// the pattern does not require the keyword as a literal run.
std::optional<KeywordShape> keyword_shape(std::string_view pattern, std::string_view keyword);

}  // namespace trawl
