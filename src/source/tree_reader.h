// Reads and parses git tree objects straight from the object database, with
// a per-thread cache of parsed trees.
//
// The history walk compares every commit's tree with its parents' trees, so
// the same large trees (a monorepo root of thousands of entries) are needed
// again and again. libgit2's object cache keeps only small trees by default
// and its eviction scans the whole cache map when full; parsing trees here,
// into flat entry arrays kept in a bounded two-generation cache, makes each
// tree cost one inflate and one parse for as long as commits near each other
// in the walk use it.
#pragma once

#include <git2.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "source/object_id.h"
#include "source/skip_log.h"

namespace trawl {

enum class EntryKind : std::uint8_t { kBlob, kTree, kSubmodule, kOther };

struct TreeEntry {
  std::string_view name;  // points into the owning ParsedTree's bytes
  EntryKind kind;
  ObjectId id;
};

struct ParsedTree {
  std::vector<char> bytes;
  std::vector<TreeEntry> entries;  // in the tree's own (git's) order
};

// Orders entries as git sorts them in a tree: by name, a tree's name
// compared as if it ended in '/'.
int compare_tree_entries(const TreeEntry& a, const TreeEntry& b);

// Parses raw tree object bytes. Returns false if they are malformed.
bool parse_tree(std::vector<char> bytes, ParsedTree& out);

class TreeReader {
 public:
  // `odb` must outlive the reader; unreadable trees are logged to `skips`.
  TreeReader(git_odb* odb, SkipLog& skips, std::size_t cache_bytes);

  // The parsed tree, or null when it is missing, corrupt or not a tree.
  std::shared_ptr<const ParsedTree> get(const ObjectId& id);

 private:
  git_odb* odb_;
  SkipLog& skips_;
  std::size_t generation_budget_;
  std::size_t current_bytes_ = 0;
  using Map = std::unordered_map<ObjectId, std::shared_ptr<const ParsedTree>, ObjectIdHash>;
  Map current_;
  Map previous_;
};

}  // namespace trawl
