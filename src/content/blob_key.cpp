#include "content/blob_key.h"

#include <algorithm>

#include "content/sha256.h"

namespace trawl {

std::string_view hash_algorithm_name(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kGitSha1:
      return "git-sha1";
    case HashAlgorithm::kGitSha256:
      return "git-sha256";
    case HashAlgorithm::kSha256:
      return "sha256";
    case HashAlgorithm::kNone:
      break;
  }
  return "none";
}

BlobKey::BlobKey(const ObjectId& id) {
  if (id.is_zero()) return;
  algorithm_ = HashAlgorithm::kGitSha1;
  std::copy(id.bytes.begin(), id.bytes.end(), bytes_.begin());
}

BlobKey BlobKey::sha256_of(std::string_view bytes) {
  BlobKey key;
  key.algorithm_ = HashAlgorithm::kSha256;
  key.bytes_ = sha256(bytes);
  return key;
}

std::string BlobKey::hex() const { return to_hex(bytes_.data(), digest_size(algorithm_)); }

ObjectId BlobKey::git_id() const {
  ObjectId id;
  if (algorithm_ == HashAlgorithm::kGitSha1) std::copy_n(bytes_.begin(), id.bytes.size(), id.bytes.begin());
  return id;
}

}  // namespace trawl
