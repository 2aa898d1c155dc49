// Test fixtures: temporary directories and git repositories built with the
// git program (tests may run git; trawl itself never does), with fixed
// identities and dates so commit ids and reports are reproducible.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "content/object_id.h"

namespace trawl::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = 0;
  std::string out;  // standard output
  std::string err;  // standard error
};

// Runs `command` through /bin/sh in `cwd`; captures both streams.
CommandResult run_command(const std::string& command, const std::filesystem::path& cwd);

// Quotes `s` for /bin/sh.
std::string shell_quote(const std::string& s);

// The object id written in the first 40 hex digits of `hex`.
ObjectId parse_object_id(std::string_view hex);
// Every object id in `listing` (whitespace-separated hex ids).
std::vector<ObjectId> object_ids_in(const std::string& listing);

class GitRepo {
 public:
  // Creates a repository (with a work tree unless `bare`) under `dir`.
  explicit GitRepo(std::filesystem::path dir, bool bare = false);
  // Uses the repository already at `dir` (a work tree or a git directory).
  enum Existing { kExisting };
  GitRepo(std::filesystem::path dir, Existing);

  const std::filesystem::path& path() const { return dir_; }

  // Runs git with the fixture's environment; throws on failure. Returns stdout.
  std::string git(const std::string& args);

  void write(const std::string& relative, const std::string& contents);
  void remove(const std::string& relative);
  // Stages everything and commits; returns the new commit's id. Each commit
  // gets a date one minute after the previous one.
  std::string commit(const std::string& message);
  std::string head();
  // Path of the loose object file for `id`.
  std::filesystem::path loose_object_path(const std::string& id) const;
  std::filesystem::path git_dir() const;
  // Every object in the repository, or those of one type ("blob", "commit").
  std::vector<ObjectId> object_ids(const std::string& type = "");

 private:
  std::filesystem::path dir_;
  bool bare_;
  int clock_ = 0;
};

}  // namespace trawl::test
