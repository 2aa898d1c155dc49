// Reading commits (through the object store, or libgit2 for what it cannot
// read), loading them in parallel from the tips, ordering them parents-first
// and marking which are in a walk's scope.
#include "source/git/commit_graph.h"

#include <tbb/concurrent_unordered_set.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for_each.h>

#include <iterator>
#include <string>
#include <unordered_map>
#include <utility>

#include "source/git/commit_parser.h"
#include "source/git/git_handles.h"
#include "source/git/loose_object.h"

namespace trawl {
std::optional<LoadedCommit> read_commit(git_repository* repo, const ObjectStore& store, const ObjectId& id,
                                        SkipLog& skips) {
  git_odb* raw_odb = nullptr;
  if (const int code = git_repository_odb(&raw_odb, repo); code < 0) {
    skips.add(skip_reason_for_git_error(code), id.hex(), "commit: " + last_git_error_message());
    return std::nullopt;
  }
  const OdbPtr odb(raw_odb);
  const StoredObjectPtr stored =
      read_structured_object(store, git_repository_path(repo), odb.get(), id, ObjectType::kCommit, skips);
  if (!stored) return std::nullopt;
  std::string problem;
  std::optional<ParsedCommit> parsed = parse_commit_leniently(stored->view(), &problem);
  if (!parsed) {
    skips.add(SkipReason::kCorruptObject, id.hex(), "commit: no tree line");
    return std::nullopt;
  }
  if (!problem.empty()) skips.add_malformed(MalformedKind::kCommit, id.hex(), problem);
  LoadedCommit c;
  c.info.id = id;
  c.info.author_name = std::move(parsed->author_name);
  c.info.author_email = std::move(parsed->author_email);
  c.info.author_time = parsed->author_time;
  c.info.summary = std::move(parsed->summary);
  c.info.tree = parsed->tree;
  c.commit_time = parsed->commit_time;
  c.parent_ids = std::move(parsed->parents);
  return c;
}

std::vector<LoadedCommit> load_commits(RepositoryPool& pool, const ObjectStore& store,
                                       const std::vector<ObjectId>& tips,
                                       const std::unordered_set<ObjectId, ObjectIdHash>& boundary, SkipLog& skips,
                                       WalkProgress* progress) {
  tbb::concurrent_unordered_set<ObjectId, ObjectIdHash> seen;
  tbb::enumerable_thread_specific<std::vector<LoadedCommit>> per_thread;
  tbb::parallel_for_each(tips.begin(), tips.end(), [&](const ObjectId& tip, tbb::feeder<ObjectId>& other_parents) {
    std::vector<LoadedCommit>& loaded = per_thread.local();
    for (ObjectId id = tip; seen.insert(id).second;) {
      std::optional<LoadedCommit> c = read_commit(pool.local(), store, id, skips);
      if (!c) return;
      if (boundary.contains(id)) c->parent_ids.clear();
      if (progress != nullptr) progress->commits_loaded.fetch_add(1, std::memory_order_relaxed);
      const bool root = c->parent_ids.empty();
      if (!root) {
        id = c->parent_ids[0];
        for (std::size_t p = 1; p < c->parent_ids.size(); ++p) other_parents.add(c->parent_ids[p]);
      }
      loaded.push_back(std::move(*c));
      if (root) return;
    }
  });
  std::vector<LoadedCommit> all;
  for (std::vector<LoadedCommit>& loaded : per_thread) {
    all.insert(all.end(), std::make_move_iterator(loaded.begin()), std::make_move_iterator(loaded.end()));
  }
  return all;
}

std::vector<LoadedCommit> order_parents_first(std::vector<LoadedCommit> loaded, const std::vector<ObjectId>& tips) {
  std::unordered_map<ObjectId, std::uint32_t, ObjectIdHash> index;
  index.reserve(loaded.size());
  for (std::uint32_t i = 0; i < loaded.size(); ++i) index.emplace(loaded[i].info.id, i);

  std::vector<std::uint32_t> order;
  order.reserve(loaded.size());
  std::vector<std::uint8_t> state(loaded.size(), 0);  // 0 new, 1 open, 2 done
  std::vector<std::pair<std::uint32_t, std::size_t>> stack;
  for (const ObjectId& tip_id : tips) {
    auto tip = index.find(tip_id);
    if (tip == index.end() || state[tip->second] != 0) continue;
    stack.emplace_back(tip->second, 0);
    state[tip->second] = 1;
    while (!stack.empty()) {
      auto& [node, next_parent] = stack.back();
      const auto& parents = loaded[node].parent_ids;
      if (next_parent < parents.size()) {
        auto p = index.find(parents[next_parent++]);
        if (p != index.end() && state[p->second] == 0) {
          state[p->second] = 1;
          stack.emplace_back(p->second, 0);
        }
        continue;
      }
      state[node] = 2;
      order.push_back(node);
      stack.pop_back();
    }
  }

  std::vector<std::uint32_t> position(loaded.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  std::vector<LoadedCommit> sorted;
  sorted.reserve(order.size());
  for (std::uint32_t old_index : order) {
    LoadedCommit c = std::move(loaded[old_index]);
    for (const ObjectId& parent : c.parent_ids) {
      if (auto p = index.find(parent); p != index.end()) c.info.parents.push_back(position[p->second]);
    }
    sorted.push_back(std::move(c));
  }
  return sorted;
}

void mark_scope(std::vector<LoadedCommit>& commits, const CommitFilter& filter) {
  const std::optional<ObjectId>& exclude = filter.exclude;
  std::vector<std::uint8_t> excluded(commits.size(), 0);
  if (exclude) {
    // Parents come before children, so one pass from the end propagates.
    for (std::size_t i = commits.size(); i-- > 0;) {
      if (commits[i].info.id == *exclude) excluded[i] = 1;
      if (excluded[i] == 0) continue;
      for (std::uint32_t p : commits[i].info.parents) excluded[p] = 1;
    }
  }
  for (std::size_t i = 0; i < commits.size(); ++i) {
    const CommitInfo& info = commits[i].info;
    const bool by_author = filter.author.empty() ||
                           (info.author_name + " <" + info.author_email + ">").find(filter.author) != std::string::npos;
    commits[i].info.in_scope = excluded[i] == 0 && commits[i].commit_time >= filter.since &&
                               commits[i].commit_time <= filter.until && by_author;
  }
}

}  // namespace trawl
