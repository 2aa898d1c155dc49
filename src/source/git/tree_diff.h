// Tree diffing: what one commit changes relative to its parents.
//
// diff_commit() compares a commit's tree with its parents' trees (identical
// subtrees skipped by id, unchanged runs of entries by one memcmp) and
// returns, by path, the blobs the commit introduces and the blobs that stop
// being at a path. Its result depends on nothing but the trees named, which
// are immutable: it can be cached under (tree, parent trees).
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
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
  // The blobs the parents held at `path` (see diff_commit); a zero id for
  // parents that had nothing there. Empty for a commit without parents.
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

// Trees nested deeper than this are not descended into (git itself refuses
// paths this deep); what lies below is logged as skipped.
inline constexpr std::size_t kMaxTreeDepth = 4096;

// Tree entries one commit's comparison with its parents may step through
// (its own tree's, its parents' and the other parents' on the changed
// paths): far more than any real repository's largest tree holds, and a
// bound on trees that reach the same subtrees again and again (a few
// kilobytes can name 2^30 paths). Beyond it the commit's comparison stops
// and the commit is logged as skipped in part.
inline constexpr std::uint64_t kMaxEntriesPerCommit = std::uint64_t{1} << 25;

// The paths of a commit's changes as a trie of directories, for looking them
// all up in other trees at once.
class PathTrie {
 public:
  static constexpr std::uint32_t kNone = ~std::uint32_t{0};
  struct Node {
    std::vector<std::pair<std::string_view, std::uint32_t>> directories;  // name, node; sorted
    std::vector<std::pair<std::string_view, std::uint32_t>> leaves;       // name, path's index; sorted
    std::bitset<256> first_bytes;                                         // of every name here
  };
  // `paths` must outlive the trie; node 0 is the root.
  explicit PathTrie(const std::vector<std::string_view>& paths);
  const Node& node(std::uint32_t index) const { return nodes_[index]; }

 private:
  std::vector<Node> nodes_;
};

// A blob parent `parent` holds at the path of change `change`.
struct HeldBlob {
  std::uint32_t change;
  std::uint32_t parent;
  ObjectId blob;
};

// Compares trees by merging their sorted entry lists, descending only into
// subtrees whose ids differ. One per thread: it reads through that thread's
// TreeReader. Every walk is iterative and bounded: no deeper than
// kMaxTreeDepth, never into a tree that holds itself (possible only for one
// whose bytes do not hash to its id); what is not read is logged.
class TreeDiffer {
 public:
  explicit TreeDiffer(TreeReader& trees, std::uint64_t entry_budget = kMaxEntriesPerCommit)
      : trees_(trees), entry_budget_(entry_budget), entries_left_(entry_budget) {}

  // Starts the entry budget of the comparisons for the commit whose tree is
  // `tree` (named when the budget runs out).
  void start_budget(const ObjectId& tree) {
    entries_left_ = entry_budget_;
    budget_tree_ = tree;
  }

  // Blobs in `new_tree` that `old_tree` (may be null) lacks at the same path
  // go to `out`; blobs at paths `new_tree` no longer has go to `deleted`
  // (with a zero `blob`).
  void diff(const ObjectId* old_tree, const ObjectId& new_tree, const std::string& prefix, std::vector<TreeChange>& out,
            std::vector<TreeChange>& deleted, std::vector<ObjectId>& submodules);

  // Every blob a parent's `tree` holds at one of the trie's paths, as
  // (path's index, `parent`, blob), appended to `held`: in each tree on the
  // way, the first entry of the path's next name decides. Only the
  // directories on the paths are read, each once for all the paths through
  // it (a merge asks for every path its other side changed).
  void blobs_at(const ObjectId& tree, const PathTrie& paths, std::uint32_t parent, std::vector<HeldBlob>& held);

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

  // Whether tree `id` may be opened `depth` levels down a walk whose open
  // trees are `on_path`; logs it when not.
  bool may_descend(const ObjectId& id, std::size_t depth, const std::vector<ObjectId>& on_path);

  // Takes one entry from the budget; false (logged once) when it has run out.
  bool spend();

  // Narrows both trees to the entries between their common leading and
  // trailing runs of identical entries: a commit that changes one file in a
  // directory of thousands costs two memcmps, not a walk of every entry.
  static void skip_common_entries(const ObjectId& old_id, const CachedTree& old_tree, const CachedTree& new_tree,
                                  std::string_view& old_part, std::string_view& new_part);

  TreeReader& trees_;
  bool complete_ = true;
  std::uint64_t entry_budget_;
  std::uint64_t entries_left_;
  ObjectId budget_tree_;
};

// What a commit whose tree is `tree` and whose parents' trees are
// `parent_trees` (in parent order; empty for a root or boundary commit)
// changes: the blobs it introduces (new relative to parent 0, and absent at
// the same path from every other parent) and the paths where parent 0's blob
// is replaced or deleted. An introduction's parent_blobs are parent 0's blob
// at its path (zero for none), then each other blob the other parents hold
// there, once each in parent order, then a zero when some other parent
// holds nothing there and no zero is listed yet: what attribution needs,
// in space that does not grow with the number of parents.
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
