// The commit graph a history walk compares trees along: every commit
// reachable from the tips, read out of the packs by the object store (through
// libgit2 what the store cannot read), loaded in parallel along the
// history's branches, ordered parents-first, and marked in or out of a
// scope.
#pragma once

#include <git2.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "content/object_id.h"
#include "content/skip_log.h"
#include "source/git/history.h"
#include "source/git/object_store.h"
#include "source/git/repository_pool.h"

namespace trawl {

// A commit as loaded: its CommitInfo (parents not yet resolved to indices)
// and what ordering and scoping need.
struct LoadedCommit {
  CommitInfo info;
  std::int64_t commit_time = 0;
  std::vector<ObjectId> parent_ids;
};

// Reads commit `id` (read_structured_object(), loose_object.h) and parses
// it leniently (commit_parser.h): a commit git's strict parsers refuse is
// logged as malformed and its tree and parents are walked anyway. nullopt,
// logged, when it cannot be read or has no tree line.
std::optional<LoadedCommit> read_commit(git_repository* repo, const ObjectStore& store, const ObjectId& id,
                                        SkipLog& skips);

// Loads every commit reachable from the tips, in no particular order.
// Unreadable commits are logged and treated as absent; commits on the
// shallow boundary get no parents. Each task follows a line of first parents
// and hands the other parents of merges to other threads, so the branches of
// the history are read in parallel. Runs in the caller's task arena.
std::vector<LoadedCommit> load_commits(RepositoryPool& pool, const ObjectStore& store,
                                       const std::vector<ObjectId>& tips,
                                       const std::unordered_set<ObjectId, ObjectIdHash>& boundary, SkipLog& skips,
                                       WalkProgress* progress);

// Orders commits parents-first (an iterative post-order walk from the tips)
// and resolves parent ids to indices; parents that could not be loaded drop
// out, so their children compare against nothing for them.
std::vector<LoadedCommit> order_parents_first(std::vector<LoadedCommit> loaded, const std::vector<ObjectId>& tips);

// Marks the commits outside the scope: those reachable from its excluded
// revision, those committed before `since` or after `until`, and those whose
// author ("name <email>") does not hold `author` (when it is not empty).
// `commits` must be in parents-first order.
struct CommitFilter {
  std::optional<ObjectId> exclude;
  std::int64_t since = std::numeric_limits<std::int64_t>::min();
  std::int64_t until = std::numeric_limits<std::int64_t>::max();
  std::string author;
};
void mark_scope(std::vector<LoadedCommit>& commits, const CommitFilter& filter);

}  // namespace trawl
