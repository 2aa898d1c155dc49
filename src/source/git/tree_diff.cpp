// Tree diffing: TreeDiffer compares two trees entry by entry, and
// diff_commit() turns a commit's comparisons with its parents into the blobs
// it introduces and the paths it changes or deletes.
#include "source/git/tree_diff.h"

#include <git2.h>

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "source/git/git_handles.h"

namespace trawl {

namespace {

// One tree being compared: both versions' bytes (held while their cursors
// point into them), where the cursors are, and how long the path of its
// entries is.
struct DiffFrame {
  ObjectId id;
  TreeBytes old_bytes;
  TreeBytes new_bytes;
  TreeCursor o{std::string_view()};
  TreeCursor n{std::string_view()};
  std::size_t path_size = 0;
};

// One tree being listed for list_deleted.
struct ListFrame {
  ObjectId id;
  TreeBytes bytes;
  TreeCursor c{std::string_view()};
  std::size_t path_size = 0;
};

}  // namespace

bool TreeDiffer::may_descend(const ObjectId& id, std::size_t depth, const std::vector<ObjectId>& on_path) {
  if (depth >= kMaxTreeDepth) {
    trees_.skips().add(SkipReason::kCorruptObject, id.hex(),
                       "tree: nested deeper than " + std::to_string(kMaxTreeDepth) + " levels, not read");
    complete_ = false;
    return false;
  }
  // Only a tree whose bytes do not hash to its id can hold itself; the
  // depth bound keeps this search short.
  if (std::find(on_path.begin(), on_path.end(), id) != on_path.end()) {
    trees_.skips().add(SkipReason::kCorruptObject, id.hex(), "tree: contains itself");
    complete_ = false;
    return false;
  }
  return true;
}

bool TreeDiffer::spend() {
  if (entries_left_ > 0) {
    --entries_left_;
    return true;
  }
  trees_.skips().add(
      SkipReason::kCorruptObject, budget_tree_.hex(),
      "tree: more than " + std::to_string(entry_budget_) + " entries to compare for one commit, the rest not read");
  complete_ = false;
  return false;
}

// Iterative, with one path string for the whole walk: a tree nested
// thousands of levels deep costs neither the call stack nor a copy of its
// path per level.
void TreeDiffer::diff(const ObjectId* old_tree, const ObjectId& new_tree, const std::string& prefix,
                      std::vector<TreeChange>& out, std::vector<TreeChange>& deleted,
                      std::vector<ObjectId>& submodules) {
  std::string path = prefix;
  std::vector<DiffFrame> stack;
  std::vector<ObjectId> on_path;
  auto open = [&](const ObjectId* old_id, const ObjectId& new_id) {
    if (!may_descend(new_id, stack.size(), on_path)) return;
    TreeBytes new_bytes = trees_.get(new_id, old_id);
    if (!new_bytes) {
      complete_ = false;
      return;
    }
    TreeBytes old_bytes = old_id != nullptr ? trees_.get(*old_id) : nullptr;
    if (old_id != nullptr && !old_bytes) complete_ = false;
    std::string_view new_part = new_bytes->view();
    std::string_view old_part = old_bytes ? old_bytes->view() : std::string_view();
    if (old_bytes) skip_common_entries(*old_id, *old_bytes, *new_bytes, old_part, new_part);
    DiffFrame& frame = stack.emplace_back();
    frame.id = new_id;
    frame.old_bytes = std::move(old_bytes);
    frame.new_bytes = std::move(new_bytes);
    frame.o = TreeCursor(old_part);
    frame.n = TreeCursor(new_part);
    frame.path_size = path.size();
    on_path.push_back(new_id);
  };
  open(old_tree, new_tree);
  while (!stack.empty()) {
    DiffFrame& frame = stack.back();
    path.resize(frame.path_size);
    TreeCursor& o = frame.o;
    TreeCursor& n = frame.n;
    if (!n.valid()) {
      for (; o.valid() && spend(); o.next()) list_deleted(o.entry(), path, deleted);
      stack.pop_back();
      on_path.pop_back();
      continue;
    }
    if (!spend()) return;
    const TreeEntry entry = n.entry();
    n.next();
    // Most entries are unchanged: identical bytes, same mode, name and id.
    if (o.valid() && o.entry().raw == entry.raw) {
      o.next();
      continue;
    }
    for (; o.valid() && compare_tree_entries(o.entry(), entry) < 0 && spend(); o.next()) {
      list_deleted(o.entry(), path, deleted);
    }
    const bool same_name = o.valid() && compare_tree_entries(o.entry(), entry) == 0;
    const bool old_same_kind = same_name && o.entry().kind == entry.kind;
    const ObjectId old_id = old_same_kind ? o.entry().id : ObjectId{};
    if (same_name) {
      if (!old_same_kind) list_deleted(o.entry(), path, deleted);
      o.next();
    }
    if (old_same_kind && old_id == entry.id) continue;  // a mode change only
    switch (entry.kind) {
      case EntryKind::kTree:
        path.append(entry.name);
        path += '/';
        open(old_same_kind ? &old_id : nullptr, entry.id);  // may move `frame`
        break;
      case EntryKind::kBlob:
        out.push_back({path + std::string(entry.name), entry.id, old_id});
        break;
      case EntryKind::kSubmodule:
        submodules.push_back(entry.id);
        break;
      case EntryKind::kOther:
        break;
    }
  }
}

void TreeDiffer::list_deleted(const TreeEntry& entry, const std::string& prefix, std::vector<TreeChange>& deleted) {
  if (entry.kind == EntryKind::kBlob) {
    deleted.push_back({prefix + std::string(entry.name), ObjectId{}, entry.id});
    return;
  }
  if (entry.kind != EntryKind::kTree) return;
  std::string path = prefix + std::string(entry.name) + "/";
  std::vector<ListFrame> stack;
  std::vector<ObjectId> on_path;
  auto open = [&](const ObjectId& id) {
    if (!may_descend(id, stack.size(), on_path)) return;
    TreeBytes bytes = trees_.get(id);
    if (!bytes) {
      complete_ = false;
      return;
    }
    ListFrame& frame = stack.emplace_back();
    frame.id = id;
    frame.c = TreeCursor(bytes->view());
    frame.bytes = std::move(bytes);
    frame.path_size = path.size();
    on_path.push_back(id);
  };
  open(entry.id);
  while (!stack.empty()) {
    ListFrame& frame = stack.back();
    path.resize(frame.path_size);
    if (!frame.c.valid()) {
      stack.pop_back();
      on_path.pop_back();
      continue;
    }
    if (!spend()) return;
    const TreeEntry inner = frame.c.entry();
    frame.c.next();
    if (inner.kind == EntryKind::kBlob) {
      deleted.push_back({path + std::string(inner.name), ObjectId{}, inner.id});
    } else if (inner.kind == EntryKind::kTree) {
      path.append(inner.name);
      path += '/';
      open(inner.id);
    }
  }
}

void TreeDiffer::skip_common_entries(const ObjectId& old_id, const CachedTree& old_tree, const CachedTree& new_tree,
                                     std::string_view& old_part, std::string_view& new_part) {
  const std::string_view a = old_tree.view();
  const std::string_view b = new_tree.view();
  std::size_t prefix;
  std::size_t suffix;
  if (new_tree.shared && new_tree.shared->with == old_id) {
    // Measured already, when the new tree's entries were listed from the old one's.
    prefix = new_tree.shared->prefix;
    suffix = new_tree.shared->suffix;
  } else {
    const std::size_t shorter = std::min(a.size(), b.size());
    prefix = common_prefix(a.data(), b.data(), shorter);
    suffix = common_suffix(a.data() + a.size() - (shorter - prefix), b.data() + b.size() - (shorter - prefix),
                           shorter - prefix);
  }

  // Entries before the one holding the first difference are shared.
  const auto& new_offsets = new_tree.entry_offsets;
  auto first = std::upper_bound(new_offsets.begin(), new_offsets.end(), static_cast<std::uint32_t>(prefix));
  const std::size_t begin = first == new_offsets.begin() ? 0 : *(first - 1);
  // Entries that start inside the common tail are shared, if that tail
  // starts on an entry boundary in the old tree too.
  std::size_t new_end = b.size();
  std::size_t old_end = a.size();
  auto tail = std::lower_bound(new_offsets.begin(), new_offsets.end(), static_cast<std::uint32_t>(b.size() - suffix));
  if (tail != new_offsets.end() && *tail >= begin) {
    const std::size_t candidate_old = *tail - b.size() + a.size();
    if (std::binary_search(old_tree.entry_offsets.begin(), old_tree.entry_offsets.end(),
                           static_cast<std::uint32_t>(candidate_old)) &&
        candidate_old >= begin) {
      new_end = *tail;
      old_end = candidate_old;
    }
  }
  new_part = b.substr(begin, new_end - begin);
  old_part = a.substr(begin, old_end - begin);
}

PathTrie::PathTrie(const std::vector<std::string_view>& paths) {
  nodes_.emplace_back();
  std::vector<std::unordered_map<std::string_view, std::uint32_t>> directories(1);
  for (std::uint32_t i = 0; i < paths.size(); ++i) {
    std::string_view rest = paths[i];
    std::uint32_t node = 0;
    for (std::size_t slash = rest.find('/'); slash != std::string_view::npos; slash = rest.find('/')) {
      const auto [child, added] =
          directories[node].try_emplace(rest.substr(0, slash), static_cast<std::uint32_t>(nodes_.size()));
      node = child->second;
      if (added) {
        nodes_.emplace_back();
        directories.emplace_back();
      }
      rest.remove_prefix(slash + 1);
    }
    nodes_[node].leaves.emplace_back(rest, i);
  }
  for (std::uint32_t n = 0; n < nodes_.size(); ++n) {
    Node& node = nodes_[n];
    node.directories.assign(directories[n].begin(), directories[n].end());
    std::sort(node.directories.begin(), node.directories.end());
    std::sort(node.leaves.begin(), node.leaves.end());
    for (const auto& named : node.directories) {
      if (!named.first.empty()) node.first_bytes.set(static_cast<unsigned char>(named.first[0]));
    }
    for (const auto& named : node.leaves) {
      if (!named.first.empty()) node.first_bytes.set(static_cast<unsigned char>(named.first[0]));
    }
  }
}

void TreeDiffer::blobs_at(const ObjectId& tree, const PathTrie& paths, std::uint32_t parent,
                          std::vector<HeldBlob>& held) {
  struct Visit {
    ObjectId tree;
    std::uint32_t node;
  };
  std::vector<Visit> stack{{tree, 0}};
  // A name's first entry decides, as git looks a path up: names met again
  // in the same tree are passed over.
  std::unordered_set<std::string_view> met;
  using Named = std::pair<std::string_view, std::uint32_t>;
  const auto by_name = [](const Named& a, const Named& b) { return a.first < b.first; };
  while (!stack.empty()) {
    const Visit visit = stack.back();
    stack.pop_back();
    const TreeBytes bytes = trees_.get(visit.tree);
    if (!bytes) {
      complete_ = false;
      continue;
    }
    const PathTrie::Node& node = paths.node(visit.node);
    // What the first entry of a name means here: a tree on the paths is
    // searched next, a blob is held at each path that ends in its name.
    auto take = [&](const TreeEntry& entry) {
      const Named key{entry.name, 0};
      if (entry.kind == EntryKind::kTree) {
        const auto directory = std::lower_bound(node.directories.begin(), node.directories.end(), key, by_name);
        // The trie is finite, so a tree that holds itself is searched once
        // per level of it at most.
        if (directory != node.directories.end() && directory->first == entry.name) {
          stack.push_back({entry.id, directory->second});
        }
      } else if (entry.kind == EntryKind::kBlob) {
        const auto leaves = std::equal_range(node.leaves.begin(), node.leaves.end(), key, by_name);
        for (auto l = leaves.first; l != leaves.second; ++l) held.push_back({l->second, parent, entry.id});
      }
    };
    if (bytes->sorted) {
      // Each name looked up by halving (a large tree holds few of the
      // changed paths), with the answer the walk below gives.
      auto look_up = [&](std::string_view name) {
        if (!spend()) return false;
        if (const std::optional<TreeEntry> entry = find_entry(*bytes, name)) take(*entry);
        return true;
      };
      // Every name once: a name can be both a leaf and a directory, and
      // several leaves can share one.
      std::string_view previous;
      bool first = true;
      bool go_on = true;
      for (const auto& [name, index] : node.leaves) {
        if (!first && name == previous) continue;
        first = false;
        previous = name;
        if (!(go_on = look_up(name))) break;
      }
      for (const auto& [name, index] : node.directories) {
        if (!go_on) break;
        if (std::binary_search(node.leaves.begin(), node.leaves.end(), Named{name, 0}, by_name)) continue;
        go_on = look_up(name);
      }
      if (!go_on) return;
      continue;
    }
    met.clear();
    for (TreeCursor c(bytes->view()); c.valid(); c.next()) {
      if (!spend()) return;
      const TreeEntry& entry = c.entry();
      if (entry.name.empty() || !node.first_bytes.test(static_cast<unsigned char>(entry.name[0]))) continue;
      const Named key{entry.name, 0};
      const bool on_paths = std::binary_search(node.leaves.begin(), node.leaves.end(), key, by_name) ||
                            std::binary_search(node.directories.begin(), node.directories.end(), key, by_name);
      if (!on_paths || !met.insert(entry.name).second) continue;
      take(entry);
    }
  }
}

CommitChanges diff_commit(TreeDiffer& differ, const ObjectId& tree, std::span<const ObjectId> parent_trees) {
  differ.take_complete();
  differ.start_budget(tree);
  CommitChanges result;
  std::vector<TreeChange> changes;
  std::vector<TreeChange> deleted;
  differ.diff(parent_trees.empty() ? nullptr : &parent_trees[0], tree, "", changes, deleted, result.submodules);

  for (TreeChange& change : deleted) result.departures.push_back({std::move(change.path), change.old_blob, {}});
  // What the other parents of a merge hold at the changed paths. Each
  // distinct parent tree is searched once, only along the changed paths, and
  // only what a parent holds is recorded: an octopus merge of thousands of
  // branches costs what its parents' trees hold on those paths, not parents
  // times paths.
  std::vector<HeldBlob> held;
  if (parent_trees.size() > 1 && !changes.empty()) {
    std::vector<std::string_view> paths;
    paths.reserve(changes.size());
    for (const TreeChange& change : changes) paths.emplace_back(change.path);
    const PathTrie trie(paths);
    std::unordered_set<ObjectId, ObjectIdHash> searched{parent_trees[0]};
    for (std::size_t p = 1; p < parent_trees.size(); ++p) {
      if (!searched.insert(parent_trees[p]).second) continue;  // same answers as an earlier parent
      differ.blobs_at(parent_trees[p], trie, static_cast<std::uint32_t>(p), held);
    }
    std::sort(held.begin(), held.end(), [](const HeldBlob& a, const HeldBlob& b) {
      return std::tie(a.change, a.parent) < std::tie(b.change, b.parent);
    });
  }
  // Parents whose tree is an earlier parent's are not searched; they hold
  // what it holds, so what follows (distinct blobs, and whether any other
  // parent holds nothing at a path) comes out the same.
  std::unordered_set<ObjectId, ObjectIdHash> other_trees(
      parent_trees.size() > 1 ? parent_trees.begin() + 1 : parent_trees.end(), parent_trees.end());
  other_trees.erase(parent_trees.empty() ? ObjectId{} : parent_trees[0]);
  const bool other_parents = parent_trees.size() > 1;
  std::vector<PathIntroduction>& out = result.introductions;
  out.reserve(changes.size());
  auto next_held = held.begin();
  for (std::uint32_t i = 0; i < changes.size(); ++i) {
    TreeChange& change = changes[i];
    if (!change.old_blob.is_zero()) result.departures.push_back({change.path, change.old_blob, change.blob});
    PathIntroduction intro{std::move(change.path), change.blob, {}};
    const auto first = next_held;
    while (next_held != held.end() && next_held->change == i) ++next_held;
    if (!parent_trees.empty()) {
      intro.parent_blobs.push_back(change.old_blob);
      bool in_a_parent = false;
      // Distinct parents' trees searched for this path, and how many held a blob there.
      std::size_t holding_trees = 0;
      for (auto h = first; h != next_held; ++h) {
        in_a_parent = in_a_parent || h->blob == intro.blob;
        ++holding_trees;
        if (std::find(intro.parent_blobs.begin(), intro.parent_blobs.end(), h->blob) == intro.parent_blobs.end()) {
          intro.parent_blobs.push_back(h->blob);
        }
      }
      // A parent whose tree is parent 0's holds old_blob, listed already.
      const bool some_parent_lacks = other_parents && holding_trees < other_trees.size();
      if (some_parent_lacks &&
          std::find(intro.parent_blobs.begin(), intro.parent_blobs.end(), ObjectId{}) == intro.parent_blobs.end()) {
        intro.parent_blobs.emplace_back();
      }
      if (in_a_parent) continue;
    }
    out.push_back(std::move(intro));
  }
  std::sort(result.departures.begin(), result.departures.end(),
            [](const PathDeparture& a, const PathDeparture& b) { return a.path < b.path; });
  result.complete = differ.take_complete();
  return result;
}

TreeReader& TreeWorker::reader(RepositoryPool& pool, const ObjectStore& store, SkipLog& skips,
                               std::size_t cache_bytes) {
  if (!reader_) {
    git_repository* repo = pool.local();
    git_odb* odb = nullptr;
    git_check(git_repository_odb(&odb, repo), "opening the object database");
    odb_.reset(odb);
    reader_ = std::make_unique<TreeReader>(store, git_repository_path(repo), odb, skips, cache_bytes);
  }
  return *reader_;
}

}  // namespace trawl
