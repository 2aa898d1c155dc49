#include "source/pack_reader.h"

#include <libdeflate.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <span>
#include <unordered_set>

#include "source/byte_buffer.h"
#include "source/git_delta.h"
#include "source/multi_pack_index.h"
#include "source/pack_file.h"
#include "source/pack_index.h"

namespace trawl {
namespace {

constexpr std::int32_t kUnvisited = -2;
constexpr std::int32_t kRoot = -1;
constexpr std::int32_t kCorrupt = -3;
constexpr std::int32_t kExternalBase = -4;
constexpr std::int32_t kVisiting = -5;
// Nested parallelism over a delta tree's children, this deep at most: wide
// trees (a file with thousands of versions) are split across cores without
// holding more than a few chains in memory at once.
constexpr int kParallelDepth = 3;

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};
using Decompressor = std::unique_ptr<libdeflate_decompressor, DecompressorDeleter>;

// One pack's entries in pack order and the delta forest over the ones needed.
class PackPlan {
 public:
  PackPlan(const PackIndex& index, const PackFile& pack) : index_(index), pack_(pack) {}

  // Offsets in pack order; false if they are not strictly increasing inside
  // the pack's data (a corrupt index).
  bool load_offsets(const std::string& rev_path) {
    if (!entries_.load(index_, pack_.bytes().size(), rev_path)) return false;
    parent_.assign(entries_.positions.size(), kUnvisited);
    header_slot_.assign(entries_.positions.size(), kNoHeader);
    return true;
  }

  std::uint64_t entry_end(std::uint32_t k) const {
    return k + 1 < entries_.offsets.size() ? entries_.offsets[k + 1] : pack_.bytes().size() - 20;
  }

  std::optional<std::uint32_t> position_of(const ObjectId& id) const {
    const auto index_position = index_.position_of(id);
    if (!index_position) return std::nullopt;
    return entries_.entry_of[*index_position];
  }

  ObjectId id_at(std::uint32_t k) const { return index_.id_at(entries_.positions[k]); }

  // Follows `k`'s delta chain to its base, recording parents and headers.
  // Returns kRoot when the chain is sound, else kCorrupt or kExternalBase.
  std::int32_t resolve(std::uint32_t k) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> path;  // (entry, its base)
    std::int32_t outcome = kRoot;
    std::uint32_t at = k;
    while (true) {
      const std::int32_t known = parent_[at];
      if (known == kVisiting) {
        outcome = kCorrupt;  // a REF_DELTA cycle
        break;
      }
      if (known != kUnvisited) {
        outcome = known == kCorrupt || known == kExternalBase ? known : kRoot;
        break;
      }
      const auto header = parse_pack_entry_header(pack_.bytes().substr(0, entry_end(at)), entries_.offsets[at]);
      if (!header) {
        parent_[at] = kCorrupt;
        outcome = kCorrupt;
        break;
      }
      header_slot_[at] = static_cast<std::uint32_t>(headers_.size());
      headers_.push_back(*header);
      std::optional<std::uint32_t> base;
      if (header->type == PackObjectType::kOfsDelta) {
        auto it = std::lower_bound(entries_.offsets.begin(), entries_.offsets.begin() + at, header->base_offset);
        if (it == entries_.offsets.begin() + at || *it != header->base_offset) {
          parent_[at] = kCorrupt;
          outcome = kCorrupt;
          break;
        }
        base = static_cast<std::uint32_t>(it - entries_.offsets.begin());
      } else if (header->type == PackObjectType::kRefDelta) {
        base = position_of(header->base_id);
        if (!base) {
          parent_[at] = kExternalBase;
          outcome = kExternalBase;
          break;
        }
      }
      if (!base) {
        parent_[at] = kRoot;
        break;
      }
      parent_[at] = kVisiting;
      path.emplace_back(at, *base);
      at = *base;
    }
    // Link the walked path; a broken chain breaks everything built on it.
    for (const auto& [node, base] : path) {
      parent_[node] = outcome == kRoot ? static_cast<std::int32_t>(base) : outcome;
    }
    return outcome;
  }

  // Builds the forest of needed entries (selected ones and their bases).
  void build_forest(const std::vector<std::uint32_t>& selected) {
    std::vector<std::uint8_t> needed(entries_.offsets.size(), 0);
    for (std::uint32_t k : selected) {
      for (std::int32_t at = static_cast<std::int32_t>(k); at >= 0 && needed[static_cast<std::uint32_t>(at)] == 0;
           at = parent_[static_cast<std::uint32_t>(at)]) {
        needed[static_cast<std::uint32_t>(at)] = 1;
      }
    }
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
    for (std::uint32_t k = 0; k < entries_.offsets.size(); ++k) {
      if (needed[k] == 0) continue;
      if (parent_[k] == kRoot) {
        roots_.push_back(k);
      } else {
        edges.emplace_back(static_cast<std::uint32_t>(parent_[k]), k);
      }
    }
    std::sort(edges.begin(), edges.end());
    // Children in CSR form: those of entry k are children_[first_child_[k], first_child_[k + 1]).
    children_.clear();
    first_child_.assign(entries_.offsets.size() + 1, 0);
    for (const auto& [parent, child] : edges) {
      ++first_child_[parent + 1];
      children_.push_back(child);
    }
    for (std::size_t k = 1; k < first_child_.size(); ++k) first_child_[k] += first_child_[k - 1];
  }

  std::span<const std::uint32_t> children_of(std::uint32_t k) const {
    return {children_.data() + first_child_[k], first_child_[k + 1] - first_child_[k]};
  }

  const std::vector<std::uint32_t>& roots() const { return roots_; }
  const PackEntryHeader& header(std::uint32_t k) const { return headers_[header_slot_[k]]; }
  std::uint64_t offset(std::uint32_t k) const { return entries_.offsets[k]; }

 private:
  const PackIndex& index_;
  const PackFile& pack_;
  PackEntries entries_;  // in pack order
  std::vector<std::int32_t> parent_;
  static constexpr std::uint32_t kNoHeader = 0xffffffffu;
  std::vector<std::uint32_t> header_slot_;  // entry -> index into headers_
  std::vector<PackEntryHeader> headers_;
  std::vector<std::uint32_t> roots_;
  std::vector<std::uint32_t> first_child_;
  std::vector<std::uint32_t> children_;
};

class PackDecoder {
 public:
  PackDecoder(const std::string& pack_name, const PackFile& pack, PackPlan& plan,
              const std::vector<std::uint8_t>& selected, std::uint64_t max_blob_size, SkipLog& skips,
              const PackedBlobConsumer& consume)
      : pack_name_(pack_name),
        pack_(pack),
        plan_(plan),
        selected_(selected),
        max_blob_size_(max_blob_size),
        skips_(skips),
        consume_(consume),
        decompressors_([] { return Decompressor(libdeflate_alloc_decompressor()); }) {}

  void run() {
    const auto& roots = plan_.roots();
    tbb::parallel_for(
        std::size_t{0}, roots.size(), [&](std::size_t i) { rebuild(roots[i], nullptr, 0); }, tbb::simple_partitioner());
  }

  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t bases() const { return bases_; }

 private:
  // Rebuilds entry `k` (on `base` when it is a delta) and everything built on it.
  void rebuild(std::uint32_t k, const ByteBuffer* base, int depth) {
    const PackEntryHeader& h = plan_.header(k);
    BufferPool::Lease inflated = buffers_.take();
    if (!inflate(k, h, *inflated)) return fail_subtree(k, "inflate error");
    BufferPool::Lease content;
    if (base != nullptr) {
      content = buffers_.take();
      if (!apply_delta(base->view(), inflated->view(), *content)) return fail_subtree(k, "bad delta");
      inflated.release();
    } else {
      if (h.type != PackObjectType::kBlob) {
        // Not a blob chain: nothing selected can be in it unless the history is wrong.
        return fail_subtree(k, "not a blob");
      }
      content = std::move(inflated);
    }

    if (selected_[k] != 0) {
      const ObjectId id = plan_.id_at(k);
      if (content->size() > max_blob_size_) {
        skips_.add(SkipReason::kTooLarge, id.hex(), std::to_string(content->size()) + " bytes");
      } else {
        consume_(id, content->view());
      }
      ++delivered_;
    } else {
      ++bases_;
    }

    const auto children = plan_.children_of(k);
    const ByteBuffer* built = &*content;
    if (depth < kParallelDepth && children.size() > 1) {
      tbb::parallel_for(std::size_t{0}, children.size(),
                        [&](std::size_t i) { rebuild(children[i], built, depth + 1); });
    } else {
      for (std::uint32_t child : children) rebuild(child, built, depth + 1);
    }
  }

  bool inflate(std::uint32_t k, const PackEntryHeader& h, ByteBuffer& out) {
    const std::uint64_t end = plan_.entry_end(k);
    if (h.data_offset > end) return false;
    // Refuse sizes the compressed bytes cannot hold (deflate expands at most ~1032:1).
    const std::uint64_t compressed = end - h.data_offset;
    if (h.size > compressed * 1032 + 64) return false;
    out.reset(static_cast<std::size_t>(h.size));
    std::size_t consumed = 0;
    const libdeflate_result result =
        libdeflate_zlib_decompress_ex(decompressors_.local().get(), pack_.bytes().data() + h.data_offset,
                                      static_cast<std::size_t>(compressed), out.data(), out.size(), &consumed, nullptr);
    return result == LIBDEFLATE_SUCCESS;
  }

  // Logs every selected entry at or below `k` as corrupt.
  void fail_subtree(std::uint32_t k, const char* why) {
    std::vector<std::uint32_t> todo{k};
    while (!todo.empty()) {
      const std::uint32_t at = todo.back();
      todo.pop_back();
      if (selected_[at] != 0) {
        skips_.add(SkipReason::kCorruptObject, plan_.id_at(at).hex(),
                   pack_name_ + " at offset " + std::to_string(plan_.offset(at)) + ": " + why);
        ++delivered_;
      }
      for (std::uint32_t child : plan_.children_of(at)) todo.push_back(child);
    }
  }

  const std::string& pack_name_;
  const PackFile& pack_;
  PackPlan& plan_;
  const std::vector<std::uint8_t>& selected_;  // by entry
  std::uint64_t max_blob_size_;
  SkipLog& skips_;
  const PackedBlobConsumer& consume_;
  tbb::enumerable_thread_specific<Decompressor> decompressors_;
  BufferPool buffers_;
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> bases_{0};
};

}  // namespace

std::vector<ObjectId> read_packed_blobs(const std::string& git_dir, const std::vector<ObjectId>& wanted,
                                        std::uint64_t max_blob_size, SkipLog& skips, const PackedBlobConsumer& consume,
                                        PackReadStats& stats) {
  const std::vector<std::string> idx_paths = pack_index_paths(git_dir);

  // With a multi-pack-index, an object is read from the pack it prefers.
  const auto midx =
      MultiPackIndex::load((std::filesystem::path(git_dir) / "objects" / "pack" / "multi-pack-index").string());
  std::unordered_set<ObjectId, ObjectIdHash> remaining(wanted.begin(), wanted.end());
  std::vector<ObjectId> external;  // their delta base lies in another pack
  for (const std::string& idx_path : idx_paths) {
    if (remaining.empty()) break;
    const std::string stem = idx_path.substr(0, idx_path.size() - 4);
    const std::string pack_name = std::filesystem::path(stem).filename().string() + ".pack";
    auto index = PackIndex::load(idx_path);
    if (!index) continue;
    std::string error;
    auto pack = PackFile::open(stem + ".pack", error);
    if (!pack || pack->object_count() != index->object_count()) continue;

    PackPlan plan(*index, *pack);
    if (!plan.load_offsets(stem + ".rev")) continue;

    std::vector<std::uint32_t> selected_list;
    std::vector<ObjectId> claimed;
    const std::string idx_name = std::filesystem::path(idx_path).filename().string();
    for (const ObjectId& id : remaining) {
      const auto k = plan.position_of(id);
      if (!k) continue;
      if (midx) {
        const auto preferred = midx->pack_of(id);
        if (preferred && *preferred != idx_name) continue;
      }
      claimed.push_back(id);
      const std::int32_t chain = plan.resolve(*k);
      if (chain == kExternalBase) {
        external.push_back(id);
      } else if (chain == kCorrupt) {
        skips.add(SkipReason::kCorruptObject, id.hex(),
                  pack_name + " at offset " + std::to_string(plan.offset(*k)) + ": unreadable delta chain");
        ++stats.blobs;
      } else {
        selected_list.push_back(*k);
      }
    }
    for (const ObjectId& id : claimed) remaining.erase(id);
    if (selected_list.empty()) continue;

    plan.build_forest(selected_list);
    std::vector<std::uint8_t> selected(pack->object_count(), 0);
    for (std::uint32_t k : selected_list) selected[k] = 1;
    PackDecoder decoder(pack_name, *pack, plan, selected, max_blob_size, skips, consume);
    decoder.run();
    ++stats.packs;
    stats.blobs += decoder.delivered();
    stats.bases_inflated += decoder.bases();
  }

  std::vector<ObjectId> left(external);
  for (const ObjectId& id : wanted) {
    if (remaining.contains(id)) left.push_back(id);
  }
  return left;
}

}  // namespace trawl
