// The engine: stage 1 (keyword occurrences from a KeywordMatcher backend)
// then stage 2 (each candidate rule's RE2 regex, the secret group, the
// entropy threshold). Output is hits per blob; where they were introduced and
// whether an allowlist drops them is the verifier's concern.
//
// Stage 2 searches the lines around a rule's keyword occurrences, not the
// whole blob, when the rule's regex can span only a bounded number of lines
// (Rule::max_newlines): the window covers every match that contains the
// keyword or lies within one line of it. A match that reaches a window's
// edge might continue past it, so the rule then searches the whole blob;
// results never depend on where windows fall.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "content/blob_batch.h"
#include "engine/aho_corasick.h"
#include "engine/hit.h"
#include "engine/keyword_matcher.h"
#include "rules/keyword_shape.h"
#include "rules/rule.h"

namespace trawl {

struct ScannerOptions {
  // Drop keyword occurrences whose surroundings a rule's regex cannot match
  // (rules/keyword_shape.h). Off only to test that it changes nothing.
  bool keyword_shapes = true;
};

class Scanner {
 public:
  // `rules` must outlive the scanner.
  explicit Scanner(const RuleSet& rules, const ScannerOptions& options = {});

  const KeywordAutomaton& automaton() const { return automaton_; }
  const RuleSet& rules() const { return rules_; }

  // Hits in every blob of `batch`, for blobs with at least one; in blob order.
  std::vector<BlobHits> scan(const BlobBatch& batch, KeywordMatcher& matcher) const;

  // Hits in one text, on the calling thread (rule examples, single files).
  std::vector<Hit> scan_text(std::string_view text) const;

 private:
  struct LineIndex;
  // Stage 2 for one blob, given its keyword occurrences (sorted by keyword):
  // every rule with an occurrence, plus every rule with a regex but no keyword.
  std::vector<Hit> confirm(std::string_view bytes, std::span<const Candidate> occurrences) const;
  // Runs one rule over bytes[from, to); returns true when a match touches an
  // edge of that range that is not an edge of the blob.
  bool search(std::string_view bytes, std::uint32_t rule_index, std::size_t from, std::size_t to, LineIndex& lines,
              std::vector<Hit>& out) const;

  // Declaration order matters: keywords_ is computed from rules_ and fills
  // the two tables before it, and automaton_ is built from keywords_.
  const RuleSet& rules_;
  std::vector<std::vector<std::uint32_t>> keyword_rules_;  // keyword id -> rule indices
  std::vector<std::uint32_t> keywordless_rules_;           // rules with a regex and no keyword
  std::vector<std::string> keywords_;
  KeywordAutomaton automaton_;
  // Per keyword, aligned with keyword_rules_: each owner's shape, if any.
  std::vector<std::vector<std::optional<KeywordShape>>> keyword_shapes_;
};

}  // namespace trawl
