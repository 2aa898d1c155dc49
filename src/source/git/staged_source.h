// What `git commit` would record on top of HEAD, as a ContentSource (for
// `trawl protect --staged`): each staged path is an introduction of the
// index's blob whose one earlier version is HEAD's blob at the path, so a
// secret is reported only where HEAD's version lacks it, at its line in the
// staged file. With PendingChanges::kUnstaged (`trawl protect` without
// --staged) the same for the work tree over the index. Read with libgit2; no
// git process.
#pragma once

#include <string>

#include "source/content_source.h"
#include "source/git/staged_changes.h"

namespace trawl {

class StagedSource final : public ContentSource {
 public:
  // Throws GitError when `repo_path` is not a repository with a work tree.
  StagedSource(const std::string& repo_path, std::uint64_t max_blob_size,
               PendingChanges which = PendingChanges::kStaged);

  const std::string& root() const override { return root_; }
  void list(SkipLog& skips) override;
  const Provenance& provenance() const override { return provenance_; }
  std::uint64_t blob_count() const override { return blob_count_; }
  void read(BatchOutput& out, SkipLog& skips) override;
  // HEAD's versions are read only to compare against.
  ReadShare comparison_only() const override { return comparison_; }

 private:
  std::string repo_path_;
  std::string root_;
  std::uint64_t max_blob_size_;
  PendingChanges which_;
  StagedChanges staged_;
  Provenance provenance_;
  std::uint64_t blob_count_ = 0;
  ReadShare comparison_;
};

}  // namespace trawl
