// One libgit2 repository handle per worker thread. libgit2 objects must not
// be shared between threads, so each TBB worker opens its own handle (with
// its own object cache and pack windows) on first use.
//
// Given the scan's PackSet, a handle reads objects only from the loose
// objects, the alternates and the packs the set found safe for libgit2
// (pack_set.h): a pack trawl's own checks found damaged is never shown to
// libgit2, which crashes or loops on some of them.
#pragma once

#include <tbb/enumerable_thread_specific.h>

#include <string>

#include "source/git/git_handles.h"
#include "source/git/pack_set.h"

namespace trawl {

// The repository at `git_dir`, whose object database reads only the packs
// `packs` lets libgit2 read. Throws GitError when it cannot be opened.
RepositoryPtr open_repository_with_checked_packs(const std::string& git_dir, const PackSet& packs);

class RepositoryPool {
 public:
  explicit RepositoryPool(std::string git_dir, const PackSet* packs = nullptr)
      : git_dir_(std::move(git_dir)), packs_(packs) {}

  // The calling thread's handle, opened on first use.
  git_repository* local() {
    RepositoryPtr& repo = handles_.local();
    if (!repo)
      repo = packs_ != nullptr ? open_repository_with_checked_packs(git_dir_, *packs_) : open_repository(git_dir_);
    return repo.get();
  }

 private:
  std::string git_dir_;
  const PackSet* packs_;
  tbb::enumerable_thread_specific<RepositoryPtr> handles_;
};

}  // namespace trawl
