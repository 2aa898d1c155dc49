// The commit graph of a repository and where each blob entered it.
//
// walk_history() enumerates every ref, every commit reachable from them and,
// by comparing each commit's tree with its parents' trees, every place a blob
// was introduced: a (commit, path) where the blob appears and the same path in
// every parent held a different blob or nothing. Root commits (and commits at
// a shallow clone's boundary) introduce every blob they hold. It also records
// every place a path stops holding a blob (the file changed or deleted), which
// the verifier turns into the removals of a secret's timeline. Blob contents
// are not read here; see blob_reader.h.
//
// A scope (one revision's history, a range A..B, commits since a date) limits
// which commits are compared with their parents, not which commits are
// loaded: a commit at the bottom of a range is still compared with its
// out-of-scope parents, so a secret already present before the range is not
// taken as introduced inside it.
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "content/object_id.h"
#include "content/provenance.h"
#include "content/skip_log.h"
#include "source/git/pack_set.h"

namespace trawl {

// What a walk finds: the provenance of every blob in scope, and the blobs
// to read.
struct History : Provenance {
  // Unique blob ids to read, in order of first introduction: every blob the
  // in-scope commits introduce, and every blob they compare against.
  std::vector<ObjectId> blobs;
};

// Which commits a walk compares with their parents. The defaults: every
// commit reachable from any ref.
struct HistoryScope {
  std::string tip;      // a revision (ref, branch, tag or commit); empty: every ref
  std::string exclude;  // a revision; commits reachable from it are out of scope
  std::int64_t since = std::numeric_limits<std::int64_t>::min();  // committer time, seconds
  std::int64_t until = std::numeric_limits<std::int64_t>::max();  // committer time, seconds
  std::string ref_prefix;  // with no tip: only refs whose name starts so (e.g. "refs/heads/")
  std::string author;      // only commits whose "name <email>" holds this; empty: any
  // Only introductions at these paths or under these directories
  // ('/'-separated, relative to the root); empty: every path.
  std::vector<std::string> paths;
};

// True when `path` is one of `paths` or under one of them (every path when
// `paths` is empty).
bool path_in_scope(const std::string& path, const std::vector<std::string>& paths);

// Counters a walk advances as it goes, read by a progress line.
struct WalkProgress {
  std::atomic<std::uint64_t> commits_loaded{0};
  std::atomic<std::uint64_t> commits_compared{0};  // with their parents
};

struct WalkOptions {
  unsigned threads = 0;  // 0: all cores
  HistoryScope scope;
  WalkProgress* progress = nullptr;  // optional
};

// Walks the repository whose git directory is `git_dir`, reading commits
// and trees out of `packs` (its packs) where they can be. Objects that
// cannot be read (missing from a partial clone, corrupt) are recorded in
// `skips` and the walk continues past them. Throws GitError when the
// repository itself cannot be opened, its refs cannot be listed, or a
// scope's revision does not name a commit.
History walk_history(const std::string& git_dir, const PackSet& packs, const WalkOptions& options, SkipLog& skips);
// The same, opening the repository's packs for this walk alone.
History walk_history(const std::string& git_dir, const WalkOptions& options, SkipLog& skips);

// Where each of `trees` holds any of the `wanted` blobs, per tree in the
// order given, sorted by path. Subtrees shared between trees (the tips of
// most branches share nearly everything) are searched once. Runs on
// `threads` threads (0: all cores). With `paths`, only the directories on
// those paths are searched: in a walk of every commit, a blob a tip holds at
// a path was introduced at that path by some commit, so the paths of the
// wanted blobs' introductions are the only places to look. Trees are read
// out of `packs` (the repository's packs) where they can be.
std::vector<std::vector<BlobLocation>> locate_blobs(const std::string& git_dir, const PackSet& packs,
                                                    const std::vector<ObjectId>& trees,
                                                    const std::unordered_set<ObjectId, ObjectIdHash>& wanted,
                                                    SkipLog& skips, unsigned threads = 0,
                                                    const std::vector<std::string>* paths = nullptr);
// The same, opening the repository's packs for this search alone.
std::vector<std::vector<BlobLocation>> locate_blobs(const std::string& git_dir, const std::vector<ObjectId>& trees,
                                                    const std::unordered_set<ObjectId, ObjectIdHash>& wanted,
                                                    SkipLog& skips, unsigned threads = 0,
                                                    const std::vector<std::string>* paths = nullptr);

}  // namespace trawl
