// Loose objects (objects/xx/yyyy…, one zlib stream of "<type> <size>\0"
// and the bytes) and the one reader of commits, trees and tags the history
// walk uses.
//
// A loose object is found by its file name alone, which anyone who can
// write into the repository chooses: a tree stored under the name of its
// own parent contains itself. So the bytes are hashed and must name the
// object (libgit2 is told not to check, for speed, so the same check is
// made on what it returns); an object that does not is corrupt, never read
// under a name it does not have.
#pragma once

#include <git2.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "content/object_id.h"
#include "content/skip_log.h"
#include "source/git/object_store.h"

namespace trawl {

struct LooseObject {
  enum class Status : std::uint8_t { kFound, kMissing, kCorrupt };
  Status status = Status::kMissing;
  StoredObjectPtr object;  // when found
  std::string problem;     // when corrupt: what is wrong
};

// Commits, trees and tags larger than this are refused as corrupt: no real
// one comes near it, and it bounds what a hostile header can make trawl
// allocate.
inline constexpr std::uint64_t kMaxStructuredObjectSize = std::uint64_t{256} << 20;

// Inflates a loose object's file bytes and checks them: a known type, the
// header's size, no bytes after the stream, and contents that hash to `id`.
// Objects over `max_size` bytes are corrupt (nothing that large is
// allocated).
LooseObject parse_loose_object(std::string_view file_bytes, const ObjectId& id, std::uint64_t max_size);

// The loose object `id` under `git_dir` (which ends in '/'): missing when no
// regular file holds it there (a symlink is not followed).
LooseObject read_loose_object(const std::string& git_dir, const ObjectId& id, std::uint64_t max_size);

// "commit", "tree", "blob", "tag".
std::string_view object_type_name(ObjectType type);

// Whether `bytes`, as an object of `type`, hash to `id`.
bool object_hashes_to(std::string_view bytes, ObjectType type, const ObjectId& id);

// Reads the commit, tree or tag `id`: out of the packs through `store`, else
// the loose object under `git_dir`, else through libgit2's `odb` (an
// alternate, a pack the PackSet left out) with its id checked; an empty
// `git_dir` or a null `odb` is not looked in. Null, logged
// to `skips` as missing or corrupt, when no copy can be read, none hashes to
// its id, or it is not of `type` (nullopt: any type; objects over
// kMaxStructuredObjectSize are refused all the same).
StoredObjectPtr read_structured_object(const ObjectStore& store, const std::string& git_dir, git_odb* odb,
                                       const ObjectId& id, std::optional<ObjectType> type, SkipLog& skips);

}  // namespace trawl
