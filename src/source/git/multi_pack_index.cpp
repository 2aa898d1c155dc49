#include "source/git/multi_pack_index.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "source/git/big_endian.h"

namespace trawl {
namespace {

constexpr std::size_t kHeaderBytes = 12;
constexpr std::size_t kChunkEntryBytes = 12;

}  // namespace

std::optional<MultiPackIndex> MultiPackIndex::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return parse(std::vector<unsigned char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
}

std::optional<MultiPackIndex> MultiPackIndex::parse(std::vector<unsigned char> bytes) {
  MultiPackIndex m;
  m.bytes_ = std::move(bytes);
  const auto& b = m.bytes_;
  if (b.size() < kHeaderBytes || std::memcmp(b.data(), "MIDX", 4) != 0 || b[4] != 1 || b[5] != 1 || b[7] != 0) {
    return std::nullopt;
  }
  const std::size_t chunks = b[6];
  const std::uint32_t packs = read_be32(b.data() + 8);
  if (kHeaderBytes + (chunks + 1) * kChunkEntryBytes > b.size()) return std::nullopt;

  // The chunk table: each chunk ends where the next begins.
  std::size_t names_at = 0, names_end = 0, fanout_at = 0, ids_at = 0, offsets_at = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    const unsigned char* entry = b.data() + kHeaderBytes + c * kChunkEntryBytes;
    const std::uint64_t begin = read_be64(entry + 4);
    const std::uint64_t end = read_be64(entry + kChunkEntryBytes + 4);
    if (begin > end || end > b.size()) return std::nullopt;
    if (std::memcmp(entry, "PNAM", 4) == 0) {
      names_at = static_cast<std::size_t>(begin);
      names_end = static_cast<std::size_t>(end);
    } else if (std::memcmp(entry, "OIDF", 4) == 0 && end - begin == std::uint64_t{256} * 4) {
      fanout_at = static_cast<std::size_t>(begin);
    } else if (std::memcmp(entry, "OIDL", 4) == 0) {
      ids_at = static_cast<std::size_t>(begin);
    } else if (std::memcmp(entry, "OOFF", 4) == 0) {
      offsets_at = static_cast<std::size_t>(begin);
    }
  }
  if (names_end == 0 || fanout_at == 0 || ids_at == 0 || offsets_at == 0) return std::nullopt;

  for (std::size_t at = names_at; at < names_end && m.pack_names_.size() < packs;) {
    const auto* nul = static_cast<const unsigned char*>(std::memchr(b.data() + at, 0, names_end - at));
    if (nul == nullptr) return std::nullopt;
    m.pack_names_.emplace_back(reinterpret_cast<const char*>(b.data() + at),
                               static_cast<std::size_t>(nul - b.data()) - at);
    at = static_cast<std::size_t>(nul - b.data()) + 1;
  }
  if (m.pack_names_.size() != packs) return std::nullopt;

  m.count_ = read_be32(b.data() + fanout_at + std::size_t{255} * 4);
  if (ids_at + 20 * m.count_ > b.size() || offsets_at + 8 * m.count_ > b.size()) return std::nullopt;
  m.fanout_at_ = fanout_at;
  m.ids_at_ = ids_at;
  m.offsets_at_ = offsets_at;
  return m;
}

std::optional<std::string> MultiPackIndex::pack_of(const ObjectId& id) const {
  const auto pack = pack_number_of(id);
  if (!pack) return std::nullopt;
  return pack_names_[*pack];
}

std::optional<std::uint32_t> MultiPackIndex::pack_number_of(const ObjectId& id) const {
  const unsigned char* fanout = bytes_.data() + fanout_at_;
  const std::uint8_t first = id.bytes[0];
  std::size_t lo = first == 0 ? 0 : read_be32(fanout + std::size_t{4} * (first - 1u));
  std::size_t hi = std::min<std::size_t>(read_be32(fanout + std::size_t{4} * first), count_);
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const int c = std::memcmp(bytes_.data() + ids_at_ + 20 * mid, id.bytes.data(), 20);
    if (c == 0) {
      const std::uint32_t pack = read_be32(bytes_.data() + offsets_at_ + 8 * mid);
      if (pack >= pack_names_.size()) return std::nullopt;
      return pack;
    }
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return std::nullopt;
}

}  // namespace trawl
