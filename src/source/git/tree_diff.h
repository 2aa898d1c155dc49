// Tree diffing: what one commit changes relative to its parents.
//
// diff_commit() compares a commit's tree with its parents' trees (identical
// subtrees skipped by id, unchanged runs of entries by one memcmp) and
// returns, by path, the blobs the commit introduces and the blobs that stop
// being at a path. Its result depends on nothing but the trees named, which
// are immutable: it can be cached under (tree, parent trees).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "content/object_id.h"
#include "content/skip_log.h"
#include "source/git/object_store.h"
#include "source/git/repository_pool.h"
#include "source/git/tree_reader.h"

namespace trawl {

// A blob entering the history at `path`: the same path in every parent held
// a different blob or nothing.
struct PathIntroduction {
  std::string path;
  ObjectId blob;
  // The blob each parent held at `path`, in parent order; a zero id where the
  // parent had nothing there. Empty for a commit without parents.
  std::vector<ObjectId> parent_blobs;
};

// A path that stops holding `old_blob` relative to the first parent: the file
// was changed (new_blob is what replaced it) or deleted (new_blob is zero).
struct PathDeparture {
  std::string path;
  ObjectId old_blob;
  ObjectId new_blob;
};

struct CommitChanges {
  std::vector<PathIntroduction> introductions;  // in tree order
  std::vector<PathDeparture> departures;        // sorted by path
  std::vector<ObjectId> submodules;             // gitlinks added or changed
  // Every tree on the way could be read. Trees that could not are logged by
  // the TreeReader and taken as empty; a cache should keep only complete
  // results, so that a later walk logs them again.
  bool complete = true;
};

// A blob that differs between two trees at `path`.
struct TreeChange {
  std::string path;
  ObjectId blob;
  ObjectId old_blob;  // zero when the old tree had no blob at this path
};

// Compares trees by merging their sorted entry lists, descending only into
// subtrees whose ids differ. One per thread: it reads through that thread's
// TreeReader.
class TreeDiffer {
 public:
  explicit TreeDiffer(TreeReader& trees) : trees_(trees) {}

  // Blobs in `new_tree` that `old_tree` (may be null) lacks at the same path
  // go to `out`; blobs at paths `new_tree` no longer has go to `deleted`
  // (with a zero `blob`).
  void diff(const ObjectId* old_tree, const ObjectId& new_tree, const std::string& prefix, std::vector<TreeChange>& out,
            std::vector<TreeChange>& deleted, std::vector<ObjectId>& submodules);

  // A path below a tree, and where the blob found there goes.
  struct PathQuery {
    std::string_view path;
    std::size_t answer;
  };

  // For each query, the blob at its path in `tree`, or a zero id where the
  // path leads nowhere: in each tree on the way, the first entry of the
  // path's next name decides. Each tree is read and scanned once for all the
  // paths through it (a merge asks for every path its other side changed).
  void blobs_at(const ObjectId& tree, std::vector<PathQuery>& queries, std::vector<ObjectId>& answers);

  // Whether every tree asked for since the last call was read; resets.
  bool take_complete() {
    const bool complete = complete_;
    complete_ = true;
    return complete;
  }

 private:
  // Every blob under a tree entry that went away (the entry itself when it is
  // a blob).
  void list_deleted(const TreeEntry& entry, const std::string& prefix, std::vector<TreeChange>& deleted);

  // Narrows both trees to the entries between their common leading and
  // trailing runs of identical entries: a commit that changes one file in a
  // directory of thousands costs two memcmps, not a walk of every entry.
  static void skip_common_entries(const ObjectId& old_id, const CachedTree& old_tree, const CachedTree& new_tree,
                                  std::string_view& old_part, std::string_view& new_part);

  TreeReader& trees_;
  bool complete_ = true;
};

// What a commit whose tree is `tree` and whose parents' trees are
// `parent_trees` (in parent order; empty for a root or boundary commit)
// changes: the blobs it introduces (new relative to parent 0, and absent at
// the same path from every other parent) and the paths where parent 0's blob
// is replaced or deleted.
CommitChanges diff_commit(TreeDiffer& differ, const ObjectId& tree, std::span<const ObjectId> parent_trees);

// A thread's tree reader, with its own object database handle for what the
// store cannot read, made on first use.
class TreeWorker {
 public:
  TreeReader& reader(RepositoryPool& pool, const ObjectStore& store, SkipLog& skips, std::size_t cache_bytes);

 private:
  OdbPtr odb_;
  std::unique_ptr<TreeReader> reader_;
};

}  // namespace trawl
