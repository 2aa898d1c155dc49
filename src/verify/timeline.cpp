#include "verify/timeline.h"

#include <algorithm>
#include <bit>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <re2/re2.h>

#include "content/sha256.h"
#include "verify/attribution.h"

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
  std::uint32_t rule;
};

// Whether the holding's rule applies at `path`: a rule with a path reports
// only there, so its secret lives, moves and leaves only there too.
bool applies_at(const RuleSet& rules, const Holding& h, const std::string& path) {
  const Rule& rule = rules.rules[h.rule];
  return !rule.path || RE2::PartialMatch(path, *rule.path);
}
using HoldingsByBlob = std::unordered_map<BlobKey, std::vector<Holding>, BlobKeyHash>;

HoldingsByBlob holdings(const std::vector<SecretTimeline>& timelines, const RuleSet& rules, const HitsByBlob& hits) {
  const auto index = index_by_key(timelines);
  HoldingsByBlob out;
  for (const auto& [blob, blob_hits] : hits) {
    for (const Hit& hit : blob_hits) {
      auto it = index.find({rules.rules[hit.rule].id, hit.secret});
      if (it != index.end()) out[blob].push_back({it->second, hit.start_line, hit.rule});
    }
  }
  return out;
}

// A blob's holdings at `path` (those whose rule applies there), one per
// timeline and line, by timeline then line, into `out`.
void holdings_at(const RuleSet& rules, const std::vector<Holding>& held, const std::string& path,
                 std::vector<Holding>& out) {
  out.clear();
  for (const Holding& h : held) {
    if (applies_at(rules, h, path)) out.push_back(h);
  }
  std::sort(out.begin(), out.end(), [](const Holding& a, const Holding& b) {
    return std::tie(a.timeline, a.line) < std::tie(b.timeline, b.line);
  });
  out.erase(
      std::unique(out.begin(), out.end(),
                  [](const Holding& a, const Holding& b) { return a.timeline == b.timeline && a.line == b.line; }),
      out.end());
}

bool holds(const HoldingsByBlob& holdings_by_blob, const BlobKey& blob, std::size_t timeline) {
  auto it = holdings_by_blob.find(blob);
  return it != holdings_by_blob.end() &&
         std::any_of(it->second.begin(), it->second.end(), [&](const Holding& h) { return h.timeline == timeline; });
}

// A rename's commit and the path it left: not a removal.
using LeftPaths = std::set<std::pair<std::uint32_t, std::string>>;

void add_removals(std::vector<SecretTimeline>& timelines, const Provenance& history, const RuleSet& rules,
                  const HoldingsByBlob& held, const LeftPaths& renamed_from) {
  std::vector<std::set<std::pair<std::uint32_t, std::string>>> seen(timelines.size());
  std::vector<std::vector<std::uint32_t>> commit_of(timelines.size());
  for (const BlobDeparture& departure : history.departures) {
    auto it = held.find(departure.old_blob);
    if (it == held.end()) continue;
    if (departure.new_blob.is_zero() && renamed_from.contains({departure.commit, departure.path})) continue;
    for (const Holding& h : it->second) {
      if (!applies_at(rules, h, departure.path) || holds(held, departure.new_blob, h.timeline)) continue;
      if (!seen[h.timeline].emplace(departure.commit, departure.path).second) continue;
      const CommitInfo& commit = history.commits[departure.commit];
      timelines[h.timeline].removed.push_back(
          {commit.id, commit.author_time, commit.author_name, commit.author_email, departure.path, std::nullopt});
      commit_of[h.timeline].push_back(departure.commit);
    }
  }
  // Oldest first: by author date, then parents before children, then path.
  for (std::size_t t = 0; t < timelines.size(); ++t) {
    std::vector<SecretRemoval>& removed = timelines[t].removed;
    std::vector<std::size_t> order(removed.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return std::tie(removed[a].date, commit_of[t][a], removed[a].path) <
             std::tie(removed[b].date, commit_of[t][b], removed[b].path);
    });
    std::vector<SecretRemoval> sorted;
    sorted.reserve(removed.size());
    for (std::size_t i : order) sorted.push_back(std::move(removed[i]));
    removed = std::move(sorted);
  }
}

// Each move of a blob that holds a timeline's secret, in introduction order
// (parents before children), then sorted oldest first.
void add_moves(std::vector<SecretTimeline>& timelines, const Provenance& history, const RuleSet& rules,
               const HoldingsByBlob& held, const BlobMoves& moves) {
  std::vector<std::uint32_t> order;
  order.reserve(moves.size());
  for (const auto& [intro, move] : moves) order.push_back(intro);
  std::sort(order.begin(), order.end());
  for (std::uint32_t i : order) {
    const BlobIntroduction& intro = history.introductions[i];
    auto it = held.find(intro.blob);
    if (it == held.end()) continue;
    const BlobMove& move = moves.at(i);
    const CommitInfo& commit = history.commits[intro.commit];
    std::set<std::size_t> added;
    for (const Holding& h : it->second) {
      if (!applies_at(rules, h, intro.path) || !added.insert(h.timeline).second) continue;
      timelines[h.timeline].moved.push_back({commit.id, commit.author_time, commit.author_name, commit.author_email,
                                             move.from_path, intro.path, move.renamed});
    }
  }
  for (SecretTimeline& t : timelines) {
    std::stable_sort(t.moved.begin(), t.moved.end(),
                     [](const SecretMove& a, const SecretMove& b) { return a.date < b.date; });
  }
}

// For each of `targets` (commit indices), the refs whose history holds it,
// as a bitset over refs: ancestor bitsets over 64 targets at a time,
// propagated parents first.
std::vector<std::vector<std::uint64_t>> refs_reaching(const Provenance& history,
                                                      const std::vector<std::uint32_t>& targets) {
  std::unordered_map<ObjectId, std::uint32_t, ObjectIdHash> index;
  for (std::uint32_t i = 0; i < history.commits.size(); ++i) index.emplace(history.commits[i].id, i);
  std::vector<std::int64_t> tips(history.refs.size(), -1);
  for (std::size_t r = 0; r < history.refs.size(); ++r) {
    if (auto tip = index.find(history.refs[r].commit); tip != index.end()) tips[r] = tip->second;
  }
  const std::size_t words = (history.refs.size() + 63) / 64;
  std::vector<std::vector<std::uint64_t>> reaching(targets.size(), std::vector<std::uint64_t>(words, 0));
  std::vector<std::uint64_t> ancestors(history.commits.size());
  for (std::size_t base = 0; base < targets.size(); base += 64) {
    std::fill(ancestors.begin(), ancestors.end(), 0);
    const std::size_t count = std::min<std::size_t>(64, targets.size() - base);
    for (std::size_t b = 0; b < count; ++b) ancestors[targets[base + b]] |= std::uint64_t{1} << b;
    for (std::size_t c = 0; c < history.commits.size(); ++c) {
      for (std::uint32_t p : history.commits[c].parents) ancestors[c] |= ancestors[p];
    }
    for (std::size_t r = 0; r < history.refs.size(); ++r) {
      if (tips[r] < 0) continue;
      for (std::uint64_t bits = ancestors[static_cast<std::size_t>(tips[r])]; bits != 0; bits &= bits - 1) {
        reaching[base + static_cast<std::size_t>(std::countr_zero(bits))][r / 64] |= std::uint64_t{1} << (r % 64);
      }
    }
  }
  return reaching;
}

// Branches, then tags, then HEAD and remote branches, then every other ref:
// what a responder looks for first comes first when a list is capped.
int ref_kind(std::string_view ref) {
  if (ref.starts_with("refs/heads/")) return 0;
  if (ref.starts_with("refs/tags/")) return 1;
  if (ref == "HEAD" || ref.starts_with("refs/remotes/")) return 2;
  return 3;
}

std::vector<int> ref_kinds(const Provenance& history) {
  std::vector<int> kinds;
  kinds.reserve(history.refs.size());
  for (const RefInfo& ref : history.refs) kinds.push_back(ref_kind(ref.name));
  return kinds;
}

void add_reachability(std::vector<SecretTimeline>& timelines, const Provenance& history,
                      const std::vector<int>& kinds) {
  // Each introducing commit (by id) -> its index in `targets`.
  std::unordered_map<ObjectId, std::size_t, ObjectIdHash> target_of;
  std::unordered_set<ObjectId, ObjectIdHash> wanted;
  for (const SecretTimeline& t : timelines) {
    for (const SecretIntroduction& i : t.introduced) {
      if (i.commit) wanted.insert(*i.commit);
    }
  }
  std::vector<std::uint32_t> targets;
  for (std::uint32_t c = 0; c < history.commits.size() && target_of.size() < wanted.size(); ++c) {
    if (wanted.contains(history.commits[c].id)) {
      target_of.emplace(history.commits[c].id, targets.size());
      targets.push_back(c);
    }
  }
  const auto reaching = refs_reaching(history, targets);
  // Refs by kind, then name: the order a capped list shows them in.
  std::vector<std::size_t> order(history.refs.size());
  for (std::size_t r = 0; r < order.size(); ++r) order[r] = r;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::make_pair(kinds[a], std::string_view(history.refs[a].name)) <
           std::make_pair(kinds[b], std::string_view(history.refs[b].name));
  });
  // Names are built only for the refs a capped list shows (a mirror's
  // secret can be reachable from tens of thousands of refs).
  std::vector<std::uint64_t> refs((history.refs.size() + 63) / 64);
  for (SecretTimeline& t : timelines) {
    std::fill(refs.begin(), refs.end(), 0);
    for (const SecretIntroduction& i : t.introduced) {
      if (!i.commit) continue;
      auto target = target_of.find(*i.commit);
      if (target == target_of.end()) continue;
      const std::vector<std::uint64_t>& bits = reaching[target->second];
      for (std::size_t w = 0; w < refs.size(); ++w) refs[w] |= bits[w];
    }
    t.reachable_from_total = 0;
    for (std::uint64_t word : refs) t.reachable_from_total += static_cast<std::uint64_t>(std::popcount(word));
    t.reachable_from.clear();
    for (std::size_t k = 0; k < order.size() && t.reachable_from.size() < kMaxRefsListed; ++k) {
      const std::size_t r = order[k];
      if ((refs[r / 64] >> (r % 64) & 1) != 0) t.reachable_from.push_back(history.refs[r].name);
    }
  }
}

// Where a secret sits in a ref's tip: indices until the list is capped.
struct Place {
  std::uint32_t ref;
  std::uint32_t location;  // into the ref's tip locations
  std::uint32_t line;
};

// Fills each timeline's present_at: by kind of ref, then ref, path and line,
// capped, with strings built only for the places listed (on a mirror a
// secret can sit in the tips of tens of thousands of refs).
void add_present_at(std::vector<SecretTimeline>& timelines, const Provenance& history, const RuleSet& rules,
                    const HoldingsByBlob& held, const std::vector<std::vector<BlobLocation>>& tip_locations,
                    const std::vector<int>& kinds) {
  std::vector<std::vector<Place>> places(timelines.size());
  std::vector<Holding> here;
  for (std::size_t r = 0; r < tip_locations.size() && r < history.refs.size(); ++r) {
    for (std::size_t l = 0; l < tip_locations[r].size(); ++l) {
      auto it = held.find(tip_locations[r][l].blob);
      if (it == held.end()) continue;
      holdings_at(rules, it->second, tip_locations[r][l].path, here);
      for (const Holding& h : here) {
        places[h.timeline].push_back({static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(l), h.line});
      }
    }
  }
  for (std::size_t t = 0; t < timelines.size(); ++t) {
    std::vector<Place>& list = places[t];
    timelines[t].present_at_total = list.size();
    std::stable_sort(list.begin(), list.end(),
                     [&](const Place& a, const Place& b) { return kinds[a.ref] < kinds[b.ref]; });
    if (list.size() > kMaxRefsListed) list.resize(kMaxRefsListed);
    timelines[t].present_at.clear();
    for (const Place& p : list) {
      timelines[t].present_at.push_back({history.refs[p.ref].name, tip_locations[p.ref][p.location].path, p.line});
    }
  }
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
    timelines[it->second].introduced.push_back({f.commit, f.date, f.author, f.email, f.path, f.start_line, f.image});
  }
  return timelines;
}

std::unordered_set<BlobKey, BlobKeyHash> blobs_holding(const std::vector<SecretTimeline>& timelines,
                                                       const RuleSet& rules, const HitsByBlob& hits) {
  std::unordered_set<BlobKey, BlobKeyHash> blobs;
  for (const auto& [blob, held] : holdings(timelines, rules, hits)) blobs.insert(blob);
  return blobs;
}

void add_history(std::vector<SecretTimeline>& timelines, const Provenance& history, const RuleSet& rules,
                 const HitsByBlob& hits, const std::vector<std::vector<BlobLocation>>& tip_locations,
                 const BlobMoves& moves) {
  const HoldingsByBlob held = holdings(timelines, rules, hits);
  const std::vector<int> kinds = ref_kinds(history);
  LeftPaths renamed_from;
  for (const auto& [intro, move] : moves) {
    if (move.renamed) renamed_from.emplace(history.introductions[intro].commit, move.from_path);
  }
  add_moves(timelines, history, rules, held, moves);
  add_removals(timelines, history, rules, held, renamed_from);
  add_reachability(timelines, history, kinds);
  add_present_at(timelines, history, rules, held, tip_locations, kinds);
}

void add_image_history(std::vector<SecretTimeline>& timelines, const Provenance& history, const RuleSet& rules,
                       const HitsByBlob& hits) {
  const HoldingsByBlob held = holdings(timelines, rules, hits);
  std::vector<std::set<std::pair<std::uint32_t, std::string>>> seen(timelines.size());
  for (const BlobDeparture& departure : history.departures) {
    auto it = held.find(departure.old_blob);
    if (it == held.end()) continue;
    for (const Holding& h : it->second) {
      if (!applies_at(rules, h, departure.path) || holds(held, departure.new_blob, h.timeline)) continue;
      if (!seen[h.timeline].emplace(departure.commit, departure.path).second) continue;
      SecretRemoval removal;
      removal.date = history.commits[departure.commit].author_time;
      removal.path = departure.path;
      removal.image = image_location(history, departure.commit);
      removal.image->in_final_filesystem = false;
      timelines[h.timeline].removed.push_back(std::move(removal));
    }
  }
  // Each image's final files, by path (final_files is unordered).
  for (std::uint32_t i = 0; i < history.images.size(); ++i) {
    const ImageInfo& image = history.images[i];
    std::vector<const std::pair<const std::string, BlobKey>*> files;
    for (const auto& file : image.final_files) {
      if (held.contains(file.second)) files.push_back(&file);
    }
    std::sort(files.begin(), files.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    std::vector<Holding> here;
    for (const auto* file : files) {
      holdings_at(rules, held.at(file->second), file->first, here);
      for (const Holding& h : here) {
        SecretTimeline& t = timelines[h.timeline];
        ++t.present_at_total;
        if (t.present_at.size() < kMaxRefsListed) t.present_at.push_back({image.reference, file->first, h.line});
      }
    }
  }
}

}  // namespace trawl
