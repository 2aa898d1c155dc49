#include "report/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace trawl {
namespace {

std::runtime_error io_error(const std::string& what, const std::string& path) {
  return std::runtime_error("cannot " + what + " '" + path + "': " + std::strerror(errno));
}

void write_all(int fd, const std::string& contents, const std::string& path) {
  std::size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("write", path);
    }
    done += static_cast<std::size_t>(n);
  }
}

// A device or pipe (/dev/null, /dev/stdout, a fifo) is written in place:
// renaming a file over it would replace the device.
bool is_special_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& contents) {
  if (is_special_file(path)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) throw io_error("open", path);
    try {
      write_all(fd, contents, path);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    return;
  }
  std::string tmp = path + ".XXXXXX";
  // mkstemp creates the file 0600.
  const int fd = mkstemp(tmp.data());
  if (fd < 0) throw io_error("create a report next to", path);
  try {
    write_all(fd, contents, tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const auto err = io_error("write", tmp);
    ::unlink(tmp.c_str());
    throw err;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const auto err = io_error("write the report", path);
    ::unlink(tmp.c_str());
    throw err;
  }
}

std::ostream& ReportOutput::stream() {
  if (to_stdout()) return std::cout;
  return buffer_;
}

void ReportOutput::commit() {
  if (to_stdout()) {
    std::cout << std::flush;
    return;
  }
  write_file_atomically(path_, buffer_.str());
}

}  // namespace trawl
