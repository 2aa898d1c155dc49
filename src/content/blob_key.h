// What names a blob's content across sources and runs: a digest and the
// algorithm that made it. Git names blobs by SHA-1 (or SHA-256 in a
// SHA-256 repository) of "blob <size>\0" plus the bytes; files on disk and
// image layers' files are named by the plain SHA-256 of their bytes. The
// same bytes under two algorithms are two keys: a key is only ever compared
// with keys its source made. This is what an incremental datastore keys a
// blob's scan by.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "content/object_id.h"

namespace trawl {

enum class HashAlgorithm : std::uint8_t {
  kNone = 0,       // the zero key: no blob
  kGitSha1 = 1,    // a git object id (SHA-1 repositories)
  kGitSha256 = 2,  // a git object id (SHA-256 repositories)
  kSha256 = 3,     // SHA-256 of the bytes alone (files, image layers)
};

// "git-sha1", "git-sha256", "sha256", or "none".
std::string_view hash_algorithm_name(HashAlgorithm algorithm);

class BlobKey {
 public:
  BlobKey() = default;
  // A git blob's id (the zero id gives the zero key). Implicit: a git
  // object id is a blob key under the git-sha1 algorithm.
  BlobKey(const ObjectId& id);  // NOLINT(google-explicit-constructor)
  static BlobKey git(const ObjectId& id) { return BlobKey(id); }
  // SHA-256 of `bytes`.
  static BlobKey sha256_of(std::string_view bytes);

  HashAlgorithm algorithm() const { return algorithm_; }
  bool is_zero() const { return algorithm_ == HashAlgorithm::kNone; }
  // 20 bytes for git SHA-1, 32 otherwise, none for the zero key.
  std::span<const std::uint8_t> digest() const { return {bytes_.data(), digest_size(algorithm_)}; }
  // The digest in lowercase hex (a git blob's id as git prints it).
  std::string hex() const;
  // The git object id of a kGitSha1 key; the zero id for any other.
  ObjectId git_id() const;

  friend bool operator==(const BlobKey&, const BlobKey&) = default;
  // clang-tidy 14 mistakes the defaulted <=> for a literal 0 compared as a pointer.
  friend auto operator<=>(const BlobKey&, const BlobKey&) = default;  // NOLINT(modernize-use-nullptr)

  static constexpr std::size_t digest_size(HashAlgorithm algorithm) {
    return algorithm == HashAlgorithm::kNone ? 0 : algorithm == HashAlgorithm::kGitSha1 ? 20 : 32;
  }

 private:
  HashAlgorithm algorithm_ = HashAlgorithm::kNone;
  std::array<std::uint8_t, 32> bytes_{};
};

struct BlobKeyHash {
  std::size_t operator()(const BlobKey& key) const noexcept {
    // Every digest is uniform: its first bytes are already a good hash.
    std::size_t h;
    std::memcpy(&h, key.digest().data(), sizeof h);
    return h ^ static_cast<std::size_t>(key.algorithm());
  }
};

}  // namespace trawl
