// Files on disk with no git: every regular file under a directory, or
// standard input, for `trawl dir`. Symlinks are never followed, so a link
// cannot lead the scan out of the directory (what a link inside it points to
// is scanned at its own place); `.git` directories are not entered.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

#include "content/skip_log.h"

namespace trawl {

// The directory to scan cannot be read (or is not one).
class DirectoryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct DirectoryListing {
  std::vector<std::string> paths;  // relative to the root, '/'-separated, sorted
  std::uint64_t symlinks = 0;      // links seen and not followed
};

// Throws DirectoryError when `root` is not a directory.
void check_directory(const std::string& root);

// Lists the files under `root`. Throws DirectoryError when `root` is not a
// readable directory. With `follow_file_links` (--follow-symlinks, as
// gitleaks means it), a symlink to a regular file is listed at the link's
// path; links to directories are never followed.
DirectoryListing list_directory(const std::string& root, bool follow_file_links = false);

// Reads the file at `root`/`path` when it is worth scanning: not over
// `max_size`, not binary, not an LFS pointer, readable. Otherwise records why
// in `skips` (under the path) and returns false.
bool read_scannable_file(const std::string& root, const std::string& path, std::uint64_t max_size, SkipLog& skips,
                         std::string& contents);

// Reads all of `in` under the same limits, recorded under `name`.
bool read_scannable_stream(std::istream& in, const std::string& name, std::uint64_t max_size, SkipLog& skips,
                           std::string& contents);

}  // namespace trawl
