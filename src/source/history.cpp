#include "source/history.h"

#include <tbb/blocked_range.h>
#include <tbb/concurrent_unordered_map.h>
#include <tbb/concurrent_unordered_set.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_for_each.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <bitset>
#include <cstring>
#include <fstream>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "source/commit_parser.h"
#include "source/git_handles.h"
#include "source/object_store.h"
#include "source/repository_pool.h"
#include "source/tree_reader.h"

namespace trawl {
namespace {

// Parsed trees each walker thread keeps; bounds the walk's memory.
constexpr std::size_t kTreeCacheBytesPerThread = std::size_t{32} << 20;
// The same for locate_blobs(), which reads each tree once.
constexpr std::size_t kLocateTreeCacheBytesPerThread = std::size_t{8} << 20;

// A thread's tree reader, with its own object database handle for what the
// store cannot read, made on first use.
class TreeWorker {
 public:
  TreeReader& reader(RepositoryPool& pool, const ObjectStore& store, SkipLog& skips, std::size_t cache_bytes) {
    if (!reader_) {
      git_odb* odb = nullptr;
      git_check(git_repository_odb(&odb, pool.local()), "opening the object database");
      odb_.reset(odb);
      reader_ = std::make_unique<TreeReader>(store, odb, skips, cache_bytes);
    }
    return *reader_;
  }

 private:
  OdbPtr odb_;
  std::unique_ptr<TreeReader> reader_;
};

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

// Reads commit `id` out of the packs, or through libgit2 when the store does
// not hold it or it does not parse (libgit2 then says what is wrong).
// nullopt when libgit2 cannot read it either; that is logged.
std::optional<LoadedCommit> read_commit(git_repository* repo, const ObjectStore& store, const ObjectId& id,
                                        SkipLog& skips) {
  LoadedCommit c;
  c.info.id = id;
  if (const StoredObjectPtr stored = store.read(id); stored && stored->type == ObjectType::kCommit) {
    if (auto parsed = parse_commit(stored->view())) {
      c.info.author_name = std::move(parsed->author_name);
      c.info.author_email = std::move(parsed->author_email);
      c.info.author_time = parsed->author_time;
      c.info.summary = std::move(parsed->summary);
      c.info.tree = parsed->tree;
      c.commit_time = parsed->commit_time;
      c.parent_ids = std::move(parsed->parents);
      return c;
    }
  }
  const git_oid oid = to_git_oid(id);
  git_commit* raw = nullptr;
  if (const int code = git_commit_lookup(&raw, repo, &oid); code < 0) {
    skips.add(skip_reason_for_git_error(code), id.hex(), "commit: " + last_git_error_message());
    return std::nullopt;
  }
  CommitPtr commit(raw);
  if (const git_signature* author = git_commit_author(raw); author != nullptr) {
    c.info.author_name = author->name != nullptr ? author->name : "";
    c.info.author_email = author->email != nullptr ? author->email : "";
    c.info.author_time = author->when.time;
  }
  c.info.summary = first_line(git_commit_message(raw));
  c.info.tree = to_object_id(*git_commit_tree_id(raw));
  c.commit_time = git_commit_time(raw);
  const unsigned n = git_commit_parentcount(raw);
  for (unsigned i = 0; i < n; ++i) c.parent_ids.push_back(to_object_id(*git_commit_parent_id(raw, i)));
  return c;
}

// Loads every commit reachable from the tips, in no particular order.
// Unreadable commits are logged and treated as absent; commits on the
// shallow boundary get no parents. Each task follows a line of first parents
// and hands the other parents of merges to other threads, so the branches of
// the history are read in parallel.
std::vector<LoadedCommit> load_commits(RepositoryPool& pool, const ObjectStore& store,
                                       const std::vector<ObjectId>& tips,
                                       const std::unordered_set<ObjectId, ObjectIdHash>& boundary, SkipLog& skips,
                                       WalkProgress* progress) {
  tbb::concurrent_unordered_set<ObjectId, ObjectIdHash> seen;
  tbb::enumerable_thread_specific<std::vector<LoadedCommit>> per_thread;
  tbb::parallel_for_each(tips.begin(), tips.end(), [&](const ObjectId& tip, tbb::feeder<ObjectId>& other_parents) {
    std::vector<LoadedCommit>& loaded = per_thread.local();
    for (ObjectId id = tip; seen.insert(id).second;) {
      std::optional<LoadedCommit> c = read_commit(pool.local(), store, id, skips);
      if (!c) return;
      if (boundary.contains(id)) c->parent_ids.clear();
      if (progress != nullptr) progress->commits_loaded.fetch_add(1, std::memory_order_relaxed);
      const bool root = c->parent_ids.empty();
      if (!root) {
        id = c->parent_ids[0];
        for (std::size_t p = 1; p < c->parent_ids.size(); ++p) other_parents.add(c->parent_ids[p]);
      }
      loaded.push_back(std::move(*c));
      if (root) return;
    }
  });
  std::vector<LoadedCommit> all;
  for (std::vector<LoadedCommit>& loaded : per_thread) {
    all.insert(all.end(), std::make_move_iterator(loaded.begin()), std::make_move_iterator(loaded.end()));
  }
  return all;
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

// The directories a search descends into: a trie of path components, or
// every directory below kAnyDirectory.
constexpr std::uint32_t kAnyDirectory = 0xffffffffu;
struct DirectoryNode {
  std::unordered_map<std::string, std::uint32_t> children;
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
    const TreeBytes new_bytes = trees_.get(new_tree, old_tree);
    if (!new_bytes) return;
    const TreeBytes old_bytes = old_tree != nullptr ? trees_.get(*old_tree) : nullptr;
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
  // The memo is shared by threads: one that finds a tree being searched by
  // another searches it too, and both find the same.
  // Only the directories under `node` of `directories` are searched.
  const std::vector<BlobLocation>& locate(const ObjectId& tree,
                                          const std::unordered_set<ObjectId, ObjectIdHash>& wanted,
                                          const std::vector<DirectoryNode>& directories, std::uint32_t node,
                                          LocationMemo& memo) {
    const LocationKey key{tree, node};
    if (auto known = memo.find(key); known != memo.end()) return known->second;
    std::vector<BlobLocation> found;
    if (const TreeBytes bytes = trees_.get(tree)) {
      for (TreeCursor c(bytes->view()); c.valid(); c.next()) {
        const TreeEntry& entry = c.entry();
        if (entry.kind == EntryKind::kBlob && wanted.contains(entry.id)) {
          found.push_back({std::string(entry.name), entry.id});
        } else if (entry.kind == EntryKind::kTree) {
          const std::string name(entry.name);
          std::uint32_t inner_node = kAnyDirectory;
          if (node != kAnyDirectory) {
            const auto child = directories[node].children.find(name);
            if (child == directories[node].children.end()) continue;
            inner_node = child->second;
          }
          for (const BlobLocation& inner : locate(entry.id, wanted, directories, inner_node, memo)) {
            found.push_back({name + "/" + inner.path, inner.blob});
          }
        }
      }
    }
    return memo.emplace(key, std::move(found)).first->second;
  }

  // Narrows both trees to the entries between their common leading and
  // trailing runs of identical entries: a commit that changes one file in a
  // directory of thousands costs two memcmps, not a walk of every entry.
  static void skip_common_entries(const ObjectId& old_id, const CachedTree& old_tree, const CachedTree& new_tree,
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

  // A path below a tree, and where the blob found there goes.
  struct PathQuery {
    std::string_view path;
    std::size_t answer;
  };

  // For each query, the blob at its path in `tree`, or a zero id where the
  // path leads nowhere: in each tree on the way, the first entry of the
  // path's next name decides. Each tree is read and scanned once for all the
  // paths through it (a merge asks for every path its other side changed).
  void blobs_at(const ObjectId& tree, std::vector<PathQuery>& queries, std::vector<ObjectId>& answers) {
    const TreeBytes bytes = trees_.get(tree);
    if (!bytes) return;
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
  // What each other parent of a merge holds at the changed paths: asked of
  // parent p only for the paths no earlier parent holds the same blob at.
  std::vector<std::vector<ObjectId>> in_parent(c.info.parents.size());
  std::vector<TreeDiffer::PathQuery> queries;
  for (std::size_t i = 0; i < changes.size(); ++i) queries.push_back({changes[i].path, i});
  for (std::size_t p = 1; p < c.info.parents.size() && !queries.empty(); ++p) {
    in_parent[p].resize(changes.size());
    differ.blobs_at(commits[c.info.parents[p]].info.tree, queries, in_parent[p]);
    std::erase_if(queries,
                  [&](const TreeDiffer::PathQuery& q) { return in_parent[p][q.answer] == changes[q.answer].blob; });
  }
  std::vector<BlobIntroduction>& out = result.introductions;
  out.reserve(changes.size());
  for (std::size_t i = 0; i < changes.size(); ++i) {
    TreeChange& change = changes[i];
    if (!change.old_blob.is_zero()) result.departures.push_back({index, change.path, change.old_blob, change.blob});
    BlobIntroduction intro{index, std::move(change.path), change.blob, {}};
    if (!c.info.parents.empty()) {
      intro.parent_blobs.push_back(change.old_blob);
      bool in_a_parent = false;
      for (std::size_t p = 1; p < c.info.parents.size() && !in_a_parent; ++p) {
        const ObjectId there = in_parent[p][i];
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
  // Commits and trees come out of the packs through one store that every
  // thread shares, so a tree one thread rebuilt serves the others.
  const ObjectStore store(git_dir);
  const int threads =
      options.threads == 0 ? tbb::this_task_arena::max_concurrency() : static_cast<int>(options.threads);
  tbb::task_arena arena(threads);
  std::vector<LoadedCommit> commits;
  arena.execute(
      [&] { commits = order_parents_first(load_commits(pool, store, tips, boundary, skips, options.progress), tips); });
  mark_scope(commits, exclude, options.scope.since);

  std::vector<CommitChanges> per_commit(commits.size());
  tbb::enumerable_thread_specific<TreeWorker> workers;
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, static_cast<std::uint32_t>(commits.size()), 64),
                      [&](const tbb::blocked_range<std::uint32_t>& range) {
                        TreeDiffer differ(workers.local().reader(pool, store, skips, kTreeCacheBytesPerThread));
                        for (std::uint32_t i = range.begin(); i != range.end(); ++i) {
                          if (!commits[i].info.in_scope) continue;
                          per_commit[i] = changes_of(i, commits, differ);
                          if (options.progress != nullptr) {
                            options.progress->commits_compared.fetch_add(1, std::memory_order_relaxed);
                          }
                        }
                      });
  });

  std::size_t introductions = 0;
  std::size_t departures = 0;
  for (const CommitChanges& changes : per_commit) {
    introductions += changes.introductions.size();
    departures += changes.departures.size();
  }
  history.introductions.reserve(introductions);
  history.departures.reserve(departures);
  std::unordered_set<ObjectId, ObjectIdHash> seen_blobs;
  seen_blobs.reserve(introductions);
  auto add_blob = [&](const BlobKey& key) {
    const ObjectId blob = key.git_id();
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
    for (const BlobKey& parent_blob : intro.parent_blobs) add_blob(parent_blob);
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
  RepositoryPool pool(git_dir);
  const ObjectStore store(git_dir);
  tbb::enumerable_thread_specific<TreeWorker> workers;
  LocationMemo memo;
  tbb::task_arena arena(threads == 0 ? tbb::this_task_arena::max_concurrency() : static_cast<int>(threads));
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, trees.size(), [&](std::size_t i) {
      // Each tree is searched once, so the reader keeps few.
      TreeDiffer differ(workers.local().reader(pool, store, skips, kLocateTreeCacheBytesPerThread));
      out[i] = differ.locate(trees[i], wanted, directories, root, memo);
      std::sort(out[i].begin(), out[i].end(),
                [](const BlobLocation& a, const BlobLocation& b) { return a.path < b.path; });
    });
  });
  return out;
}

}  // namespace trawl
