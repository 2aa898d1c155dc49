#include "source/git/staged_changes.h"

#include <filesystem>
#include <fstream>
#include <iterator>

#include "source/content_source.h"
#include "source/git/git_handles.h"

namespace trawl {
namespace {

using IndexPtr = std::unique_ptr<git_index, GitDeleter<git_index, git_index_free>>;
using DiffPtr = std::unique_ptr<git_diff, GitDeleter<git_diff, git_diff_free>>;
using BlobPtr = std::unique_ptr<git_blob, GitDeleter<git_blob, git_blob_free>>;

// The blob's content, or nullopt (logged) when it cannot be read.
std::optional<std::string> read_blob(git_repository* repo, const git_oid& id, SkipLog& skips) {
  git_blob* raw = nullptr;
  if (const int code = git_blob_lookup(&raw, repo, &id); code < 0) {
    skips.add(skip_reason_for_git_error(code), oid_hex(id), last_git_error_message());
    return std::nullopt;
  }
  BlobPtr blob(raw);
  return std::string(static_cast<const char*>(git_blob_rawcontent(raw)),
                     static_cast<std::size_t>(git_blob_rawsize(raw)));
}

// The work tree's file at `path`, or nullopt (logged) when it cannot be read.
std::optional<std::string> read_work_tree_file(const std::string& root, const std::string& path, SkipLog& skips) {
  std::ifstream in(std::filesystem::path(root) / path, std::ios::binary);
  std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) {
    skips.add(SkipReason::kCorruptObject, path, "cannot be read");
    return std::nullopt;
  }
  return contents;
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

  // An unborn HEAD (no commit yet) compares the index with an empty tree.
  TreePtr head_tree;
  git_object* head = nullptr;
  if (git_revparse_single(&head, repo.get(), "HEAD^{tree}") == 0) head_tree.reset(reinterpret_cast<git_tree*>(head));

  git_diff_options options;
  git_check(git_diff_options_init(&options, GIT_DIFF_OPTIONS_VERSION), "preparing a diff");
  options.flags = GIT_DIFF_IGNORE_SUBMODULES;
  git_diff* raw_diff = nullptr;
  if (which == PendingChanges::kStaged) {
    git_check(git_diff_tree_to_index(&raw_diff, repo.get(), head_tree.get(), index.get(), &options),
              "comparing the index with HEAD");
  } else {
    git_check(git_diff_index_to_workdir(&raw_diff, repo.get(), index.get(), &options),
              "comparing the work tree with the index");
  }
  DiffPtr diff(raw_diff);

  const std::size_t count = git_diff_num_deltas(diff.get());
  for (std::size_t i = 0; i < count; ++i) {
    const git_diff_delta* delta = git_diff_get_delta(diff.get(), i);
    if (delta->status == GIT_DELTA_DELETED || delta->new_file.mode == GIT_FILEMODE_COMMIT) continue;
    const bool in_work_tree = which == PendingChanges::kUnstaged;
    // A work tree symlink may lead anywhere: not followed.
    if (in_work_tree && delta->new_file.mode == GIT_FILEMODE_LINK) continue;
    git_oid new_id = delta->new_file.id;
    const std::string name = in_work_tree ? std::string(delta->new_file.path) : oid_hex(new_id);
    if (delta->new_file.size > max_blob_size) {
      skips.add(SkipReason::kTooLarge, name, std::to_string(delta->new_file.size) + " bytes");
      continue;
    }
    std::optional<std::string> staged = in_work_tree ? read_work_tree_file(changes.root, delta->new_file.path, skips)
                                                     : read_blob(repo.get(), new_id, skips);
    if (!staged) continue;
    if (in_work_tree) git_check(git_odb_hash(&new_id, staged->data(), staged->size(), GIT_OBJECT_BLOB), "hashing");
    const std::string id = oid_hex(new_id);
    if (staged->size() > max_blob_size) {
      skips.add(SkipReason::kTooLarge, id, std::to_string(staged->size()) + " bytes");
      continue;
    }
    if (looks_binary(*staged)) {
      skips.add(SkipReason::kBinary, id);
      continue;
    }
    if (is_lfs_pointer(*staged)) {
      skips.add(SkipReason::kLfsPointer, id);
      continue;
    }
    StagedFile file{delta->new_file.path, to_object_id(new_id), std::move(*staged), {}, std::nullopt};
    if (!git_oid_is_zero(&delta->old_file.id) && delta->old_file.mode != GIT_FILEMODE_COMMIT) {
      file.head = read_blob(repo.get(), delta->old_file.id, skips);
      if (file.head) file.head_id = to_object_id(delta->old_file.id);
    }
    changes.bytes += file.staged.size();
    changes.files.push_back(std::move(file));
  }
  return changes;
}

}  // namespace trawl
