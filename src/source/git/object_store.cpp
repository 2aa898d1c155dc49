#include "source/git/object_store.h"

#include <libdeflate.h>

#include <algorithm>
#include <array>
#include <mutex>

#include "source/git/clock_cache.h"
#include "source/git/git_delta.h"
#include "source/git/pack_file.h"

namespace trawl {
namespace {

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

// The entry at `offset`, which lies before entry `from`. Bases are mostly
// written shortly before their deltas, so the search gallops back from
// `from` and then halves the range found.
std::optional<std::uint32_t> entry_before(const PackSet::Pack& pack, std::uint32_t from, std::uint64_t offset) {
  const std::vector<std::uint64_t>& offsets = pack.entries.offsets;
  std::uint64_t high = from;  // offsets[high] > offset
  std::uint64_t low = 0;
  for (std::uint64_t step = 1; step < high; step *= 2) {
    if (offsets[high - step] <= offset) {
      low = high - step;
      break;
    }
    high -= step;
  }
  const auto it = std::lower_bound(offsets.begin() + static_cast<std::ptrdiff_t>(low),
                                   offsets.begin() + static_cast<std::ptrdiff_t>(high), offset);
  if (it == offsets.begin() + static_cast<std::ptrdiff_t>(high) || *it != offset) return std::nullopt;
  return static_cast<std::uint32_t>(it - offsets.begin());
}

// The entry's header, once its bytes match the index's CRC-32.
std::optional<PackEntryHeader> checked_header(const PackSet::Pack& pack, std::uint32_t entry) {
  if (!pack.crc_matches(entry)) return std::nullopt;
  return parse_pack_entry_header(pack.file.bytes().substr(0, static_cast<std::size_t>(pack.entry_end(entry))),
                                 pack.entry_begin(entry));
}

// Inflates the entry's data, exactly `header.size` bytes, into `out`.
bool inflate(const PackSet::Pack& pack, std::uint32_t entry, const PackEntryHeader& header, char* out) {
  const std::uint64_t end = pack.entry_end(entry);
  if (header.data_offset > end) return false;
  const std::uint64_t compressed = end - header.data_offset;
  libdeflate_decompressor* decompressor = thread_decompressor();
  if (decompressor == nullptr) return false;
  std::size_t consumed = 0;
  const libdeflate_result result = libdeflate_zlib_decompress_ex(
      decompressor, pack.file.bytes().data() + header.data_offset, static_cast<std::size_t>(compressed), out,
      static_cast<std::size_t>(header.size), &consumed, nullptr);
  return result == LIBDEFLATE_SUCCESS && consumed == compressed;
}

// Whether `header.size` bytes can come out of the entry's compressed bytes
// (deflate expands at most about 1032:1): refuses corrupt sizes before
// anything is allocated for them.
bool plausible_size(const PackSet::Pack& pack, std::uint32_t entry, const PackEntryHeader& header) {
  const std::uint64_t end = pack.entry_end(entry);
  return header.data_offset <= end && header.size <= (end - header.data_offset) * 1032 + 64;
}

}  // namespace

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

ObjectStore::ObjectStore(const PackSet& packs, std::size_t cache_bytes)
    : packs_(packs), cache_(std::make_unique<Cache>(cache_bytes)) {
  for (std::uint32_t pack = 0; pack < packs_.size(); ++pack) packs_[pack].file.expect_random_access();
}

ObjectStore::~ObjectStore() = default;

std::size_t ObjectStore::pack_count() const { return packs_.size(); }

ObjectStore::Stats ObjectStore::stats() const { return cache_->stats(); }

StoredObjectPtr ObjectStore::read(const ObjectId& id) const {
  const auto at = packs_.locate(id);
  if (!at) return nullptr;
  return rebuild(*at);
}

std::optional<ObjectType> ObjectStore::type_of(const ObjectId& id) const {
  const auto at = packs_.locate(id);
  if (!at) return std::nullopt;
  const PackSet::Pack& pack = packs_[at->pack];
  std::uint32_t entry = at->entry;
  for (std::size_t deltas = 0; deltas <= kMaxChainLength; ++deltas) {
    if (const StoredObjectPtr kept = cache_->find(cache_key(at->pack, entry))) return kept->type;
    const auto header = checked_header(pack, entry);
    if (!header || !plausible_size(pack, entry, *header)) return std::nullopt;
    if (header->type != PackObjectType::kOfsDelta && header->type != PackObjectType::kRefDelta) {
      switch (header->type) {
        case PackObjectType::kCommit:
        case PackObjectType::kTree:
        case PackObjectType::kBlob:
        case PackObjectType::kTag:
          return static_cast<ObjectType>(header->type);
        default:
          return std::nullopt;
      }
    }
    const auto base = header->type == PackObjectType::kOfsDelta ? entry_before(pack, entry, header->base_offset)
                                                                : pack.entry_of(header->base_id);
    if (!base) return std::nullopt;
    entry = *base;
  }
  return std::nullopt;
}

StoredObjectPtr ObjectStore::rebuild(PackSet::Location at) const {
  const PackSet::Pack& pack = packs_[at.pack];
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
    const auto header = checked_header(pack, entry);
    if (!header || !plausible_size(pack, entry, *header)) return nullptr;
    if (header->type == PackObjectType::kOfsDelta || header->type == PackObjectType::kRefDelta) {
      const auto base = header->type == PackObjectType::kOfsDelta ? entry_before(pack, entry, header->base_offset)
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
    if (!inflate(pack, entry, *header, whole->data.get())) return nullptr;
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
    if (!inflate(pack, delta_entry, header, delta_bytes)) return nullptr;
    const std::string_view delta(delta_bytes, size);
    const auto delta_header = parse_delta_header(delta);
    // A delta cannot produce more than its instructions can express.
    if (!delta_header || delta_header->base_size != object->size ||
        delta_header->result_size > max_delta_result(*delta_header, delta.size())) {
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
