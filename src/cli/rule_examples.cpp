#include "cli/rule_examples.h"

#include <algorithm>

#include "engine/scanner.h"
#include "rules/allowlist_match.h"

namespace trawl {

ExampleCheck check_rule_examples(const RuleSet& rules, bool require_examples) {
  const Scanner scanner(rules);
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
      const std::vector<Hit> hits = scanner.scan_text(text);
      return std::any_of(hits.begin(), hits.end(), [&](const Hit& h) {
        return h.rule == r && !allowlisted(rules, rule, {"", "", h.secret, h.match, h.line});
      });
    };
    for (std::size_t i = 0; i < rule.examples.size(); ++i) {
      ++check.examples;
      if (!finds(rule.examples[i])) fail("example " + std::to_string(i + 1) + " is not found");
    }
    for (std::size_t i = 0; i < rule.negative_examples.size(); ++i) {
      ++check.examples;
      if (finds(rule.negative_examples[i])) fail("negative example " + std::to_string(i + 1) + " is found");
    }
  }
  return check;
}

}  // namespace trawl
