// The engine: stage 1 (keyword occurrences from a Prefilter backend)
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
//
// Stage 2's memory is bounded whatever the blob holds. A rule's matches with
// the same secret on the same line are one hit (the first, leftmost), found
// before any text is copied, so a key repeated a million times on one line
// costs one hit. Each hit keeps at most kLineContextBytes of its line on
// either side of the match, and the context kept for one blob's hits is at
// most kBlobContextBytes in all (hits past it keep their match alone as
// their line). A blob with more than kMaxHitsPerBlob distinct hits keeps the
// first kMaxHitsPerBlob (by rule, then position) and says it was truncated,
// which the scan reports; a distinct hit is never dropped silently.
#pragma once

#include <atomic>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "content/blob_batch.h"
#include "engine/aho_corasick.h"
#include "engine/hit.h"
#include "engine/path_scope.h"
#include "engine/prefilter.h"
#include "engine/stage_two_trace.h"
#include "engine/token_entropy.h"
#include "rules/keyword_shape.h"
#include "rules/rule.h"

namespace trawl {

inline constexpr std::size_t kLineContextBytes = 1024;
inline constexpr std::size_t kBlobContextBytes = std::size_t{4} << 20;
inline constexpr std::size_t kMaxHitsPerBlob = 100'000;

struct ScannerOptions {
  // Drop keyword occurrences whose surroundings a rule's regex cannot match
  // (rules/keyword_shape.h). Off only to test that it changes nothing.
  bool keyword_shapes = true;
  // Search a window of bytes that a rule searched lately (the same lines of
  // the next version of a file) once: its matches are kept by the window's
  // bytes. Off only to test that it changes nothing.
  bool memo_windows = true;
  // Where the blobs scanned appear (path_scope.h), filled before the first
  // scan() or confirm(): a rule it scopes runs only on the blobs it gives
  // the rule. A container check it scopes tests its keywords in stage 2,
  // on those few blobs, instead of in stage 1 on every blob (`env `, `args`
  // and `://` are everywhere in code). Null: every rule on every blob.
  const PathScope* scope = nullptr;
  // False: a blob's hits are all kept, unchosen, for the caller to choose
  // among with choose_hits() (rules/span_choice.h). A datastore keeps them
  // so, so that rules run over the blob later join the same choice.
  bool choose_spans = true;
  // Filled before the first scan() or confirm(): a blob listed here runs
  // only the rules its mask holds (by rule index); others run every rule.
  const RuleSubsets* only = nullptr;
};

class Scanner {
 public:
  // `rules` must outlive the scanner.
  explicit Scanner(const RuleSet& rules, const ScannerOptions& options = {});
  // token_gate() refers to the scanner itself.
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  const KeywordAutomaton& automaton() const { return automaton_; }
  // The threshold stage 1 scores token runs against (the lowest `entropy`
  // of the rules with `tokens`); null when no rule has `tokens`, and then
  // stage 1 finds no token candidates.
  const EntropyTable* entropy_table() const { return entropy_ ? &*entropy_ : nullptr; }
  // Where stage 1 needs token runs (prefilter.h): null when everywhere. Build
  // the prefilter over {automaton(), entropy_table(), token_gate()}.
  const TokenGate* token_gate() const { return gate_keywords_.empty() ? nullptr : &token_gate_; }
  const RuleSet& rules() const { return rules_; }
  // Windows stage 2 looked up in its memo (ScannerOptions::memo_windows),
  // and of those, how many it had searched lately, so far.
  struct WindowCounts {
    std::uint64_t searched = 0;
    std::uint64_t repeated = 0;
  };
  WindowCounts window_counts() const { return {windows_searched_.load(), windows_repeated_.load()}; }
  // Whether stage 2 can use the occurrence of `keyword` that ends at `end`
  // in `bytes`: some rule holding the keyword has no shape there, or its
  // shape allows the occurrence (whatever the blob's paths). Stage 2 drops
  // any other occurrence for every rule, so a source may leave it out of a
  // batch, checked while the blob's bytes are at hand (delta_match.h).
  bool stage_two_uses(std::uint32_t keyword, std::string_view bytes, std::uint32_t end) const;

  // Hits in every blob of `batch`, for blobs with at least one; in blob order.
  // Stage 1 is `prefilter`'s (built over automaton()); each blob goes through
  // stage 2 as the prefilter hands it on (Prefilter::run_each).
  std::vector<BlobHits> scan(const BlobBatch& batch, Prefilter& prefilter) const;
  // Stage 2 alone, in parallel, over a batch whose stage 1 ran elsewhere
  // (a device prefilter's run()).
  std::vector<BlobHits> confirm(const BlobBatch& batch, const BatchCandidates& candidates) const;

  // Hits in one text, on the calling thread (rule examples, single files),
  // one per span as if at a path where every rule applies (every hit,
  // without ScannerOptions::choose_spans). `truncated`, when given, says
  // whether kMaxHitsPerBlob cut them short. `trace`, when given, records what
  // stage 2 did on its line (stage_two_trace.h).
  std::vector<Hit> scan_text(std::string_view text, bool* truncated = nullptr, StageTwoTrace* trace = nullptr) const;

 private:
  struct LineIndex;
  struct BlobState;
  struct WindowMemo;
  // A match of a rule in a window, by offsets from the window's start: one
  // to report (drop kNone), or, when traced, one dropped and why.
  struct WindowMatch {
    std::uint32_t match_begin;
    std::uint32_t match_end;
    std::uint32_t secret_begin;
    std::uint32_t secret_size;
    double entropy;
    StageTwoTrace::Drop drop;
    std::optional<SecretValidator> validator;
    std::string_view why;  // a validator's reason: static text
  };
  // Stage 2 for one blob, given its keyword occurrences (sorted by keyword)
  // and its token runs (sorted by position): every rule with an occurrence,
  // every rule with `tokens` around the runs, plus every rule with a regex
  // but no keyword.
  // `classes` (the blob's, from the scope) say which rules with a path run;
  // `only`, when set, which rules run at all.
  // With `per_path_choice`, a blob with hits of rules with a path keeps all
  // its hits for the verifier to choose among at each path
  // (rules/span_choice.h); else stage 2 chooses as if every rule applied.
  std::vector<Hit> confirm(std::string_view bytes, std::span<const Candidate> occurrences,
                           std::span<const TokenCandidate> tokens, std::uint64_t classes, const RuleMask* only,
                           bool per_path_choice, bool& truncated, StageTwoTrace* trace = nullptr) const;
  // Runs the rules with `tokens` that apply (by `classes` and `only`) around
  // the blob's token runs and appends their hits.
  void add_token_hits(std::string_view bytes, std::span<const TokenCandidate> tokens, std::uint64_t classes,
                      const RuleMask* only, BlobState& state, std::vector<Hit>& out) const;
  // The blob's rule mask (ScannerOptions::only); null: every rule.
  const RuleMask* only_of(const BlobKey& blob) const;
  // The blob's path classes: every class without a scope.
  std::uint64_t classes_of(const BlobKey& blob) const;
  // Whether stage 2 has work on a blob of `classes` with no keyword occurrence.
  bool runs_without_keywords(std::uint64_t classes) const;
  // Runs one rule over bytes[from, to); returns true when a match touches an
  // edge of that range that is not an edge of the blob. With `runs` (token
  // runs as (begin, length), sorted), a match counts only when its secret
  // is one of them.
  bool search(std::string_view bytes, std::uint32_t rule_index, std::size_t from, std::size_t to, BlobState& state,
              std::vector<Hit>& out, const std::vector<std::pair<std::uint32_t, std::uint32_t>>* runs = nullptr) const;
  // The rule's matches in bytes[from, to) that pass its secret group, token
  // runs, entropy, documentation samples and validators, in order (with
  // `traced`, those dropped too), into `out`; returns true when a match
  // touches an edge of the range that is not an edge of the blob (the
  // matches before it are in `out`). What search() keeps of them is the
  // blob's to decide.
  bool find_matches(std::string_view bytes, std::uint32_t rule_index, std::size_t from, std::size_t to,
                    const std::vector<std::pair<std::uint32_t, std::uint32_t>>* runs, bool traced,
                    std::vector<WindowMatch>& out) const;
  // Runs the container checks of `check_rules` (rules with a `check`) over
  // the blob and appends their hits, sorted by position.
  void add_check_hits(std::string_view bytes, const std::vector<std::uint32_t>& check_rules, BlobState& state,
                      std::vector<Hit>& out) const;
  // A hit of rule `rule_index` for the secret at `secret_begin`, the match
  // spanning [match_begin, match_end), with the lines around it (within the
  // blob's context budget).
  static Hit make_hit(std::string_view bytes, std::uint32_t rule_index, std::size_t match_begin, std::size_t match_end,
                      std::size_t secret_begin, std::string_view secret, double entropy, BlobState& state);
  // Records a candidate on `trace` when its secret (or, when empty, its
  // match) touches the traced line.
  static void note(StageTwoTrace& trace, std::uint32_t rule_index, std::size_t match_begin, std::size_t match_end,
                   std::size_t secret_begin, std::string_view secret, double entropy, StageTwoTrace::Drop drop,
                   std::optional<SecretValidator> validator = std::nullopt, std::string_view why = {});

  // Declaration order matters: keywords_ is computed from rules_ and
  // scope_ and fills the tables before it, and automaton_ is built from
  // keywords_.
  const RuleSet& rules_;
  std::vector<std::vector<std::uint32_t>> keyword_rules_;  // keyword id -> rule indices
  std::vector<std::uint32_t> keywordless_rules_;           // rules with a regex and no keyword
  std::vector<std::uint32_t> token_rules_;                 // rules with `tokens`
  std::vector<char> keyed_token_rules_;                    // per token_rules_ entry: has credential-key
  std::vector<std::uint32_t> gate_keywords_;               // keyword ids of the credential words (TokenGate)
  TokenGate token_gate_;
  std::optional<EntropyTable> entropy_;  // set when token_rules_ is not empty
  const PathScope* scope_;
  bool choose_spans_;
  bool memo_windows_;
  // Names this scanner in the thread-local window memo, which scanners of
  // other rules share: never reused, as an address may be.
  std::uint64_t memo_id_;
  mutable std::atomic<std::uint64_t> windows_searched_{0};
  mutable std::atomic<std::uint64_t> windows_repeated_{0};
  const RuleSubsets* only_;
  // Container checks the scope scopes: their keywords are tested in stage 2.
  std::vector<std::uint32_t> late_keyword_rules_;
  std::uint64_t late_keyword_classes_ = 0;  // the classes of those rules
  std::vector<std::string> keywords_;
  KeywordAutomaton automaton_;
  // Per keyword, aligned with keyword_rules_: each owner's shape, if any.
  std::vector<std::vector<std::optional<KeywordShape>>> keyword_shapes_;
  // Per keyword: some owner has no shape, so every occurrence is used.
  std::vector<char> keyword_always_used_;
};

}  // namespace trawl
