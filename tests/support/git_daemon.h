// Repositories served on 127.0.0.1 for the tests that clone and fetch: a
// `git daemon` the test starts (and stops), and a listener that accepts
// connections and never answers (a clone of it waits forever).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/git_fixture.h"

namespace trawl::test {

// A socket listening on 127.0.0.1 at a port the kernel chose.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), size) != 0 || ::listen(fd_, 4) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

inline bool accepts_connections(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// `git daemon` serving every repository under `base`, stopped when this is.
class GitDaemon {
 public:
  explicit GitDaemon(const std::filesystem::path& base) {
    int port = 0;
    {
      const Listener probe;  // a free port, released for the daemon
      port = probe.port();
    }
    const std::filesystem::path pid_file = base / "daemon.pid";
    const CommandResult r =
        run_command("git daemon --reuseaddr --export-all --listen=127.0.0.1 --port=" + std::to_string(port) +
                        " --base-path=" + shell_quote(base.string()) + " --pid-file=" + shell_quote(pid_file.string()) +
                        " --detach " + shell_quote(base.string()),
                    base);
    if (r.exit_code != 0) throw std::runtime_error("git daemon did not start: " + r.err);
    std::ifstream(pid_file) >> pid_;
    // Bounded: the daemon listens within a few seconds or the test fails.
    for (int i = 0; i < 200 && !accepts_connections(port); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!accepts_connections(port)) throw std::runtime_error("git daemon does not listen");
    port_ = port;
  }
  ~GitDaemon() {
    if (pid_ > 0) ::kill(pid_, SIGTERM);
  }
  GitDaemon(const GitDaemon&) = delete;
  GitDaemon& operator=(const GitDaemon&) = delete;
  std::string url(const std::string& name) const { return "git://127.0.0.1:" + std::to_string(port_) + "/" + name; }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
};

}  // namespace trawl::test
