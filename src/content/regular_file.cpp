#include "content/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace trawl {
namespace {

std::string kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::string mebibytes(std::size_t bytes) {
  if (bytes % (std::size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

RegularFile read_regular_file(const std::string& path, std::size_t max_bytes, const std::string& what) {
  const auto cannot_read = [&](int error) {
    return RegularFileError(path + ": cannot read the " + what + ": " + std::strerror(error));
  };
  const auto too_large = [&] {
    return RegularFileError(path + ": the " + what + " is larger than " + mebibytes(max_bytes));
  };
  const auto check = [&](const struct stat& st) {
    if (!S_ISREG(st.st_mode)) {
      throw RegularFileError(path + ": cannot read the " + what + ": it is " + kind_of(st.st_mode) +
                             ", not a regular file");
    }
    if (static_cast<std::uint64_t>(st.st_size) > max_bytes) throw too_large();
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw cannot_read(errno);
  check(st);
  // Not blocking: the path may name a FIFO by the time it is opened.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) throw cannot_read(errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0) throw cannot_read(errno);
  check(st);
  RegularFile file{{}, {st.st_dev, st.st_ino}};
  char buffer[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw cannot_read(errno);
    if (got == 0) break;
    // The file may have grown since fstat.
    if (file.text.size() + static_cast<std::size_t>(got) > max_bytes) throw too_large();
    file.text.append(buffer, static_cast<std::size_t>(got));
  }
  return file;
}

std::optional<std::string> resolved_inside(const std::string& path, const std::string& directory) {
  std::error_code error;
  const std::filesystem::path target = std::filesystem::canonical(path, error);
  if (error) return std::nullopt;
  const std::filesystem::path base = std::filesystem::canonical(directory, error);
  if (error) return std::nullopt;
  // Component by component: "/repo-other" is not inside "/repo".
  auto t = target.begin();
  for (auto b = base.begin(); b != base.end(); ++b, ++t) {
    if (t == target.end() || *t != *b) return std::nullopt;
  }
  return target.string();
}

}  // namespace trawl
