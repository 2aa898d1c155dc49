// A remote repository scanned from a temporary bare mirror: cloned with
// libgit2 (no git program runs, no hook, nothing of the remote's
// configuration is used), every ref the remote advertises fetched as it is
// named there, and removed when the scan is done, when it fails, and when
// the process is interrupted or terminated (SIGINT, SIGTERM, SIGHUP) while
// the mirror exists.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace trawl {

// A repository URL trawl cannot clone: an unknown scheme, no host, or a
// transport this libgit2 lacks.
class RemoteUrlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// True when `path` names a remote repository: it starts with a scheme and
// "://" (https, http, git, ssh, file; any other scheme is refused by
// TemporaryMirror, not taken for a local path).
bool is_repository_url(std::string_view path);

// The URL with any user name and password removed: what may be logged.
std::string url_for_log(std::string_view url);

// Brings the bare mirror of `url` at `dir` up to date: clones it when `dir`
// does not exist (into a sibling directory renamed into place once complete,
// so an interrupted clone never passes for a mirror; what one left is
// removed first), else fetches every ref
// the remote advertises, removing the refs it no longer has. As
// TemporaryMirror, no git program, hook or remote configuration is used.
// Throws RemoteUrlError for a URL it cannot use and GitError when the clone
// or fetch fails.
void update_mirror(const std::string& url, const std::string& dir);

class TemporaryMirror {
 public:
  // Clones `url` into a new directory under $TMPDIR (or /tmp), mode 0700.
  // Throws RemoteUrlError for a URL it cannot use and GitError when the
  // clone fails (the directory is removed first).
  explicit TemporaryMirror(const std::string& url);
  ~TemporaryMirror();
  TemporaryMirror(const TemporaryMirror&) = delete;
  TemporaryMirror& operator=(const TemporaryMirror&) = delete;

  // The mirror's git directory.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace trawl
