// Files on disk with no git: every regular file under a directory, or
// standard input, for `trawl dir`. Symlinks are never followed, so a link
// cannot lead the scan out of the directory (what a link inside it points to
// is scanned at its own place); `.git` directories are not entered.
//
// Nothing under the directory is lost without a word: a directory or file
// that cannot be opened or read (permissions, a path longer than PATH_MAX,
// no file descriptor left, a file that turned into something else) is
// recorded in the SkipLog as unreadable_path with the reason, and the rest
// of the walk goes on. The walk holds at most two directories open and
// keeps no recursion, however deep the tree.
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
  std::vector<std::string> paths;   // relative to the root, '/'-separated, sorted
  std::uint64_t symlinks = 0;       // links seen and not followed
  std::uint64_t special_files = 0;  // FIFOs, sockets and devices: not read
};

// Throws DirectoryError when `root` is not a directory.
void check_directory(const std::string& root);

// Lists the files under `root`; what cannot be listed goes to `skips`.
// Throws DirectoryError when `root` is not a directory that can be opened.
// With `follow_file_links` (--follow-symlinks, as gitleaks means it), a
// symlink to a regular file is listed at the link's path; links to
// directories are never followed.
DirectoryListing list_directory(const std::string& root, SkipLog& skips, bool follow_file_links = false);

// Reads the file at `root`/`path` when it is worth scanning: not over
// `max_size` (checked while reading too: never more than that is held), not
// binary, not an LFS pointer, readable, still a regular file (never followed
// through a symlink, never blocked on a FIFO). Otherwise records why in
// `skips` (under the path) and returns false. `follow_link`: a symlink at
// `path` is read through (a link --follow-symlinks listed).
bool read_scannable_file(const std::string& root, const std::string& path, std::uint64_t max_size, SkipLog& skips,
                         std::string& contents, bool follow_link = false);

// Reads all of `in` under the same limits, recorded under `name`; stops as
// soon as more than `max_size` bytes have come.
bool read_scannable_stream(std::istream& in, const std::string& name, std::uint64_t max_size, SkipLog& skips,
                           std::string& contents);

}  // namespace trawl
