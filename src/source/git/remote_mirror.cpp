#include "source/git/remote_mirror.h"

#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "source/git/git_handles.h"

namespace trawl {
namespace {

constexpr std::array<std::string_view, 5> kSchemes = {"https", "http", "git", "ssh", "file"};
constexpr std::array<int, 3> kCleanupSignals = {SIGINT, SIGTERM, SIGHUP};

// Removes `name` under `parent` and everything below it with system calls
// only (no allocation, no locks): safe in a signal handler. Depth is bounded
// by the mirror's layout (refs nest as deep as their names).
void remove_tree_at(int parent, const char* name) {  // NOLINT(misc-no-recursion)
  if (::unlinkat(parent, name, 0) == 0) return;
  const int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return;
  struct Entry {  // the kernel's linux_dirent64
    std::uint64_t ino;
    std::int64_t off;
    unsigned short reclen;
    unsigned char type;
    char name[1];
  };
  alignas(8) std::array<char, 4096> buffer{};
  // Entries removed while a directory is read may shift what the next read
  // returns: read it again from the start until it is empty.
  for (bool removed_any = true; removed_any;) {
    removed_any = false;
    ::lseek(fd, 0, SEEK_SET);
    for (long n; (n = ::syscall(SYS_getdents64, fd, buffer.data(), buffer.size())) > 0;) {
      for (long at = 0; at < n;) {
        const auto* entry = reinterpret_cast<const Entry*>(buffer.data() + at);
        at += entry->reclen;
        const char* entry_name = static_cast<const char*>(entry->name);
        if (std::strcmp(entry_name, ".") == 0 || std::strcmp(entry_name, "..") == 0) continue;
        remove_tree_at(fd, entry_name);
        removed_any = true;
      }
    }
  }
  ::close(fd);
  ::unlinkat(parent, name, AT_REMOVEDIR);
}

// The one mirror directory a signal must remove (one scan per process).
std::array<char, PATH_MAX> g_mirror_dir{};
std::array<struct sigaction, kCleanupSignals.size()> g_previous{};

extern "C" void remove_mirror_and_reraise(int signal) {
  if (g_mirror_dir[0] != '\0') remove_tree_at(AT_FDCWD, g_mirror_dir.data());
  ::signal(signal, SIG_DFL);
  ::raise(signal);
}

void install_cleanup(const std::string& dir) {
  if (dir.size() >= g_mirror_dir.size()) return;
  std::memcpy(g_mirror_dir.data(), dir.c_str(), dir.size() + 1);
  struct sigaction action {};
  action.sa_handler = remove_mirror_and_reraise;
  sigemptyset(&action.sa_mask);
  for (std::size_t i = 0; i < kCleanupSignals.size(); ++i) ::sigaction(kCleanupSignals[i], &action, &g_previous[i]);
}

void uninstall_cleanup() {
  for (std::size_t i = 0; i < kCleanupSignals.size(); ++i) ::sigaction(kCleanupSignals[i], &g_previous[i], nullptr);
  g_mirror_dir[0] = '\0';
}

void remove_directory(const std::string& dir) {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

// Every ref as the remote names it, as `git clone --mirror` fetches them.
int create_mirror_remote(git_remote** out, git_repository* repo, const char* name, const char* url, void* /*payload*/) {
  return git_remote_create_with_fetchspec(out, repo, name, url, "+refs/*:refs/*");
}

std::string_view scheme_of(std::string_view url) {
  const auto end = url.find("://");
  return end == std::string_view::npos ? std::string_view() : url.substr(0, end);
}

void check_url(const std::string& url) {
  const std::string_view scheme = scheme_of(url);
  const std::string shown = url_for_log(url);
  if (std::find(kSchemes.begin(), kSchemes.end(), scheme) == kSchemes.end()) {
    throw RemoteUrlError("'" + shown + "': unsupported URL scheme (expected https, http, git, ssh or file)");
  }
  const std::string_view rest = std::string_view(url).substr(scheme.size() + 3);
  if (scheme != "file" && (rest.empty() || rest.front() == '/' || rest.front() == ':')) {
    throw RemoteUrlError("'" + shown + "': the URL names no host");
  }
  if (scheme == "file" && rest.empty()) throw RemoteUrlError("'" + shown + "': the URL names no path");
  if (scheme == "ssh" && (git_libgit2_features() & GIT_FEATURE_SSH) == 0) {
    throw RemoteUrlError("'" + shown + "': this build of libgit2 has no ssh transport; clone it and scan the clone");
  }
  if (scheme == "https" && (git_libgit2_features() & GIT_FEATURE_HTTPS) == 0) {
    throw RemoteUrlError("'" + shown + "': this build of libgit2 has no https transport");
  }
}

std::string temporary_parent() {
  const char* tmpdir = std::getenv("TMPDIR");
  return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

std::string last_git_error() {
  const git_error* e = git_error_last();
  return e != nullptr && e->message != nullptr ? e->message : "unknown error";
}

// A bare mirror of `url` at `path` (which must not exist); GitError when the
// clone fails, `path` then left for the caller to remove.
void clone_mirror(const std::string& url, const std::string& path) {
  git_clone_options options;
  git_clone_options_init(&options, GIT_CLONE_OPTIONS_VERSION);
  options.bare = 1;
  options.remote_cb = create_mirror_remote;
  options.checkout_opts.checkout_strategy = GIT_CHECKOUT_NONE;
  git_repository* repo = nullptr;
  const int code = git_clone(&repo, url.c_str(), path.c_str(), &options);
  if (code < 0) throw GitError(code, "cloning " + url_for_log(url) + ": " + last_git_error());
  // libgit2's clone adds a symbolic refs/remotes/origin/HEAD that the
  // remote does not have (a mirror's fetched refs are all direct).
  const RepositoryPtr mirror(repo);
  git_reference* origin_head = nullptr;
  if (git_reference_lookup(&origin_head, mirror.get(), "refs/remotes/origin/HEAD") == 0) {
    const ReferencePtr owned(origin_head);
    if (git_reference_type(owned.get()) == GIT_REFERENCE_SYMBOLIC) git_reference_delete(owned.get());
  }
}

void fetch_mirror(const std::string& url, const std::string& dir) {
  git_repository* raw = nullptr;
  int code = git_repository_open_bare(&raw, dir.c_str());
  if (code < 0) throw GitError(code, "opening the mirror " + dir + ": " + last_git_error());
  const RepositoryPtr repo(raw);
  // An anonymous remote: nothing of the mirror's configuration is used.
  git_remote* remote_raw = nullptr;
  code = git_remote_create_anonymous(&remote_raw, repo.get(), url.c_str());
  if (code < 0) throw GitError(code, "fetching " + url_for_log(url) + ": " + last_git_error());
  const std::unique_ptr<git_remote, decltype(&git_remote_free)> remote(remote_raw, git_remote_free);
  git_fetch_options options;
  git_fetch_options_init(&options, GIT_FETCH_OPTIONS_VERSION);
  options.prune = GIT_FETCH_PRUNE;
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
  options.update_fetchhead = 0;
  std::string every_ref = "+refs/*:refs/*";
  std::array<char*, 1> specs = {every_ref.data()};
  const git_strarray refspecs = {specs.data(), specs.size()};
  code = git_remote_fetch(remote.get(), &refspecs, &options, nullptr);
  if (code < 0) throw GitError(code, "fetching " + url_for_log(url) + ": " + last_git_error());
}

}  // namespace

void update_mirror(const std::string& url, const std::string& dir) {
  check_url(url);
  git_library_init();
  if (std::filesystem::exists(std::filesystem::symlink_status(dir))) {
    fetch_mirror(url, dir);
    return;
  }
  // What an interrupted clone of this mirror left (one process updates a
  // mirror at a time) goes first.
  const std::filesystem::path target(dir);
  const std::string leftover = target.filename().string() + ".partial-";
  std::error_code listing;
  for (const auto& entry : std::filesystem::directory_iterator(target.parent_path(), listing)) {
    if (entry.path().filename().string().starts_with(leftover)) remove_directory(entry.path().string());
  }
  std::string partial = dir + ".partial-XXXXXX";
  if (::mkdtemp(partial.data()) == nullptr) {
    throw GitError(-1, "creating " + partial + ": " + std::strerror(errno));
  }
  try {
    clone_mirror(url, partial);
  } catch (...) {
    remove_directory(partial);
    throw;
  }
  std::error_code error;
  std::filesystem::rename(partial, dir, error);
  if (error) {
    remove_directory(partial);
    throw GitError(-1, "moving the new mirror to " + dir + ": " + error.message());
  }
}

bool is_repository_url(std::string_view path) {
  const std::string_view scheme = scheme_of(path);
  return !scheme.empty() && std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
           c == '.';
  });
}

std::string url_for_log(std::string_view url) {
  const std::string_view scheme = scheme_of(url);
  if (scheme.empty()) return std::string(url);
  const std::size_t host = scheme.size() + 3;
  const std::size_t path = url.find('/', host);
  const std::size_t at = url.rfind('@', path == std::string_view::npos ? url.size() : path);
  if (at == std::string_view::npos || at < host) return std::string(url);
  return std::string(url.substr(0, host)) + std::string(url.substr(at + 1));
}

TemporaryMirror::TemporaryMirror(const std::string& url) {
  check_url(url);
  git_library_init();
  std::string pattern = temporary_parent() + "/trawl-mirror-XXXXXX";
  // No signal may come between the directory's creation and its cleanup's.
  sigset_t cleanup_signals;
  sigset_t previous_mask;
  sigemptyset(&cleanup_signals);
  for (const int signal : kCleanupSignals) sigaddset(&cleanup_signals, signal);
  ::pthread_sigmask(SIG_BLOCK, &cleanup_signals, &previous_mask);
  const bool created = ::mkdtemp(pattern.data()) != nullptr;
  const int error = errno;
  if (created) install_cleanup(pattern);
  ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  if (!created) {
    throw GitError(-1, "creating a temporary directory under " + temporary_parent() + ": " + std::strerror(error));
  }
  path_ = pattern;
  try {
    clone_mirror(url, path_);
  } catch (...) {
    remove_directory(path_);
    uninstall_cleanup();
    throw;
  }
}

TemporaryMirror::~TemporaryMirror() {
  remove_directory(path_);
  uninstall_cleanup();
}

}  // namespace trawl
