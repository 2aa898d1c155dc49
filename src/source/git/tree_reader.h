// Reads git tree objects through the ObjectStore (through libgit2's object
// database those it cannot read), keeps them in a per-thread cache with
// where each entry starts, and walks their entries without building any
// per-entry structure.
//
// The history walk compares every commit's tree with its parents' trees, so
// the same large trees (a monorepo root of thousands of entries) are needed
// again and again, and most of their entries are byte-for-byte identical to
// the parent's. Here each tree is read once for as long as commits near each
// other in the walk use it, its entries are listed once (from its parent's
// version's list where the bytes are the same), and an unchanged run of
// entries costs one memcmp.
#pragma once

#include <git2.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "content/object_id.h"
#include "content/skip_log.h"
#include "source/git/clock_cache.h"
#include "source/git/object_store.h"

namespace trawl {

enum class EntryKind : std::uint8_t { kBlob, kTree, kSubmodule, kOther };

struct TreeEntry {
  std::string_view raw;   // the whole entry: "mode name\0" and the 20-byte id
  std::string_view name;  // points into the tree's bytes
  EntryKind kind = EntryKind::kOther;
  ObjectId id;
};

// How many leading (common_prefix) or trailing (common_suffix) bytes of a and
// b, n bytes each, are equal; long equal runs cost a few memcmp calls.
std::size_t common_prefix(const char* a, const char* b, std::size_t n);
std::size_t common_suffix(const char* a, const char* b, std::size_t n);

// Orders entries as git sorts them in a tree: by name, a tree's name
// compared as if it ended in '/'.
int compare_tree_entries(const TreeEntry& a, const TreeEntry& b);

// Steps through the entries of a tree object's bytes. An entry ends 20 bytes
// after its first NUL; one that is not "<octal mode> <name>" with a name and
// a mode git knows is malformed: it is stepped over as kOther and
// malformed() turns true, and the entries after it are read as usual. Bytes
// that end inside an entry end the walk (valid() turns false, truncated()
// and malformed() true).
class TreeCursor {
 public:
  explicit TreeCursor(std::string_view bytes) : rest_(bytes) { next(); }
  bool valid() const { return valid_; }
  bool malformed() const { return malformed_; }
  bool truncated() const { return truncated_; }
  const TreeEntry& entry() const { return entry_; }
  void next();

 private:
  std::string_view rest_;
  TreeEntry entry_;
  bool valid_ = false;
  bool malformed_ = false;
  bool truncated_ = false;
};

// A tree object's bytes and where each of its entries starts.
struct CachedTree {
  StoredObjectPtr object;  // shared with the store's cache
  std::vector<std::uint32_t> entry_offsets;
  std::vector<std::uint32_t> malformed_offsets;  // of the entries a TreeCursor finds malformed
  bool complete = false;                         // the entries run to the end: the last is not cut short
  // Complete, well-formed and in git's order with no entry twice (each
  // entry before the next by compare_tree_entries): an entry can be looked
  // up by halving (find_entry) with the answer a walk from the start gives.
  bool sorted = false;
  // When the entries were listed from another version of the tree: which,
  // and how many bytes the two share at the start and at the end.
  struct Shared {
    ObjectId with;
    std::size_t prefix = 0;
    std::size_t suffix = 0;
  };
  std::optional<Shared> shared;
  std::string_view view() const { return object->view(); }
};
using TreeBytes = std::shared_ptr<const CachedTree>;

// The first entry of a sorted tree (CachedTree::sorted) whose name is
// `name`, as a walk through its entries meets it: one that is not a tree
// comes before a tree of the same name. Empty when none is.
std::optional<TreeEntry> find_entry(const CachedTree& tree, std::string_view name);

// Fills `tree.entry_offsets`, `tree.malformed_offsets`, `tree.complete` and `tree.sorted` from its bytes: the entries
// a TreeCursor would step through. `like`, when given, is another tree
// (usually an earlier version of the same directory): where the two share
// leading and trailing bytes, its entries are taken over instead of parsed
// again, with the same result. Returns the (prefix, suffix) shared with
// `like`, when it was used.
std::optional<std::pair<std::size_t, std::size_t>> list_tree_entries(CachedTree& tree, const CachedTree* like);

class TreeReader {
 public:
  // `store` and `odb` must outlive the reader; trees the store cannot read
  // are read as read_structured_object() does (loose_object.h): loose ones
  // under `git_dir` checked against their ids, the rest through `odb`; those
  // that cannot be read are logged to `skips`, and so are trees with
  // malformed entries, as malformed.
  TreeReader(const ObjectStore& store, std::string git_dir, git_odb* odb, SkipLog& skips, std::size_t cache_bytes);

  // The tree, or null when it is missing, corrupt or not a tree. `like`,
  // when given, is the id of a version of the same directory the caller
  // compares it with; when this reader holds that one, the entries are
  // listed from its entries where the bytes are the same.
  TreeBytes get(const ObjectId& id, const ObjectId* like = nullptr);

  // Takes `object` as the tree `id`, as if read (for trees held elsewhere).
  void preload(const ObjectId& id, StoredObjectPtr object);

  // Where what cannot be read is logged.
  SkipLog& skips() { return skips_; }

 private:
  StoredObjectPtr read(const ObjectId& id);

  const ObjectStore& store_;
  std::string git_dir_;
  git_odb* odb_;
  SkipLog& skips_;
  ClockCache<ObjectId, TreeBytes, ObjectIdHash> cache_;
  StoredObjectPtr preloaded_;
};

}  // namespace trawl
