// The refs a history walk starts from: every ref (and a detached HEAD), or
// the one revision a scope names; revisions resolved to commits; and the
// shallow boundary, the commits whose parents this repository lacks.
#pragma once

#include <git2.h>

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "content/object_id.h"
#include "content/skip_log.h"
#include "source/git/history.h"
#include "source/git/object_store.h"

namespace trawl {

// Annotated tags pointing at tags are followed this many levels at most.
inline constexpr int kMaxTagChain = 64;
// Symbolic refs naming symbolic refs are followed this many levels at most
// (git's own limit).
inline constexpr int kMaxSymbolicRefDepth = 5;

// The commit `id` peels to: itself, or what the chain of annotated tags
// starting at it ends in, read by trawl (loose_object.h), never by libgit2's
// peel, which follows a tag that points at itself forever. nullopt, with
// why in `problem`, for a chain longer than kMaxTagChain, one that comes
// back on itself, or one that ends in no commit.
std::optional<ObjectId> peel_to_commit(const ObjectStore& store, git_repository* repo, const ObjectId& id,
                                       SkipLog& skips, std::string& problem);

// Every ref that peels to a commit, and HEAD when it is detached, sorted by
// name: packed-refs and the loose refs, read by trawl (ref_files.h).
// Symbolic refs are listed under their own names, as what they point at.
// Refs that cannot be read or do not peel to a commit are logged and left
// out.
std::vector<RefInfo> list_refs(git_repository* repo, const ObjectStore& store, SkipLog& skips);

// The refs a scope scans: every ref, or the one revision it names (under the
// ref's full name when it is one). Throws GitError when that revision does
// not name a commit.
std::vector<RefInfo> scoped_refs(git_repository* repo, const ObjectStore& store, const HistoryScope& scope,
                                 SkipLog& skips);

// The commit `revision` names; throws GitError when it names none.
ObjectId resolve_commit(git_repository* repo, const ObjectStore& store, const std::string& revision, SkipLog& skips);

// The commits listed in the repository's shallow file: they have no parents
// here.
std::unordered_set<ObjectId, ObjectIdHash> read_shallow_boundary(git_repository* repo);

}  // namespace trawl
