// RAII ownership of libgit2 handles and the one place libgit2 error codes
// become exceptions. No other code sees a raw handle it must free or an
// unchecked return code.
#pragma once

#include <git2.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "content/object_id.h"
#include "content/skip_log.h"

namespace trawl {

// A libgit2 call failed; what() carries libgit2's own message and the
// operation that was attempted. code() is libgit2's error code.
class GitError : public std::runtime_error {
 public:
  GitError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const noexcept { return code_; }
  bool not_found() const noexcept { return code_ == GIT_ENOTFOUND; }

 private:
  int code_;
};

// Throws GitError when `code` is negative, naming `operation`.
void git_check(int code, const std::string& operation);

// Initialises libgit2 for the process lifetime (idempotent, thread-safe).
void git_library_init();

template <typename T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* p) const noexcept {
    if (p != nullptr) Free(p);
  }
};

using RepositoryPtr = std::unique_ptr<git_repository, GitDeleter<git_repository, git_repository_free>>;
using CommitPtr = std::unique_ptr<git_commit, GitDeleter<git_commit, git_commit_free>>;
using TreePtr = std::unique_ptr<git_tree, GitDeleter<git_tree, git_tree_free>>;
using TreeEntryPtr = std::unique_ptr<git_tree_entry, GitDeleter<git_tree_entry, git_tree_entry_free>>;
using OdbPtr = std::unique_ptr<git_odb, GitDeleter<git_odb, git_odb_free>>;
using OdbObjectPtr = std::unique_ptr<git_odb_object, GitDeleter<git_odb_object, git_odb_object_free>>;
using ReferencePtr = std::unique_ptr<git_reference, GitDeleter<git_reference, git_reference_free>>;
using ReferenceIteratorPtr =
    std::unique_ptr<git_reference_iterator, GitDeleter<git_reference_iterator, git_reference_iterator_free>>;
using ObjectPtr = std::unique_ptr<git_object, GitDeleter<git_object, git_object_free>>;

// Opens the repository at `path` exactly (bare or non-bare, no search upward
// past it). Throws GitError naming the path when it is not a repository.
RepositoryPtr open_repository(const std::string& path);

// The repository holding `path` (a work tree, a directory inside one, or a
// git directory), found by looking upward from it as git does, without
// running git: its work tree, or its git directory when bare. Throws
// GitError when none holds it.
std::string discover_repository(const std::string& path);

// Hex form of an object id.
std::string oid_hex(const git_oid& oid);

ObjectId to_object_id(const git_oid& oid);
git_oid to_git_oid(const ObjectId& id);

// libgit2's message for the last error on this thread, or "unknown error".
std::string last_git_error_message();

// Why an object that libgit2 failed to read with `code` is skipped: missing
// (GIT_ENOTFOUND, as in partial clones) or corrupt (anything else).
SkipReason skip_reason_for_git_error(int code);

}  // namespace trawl
