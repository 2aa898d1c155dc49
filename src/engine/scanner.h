// The engine: stage 1 (keyword candidates from a KeywordMatcher backend)
// then stage 2 (each candidate rule's RE2 regex over the blob, the secret
// group, the entropy threshold). Output is hits per blob; where they were
// introduced and whether an allowlist drops them is the verifier's concern.
#pragma once

#include <string_view>
#include <vector>

#include "engine/aho_corasick.h"
#include "engine/hit.h"
#include "engine/keyword_matcher.h"
#include "rules/rule.h"
#include "source/blob_batch.h"

namespace trawl {

class Scanner {
 public:
  // `rules` must outlive the scanner.
  explicit Scanner(const RuleSet& rules);

  const KeywordAutomaton& automaton() const { return automaton_; }
  const RuleSet& rules() const { return rules_; }

  // Hits in every blob of `batch`, for blobs with at least one; in blob order.
  std::vector<BlobHits> scan(const BlobBatch& batch, KeywordMatcher& matcher) const;

  // Hits in one text, on the calling thread (rule examples, single files).
  std::vector<Hit> scan_text(std::string_view text) const;

 private:
  // Stage 2 for one blob: runs the given rules (sorted indices) plus every
  // rule that has a regex but no keyword.
  std::vector<Hit> confirm(std::string_view bytes, std::vector<std::uint32_t> rule_indices) const;
  void confirm_rule(std::string_view bytes, std::uint32_t rule_index, std::vector<Hit>& out,
                    std::vector<std::uint32_t>& line_starts) const;

  // Declaration order matters: keywords_ is computed from rules_ and fills
  // the two tables before it, and automaton_ is built from keywords_.
  const RuleSet& rules_;
  std::vector<std::vector<std::uint32_t>> keyword_rules_;  // keyword id -> rule indices
  std::vector<std::uint32_t> keywordless_rules_;            // rules with a regex and no keyword
  std::vector<std::string> keywords_;
  KeywordAutomaton automaton_;
};

}  // namespace trawl
