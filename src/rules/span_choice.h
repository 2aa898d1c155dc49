// One span, one finding: where hits of several rules cover overlapping
// bytes, which one stands. Stage 2 chooses among a blob's hits; where some
// of them are of rules with a path, the verifier chooses at each path among
// the hits of rules that apply there.
#pragma once

#include <vector>

#include "engine/hit.h"
#include "rules/rule.h"

namespace trawl {

// Of hits whose secrets overlap, keeps a hit of a rule whose confidence is
// not low over one whose is, then one from a specific rule over a generic
// one (tagged "generic"), then one from a rule over keywords over
// one from a rule over token candidates (Rule::tokens), then the longer
// secret, then the lower
// rule index. Greedy in that order, so a kept hit overlaps no other kept
// hit. A container check's hit says how a build handles a secret, not what
// it is: it stands beside the others, always kept; but the Kubernetes Secret
// check's hit is the secret itself (a `data:` value decoded, a `stringData:`
// value), and competes for its span like a specific rule's. Returns the kept
// hits in their order in `hits`.
std::vector<Hit> one_hit_per_span(const RuleSet& rules, std::vector<Hit> hits);

// Whether the rule's hits compete for spans (every rule's but the container
// checks that stand beside them).
bool competes_for_spans(const Rule& rule);

// Whether the choice among a blob's hits waits for the path: the rule has a
// path (it applies at some of the blob's paths only) and competes for spans.
inline bool chosen_per_path(const Rule& rule) { return rule.path != nullptr && competes_for_spans(rule); }

// Stage 2's choice among one blob's hits (sorted by position, then rule):
// with `per_path_choice`, a blob with a hit of a rule chosen per path keeps
// every hit for the verifier to choose at each path; otherwise
// one_hit_per_span().
std::vector<Hit> choose_hits(const RuleSet& rules, std::vector<Hit> hits, bool per_path_choice);

}  // namespace trawl
