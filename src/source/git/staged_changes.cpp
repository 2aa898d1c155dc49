#include "source/git/staged_changes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "source/content_source.h"
#include "source/git/git_handles.h"

namespace trawl {
namespace {

using IndexPtr = std::unique_ptr<git_index, GitDeleter<git_index, git_index_free>>;
using BlobPtr = std::unique_ptr<git_blob, GitDeleter<git_blob, git_blob_free>>;

// The blob's content, or nullopt (logged) when it cannot be read or is over
// `max_size` (its size is read from the object's header first, so an
// oversized blob is never inflated).
std::optional<std::string> read_blob(git_repository* repo, git_odb* odb, const git_oid& id, std::uint64_t max_size,
                                     SkipLog& skips) {
  std::size_t size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  if (const int code = git_odb_read_header(&size, &type, odb, &id); code < 0) {
    skips.add(skip_reason_for_git_error(code), oid_hex(id), last_git_error_message());
    return std::nullopt;
  }
  if (type != GIT_OBJECT_BLOB) {
    skips.add(SkipReason::kCorruptObject, oid_hex(id), "expected a blob");
    return std::nullopt;
  }
  if (size > max_size) {
    skips.add(SkipReason::kTooLarge, oid_hex(id), std::to_string(size) + " bytes");
    return std::nullopt;
  }
  git_blob* raw = nullptr;
  if (const int code = git_blob_lookup(&raw, repo, &id); code < 0) {
    skips.add(skip_reason_for_git_error(code), oid_hex(id), last_git_error_message());
    return std::nullopt;
  }
  BlobPtr blob(raw);
  return std::string(static_cast<const char*>(git_blob_rawcontent(raw)),
                     static_cast<std::size_t>(git_blob_rawsize(raw)));
}

// HEAD's blob at `path`, if HEAD has a blob (not a tree or a submodule) there.
std::optional<git_oid> head_blob_at(git_tree* head_tree, const char* path) {
  if (head_tree == nullptr) return std::nullopt;
  git_tree_entry* raw = nullptr;
  if (git_tree_entry_bypath(&raw, head_tree, path) != 0) return std::nullopt;
  TreeEntryPtr entry(raw);
  if (git_tree_entry_type(raw) != GIT_OBJECT_BLOB) return std::nullopt;
  return *git_tree_entry_id(raw);
}

// The work tree's version of an indexed file.
struct WorkTreeFile {
  std::optional<std::string> contents;  // nullopt: not read (see why)
  bool too_large = false;
  std::uint64_t size = 0;
};

// Reads the work tree's file at `path`, at most `max_size` bytes of it: never
// through a symlink, never blocking on a FIFO, only a regular file. What
// cannot be read is recorded in `skips`; a file that is not there, or is not
// a regular file any more, is not a change `git add` would stage as content.
WorkTreeFile read_work_tree_file(const std::string& root, const std::string& path, std::uint64_t max_size,
                                 SkipLog& skips) {
  WorkTreeFile file;
  const std::string full = (std::filesystem::path(root) / path).string();
  const int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) {
    if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR)
      skips.add(SkipReason::kUnreadablePath, path, std::strerror(errno));
    return file;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return file;
  }
  file.size = static_cast<std::uint64_t>(st.st_size);
  if (file.size > max_size) {
    ::close(fd);
    file.too_large = true;
    return file;
  }
  std::string contents;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      skips.add(SkipReason::kUnreadablePath, path, std::strerror(errno));
      ::close(fd);
      return file;
    }
    if (got == 0) break;
    if (contents.size() + static_cast<std::uint64_t>(got) > max_size) {
      ::close(fd);
      file.size = contents.size() + static_cast<std::uint64_t>(got);
      file.too_large = true;
      return file;
    }
    contents.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  file.size = contents.size();
  file.contents = std::move(contents);
  return file;
}

}  // namespace

StagedChanges read_staged_changes(const std::string& repo_path, std::uint64_t max_blob_size, SkipLog& skips,
                                  PendingChanges which) {
  RepositoryPtr repo = open_repository(repo_path);
  const char* workdir = git_repository_workdir(repo.get());
  if (workdir == nullptr) throw GitError(GIT_EBAREREPO, "'" + repo_path + "' has no work tree, so nothing is staged");

  StagedChanges changes;
  changes.root = workdir;
  git_index* raw_index = nullptr;
  git_check(git_repository_index(&raw_index, repo.get()), "reading the index");
  IndexPtr index(raw_index);
  git_odb* raw_odb = nullptr;
  git_check(git_repository_odb(&raw_odb, repo.get()), "opening the object database");
  OdbPtr odb(raw_odb);

  // An unborn HEAD (no commit yet) compares the index with nothing.
  TreePtr head_tree;
  git_object* head = nullptr;
  if (git_revparse_single(&head, repo.get(), "HEAD^{tree}") == 0) head_tree.reset(reinterpret_cast<git_tree*>(head));

  // Every entry of the index itself, not a diff: a diff trusts the entries'
  // flags (assume-unchanged, skip-worktree) and cached sizes and times, which
  // anyone with `git update-index` sets, and would pass over what they mark.
  // The index is sorted by path, so the files come out by path.
  const bool in_work_tree = which == PendingChanges::kUnstaged;
  const std::size_t count = git_index_entrycount(index.get());
  for (std::size_t i = 0; i < count; ++i) {
    const git_index_entry* entry = git_index_get_byindex(index.get(), i);
    if (entry == nullptr || entry->mode == GIT_FILEMODE_COMMIT) continue;
    // A conflicted path has no stage 0 and up to three staged versions; the
    // next entry with the same path and id adds nothing.
    if (i > 0) {
      const git_index_entry* previous = git_index_get_byindex(index.get(), i - 1);
      if (previous != nullptr && std::strcmp(previous->path, entry->path) == 0 &&
          git_oid_equal(&previous->id, &entry->id) != 0) {
        continue;
      }
    }
    std::optional<git_oid> base_id;
    git_oid new_id = entry->id;
    std::optional<std::string> staged;
    if (in_work_tree) {
      // A work tree symlink may lead anywhere: not followed. A conflicted
      // path has no one version to compare with.
      if (entry->mode == GIT_FILEMODE_LINK || GIT_INDEX_ENTRY_STAGE(entry) != 0) continue;
      WorkTreeFile file = read_work_tree_file(changes.root, entry->path, max_blob_size, skips);
      if (file.too_large) {
        // Not read, so not hashed: a change unless it has the index's size.
        std::size_t indexed_size = 0;
        git_object_t type = GIT_OBJECT_INVALID;
        if (git_odb_read_header(&indexed_size, &type, odb.get(), &entry->id) < 0 || indexed_size != file.size) {
          skips.add(SkipReason::kTooLarge, entry->path, std::to_string(file.size) + " bytes");
        }
        continue;
      }
      if (!file.contents) continue;
      git_check(git_odb_hash(&new_id, file.contents->data(), file.contents->size(), GIT_OBJECT_BLOB), "hashing");
      if (git_oid_equal(&new_id, &entry->id) != 0) continue;
      base_id = entry->id;
      staged = std::move(file.contents);
    } else {
      base_id = head_blob_at(head_tree.get(), entry->path);
      if (base_id && git_oid_equal(&*base_id, &entry->id) != 0) continue;
      staged = read_blob(repo.get(), odb.get(), entry->id, max_blob_size, skips);
      if (!staged) continue;
    }
    const std::string id = oid_hex(new_id);
    if (looks_binary(*staged)) {
      skips.add(SkipReason::kBinary, id);
      continue;
    }
    if (is_lfs_pointer(*staged)) {
      skips.add(SkipReason::kLfsPointer, id);
      continue;
    }
    StagedFile file{entry->path, to_object_id(new_id), std::move(*staged), {}, std::nullopt};
    if (base_id) {
      file.head = read_blob(repo.get(), odb.get(), *base_id, max_blob_size, skips);
      if (file.head) file.head_id = to_object_id(*base_id);
    }
    changes.bytes += file.staged.size();
    changes.files.push_back(std::move(file));
  }
  return changes;
}

}  // namespace trawl
