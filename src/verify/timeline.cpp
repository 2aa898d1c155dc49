#include "verify/timeline.h"

#include <algorithm>
#include <bit>
#include <map>
#include <set>
#include <tuple>

#include "verify/sha256.h"

namespace trawl {
namespace {

using SecretKey = std::pair<std::string, std::string>;  // (rule id, secret)

std::map<SecretKey, std::size_t> index_by_key(const std::vector<SecretTimeline>& timelines) {
  std::map<SecretKey, std::size_t> index;
  for (std::size_t i = 0; i < timelines.size(); ++i)
    index.emplace(SecretKey{timelines[i].rule_id, timelines[i].secret}, i);
  return index;
}

// Which timelines each blob holds, and on which lines.
struct Holding {
  std::size_t timeline;
  std::uint32_t line;
};
using HoldingsByBlob = std::unordered_map<ObjectId, std::vector<Holding>, ObjectIdHash>;

HoldingsByBlob holdings(const std::vector<SecretTimeline>& timelines, const RuleSet& rules, const HitsByBlob& hits) {
  const auto index = index_by_key(timelines);
  HoldingsByBlob out;
  for (const auto& [blob, blob_hits] : hits) {
    for (const Hit& hit : blob_hits) {
      auto it = index.find({rules.rules[hit.rule].id, hit.secret});
      if (it != index.end()) out[blob].push_back({it->second, hit.start_line});
    }
  }
  return out;
}

bool holds(const HoldingsByBlob& holdings_by_blob, const ObjectId& blob, std::size_t timeline) {
  auto it = holdings_by_blob.find(blob);
  return it != holdings_by_blob.end() &&
         std::any_of(it->second.begin(), it->second.end(), [&](const Holding& h) { return h.timeline == timeline; });
}

void add_removals(std::vector<SecretTimeline>& timelines, const History& history, const HoldingsByBlob& held) {
  std::vector<std::set<std::pair<std::uint32_t, std::string>>> seen(timelines.size());
  for (const BlobDeparture& departure : history.departures) {
    auto it = held.find(departure.old_blob);
    if (it == held.end()) continue;
    for (const Holding& h : it->second) {
      if (holds(held, departure.new_blob, h.timeline)) continue;
      if (!seen[h.timeline].emplace(departure.commit, departure.path).second) continue;
      const CommitInfo& commit = history.commits[departure.commit];
      timelines[h.timeline].removed.push_back({commit.id.hex(), commit.author_time, departure.path});
    }
  }
}

// For each ref, which of `targets` (commit indices) its history holds:
// ancestor bitsets over 64 targets at a time, propagated parents first.
std::vector<std::vector<std::uint32_t>> refs_reaching(const History& history,
                                                      const std::vector<std::uint32_t>& targets) {
  std::unordered_map<ObjectId, std::uint32_t, ObjectIdHash> index;
  for (std::uint32_t i = 0; i < history.commits.size(); ++i) index.emplace(history.commits[i].id, i);
  std::vector<std::vector<std::uint32_t>> reached(history.refs.size());
  std::vector<std::uint64_t> ancestors(history.commits.size());
  for (std::size_t base = 0; base < targets.size(); base += 64) {
    std::fill(ancestors.begin(), ancestors.end(), 0);
    const std::size_t count = std::min<std::size_t>(64, targets.size() - base);
    for (std::size_t b = 0; b < count; ++b) ancestors[targets[base + b]] |= std::uint64_t{1} << b;
    for (std::size_t c = 0; c < history.commits.size(); ++c) {
      for (std::uint32_t p : history.commits[c].parents) ancestors[c] |= ancestors[p];
    }
    for (std::size_t r = 0; r < history.refs.size(); ++r) {
      auto tip = index.find(history.refs[r].commit);
      if (tip == index.end()) continue;
      for (std::uint64_t bits = ancestors[tip->second]; bits != 0; bits &= bits - 1) {
        reached[r].push_back(targets[base + static_cast<std::size_t>(std::countr_zero(bits))]);
      }
    }
  }
  return reached;
}

// Branches, then tags, then HEAD and remote branches, then every other ref:
// what a responder looks for first comes first when a list is capped.
int ref_kind(std::string_view ref) {
  if (ref.starts_with("refs/heads/")) return 0;
  if (ref.starts_with("refs/tags/")) return 1;
  if (ref == "HEAD" || ref.starts_with("refs/remotes/")) return 2;
  return 3;
}

void add_reachability(std::vector<SecretTimeline>& timelines, const History& history) {
  std::unordered_map<std::string, std::uint32_t> commit_index;
  std::set<std::string> wanted;
  for (const SecretTimeline& t : timelines) {
    for (const SecretIntroduction& i : t.introduced) wanted.insert(i.commit);
  }
  std::vector<std::uint32_t> targets;
  for (std::uint32_t c = 0; c < history.commits.size(); ++c) {
    std::string hex = history.commits[c].id.hex();
    if (wanted.contains(hex)) {
      commit_index.emplace(std::move(hex), c);
      targets.push_back(c);
    }
  }
  std::unordered_map<std::uint32_t, std::vector<std::size_t>> refs_by_commit;
  const auto reached = refs_reaching(history, targets);
  for (std::size_t r = 0; r < reached.size(); ++r) {
    for (std::uint32_t c : reached[r]) refs_by_commit[c].push_back(r);
  }
  // Ref indices first: names are built only for the refs a capped list shows
  // (a mirror's secret can be reachable from tens of thousands of refs).
  for (SecretTimeline& t : timelines) {
    std::vector<std::size_t> refs;
    for (const SecretIntroduction& i : t.introduced) {
      auto c = commit_index.find(i.commit);
      if (c == commit_index.end()) continue;
      const auto& reaching = refs_by_commit[c->second];
      refs.insert(refs.end(), reaching.begin(), reaching.end());
    }
    std::sort(refs.begin(), refs.end());
    refs.erase(std::unique(refs.begin(), refs.end()), refs.end());
    t.reachable_from_total = refs.size();
    const auto by_kind_then_name = [&](std::size_t a, std::size_t b) {
      const std::string& x = history.refs[a].name;
      const std::string& y = history.refs[b].name;
      return std::make_pair(ref_kind(x), std::string_view(x)) < std::make_pair(ref_kind(y), std::string_view(y));
    };
    const std::size_t shown = std::min(refs.size(), kMaxRefsListed);
    std::partial_sort(refs.begin(), refs.begin() + static_cast<std::ptrdiff_t>(shown), refs.end(), by_kind_then_name);
    t.reachable_from.clear();
    for (std::size_t k = 0; k < shown; ++k) t.reachable_from.push_back(history.refs[refs[k]].name);
  }
}

// reachable_from is capped as it is built (add_reachability).
void cap_present_at(SecretTimeline& t) {
  t.present_at_total = t.present_at.size();
  std::stable_sort(t.present_at.begin(), t.present_at.end(),
                   [](const SecretAtRef& a, const SecretAtRef& b) { return ref_kind(a.ref) < ref_kind(b.ref); });
  if (t.present_at.size() > kMaxRefsListed) t.present_at.resize(kMaxRefsListed);
}

}  // namespace

std::vector<SecretTimeline> group_by_secret(const std::vector<Finding>& findings) {
  std::vector<SecretTimeline> timelines;
  std::map<SecretKey, std::size_t> index;
  for (const Finding& f : findings) {
    auto [it, added] = index.emplace(SecretKey{f.rule_id, f.secret}, timelines.size());
    if (added) {
      SecretTimeline t;
      t.rule_id = f.rule_id;
      t.secret = f.secret;
      t.secret_sha256 = sha256_hex(f.secret);
      timelines.push_back(std::move(t));
    }
    timelines[it->second].introduced.push_back({f.commit, f.date, f.author, f.email, f.path, f.start_line});
  }
  return timelines;
}

std::unordered_set<ObjectId, ObjectIdHash> blobs_holding(const std::vector<SecretTimeline>& timelines,
                                                         const RuleSet& rules, const HitsByBlob& hits) {
  std::unordered_set<ObjectId, ObjectIdHash> blobs;
  for (const auto& [blob, held] : holdings(timelines, rules, hits)) blobs.insert(blob);
  return blobs;
}

void add_history(std::vector<SecretTimeline>& timelines, const History& history, const RuleSet& rules,
                 const HitsByBlob& hits, const std::vector<std::vector<BlobLocation>>& tip_locations) {
  const HoldingsByBlob held = holdings(timelines, rules, hits);
  add_removals(timelines, history, held);
  add_reachability(timelines, history);
  for (std::size_t r = 0; r < tip_locations.size() && r < history.refs.size(); ++r) {
    for (const BlobLocation& location : tip_locations[r]) {
      auto it = held.find(location.blob);
      if (it == held.end()) continue;
      std::vector<Holding> here = it->second;
      std::sort(here.begin(), here.end(), [](const Holding& a, const Holding& b) {
        return std::tie(a.timeline, a.line) < std::tie(b.timeline, b.line);
      });
      here.erase(
          std::unique(here.begin(), here.end(),
                      [](const Holding& a, const Holding& b) { return a.timeline == b.timeline && a.line == b.line; }),
          here.end());
      for (const Holding& h : here)
        timelines[h.timeline].present_at.push_back({history.refs[r].name, location.path, h.line});
    }
  }
  for (SecretTimeline& t : timelines) cap_present_at(t);
}

}  // namespace trawl
