#include "engine/path_scope.h"

#include <algorithm>
#include <string>
#include <unordered_set>

#include <re2/re2.h>

namespace trawl {

PathScope::PathScope(const RuleSet& rules) : rule_class_(rules.rules.size(), 0) {
  std::unordered_set<std::string> required;
  for (const Rule& rule : rules.rules) {
    for (const RequiredRule& r : rule.required) required.insert(r.id);
  }
  for (std::uint32_t r = 0; r < rules.rules.size(); ++r) {
    const Rule& rule = rules.rules[r];
    if (!rule.path || (!rule.regex && !rule.check)) continue;  // every path, or path-only
    const bool is_required =
        std::any_of(required.begin(), required.end(), [&](const std::string& id) { return rule.answers_to(id); });
    if (is_required) continue;
    auto same = std::find_if(patterns_.begin(), patterns_.end(),
                             [&](const RE2* p) { return p->pattern() == rule.path->pattern(); });
    std::size_t cls = static_cast<std::size_t>(same - patterns_.begin());
    if (same == patterns_.end()) {
      if (patterns_.size() == 64) continue;
      patterns_.push_back(rule.path.get());
    }
    rule_class_[r] = std::uint64_t{1} << cls;
  }
}

void PathScope::add(const BlobKey& blob, std::string_view path) {
  if (patterns_.empty() || blob.is_zero()) return;
  auto [it, fresh] = path_classes_.try_emplace(path, 0);
  if (fresh) {
    for (std::size_t c = 0; c < patterns_.size(); ++c) {
      if (RE2::PartialMatch(re2::StringPiece(path.data(), path.size()), *patterns_[c]))
        it->second |= std::uint64_t{1} << c;
    }
  }
  if (it->second != 0) blob_classes_[blob] |= it->second;
}

void PathScope::add(const Provenance& provenance) {
  for (const BlobIntroduction& intro : provenance.introductions) {
    add(intro.blob, intro.path);
    for (const BlobKey& parent : intro.parent_blobs) add(parent, intro.path);
  }
  for (const BlobDeparture& d : provenance.departures) add(d.old_blob, d.path);
}

std::uint64_t PathScope::classes_of(const BlobKey& blob) const {
  auto it = blob_classes_.find(blob);
  return it == blob_classes_.end() ? 0 : it->second;
}

}  // namespace trawl
