// Opening a repository's packs once, deciding which are usable, and finding
// an object's pack and entry among them.
#include "source/git/pack_set.h"

#include <libdeflate.h>

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <unordered_map>

namespace trawl {

bool PackSet::Pack::crc_matches(std::uint32_t entry) const {
  const std::uint64_t begin = entry_begin(entry);
  const std::uint32_t crc =
      libdeflate_crc32(0, file.bytes().data() + begin, static_cast<std::size_t>(entry_end(entry) - begin));
  return crc == index.crc_at(entries.positions[entry]);
}

PackSet::PackSet(const std::string& git_dir) {
  std::unordered_map<std::string, std::uint32_t> by_idx_name;
  for (const std::string& idx_path : pack_index_paths(git_dir)) {
    const std::string stem = idx_path.substr(0, idx_path.size() - 4);
    const std::string name = std::filesystem::path(stem).filename().string() + ".pack";
    std::string error;
    auto index = PackIndex::load(idx_path, error);
    if (!index) {
      problems_.push_back({name, "index " + error, true});
      continue;
    }
    auto file = PackFile::open(stem + ".pack", error);
    if (!file) {
      problems_.push_back({name, error, true});
      continue;
    }
    PackEntries entries;
    if (!entries.load(*index, file->bytes().size(), stem + ".rev", error)) {
      problems_.push_back({name, error, true});
      continue;
    }
    std::vector<std::string> found;
    if (!error.empty()) found.push_back(error);
    if (file->object_count() != index->object_count()) {
      found.push_back("pack header counts " + std::to_string(file->object_count()) + " objects, its index " +
                      std::to_string(index->object_count()));
    }
    if (!index->checksum_matches()) found.emplace_back("index checksum mismatch");
    if (file->bytes().substr(file->bytes().size() - 20) != index->pack_checksum()) {
      found.emplace_back("index written for another pack (pack checksum differs)");
    }
    std::string what;
    for (const std::string& f : found) what += (what.empty() ? "" : "; ") + f;
    if (!what.empty()) problems_.push_back({name, what + "; reading what the index and the pack agree on", false});
    by_idx_name.emplace(std::filesystem::path(idx_path).filename().string(), static_cast<std::uint32_t>(packs_.size()));
    packs_.push_back(Pack{name, std::move(*index), std::move(*file), std::move(entries), found.empty()});
    index_paths_.push_back(idx_path);
  }
  midx_ = MultiPackIndex::load((std::filesystem::path(git_dir) / "objects" / "pack" / "multi-pack-index").string());
  if (midx_) {
    for (const std::string& name : midx_->pack_names()) {
      const auto it = by_idx_name.find(name);
      midx_packs_.push_back(it != by_idx_name.end() ? it->second : kNoPack);
    }
  }
}

std::optional<std::vector<std::string>> PackSet::libgit2_pack_indexes() const {
  if (problems_.empty()) return std::nullopt;
  std::vector<std::string> paths;
  for (std::size_t pack = 0; pack < packs_.size(); ++pack) {
    if (packs_[pack].libgit2_safe) paths.push_back(index_paths_[pack]);
  }
  return paths;
}

std::optional<PackSet::Location> PackSet::locate(const ObjectId& id) const {
  if (midx_) {
    if (const auto preferred = midx_->pack_number_of(id); preferred && midx_packs_[*preferred] != kNoPack) {
      const std::uint32_t pack = midx_packs_[*preferred];
      if (const auto entry = packs_[pack].entry_of(id)) return Location{pack, *entry};
    }
  }
  for (std::uint32_t pack = 0; pack < packs_.size(); ++pack) {
    if (const auto entry = packs_[pack].entry_of(id)) return Location{pack, *entry};
  }
  return std::nullopt;
}

std::vector<std::size_t> pack_position_order(const PackSet& packs, const std::vector<ObjectId>& ids) {
  struct Placed {
    std::uint32_t pack;  // packs.size() when in no pack
    std::uint32_t entry;
    std::size_t original;
  };
  std::vector<Placed> placed;
  placed.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto at = packs.locate(ids[i]);
    placed.push_back(at ? Placed{at->pack, at->entry, i} : Placed{static_cast<std::uint32_t>(packs.size()), 0, i});
  }
  std::sort(placed.begin(), placed.end(), [](const Placed& a, const Placed& b) {
    return std::tie(a.pack, a.entry, a.original) < std::tie(b.pack, b.entry, b.original);
  });
  std::vector<std::size_t> order;
  order.reserve(ids.size());
  for (const Placed& p : placed) order.push_back(p.original);
  return order;
}

std::vector<ObjectId> order_by_pack_position(const PackSet& packs, const std::vector<ObjectId>& ids) {
  std::vector<ObjectId> out;
  out.reserve(ids.size());
  for (std::size_t i : pack_position_order(packs, ids)) out.push_back(ids[i]);
  return out;
}

}  // namespace trawl
