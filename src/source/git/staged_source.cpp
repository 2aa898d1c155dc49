#include "source/git/staged_source.h"

#include <unordered_set>

#include "source/git/git_handles.h"

namespace trawl {

StagedSource::StagedSource(const std::string& repo_path, std::uint64_t max_blob_size, PendingChanges which)
    : repo_path_(repo_path), max_blob_size_(max_blob_size), which_(which) {
  const RepositoryPtr repo = open_repository(repo_path);
  const char* workdir = git_repository_workdir(repo.get());
  if (workdir == nullptr) throw GitError(GIT_EBAREREPO, "'" + repo_path + "' has no work tree, so nothing is staged");
  root_ = workdir;
}

void StagedSource::list(SkipLog& skips) {
  staged_ = read_staged_changes(repo_path_, max_blob_size_, skips, which_);
  blob_count_ = staged_.files.size() + skips.total();
  for (const StagedFile& file : staged_.files) {
    BlobIntroduction intro;
    intro.path = file.path;
    intro.blob = file.staged_id;
    intro.parent_blobs.emplace_back(file.head_id);
    provenance_.introductions.push_back(std::move(intro));
  }
}

void StagedSource::read(BatchOutput& out, SkipLog& /*skips*/) {
  BatchFiller filler(out);
  std::unordered_set<BlobKey, BlobKeyHash> added;
  for (const StagedFile& file : staged_.files) {
    if (added.insert(file.staged_id).second) filler.add(file.staged_id, file.staged);
  }
  for (const StagedFile& file : staged_.files) {
    if (!file.head || added.contains(file.head_id)) continue;
    added.insert(file.head_id);
    filler.add(file.head_id, *file.head);
    ++comparison_.blobs;
    comparison_.bytes += file.head->size();
  }
  filler.finish();
}

}  // namespace trawl
