// Builds pack files and their indexes byte by byte, so tests can make packs
// git itself refuses to write: REF_DELTA cycles, chains of any length, a
// header count that disagrees with the index, offsets past the pack's end.
#pragma once

#include <libdeflate.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "content/object_id.h"

namespace trawl::test {

inline std::string sha1_of(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha1(), nullptr);
  return {reinterpret_cast<const char*>(digest), 20};
}

inline ObjectId blob_id(const std::string& content) {
  const std::string hash = sha1_of("blob " + std::to_string(content.size()) + std::string(1, '\0') + content);
  ObjectId id;
  std::copy(hash.begin(), hash.end(), id.bytes.begin());
  return id;
}

inline std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// Git's delta encoding, built instruction by instruction.
class DeltaWriter {
 public:
  DeltaWriter(std::uint64_t base_size, std::uint64_t result_size) {
    size(base_size);
    size(result_size);
  }
  DeltaWriter& copy(std::uint32_t offset, std::uint32_t length) {
    std::string args;
    unsigned char op = 0x80;
    for (unsigned i = 0; i < 4; ++i) {
      if (((offset >> (8 * i)) & 0xff) == 0) continue;
      op |= static_cast<unsigned char>(1u << i);
      args += static_cast<char>((offset >> (8 * i)) & 0xff);
    }
    for (unsigned i = 0; i < 3; ++i) {
      if (((length >> (8 * i)) & 0xff) == 0) continue;
      op |= static_cast<unsigned char>(0x10u << i);
      args += static_cast<char>((length >> (8 * i)) & 0xff);
    }
    bytes_ += static_cast<char>(op);
    bytes_ += args;
    return *this;
  }
  DeltaWriter& insert(const std::string& data) {
    for (std::size_t at = 0; at < data.size(); at += 127) {
      const std::string part = data.substr(at, 127);
      bytes_ += static_cast<char>(part.size());
      bytes_ += part;
    }
    return *this;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  void size(std::uint64_t v) {
    do {
      auto b = static_cast<unsigned char>(v & 0x7f);
      v >>= 7;
      if (v != 0) b |= 0x80;
      bytes_ += static_cast<char>(b);
    } while (v != 0);
  }
  std::string bytes_;
};

class PackBuilder {
 public:
  // A whole blob; returns its entry number.
  std::size_t blob(const std::string& content) { return add({3, content, blob_id(content), 0, {}}); }
  // An OFS_DELTA on entry `base`, whose result has id `id`.
  std::size_t ofs_delta(std::size_t base, const std::string& delta, const ObjectId& id) {
    return add({6, delta, id, base, {}});
  }
  // A REF_DELTA on the object `base`.
  std::size_t ref_delta(const ObjectId& base, const std::string& delta, const ObjectId& id) {
    return add({7, delta, id, 0, base});
  }
  const ObjectId& id(std::size_t entry) const { return entries_[entry].id; }

  struct Written {
    std::filesystem::path pack;
    std::filesystem::path idx;
    std::vector<std::uint64_t> offsets;  // by entry
  };
  // Writes pack-<checksum>.pack and .idx under `pack_dir`; the pack header
  // counts `header_count` objects when given, else the true count.
  Written write(const std::filesystem::path& pack_dir, long header_count = -1) const {
    std::string pack =
        "PACK" + be32(2) +
        be32(header_count < 0 ? static_cast<std::uint32_t>(entries_.size()) : static_cast<std::uint32_t>(header_count));
    Written out;
    std::vector<std::uint32_t> crcs;
    libdeflate_compressor* compressor = libdeflate_alloc_compressor(1);
    for (const Entry& e : entries_) {
      const std::uint64_t offset = pack.size();
      std::string header;
      std::uint64_t size = e.data.size();
      unsigned char b = static_cast<unsigned char>((e.type << 4) | (size & 15));
      size >>= 4;
      while (size != 0) {
        header += static_cast<char>(b | 0x80);
        b = static_cast<unsigned char>(size & 0x7f);
        size >>= 7;
      }
      header += static_cast<char>(b);
      if (e.type == 6) {
        std::uint64_t distance = offset - out.offsets[e.base];
        std::string enc(1, static_cast<char>(distance & 0x7f));
        while ((distance >>= 7) != 0) enc.insert(enc.begin(), static_cast<char>(0x80 | (--distance & 0x7f)));
        header += enc;
      } else if (e.type == 7) {
        header.append(reinterpret_cast<const char*>(e.base_id.bytes.data()), 20);
      }
      std::string compressed(libdeflate_zlib_compress_bound(compressor, e.data.size()), '\0');
      compressed.resize(
          libdeflate_zlib_compress(compressor, e.data.data(), e.data.size(), compressed.data(), compressed.size()));
      const std::string entry = header + compressed;
      crcs.push_back(libdeflate_crc32(0, entry.data(), entry.size()));
      out.offsets.push_back(offset);
      pack += entry;
    }
    libdeflate_free_compressor(compressor);
    const std::string pack_sum = sha1_of(pack);
    pack += pack_sum;

    std::vector<std::size_t> order(entries_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return entries_[a].id < entries_[b].id; });
    std::string idx = std::string("\xfftOc", 4) + be32(2);
    for (unsigned first = 0; first < 256; ++first) {
      std::uint32_t n = 0;
      for (const Entry& e : entries_) n += e.id.bytes[0] <= first ? 1 : 0;
      idx += be32(n);
    }
    for (std::size_t i : order) idx.append(reinterpret_cast<const char*>(entries_[i].id.bytes.data()), 20);
    for (std::size_t i : order) idx += be32(crcs[i]);
    for (std::size_t i : order) idx += be32(static_cast<std::uint32_t>(out.offsets[i]));
    idx += pack_sum;
    idx += sha1_of(idx);

    std::string hex;
    for (unsigned char c : pack_sum) {
      const char* digits = "0123456789abcdef";
      hex += digits[c >> 4];
      hex += digits[c & 15];
    }
    std::filesystem::create_directories(pack_dir);
    out.pack = pack_dir / ("pack-" + hex + ".pack");
    out.idx = pack_dir / ("pack-" + hex + ".idx");
    std::ofstream(out.pack, std::ios::binary) << pack;
    std::ofstream(out.idx, std::ios::binary) << idx;
    return out;
  }

 private:
  struct Entry {
    int type;
    std::string data;
    ObjectId id;
    std::size_t base;
    ObjectId base_id;
  };
  std::size_t add(Entry e) {
    entries_.push_back(std::move(e));
    return entries_.size() - 1;
  }
  std::vector<Entry> entries_;
};

}  // namespace trawl::test
