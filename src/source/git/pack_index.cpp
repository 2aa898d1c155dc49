#include "source/git/pack_index.h"

#include "source/git/big_endian.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace trawl {
namespace {

constexpr unsigned char kMagic[4] = {0xff, 't', 'O', 'c'};
constexpr std::size_t kHeaderBytes = 8;
constexpr std::size_t kFanoutBytes = std::size_t{256} * 4;
constexpr std::size_t kTrailerBytes = 40;

std::atomic<std::uint64_t> index_files_read{0};

}  // namespace

std::uint64_t PackIndex::files_read() { return index_files_read.load(); }

std::optional<PackIndex> PackIndex::load(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot be read";
    return std::nullopt;
  }
  ++index_files_read;
  return parse(std::vector<unsigned char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()), error);
}

std::optional<PackIndex> PackIndex::load(const std::string& path) {
  std::string error;
  return load(path, error);
}

std::optional<PackIndex> PackIndex::parse(std::vector<unsigned char> bytes) {
  std::string error;
  return parse(std::move(bytes), error);
}

std::optional<PackIndex> PackIndex::parse(std::vector<unsigned char> bytes, std::string& error) {
  PackIndex index;
  index.bytes_ = std::move(bytes);
  const auto& b = index.bytes_;
  if (b.size() < kHeaderBytes + kFanoutBytes + kTrailerBytes || std::memcmp(b.data(), kMagic, 4) != 0 ||
      read_be32(b.data() + 4) != 2) {
    error = "not a version 2 pack index";
    return std::nullopt;
  }
  std::uint32_t previous = 0;
  for (std::size_t i = 0; i < 256; ++i) {
    const std::uint32_t v = read_be32(b.data() + kHeaderBytes + 4 * i);
    if (v < previous) {
      error = "fanout table not ascending at entry " + std::to_string(i);
      return std::nullopt;
    }
    previous = v;
  }
  index.count_ = previous;
  index.ids_at_ = kHeaderBytes + kFanoutBytes;
  const std::size_t crcs_at = index.ids_at_ + 20 * index.count_;
  index.offsets_at_ = crcs_at + 4 * index.count_;
  index.large_offsets_at_ = index.offsets_at_ + 4 * index.count_;
  if (index.count_ > b.size() / 28 || index.large_offsets_at_ + kTrailerBytes > b.size()) {
    error = "truncated: its fanout table counts " + std::to_string(index.count_) + " objects";
    return std::nullopt;
  }
  return index;
}

bool PackIndex::checksum_matches() const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const std::size_t hashed = bytes_.size() - 20;
  return EVP_Digest(bytes_.data(), hashed, digest, &length, EVP_sha1(), nullptr) == 1 && length == 20 &&
         std::memcmp(digest, bytes_.data() + hashed, 20) == 0;
}

std::string_view PackIndex::pack_checksum() const {
  return {reinterpret_cast<const char*>(bytes_.data() + bytes_.size() - kTrailerBytes), 20};
}

std::optional<std::uint32_t> PackIndex::position_of(const ObjectId& id) const {
  const unsigned char* fanout = bytes_.data() + kHeaderBytes;
  const std::uint8_t first = id.bytes[0];
  std::size_t lo = first == 0 ? 0 : read_be32(fanout + std::size_t{4} * (first - 1u));
  std::size_t hi = read_be32(fanout + std::size_t{4} * first);
  const unsigned char* ids = bytes_.data() + ids_at_;
  // Ids are compared by their first eight bytes as a number first: most
  // steps of the search are decided there, without a call to memcmp.
  const std::uint64_t key = read_be64(id.bytes.data());
  auto compare_at = [&](std::size_t at) {
    const std::uint64_t probe = read_be64(ids + 20 * at);
    return probe != key ? (probe < key ? -1 : 1) : std::memcmp(ids + 20 * at, id.bytes.data(), 20);
  };
  // Object ids are uniformly spread, so a few steps that guess the position
  // from the keys at both ends narrow the range faster than halving it
  // (each probe is a cache miss in a large index); then halving finishes.
  for (int step = 0; step < 4 && hi - lo > 16; ++step) {
    const std::uint64_t low_key = read_be64(ids + 20 * lo);
    const std::uint64_t high_key = read_be64(ids + 20 * (hi - 1));
    if (key < low_key || key > high_key) return std::nullopt;
    const double fraction = static_cast<double>(key - low_key) / (static_cast<double>(high_key - low_key) + 1.0);
    const std::size_t mid =
        std::min(hi - 1, lo + static_cast<std::size_t>(fraction * static_cast<double>(hi - 1 - lo)));
    const int c = compare_at(mid);
    if (c == 0) return static_cast<std::uint32_t>(mid);
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const int c = compare_at(mid);
    if (c == 0) return static_cast<std::uint32_t>(mid);
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return std::nullopt;
}

std::optional<std::uint64_t> PackIndex::offset_of(const ObjectId& id) const {
  const auto position = position_of(id);
  if (!position) return std::nullopt;
  return offset_at(*position);
}

ObjectId PackIndex::id_at(std::uint32_t position) const {
  ObjectId id;
  std::memcpy(id.bytes.data(), bytes_.data() + ids_at_ + 20 * std::size_t{position}, id.bytes.size());
  return id;
}

std::optional<std::uint64_t> PackIndex::offset_at(std::uint32_t position) const {
  const std::uint32_t small = read_be32(bytes_.data() + offsets_at_ + 4 * std::size_t{position});
  if ((small & 0x80000000u) == 0) return small;
  const std::size_t at = large_offsets_at_ + 8 * std::size_t{small & 0x7fffffffu};
  if (at + 8 + kTrailerBytes > bytes_.size()) return std::nullopt;
  return read_be64(bytes_.data() + at);
}

std::uint32_t PackIndex::crc_at(std::uint32_t position) const {
  return read_be32(bytes_.data() + ids_at_ + 20 * count_ + 4 * std::size_t{position});
}

std::vector<std::uint32_t> PackIndex::pack_order(const std::string& rev_path) const {
  std::vector<std::uint32_t> order;
  if (std::ifstream in{rev_path, std::ios::binary}) {
    const std::vector<unsigned char> rev((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    constexpr unsigned char kRevMagic[4] = {'R', 'I', 'D', 'X'};
    if (rev.size() == 12 + 4 * count_ + kTrailerBytes && std::memcmp(rev.data(), kRevMagic, 4) == 0 &&
        read_be32(rev.data() + 4) == 1 && read_be32(rev.data() + 8) == 1) {
      order.reserve(count_);
      bool valid = true;
      for (std::size_t i = 0; i < count_ && valid; ++i) {
        const std::uint32_t position = read_be32(rev.data() + 12 + 4 * i);
        valid = position < count_;
        order.push_back(position);
      }
      if (valid) return order;
      order.clear();
    }
  }
  std::vector<std::pair<std::uint64_t, std::uint32_t>> by_offset;
  by_offset.reserve(count_);
  for (std::uint32_t i = 0; i < count_; ++i) {
    by_offset.emplace_back(offset_at(i).value_or(~std::uint64_t{0}), i);
  }
  std::sort(by_offset.begin(), by_offset.end());
  order.reserve(count_);
  for (const auto& [offset, position] : by_offset) order.push_back(position);
  return order;
}

bool PackEntries::load(const PackIndex& index, std::uint64_t pack_size, const std::string& rev_path,
                       std::string& problem) {
  problem.clear();
  if (pack_size < 32) {
    problem = "pack too small";
    return false;
  }
  const std::uint64_t data_end = pack_size - 20;  // before the trailing checksum
  std::vector<std::uint32_t> order = index.pack_order(rev_path);
  // A .rev file that does not put the offsets in order is ignored.
  for (std::size_t k = 1; k < order.size(); ++k) {
    if (index.offset_at(order[k]).value_or(0) <= index.offset_at(order[k - 1]).value_or(0)) {
      order = index.pack_order("");
      break;
    }
  }
  positions.clear();
  offsets.clear();
  positions.reserve(order.size());
  offsets.reserve(order.size());
  entry_of.assign(order.size(), kNoEntry);
  std::uint64_t dropped = 0;
  std::string first_dropped;
  auto drop = [&](std::uint32_t position, const std::string& why) {
    if (dropped++ == 0) first_dropped = index.id_at(position).hex() + ": " + why;
  };
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::uint32_t position = order[k];
    const auto offset = index.offset_at(position);
    if (!offset) {
      drop(position, "offset outside the index's large-offset table");
    } else if (*offset < 12 || *offset >= data_end) {
      drop(position,
           "offset " + std::to_string(*offset) + " outside the pack's " + std::to_string(pack_size) + " bytes");
    } else if ((k > 0 && index.offset_at(order[k - 1]) == offset) ||
               (k + 1 < order.size() && index.offset_at(order[k + 1]) == offset)) {
      drop(position, "offset " + std::to_string(*offset) + " shared with another object");
    } else {
      entry_of[position] = static_cast<std::uint32_t>(offsets.size());
      positions.push_back(position);
      offsets.push_back(*offset);
    }
  }
  if (dropped != 0) {
    problem = std::to_string(dropped) + " of its index's objects left out (first " + first_dropped + ")";
  }
  return true;
}

std::vector<std::string> pack_index_paths(const std::string& git_dir) {
  std::vector<std::string> paths;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(git_dir) / "objects" / "pack", ec)) {
    if (entry.path().extension() == ".idx") paths.push_back(entry.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace trawl
