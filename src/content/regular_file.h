// Reading the small files a scan reads beside the content it scans: rules
// files and ignore files. A scanned repository may supply them, so reading
// one is bounded: only a regular file is read (a device such as /dev/zero
// could be read forever, a FIFO or /dev/stdin could block), at most a given
// number of bytes of it, and, when the reader asks, only a file inside a
// given directory once every symlink on its path is followed.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace trawl {

// A file could not be read or was refused; what() names the file and why.
class RegularFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A file on disk as its device and inode: the same file however its path is
// spelled.
using FileIdentity = std::pair<dev_t, ino_t>;

struct RegularFile {
  std::string text;
  FileIdentity id;
};

// Reads the regular file at `path`, at most `max_bytes` of it. `what` names
// the kind of file in messages ("rules file", "ignore file"). Throws
// RegularFileError naming `path` when it does not exist, cannot be read, is
// not a regular file (saying what it is) or is larger than `max_bytes`.
RegularFile read_regular_file(const std::string& path, std::size_t max_bytes, const std::string& what);

// `path` with every symlink on it followed, when what it names exists and
// lies inside `directory` (its own symlinks followed too); nullopt when it
// lies outside, or either cannot be resolved.
std::optional<std::string> resolved_inside(const std::string& path, const std::string& directory);

}  // namespace trawl
