#include "source/history.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "source/git_handles.h"
#include "source/repository_pool.h"
#include "source/tree_reader.h"

namespace trawl {
namespace {

// Parsed trees each walker thread keeps; bounds the walk's memory.
constexpr std::size_t kTreeCacheBytesPerThread = std::size_t{96} << 20;

// Commits listed in the shallow file have no parents in this repository.
std::unordered_set<ObjectId, ObjectIdHash> read_shallow_boundary(git_repository* repo) {
  std::unordered_set<ObjectId, ObjectIdHash> boundary;
  std::ifstream in(std::string(git_repository_path(repo)) + "shallow");
  std::string line;
  while (std::getline(in, line)) {
    git_oid oid;
    if (line.size() >= GIT_OID_HEXSZ && git_oid_fromstrn(&oid, line.data(), GIT_OID_HEXSZ) == 0) {
      boundary.insert(to_object_id(oid));
    }
  }
  return boundary;
}

std::vector<RefInfo> list_refs(git_repository* repo, SkipLog& skips) {
  std::vector<RefInfo> refs;
  auto add = [&](git_reference* ref, const std::string& name) {
    git_object* peeled = nullptr;
    if (git_reference_peel(&peeled, ref, GIT_OBJECT_COMMIT) < 0) {
      skips.add(SkipReason::kUnreadableRef, name, last_git_error_message());
      return;
    }
    ObjectPtr owner(peeled);
    refs.push_back({name, to_object_id(*git_object_id(peeled))});
  };

  git_reference_iterator* raw_iter = nullptr;
  git_check(git_reference_iterator_new(&raw_iter, repo), "listing refs");
  ReferenceIteratorPtr iter(raw_iter);
  git_reference* raw_ref = nullptr;
  int code = 0;
  while ((code = git_reference_next(&raw_ref, iter.get())) == 0) {
    ReferencePtr ref(raw_ref);
    add(ref.get(), git_reference_name(ref.get()));
  }
  if (code != GIT_ITEROVER) git_check(code, "listing refs");

  // A detached HEAD may hold commits no ref reaches.
  if (git_repository_head_detached(repo) == 1) {
    git_reference* head = nullptr;
    if (git_repository_head(&head, repo) == 0) {
      ReferencePtr owner(head);
      add(head, "HEAD");
    }
  }
  std::sort(refs.begin(), refs.end(), [](const RefInfo& a, const RefInfo& b) { return a.name < b.name; });
  return refs;
}

// The refs a scope scans: every ref, or the one revision it names (under the
// ref's full name when it is one).
std::vector<RefInfo> scoped_refs(git_repository* repo, const HistoryScope& scope, SkipLog& skips) {
  if (scope.tip.empty()) return list_refs(repo, skips);
  git_object* raw = nullptr;
  git_reference* raw_ref = nullptr;
  git_check(git_revparse_ext(&raw, &raw_ref, repo, scope.tip.c_str()), "resolving '" + scope.tip + "'");
  ObjectPtr object(raw);
  ReferencePtr ref(raw_ref);
  git_object* peeled = nullptr;
  git_check(git_object_peel(&peeled, raw, GIT_OBJECT_COMMIT), "resolving '" + scope.tip + "' to a commit");
  ObjectPtr commit(peeled);
  return {{ref ? git_reference_name(ref.get()) : scope.tip, to_object_id(*git_object_id(peeled))}};
}

ObjectId resolve_commit(git_repository* repo, const std::string& revision) {
  git_object* raw = nullptr;
  git_check(git_revparse_single(&raw, repo, revision.c_str()), "resolving '" + revision + "'");
  ObjectPtr object(raw);
  git_object* peeled = nullptr;
  git_check(git_object_peel(&peeled, raw, GIT_OBJECT_COMMIT), "resolving '" + revision + "' to a commit");
  ObjectPtr commit(peeled);
  return to_object_id(*git_object_id(peeled));
}

struct LoadedCommit {
  CommitInfo info;
  std::int64_t commit_time = 0;
  std::vector<ObjectId> parent_ids;
};

std::string first_line(const char* message) {
  if (message == nullptr) return {};
  const char* end = std::strchr(message, '\n');
  return end == nullptr ? std::string(message) : std::string(message, end);
}

// Loads every commit reachable from the tips. Unreadable commits are logged
// and treated as absent; commits on the shallow boundary get no parents.
std::vector<LoadedCommit> load_commits(git_repository* repo, const std::vector<ObjectId>& tips,
                                       const std::unordered_set<ObjectId, ObjectIdHash>& boundary, SkipLog& skips,
                                       WalkProgress* progress) {
  std::vector<LoadedCommit> loaded;
  std::unordered_set<ObjectId, ObjectIdHash> seen;
  std::vector<ObjectId> todo(tips.rbegin(), tips.rend());
  while (!todo.empty()) {
    const ObjectId id = todo.back();
    todo.pop_back();
    if (!seen.insert(id).second) continue;
    const git_oid oid = to_git_oid(id);
    git_commit* raw = nullptr;
    if (const int code = git_commit_lookup(&raw, repo, &oid); code < 0) {
      skips.add(skip_reason_for_git_error(code), id.hex(), "commit: " + last_git_error_message());
      continue;
    }
    CommitPtr commit(raw);
    LoadedCommit c;
    c.info.id = id;
    if (const git_signature* author = git_commit_author(raw); author != nullptr) {
      c.info.author_name = author->name != nullptr ? author->name : "";
      c.info.author_email = author->email != nullptr ? author->email : "";
      c.info.author_time = author->when.time;
    }
    c.info.summary = first_line(git_commit_message(raw));
    c.info.tree = to_object_id(*git_commit_tree_id(raw));
    c.commit_time = git_commit_time(raw);
    if (!boundary.contains(id)) {
      const unsigned n = git_commit_parentcount(raw);
      for (unsigned i = 0; i < n; ++i) c.parent_ids.push_back(to_object_id(*git_commit_parent_id(raw, i)));
    }
    for (auto it = c.parent_ids.rbegin(); it != c.parent_ids.rend(); ++it) todo.push_back(*it);
    loaded.push_back(std::move(c));
    if (progress != nullptr) progress->commits_loaded.fetch_add(1, std::memory_order_relaxed);
  }
  return loaded;
}

// Orders commits parents-first (an iterative post-order walk from the tips)
// and resolves parent ids to indices; parents that could not be loaded drop
// out, so their children compare against nothing for them.
std::vector<LoadedCommit> order_parents_first(std::vector<LoadedCommit> loaded, const std::vector<ObjectId>& tips) {
  std::unordered_map<ObjectId, std::uint32_t, ObjectIdHash> index;
  index.reserve(loaded.size());
  for (std::uint32_t i = 0; i < loaded.size(); ++i) index.emplace(loaded[i].info.id, i);

  std::vector<std::uint32_t> order;
  order.reserve(loaded.size());
  std::vector<std::uint8_t> state(loaded.size(), 0);  // 0 new, 1 open, 2 done
  std::vector<std::pair<std::uint32_t, std::size_t>> stack;
  for (const ObjectId& tip_id : tips) {
    auto tip = index.find(tip_id);
    if (tip == index.end() || state[tip->second] != 0) continue;
    stack.emplace_back(tip->second, 0);
    state[tip->second] = 1;
    while (!stack.empty()) {
      auto& [node, next_parent] = stack.back();
      const auto& parents = loaded[node].parent_ids;
      if (next_parent < parents.size()) {
        auto p = index.find(parents[next_parent++]);
        if (p != index.end() && state[p->second] == 0) {
          state[p->second] = 1;
          stack.emplace_back(p->second, 0);
        }
        continue;
      }
      state[node] = 2;
      order.push_back(node);
      stack.pop_back();
    }
  }

  std::vector<std::uint32_t> position(loaded.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  std::vector<LoadedCommit> sorted;
  sorted.reserve(order.size());
  for (std::uint32_t old_index : order) {
    LoadedCommit c = std::move(loaded[old_index]);
    for (const ObjectId& parent : c.parent_ids) {
      if (auto p = index.find(parent); p != index.end()) c.info.parents.push_back(position[p->second]);
    }
    sorted.push_back(std::move(c));
  }
  return sorted;
}

struct TreeChange {
  std::string path;
  ObjectId blob;
  ObjectId old_blob;  // zero when the old tree had no blob at this path
};

// Compares trees by merging their sorted entry lists, descending only into
// subtrees whose ids differ.
class TreeDiffer {
 public:
  explicit TreeDiffer(TreeReader& trees) : trees_(trees) {}

  // Blobs in `new_tree` that `old_tree` (may be null) lacks at the same path
  // go to `out`; blobs at paths `new_tree` no longer has go to `deleted`
  // (with a zero `blob`).
  void diff(const ObjectId* old_tree, const ObjectId& new_tree, const std::string& prefix, std::vector<TreeChange>& out,
            std::vector<TreeChange>& deleted, std::vector<ObjectId>& submodules) {
    const TreeBytes new_bytes = trees_.get(new_tree);
    if (!new_bytes) return;
    const TreeBytes old_bytes = old_tree != nullptr ? trees_.get(*old_tree) : nullptr;
    std::string_view new_part = new_bytes->view();
    std::string_view old_part = old_bytes ? old_bytes->view() : std::string_view();
    if (old_bytes) skip_common_entries(*old_bytes, *new_bytes, old_part, new_part);
    TreeCursor n(new_part);
    TreeCursor o(old_part);
    for (; n.valid(); n.next()) {
      const TreeEntry& entry = n.entry();
      // Most entries are unchanged: identical bytes, same mode, name and id.
      if (o.valid() && o.entry().raw == entry.raw) {
        o.next();
        continue;
      }
      for (; o.valid() && compare_tree_entries(o.entry(), entry) < 0; o.next())
        list_deleted(o.entry(), prefix, deleted);
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

  // Every blob under a tree entry that went away (the entry itself when it is
  // a blob).
  void list_deleted(const TreeEntry& entry, const std::string& prefix, std::vector<TreeChange>& deleted) {
    if (entry.kind == EntryKind::kBlob) {
      deleted.push_back({prefix + std::string(entry.name), ObjectId{}, entry.id});
      return;
    }
    if (entry.kind != EntryKind::kTree) return;
    const TreeBytes bytes = trees_.get(entry.id);
    if (!bytes) return;
    const std::string inner = prefix + std::string(entry.name) + "/";
    for (TreeCursor c(bytes->view()); c.valid(); c.next()) list_deleted(c.entry(), inner, deleted);
  }

  // Every blob under `tree` that is in `wanted`, with its path below it;
  // memoized per tree id, so trees shared by many tips are searched once.
  const std::vector<BlobLocation>& locate(const ObjectId& tree,
                                          const std::unordered_set<ObjectId, ObjectIdHash>& wanted,
                                          std::unordered_map<ObjectId, std::vector<BlobLocation>, ObjectIdHash>& memo) {
    if (auto known = memo.find(tree); known != memo.end()) return known->second;
    std::vector<BlobLocation> found;
    if (const TreeBytes bytes = trees_.get(tree)) {
      for (TreeCursor c(bytes->view()); c.valid(); c.next()) {
        const TreeEntry& entry = c.entry();
        if (entry.kind == EntryKind::kBlob && wanted.contains(entry.id)) {
          found.push_back({std::string(entry.name), entry.id});
        } else if (entry.kind == EntryKind::kTree) {
          const std::string name(entry.name);
          for (const BlobLocation& inner : locate(entry.id, wanted, memo)) {
            found.push_back({name + "/" + inner.path, inner.blob});
          }
        }
      }
    }
    return memo.emplace(tree, std::move(found)).first->second;
  }

  // Narrows both trees to the entries between their common leading and
  // trailing runs of identical entries: a commit that changes one file in a
  // directory of thousands costs two memcmps, not a walk of every entry.
  static void skip_common_entries(const CachedTree& old_tree, const CachedTree& new_tree, std::string_view& old_part,
                                  std::string_view& new_part) {
    const std::string_view a = old_tree.view();
    const std::string_view b = new_tree.view();
    const std::size_t shorter = std::min(a.size(), b.size());
    std::size_t prefix = 0;
    while (prefix < shorter) {
      const std::size_t chunk = std::min<std::size_t>(64, shorter - prefix);
      if (std::memcmp(a.data() + prefix, b.data() + prefix, chunk) != 0) {
        while (a[prefix] == b[prefix]) ++prefix;
        break;
      }
      prefix += chunk;
    }
    std::size_t suffix = 0;
    while (suffix < shorter - prefix && a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) ++suffix;

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

  // The blob at `path` in `tree`, or a zero id.
  ObjectId blob_at(const ObjectId& tree, std::string_view path) {
    ObjectId current = tree;
    while (true) {
      const TreeBytes bytes = trees_.get(current);
      if (!bytes) return {};
      const std::size_t slash = path.find('/');
      const std::string_view name = path.substr(0, slash);
      TreeCursor c(bytes->view());
      while (c.valid() && c.entry().name != name) c.next();
      if (!c.valid()) return {};
      if (slash == std::string_view::npos) return c.entry().kind == EntryKind::kBlob ? c.entry().id : ObjectId{};
      if (c.entry().kind != EntryKind::kTree) return {};
      current = c.entry().id;
      path.remove_prefix(slash + 1);
    }
  }

 private:
  TreeReader& trees_;
};

struct CommitChanges {
  std::vector<BlobIntroduction> introductions;
  std::vector<BlobDeparture> departures;
  std::vector<ObjectId> submodules;
};

// What commit `index` changes: the blobs it introduces (new relative to
// parent 0, and absent at the same path from every other parent) and the
// paths where parent 0's blob is replaced or deleted.
CommitChanges changes_of(std::uint32_t index, const std::vector<LoadedCommit>& commits, TreeDiffer& differ) {
  const LoadedCommit& c = commits[index];
  CommitChanges result;
  std::vector<TreeChange> changes;
  std::vector<TreeChange> deleted;
  differ.diff(c.info.parents.empty() ? nullptr : &commits[c.info.parents[0]].info.tree, c.info.tree, "", changes,
              deleted, result.submodules);

  for (TreeChange& change : deleted) result.departures.push_back({index, std::move(change.path), change.old_blob, {}});
  std::vector<BlobIntroduction>& out = result.introductions;
  out.reserve(changes.size());
  for (TreeChange& change : changes) {
    if (!change.old_blob.is_zero()) result.departures.push_back({index, change.path, change.old_blob, change.blob});
    BlobIntroduction intro{index, std::move(change.path), change.blob, {}};
    if (!c.info.parents.empty()) {
      intro.parent_blobs.push_back(change.old_blob);
      bool in_a_parent = false;
      for (std::size_t p = 1; p < c.info.parents.size() && !in_a_parent; ++p) {
        const ObjectId there = differ.blob_at(commits[c.info.parents[p]].info.tree, intro.path);
        in_a_parent = there == intro.blob;
        intro.parent_blobs.push_back(there);
      }
      if (in_a_parent) continue;
    }
    out.push_back(std::move(intro));
  }
  std::sort(result.departures.begin(), result.departures.end(),
            [](const BlobDeparture& a, const BlobDeparture& b) { return a.path < b.path; });
  return result;
}

// Marks the commits outside the scope: those reachable from its excluded
// revision and those committed before its date.
void mark_scope(std::vector<LoadedCommit>& commits, const std::optional<ObjectId>& exclude, std::int64_t since) {
  std::vector<std::uint8_t> excluded(commits.size(), 0);
  if (exclude) {
    // Parents come before children, so one pass from the end propagates.
    for (std::size_t i = commits.size(); i-- > 0;) {
      if (commits[i].info.id == *exclude) excluded[i] = 1;
      if (excluded[i] == 0) continue;
      for (std::uint32_t p : commits[i].info.parents) excluded[p] = 1;
    }
  }
  for (std::size_t i = 0; i < commits.size(); ++i) {
    commits[i].info.in_scope = excluded[i] == 0 && commits[i].commit_time >= since;
  }
}

}  // namespace

History walk_history(const std::string& git_dir, const WalkOptions& options, SkipLog& skips) {
  RepositoryPool pool(git_dir);
  git_repository* repo = pool.local();

  History history;
  history.refs = scoped_refs(repo, options.scope, skips);
  std::optional<ObjectId> exclude;
  if (!options.scope.exclude.empty()) exclude = resolve_commit(repo, options.scope.exclude);
  const auto boundary = read_shallow_boundary(repo);
  history.shallow = !boundary.empty();

  std::vector<ObjectId> tips;
  for (const RefInfo& ref : history.refs) tips.push_back(ref.commit);
  if (exclude) tips.push_back(*exclude);
  std::vector<LoadedCommit> commits =
      order_parents_first(load_commits(repo, tips, boundary, skips, options.progress), tips);
  mark_scope(commits, exclude, options.scope.since);

  std::vector<CommitChanges> per_commit(commits.size());
  const int threads =
      options.threads == 0 ? tbb::this_task_arena::max_concurrency() : static_cast<int>(options.threads);
  // Each worker keeps its own object database handle and tree cache.
  struct Worker {
    OdbPtr odb;
    std::unique_ptr<TreeReader> trees;
  };
  tbb::enumerable_thread_specific<Worker> workers;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, static_cast<std::uint32_t>(commits.size()), 64),
                      [&](const tbb::blocked_range<std::uint32_t>& range) {
                        Worker& worker = workers.local();
                        if (!worker.trees) {
                          git_odb* odb = nullptr;
                          git_check(git_repository_odb(&odb, pool.local()), "opening the object database");
                          worker.odb.reset(odb);
                          worker.trees = std::make_unique<TreeReader>(odb, skips, kTreeCacheBytesPerThread);
                        }
                        TreeDiffer differ(*worker.trees);
                        for (std::uint32_t i = range.begin(); i != range.end(); ++i) {
                          if (!commits[i].info.in_scope) continue;
                          per_commit[i] = changes_of(i, commits, differ);
                          if (options.progress != nullptr) {
                            options.progress->commits_compared.fetch_add(1, std::memory_order_relaxed);
                          }
                        }
                      });
  });

  std::unordered_set<ObjectId, ObjectIdHash> seen_blobs;
  auto add_blob = [&](const ObjectId& blob) {
    if (!blob.is_zero() && seen_blobs.insert(blob).second) history.blobs.push_back(blob);
  };
  for (CommitChanges& changes : per_commit) {
    for (BlobIntroduction& intro : changes.introductions) {
      add_blob(intro.blob);
      history.introductions.push_back(std::move(intro));
    }
    for (BlobDeparture& departure : changes.departures) history.departures.push_back(std::move(departure));
    for (const ObjectId& sub : changes.submodules) skips.add(SkipReason::kSubmodule, sub.hex(), "submodule commit");
  }
  // In a full scan every blob compared against was introduced in scope; at
  // the bottom of a range it may not have been, and must be read too.
  for (const BlobIntroduction& intro : history.introductions) {
    for (const ObjectId& parent_blob : intro.parent_blobs) add_blob(parent_blob);
  }
  for (const BlobDeparture& departure : history.departures) add_blob(departure.old_blob);

  history.commits.reserve(commits.size());
  for (LoadedCommit& c : commits) {
    if (c.info.in_scope) ++history.commits_in_scope;
    history.commits.push_back(std::move(c.info));
  }
  return history;
}

std::vector<std::vector<BlobLocation>> locate_blobs(const std::string& git_dir, const std::vector<ObjectId>& trees,
                                                    const std::unordered_set<ObjectId, ObjectIdHash>& wanted,
                                                    SkipLog& skips) {
  std::vector<std::vector<BlobLocation>> out(trees.size());
  if (wanted.empty()) return out;
  RepositoryPtr repo = open_repository(git_dir);
  git_odb* raw_odb = nullptr;
  git_check(git_repository_odb(&raw_odb, repo.get()), "opening the object database");
  OdbPtr odb(raw_odb);
  TreeReader reader(odb.get(), skips, kTreeCacheBytesPerThread);
  TreeDiffer differ(reader);
  std::unordered_map<ObjectId, std::vector<BlobLocation>, ObjectIdHash> memo;
  for (std::size_t i = 0; i < trees.size(); ++i) {
    out[i] = differ.locate(trees[i], wanted, memo);
    std::sort(out[i].begin(), out[i].end(),
              [](const BlobLocation& a, const BlobLocation& b) { return a.path < b.path; });
  }
  return out;
}

}  // namespace trawl
