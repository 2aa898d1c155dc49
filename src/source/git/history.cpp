// walk_history(): the refs (refs.h), the commit graph they reach
// (commit_graph.h) and, for each in-scope commit, what it changes relative
// to its parents (tree_diff.h), gathered into one History.
#include "source/git/history.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <optional>
#include <unordered_set>
#include <utility>

#include "source/git/commit_graph.h"
#include "source/git/object_store.h"
#include "source/git/refs.h"
#include "source/git/repository_pool.h"
#include "source/git/tree_diff.h"

namespace trawl {
namespace {

// Parsed trees each walker thread keeps; bounds the walk's memory.
constexpr std::size_t kTreeCacheBytesPerThread = std::size_t{32} << 20;

}  // namespace

bool path_in_scope(const std::string& path, const std::vector<std::string>& paths) {
  if (paths.empty()) return true;
  for (const std::string& p : paths) {
    if (path == p || (path.size() > p.size() && path.starts_with(p) && (p.ends_with('/') || path[p.size()] == '/'))) {
      return true;
    }
  }
  return false;
}

History walk_history(const std::string& git_dir, const PackSet& packs, const WalkOptions& options, SkipLog& skips) {
  RepositoryPool pool(git_dir, &packs);
  git_repository* repo = pool.local();

  // Commits, trees and tags come out of the packs through one store that
  // every thread shares, so a tree one thread rebuilt serves the others.
  const ObjectStore store(packs);
  History history;
  history.refs = scoped_refs(repo, store, options.scope, skips);
  std::optional<ObjectId> exclude;
  if (!options.scope.exclude.empty()) exclude = resolve_commit(repo, store, options.scope.exclude, skips);
  const auto boundary = read_shallow_boundary(repo);
  history.shallow = !boundary.empty();

  std::vector<ObjectId> tips;
  for (const RefInfo& ref : history.refs) tips.push_back(ref.commit);
  if (exclude) tips.push_back(*exclude);
  const int threads =
      options.threads == 0 ? tbb::this_task_arena::max_concurrency() : static_cast<int>(options.threads);
  tbb::task_arena arena(threads);
  std::vector<LoadedCommit> commits;
  arena.execute(
      [&] { commits = order_parents_first(load_commits(pool, store, tips, boundary, skips, options.progress), tips); });
  mark_scope(commits, {exclude, options.scope.since, options.scope.until, options.scope.author});

  std::vector<CommitChanges> per_commit(commits.size());
  tbb::enumerable_thread_specific<TreeWorker> workers;
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, static_cast<std::uint32_t>(commits.size()), 64),
                      [&](const tbb::blocked_range<std::uint32_t>& range) {
                        TreeDiffer differ(workers.local().reader(pool, store, skips, kTreeCacheBytesPerThread));
                        std::vector<ObjectId> parent_trees;
                        for (std::uint32_t i = range.begin(); i != range.end(); ++i) {
                          if (!commits[i].info.in_scope) continue;
                          parent_trees.clear();
                          for (std::uint32_t p : commits[i].info.parents) parent_trees.push_back(commits[p].info.tree);
                          per_commit[i] = diff_commit(differ, commits[i].info.tree, parent_trees);
                          if (options.progress != nullptr) {
                            options.progress->commits_compared.fetch_add(1, std::memory_order_relaxed);
                          }
                        }
                      });
  });

  std::size_t introductions = 0;
  std::size_t departures = 0;
  for (const CommitChanges& changes : per_commit) {
    introductions += changes.introductions.size();
    departures += changes.departures.size();
  }
  history.introductions.reserve(introductions);
  history.departures.reserve(departures);
  std::unordered_set<ObjectId, ObjectIdHash> seen_blobs;
  seen_blobs.reserve(introductions);
  auto add_blob = [&](const BlobKey& key) {
    const ObjectId blob = key.git_id();
    if (!blob.is_zero() && seen_blobs.insert(blob).second) history.blobs.push_back(blob);
  };
  for (std::uint32_t i = 0; i < per_commit.size(); ++i) {
    CommitChanges& changes = per_commit[i];
    for (PathIntroduction& intro : changes.introductions) {
      if (!path_in_scope(intro.path, options.scope.paths)) continue;
      add_blob(intro.blob);
      // Git's object ids become blob keys here, at the source's border.
      std::vector<BlobKey> parent_blobs(intro.parent_blobs.begin(), intro.parent_blobs.end());
      history.introductions.push_back({i, std::move(intro.path), intro.blob, std::move(parent_blobs)});
    }
    for (PathDeparture& departure : changes.departures) {
      if (!path_in_scope(departure.path, options.scope.paths)) continue;
      history.departures.push_back({i, std::move(departure.path), departure.old_blob, departure.new_blob});
    }
    for (const ObjectId& sub : changes.submodules) skips.add(SkipReason::kSubmodule, sub.hex(), "submodule commit");
  }
  // In a full scan every blob compared against was introduced in scope; at
  // the bottom of a range it may not have been, and must be read too.
  for (const BlobIntroduction& intro : history.introductions) {
    for (const BlobKey& parent_blob : intro.parent_blobs) add_blob(parent_blob);
  }
  for (const BlobDeparture& departure : history.departures) add_blob(departure.old_blob);

  history.commits.reserve(commits.size());
  for (LoadedCommit& c : commits) {
    if (c.info.in_scope) ++history.commits_in_scope;
    history.commits.push_back(std::move(c.info));
  }
  return history;
}

History walk_history(const std::string& git_dir, const WalkOptions& options, SkipLog& skips) {
  const PackSet packs(git_dir);
  return walk_history(git_dir, packs, options, skips);
}

}  // namespace trawl
