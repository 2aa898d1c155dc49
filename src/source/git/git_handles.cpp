#include "source/git/git_handles.h"

#include <cstring>
#include <filesystem>
#include <mutex>

namespace trawl {

void git_library_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    // Object ids come from the repository itself; re-hashing every object
    // read would only cost time.
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, static_cast<ssize_t>(256) * 1024 * 1024);
  });
}

void git_check(int code, const std::string& operation) {
  if (code >= 0) return;
  const git_error* err = git_error_last();
  std::string message = operation;
  if (err != nullptr && err->message != nullptr) {
    message += ": ";
    message += err->message;
  }
  throw GitError(code, message);
}

RepositoryPtr open_repository(const std::string& path) {
  git_library_init();
  git_repository* raw = nullptr;
  const int code = git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr);
  if (code < 0) {
    const git_error* err = git_error_last();
    std::string message = "'" + path + "' is not a git repository";
    if (err != nullptr && err->message != nullptr) message += std::string(" (") + err->message + ")";
    throw GitError(code, message);
  }
  return RepositoryPtr(raw);
}

std::string discover_repository(const std::string& path) {
  git_library_init();
  git_repository* raw = nullptr;
  const int code = git_repository_open_ext(&raw, path.c_str(), 0, nullptr);
  if (code < 0) {
    const git_error* err = git_error_last();
    std::string message = "'" + path + "' is not a git repository, nor inside one";
    if (err != nullptr && err->message != nullptr) message += std::string(" (") + err->message + ")";
    throw GitError(code, message);
  }
  const RepositoryPtr repo(raw);
  std::string git_dir = git_repository_path(raw);
  // A path that is the git directory itself is scanned as given: a bare
  // mirror without a config file (no core.bare) would otherwise be taken
  // for a work tree's .git, and its parent for the work tree.
  std::error_code ec;
  if (std::filesystem::equivalent(path, git_dir, ec)) return git_dir;
  const char* workdir = git_repository_workdir(raw);
  return workdir != nullptr ? workdir : git_dir;
}

ObjectId to_object_id(const git_oid& oid) {
  ObjectId id;
  std::memcpy(id.bytes.data(), oid.id, id.bytes.size());
  return id;
}

git_oid to_git_oid(const ObjectId& id) {
  git_oid oid;
  std::memcpy(oid.id, id.bytes.data(), id.bytes.size());
  return oid;
}

std::string last_git_error_message() {
  const git_error* err = git_error_last();
  return err != nullptr && err->message != nullptr ? err->message : "unknown error";
}

SkipReason skip_reason_for_git_error(int code) {
  return code == GIT_ENOTFOUND ? SkipReason::kMissingObject : SkipReason::kCorruptObject;
}

std::string oid_hex(const git_oid& oid) {
  char buf[GIT_OID_HEXSZ + 1];
  git_oid_tostr(buf, sizeof buf, &oid);
  return std::string(buf, GIT_OID_HEXSZ);
}

}  // namespace trawl
