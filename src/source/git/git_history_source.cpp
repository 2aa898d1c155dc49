#include "source/git/git_history_source.h"

#include <chrono>
#include <set>
#include <unordered_map>

#include "source/git/git_handles.h"

namespace trawl {

GitHistorySource::GitHistorySource(const std::string& repo_path, GitHistoryOptions options)
    : options_(std::move(options)) {
  const RepositoryPtr repo = open_repository(repo_path);
  git_dir_ = git_repository_path(repo.get());
  const char* workdir = git_repository_workdir(repo.get());
  root_ = workdir != nullptr ? workdir : git_dir_;
}

void GitHistorySource::list(SkipLog& skips) {
  const auto started = std::chrono::steady_clock::now();
  const WalkOptions walk{options_.threads, options_.scope, options_.progress};
  packs_.emplace(git_dir_);
  // A damaged pack is counted once, under its own name, besides the objects
  // in it that cannot be read.
  for (const PackSet::Problem& problem : packs_->problems()) {
    skips.add(SkipReason::kCorruptObject, problem.pack, problem.what);
  }
  history_ = walk_history(git_dir_, *packs_, walk, skips);
  summary_.refs = history_.refs.size();
  summary_.commits = history_.commits_in_scope;
  summary_.shallow = history_.shallow;
  summary_.walk_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

void GitHistorySource::read(BatchOutput& out, SkipLog& skips) {
  BlobReadOptions read_options;
  read_options.max_blob_size = options_.max_blob_size;
  read_options.threads = options_.threads;
  read_options.source = options_.blob_source;
  BatchFiller filler(out);
  const BlobReadStats stats =
      read_blobs(git_dir_, *packs_, read_only_ ? *read_only_ : history_.blobs, read_options, skips, filler);
  summary_.blobs_from_packs = stats.from_packs;
  summary_.blobs_from_libgit2 = stats.from_libgit2;
}

std::optional<std::vector<BlobKey>> GitHistorySource::listed_blobs() const {
  return std::vector<BlobKey>(history_.blobs.begin(), history_.blobs.end());
}

void GitHistorySource::read_only(const std::vector<BlobKey>& blobs) {
  read_only_.emplace();
  read_only_->reserve(blobs.size());
  for (const BlobKey& key : blobs) read_only_->push_back(key.git_id());
}

std::vector<std::vector<BlobLocation>> GitHistorySource::tip_locations(
    const std::unordered_set<BlobKey, BlobKeyHash>& wanted_keys, SkipLog& skips) {
  std::unordered_set<ObjectId, ObjectIdHash> wanted;
  for (const BlobKey& key : wanted_keys) wanted.insert(key.git_id());
  std::unordered_map<ObjectId, ObjectId, ObjectIdHash> tree_of;
  for (const CommitInfo& c : history_.commits) tree_of.emplace(c.id, c.tree);
  std::vector<ObjectId> trees;
  for (const RefInfo& ref : history_.refs) {
    auto it = tree_of.find(ref.commit);
    trees.push_back(it != tree_of.end() ? it->second : ObjectId{});
  }
  // When every commit was compared with its parents, a tip holds a wanted
  // blob only at a path where some commit introduced it.
  if (history_.commits_in_scope != history_.commits.size()) {
    return locate_blobs(git_dir_, *packs_, trees, wanted, skips, options_.threads);
  }
  std::set<std::string> paths;
  for (const BlobIntroduction& intro : history_.introductions) {
    if (wanted_keys.contains(intro.blob)) paths.insert(intro.path);
  }
  const std::vector<std::string> path_list(paths.begin(), paths.end());
  return locate_blobs(git_dir_, *packs_, trees, wanted, skips, options_.threads, &path_list);
}

std::vector<std::vector<BlobLocation>> GitHistorySource::commit_locations(
    const std::vector<std::uint32_t>& commits, const std::unordered_set<BlobKey, BlobKeyHash>& wanted_keys,
    SkipLog& skips) {
  std::unordered_set<ObjectId, ObjectIdHash> wanted;
  for (const BlobKey& key : wanted_keys) wanted.insert(key.git_id());
  std::vector<ObjectId> trees;
  trees.reserve(commits.size());
  for (std::uint32_t c : commits) trees.push_back(history_.commits.at(c).tree);
  return locate_blobs(git_dir_, *packs_, trees, wanted, skips, options_.threads);
}

}  // namespace trawl
