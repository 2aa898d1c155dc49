// Big-endian integers as git's index files store them.
#pragma once

#include <cstdint>

namespace trawl {

inline std::uint32_t read_be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

inline std::uint64_t read_be64(const unsigned char* p) {
  return (std::uint64_t{read_be32(p)} << 32) | read_be32(p + 4);
}

}  // namespace trawl
