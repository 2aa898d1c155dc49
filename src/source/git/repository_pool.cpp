// Opening a repository whose object database leaves out the packs trawl
// found damaged.
#include "source/git/repository_pool.h"

#include <git2/odb_backend.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

namespace trawl {
namespace {

// Backends are tried from the highest priority down: packs first, as libgit2
// itself orders them.
constexpr int kLoosePriority = 1;
constexpr int kPackPriority = 2;
// An alternates file lists a few paths; a larger one is not read.
constexpr std::uintmax_t kMaxAlternatesBytes = std::uintmax_t{64} << 10;

void add_backend(git_odb* odb, git_odb_backend* backend, int priority, const std::string& what) {
  if (const int code = git_odb_add_backend(odb, backend, priority); code < 0) {
    backend->free(backend);
    git_check(code, what);
  }
}

// The object directories objects/info/alternates names, as libgit2 reads
// them: one per line, relative to objects/.
std::vector<std::string> alternates(const std::filesystem::path& objects) {
  std::vector<std::string> out;
  const std::filesystem::path file = objects / "info" / "alternates";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(file, ec)) ||
      std::filesystem::file_size(file, ec) > kMaxAlternatesBytes) {
    return out;
  }
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::filesystem::path path(line);
    out.push_back((path.is_absolute() ? path : objects / path).string());
  }
  return out;
}

}  // namespace

RepositoryPtr open_repository_with_checked_packs(const std::string& git_dir, const PackSet& packs) {
  RepositoryPtr repo = open_repository(git_dir);
  const auto indexes = packs.libgit2_pack_indexes();
  if (!indexes) return repo;
  const std::filesystem::path objects = std::filesystem::path(git_repository_path(repo.get())) / "objects";
  git_odb* raw = nullptr;
  git_check(git_odb_new(&raw), "creating an object database");
  const OdbPtr odb(raw);
  git_odb_backend* backend = nullptr;
  git_check(git_odb_backend_loose(&backend, objects.c_str(), -1, 0, 0, 0), "opening the loose objects");
  add_backend(odb.get(), backend, kLoosePriority, "opening the loose objects");
  for (const std::string& index : *indexes) {
    git_check(git_odb_backend_one_pack(&backend, index.c_str()), "opening " + index);
    add_backend(odb.get(), backend, kPackPriority, "opening " + index);
  }
  for (const std::string& alternate : alternates(objects)) {
    git_check(git_odb_add_disk_alternate(odb.get(), alternate.c_str()), "opening the alternate " + alternate);
  }
  git_repository_set_odb(repo.get(), odb.get());
  return repo;
}

}  // namespace trawl
