// Hits reduced to what tests compare: rule id, secret and where it starts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/hit.h"
#include "rules/rule.h"

namespace trawl {

struct Spot {
  std::string rule;
  std::string secret;
  std::uint32_t line;
  std::uint32_t column;
  friend bool operator==(const Spot&, const Spot&) = default;
};

inline std::vector<Spot> spots(const RuleSet& rules, const std::vector<Hit>& hits) {
  std::vector<Spot> out;
  out.reserve(hits.size());
  for (const Hit& h : hits) out.push_back({rules.rules[h.rule].id, h.secret, h.start_line, h.start_column});
  return out;
}

}  // namespace trawl
