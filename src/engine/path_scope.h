// Which of a rule set's path-restricted rules a blob's hits can matter for.
//
// A rule with a `path` (a Dockerfile check, a rule for config files) only
// ever reports at paths its pattern matches: the verifier drops its hits
// anywhere else. A source that knows every path its blobs appear at before
// reading them (a git history) lets stage 2 skip such a rule on a blob that
// appears at no path it matches, which is most blobs, and the findings stay
// the same. A blob's paths are every path it is introduced at, plus those
// where it is compared against (the blobs a path held before) or departs,
// so a hit that decides whether a later one is new is never skipped.
//
// Rules that share a path pattern share a class; a blob records the classes
// of its paths. A rule another rule requires ([[rules.required]]) is never
// skipped: its hits count wherever the requiring rule reports. Past 64
// classes, further patterns are not scoped.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "content/blob_key.h"
#include "content/provenance.h"
#include "rules/rule.h"

namespace trawl {

// Per blob, which rules (by index) stage 2 runs on it: a datastore's known
// blobs that some of the scan's rules have not run on yet.
using RuleMask = std::vector<bool>;
using RuleSubsets = std::unordered_map<BlobKey, std::shared_ptr<const RuleMask>, BlobKeyHash>;

class PathScope {
 public:
  // Classes a blob not scoped here may use: all of them.
  static constexpr std::uint64_t kEveryClass = ~std::uint64_t{0};

  explicit PathScope(const RuleSet& rules);

  // Every blob of `provenance` at each of its paths, on up to `threads`
  // threads (0: every core). Not to be called while another call runs.
  void add(const Provenance& provenance, unsigned threads = 0);

  // The classes of the paths `blob` appears at (0: none of the patterns).
  std::uint64_t classes_of(const BlobKey& blob) const;
  // Rule `r`'s class bit; 0 for a rule that runs on every blob.
  std::uint64_t rule_class(std::uint32_t r) const { return rule_class_[r]; }
  // Whether rule `r` can matter for a blob of `classes`.
  bool applies(std::uint32_t r, std::uint64_t classes) const {
    return rule_class_[r] == 0 || (rule_class_[r] & classes) != 0;
  }
  // Whether any rule is scoped at all.
  bool scopes_anything() const { return !patterns_.empty(); }

 private:
  // The classes of the patterns `path` matches.
  std::uint64_t classes_of_path(std::string_view path) const;

  std::vector<const RE2*> patterns_;       // one per class
  std::vector<std::uint64_t> rule_class_;  // per rule
  std::unordered_map<BlobKey, std::uint64_t, BlobKeyHash> blob_classes_;
};

}  // namespace trawl
