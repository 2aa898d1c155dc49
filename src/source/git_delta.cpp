#include "source/git_delta.h"

#include <cstring>

namespace trawl {
namespace {

// A little-endian base-128 size, as delta headers store them.
bool read_size(std::string_view data, std::size_t& at, std::uint64_t& value) {
  value = 0;
  unsigned shift = 0;
  while (at < data.size()) {
    const auto byte = static_cast<unsigned char>(data[at++]);
    if (shift > 63) return false;
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

}  // namespace

std::optional<DeltaHeader> parse_delta_header(std::string_view delta) {
  DeltaHeader header;
  std::size_t at = 0;
  if (!read_size(delta, at, header.base_size) || !read_size(delta, at, header.result_size)) return std::nullopt;
  header.instructions_at = at;
  return header;
}

bool apply_delta(std::string_view base, std::string_view delta, std::vector<char>& out) {
  const auto header = parse_delta_header(delta);
  if (!header || header->base_size != base.size()) return false;
  // A delta cannot produce more than its instructions can express; refuse
  // absurd declared sizes before allocating.
  if (header->result_size > (delta.size() + 1) * 0x10000ull) return false;
  out.resize(static_cast<std::size_t>(header->result_size));
  std::size_t written = 0;
  std::size_t at = header->instructions_at;
  while (at < delta.size()) {
    const auto op = static_cast<unsigned char>(delta[at++]);
    if ((op & 0x80) != 0) {
      std::uint64_t offset = 0;
      std::uint64_t size = 0;
      for (unsigned i = 0; i < 4; ++i) {
        if ((op & (1u << i)) == 0) continue;
        if (at >= delta.size()) return false;
        offset |= static_cast<std::uint64_t>(static_cast<unsigned char>(delta[at++])) << (8 * i);
      }
      for (unsigned i = 0; i < 3; ++i) {
        if ((op & (0x10u << i)) == 0) continue;
        if (at >= delta.size()) return false;
        size |= static_cast<std::uint64_t>(static_cast<unsigned char>(delta[at++])) << (8 * i);
      }
      if (size == 0) size = 0x10000;
      if (offset > base.size() || size > base.size() - offset || size > out.size() - written) return false;
      std::memcpy(out.data() + written, base.data() + offset, static_cast<std::size_t>(size));
      written += static_cast<std::size_t>(size);
    } else if (op != 0) {
      if (op > delta.size() - at || op > out.size() - written) return false;
      std::memcpy(out.data() + written, delta.data() + at, op);
      written += op;
      at += op;
    } else {
      return false;  // reserved
    }
  }
  return written == out.size();
}

}  // namespace trawl
