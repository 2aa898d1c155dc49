// The built-in rules: they load without warnings, every rule carries
// examples, and every example behaves (`trawl rules check`).
#include <gtest/gtest.h>

#include <set>

#include "cli/rule_examples.h"
#include "rules/rule_loader.h"

namespace trawl {
namespace {

TEST(BuiltinRules, LoadWithoutWarningsAndHaveUniqueIds) {
  const RuleLoad load = load_builtin_rules();
  EXPECT_TRUE(load.warnings.empty()) << load.warnings.front();
  EXPECT_GE(load.rules.rules.size(), 30u);
  std::set<std::string> ids;
  for (const Rule& r : load.rules.rules) {
    EXPECT_TRUE(ids.insert(r.id).second) << "duplicate id " << r.id;
    // A rule with `tokens` runs around stage 1's token candidates instead; a
    // low-confidence rule may read every blob, since only --min-confidence
    // low runs it.
    EXPECT_TRUE(!r.keywords.empty() || r.tokens || r.confidence == Confidence::kLow)
        << r.id << " has no keywords: it would run on every blob";
    EXPECT_FALSE(r.description.empty()) << r.id;
  }
}

TEST(BuiltinRules, EveryExampleIsFoundAndNoNegativeExampleIs) {
  const RuleLoad load = load_builtin_rules();
  const ExampleCheck check = check_rule_examples(load.rules, true);
  for (const ExampleFailure& f : check.failures) ADD_FAILURE() << f.rule_id << " (" << f.source << "): " << f.problem;
  EXPECT_GE(check.examples, 3 * load.rules.rules.size());
}

}  // namespace
}  // namespace trawl
