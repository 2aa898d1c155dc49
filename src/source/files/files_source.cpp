#include "source/files/files_source.h"

#include <tbb/concurrent_unordered_set.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <filesystem>
#include <system_error>
#include <utility>

namespace trawl {

FilesSource::FilesSource(std::string root, std::uint64_t max_size, unsigned threads, bool follow_file_links)
    : root_(std::move(root)), max_size_(max_size), threads_(threads), follow_file_links_(follow_file_links) {
  std::error_code error;
  if (std::filesystem::is_regular_file(std::filesystem::status(root_, error))) {
    const std::filesystem::path file(root_);
    single_file_ = file.filename().string();
    root_ = file.has_parent_path() ? file.parent_path().string() : ".";
  }
  check_directory(root_);
}

FilesSource::FilesSource(std::istream& in, std::string root, std::uint64_t max_size)
    : root_(std::move(root)), stdin_(&in), max_size_(max_size), threads_(1) {}

FilesSource::FilesSource(std::vector<std::string> inputs, std::uint64_t max_size, unsigned threads,
                         std::function<bool(const std::string& path)> keep)
    : root_("."), max_size_(max_size), threads_(threads), inputs_(std::move(inputs)), keep_(std::move(keep)) {}

void FilesSource::list(SkipLog& skips) {
  if (!inputs_.empty()) {
    for (const std::string& input : inputs_) {
      std::error_code error;
      const auto status = std::filesystem::symlink_status(input, error);
      if (std::filesystem::is_regular_file(status)) {
        listing_.paths.push_back(input);
        continue;
      }
      if (!std::filesystem::is_directory(status)) {
        throw DirectoryError(input + ": not a file or a directory");
      }
      DirectoryListing found = list_directory(input, skips);
      listing_.symlinks += found.symlinks;
      listing_.special_files += found.special_files;
      const std::string prefix = input == "." ? "" : (input.ends_with('/') ? input : input + "/");
      for (const std::string& path : found.paths) {
        std::string listed = prefix + path;
        if (keep_(listed)) listing_.paths.push_back(std::move(listed));
      }
    }
    return;
  }
  if (stdin_ != nullptr) {
    listing_.paths.push_back("stdin");
  } else if (!single_file_.empty()) {
    listing_.paths.push_back(single_file_);
  } else {
    listing_ = list_directory(root_, skips, follow_file_links_);
  }
}

void FilesSource::read(BatchOutput& out, SkipLog& skips) {
  BatchFiller filler(out);
  std::vector<BlobKey> keys(listing_.paths.size());
  tbb::concurrent_unordered_set<BlobKey, BlobKeyHash> added;
  auto deliver = [&](std::size_t i, const std::string& contents) {
    keys[i] = BlobKey::sha256_of(contents);
    if (added.insert(keys[i]).second) filler.add(keys[i], contents);
  };
  if (stdin_ != nullptr) {
    std::string contents;
    if (read_scannable_stream(*stdin_, "stdin", max_size_, skips, contents)) deliver(0, contents);
  } else {
    const int threads = threads_ == 0 ? tbb::this_task_arena::max_concurrency() : static_cast<int>(threads_);
    tbb::task_arena arena(threads);
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, listing_.paths.size(), [&](std::size_t i) {
        std::string contents;
        if (read_scannable_file(root_, listing_.paths[i], max_size_, skips, contents, follow_file_links_))
          deliver(i, contents);
      });
    });
  }
  filler.finish();
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].is_zero()) continue;
    BlobIntroduction intro;
    intro.path = listing_.paths[i];
    intro.blob = keys[i];
    provenance_.introductions.push_back(std::move(intro));
  }
}

}  // namespace trawl
