// Reads git tree objects straight from the object database, keeps their raw
// bytes in a per-thread cache, and walks their entries without building any
// per-entry structure.
//
// The history walk compares every commit's tree with its parents' trees, so
// the same large trees (a monorepo root of thousands of entries) are needed
// again and again, and most of their entries are byte-for-byte identical to
// the parent's. libgit2's object cache keeps only small trees by default and
// its eviction scans the whole cache map when full; here each tree costs one
// inflate for as long as commits near each other in the walk use it, and an
// unchanged run of entries costs one memcmp.
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
  std::string_view raw;   // the whole entry: "mode name\0" and the 20-byte id
  std::string_view name;  // points into the tree's bytes
  EntryKind kind = EntryKind::kOther;
  ObjectId id;
};

// Orders entries as git sorts them in a tree: by name, a tree's name
// compared as if it ended in '/'.
int compare_tree_entries(const TreeEntry& a, const TreeEntry& b);

// Steps through the entries of a tree object's bytes. A malformed entry ends
// the walk (valid() turns false and malformed() true).
class TreeCursor {
 public:
  explicit TreeCursor(std::string_view bytes) : rest_(bytes) { next(); }
  bool valid() const { return valid_; }
  bool malformed() const { return malformed_; }
  const TreeEntry& entry() const { return entry_; }
  void next();

 private:
  std::string_view rest_;
  TreeEntry entry_;
  bool valid_ = false;
  bool malformed_ = false;
};

// A tree object's bytes and where each of its entries starts.
struct CachedTree {
  std::vector<char> bytes;
  std::vector<std::uint32_t> entry_offsets;
  std::string_view view() const { return {bytes.data(), bytes.size()}; }
};
using TreeBytes = std::shared_ptr<const CachedTree>;

class TreeReader {
 public:
  // `odb` must outlive the reader; unreadable trees are logged to `skips`.
  TreeReader(git_odb* odb, SkipLog& skips, std::size_t cache_bytes);

  // The tree, or null when it is missing, corrupt or not a tree.
  TreeBytes get(const ObjectId& id);

 private:
  git_odb* odb_;
  SkipLog& skips_;
  std::size_t generation_budget_;
  std::size_t current_bytes_ = 0;
  using Map = std::unordered_map<ObjectId, TreeBytes, ObjectIdHash>;
  Map current_;
  Map previous_;
};

}  // namespace trawl
