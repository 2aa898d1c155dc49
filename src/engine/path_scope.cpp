#include "engine/path_scope.h"

#include <algorithm>
#include <string>
#include <unordered_set>

#include <re2/re2.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

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

std::uint64_t PathScope::classes_of_path(std::string_view path) const {
  std::uint64_t classes = 0;
  for (std::size_t c = 0; c < patterns_.size(); ++c) {
    if (RE2::PartialMatch(re2::StringPiece(path.data(), path.size()), *patterns_[c])) classes |= std::uint64_t{1} << c;
  }
  return classes;
}

void PathScope::add(const Provenance& provenance, unsigned threads) {
  if (patterns_.empty()) return;
  // Each thread matches the paths of its share once each (a history names
  // the same paths again and again) and keeps the blobs of those that match
  // a pattern, which are few; they are gathered here after.
  struct Share {
    std::unordered_map<std::string_view, std::uint64_t> path_classes;
    std::vector<std::pair<BlobKey, std::uint64_t>> found;
  };
  tbb::enumerable_thread_specific<Share> shares;
  auto classes = [&](Share& share, std::string_view path) {
    auto [it, fresh] = share.path_classes.try_emplace(path, 0);
    if (fresh) it->second = classes_of_path(path);
    return it->second;
  };
  auto keep = [](Share& share, const BlobKey& blob, std::uint64_t c) {
    if (!blob.is_zero()) share.found.emplace_back(blob, c);
  };
  const std::vector<BlobIntroduction>& introductions = provenance.introductions;
  const std::vector<BlobDeparture>& departures = provenance.departures;
  tbb::task_arena arena(threads == 0 ? tbb::this_task_arena::max_concurrency() : static_cast<int>(threads));
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, introductions.size(), 4096),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        Share& share = shares.local();
                        for (std::size_t i = range.begin(); i != range.end(); ++i) {
                          const BlobIntroduction& intro = introductions[i];
                          const std::uint64_t c = classes(share, intro.path);
                          if (c == 0) continue;
                          keep(share, intro.blob, c);
                          for (const BlobKey& parent : intro.parent_blobs) keep(share, parent, c);
                        }
                      });
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, departures.size(), 4096),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        Share& share = shares.local();
                        for (std::size_t i = range.begin(); i != range.end(); ++i) {
                          const std::uint64_t c = classes(share, departures[i].path);
                          if (c != 0) keep(share, departures[i].old_blob, c);
                        }
                      });
  });
  for (const Share& share : shares) {
    for (const auto& [blob, c] : share.found) blob_classes_[blob] |= c;
  }
}

std::uint64_t PathScope::classes_of(const BlobKey& blob) const {
  auto it = blob_classes_.find(blob);
  return it == blob_classes_.end() ? 0 : it->second;
}

}  // namespace trawl
