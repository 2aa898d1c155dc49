#include "source/git/git_delta.h"

#include <algorithm>
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

std::uint64_t max_delta_result(const DeltaHeader& header, std::size_t delta_size) {
  // The most output per instruction byte: a copy of two bytes, its opcode
  // and the third size byte, copies up to 0xff0000 bytes.
  constexpr std::uint64_t kMostPerByte = 0x800000;
  return (delta_size - std::min(delta_size, header.instructions_at)) * kMostPerByte;
}

std::optional<DeltaHeader> parse_delta_header(std::string_view delta) {
  DeltaHeader header;
  std::size_t at = 0;
  if (!read_size(delta, at, header.base_size) || !read_size(delta, at, header.result_size)) return std::nullopt;
  header.instructions_at = at;
  return header;
}

namespace {

// Checks the delta's header against `base`; the size of the result, or
// nullopt when the delta cannot apply.
std::optional<DeltaHeader> checked_header(std::string_view base, std::string_view delta) {
  const auto header = parse_delta_header(delta);
  if (!header || header->base_size != base.size()) return std::nullopt;
  if (header->result_size > max_delta_result(*header, delta.size())) return std::nullopt;
  return header;
}

// Appends a piece to `pieces`, joined to the last one when it continues it
// (two copies of adjacent base ranges, or two inserts). Past `most` pieces
// the list is let go (and stays empty): a hostile delta of tiny pieces
// would make it larger than its result.
void add_piece(std::vector<DeltaPiece>*& pieces, const DeltaPiece& piece, std::size_t most) {
  if (!pieces->empty()) {
    DeltaPiece& last = pieces->back();
    if (last.copy == piece.copy && (!piece.copy || last.from + last.length == piece.from)) {
      last.length += piece.length;
      return;
    }
  }
  if (pieces->size() == most) {
    pieces->clear();
    pieces->shrink_to_fit();
    pieces = nullptr;
    return;
  }
  pieces->push_back(piece);
}

// Runs the delta's instructions into out[0, out_size), which is the
// header's result size, recording the pieces of the result in `pieces`
// when it is not null.
bool run_instructions(std::string_view base, std::string_view delta, std::size_t at, char* out, std::size_t out_size,
                      std::vector<DeltaPiece>* pieces = nullptr) {
  // One piece per 32 bytes of result at most: the list never outgrows the
  // result, and a delta cut finer has windows over most of its bytes anyway.
  const std::size_t most_pieces = out_size / 32 + 16;
  std::size_t written = 0;
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
      if (offset > base.size() || size > base.size() - offset || size > out_size - written) return false;
      std::memcpy(out + written, base.data() + offset, static_cast<std::size_t>(size));
      if (pieces != nullptr) add_piece(pieces, {written, size, offset, true}, most_pieces);
      written += static_cast<std::size_t>(size);
    } else if (op != 0) {
      if (op > delta.size() - at || op > out_size - written) return false;
      std::memcpy(out + written, delta.data() + at, op);
      if (pieces != nullptr) add_piece(pieces, {written, op, 0, false}, most_pieces);
      written += op;
      at += op;
    } else {
      return false;  // reserved
    }
  }
  return written == out_size;
}

}  // namespace

bool apply_delta(std::string_view base, std::string_view delta, std::vector<char>& out) {
  const auto header = checked_header(base, delta);
  if (!header) return false;
  out.resize(static_cast<std::size_t>(header->result_size));
  return run_instructions(base, delta, header->instructions_at, out.data(), out.size());
}

bool apply_delta(std::string_view base, std::string_view delta, const DeltaHeader& header, char* out) {
  if (header.base_size != base.size()) return false;
  return run_instructions(base, delta, header.instructions_at, out, static_cast<std::size_t>(header.result_size));
}

bool apply_delta(std::string_view base, std::string_view delta, ByteBuffer& out) {
  const auto header = checked_header(base, delta);
  if (!header) return false;
  out.reset(static_cast<std::size_t>(header->result_size));
  return run_instructions(base, delta, header->instructions_at, out.data(), out.size());
}

bool apply_delta(std::string_view base, std::string_view delta, ByteBuffer& out, std::vector<DeltaPiece>& pieces) {
  pieces.clear();
  const auto header = checked_header(base, delta);
  if (!header) return false;
  out.reset(static_cast<std::size_t>(header->result_size));
  return run_instructions(base, delta, header->instructions_at, out.data(), out.size(), &pieces);
}

}  // namespace trawl
