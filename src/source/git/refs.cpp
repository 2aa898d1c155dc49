// Listing refs, the refs a scope names, resolving revisions and reading the
// shallow boundary, all through libgit2.
#include "source/git/refs.h"

#include <algorithm>
#include <fstream>
#include <string_view>

#include "source/git/git_handles.h"
#include "source/git/loose_object.h"

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
  git_odb* raw_odb = nullptr;
  if (git_repository_odb(&raw_odb, repo) < 0) {
    problem = last_git_error_message();
    return std::nullopt;
  }
  const OdbPtr odb(raw_odb);
  const std::string git_dir = git_repository_path(repo);
  std::vector<ObjectId> chain{id};
  for (int level = 0; level <= kMaxTagChain; ++level) {
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
  std::vector<RefInfo> refs;
  auto add = [&](git_reference* ref, const std::string& name) {
    git_reference* raw_resolved = nullptr;
    if (git_reference_resolve(&raw_resolved, ref) < 0) {
      skips.add(SkipReason::kUnreadableRef, name, last_git_error_message());
      return;
    }
    const ReferencePtr resolved(raw_resolved);
    const git_oid* target = git_reference_target(resolved.get());
    if (target == nullptr) {
      skips.add(SkipReason::kUnreadableRef, name, "points at no object");
      return;
    }
    std::string problem;
    if (const auto commit = peel_to_commit(store, repo, to_object_id(*target), skips, problem)) {
      refs.push_back({name, *commit});
    } else {
      skips.add(SkipReason::kUnreadableRef, name, problem);
    }
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
