// Listing refs (read by trawl, ref_files.h), the refs a scope names and
// resolving revisions (through libgit2), and reading the shallow boundary.
#include "source/git/refs.h"

#include <algorithm>
#include <fstream>
#include <string_view>
#include <unordered_map>

#include "source/git/git_handles.h"
#include "source/git/loose_object.h"
#include "source/git/ref_files.h"

namespace trawl {

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

namespace {

// The id `object <hex>` names on a tag's first line.
std::optional<ObjectId> tag_target(std::string_view tag) {
  constexpr std::string_view kHeader = "object ";
  if (tag.size() < kHeader.size() + 41 || !tag.starts_with(kHeader) || tag[kHeader.size() + 40] != '\n') {
    return std::nullopt;
  }
  git_oid oid;
  if (git_oid_fromstrn(&oid, tag.data() + kHeader.size(), 40) < 0) return std::nullopt;
  return to_object_id(oid);
}

// The commit `object` (a libgit2 object a revision named) peels to; throws
// GitError naming `revision` when none.
ObjectId peel_revision(git_repository* repo, const ObjectStore& store, const git_object* object,
                       const std::string& revision, SkipLog& skips) {
  std::string problem;
  const auto commit = peel_to_commit(store, repo, to_object_id(*git_object_id(object)), skips, problem);
  if (!commit) throw GitError(GIT_EINVALIDSPEC, "resolving '" + revision + "' to a commit: " + problem);
  return *commit;
}

}  // namespace

std::optional<ObjectId> peel_to_commit(const ObjectStore& store, git_repository* repo, const ObjectId& id,
                                       SkipLog& skips, std::string& problem) {
  // Most refs name a commit: its pack entry's header says so, and the walk
  // reads the commit itself later.
  if (store.type_of(id) == ObjectType::kCommit) return id;
  git_odb* raw_odb = nullptr;
  if (git_repository_odb(&raw_odb, repo) < 0) {
    problem = last_git_error_message();
    return std::nullopt;
  }
  const OdbPtr odb(raw_odb);
  const std::string git_dir = git_repository_path(repo);
  std::vector<ObjectId> chain{id};
  for (int level = 0; level <= kMaxTagChain; ++level) {
    if (level > 0 && store.type_of(chain.back()) == ObjectType::kCommit) return chain.back();
    const StoredObjectPtr object = read_structured_object(store, git_dir, odb.get(), chain.back(), std::nullopt, skips);
    if (!object) {
      problem = "object " + chain.back().hex() + " cannot be read";
      return std::nullopt;
    }
    if (object->type == ObjectType::kCommit) return chain.back();
    if (object->type != ObjectType::kTag) {
      problem = "points at a " + std::string(object_type_name(object->type)) + ", not a commit";
      return std::nullopt;
    }
    const auto target = tag_target(object->view());
    if (!target) {
      problem = "tag " + chain.back().hex() + " is malformed";
      return std::nullopt;
    }
    if (std::find(chain.begin(), chain.end(), *target) != chain.end()) {
      problem = "tag " + chain.back().hex() + " points back into its own chain";
      return std::nullopt;
    }
    chain.push_back(*target);
  }
  problem = "a chain of more than " + std::to_string(kMaxTagChain) + " tags";
  return std::nullopt;
}

std::vector<RefInfo> list_refs(git_repository* repo, const ObjectStore& store, SkipLog& skips) {
  const RefFiles files = read_ref_files(git_repository_commondir(repo));
  for (const RefProblem& problem : files.problems) skips.add(SkipReason::kUnreadableRef, problem.name, problem.why);
  std::unordered_map<std::string_view, const StoredRef*> by_name;
  by_name.reserve(files.refs.size());
  for (const StoredRef& ref : files.refs) by_name.emplace(ref.name, &ref);

  std::vector<RefInfo> refs;
  refs.reserve(files.refs.size() + 1);
  auto add = [&](const StoredRef& stored) {
    // A symbolic ref names the ref it points at, as far as git follows.
    const StoredRef* ref = &stored;
    for (int level = 0; !ref->target.empty(); ++level) {
      if (level == kMaxSymbolicRefDepth) {
        skips.add(SkipReason::kUnreadableRef, stored.name,
                  "a chain of more than " + std::to_string(kMaxSymbolicRefDepth) + " symbolic refs");
        return;
      }
      const auto next = by_name.find(ref->target);
      if (next == by_name.end()) {
        skips.add(SkipReason::kUnreadableRef, stored.name,
                  "a symbolic ref to " + ref->target + ", which is no ref here");
        return;
      }
      ref = next->second;
    }
    std::string problem;
    if (const auto commit = peel_to_commit(store, repo, ref->id, skips, problem)) {
      refs.push_back({stored.name, *commit});
    } else {
      skips.add(SkipReason::kUnreadableRef, stored.name, problem);
    }
  };
  for (const StoredRef& ref : files.refs) add(ref);

  // A detached HEAD may hold commits no ref reaches. One that cannot be
  // read is no detached HEAD, as git takes it.
  std::string head_problem;
  if (const std::optional<StoredRef> head = read_head(git_repository_path(repo), head_problem);
      head && head->target.empty()) {
    add(*head);
  }
  std::sort(refs.begin(), refs.end(), [](const RefInfo& a, const RefInfo& b) { return a.name < b.name; });
  return refs;
}

std::vector<RefInfo> scoped_refs(git_repository* repo, const ObjectStore& store, const HistoryScope& scope,
                                 SkipLog& skips) {
  if (scope.tip.empty()) {
    std::vector<RefInfo> refs = list_refs(repo, store, skips);
    if (!scope.ref_prefix.empty()) {
      std::erase_if(refs, [&](const RefInfo& ref) { return !ref.name.starts_with(scope.ref_prefix); });
    }
    return refs;
  }
  git_object* raw = nullptr;
  git_reference* raw_ref = nullptr;
  git_check(git_revparse_ext(&raw, &raw_ref, repo, scope.tip.c_str()), "resolving '" + scope.tip + "'");
  ObjectPtr object(raw);
  ReferencePtr ref(raw_ref);
  const ObjectId commit = peel_revision(repo, store, raw, scope.tip, skips);
  return {{ref ? git_reference_name(ref.get()) : scope.tip, commit}};
}

ObjectId resolve_commit(git_repository* repo, const ObjectStore& store, const std::string& revision, SkipLog& skips) {
  git_object* raw = nullptr;
  git_check(git_revparse_single(&raw, repo, revision.c_str()), "resolving '" + revision + "'");
  ObjectPtr object(raw);
  return peel_revision(repo, store, raw, revision, skips);
}

}  // namespace trawl
