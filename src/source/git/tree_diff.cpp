// Tree diffing: TreeDiffer compares two trees entry by entry, and
// diff_commit() turns a commit's comparisons with its parents into the blobs
// it introduces and the paths it changes or deletes.
#include "source/git/tree_diff.h"

#include <git2.h>

#include <algorithm>
#include <bitset>
#include <optional>

#include "source/git/git_handles.h"

namespace trawl {

void TreeDiffer::diff(const ObjectId* old_tree, const ObjectId& new_tree, const std::string& prefix,
                      std::vector<TreeChange>& out, std::vector<TreeChange>& deleted,
                      std::vector<ObjectId>& submodules) {
  const TreeBytes new_bytes = trees_.get(new_tree, old_tree);
  if (!new_bytes) {
    complete_ = false;
    return;
  }
  const TreeBytes old_bytes = old_tree != nullptr ? trees_.get(*old_tree) : nullptr;
  if (old_tree != nullptr && !old_bytes) complete_ = false;
  std::string_view new_part = new_bytes->view();
  std::string_view old_part = old_bytes ? old_bytes->view() : std::string_view();
  if (old_bytes) skip_common_entries(*old_tree, *old_bytes, *new_bytes, old_part, new_part);
  TreeCursor n(new_part);
  TreeCursor o(old_part);
  for (; n.valid(); n.next()) {
    const TreeEntry& entry = n.entry();
    // Most entries are unchanged: identical bytes, same mode, name and id.
    if (o.valid() && o.entry().raw == entry.raw) {
      o.next();
      continue;
    }
    for (; o.valid() && compare_tree_entries(o.entry(), entry) < 0; o.next()) list_deleted(o.entry(), prefix, deleted);
    const bool same_name = o.valid() && compare_tree_entries(o.entry(), entry) == 0;
    const bool old_same_kind = same_name && o.entry().kind == entry.kind;
    const ObjectId old_id = old_same_kind ? o.entry().id : ObjectId{};
    if (same_name) {
      if (!old_same_kind) list_deleted(o.entry(), prefix, deleted);
      o.next();
    }
    if (old_same_kind && old_id == entry.id) continue;  // a mode change only
    switch (entry.kind) {
      case EntryKind::kTree:
        diff(old_same_kind ? &old_id : nullptr, entry.id, prefix + std::string(entry.name) + "/", out, deleted,
             submodules);
        break;
      case EntryKind::kBlob:
        out.push_back({prefix + std::string(entry.name), entry.id, old_id});
        break;
      case EntryKind::kSubmodule:
        submodules.push_back(entry.id);
        break;
      case EntryKind::kOther:
        break;
    }
  }
  for (; o.valid(); o.next()) list_deleted(o.entry(), prefix, deleted);
}

void TreeDiffer::list_deleted(const TreeEntry& entry, const std::string& prefix, std::vector<TreeChange>& deleted) {
  if (entry.kind == EntryKind::kBlob) {
    deleted.push_back({prefix + std::string(entry.name), ObjectId{}, entry.id});
    return;
  }
  if (entry.kind != EntryKind::kTree) return;
  const TreeBytes bytes = trees_.get(entry.id);
  if (!bytes) {
    complete_ = false;
    return;
  }
  const std::string inner = prefix + std::string(entry.name) + "/";
  for (TreeCursor c(bytes->view()); c.valid(); c.next()) list_deleted(c.entry(), inner, deleted);
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

void TreeDiffer::blobs_at(const ObjectId& tree, std::vector<PathQuery>& queries, std::vector<ObjectId>& answers) {
  const TreeBytes bytes = trees_.get(tree);
  if (!bytes) {
    complete_ = false;
    return;
  }
  const std::string_view view = bytes->view();
  auto first_name = [](std::string_view path) { return path.substr(0, path.find('/')); };
  std::sort(queries.begin(), queries.end(),
            [&](const PathQuery& a, const PathQuery& b) { return first_name(a.path) < first_name(b.path); });
  struct Name {
    std::string_view name;
    std::size_t begin;  // its queries
    std::size_t end;
    std::optional<std::uint32_t> entry;  // offset of the first entry of that name
  };
  std::vector<Name> names;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const std::string_view name = first_name(queries[i].path);
    if (names.empty() || names.back().name != name) names.push_back({name, i, i, std::nullopt});
    names.back().end = i + 1;
  }
  // Most entries are passed over on their name's first byte.
  std::bitset<256> first_bytes;
  std::size_t missing = 0;
  for (const Name& name : names) {
    if (name.name.empty()) continue;  // no entry has an empty name
    first_bytes.set(static_cast<unsigned char>(name.name.front()));
    ++missing;
  }
  for (auto offset = bytes->entry_offsets.begin(); missing > 0 && offset != bytes->entry_offsets.end(); ++offset) {
    const std::size_t name_at = tree_entry_name_at(view, *offset);
    if (!first_bytes.test(static_cast<unsigned char>(view[name_at]))) continue;
    const std::string_view name = tree_entry_name(view, *offset);
    const auto it = std::lower_bound(names.begin(), names.end(), name,
                                     [](const Name& n, std::string_view wanted) { return n.name < wanted; });
    if (it != names.end() && it->name == name && !it->entry) {
      it->entry = *offset;
      --missing;
    }
  }
  for (const Name& name : names) {
    if (!name.entry) continue;
    const TreeCursor c(view.substr(*name.entry));
    const TreeEntry& entry = c.entry();
    std::vector<PathQuery> below;
    for (std::size_t i = name.begin; i < name.end; ++i) {
      const std::size_t slash = queries[i].path.find('/');
      if (slash == std::string_view::npos) {
        if (entry.kind == EntryKind::kBlob) answers[queries[i].answer] = entry.id;
      } else if (entry.kind == EntryKind::kTree) {
        below.push_back({queries[i].path.substr(slash + 1), queries[i].answer});
      }
    }
    if (!below.empty()) blobs_at(entry.id, below, answers);
  }
}

CommitChanges diff_commit(TreeDiffer& differ, const ObjectId& tree, std::span<const ObjectId> parent_trees) {
  differ.take_complete();
  CommitChanges result;
  std::vector<TreeChange> changes;
  std::vector<TreeChange> deleted;
  differ.diff(parent_trees.empty() ? nullptr : &parent_trees[0], tree, "", changes, deleted, result.submodules);

  for (TreeChange& change : deleted) result.departures.push_back({std::move(change.path), change.old_blob, {}});
  // What each other parent of a merge holds at the changed paths: asked of
  // parent p only for the paths no earlier parent holds the same blob at.
  std::vector<std::vector<ObjectId>> in_parent(parent_trees.size());
  std::vector<TreeDiffer::PathQuery> queries;
  for (std::size_t i = 0; i < changes.size(); ++i) queries.push_back({changes[i].path, i});
  for (std::size_t p = 1; p < parent_trees.size() && !queries.empty(); ++p) {
    in_parent[p].resize(changes.size());
    differ.blobs_at(parent_trees[p], queries, in_parent[p]);
    std::erase_if(queries,
                  [&](const TreeDiffer::PathQuery& q) { return in_parent[p][q.answer] == changes[q.answer].blob; });
  }
  std::vector<PathIntroduction>& out = result.introductions;
  out.reserve(changes.size());
  for (std::size_t i = 0; i < changes.size(); ++i) {
    TreeChange& change = changes[i];
    if (!change.old_blob.is_zero()) result.departures.push_back({change.path, change.old_blob, change.blob});
    PathIntroduction intro{std::move(change.path), change.blob, {}};
    if (!parent_trees.empty()) {
      intro.parent_blobs.push_back(change.old_blob);
      bool in_a_parent = false;
      for (std::size_t p = 1; p < parent_trees.size() && !in_a_parent; ++p) {
        const ObjectId there = in_parent[p][i];
        in_a_parent = there == intro.blob;
        intro.parent_blobs.push_back(there);
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
    git_odb* odb = nullptr;
    git_check(git_repository_odb(&odb, pool.local()), "opening the object database");
    odb_.reset(odb);
    reader_ = std::make_unique<TreeReader>(store, odb, skips, cache_bytes);
  }
  return *reader_;
}

}  // namespace trawl
