// The commit graph of a repository and where each blob entered it.
//
// walk_history() enumerates every ref, every commit reachable from them and,
// by comparing each commit's tree with its parents' trees, every place a blob
// was introduced: a (commit, path) where the blob appears and the same path in
// every parent held a different blob or nothing. Root commits (and commits at
// a shallow clone's boundary) introduce every blob they hold. Blob contents
// are not read here; see blob_reader.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "source/object_id.h"
#include "source/skip_log.h"

namespace trawl {

struct RefInfo {
  std::string name;  // e.g. "refs/heads/main", "refs/tags/v1", "HEAD"
  ObjectId commit;   // the commit it peels to
};

struct CommitInfo {
  ObjectId id;
  std::string author_name;
  std::string author_email;
  std::int64_t author_time = 0;  // seconds since the epoch, UTC
  std::string summary;           // first line of the message
  std::vector<std::uint32_t> parents;  // indices into History::commits
};

// A blob entering the history at (commit, path).
struct BlobIntroduction {
  std::uint32_t commit = 0;  // index into History::commits
  std::string path;
  ObjectId blob;
  // The blob each parent held at `path`, in parent order; a zero id where the
  // parent had nothing there. Empty for root and boundary commits.
  std::vector<ObjectId> parent_blobs;
};

struct History {
  std::vector<RefInfo> refs;           // sorted by name
  std::vector<CommitInfo> commits;     // parents before children
  std::vector<BlobIntroduction> introductions;  // in commit order, then path
  std::vector<ObjectId> blobs;         // unique blob ids, in order of first introduction
  bool shallow = false;                // history ends at a shallow boundary
};

struct WalkOptions {
  unsigned threads = 0;  // 0: all cores
};

// Walks the repository whose git directory is `git_dir`. Objects that cannot
// be read (missing from a partial clone, corrupt) are recorded in `skips` and
// the walk continues past them. Throws GitError only when the repository
// itself cannot be opened or its refs cannot be listed.
History walk_history(const std::string& git_dir, const WalkOptions& options, SkipLog& skips);

}  // namespace trawl
