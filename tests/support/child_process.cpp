#include "support/child_process.h"

#include <dirent.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <set>
#include <stdexcept>

namespace trawl::test {
namespace {

std::size_t mapped_bytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmSize:") {
      std::size_t kib = 0;
      status >> kib;
      return kib * 1024;
    }
    status.ignore(1 << 12, '\n');
  }
  throw std::runtime_error("no VmSize in /proc/self/status");
}

// The RLIMIT_NOFILE under which exactly `more` descriptors can still be
// opened: the limit bounds descriptor numbers, and open ones leave holes.
rlim_t limit_for_more_files(std::size_t more) {
  std::set<int> open;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) throw std::runtime_error("cannot list /proc/self/fd");
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') open.insert(std::atoi(entry->d_name));
  }
  open.erase(dirfd(dir));
  closedir(dir);
  int limit = 0;
  for (std::size_t free = 0; free < more; ++limit) {
    if (!open.contains(limit)) ++free;
  }
  return static_cast<rlim_t>(limit);
}

void write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

[[noreturn]] void child(const std::function<std::string()>& body, const ChildLimits& limits, int out) {
  int code = 0;
  std::string text;
  try {
    if (limits.user) {
      if (setgroups(0, nullptr) != 0 || setgid(*limits.user) != 0 || setuid(*limits.user) != 0) {
        throw std::runtime_error("cannot change user");
      }
    }
    if (limits.more_open_files) {
      const rlim_t n = limit_for_more_files(*limits.more_open_files);
      const rlimit limit{n, n};
      if (setrlimit(RLIMIT_NOFILE, &limit) != 0) throw std::runtime_error("setrlimit(RLIMIT_NOFILE) failed");
    }
    // Under a sanitizer the ceiling is not the release build's: the body
    // still runs and its results are checked, without the ceiling.
    if (limits.address_space_headroom > 0 && TRAWL_TEST_SANITIZED == 0) {
      const rlim_t n = mapped_bytes() + limits.address_space_headroom;
      const rlimit limit{n, n};
      if (setrlimit(RLIMIT_AS, &limit) != 0) throw std::runtime_error("setrlimit(RLIMIT_AS) failed");
    }
    text = body();
  } catch (const std::bad_alloc&) {
    text = "out of memory (std::bad_alloc)";
    code = 3;
  } catch (const std::exception& e) {
    text = std::string("exception: ") + e.what();
    code = 4;
  }
  write_all(out, text);
  close(out);
  _exit(code);
}

}  // namespace

ChildOutcome run_in_child(const std::function<std::string()>& body, const ChildLimits& limits) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    child(body, limits, fds[1]);
  }
  close(fds[1]);
  ChildOutcome outcome;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    outcome.output.append(buffer, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {
    outcome.completed = WEXITSTATUS(status) == 0;
  } else {
    outcome.output += "killed by signal " + std::to_string(WTERMSIG(status));
  }
  return outcome;
}

}  // namespace trawl::test
