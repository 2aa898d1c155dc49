#include "source/files/directory_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "source/content_source.h"

namespace trawl {
namespace {

namespace fs = std::filesystem;

// Why content that was read is not scanned, if it is not.
bool worth_scanning(const std::string& contents, const std::string& name, std::uint64_t max_size, SkipLog& skips) {
  if (contents.size() > max_size) {
    skips.add(SkipReason::kTooLarge, name, std::to_string(contents.size()) + " bytes");
    return false;
  }
  if (looks_binary(contents)) {
    skips.add(SkipReason::kBinary, name);
    return false;
  }
  if (is_lfs_pointer(contents)) {
    skips.add(SkipReason::kLfsPointer, name);
    return false;
  }
  return true;
}

}  // namespace

void check_directory(const std::string& root) {
  std::error_code error;
  if (!fs::is_directory(fs::symlink_status(root, error)) && !fs::is_directory(root, error)) {
    throw DirectoryError("'" + root + "' is not a directory or a file");
  }
}

DirectoryListing list_directory(const std::string& root, bool follow_file_links) {
  check_directory(root);
  std::error_code error;
  DirectoryListing listing;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, error);
  if (error) throw DirectoryError("cannot read '" + root + "': " + error.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    const fs::directory_entry& entry = *it;
    const fs::file_status status = entry.symlink_status(error);
    if (fs::is_symlink(status)) {
      if (follow_file_links && fs::is_regular_file(fs::status(entry.path(), error))) {
        // At the link's own path: fs::relative would resolve the link.
        listing.paths.push_back(entry.path().lexically_relative(root).generic_string());
      } else {
        ++listing.symlinks;
      }
      continue;
    }
    if (fs::is_directory(status)) {
      if (entry.path().filename() == ".git") it.disable_recursion_pending();
      continue;
    }
    if (fs::is_regular_file(status)) listing.paths.push_back(fs::relative(entry.path(), root).generic_string());
  }
  std::sort(listing.paths.begin(), listing.paths.end());
  return listing;
}

bool read_scannable_file(const std::string& root, const std::string& path, std::uint64_t max_size, SkipLog& skips,
                         std::string& contents) {
  const fs::path full = fs::path(root) / path;
  std::error_code error;
  const std::uintmax_t size = fs::file_size(full, error);
  if (!error && size > max_size) {
    skips.add(SkipReason::kTooLarge, path, std::to_string(size) + " bytes");
    return false;
  }
  std::ifstream in(full, std::ios::binary);
  if (!in) {
    skips.add(SkipReason::kCorruptObject, path, "cannot be read");
    return false;
  }
  return read_scannable_stream(in, path, max_size, skips, contents);
}

bool read_scannable_stream(std::istream& in, const std::string& name, std::uint64_t max_size, SkipLog& skips,
                           std::string& contents) {
  contents.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) {
    skips.add(SkipReason::kCorruptObject, name, "cannot be read");
    return false;
  }
  return worth_scanning(contents, name, max_size, skips);
}

}  // namespace trawl
