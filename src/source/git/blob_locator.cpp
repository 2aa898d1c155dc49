// The blob locator: where the trees of a scan's tips hold the blobs that
// carry its secrets (locate_blobs(), declared in history.h), searching each
// subtree the tips share once, and only the directories on given paths.
#include <tbb/concurrent_unordered_map.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "source/git/history.h"
#include "source/git/object_store.h"
#include "source/git/pack_set.h"
#include "source/git/repository_pool.h"
#include "source/git/tree_diff.h"
#include "source/git/tree_reader.h"

namespace trawl {
namespace {

// Parsed trees each searching thread keeps: each tree is read once.
constexpr std::size_t kLocateTreeCacheBytesPerThread = std::size_t{8} << 20;

// The directories a search descends into: a trie of path components, or
// every directory below kAnyDirectory.
constexpr std::uint32_t kAnyDirectory = 0xffffffffu;
constexpr std::uint32_t kNoDirectory = 0xfffffffeu;
// Names looked up as they stand in a tree's bytes, without a copy.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view name) const { return std::hash<std::string_view>{}(name); }
};
struct DirectoryNode {
  std::unordered_map<std::string, std::uint32_t, NameHash, std::equal_to<>> children;
};

// Memoized per (tree, directory node): the same tree searched from another
// place in the trie may be pruned differently.
struct LocationKey {
  ObjectId tree;
  std::uint32_t node = kAnyDirectory;
  friend bool operator==(const LocationKey&, const LocationKey&) = default;
};
struct LocationKeyHash {
  std::size_t operator()(const LocationKey& k) const { return ObjectIdHash{}(k.tree) * 31 + k.node; }
};
using LocationMemo = tbb::concurrent_unordered_map<LocationKey, std::vector<BlobLocation>, LocationKeyHash>;

// Searches trees for wanted blobs through one thread's TreeReader.
class BlobLocator {
 public:
  explicit BlobLocator(TreeReader& trees) : trees_(trees) {}

  // Every blob under `tree` that is in `wanted`, with its path below it.
  // Subtrees are memoized per tree id, so those shared by many tips are
  // searched once; `tree` itself is not (each tip's root is searched once,
  // and its result is handed over, not copied). The memo is shared by
  // threads: one that finds a tree being searched by another searches it
  // too, and both find the same.
  // Only the directories under `node` of `directories` are searched.
  // Iterative (a tree nested thousands of levels deep costs no call stack),
  // no deeper than kMaxTreeDepth, and never into a tree that holds itself.
  std::vector<BlobLocation> locate(const ObjectId& tree, const std::unordered_set<ObjectId, ObjectIdHash>& wanted,
                                   const std::vector<DirectoryNode>& directories, std::uint32_t node,
                                   LocationMemo& memo) {
    const LocationKey root{tree, node};
    if (auto known = memo.find(root); known != memo.end()) return known->second;
    struct Frame {
      LocationKey key;
      TreeBytes bytes;
      TreeCursor cursor{std::string_view()};
      std::vector<BlobLocation> found;
    };
    std::vector<Frame> stack;
    auto open = [&](const LocationKey& key) {
      Frame& frame = stack.emplace_back();
      frame.key = key;
      frame.bytes = trees_.get(key.tree);
      if (frame.bytes) frame.cursor = TreeCursor(frame.bytes->view());
    };
    open(root);
    while (true) {
      Frame& frame = stack.back();
      if (!frame.cursor.valid()) {
        if (stack.size() == 1) return std::move(frame.found);
        const std::vector<BlobLocation>& done = memo.emplace(frame.key, std::move(frame.found)).first->second;
        stack.pop_back();
        Frame& parent = stack.back();
        const std::string name(parent.cursor.entry().name);
        for (const BlobLocation& inner : done) parent.found.push_back({name + "/" + inner.path, inner.blob});
        parent.cursor.next();
        continue;
      }
      const TreeEntry& entry = frame.cursor.entry();
      if (entry.kind == EntryKind::kBlob && wanted.contains(entry.id)) {
        frame.found.push_back({std::string(entry.name), entry.id});
      } else if (entry.kind == EntryKind::kTree) {
        std::uint32_t inner_node = kAnyDirectory;
        if (frame.key.node != kAnyDirectory) {
          const auto child = directories[frame.key.node].children.find(entry.name);
          inner_node = child == directories[frame.key.node].children.end() ? kNoDirectory : child->second;
        }
        const LocationKey key{entry.id, inner_node};
        if (inner_node == kNoDirectory) {
          // Not on any path searched.
        } else if (auto known = memo.find(key); known != memo.end()) {
          const std::string name(entry.name);
          for (const BlobLocation& inner : known->second) frame.found.push_back({name + "/" + inner.path, inner.blob});
        } else if (stack.size() >= kMaxTreeDepth) {
          trees_.skips().add(SkipReason::kCorruptObject, entry.id.hex(),
                             "tree: nested deeper than " + std::to_string(kMaxTreeDepth) + " levels, not read");
        } else if (std::any_of(stack.begin(), stack.end(), [&](const Frame& f) { return f.key.tree == entry.id; })) {
          trees_.skips().add(SkipReason::kCorruptObject, entry.id.hex(), "tree: contains itself");
        } else {
          open(key);  // the entry is taken up again once its tree is searched
          continue;
        }
      }
      frame.cursor.next();
    }
  }

 private:
  TreeReader& trees_;
};

}  // namespace

std::vector<std::vector<BlobLocation>> locate_blobs(const std::string& git_dir, const PackSet& packs,
                                                    const std::vector<ObjectId>& trees,
                                                    const std::unordered_set<ObjectId, ObjectIdHash>& wanted,
                                                    SkipLog& skips, unsigned threads,
                                                    const std::vector<std::string>* paths) {
  std::vector<std::vector<BlobLocation>> out(trees.size());
  if (wanted.empty()) return out;
  // The trie of directories the paths pass through; without paths, all.
  std::vector<DirectoryNode> directories;
  std::uint32_t root = kAnyDirectory;
  if (paths != nullptr) {
    directories.emplace_back();
    root = 0;
    for (const std::string& path : *paths) {
      std::uint32_t node = 0;
      for (std::size_t at = 0, slash = path.find('/'); slash != std::string::npos;
           at = slash + 1, slash = path.find('/', at)) {
        const auto [child, added] = directories[node].children.try_emplace(
            path.substr(at, slash - at), static_cast<std::uint32_t>(directories.size()));
        const std::uint32_t next = child->second;
        if (added) directories.emplace_back();
        node = next;
      }
    }
  }
  RepositoryPool pool(git_dir, &packs);
  const ObjectStore store(packs);
  tbb::enumerable_thread_specific<TreeWorker> workers;
  LocationMemo memo;
  tbb::task_arena arena(threads == 0 ? tbb::this_task_arena::max_concurrency() : static_cast<int>(threads));
  // Each distinct tree searched once (tips often share one), in the order
  // the packs hold them: the versions of a tree that share a delta chain
  // come one after another, so each costs the store one delta from the
  // version before, not the chain from its base.
  std::vector<ObjectId> distinct;
  std::vector<std::size_t> which(trees.size());  // tip -> index in `distinct`
  {
    std::unordered_map<ObjectId, std::size_t, ObjectIdHash> index;
    for (std::size_t i = 0; i < trees.size(); ++i) {
      const auto [at, added] = index.try_emplace(trees[i], distinct.size());
      if (added) distinct.push_back(trees[i]);
      which[i] = at->second;
    }
  }
  std::vector<std::vector<BlobLocation>> found(distinct.size());
  const std::vector<std::size_t> order = pack_position_order(packs, distinct);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, order.size(), [&](std::size_t k) {
      const std::size_t d = order[k];
      // Each tree is searched once, so the reader keeps few.
      BlobLocator locator(workers.local().reader(pool, store, skips, kLocateTreeCacheBytesPerThread));
      found[d] = locator.locate(distinct[d], wanted, directories, root, memo);
      std::sort(found[d].begin(), found[d].end(),
                [](const BlobLocation& a, const BlobLocation& b) { return a.path < b.path; });
    });
  });
  // Copied to every tip on the tree but the last, which takes it.
  std::vector<std::size_t> last(distinct.size());
  for (std::size_t i = 0; i < trees.size(); ++i) last[which[i]] = i;
  for (std::size_t i = 0; i < trees.size(); ++i) {
    out[i] = last[which[i]] == i ? std::move(found[which[i]]) : found[which[i]];
  }
  return out;
}

std::vector<std::vector<BlobLocation>> locate_blobs(const std::string& git_dir, const std::vector<ObjectId>& trees,
                                                    const std::unordered_set<ObjectId, ObjectIdHash>& wanted,
                                                    SkipLog& skips, unsigned threads,
                                                    const std::vector<std::string>* paths) {
  if (wanted.empty()) return std::vector<std::vector<BlobLocation>>(trees.size());
  const PackSet packs(git_dir);
  return locate_blobs(git_dir, packs, trees, wanted, skips, threads, paths);
}

}  // namespace trawl
