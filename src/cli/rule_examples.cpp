#include "cli/rule_examples.h"

#include <algorithm>

#include "engine/scanner.h"
#include "rules/allowlist_match.h"
#include "rules/span_choice.h"

namespace trawl {
namespace {

// An example stands at a path where its rule applies: there, rules without a
// path compete with it for spans, and so do rules with the same path; a rule
// for other files (a .pgpass rule, for a Dockerfile's example) does not.
bool competes_at_path_of(const Rule& rule, const Rule& other) {
  return !other.path || (rule.path && other.path->pattern() == rule.path->pattern());
}

}  // namespace

ExampleCheck check_rule_examples(const RuleSet& rules, bool require_examples) {
  ScannerOptions every_hit;
  every_hit.choose_spans = false;
  const Scanner scanner(rules, every_hit);
  ExampleCheck check;
  check.rules = rules.rules.size();
  for (std::uint32_t r = 0; r < rules.rules.size(); ++r) {
    const Rule& rule = rules.rules[r];
    if (!rule.regex && !rule.check) continue;
    auto fail = [&](std::string problem) { check.failures.push_back({rule.id, rule.source, std::move(problem)}); };
    if (require_examples && (rule.examples.size() < 2 || rule.negative_examples.empty())) {
      fail("needs at least two examples and one negative example (has " + std::to_string(rule.examples.size()) +
           " and " + std::to_string(rule.negative_examples.size()) + ")");
    }
    auto finds = [&](const std::string& text) {
      std::vector<Hit> here;
      for (Hit& h : scanner.scan_text(text)) {
        if (h.rule == r || competes_at_path_of(rule, rules.rules[h.rule])) here.push_back(std::move(h));
      }
      const std::vector<Hit> hits = one_hit_per_span(rules, std::move(here));
      return std::any_of(hits.begin(), hits.end(), [&](const Hit& h) {
        return h.rule == r && !allowlisted(rules, rule, {"", "", h.secret, h.match, h.line});
      });
    };
    for (std::size_t i = 0; i < rule.examples.size(); ++i) {
      ++check.examples;
      if (!finds(rule.examples[i])) {
        fail("example " + std::to_string(i + 1) + " is not found");
      } else if (!finds("\n" + rule.examples[i] + "\n")) {
        // In a file a line has others around it: RE2's ^ and $ mean the
        // start and end of the text unless (?m) says lines.
        fail("example " + std::to_string(i + 1) +
             " is found alone but not between two line feeds (^ or $ where (?m:^) or (?m:$) was meant?)");
      }
    }
    for (std::size_t i = 0; i < rule.negative_examples.size(); ++i) {
      ++check.examples;
      if (finds(rule.negative_examples[i])) {
        fail("negative example " + std::to_string(i + 1) + " is found");
      } else if (finds("\n" + rule.negative_examples[i] + "\n")) {
        fail("negative example " + std::to_string(i + 1) + " is quiet alone but found between two line feeds");
      }
    }
  }
  return check;
}

}  // namespace trawl
