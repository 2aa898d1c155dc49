#include "source/git/ref_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <utility>

namespace trawl {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The id spelled by the first 40 bytes of `text`.
std::optional<ObjectId> parse_hex_id(std::string_view text) {
  ObjectId id;
  if (text.size() < id.bytes.size() * 2) return std::nullopt;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) {
    const int high = hex_value(text[2 * i]);
    const int low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    id.bytes[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return id;
}

std::string with_slash(const std::string& directory) {
  return directory.empty() || directory.back() == '/' ? directory : directory + "/";
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// An open file descriptor, closed when it goes.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Opens `name` under the directory `dir` (or the path `name` when `dir` is
// AT_FDCWD) only when it is a regular file: never through a symbolic link,
// never blocking on a FIFO. -1, with why in `problem`, when not.
int open_regular(int dir, const char* name, std::string& problem) {
  const int fd = ::openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) {
    problem = errno == ELOOP ? "a symbolic link, not followed" : std::strerror(errno);
    return -1;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    problem = "not a regular file";
    return -1;
  }
  return fd;
}

// Up to `limit` bytes of the open file, and whether it held more.
std::optional<std::string> read_some(int fd, std::size_t limit, bool& more) {
  std::string bytes(limit + 1, '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  more = got > limit;
  bytes.resize(std::min(got, limit));
  return bytes;
}

// The lines of packed-refs, read in blocks: memory holds the refs, not the
// file.
void read_packed_refs(const std::string& common_dir, RefFiles& out) {
  std::string problem;
  const std::string path = common_dir + "packed-refs";
  const Fd file(open_regular(AT_FDCWD, path.c_str(), problem));
  if (file.fd < 0) {
    if (problem != std::strerror(ENOENT)) out.problems.push_back({"packed-refs", problem});
    return;
  }
  std::size_t line_number = 0;
  auto take_line = [&](std::string_view line, bool overlong) {
    ++line_number;
    if (overlong) {
      out.problems.push_back({"packed-refs line " + std::to_string(line_number),
                              "longer than " + std::to_string(kMaxRefFileBytes) + " bytes"});
      return;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#' || line.front() == '^') return;
    const auto id = parse_hex_id(line);
    constexpr std::size_t kHex = 40;
    if (!id || line.size() < kHex + 2 || line[kHex] != ' ') {
      out.problems.push_back({"packed-refs line " + std::to_string(line_number), "not \"<id> <ref name>\""});
      return;
    }
    out.refs.push_back({std::string(line.substr(kHex + 1)), *id, {}});
  };
  std::string line;
  bool overlong = false;  // the line being read is longer than kMaxRefFileBytes: not kept
  std::string block(std::size_t{1} << 16, '\0');
  while (true) {
    const ssize_t n = ::read(file.fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out.problems.push_back({"packed-refs", std::strerror(errno)});
      return;
    }
    if (n == 0) break;
    std::string_view rest(block.data(), static_cast<std::size_t>(n));
    for (std::size_t nl = rest.find('\n'); nl != std::string_view::npos; nl = rest.find('\n')) {
      if (!overlong) line.append(rest.substr(0, nl));
      take_line(line, overlong || line.size() > kMaxRefFileBytes);
      line.clear();
      overlong = false;
      rest.remove_prefix(nl + 1);
    }
    if (!overlong) line.append(rest);
    if (line.size() > kMaxRefFileBytes) {
      overlong = true;
      line.clear();
    }
  }
  if (overlong || !line.empty()) take_line(line, overlong);
}

// The loose refs under the open directory `refs_dir` (refs/), which this
// takes over. Iterative: a deep tree costs neither the call stack nor more
// than kMaxRefDepth open directories.
void read_loose_refs(int refs_dir, RefFiles& out) {
  struct Level {
    DIR* dir;
    std::string prefix;
  };
  std::vector<Level> stack;
  DIR* top = ::fdopendir(refs_dir);
  if (top == nullptr) {
    ::close(refs_dir);
    out.problems.push_back({"refs", std::strerror(errno)});
    return;
  }
  stack.push_back({top, "refs/"});
  while (!stack.empty()) {
    errno = 0;
    const dirent* entry = ::readdir(stack.back().dir);
    if (entry == nullptr) {
      if (errno != 0) out.problems.push_back({stack.back().prefix, std::strerror(errno)});
      ::closedir(stack.back().dir);
      stack.pop_back();
      continue;
    }
    const std::string_view name(entry->d_name);
    if (name == "." || name == "..") continue;
    const int dir_fd = ::dirfd(stack.back().dir);
    const std::string full = stack.back().prefix + std::string(name);
    struct stat st {};
    if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      out.problems.push_back({full, std::strerror(errno)});
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      if (stack.size() >= kMaxRefDepth) {
        out.problems.push_back(
            {full + "/", "nested deeper than " + std::to_string(kMaxRefDepth) + " levels, not read"});
        continue;
      }
      const int inner = ::openat(dir_fd, entry->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      DIR* inner_dir = inner < 0 ? nullptr : ::fdopendir(inner);
      if (inner_dir == nullptr) {
        out.problems.push_back({full + "/", std::strerror(errno)});
        if (inner >= 0) ::close(inner);
        continue;
      }
      stack.push_back({inner_dir, full + "/"});
      continue;
    }
    // Git's lock files are not refs.
    if (name.ends_with(".lock")) continue;
    std::string problem;
    if (S_ISLNK(st.st_mode)) {
      out.problems.push_back({full, "a symbolic link, not followed"});
      continue;
    }
    const Fd file(open_regular(dir_fd, entry->d_name, problem));
    if (file.fd < 0) {
      out.problems.push_back({full, problem});
      continue;
    }
    bool more = false;
    const std::optional<std::string> content = read_some(file.fd, kMaxRefFileBytes, more);
    if (!content || more) {
      out.problems.push_back({full, content ? "larger than " + std::to_string(kMaxRefFileBytes) + " bytes"
                                            : std::string(std::strerror(errno))});
      continue;
    }
    if (std::optional<StoredRef> ref = parse_loose_ref(full, *content)) {
      out.refs.push_back(std::move(*ref));
    } else {
      out.problems.push_back({full, "neither an object id nor \"ref: <name>\""});
    }
  }
}

}  // namespace

std::optional<StoredRef> parse_loose_ref(std::string name, std::string_view content) {
  constexpr std::string_view kSymbolic = "ref:";
  if (content.starts_with(kSymbolic)) {
    std::string_view target = content.substr(kSymbolic.size());
    while (!target.empty() && is_space(target.front())) target.remove_prefix(1);
    while (!target.empty() && is_space(target.back())) target.remove_suffix(1);
    if (target.empty()) return std::nullopt;
    return StoredRef{std::move(name), {}, std::string(target)};
  }
  const auto id = parse_hex_id(content);
  if (!id || (content.size() > 40 && !is_space(content[40]))) return std::nullopt;
  return StoredRef{std::move(name), *id, {}};
}

RefFiles read_ref_files(const std::string& directory) {
  const std::string common_dir = with_slash(directory);
  RefFiles out;
  read_packed_refs(common_dir, out);
  const std::size_t packed = out.refs.size();
  const std::string refs_path = common_dir + "refs";
  const int refs_dir = ::open(refs_path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (refs_dir >= 0) {
    read_loose_refs(refs_dir, out);
  } else if (errno != ENOENT) {
    out.problems.push_back({"refs", std::strerror(errno)});
  }
  // A loose ref stands for the packed one of its name; packed-refs may
  // name a ref twice, and then its first line counts, as in git.
  std::unordered_map<std::string_view, std::size_t> loose;
  for (std::size_t i = packed; i < out.refs.size(); ++i) loose.emplace(out.refs[i].name, i);
  std::vector<StoredRef> refs;
  refs.reserve(out.refs.size());
  std::unordered_map<std::string_view, bool> packed_seen;
  for (std::size_t i = 0; i < packed; ++i) {
    if (loose.contains(out.refs[i].name) || !packed_seen.emplace(out.refs[i].name, true).second) continue;
    refs.push_back(std::move(out.refs[i]));
  }
  for (std::size_t i = packed; i < out.refs.size(); ++i) refs.push_back(std::move(out.refs[i]));
  std::sort(refs.begin(), refs.end(), [](const StoredRef& a, const StoredRef& b) { return a.name < b.name; });
  out.refs = std::move(refs);
  return out;
}

std::optional<StoredRef> read_head(const std::string& git_dir, std::string& problem) {
  const std::string path = with_slash(git_dir) + "HEAD";
  struct stat st {};
  // A symbolic link for HEAD is how old git spelled a symbolic ref.
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    problem = "a symbolic link";
    return std::nullopt;
  }
  const Fd file(open_regular(AT_FDCWD, path.c_str(), problem));
  if (file.fd < 0) return std::nullopt;
  bool more = false;
  const std::optional<std::string> content = read_some(file.fd, kMaxRefFileBytes, more);
  if (!content || more) {
    problem = content ? "larger than " + std::to_string(kMaxRefFileBytes) + " bytes" : std::strerror(errno);
    return std::nullopt;
  }
  std::optional<StoredRef> head = parse_loose_ref("HEAD", *content);
  if (!head) problem = "neither an object id nor \"ref: <name>\"";
  return head;
}

}  // namespace trawl
