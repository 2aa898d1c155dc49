#include "rules/span_choice.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <tuple>
#include <utility>

#include "rules/container_checks.h"

namespace trawl {
namespace {

bool is_generic(const Rule& rule) {
  return std::find(rule.tags.begin(), rule.tags.end(), "generic") != rule.tags.end();
}

}  // namespace

bool competes_for_spans(const Rule& rule) { return !rule.check || *rule.check == ContainerCheck::kKubernetesSecret; }

std::vector<Hit> one_hit_per_span(const RuleSet& rules, std::vector<Hit> hits) {
  if (hits.size() < 2) return hits;
  std::vector<std::size_t> order(hits.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<bool> low(hits.size());  // a low-confidence rule's hit never hides a surer one
  std::vector<bool> generic(hits.size());
  std::vector<bool> tokens(hits.size());  // rules over token candidates: the weakest evidence
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const Rule& rule = rules.rules[hits[i].rule];
    low[i] = rule.confidence == Confidence::kLow;
    generic[i] = is_generic(rule);
    tokens[i] = rule.tokens;
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::make_tuple(low[a], generic[a], tokens[a], hits[b].secret.size(), hits[a].rule) <
           std::make_tuple(low[b], generic[b], tokens[b], hits[a].secret.size(), hits[b].rule);
  });
  using Position = std::pair<std::uint32_t, std::uint32_t>;  // (line, column)
  std::map<Position, Position> kept_spans;                   // first -> last byte of each kept secret
  std::vector<bool> keep(hits.size());
  for (std::size_t i : order) {
    if (!competes_for_spans(rules.rules[hits[i].rule])) {
      keep[i] = true;
      continue;
    }
    const Position first{hits[i].start_line, hits[i].start_column};
    const Position last{hits[i].end_line, hits[i].end_column};
    auto next = kept_spans.lower_bound(first);
    if (next != kept_spans.end() && next->first <= last) continue;
    if (next != kept_spans.begin() && std::prev(next)->second >= first) continue;
    kept_spans.emplace(first, last);
    keep[i] = true;
  }
  std::vector<Hit> out;
  for (std::size_t i = 0; i < hits.size(); ++i) {
    if (keep[i]) out.push_back(std::move(hits[i]));
  }
  return out;
}

std::vector<Hit> choose_hits(const RuleSet& rules, std::vector<Hit> hits, bool per_path_choice) {
  if (per_path_choice &&
      std::any_of(hits.begin(), hits.end(), [&](const Hit& h) { return chosen_per_path(rules.rules[h.rule]); })) {
    return hits;
  }
  return one_hit_per_span(rules, std::move(hits));
}

}  // namespace trawl
