// Pack index (.idx, version 2) reading: where each object lies in its pack,
// and the CRC-32 of its packed bytes. Packs are opened, and their indexes
// read, once per scan by a PackSet (pack_set.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/object_id.h"

namespace trawl {

class PackIndex {
 public:
  // Parses the index at `path`; nullopt when it cannot be read or is not a
  // well-formed version 2 index, and then `error` says why.
  static std::optional<PackIndex> load(const std::string& path, std::string& error);
  static std::optional<PackIndex> load(const std::string& path);
  // The same from an index's bytes. The structure is checked (header,
  // fanout table ascending, tables inside the file); the trailing checksum
  // is not, see checksum_matches().
  static std::optional<PackIndex> parse(std::vector<unsigned char> bytes, std::string& error);
  static std::optional<PackIndex> parse(std::vector<unsigned char> bytes);
  // How many index files load() has read in this process, for tests that
  // check a scan reads each once.
  static std::uint64_t files_read();

  std::size_t object_count() const { return count_; }
  // Whether the index's trailing SHA-1 is that of the bytes before it: any
  // bit flipped in the index (an id, a CRC-32, an offset) fails this.
  bool checksum_matches() const;
  // The checksum of the pack this index was written for, as the pack's own
  // last 20 bytes hold it.
  std::string_view pack_checksum() const;
  // The object's position in the index (sorted by id), or nullopt.
  std::optional<std::uint32_t> position_of(const ObjectId& id) const;
  // The object's offset in the pack, or nullopt when the pack lacks it.
  std::optional<std::uint64_t> offset_of(const ObjectId& id) const;
  ObjectId id_at(std::uint32_t position) const;
  // nullopt when the entry points outside the large-offset table.
  std::optional<std::uint64_t> offset_at(std::uint32_t position) const;
  // The CRC-32 of the object's packed bytes (entry header and compressed data).
  std::uint32_t crc_at(std::uint32_t position) const;

  // Index positions in pack order (by offset): from the pack's .rev file
  // when `rev_path` holds a valid one for this index, else by sorting.
  std::vector<std::uint32_t> pack_order(const std::string& rev_path) const;

 private:
  std::vector<unsigned char> bytes_;
  std::size_t count_ = 0;
  std::size_t ids_at_ = 0;
  std::size_t offsets_at_ = 0;
  std::size_t large_offsets_at_ = 0;
};

// A pack's entries in pack order, read off its index: entry k lies at
// offsets[k] (ascending) and is index position positions[k]; entry_of[p] is
// the entry at index position p, or kNoEntry for an object the index places
// outside the pack's data or at another object's offset (left out).
struct PackEntries {
  static constexpr std::uint32_t kNoEntry = 0xffffffffu;

  std::vector<std::uint32_t> positions;
  std::vector<std::uint64_t> offsets;
  std::vector<std::uint32_t> entry_of;

  // Fills the table for a pack of `pack_size` bytes, in the order of its
  // .rev file at `rev_path` when that file is valid and agrees with the
  // index's offsets, else by sorting them. Objects whose offset lies outside
  // the pack's data or is shared are left out, and `problem` then says how
  // many and names the first; false only when the pack is too small to hold
  // any entry.
  bool load(const PackIndex& index, std::uint64_t pack_size, const std::string& rev_path, std::string& problem);
};

// The .idx files under `git_dir`/objects/pack, sorted by name.
std::vector<std::string> pack_index_paths(const std::string& git_dir);

}  // namespace trawl
