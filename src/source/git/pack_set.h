// The packs of a repository, opened once per scan and shared by every reader
// of packed objects: the object store (commits and trees), the pack reader
// (blobs, in pack order) and the ordering of what libgit2 reads.
//
// Every pack under objects/pack is opened once: its index (.idx, version 2)
// read, the pack mapped, and its entries tabled in pack order (from its .rev
// file when that is valid for the index, else by sorting the index's
// offsets). This is the one place that decides what of a pack is usable:
//  - a pack whose index does not parse (not version 2, fanout table not
//    ascending, truncated) or that cannot be mapped as a version 2 or 3 pack
//    is rejected: its objects are not in the set;
//  - otherwise its objects are read as far as the index and the pack agree:
//    an object the index places outside the pack's data, or at another's
//    offset, is left out, and each entry's bytes are checked later (CRC-32,
//    inflate, delta) by whoever reads them.
// libgit2 crashes or loops on some damaged packs (an index offset past the
// pack's end, a bit-flipped index), so it is only ever shown a pack that
// passed every check (libgit2_safe): index checksum sound, the index written
// for this pack (its recorded pack checksum is the pack's trailer), the
// pack's header counting as many objects as the index, none left out. Every
// pack that fails one of these is listed in problems().
//
// With a multi-pack-index, an object several packs hold is looked up in the
// pack it prefers; where it names a pack left out, or none, in the first
// pack (by name) that holds the object.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "content/object_id.h"
#include "source/git/multi_pack_index.h"
#include "source/git/pack_file.h"
#include "source/git/pack_index.h"

namespace trawl {

class PackSet {
 public:
  // One usable pack. Its entries are numbered in pack order, so an entry
  // ends where the next one starts.
  struct Pack {
    std::string name;  // the pack's file name, e.g. "pack-1234.pack"
    PackIndex index;
    PackFile file;
    PackEntries entries;
    // Whether libgit2 may be shown this pack (see above).
    bool libgit2_safe = true;

    std::uint32_t entry_count() const { return static_cast<std::uint32_t>(entries.offsets.size()); }
    std::uint64_t entry_begin(std::uint32_t entry) const { return entries.offsets[entry]; }
    // Where the next entry starts, or the trailing checksum for the last.
    std::uint64_t entry_end(std::uint32_t entry) const {
      return entry + 1 < entries.offsets.size() ? entries.offsets[entry + 1] : file.bytes().size() - 20;
    }
    // The entry holding `id`, or nullopt when this pack does not.
    std::optional<std::uint32_t> entry_of(const ObjectId& id) const {
      const auto position = index.position_of(id);
      if (!position) return std::nullopt;
      const std::uint32_t entry = entries.entry_of[*position];
      if (entry == PackEntries::kNoEntry) return std::nullopt;
      return entry;
    }
    ObjectId id_at(std::uint32_t entry) const { return index.id_at(entries.positions[entry]); }
    // Whether the entry's bytes (header and compressed data) have the
    // CRC-32 its index records.
    bool crc_matches(std::uint32_t entry) const;
  };

  // A pack rejected or only partly usable, and why.
  struct Problem {
    std::string pack;  // the pack's file name
    std::string what;
    bool rejected = false;  // none of its objects are in the set
  };

  struct Location {
    std::uint32_t pack;   // index into the set
    std::uint32_t entry;  // the entry's rank in that pack's order
  };

  // Opens the packs under `git_dir`/objects/pack; a repository without any
  // gives an empty set.
  explicit PackSet(const std::string& git_dir);
  PackSet(const PackSet&) = delete;
  PackSet& operator=(const PackSet&) = delete;

  // The usable packs, sorted by name.
  std::size_t size() const { return packs_.size(); }
  // Packs rejected, or usable but not shown to libgit2, with the reason.
  const std::vector<Problem>& problems() const { return problems_; }
  // The index files of the packs libgit2 may read, when some pack under
  // objects/pack is not one of them; nullopt when libgit2 may read them all.
  std::optional<std::vector<std::string>> libgit2_pack_indexes() const;
  const Pack& operator[](std::uint32_t pack) const { return packs_[pack]; }

  // Where to read `id` from: in the pack the multi-pack-index prefers when
  // that one is here and holds it, else the first pack here that holds it;
  // nullopt when none does. Safe to call from any number of threads.
  std::optional<Location> locate(const ObjectId& id) const;

 private:
  static constexpr std::uint32_t kNoPack = ~std::uint32_t{0};

  std::vector<Pack> packs_;
  std::vector<std::string> index_paths_;  // per pack
  std::vector<Problem> problems_;
  std::optional<MultiPackIndex> midx_;
  std::vector<std::uint32_t> midx_packs_;  // per pack of the multi-pack-index: ours, or kNoPack
};

// The indices of `ids` in the order of where `packs` locate them (pack,
// then pack order); ids in no pack (loose objects) follow, in their
// original order.
std::vector<std::size_t> pack_position_order(const PackSet& packs, const std::vector<ObjectId>& ids);

// Returns `ids` in that order.
std::vector<ObjectId> order_by_pack_position(const PackSet& packs, const std::vector<ObjectId>& ids);

}  // namespace trawl
