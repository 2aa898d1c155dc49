#include "engine/scanner.h"

#include <tbb/parallel_for.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "engine/entropy.h"
#include "rules/assigned_value.h"
#include "rules/container_checks.h"
#include "rules/documentation_samples.h"
#include "rules/keyword_shape.h"
#include "rules/span_choice.h"
#include "rules/validators.h"

namespace trawl {
namespace {

// Lines of context a window keeps beyond what a match can span, so a
// keyword on the line next to a match (a comment above a key) still counts.
constexpr unsigned kContextLines = 1;
// A rule with more keyword occurrences than this in one blob finds its
// windows through an index of the blob's lines.
constexpr std::size_t kIndexedWindowsFrom = 32;

// Whether `bytes` holds one of `keywords` (lowercase), in any case.
bool holds_keyword(std::string_view bytes, const std::vector<std::string>& keywords) {
  auto same = [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; };
  return std::any_of(keywords.begin(), keywords.end(), [&](const std::string& k) {
    return std::search(bytes.begin(), bytes.end(), k.begin(), k.end(), same) != bytes.end();
  });
}

// Whether a token rule reads runs only after a key that names a credential
// (its `credential-key` validator).
bool reads_credential_key(const Rule& rule) {
  return std::find(rule.validators.begin(), rule.validators.end(), SecretValidator::kCredentialKey) !=
         rule.validators.end();
}

// The words first_credential_word_end() looks for (in any case): a line
// without one holds no run a credential-key rule reports.
constexpr std::array<std::string_view, 8> kCredentialLineWords = {"pw",     "psw",   "pass", "key",
                                                                  "secret", "token", "auth", "cred"};

std::vector<std::string> collect_keywords(const RuleSet& rules, const PathScope* scope,
                                          std::vector<std::vector<std::uint32_t>>& keyword_rules,
                                          std::vector<std::uint32_t>& keywordless,
                                          std::vector<std::uint32_t>& late_keyword_rules,
                                          std::vector<std::uint32_t>& token_rules,
                                          std::vector<std::uint32_t>& gate_keywords) {
  std::vector<std::string> keywords;
  std::unordered_map<std::string, std::uint32_t> index;
  for (std::uint32_t r = 0; r < rules.rules.size(); ++r) {
    const Rule& rule = rules.rules[r];
    if (!rule.regex && !rule.check) continue;
    if (rule.tokens) {
      token_rules.push_back(r);
      continue;
    }
    if (rule.check && !rule.keywords.empty() && scope != nullptr && scope->rule_class(r) != 0) {
      late_keyword_rules.push_back(r);
      continue;
    }
    if (rule.keywords.empty()) keywordless.push_back(r);
    for (const std::string& k : rule.keywords) {
      auto [it, inserted] = index.emplace(k, static_cast<std::uint32_t>(keywords.size()));
      if (inserted) {
        keywords.push_back(k);
        keyword_rules.emplace_back();
      }
      auto& owners = keyword_rules[it->second];
      if (owners.empty() || owners.back() != r) owners.push_back(r);
    }
  }
  // A credential-key token rule reads runs only on lines naming a
  // credential: its words are keywords too (of no rule), which open their
  // lines to stage 1's token scan (TokenGate).
  if (std::any_of(token_rules.begin(), token_rules.end(),
                  [&](std::uint32_t r) { return reads_credential_key(rules.rules[r]); })) {
    for (std::string_view word : kCredentialLineWords) {
      auto [it, inserted] = index.emplace(std::string(word), static_cast<std::uint32_t>(keywords.size()));
      if (inserted) {
        keywords.emplace_back(word);
        keyword_rules.emplace_back();
      }
      gate_keywords.push_back(it->second);
    }
  }
  return keywords;
}

}  // namespace

// Where each line of a blob starts, found as far into the blob as asked:
// only blobs with a hit need it, and the lines past a blob's last hit are
// never counted (the hits of each version of a file are often near its top).
struct Scanner::LineIndex {
  std::string_view bytes;
  std::vector<std::uint32_t> starts;
  std::size_t indexed = 0;  // starts holds every line start up to here

  // 0-based line holding `offset`.
  std::size_t line_of(std::size_t offset) {
    index_to(offset + 1);
    return static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), offset) - starts.begin()) - 1;
  }
  std::size_t line_begin(std::size_t line) {
    index_lines(line + 1);
    return starts[line];
  }
  // Offset just past `line`, its '\n' included.
  std::size_t line_end(std::size_t line) {
    index_lines(line + 2);
    return line + 1 < starts.size() ? starts[line + 1] : bytes.size();
  }
  // The last line's index, when no line is past `line`, else `line`.
  std::size_t at_most_last(std::size_t line) {
    index_lines(line + 1);
    return std::min(line, starts.size() - 1);
  }

 private:
  // Indexes at least up to `offset` (or the end), in steps of a good size.
  void index_to(std::size_t offset) {
    if (starts.empty()) starts.push_back(0);
    if (offset <= indexed || indexed == bytes.size()) return;
    const std::size_t to = std::min(bytes.size(), std::max(offset, indexed + kIndexStep));
    const char* data = bytes.data();
    std::size_t at = indexed;
#if defined(__SSE2__)
    // Sixteen bytes a step: lines of source are short, and a call to
    // memchr per line costs more than the line.
    const __m128i newline = _mm_set1_epi8('\n');
    for (; to - at >= 16; at += 16) {
      auto mask = static_cast<unsigned>(
          _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at)), newline)));
      for (; mask != 0; mask &= mask - 1) {
        starts.push_back(static_cast<std::uint32_t>(at + static_cast<std::size_t>(__builtin_ctz(mask)) + 1));
      }
    }
#endif
    for (; at < to; ++at) {
      if (data[at] == '\n') starts.push_back(static_cast<std::uint32_t>(at + 1));
    }
    indexed = to;
  }
  // Indexes until `count` line starts are known, or the end.
  void index_lines(std::size_t count) {
    index_to(0);
    while (starts.size() < count && indexed < bytes.size()) index_to(indexed + 1);
  }
  static constexpr std::size_t kIndexStep = 4096;
};

// What stage 2 keeps for one blob across its rules.
struct Scanner::BlobState {
  LineIndex lines;
  // The current rule's hits so far, as (line, secret): a match repeating one
  // of them is not a new hit.
  struct Seen {
    std::size_t line;
    std::string_view secret;
    friend bool operator==(const Seen&, const Seen&) = default;
  };
  struct SeenHash {
    std::size_t operator()(const Seen& s) const {
      return std::hash<std::string_view>()(s.secret) ^ (s.line * 0x9e3779b97f4a7c15ull);
    }
  };
  std::unordered_set<Seen, SeenHash> seen;
  std::size_t context_left = kBlobContextBytes;
  std::size_t hits = 0;  // kept so far, every rule
  bool truncated = false;
  StageTwoTrace* trace = nullptr;  // null but for `trawl rules why`
  WindowCounts windows;            // added to the scanner's when the blob is done
};

namespace {

// The start of the line `lines_back` lines above the one holding `offset`.
std::size_t lines_start_before(std::string_view bytes, std::size_t offset, std::size_t lines_back) {
  std::size_t at = offset;
  for (std::size_t n = 0; n <= lines_back; ++n) {
    const void* nl = at == 0 ? nullptr : memrchr(bytes.data(), '\n', at);
    if (nl == nullptr) return 0;
    const auto newline = static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data());
    if (n == lines_back) return newline + 1;
    at = newline;
  }
  return 0;
}

// Just past the end (its '\n' included) of the line `lines_on` lines below
// the one holding `offset`.
std::size_t lines_end_after(std::string_view bytes, std::size_t offset, std::size_t lines_on) {
  std::size_t at = offset;
  for (std::size_t n = 0; n <= lines_on; ++n) {
    if (at >= bytes.size()) return bytes.size();
    const void* nl = std::memchr(bytes.data() + at, '\n', bytes.size() - at);
    if (nl == nullptr) return bytes.size();
    at = static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data()) + 1;
  }
  return at;
}

// The secret's line around it, at most kLineContextBytes on each side.
SecretContext secret_context(std::string_view bytes, std::size_t begin, std::size_t end) {
  const std::size_t floor = begin > kLineContextBytes ? begin - kLineContextBytes : 0;
  std::size_t line_begin = begin;
  while (line_begin > floor && bytes[line_begin - 1] != '\n') --line_begin;
  const std::size_t ceiling = std::min(bytes.size(), end + kLineContextBytes);
  std::size_t line_end = end;
  while (line_end < ceiling && bytes[line_end] != '\n') ++line_end;
  return {bytes.substr(line_begin, begin - line_begin), bytes.substr(end, line_end - end)};
}

std::uint64_t next_memo_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

Scanner::Scanner(const RuleSet& rules, const ScannerOptions& options)
    : rules_(rules),
      scope_(options.scope),
      choose_spans_(options.choose_spans),
      memo_windows_(options.memo_windows),
      memo_id_(next_memo_id()),
      only_(options.only),
      keywords_(collect_keywords(rules, options.scope, keyword_rules_, keywordless_rules_, late_keyword_rules_,
                                 token_rules_, gate_keywords_)),
      automaton_(keywords_) {
  std::vector<std::uint32_t> whole_blob_rules;  // token rules that read runs anywhere in a blob
  for (std::uint32_t r : token_rules_) {
    const bool keyed = reads_credential_key(rules.rules[r]);
    keyed_token_rules_.push_back(static_cast<char>(keyed));
    if (!keyed) whole_blob_rules.push_back(r);
  }
  if (!gate_keywords_.empty()) {
    token_gate_.keywords.assign(keywords_.size(), 0);
    for (std::uint32_t k : gate_keywords_) {
      token_gate_.keywords[k] = keyword_rules_[k].empty() ? TokenGate::kOnlyAGate : TokenGate::kGate;
    }
    // A blob any other token rule applies to (by its paths) is scanned whole.
    token_gate_.whole_blob = [this, whole_blob_rules](const BlobKey& blob) {
      if (whole_blob_rules.empty()) return false;
      if (scope_ == nullptr) return true;
      const std::uint64_t classes = scope_->classes_of(blob);
      return std::any_of(whole_blob_rules.begin(), whole_blob_rules.end(),
                         [&](std::uint32_t r) { return scope_->applies(r, classes); });
    };
  }
  if (!token_rules_.empty()) {
    double threshold = rules.rules[token_rules_.front()].entropy;
    for (std::uint32_t r : token_rules_) threshold = std::min(threshold, rules.rules[r].entropy);
    // The table reports runs strictly above its threshold. A run may hold
    // more than the secret (`API_KEY=...`: '_' and '=' are token bytes), so
    // it is a gate; the secret passes the rule's own `entropy` in search().
    entropy_.emplace(std::nextafter(threshold, 0.0));
  }
  for (std::uint32_t r : late_keyword_rules_) late_keyword_classes_ |= scope_->rule_class(r);
  keyword_shapes_.resize(keywords_.size());
  for (std::size_t k = 0; k < keywords_.size(); ++k) {
    for (std::uint32_t r : keyword_rules_[k]) {
      std::optional<KeywordShape> shape;
      if (options.keyword_shapes && rules.rules[r].regex)
        shape = keyword_shape(rules.rules[r].regex->pattern(), keywords_[k]);
      if (shape && shape->empty()) shape.reset();
      keyword_shapes_[k].push_back(std::move(shape));
    }
  }
  keyword_always_used_.resize(keywords_.size());
  for (std::size_t k = 0; k < keywords_.size(); ++k) {
    keyword_always_used_[k] = std::any_of(keyword_shapes_[k].begin(), keyword_shapes_[k].end(),
                                          [](const std::optional<KeywordShape>& s) { return !s; })
                                  ? 1
                                  : 0;
  }
}

bool Scanner::stage_two_uses(std::uint32_t keyword, std::string_view bytes, std::uint32_t end) const {
  if (keyword_always_used_[keyword] != 0) return true;
  const std::uint32_t start = end - automaton_.keyword_length(keyword);
  return std::any_of(keyword_shapes_[keyword].begin(), keyword_shapes_[keyword].end(),
                     [&](const std::optional<KeywordShape>& s) { return s->allows(bytes, start, end); });
}

Hit Scanner::make_hit(std::string_view bytes, std::uint32_t rule_index, std::size_t match_begin, std::size_t match_end,
                      std::size_t secret_begin, std::string_view secret_view, double entropy, BlobState& state) {
  LineIndex& lines = state.lines;
  const std::size_t secret_last = secret_begin + secret_view.size() - 1;
  const std::size_t first_line = lines.line_of(secret_begin);
  const std::size_t last_line = lines.line_of(secret_last);
  Hit hit;
  hit.rule = rule_index;
  hit.secret.assign(secret_view);
  hit.match.assign(bytes.substr(match_begin, match_end - match_begin));
  hit.start_line = static_cast<std::uint32_t>(first_line + 1);
  hit.start_column = static_cast<std::uint32_t>(secret_begin - lines.line_begin(first_line) + 1);
  hit.end_line = static_cast<std::uint32_t>(last_line + 1);
  hit.end_column = static_cast<std::uint32_t>(secret_last - lines.line_begin(last_line) + 1);
  // The line(s) holding the match, without the final newline, bounded on
  // both sides for minified files and, once the blob's context budget is
  // spent, the match alone.
  const std::size_t context = std::min(kLineContextBytes, state.context_left / 2);
  const std::size_t match_first_line = lines.line_of(match_begin);
  const std::size_t match_last_line = lines.line_of(match_end > match_begin ? match_end - 1 : match_begin);
  const std::size_t line_begin =
      std::max(lines.line_begin(match_first_line), match_begin > context ? match_begin - context : 0);
  std::size_t line_end = lines.line_end(match_last_line);
  if (line_end > line_begin && bytes[line_end - 1] == '\n') --line_end;
  line_end = std::max(std::min(line_end, match_end + context), line_begin);
  state.context_left -= std::min(state.context_left, (match_begin - std::min(match_begin, line_begin)) +
                                                         (line_end - std::min(line_end, match_end)));
  hit.line.assign(bytes.substr(line_begin, line_end - line_begin));
  hit.entropy = entropy;
  return hit;
}

void Scanner::note(StageTwoTrace& trace, std::uint32_t rule_index, std::size_t match_begin, std::size_t match_end,
                   std::size_t secret_begin, std::string_view secret, double entropy, StageTwoTrace::Drop drop,
                   std::optional<SecretValidator> validator, std::string_view why) {
  // A match that runs on from a line above or below is that line's.
  const bool here = secret.empty() ? trace.touches(match_begin, match_end)
                                   : trace.touches(secret_begin, secret_begin + secret.size());
  if (!here) return;
  trace.candidates.push_back(
      {rule_index, match_begin, match_end, secret_begin, std::string(secret), entropy, drop, validator, why});
}

bool Scanner::find_matches(std::string_view bytes, std::uint32_t rule_index, std::size_t from, std::size_t to,
                           const std::vector<std::pair<std::uint32_t, std::uint32_t>>* runs, bool traced,
                           std::vector<WindowMatch>& out) const {
  const Rule& rule = rules_.rules[rule_index];
  const RE2& re = *rule.regex;
  const int groups = re.NumberOfCapturingGroups() + 1;
  thread_local std::vector<re2::StringPiece> sub;
  sub.resize(static_cast<std::size_t>(groups));
  const re2::StringPiece text(bytes.data(), bytes.size());
  using Drop = StageTwoTrace::Drop;
  auto record = [&](std::size_t match_begin, std::size_t match_end, std::size_t secret_begin, std::size_t secret_size,
                    double entropy, Drop drop, std::optional<SecretValidator> validator = std::nullopt,
                    std::string_view why = {}) {
    if (drop != Drop::kNone && !traced) return;
    out.push_back({static_cast<std::uint32_t>(match_begin - from), static_cast<std::uint32_t>(match_end - from),
                   static_cast<std::uint32_t>(secret_begin - from), static_cast<std::uint32_t>(secret_size), entropy,
                   drop, validator, why});
  };
  std::size_t pos = from;
  while (pos <= to && re.Match(text, pos, to, RE2::UNANCHORED, sub.data(), groups)) {
    const re2::StringPiece whole = sub[0];
    const auto match_begin = static_cast<std::size_t>(whole.data() - text.data());
    const std::size_t match_end = match_begin + whole.size();
    if ((match_begin == from && from > 0) || (match_end == to && to < bytes.size())) return true;
    pos = match_end > match_begin ? match_end : match_end + 1;

    re2::StringPiece secret = whole;
    if (rule.secret_group > 0) {
      secret = sub[static_cast<std::size_t>(rule.secret_group)];
    } else {
      for (int g = 1; g < groups; ++g) {
        if (!sub[static_cast<std::size_t>(g)].empty()) {
          secret = sub[static_cast<std::size_t>(g)];
          break;
        }
      }
    }
    if (secret.empty()) {
      record(match_begin, match_end, match_begin, 0, 0, Drop::kEmptySecret);
      continue;
    }
    if (runs != nullptr) {
      // Runs do not overlap: the one that can hold the secret is the last
      // that starts at or before it.
      const auto begin = static_cast<std::uint32_t>(secret.data() - text.data());
      auto after = std::upper_bound(runs->begin(), runs->end(), std::make_pair(begin, UINT32_MAX));
      if (after == runs->begin()) continue;
      const auto& run = *std::prev(after);
      if (std::size_t{begin} + secret.size() > std::size_t{run.first} + run.second) continue;
    }
    const std::string_view secret_view(secret.data(), secret.size());
    const double entropy = shannon_entropy(secret_view);
    const auto secret_begin = static_cast<std::size_t>(secret.data() - text.data());
    if (rule.entropy > 0 && entropy < rule.entropy) {
      record(match_begin, match_end, secret_begin, secret.size(), entropy, Drop::kEntropy);
      continue;
    }
    if (documentation_sample_of(secret_view).has_value()) {
      record(match_begin, match_end, secret_begin, secret.size(), entropy, Drop::kDocumentationSample);
      continue;
    }
    if (!rule.validators.empty()) {
      const SecretContext context = secret_context(bytes, secret_begin, secret_begin + secret.size());
      const auto failed = std::find_if(rule.validators.begin(), rule.validators.end(),
                                       [&](SecretValidator v) { return !passes(v, secret_view, context); });
      if (failed != rule.validators.end()) {
        if (traced) {
          record(match_begin, match_end, secret_begin, secret.size(), entropy, Drop::kValidator, *failed,
                 why_fails(*failed, secret_view, context));
        }
        continue;
      }
    }
    record(match_begin, match_end, secret_begin, secret.size(), entropy, Drop::kNone);
  }
  return false;
}

// The windows of one thread's recent blobs and what find_matches() found in
// each, by the window's bytes: a window repeated version after version of a
// file is searched once. A slot is chosen by a hash of the key and holds one
// window; a key is equal only when every byte is, so the hash decides
// nothing but where to look. Windows over kMaxWindowBytes are not kept, so
// a thread holds at most kSlots of them.
struct Scanner::WindowMemo {
  static constexpr std::size_t kSlots = 2048;
  static constexpr std::size_t kMaxWindowBytes = 8192;
  struct Slot {
    std::uint64_t scanner = 0;  // Scanner::memo_id_; 0: empty
    std::uint32_t rule = 0;
    std::uint8_t edges = 0;
    std::string bytes;  // the byte before the window, the window, the byte after
    bool reaches_edge = false;
    std::vector<WindowMatch> matches;
  };
  std::vector<Slot> slots = std::vector<Slot>(kSlots);
};

bool Scanner::search(std::string_view bytes, std::uint32_t rule_index, std::size_t from, std::size_t to,
                     BlobState& state, std::vector<Hit>& out,
                     const std::vector<std::pair<std::uint32_t, std::uint32_t>>* runs) const {
  StageTwoTrace* const trace = state.trace;
  if (trace != nullptr && trace->touches(from, to)) trace->consider(rule_index, StageTwoTrace::Reach::kWindow);
  // What the rule finds in a window of whole lines, [from, to), depends on
  // its bytes, on whether it starts or ends the blob, and on the byte each
  // side (RE2's assertions look one byte beyond the range; a validator
  // reads the secret's line, inside the window): nothing else.
  thread_local std::vector<WindowMatch> searched;
  const std::vector<WindowMatch>* matches = &searched;
  bool reaches_edge = false;
  const bool memo = memo_windows_ && trace == nullptr && runs == nullptr && to - from <= WindowMemo::kMaxWindowBytes &&
                    (from == 0 || bytes[from - 1] == '\n') &&
                    (to == bytes.size() || (to > from && bytes[to - 1] == '\n'));
  WindowMemo::Slot* slot = nullptr;  // where this window's matches are to be kept
  std::uint8_t edges = 0;
  if (memo) {
    thread_local WindowMemo windows;
    edges = static_cast<std::uint8_t>((from == 0 ? 1 : 0) | (to == bytes.size() ? 2 : 0));
    const std::size_t key_begin = from == 0 ? 0 : from - 1;
    const std::size_t key_end = to == bytes.size() ? to : to + 1;
    const std::string_view key = bytes.substr(key_begin, key_end - key_begin);
    const std::size_t hash = std::hash<std::string_view>()(key) ^ (std::size_t{rule_index} * 0x9e3779b97f4a7c15ull) ^
                             (memo_id_ << 2) ^ edges;
    WindowMemo::Slot& found = windows.slots[hash % WindowMemo::kSlots];
    ++state.windows.searched;
    if (found.scanner == memo_id_ && found.rule == rule_index && found.edges == edges && found.bytes == key) {
      ++state.windows.repeated;
      matches = &found.matches;
      reaches_edge = found.reaches_edge;
    } else {
      slot = &found;
      slot->scanner = 0;
      slot->bytes.assign(key);
    }
  }
  if (matches == &searched) {
    searched.clear();
    reaches_edge = find_matches(bytes, rule_index, from, to, runs, trace != nullptr, searched);
    if (slot != nullptr) {
      slot->scanner = memo_id_;
      slot->rule = rule_index;
      slot->edges = edges;
      slot->reaches_edge = reaches_edge;
      slot->matches = searched;
    }
  }

  // What is kept of each match depends on the blob: its line, whether the
  // rule found the secret on that line already, and how many hits the blob
  // holds.
  LineIndex& lines = state.lines;
  using Drop = StageTwoTrace::Drop;
  for (const WindowMatch& m : *matches) {
    const std::size_t match_begin = from + m.match_begin;
    const std::size_t match_end = from + m.match_end;
    const std::size_t secret_begin = from + m.secret_begin;
    const std::string_view secret_view = bytes.substr(secret_begin, m.secret_size);
    if (m.drop != Drop::kNone) {
      if (trace != nullptr) {
        note(*trace, rule_index, match_begin, match_end, secret_begin, secret_view, m.entropy, m.drop, m.validator,
             m.why);
      }
      continue;
    }
    const std::size_t first_line = lines.line_of(secret_begin);
    if (!state.seen.insert({first_line, secret_view}).second) {
      if (trace != nullptr)
        note(*trace, rule_index, match_begin, match_end, secret_begin, secret_view, m.entropy, Drop::kRepeated);
      continue;
    }
    if (state.hits >= kMaxHitsPerBlob) {
      state.truncated = true;
      return false;
    }
    ++state.hits;
    if (trace != nullptr)
      note(*trace, rule_index, match_begin, match_end, secret_begin, secret_view, m.entropy, Drop::kNone);
    out.push_back(make_hit(bytes, rule_index, match_begin, match_end, secret_begin, secret_view, m.entropy, state));
  }
  return reaches_edge;
}

std::uint64_t Scanner::classes_of(const BlobKey& blob) const {
  return scope_ != nullptr ? scope_->classes_of(blob) : PathScope::kEveryClass;
}

const RuleMask* Scanner::only_of(const BlobKey& blob) const {
  if (only_ == nullptr) return nullptr;
  auto it = only_->find(blob);
  return it == only_->end() ? nullptr : it->second.get();
}

bool Scanner::runs_without_keywords(std::uint64_t classes) const {
  return !keywordless_rules_.empty() || (late_keyword_classes_ & classes) != 0;
}

std::vector<Hit> Scanner::confirm(std::string_view bytes, std::span<const Candidate> occurrences,
                                  std::span<const TokenCandidate> tokens, std::uint64_t classes, const RuleMask* only,
                                  bool per_path_choice, bool& truncated, StageTwoTrace* trace) const {
  const PathScope* const scope = scope_;
  // (rule, start, end) for each occurrence of each rule's keywords.
  struct RuleSpan {
    std::uint32_t rule;
    std::uint32_t start;
    std::uint32_t end;
  };
  std::vector<RuleSpan> spans;
  for (const Candidate& c : occurrences) {
    const std::uint32_t start = c.end - automaton_.keyword_length(c.keyword);
    const std::vector<std::uint32_t>& owners = keyword_rules_[c.keyword];
    const std::vector<std::optional<KeywordShape>>& shapes = keyword_shapes_[c.keyword];
    for (std::size_t o = 0; o < owners.size(); ++o) {
      if (scope != nullptr && !scope->applies(owners[o], classes)) continue;
      if (only != nullptr && !(*only)[owners[o]]) continue;
      const bool allowed = !shapes[o] || shapes[o]->allows(bytes, start, c.end);
      if (trace != nullptr && trace->touches(start, c.end)) {
        trace->consider(owners[o], allowed ? StageTwoTrace::Reach::kKeyword : StageTwoTrace::Reach::kKeywordShape,
                        keywords_[c.keyword]);
      }
      if (!allowed) continue;
      spans.push_back({owners[o], start, c.end});
    }
  }
  for (std::uint32_t r : keywordless_rules_) {
    if (only != nullptr && !(*only)[r]) continue;
    if (scope == nullptr || scope->applies(r, classes)) spans.push_back({r, 0, 0});
  }
  for (std::uint32_t r : late_keyword_rules_) {
    if (only != nullptr && !(*only)[r]) continue;
    if (scope->applies(r, classes) && holds_keyword(bytes, rules_.rules[r].keywords)) spans.push_back({r, 0, 0});
  }
  std::sort(spans.begin(), spans.end(),
            [](const RuleSpan& a, const RuleSpan& b) { return std::tie(a.rule, a.start) < std::tie(b.rule, b.start); });

  BlobState state;
  state.lines.bytes = bytes;
  state.trace = trace;
  LineIndex& lines = state.lines;
  std::vector<Hit> hits;
  std::vector<std::uint32_t> check_rules;  // rules whose container check runs on this blob
  for (std::size_t i = 0; i < spans.size() && !state.truncated;) {
    std::size_t j = i;
    while (j < spans.size() && spans[j].rule == spans[i].rule) ++j;
    const std::uint32_t r = spans[i].rule;
    const Rule& rule = rules_.rules[r];
    if (rule.check) {
      if (trace != nullptr) trace->consider(r, StageTwoTrace::Reach::kCheck);
      check_rules.push_back(r);
      i = j;
      continue;
    }
    const std::size_t before = hits.size();
    const std::size_t context_before = state.context_left;
    state.seen.clear();
    bool whole_blob = !rule.max_newlines || rule.keywords.empty();
    if (!whole_blob) {
      const std::size_t reach = *rule.max_newlines + kContextLines;
      std::size_t window_begin = 0;
      std::size_t window_end = 0;  // empty: no window open
      // A few occurrences find their lines by looking around them; many
      // share one index of the blob's lines.
      const bool indexed = j - i > kIndexedWindowsFrom;
      for (std::size_t k = i; k < j && !whole_blob && !state.truncated; ++k) {
        const std::size_t last = spans[k].end > spans[k].start ? spans[k].end - 1 : spans[k].start;
        std::size_t begin = 0;
        std::size_t end = 0;
        if (indexed) {
          const std::size_t first_line = lines.line_of(spans[k].start);
          begin = lines.line_begin(first_line > reach ? first_line - reach : 0);
          end = lines.line_end(lines.at_most_last(lines.line_of(last) + reach));
        } else {
          begin = lines_start_before(bytes, spans[k].start, reach);
          end = lines_end_after(bytes, last, reach);
        }
        if (window_end > window_begin && begin <= window_end) {
          window_end = std::max(window_end, end);
          continue;
        }
        if (window_end > window_begin) whole_blob = search(bytes, r, window_begin, window_end, state, hits);
        window_begin = begin;
        window_end = end;
      }
      if (!whole_blob && !state.truncated && window_end > window_begin) {
        whole_blob = search(bytes, r, window_begin, window_end, state, hits);
      }
    }
    if (whole_blob) {
      hits.resize(before);
      state.hits = before;
      state.context_left = context_before;
      state.truncated = false;
      state.seen.clear();
      if (trace != nullptr) {
        trace->forget_candidates(r);
        trace->consider(r, StageTwoTrace::Reach::kWholeBlob);
      }
      search(bytes, r, 0, bytes.size(), state, hits);
    }
    i = j;
  }
  if (!tokens.empty() && !state.truncated) add_token_hits(bytes, tokens, classes, only, state, hits);
  auto by_position = [](const Hit& a, const Hit& b) {
    return std::tie(a.start_line, a.start_column, a.rule) < std::tie(b.start_line, b.start_column, b.rule);
  };
  std::stable_sort(hits.begin(), hits.end(), by_position);
  // A rule with a path applies only at some of the blob's paths: the span's
  // choice is then made at each path, among the rules that apply there
  // (the verifier's), and every hit is kept for it.
  // Without choose_spans_, the caller chooses (choose_hits()).
  if (choose_spans_) hits = choose_hits(rules_, std::move(hits), per_path_choice);
  // A check's hit says how a build handles a secret, not what the secret
  // is: it stands beside a rule's hit on the same span, not in its place.
  if (!check_rules.empty() && !state.truncated) {
    const std::size_t before = hits.size();
    add_check_hits(bytes, check_rules, state, hits);
    std::inplace_merge(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(before), hits.end(), by_position);
  }
  truncated = state.truncated;
  if (state.windows.searched != 0) {
    windows_searched_.fetch_add(state.windows.searched, std::memory_order_relaxed);
    windows_repeated_.fetch_add(state.windows.repeated, std::memory_order_relaxed);
  }
  return hits;
}

namespace {

// Where the first word a credential key ends with (`password`, `pw`,
// `psw`, `secret`, `token`, `key`, `auth`, `credential`, in any case) ends
// on the line from `line_begin`; npos when the line holds none. The
// credential-key validator passes no key without one, and the key sits on
// its value's line, before it or (when its characters are a token's) at the
// start of the token run itself: a run can be reported only when this is at
// or before its end.
std::size_t first_credential_word_end(std::string_view bytes, std::size_t line_begin) {
  // Each word by its first letter: a line's byte is looked at once, and a
  // word compared only where its first letter is.
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  auto word_at = [&](std::size_t i, std::string_view rest) {
    if (i + 1 + rest.size() > bytes.size()) return false;
    for (std::size_t k = 0; k < rest.size(); ++k) {
      if (lower(bytes[i + 1 + k]) != rest[k]) return false;
    }
    return true;
  };
  std::size_t best = std::string_view::npos;
  const std::size_t line_end = std::min(bytes.find('\n', line_begin), bytes.size());
  for (std::size_t i = line_begin; i < line_end; ++i) {
    // A word starting here ends at i + 2 or later.
    if (best != std::string_view::npos && i + 2 >= best) break;
    std::size_t end = std::string_view::npos;
    switch (lower(bytes[i])) {
      case 'p':
        // "pw", "psw", "pass": the shortest that matches ends first.
        if (word_at(i, "w")) {
          end = i + 2;
        } else if (word_at(i, "sw")) {
          end = i + 3;
        } else if (word_at(i, "ass")) {
          end = i + 4;
        }
        break;
      case 'k':
        if (word_at(i, "ey")) end = i + 3;
        break;
      case 's':
        if (word_at(i, "ecret")) end = i + 6;
        break;
      case 't':
        if (word_at(i, "oken")) end = i + 5;
        break;
      case 'a':
        if (word_at(i, "uth")) end = i + 4;
        break;
      case 'c':
        if (word_at(i, "red")) end = i + 4;
        break;
      default:
        break;
    }
    best = std::min(best, end);
  }
  return best;
}

// Whether a value inside `run` can be one the credential-key validator
// reads a key for: an assignment operator before the run (assigned_key_end(),
// the validator's own reading), or an `=` inside the run itself (`DB_KEY=...`
// is one run of token bytes). A hash or an id in prose or a listing
// (`blob 3f9a...`) has neither.
bool follows_assignment(std::string_view bytes, std::uint32_t run_begin, std::uint32_t run_length) {
  if (bytes.substr(run_begin, run_length).find('=', 1) != std::string_view::npos) return true;
  return assigned_key_end(bytes.substr(0, run_begin)) != std::string_view::npos;
}

}  // namespace

void Scanner::add_token_hits(std::string_view bytes, std::span<const TokenCandidate> tokens, std::uint64_t classes,
                             const RuleMask* only, BlobState& state, std::vector<Hit>& out) const {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> all_runs;
  all_runs.reserve(tokens.size());
  for (const TokenCandidate& t : tokens) all_runs.emplace_back(t.begin, t.length);
  std::sort(all_runs.begin(), all_runs.end());
  // The runs a credential-key rule can report: those with a credential
  // word before them on their line (filled when first needed).
  std::optional<std::vector<std::pair<std::uint32_t, std::uint32_t>>> keyed_runs;
  for (std::size_t t = 0; t < token_rules_.size(); ++t) {
    const std::uint32_t r = token_rules_[t];
    if (state.truncated) return;
    if (only != nullptr && !(*only)[r]) continue;
    if (scope_ != nullptr && !scope_->applies(r, classes)) continue;
    const Rule& rule = rules_.rules[r];
    const bool keyed = keyed_token_rules_[t] != 0;
    if (keyed && !keyed_runs) {
      keyed_runs.emplace();
      // Runs come in order: a line's end is found once, and the next line's
      // start only in the bytes after it.
      std::size_t line_end = 0;  // the current line's newline (or the end); 0: none yet
      bool have_line = false;
      std::size_t word_end = std::string_view::npos;
      for (const auto& run : all_runs) {
        if (!follows_assignment(bytes, run.first, run.second)) continue;
        if (!have_line || run.first > line_end) {
          const std::size_t from = have_line ? line_end + 1 : 0;
          const std::string_view between = bytes.substr(from, run.first - from);
          const std::size_t newline = between.rfind('\n');
          const std::size_t line_begin = newline == std::string_view::npos ? from : from + newline + 1;
          line_end = std::min(bytes.find('\n', run.first), bytes.size());
          have_line = true;
          word_end = first_credential_word_end(bytes, line_begin);
        }
        if (word_end != std::string_view::npos && word_end <= std::size_t{run.first} + run.second) {
          keyed_runs->push_back(run);
        }
      }
    }
    const std::vector<std::pair<std::uint32_t, std::uint32_t>>& runs = keyed ? *keyed_runs : all_runs;
    const std::size_t before = out.size();
    const std::size_t context_before = state.context_left;
    state.seen.clear();
    // Each run's line and one line either side (a match that starts a line
    // must not touch its window's edge); windows that meet are one.
    const std::size_t reach = (rule.max_newlines ? *rule.max_newlines : 0) + kContextLines;
    bool whole_blob = !rule.max_newlines;
    std::size_t window_begin = 0;
    std::size_t window_end = 0;
    for (std::size_t k = 0; k < runs.size() && !whole_blob && !state.truncated; ++k) {
      // A run inside the current window adds nothing to it (on a long line
      // of many runs, finding each one's lines again would cost the line
      // each time).
      if (window_end > window_begin && std::size_t{runs[k].first} + runs[k].second <= window_end) continue;
      const std::size_t begin = lines_start_before(bytes, runs[k].first, reach);
      const std::size_t end = lines_end_after(bytes, runs[k].first + runs[k].second - 1, reach);
      if (window_end > window_begin && begin <= window_end) {
        window_end = std::max(window_end, end);
        continue;
      }
      if (window_end > window_begin) whole_blob = search(bytes, r, window_begin, window_end, state, out, &runs);
      window_begin = begin;
      window_end = end;
    }
    if (!whole_blob && !state.truncated && window_end > window_begin) {
      whole_blob = search(bytes, r, window_begin, window_end, state, out, &runs);
    }
    if (whole_blob) {
      out.resize(before);
      state.hits = before;
      state.context_left = context_before;
      state.truncated = false;
      state.seen.clear();
      search(bytes, r, 0, bytes.size(), state, out, &runs);
    }
  }
}

void Scanner::add_check_hits(std::string_view bytes, const std::vector<std::uint32_t>& check_rules, BlobState& state,
                             std::vector<Hit>& out) const {
  ContainerCheckSet wanted{};
  for (std::uint32_t r : check_rules) wanted[static_cast<std::size_t>(*rules_.rules[r].check)] = true;
  const std::vector<ContainerFinding> found = run_container_checks(bytes, wanted);
  std::vector<Hit> hits;
  for (std::uint32_t r : check_rules) {
    state.seen.clear();
    for (const ContainerFinding& f : found) {
      if (f.check != *rules_.rules[r].check) continue;
      const std::string_view secret = bytes.substr(f.secret_begin, f.secret_end - f.secret_begin);
      if (!state.seen.insert({state.lines.line_of(f.secret_begin), secret}).second) continue;
      if (state.hits >= kMaxHitsPerBlob) {
        state.truncated = true;
        break;
      }
      ++state.hits;
      if (state.trace != nullptr) {
        note(*state.trace, r, f.match_begin, f.match_end, f.secret_begin, secret, shannon_entropy(secret),
             StageTwoTrace::Drop::kNone);
      }
      hits.push_back(
          make_hit(bytes, r, f.match_begin, f.match_end, f.secret_begin, secret, shannon_entropy(secret), state));
      // An encoded secret (a Kubernetes Secret's data: value) is reported
      // decoded, at the place of its encoding.
      if (!f.decoded.empty()) {
        hits.back().secret = f.decoded;
        hits.back().entropy = shannon_entropy(f.decoded);
      }
    }
  }
  std::stable_sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return std::tie(a.start_line, a.start_column, a.rule) < std::tie(b.start_line, b.start_column, b.rule);
  });
  out.insert(out.end(), std::make_move_iterator(hits.begin()), std::make_move_iterator(hits.end()));
}

namespace {

// One blob's stage 2 result; `truncated` a char, not a vector<bool> bit,
// since blobs are confirmed in parallel.
struct Confirmed {
  std::vector<Hit> hits;
  char truncated = 0;
};

std::vector<BlobHits> collect(const BlobBatch& batch, std::vector<Confirmed>& confirmed) {
  std::vector<BlobHits> out;
  for (std::size_t b = 0; b < confirmed.size(); ++b) {
    if (!confirmed[b].hits.empty() || confirmed[b].truncated != 0) {
      out.push_back({batch.entries[b].key, std::move(confirmed[b].hits), confirmed[b].truncated != 0});
    }
  }
  return out;
}

}  // namespace

std::vector<BlobHits> Scanner::scan(const BlobBatch& batch, Prefilter& prefilter) const {
  // With keywordless rules every blob needs stage 2; otherwise only blobs
  // with a keyword occurrence, and those with late-tested keywords.
  std::vector<Confirmed> confirmed(batch.entries.size());
  prefilter.run_each(batch, [&](std::uint32_t blob, const BlobCandidates& candidates) {
    const std::uint64_t classes = classes_of(batch.entries[blob].key);
    if (candidates.keywords.empty() && candidates.tokens.empty() && !runs_without_keywords(classes)) return;
    bool truncated = false;
    confirmed[blob].hits = confirm(batch.bytes(blob), candidates.keywords, candidates.tokens, classes,
                                   only_of(batch.entries[blob].key), true, truncated);
    confirmed[blob].truncated = truncated ? 1 : 0;
  });
  return collect(batch, confirmed);
}

std::vector<BlobHits> Scanner::confirm(const BlobBatch& batch, const BatchCandidates& candidates) const {
  const std::vector<BlobCandidates> shares = per_blob(candidates, batch.entries.size());
  std::vector<Confirmed> confirmed(batch.entries.size());
  tbb::parallel_for(std::size_t{0}, shares.size(), [&](std::size_t b) {
    const std::uint64_t classes = classes_of(batch.entries[b].key);
    if (shares[b].keywords.empty() && shares[b].tokens.empty() && !runs_without_keywords(classes)) return;
    bool truncated = false;
    confirmed[b].hits = confirm(batch.bytes(b), shares[b].keywords, shares[b].tokens, classes,
                                only_of(batch.entries[b].key), true, truncated);
    confirmed[b].truncated = truncated ? 1 : 0;
  });
  return collect(batch, confirmed);
}

std::vector<Hit> Scanner::scan_text(std::string_view text, bool* truncated, StageTwoTrace* trace) const {
  const AcTableView table = automaton_.view();
  std::vector<Candidate> occurrences;
  ac_scan(table, reinterpret_cast<const std::uint8_t*>(text.data()), 0, text.size(), AcState{0},
          [&](std::uint64_t end, AcState state) {
            for (std::uint32_t k : automaton_.outputs(state)) {
              occurrences.push_back({0, k, static_cast<std::uint32_t>(end)});
            }
          });
  std::vector<TokenCandidate> tokens;
  if (entropy_ && !text.empty()) {
    std::array<std::uint16_t, kTokenSymbols> counts{};
    const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
    const auto size = static_cast<std::uint32_t>(std::min<std::size_t>(text.size(), UINT32_MAX));
    scan_tokens_in_range(entropy_->view(), data, 0, size, 0, size, counts.data(),
                         [&](std::uint32_t begin, std::uint32_t length, TokenAlphabet alphabet, std::uint64_t entropy) {
                           tokens.push_back({0, begin, length, alphabet, entropy});
                         });
  }
  bool cut = false;
  std::vector<Hit> hits = confirm(text, occurrences, tokens, PathScope::kEveryClass, nullptr, false, cut, trace);
  if (truncated != nullptr) *truncated = cut;
  return hits;
}

}  // namespace trawl
