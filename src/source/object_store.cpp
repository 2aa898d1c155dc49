#include "source/object_store.h"

#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "source/clock_cache.h"
#include "source/git_delta.h"
#include "source/pack_file.h"
#include "source/pack_index.h"

namespace trawl {
namespace {

constexpr std::uint32_t kNoPack = ~std::uint32_t{0};
// Bookkeeping a kept object costs besides its bytes (its slot and map node).
constexpr std::size_t kEntryOverhead = 128;

// One libdeflate decompressor per thread, for as long as the thread lives.
libdeflate_decompressor* thread_decompressor() {
  struct Holder {
    libdeflate_decompressor* decompressor = libdeflate_alloc_decompressor();
    Holder() = default;
    Holder(const Holder&) = delete;
    Holder& operator=(const Holder&) = delete;
    ~Holder() { libdeflate_free_decompressor(decompressor); }
  };
  thread_local Holder holder;
  return holder.decompressor;
}

std::uint64_t cache_key(std::uint32_t pack, std::uint32_t entry) { return (std::uint64_t{pack} << 32) | entry; }

}  // namespace

// A mapped pack and where each of its entries lies: entries are numbered in
// pack order, so an entry ends where the next one starts.
struct ObjectStore::Pack {
  Pack(PackIndex i, PackFile f) : index(std::move(i)), file(std::move(f)) {}

  PackIndex index;
  PackFile file;
  PackEntries table;  // entries in pack order

  // Reads the entry table; false when the index does not describe this pack
  // (offsets out of order, outside its data, or repeated).
  bool load_entries(const std::string& rev_path) { return table.load(index, file.bytes().size(), rev_path); }

  std::uint64_t end_of(std::uint32_t entry) const {
    return entry + 1 < table.offsets.size() ? table.offsets[entry + 1] : file.bytes().size() - 20;
  }

  // The entry at `offset`, which lies before entry `from`. Bases are mostly
  // written shortly before their deltas, so the search gallops back from
  // `from` and then halves the range found.
  std::optional<std::uint32_t> entry_before(std::uint32_t from, std::uint64_t offset) const {
    std::uint64_t high = from;  // offsets[high] > offset
    std::uint64_t low = 0;
    for (std::uint64_t step = 1; step < high; step *= 2) {
      if (table.offsets[high - step] <= offset) {
        low = high - step;
        break;
      }
      high -= step;
    }
    const auto it = std::lower_bound(table.offsets.begin() + static_cast<std::ptrdiff_t>(low),
                                     table.offsets.begin() + static_cast<std::ptrdiff_t>(high), offset);
    if (it == table.offsets.begin() + static_cast<std::ptrdiff_t>(high) || *it != offset) return std::nullopt;
    return static_cast<std::uint32_t>(it - table.offsets.begin());
  }

  std::optional<std::uint32_t> entry_of(const ObjectId& id) const {
    const auto position = index.position_of(id);
    if (!position) return std::nullopt;
    return table.entry_of[*position];
  }

  // The entry's header, once its bytes match the index's CRC-32.
  std::optional<PackEntryHeader> checked_header(std::uint32_t entry) const {
    const std::uint64_t begin = table.offsets[entry];
    const std::uint64_t end = end_of(entry);
    const std::string_view bytes = file.bytes();
    const std::uint32_t crc = libdeflate_crc32(0, bytes.data() + begin, static_cast<std::size_t>(end - begin));
    if (crc != index.crc_at(table.positions[entry])) return std::nullopt;
    return parse_pack_entry_header(bytes.substr(0, static_cast<std::size_t>(end)), begin);
  }

  // Inflates the entry's data, exactly `header.size` bytes, into `out`.
  bool inflate(std::uint32_t entry, const PackEntryHeader& header, char* out) const {
    const std::uint64_t end = end_of(entry);
    if (header.data_offset > end) return false;
    const std::uint64_t compressed = end - header.data_offset;
    libdeflate_decompressor* decompressor = thread_decompressor();
    if (decompressor == nullptr) return false;
    std::size_t consumed = 0;
    const libdeflate_result result = libdeflate_zlib_decompress_ex(
        decompressor, file.bytes().data() + header.data_offset, static_cast<std::size_t>(compressed), out,
        static_cast<std::size_t>(header.size), &consumed, nullptr);
    return result == LIBDEFLATE_SUCCESS && consumed == compressed;
  }

  // Whether `header.size` bytes can come out of the entry's compressed bytes
  // (deflate expands at most about 1032:1): refuses corrupt sizes before
  // anything is allocated for them.
  bool plausible_size(std::uint32_t entry, const PackEntryHeader& header) const {
    const std::uint64_t end = end_of(entry);
    return header.data_offset <= end && header.size <= (end - header.data_offset) * 1032 + 64;
  }
};

// Rebuilt objects by (pack, entry), in shards that each have their own lock.
class ObjectStore::Cache {
 public:
  explicit Cache(std::size_t bytes) {
    for (Shard& shard : shards_)
      shard.objects = std::make_unique<ClockCache<std::uint64_t, StoredObjectPtr>>(bytes / kShards);
  }

  StoredObjectPtr find(std::uint64_t key) {
    Shard& shard = shard_of(key);
    std::lock_guard lock(shard.mutex);
    const StoredObjectPtr* object = shard.objects->find(key);
    if (object == nullptr) return nullptr;
    ++shard.stats.cache_hits;
    return *object;
  }

  void insert(std::uint64_t key, const StoredObjectPtr& object) {
    Shard& shard = shard_of(key);
    std::lock_guard lock(shard.mutex);
    ++shard.stats.kept;
    shard.objects->insert(key, object, object->size + kEntryOverhead);
  }

  Stats stats() {
    Stats total;
    for (Shard& shard : shards_) {
      std::lock_guard lock(shard.mutex);
      total.cache_hits += shard.stats.cache_hits;
      total.kept += shard.stats.kept;
    }
    return total;
  }

 private:
  static constexpr std::size_t kShards = 16;
  // Counted under the shard's lock: no counter shared by every thread.
  struct alignas(64) Shard {
    std::mutex mutex;
    std::unique_ptr<ClockCache<std::uint64_t, StoredObjectPtr>> objects;
    Stats stats;
  };

  Shard& shard_of(std::uint64_t key) {
    // Neighbouring entries go to different shards.
    return shards_[static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> 60) % kShards];
  }

  std::array<Shard, kShards> shards_;
};

ObjectStore::ObjectStore(const std::string& git_dir, std::size_t cache_bytes)
    : cache_(std::make_unique<Cache>(cache_bytes)) {
  std::unordered_map<std::string, std::uint32_t> by_idx_name;
  for (const std::string& idx_path : pack_index_paths(git_dir)) {
    const std::string stem = idx_path.substr(0, idx_path.size() - 4);
    auto index = PackIndex::load(idx_path);
    if (!index) continue;
    std::string error;
    auto file = PackFile::open(stem + ".pack", error);
    if (!file || file->object_count() != index->object_count()) continue;
    auto pack = std::make_unique<Pack>(std::move(*index), std::move(*file));
    if (!pack->load_entries(stem + ".rev")) continue;
    pack->file.expect_random_access();
    by_idx_name.emplace(std::filesystem::path(idx_path).filename().string(), static_cast<std::uint32_t>(packs_.size()));
    packs_.push_back(std::move(pack));
  }
  midx_ = MultiPackIndex::load((std::filesystem::path(git_dir) / "objects" / "pack" / "multi-pack-index").string());
  if (midx_) {
    for (const std::string& name : midx_->pack_names()) {
      const auto it = by_idx_name.find(name);
      midx_packs_.push_back(it != by_idx_name.end() ? it->second : kNoPack);
    }
  }
}

ObjectStore::~ObjectStore() = default;

std::size_t ObjectStore::pack_count() const { return packs_.size(); }

ObjectStore::Stats ObjectStore::stats() const { return cache_->stats(); }

std::optional<ObjectStore::Location> ObjectStore::locate(const ObjectId& id) const {
  if (midx_) {
    if (const auto preferred = midx_->pack_number_of(id); preferred && midx_packs_[*preferred] != kNoPack) {
      const std::uint32_t pack = midx_packs_[*preferred];
      if (const auto entry = packs_[pack]->entry_of(id)) return Location{pack, *entry};
    }
  }
  for (std::uint32_t pack = 0; pack < packs_.size(); ++pack) {
    if (const auto entry = packs_[pack]->entry_of(id)) return Location{pack, *entry};
  }
  return std::nullopt;
}

StoredObjectPtr ObjectStore::read(const ObjectId& id) const {
  const auto at = locate(id);
  if (!at) return nullptr;
  return rebuild(*at);
}

StoredObjectPtr ObjectStore::rebuild(Location at) const {
  const Pack& pack = *packs_[at.pack];
  // Everything rebuilt is kept, but for the commit asked for: commits are
  // read once each, and seldom the base of another.
  const auto keep = [&](std::uint32_t entry, const StoredObjectPtr& object) {
    if (entry != at.entry || object->type != ObjectType::kCommit) cache_->insert(cache_key(at.pack, entry), object);
  };
  // Buffers reused from one read to the next on this thread.
  struct Scratch {
    std::vector<std::pair<std::uint32_t, PackEntryHeader>> chain;
    std::vector<char> delta;
  };
  thread_local Scratch scratch;
  constexpr std::size_t kLargestScratchDelta = std::size_t{1} << 20;

  // Down the chain to an object already kept or a whole one...
  std::vector<std::pair<std::uint32_t, PackEntryHeader>>& deltas = scratch.chain;
  deltas.clear();
  StoredObjectPtr object;
  std::uint32_t entry = at.entry;
  while (true) {
    if ((object = cache_->find(cache_key(at.pack, entry)))) {
      break;
    }
    if (deltas.size() >= kMaxChainLength) return nullptr;
    const auto header = pack.checked_header(entry);
    if (!header || !pack.plausible_size(entry, *header)) return nullptr;
    if (header->type == PackObjectType::kOfsDelta || header->type == PackObjectType::kRefDelta) {
      const auto base = header->type == PackObjectType::kOfsDelta ? pack.entry_before(entry, header->base_offset)
                                                                  : pack.entry_of(header->base_id);
      if (!base) return nullptr;
      deltas.emplace_back(entry, *header);
      entry = *base;
      continue;
    }
    auto whole = std::make_shared<StoredObject>();
    whole->type = static_cast<ObjectType>(header->type);
    whole->size = static_cast<std::size_t>(header->size);
    whole->data = std::make_unique_for_overwrite<char[]>(whole->size);
    if (!pack.inflate(entry, *header, whole->data.get())) return nullptr;
    object = std::move(whole);
    keep(entry, object);
    break;
  }
  // ...then the deltas back up, keeping each result.
  for (auto it = deltas.rbegin(); it != deltas.rend(); ++it) {
    const auto& [delta_entry, header] = *it;
    const auto size = static_cast<std::size_t>(header.size);
    std::unique_ptr<char[]> large_delta;
    char* delta_bytes;
    if (size <= kLargestScratchDelta) {
      if (scratch.delta.size() < size) scratch.delta.resize(size);
      delta_bytes = scratch.delta.data();
    } else {
      large_delta = std::make_unique_for_overwrite<char[]>(size);
      delta_bytes = large_delta.get();
    }
    if (!pack.inflate(delta_entry, header, delta_bytes)) return nullptr;
    const std::string_view delta(delta_bytes, size);
    const auto delta_header = parse_delta_header(delta);
    // A delta cannot produce more than its instructions can express.
    if (!delta_header || delta_header->base_size != object->size ||
        delta_header->result_size > (delta.size() + 1) * 0x10000ull) {
      return nullptr;
    }
    auto result = std::make_shared<StoredObject>();
    result->type = object->type;
    result->size = static_cast<std::size_t>(delta_header->result_size);
    result->data = std::make_unique_for_overwrite<char[]>(result->size);
    if (!apply_delta(object->view(), delta, *delta_header, result->data.get())) return nullptr;
    object = std::move(result);
    keep(delta_entry, object);
  }
  return object;
}

}  // namespace trawl
