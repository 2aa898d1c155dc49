#include "report/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
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

void write_all(int fd, const char* data, std::size_t size, const std::string& path) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error("write", path);
    }
    done += static_cast<std::size_t>(n);
  }
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

// What is at the path itself (a symlink is not followed: the rename replaces
// it) must be nothing or a regular file.
void require_replaceable(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw ReportPathError("cannot use '" + path + "' as the report path: " + std::strerror(errno));
  }
  if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) return;
  throw ReportPathError("the report path '" + path + "' is " + kind_of(st.st_mode) +
                        "; a report is only written to a new file (or to standard output with -)");
}

}  // namespace

mode_t parse_report_mode(std::string_view text) {
  const auto bad = [&](const char* why) {
    return std::invalid_argument("--report-mode '" + std::string(text) + "': " + why);
  };
  if (text.empty() || text.size() > 4 || text.find_first_not_of("01234567") != std::string_view::npos) {
    throw bad("expected octal permission bits such as 0600 or 0640");
  }
  mode_t mode = 0;
  for (const char c : text) mode = static_cast<mode_t>(mode * 8 + static_cast<mode_t>(c - '0'));
  if (mode > 0777) throw bad("setuid, setgid and sticky bits are not report permissions (at most 0777)");
  if ((mode & S_IWOTH) != 0) throw bad("a report must not be writable by every user");
  if ((mode & S_IRUSR) == 0 || (mode & S_IWUSR) == 0) throw bad("the owner must be able to read and write the report");
  return mode;
}

// An ostream's buffer over a file descriptor it owns; write errors throw
// from sync() and the destructor never throws.
class ReportOutput::FileBuffer final : public std::streambuf {
 public:
  FileBuffer(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  ~FileBuffer() override {
    if (fd_ >= 0) ::close(fd_);
  }
  FileBuffer(const FileBuffer&) = delete;
  FileBuffer& operator=(const FileBuffer&) = delete;

  // Flushes, syncs to disk and closes; throws on any error.
  void close() {
    drain();
    const int fd = fd_;
    fd_ = -1;
    if (::fsync(fd) != 0 && errno != EINVAL && errno != EROFS) {
      ::close(fd);
      throw io_error("write", name_);
    }
    if (::close(fd) != 0) throw io_error("write", name_);
  }

 protected:
  int_type overflow(int_type c) override {
    drain();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override {
    drain();
    return 0;
  }

 private:
  void drain() {
    write_all(fd_, pbase(), static_cast<std::size_t>(pptr() - pbase()), name_);
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }

  int fd_;
  std::string name_;
  std::array<char, 1 << 16> buffer_{};
};

ReportOutput::ReportOutput(std::string path, mode_t mode) : path_(std::move(path)) {
  if (to_stdout()) return;
  require_replaceable(path_);
  temporary_ = path_ + ".XXXXXX";
  // mkstemp creates the file anew (O_CREAT | O_EXCL), mode 0600.
  const int fd = mkostemp(temporary_.data(), O_CLOEXEC);
  if (fd < 0) throw ReportPathError("cannot create a report next to '" + path_ + "': " + std::strerror(errno));
  buffer_ = std::make_unique<FileBuffer>(fd, temporary_);
  if (mode != kPrivateReportMode && ::fchmod(fd, mode) != 0) throw io_error("set the mode of a report next to", path_);
  file_ = std::make_unique<std::ostream>(buffer_.get());
  file_->exceptions(std::ios::badbit);
}

ReportOutput::~ReportOutput() {
  file_.reset();
  buffer_.reset();
  if (!temporary_.empty()) ::unlink(temporary_.c_str());
}

std::ostream& ReportOutput::stream() { return to_stdout() ? std::cout : *file_; }

void ReportOutput::commit() {
  if (to_stdout()) {
    std::cout << std::flush;
    return;
  }
  file_->flush();
  buffer_->close();
  if (std::rename(temporary_.c_str(), path_.c_str()) != 0) throw io_error("write the report", path_);
  temporary_.clear();
}

}  // namespace trawl
