#include "source/files/directory_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "source/content_source.h"

namespace trawl {
namespace {

namespace fs = std::filesystem;

// Why content that was read is not scanned, if it is not.
bool worth_scanning(const std::string& contents, const std::string& name, SkipLog& skips) {
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

void too_large(const std::string& name, std::uint64_t size, SkipLog& skips, bool at_least = false) {
  skips.add(SkipReason::kTooLarge, name, (at_least ? "over " : "") + std::to_string(size) + " bytes");
}

// What a failed call on the path says, for the skip log.
std::string reason_of(int error) {
  if (error == ENAMETOOLONG) return "the path is longer than PATH_MAX";
  if (error == EMFILE || error == ENFILE) return std::string("no file descriptor left: ") + std::strerror(error);
  return std::strerror(error);
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct DirectoryEntry {
  std::string name;
  unsigned char type;  // DT_*, DT_UNKNOWN when the file system does not say
};

// The entries of the directory `relative` (below `root_fd`; "" for the root
// itself), read at once so only one directory is open at a time however deep
// the tree. Returns the errno of the failure, or 0.
int read_entries(int root_fd, const std::string& relative, std::vector<DirectoryEntry>& entries) {
  const int fd = ::openat(root_fd, relative.empty() ? "." : relative.c_str(),
                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return errno;
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    const int error = errno;
    ::close(fd);
    return error;
  }
  int error = 0;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      error = errno;
      break;
    }
    if (std::strcmp(entry->d_name, ".") == 0 || std::strcmp(entry->d_name, "..") == 0) continue;
    entries.push_back({entry->d_name, entry->d_type});
  }
  ::closedir(dir);
  return error;
}

}  // namespace

void check_directory(const std::string& root) {
  std::error_code error;
  if (!fs::is_directory(fs::symlink_status(root, error)) && !fs::is_directory(root, error)) {
    throw DirectoryError("'" + root + "' is not a directory or a file");
  }
}

DirectoryListing list_directory(const std::string& root, SkipLog& skips, bool follow_file_links) {
  check_directory(root);
  const FileDescriptor root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOCTTY));
  if (root_fd.get() < 0) throw DirectoryError("cannot read '" + root + "': " + reason_of(errno));
  DirectoryListing listing;
  // Depth first with a stack of directories still to read, not recursion: a
  // tree however deep costs one string per pending directory.
  std::vector<std::string> pending{""};
  std::vector<DirectoryEntry> entries;
  while (!pending.empty()) {
    const std::string directory = std::move(pending.back());
    pending.pop_back();
    entries.clear();
    if (const int error = read_entries(root_fd.get(), directory, entries); error != 0) {
      // What was read before the failure is still listed.
      skips.add(SkipReason::kUnreadablePath, directory.empty() ? "./" : directory + "/", reason_of(error));
    }
    for (const DirectoryEntry& entry : entries) {
      const std::string path = directory.empty() ? entry.name : directory + "/" + entry.name;
      unsigned char type = entry.type;
      if (type == DT_UNKNOWN) {
        struct stat st {};
        if (::fstatat(root_fd.get(), path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
          skips.add(SkipReason::kUnreadablePath, path, reason_of(errno));
          continue;
        }
        type = S_ISLNK(st.st_mode) ? DT_LNK : S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
      }
      if (type == DT_LNK) {
        // --follow-symlinks: a link to a regular file is listed at the link's
        // own path; a link to anything else is never followed.
        struct stat target {};
        if (follow_file_links && ::fstatat(root_fd.get(), path.c_str(), &target, 0) == 0 && S_ISREG(target.st_mode)) {
          listing.paths.push_back(path);
        } else {
          ++listing.symlinks;
        }
      } else if (type == DT_DIR) {
        if (entry.name != ".git") pending.push_back(path);
      } else if (type == DT_REG) {
        listing.paths.push_back(path);
      } else {
        ++listing.special_files;
      }
    }
  }
  std::sort(listing.paths.begin(), listing.paths.end());
  return listing;
}

bool read_scannable_file(const std::string& root, const std::string& path, std::uint64_t max_size, SkipLog& skips,
                         std::string& contents, bool follow_link) {
  const std::string full = (fs::path(root) / path).string();
  // Not blocking and not through a symlink (unless asked): the path may have
  // become a FIFO or a link since it was listed.
  const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (follow_link ? 0 : O_NOFOLLOW);
  const FileDescriptor fd(::open(full.c_str(), flags));
  if (fd.get() < 0) {
    skips.add(SkipReason::kUnreadablePath, path, reason_of(errno));
    return false;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    skips.add(SkipReason::kUnreadablePath, path, reason_of(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    skips.add(SkipReason::kUnreadablePath, path, "no longer a regular file");
    return false;
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_size) {
    too_large(path, static_cast<std::uint64_t>(st.st_size), skips);
    return false;
  }
  // The size fstat gives may be wrong (a file still growing, /proc-style
  // files that say 0): read until the end, never more than max_size.
  contents.clear();
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      skips.add(SkipReason::kUnreadablePath, path, reason_of(errno));
      return false;
    }
    if (got == 0) break;
    if (contents.size() + static_cast<std::uint64_t>(got) > max_size) {
      too_large(path, max_size, skips, true);
      return false;
    }
    contents.append(buffer, static_cast<std::size_t>(got));
  }
  return worth_scanning(contents, path, skips);
}

bool read_scannable_stream(std::istream& in, const std::string& name, std::uint64_t max_size, SkipLog& skips,
                           std::string& contents) {
  // Checked while reading: standard input may never end.
  contents.clear();
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof buffer);
    const auto got = static_cast<std::uint64_t>(in.gcount());
    if (contents.size() + got > max_size) {
      too_large(name, max_size, skips, true);
      return false;
    }
    contents.append(buffer, static_cast<std::size_t>(got));
  }
  if (in.bad()) {
    skips.add(SkipReason::kUnreadablePath, name, "cannot be read");
    return false;
  }
  return worth_scanning(contents, name, skips);
}

}  // namespace trawl
