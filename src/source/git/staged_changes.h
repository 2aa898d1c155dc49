// What `git commit` would record on top of HEAD: each path whose blob in the
// index differs from HEAD's, with both contents, for pre-commit scans; or
// what `git add` would stage: each tracked file in the work tree that differs
// from the index. Read with libgit2 from the index file, the object database
// and the work tree; no git process.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "content/object_id.h"
#include "content/skip_log.h"

namespace trawl {

// Which changes: the index over HEAD (`protect --staged`), or the work tree
// over the index (`protect`; untracked files are not changes).
enum class PendingChanges { kStaged, kUnstaged };

// One changed file. For unstaged changes "staged" is the work tree's version
// and "head" the index's.
struct StagedFile {
  std::string path;
  ObjectId staged_id;
  std::string staged;               // the index's content
  ObjectId head_id;                 // zero when HEAD had nothing readable at the path
  std::optional<std::string> head;  // HEAD's content at the path, if it had one
};

struct StagedChanges {
  std::string root;               // the work tree
  std::vector<StagedFile> files;  // by path
  std::uint64_t bytes = 0;
};

// Staged files of the repository at `repo_path` (a work tree): every entry of
// the index whose blob differs from HEAD's at its path, whatever flags the
// entry carries (assume-unchanged included). Files that are
// binary, over `max_blob_size`, LFS pointers or unreadable are recorded in
// `skips` and left out. Throws GitError when it is not a repository with a
// work tree or its index cannot be read.
// Unstaged changes: every tracked file of the work tree is read (bounded by
// `max_blob_size`) and hashed, whatever the index's cached sizes and times
// say; work tree files that are symlinks are not followed.
StagedChanges read_staged_changes(const std::string& repo_path, std::uint64_t max_blob_size, SkipLog& skips,
                                  PendingChanges which = PendingChanges::kStaged);

}  // namespace trawl
