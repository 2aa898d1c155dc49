// Listing refs, the refs a scope names, resolving revisions and reading the
// shallow boundary, all through libgit2.
#include "source/git/refs.h"

#include <algorithm>
#include <fstream>

#include "source/git/git_handles.h"

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

std::vector<RefInfo> scoped_refs(git_repository* repo, const HistoryScope& scope, SkipLog& skips) {
  if (scope.tip.empty()) {
    std::vector<RefInfo> refs = list_refs(repo, skips);
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

}  // namespace trawl
