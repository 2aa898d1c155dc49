// A git object id (SHA-1) as a plain value: comparable, hashable, printable.
// Stages after the source use this instead of libgit2's git_oid.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace trawl {

struct ObjectId {
  std::array<std::uint8_t, 20> bytes{};

  bool is_zero() const noexcept {
    for (auto b : bytes)
      if (b != 0) return false;
    return true;
  }
  std::string hex() const;
  friend bool operator==(const ObjectId&, const ObjectId&) = default;
  // clang-tidy 14 mistakes the defaulted <=> for a literal 0 compared as a pointer.
  friend auto operator<=>(const ObjectId&, const ObjectId&) = default;  // NOLINT(modernize-use-nullptr)
};

struct ObjectIdHash {
  std::size_t operator()(const ObjectId& id) const noexcept {
    // SHA-1 output is uniform: its first bytes are already a good hash.
    std::size_t h;
    std::memcpy(&h, id.bytes.data(), sizeof h);
    return h;
  }
};

}  // namespace trawl
