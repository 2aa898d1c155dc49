// Runs each rule's own examples through the engine: every positive example
// must produce a finding of that rule, no negative example may, both alone
// and as a line between two line feeds (as in a file, where RE2's ^ and $
// without (?m) do not stand at each line). Each example is scanned as a file
// where its rule applies: rules for other paths do not take its spans.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "rules/rule.h"

namespace trawl {

struct ExampleFailure {
  std::string rule_id;
  std::string source;   // where the rule is defined
  std::string problem;  // what went wrong, never the example's secret
};

struct ExampleCheck {
  std::size_t rules = 0;
  std::size_t examples = 0;
  std::vector<ExampleFailure> failures;
};

// With `require_examples`, a rule with a regex but fewer than two positive
// or one negative example is itself a failure.
ExampleCheck check_rule_examples(const RuleSet& rules, bool require_examples);

}  // namespace trawl
