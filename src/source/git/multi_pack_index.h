// The multi-pack-index (objects/pack/multi-pack-index, version 1): which
// pack git prefers for each object when several packs hold it, so the pack
// reader rebuilds every selected blob once, from the pack git would use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "content/object_id.h"

namespace trawl {

class MultiPackIndex {
 public:
  // nullopt when the file is absent or not a well-formed version 1 index.
  static std::optional<MultiPackIndex> load(const std::string& path);
  static std::optional<MultiPackIndex> parse(std::vector<unsigned char> bytes);

  // Index file names of the packs it covers, e.g. "pack-1234.idx".
  const std::vector<std::string>& pack_names() const { return pack_names_; }
  std::size_t object_count() const { return count_; }
  // The preferred pack's name for `id`, or nullopt when it covers no such object.
  std::optional<std::string> pack_of(const ObjectId& id) const;
  // The same as an index into pack_names().
  std::optional<std::uint32_t> pack_number_of(const ObjectId& id) const;

 private:
  std::vector<unsigned char> bytes_;
  std::vector<std::string> pack_names_;
  std::size_t count_ = 0;
  std::size_t fanout_at_ = 0;
  std::size_t ids_at_ = 0;
  std::size_t offsets_at_ = 0;
};

}  // namespace trawl
