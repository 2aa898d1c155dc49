// One libgit2 repository handle per worker thread. libgit2 objects must not
// be shared between threads, so each TBB worker opens its own handle (with
// its own object cache and pack windows) on first use.
#pragma once

#include <tbb/enumerable_thread_specific.h>

#include <string>

#include "source/git/git_handles.h"

namespace trawl {

class RepositoryPool {
 public:
  explicit RepositoryPool(std::string git_dir) : git_dir_(std::move(git_dir)) {}

  // The calling thread's handle, opened on first use.
  git_repository* local() {
    RepositoryPtr& repo = handles_.local();
    if (!repo) repo = open_repository(git_dir_);
    return repo.get();
  }

 private:
  std::string git_dir_;
  tbb::enumerable_thread_specific<RepositoryPtr> handles_;
};

}  // namespace trawl
