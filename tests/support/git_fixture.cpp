#include "support/git_fixture.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace trawl::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "trawl-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

CommandResult run_command(const std::string& command, const std::filesystem::path& cwd) {
  TempDir capture;
  const auto out_path = capture.path() / "out";
  const auto err_path = capture.path() / "err";
  const std::string full = "cd " + shell_quote(cwd.string()) + " && ( " + command + " ) >" +
                           shell_quote(out_path.string()) + " 2>" + shell_quote(err_path.string()) + " </dev/null";
  const int status = std::system(full.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  return result;
}

GitRepo::GitRepo(std::filesystem::path dir, bool bare) : dir_(std::move(dir)), bare_(bare) {
  std::filesystem::create_directories(dir_);
  git(std::string("init -q -b main") + (bare ? " --bare" : ""));
}

GitRepo::GitRepo(std::filesystem::path dir, Existing)
    : dir_(std::move(dir)), bare_(!std::filesystem::exists(dir_ / ".git")) {}

std::string GitRepo::git(const std::string& args) {
  // A fixed identity and clock, and no user or system configuration.
  const std::string date = std::to_string(1700000000 + 60 * clock_) + " +0000";
  const std::string env =
      "HOME=/nonexistent GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null "
      "GIT_AUTHOR_NAME='Ada Author' GIT_AUTHOR_EMAIL=ada@example.com "
      "GIT_COMMITTER_NAME='Ada Author' GIT_COMMITTER_EMAIL=ada@example.com "
      "GIT_AUTHOR_DATE='" +
      date + "' GIT_COMMITTER_DATE='" + date + "' ";
  CommandResult r = run_command(env + "git -c gc.auto=0 -c commit.gpgsign=false " + args, dir_);
  if (r.exit_code != 0) throw std::runtime_error("git " + args + " failed: " + r.err);
  return r.out;
}

void GitRepo::write(const std::string& relative, const std::string& contents) {
  const auto p = dir_ / relative;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << contents;
}

void GitRepo::remove(const std::string& relative) { std::filesystem::remove(dir_ / relative); }

std::string GitRepo::commit(const std::string& message) {
  ++clock_;
  git("add -A");
  git("commit -q --allow-empty -m " + shell_quote(message));
  return head();
}

std::string GitRepo::head() {
  std::string id = git("rev-parse HEAD");
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
  return id;
}

std::filesystem::path GitRepo::git_dir() const { return bare_ ? dir_ : dir_ / ".git"; }

std::filesystem::path GitRepo::loose_object_path(const std::string& id) const {
  return git_dir() / "objects" / id.substr(0, 2) / id.substr(2);
}

ObjectId parse_object_id(std::string_view hex) {
  ObjectId id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) {
    id.bytes[i] = static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(2 * i, 2)), nullptr, 16));
  }
  return id;
}

std::vector<ObjectId> object_ids_in(const std::string& listing) {
  std::vector<ObjectId> ids;
  std::istringstream in(listing);
  for (std::string hex; in >> hex;) ids.push_back(parse_object_id(hex));
  return ids;
}

std::vector<ObjectId> GitRepo::object_ids(const std::string& type) {
  if (type.empty()) return object_ids_in(git("cat-file --batch-all-objects --batch-check='%(objectname)'"));
  return object_ids_in(git("cat-file --batch-all-objects --batch-check='%(objectname) %(objecttype)' | grep ' " + type +
                           "$' | cut -d' ' -f1"));
}

}  // namespace trawl::test
