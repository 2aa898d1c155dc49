#include "engine/scanner.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <unordered_map>

#include "engine/entropy.h"

namespace trawl {
namespace {

constexpr std::size_t kLineContextBytes = 1024;

std::vector<std::string> collect_keywords(const RuleSet& rules, std::vector<std::vector<std::uint32_t>>& keyword_rules,
                                          std::vector<std::uint32_t>& keywordless) {
  std::vector<std::string> keywords;
  std::unordered_map<std::string, std::uint32_t> index;
  for (std::uint32_t r = 0; r < rules.rules.size(); ++r) {
    const Rule& rule = rules.rules[r];
    if (!rule.regex) continue;
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
  return keywords;
}

// 1-based line and column of `offset`, given the offsets where lines start.
std::pair<std::uint32_t, std::uint32_t> line_and_column(const std::vector<std::uint32_t>& line_starts,
                                                        std::size_t offset) {
  auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
  const auto line = static_cast<std::uint32_t>(it - line_starts.begin());
  return {line, static_cast<std::uint32_t>(offset - line_starts[line - 1] + 1)};
}

}  // namespace

Scanner::Scanner(const RuleSet& rules)
    : rules_(rules),
      keywords_(collect_keywords(rules, keyword_rules_, keywordless_rules_)),
      automaton_(keywords_) {}

void Scanner::confirm_rule(std::string_view bytes, std::uint32_t rule_index, std::vector<Hit>& out,
                           std::vector<std::uint32_t>& line_starts) const {
  const Rule& rule = rules_.rules[rule_index];
  const RE2& re = *rule.regex;
  const int groups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> sub(static_cast<std::size_t>(groups));
  const re2::StringPiece text(bytes.data(), bytes.size());
  std::size_t pos = 0;
  while (pos <= text.size() && re.Match(text, pos, text.size(), RE2::UNANCHORED, sub.data(), groups)) {
    const re2::StringPiece whole = sub[0];
    const std::size_t match_begin = static_cast<std::size_t>(whole.data() - text.data());
    const std::size_t match_end = match_begin + whole.size();
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
    if (secret.empty()) continue;
    const std::string_view secret_view(secret.data(), secret.size());
    const double entropy = shannon_entropy(secret_view);
    if (rule.entropy > 0 && entropy < rule.entropy) continue;

    if (line_starts.empty()) {
      line_starts.push_back(0);
      for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (bytes[i] == '\n') line_starts.push_back(static_cast<std::uint32_t>(i + 1));
      }
    }
    const std::size_t secret_begin = static_cast<std::size_t>(secret.data() - text.data());
    const std::size_t secret_last = secret_begin + secret.size() - 1;
    Hit hit;
    hit.rule = rule_index;
    hit.secret.assign(secret_view);
    hit.match.assign(whole.data(), whole.size());
    std::tie(hit.start_line, hit.start_column) = line_and_column(line_starts, secret_begin);
    std::tie(hit.end_line, hit.end_column) = line_and_column(line_starts, secret_last);
    const std::size_t line_begin = std::max<std::size_t>(
        line_starts[hit.start_line - 1], match_begin > kLineContextBytes ? match_begin - kLineContextBytes : 0);
    std::size_t line_end = bytes.find('\n', match_end > match_begin ? match_end - 1 : match_end);
    if (line_end == std::string_view::npos) line_end = bytes.size();
    line_end = std::min(line_end, match_end + kLineContextBytes);
    hit.line.assign(bytes.substr(line_begin, line_end - line_begin));
    hit.entropy = entropy;
    out.push_back(std::move(hit));
  }
}

std::vector<Hit> Scanner::confirm(std::string_view bytes, std::vector<std::uint32_t> rule_indices) const {
  rule_indices.insert(rule_indices.end(), keywordless_rules_.begin(), keywordless_rules_.end());
  std::sort(rule_indices.begin(), rule_indices.end());
  rule_indices.erase(std::unique(rule_indices.begin(), rule_indices.end()), rule_indices.end());
  std::vector<Hit> hits;
  std::vector<std::uint32_t> line_starts;
  for (std::uint32_t r : rule_indices) confirm_rule(bytes, r, hits, line_starts);
  std::stable_sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    return std::tie(a.start_line, a.start_column, a.rule) < std::tie(b.start_line, b.start_column, b.rule);
  });
  return hits;
}

std::vector<BlobHits> Scanner::scan(const BlobBatch& batch, KeywordMatcher& matcher) const {
  const std::vector<Candidate> candidates = matcher.match(batch);

  // Candidate rules per blob; with keywordless rules every blob is a candidate.
  std::vector<std::vector<std::uint32_t>> rules_of(batch.entries.size());
  std::vector<std::uint32_t> work;
  for (const Candidate& c : candidates) {
    auto& rules = rules_of[c.blob];
    if (rules.empty()) work.push_back(c.blob);
    const auto& owners = keyword_rules_[c.keyword];
    rules.insert(rules.end(), owners.begin(), owners.end());
  }
  if (!keywordless_rules_.empty()) {
    work.resize(batch.entries.size());
    for (std::uint32_t b = 0; b < work.size(); ++b) work[b] = b;
  }

  std::vector<std::vector<Hit>> hits(work.size());
  tbb::parallel_for(std::size_t{0}, work.size(), [&](std::size_t i) {
    hits[i] = confirm(batch.bytes(work[i]), std::move(rules_of[work[i]]));
  });

  std::vector<BlobHits> out;
  for (std::size_t i = 0; i < work.size(); ++i) {
    if (!hits[i].empty()) out.push_back({batch.entries[work[i]].id, std::move(hits[i])});
  }
  return out;
}

std::vector<Hit> Scanner::scan_text(std::string_view text) const {
  const AcTableView table = automaton_.view();
  std::vector<std::uint32_t> rules;
  ac_scan(table, reinterpret_cast<const std::uint8_t*>(text.data()), 0, text.size(), AcState{0},
          [&](std::uint64_t, AcState state) {
            for (std::uint32_t k : automaton_.outputs(state)) {
              rules.insert(rules.end(), keyword_rules_[k].begin(), keyword_rules_[k].end());
            }
          });
  return confirm(text, std::move(rules));
}

}  // namespace trawl
