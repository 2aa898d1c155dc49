// A repository's history as a ContentSource: list() walks the refs and the
// commit graph in scope and finds where each blob was introduced
// (history.h); read() reads every unique blob once (blob_reader.h);
// tip_locations() searches the refs' tip trees for the secrets' blobs, and
// commit_locations() the trees of given commits.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "source/content_source.h"
#include "source/git/blob_reader.h"
#include "source/git/history.h"
#include "source/git/pack_set.h"

namespace trawl {

struct GitHistoryOptions {
  HistoryScope scope;
  unsigned threads = 0;  // 0: all cores
  std::uint64_t max_blob_size = 64ull << 20;
  BlobSource blob_source = BlobSource::kPacks;
  WalkProgress* progress = nullptr;  // optional
};

class GitHistorySource final : public ContentSource {
 public:
  // Opens the repository at `repo_path` (a work tree or a git directory).
  // Throws GitError when it is not one.
  GitHistorySource(const std::string& repo_path, GitHistoryOptions options);

  const std::string& root() const override { return root_; }
  // Throws GitError when the refs cannot be listed or a scope's revision
  // names no commit.
  void list(SkipLog& skips) override;
  const Provenance& provenance() const override { return history_; }
  std::uint64_t blob_count() const override { return history_.blobs.size(); }
  void read(BatchOutput& out, SkipLog& skips) override;
  std::optional<std::vector<BlobKey>> listed_blobs() const override;
  void read_only(const std::vector<BlobKey>& blobs) override;
  std::vector<std::vector<BlobLocation>> tip_locations(const std::unordered_set<BlobKey, BlobKeyHash>& wanted,
                                                       SkipLog& skips) override;
  std::vector<std::vector<BlobLocation>> commit_locations(const std::vector<std::uint32_t>& commits,
                                                          const std::unordered_set<BlobKey, BlobKeyHash>& wanted,
                                                          SkipLog& skips) override;
  // Throws GitError when a scope's revision names no commit.
  std::optional<ListingState> listing_state() override;
  std::optional<GitSummary> git_summary() const override { return summary_; }
  void match_while_reading(const DeltaMatcher* matcher) override { matcher_ = matcher; }

 private:
  std::string git_dir_;
  std::string root_;
  GitHistoryOptions options_;
  // Opened once in list(), for the walk, the blob reader and the tips' search.
  std::optional<PackSet> packs_;
  History history_;
  std::optional<std::vector<ObjectId>> read_only_;  // read_only(): what read() reads instead of every blob
  GitSummary summary_;
  const DeltaMatcher* matcher_ = nullptr;
};

}  // namespace trawl
