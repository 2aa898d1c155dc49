// What stage 2 did on one line of a blob, for `trawl rules why`
// (scan/line_explanation.h): which rules it ran over the line, and what
// became of each candidate secret on the line (its first byte or another), in the
// words of the checks that decided. The scanner fills one only when handed
// one (Scanner::scan_text); scans hand none and pay a null check per
// candidate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/validators.h"

namespace trawl {

struct StageTwoTrace {
  // How a rule came to run over the line.
  enum class Reach {
    kKeyword,       // one of its keywords is on the line
    kKeywordShape,  // a keyword is on the line, but the text around it cannot match the regex (keyword_shape.h)
    kWindow,        // its regex searched lines around a keyword elsewhere that include this one
    kWholeBlob,     // its regex searched the whole blob (no keyword, an unbounded regex, or a match at a window's edge)
    kCheck,         // its container check read the blob
  };
  // What stage 2 did with a candidate.
  enum class Drop {
    kNone,                 // it became a hit
    kEmptySecret,          // the secret group matched nothing
    kEntropy,              // below the rule's entropy threshold
    kValidator,            // failed one of the rule's `validate` checks
    kDocumentationSample,  // a provider's documentation prints it as a sample (documentation_samples.h)
    kRepeated,             // the rule already has this secret on this line
  };
  struct Considered {
    std::uint32_t rule = 0;
    Reach reach = Reach::kKeyword;
    std::string keyword;  // kKeyword, kKeywordShape
  };
  struct Candidate {
    std::uint32_t rule = 0;
    std::size_t match_begin = 0;  // offsets in the blob
    std::size_t match_end = 0;
    std::size_t secret_begin = 0;
    std::string secret;
    double entropy = 0.0;
    Drop drop = Drop::kNone;
    std::optional<SecretValidator> validator;  // kValidator: the first check it failed
    std::string_view why;                      // kValidator: why_fails()
  };

  // The line explained: [line_begin, line_next), line_next just past its '\n'.
  std::size_t line_begin = 0;
  std::size_t line_next = 0;
  std::vector<Considered> considered;  // in the order stage 2 met them, each (rule, reach) once
  std::vector<Candidate> candidates;   // in the order stage 2 met them

  // Whether bytes [begin, end) share a byte with the line (an empty range:
  // whether it lies on the line).
  bool touches(std::size_t begin, std::size_t end) const {
    return end > begin ? begin < line_next && end > line_begin : begin >= line_begin && begin < line_next;
  }
  // A window says nothing more about a rule already considered.
  void consider(std::uint32_t rule, Reach reach, std::string_view keyword = {}) {
    for (const Considered& c : considered) {
      if (c.rule == rule && ((c.reach == reach && c.keyword == keyword) || reach == Reach::kWindow)) return;
    }
    considered.push_back({rule, reach, std::string(keyword)});
  }
  // Stage 2 searches the rule again over the whole blob: what it met in
  // its windows is met again.
  void forget_candidates(std::uint32_t rule) {
    std::erase_if(candidates, [&](const Candidate& c) { return c.rule == rule; });
  }
};

}  // namespace trawl
