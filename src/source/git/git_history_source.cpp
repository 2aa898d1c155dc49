#include "source/git/git_history_source.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <unordered_map>

#include "content/sha256.h"
#include "source/git/git_handles.h"
#include "source/git/object_store.h"
#include "source/git/refs.h"

namespace trawl {
namespace {

// SHA-256 over the names of the repository's packs and loose objects and
// its alternates file: which objects it holds, without reading them.
std::string object_listing_digest(const std::string& git_dir) {
  const std::filesystem::path objects = std::filesystem::path(git_dir) / "objects";
  std::vector<std::string> names;
  std::error_code error;
  for (std::filesystem::directory_iterator dir(objects, error), end; !error && dir != end; dir.increment(error)) {
    const std::string name = dir->path().filename().string();
    if (name == "pack" || (name.size() == 2 && std::isxdigit(static_cast<unsigned char>(name[0])) != 0)) {
      std::error_code inner;
      for (std::filesystem::directory_iterator file(dir->path(), inner), last; !inner && file != last;
           file.increment(inner)) {
        names.push_back(name + "/" + file->path().filename().string());
      }
    }
  }
  std::sort(names.begin(), names.end());
  std::string text;
  for (const std::string& name : names) text += name + "\n";
  std::ifstream alternates(objects / "info" / "alternates", std::ios::binary);
  text += "alternates\n";
  text.append(std::istreambuf_iterator<char>(alternates), std::istreambuf_iterator<char>());
  return sha256_hex(text);
}

}  // namespace

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
  if (!packs_) packs_.emplace(git_dir_);
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

std::optional<ListingState> GitHistorySource::listing_state() {
  packs_.emplace(git_dir_);
  if (!packs_->problems().empty()) return std::nullopt;
  const RepositoryPtr repo = open_repository(git_dir_);
  const ObjectStore store(*packs_);
  SkipLog skips;
  ListingState state;
  state.refs = scoped_refs(repo.get(), store, options_.scope, skips);
  const HistoryScope& scope = options_.scope;
  std::string text = "tip " + scope.tip + "\nexclude " + scope.exclude + "\n";
  if (!scope.exclude.empty())
    text += "excluded " + resolve_commit(repo.get(), store, scope.exclude, skips).hex() + "\n";
  text += "since " + std::to_string(scope.since) + "\nuntil " + std::to_string(scope.until) + "\nref_prefix " +
          scope.ref_prefix + "\nauthor " + scope.author + "\n";
  for (const std::string& path : scope.paths) text += "path " + path + "\n";
  text += "max_blob_size " + std::to_string(options_.max_blob_size) + "\nblob_source " +
          std::to_string(static_cast<int>(options_.blob_source)) + "\n";
  for (const RefInfo& ref : state.refs) text += "ref " + ref.commit.hex() + " " + ref.name + "\n";
  const auto boundary = read_shallow_boundary(repo.get());
  std::set<ObjectId> shallow(boundary.begin(), boundary.end());
  for (const ObjectId& id : shallow) text += "shallow " + id.hex() + "\n";
  // Refs that peel to no commit (a tag of a tree) are part of the state:
  // the walk skips them again, and counts them.
  for (const SkippedObject& skipped : skips.entries()) {
    text += "skipped " + std::string(skip_reason_name(skipped.reason)) + " " + skipped.id + "\n";
  }
  state.digest = sha256_hex(text);
  state.objects = object_listing_digest(git_dir_);
  return state;
}

void GitHistorySource::read(BatchOutput& out, SkipLog& skips) {
  BlobReadOptions read_options;
  read_options.max_blob_size = options_.max_blob_size;
  read_options.threads = options_.threads;
  read_options.source = options_.blob_source;
  read_options.matcher = matcher_;
  BatchFiller filler(out);
  const BlobReadStats stats =
      read_blobs(git_dir_, *packs_, read_only_ ? *read_only_ : history_.blobs, read_options, skips, filler);
  summary_.blobs_from_packs = stats.from_packs;
  summary_.blobs_from_libgit2 = stats.from_libgit2;
  if (matcher_ != nullptr) {
    const DeltaMatchCounts counts = matcher_->counts();
    summary_.bytes_rebuilt = counts.object_bytes + counts.delta_bytes;
    summary_.bytes_matched = counts.object_bytes + counts.window_bytes;
    summary_.keywords_found = counts.keywords_found;
    summary_.keywords_handed = counts.keywords_handed;
  }
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
