// A pack file mapped into memory, and the parsing of one entry's header:
// type, inflated size and, for deltas, where the base is. Bounds-checked
// throughout; a corrupt entry is reported as such, never read past.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "content/object_id.h"

namespace trawl {

enum class PackObjectType : std::uint8_t {
  kCommit = 1,
  kTree = 2,
  kBlob = 3,
  kTag = 4,
  kOfsDelta = 6,
  kRefDelta = 7,
};

struct PackEntryHeader {
  PackObjectType type = PackObjectType::kBlob;
  std::uint64_t size = 0;         // inflated size (of the delta data, for deltas)
  std::uint64_t data_offset = 0;  // where the zlib stream starts
  std::uint64_t base_offset = 0;  // kOfsDelta: the base entry's offset
  ObjectId base_id;               // kRefDelta: the base object's id
};

// Parses the entry header at `offset` of a pack's bytes; nullopt when it is
// truncated, has an unknown type or points its base outside the pack.
std::optional<PackEntryHeader> parse_pack_entry_header(std::string_view pack, std::uint64_t offset);

class PackFile {
 public:
  // Maps `path`; nullopt when it cannot be opened, or its header is not a
  // version 2 or 3 pack. `error` says why.
  static std::optional<PackFile> open(const std::string& path, std::string& error);
  PackFile(PackFile&& other) noexcept;
  PackFile& operator=(PackFile&&) = delete;
  PackFile(const PackFile&) = delete;
  ~PackFile();

  // The whole file, header and trailing checksum included.
  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }
  std::uint32_t object_count() const { return object_count_; }

  // The mapping is read in pack order unless told otherwise: a reader that
  // jumps around (following delta chains by id) asks for the kernel's usual
  // read-ahead and keeps pages it touches as long as any others.
  void expect_random_access() const;
  // Back to reading in pack order, for a reader that visits entries so.
  void expect_sequential_access() const;

 private:
  PackFile(const void* data, std::size_t size, std::uint32_t count) : data_(data), size_(size), object_count_(count) {}
  const void* data_;
  std::size_t size_;
  std::uint32_t object_count_;
};

}  // namespace trawl
