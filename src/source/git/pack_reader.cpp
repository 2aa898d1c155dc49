#include "source/git/pack_reader.h"

#include <libdeflate.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <span>

#include "source/git/byte_buffer.h"
#include "source/git/git_delta.h"
#include "source/git/pack_file.h"

namespace trawl {
namespace {

constexpr std::int32_t kUnvisited = -2;
constexpr std::int32_t kRoot = -1;
constexpr std::int32_t kCorrupt = -3;
// The chain reaches a base in another pack, or an entry whose bytes do not
// match its index's CRC-32: libgit2 reads it, as it does what the object
// store does not return.
constexpr std::int32_t kForLibgit2 = -4;
constexpr std::int32_t kVisiting = -5;
// Nested parallelism over a delta tree's children, this deep at most: wide
// trees (a file with thousands of versions) are split across cores without
// holding more than a few chains in memory at once.
constexpr int kParallelDepth = 3;

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};
using Decompressor = std::unique_ptr<libdeflate_decompressor, DecompressorDeleter>;

// The delta forest over the entries of one pack that are needed.
class PackPlan {
 public:
  explicit PackPlan(const PackSet::Pack& pack)
      : pack_(pack),
        parent_(pack.entry_count(), kUnvisited),
        header_slot_(pack.entry_count(), kNoHeader),
        crc_ok_(pack.entry_count(), 0) {}

  // Checks the bytes of `entries` (distinct) against their index's CRC-32s,
  // in parallel, ahead of resolve(), which checks any others on its way.
  void check_crcs(const std::vector<std::uint32_t>& entries) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, entries.size(), 256),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        for (std::size_t i = range.begin(); i != range.end(); ++i) {
                          crc_ok_[entries[i]] = pack_.crc_matches(entries[i]) ? 1 : 0;
                        }
                      });
  }

  std::uint64_t entry_end(std::uint32_t k) const { return pack_.entry_end(k); }
  ObjectId id_at(std::uint32_t k) const { return pack_.id_at(k); }

  // Follows `k`'s delta chain to its base, recording parents and headers.
  // Returns kRoot when the chain is sound, else kCorrupt or kForLibgit2.
  // Each entry on the way is checked against its index's CRC-32 first.
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
        outcome = known == kCorrupt || known == kForLibgit2 ? known : kRoot;
        break;
      }
      if (crc_ok_[at] == 0 && !pack_.crc_matches(at)) {
        parent_[at] = kForLibgit2;
        outcome = kForLibgit2;
        break;
      }
      const auto header = parse_pack_entry_header(pack_.file.bytes().substr(0, entry_end(at)), pack_.entry_begin(at));
      if (!header) {
        parent_[at] = kCorrupt;
        outcome = kCorrupt;
        break;
      }
      header_slot_[at] = static_cast<std::uint32_t>(headers_.size());
      headers_.push_back(*header);
      std::optional<std::uint32_t> base;
      if (header->type == PackObjectType::kOfsDelta) {
        const auto& offsets = pack_.entries.offsets;
        auto it = std::lower_bound(offsets.begin(), offsets.begin() + at, header->base_offset);
        if (it == offsets.begin() + at || *it != header->base_offset) {
          parent_[at] = kCorrupt;
          outcome = kCorrupt;
          break;
        }
        base = static_cast<std::uint32_t>(it - offsets.begin());
      } else if (header->type == PackObjectType::kRefDelta) {
        base = pack_.entry_of(header->base_id);
        if (!base) {
          parent_[at] = kForLibgit2;
          outcome = kForLibgit2;
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
    std::vector<std::uint8_t> needed(pack_.entry_count(), 0);
    for (std::uint32_t k : selected) {
      for (std::int32_t at = static_cast<std::int32_t>(k); at >= 0 && needed[static_cast<std::uint32_t>(at)] == 0;
           at = parent_[static_cast<std::uint32_t>(at)]) {
        needed[static_cast<std::uint32_t>(at)] = 1;
      }
    }
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
    for (std::uint32_t k = 0; k < pack_.entry_count(); ++k) {
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
    first_child_.assign(std::size_t{pack_.entry_count()} + 1, 0);
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
  std::uint64_t offset(std::uint32_t k) const { return pack_.entry_begin(k); }

 private:
  static constexpr std::uint32_t kNoHeader = 0xffffffffu;
  const PackSet::Pack& pack_;
  std::vector<std::int32_t> parent_;
  std::vector<std::uint32_t> header_slot_;  // entry -> index into headers_
  std::vector<std::uint8_t> crc_ok_;        // entry -> its CRC-32 was checked and matches
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

std::vector<ObjectId> read_packed_blobs(const PackSet& packs, const std::vector<ObjectId>& wanted,
                                        std::uint64_t max_blob_size, SkipLog& skips, const PackedBlobConsumer& consume,
                                        PackReadStats& stats) {
  // Each wanted blob is read from the one pack the set locates it in.
  std::vector<std::vector<std::uint32_t>> in_pack(packs.size());
  std::vector<ObjectId> left;  // for libgit2
  for (const ObjectId& id : wanted) {
    if (const auto at = packs.locate(id)) {
      in_pack[at->pack].push_back(at->entry);
    } else {
      left.push_back(id);
    }
  }
  for (std::uint32_t p = 0; p < packs.size(); ++p) {
    if (in_pack[p].empty()) continue;
    const PackSet::Pack& pack = packs[p];
    // In pack order, each once.
    std::sort(in_pack[p].begin(), in_pack[p].end());
    in_pack[p].erase(std::unique(in_pack[p].begin(), in_pack[p].end()), in_pack[p].end());
    PackPlan plan(pack);
    plan.check_crcs(in_pack[p]);
    std::vector<std::uint32_t> selected_list;
    for (const std::uint32_t k : in_pack[p]) {
      const std::int32_t chain = plan.resolve(k);
      if (chain == kForLibgit2) {
        left.push_back(pack.id_at(k));
      } else if (chain == kCorrupt) {
        skips.add(SkipReason::kCorruptObject, pack.id_at(k).hex(),
                  pack.name + " at offset " + std::to_string(plan.offset(k)) + ": unreadable delta chain");
        ++stats.blobs;
      } else {
        selected_list.push_back(k);
      }
    }
    if (selected_list.empty()) continue;

    plan.build_forest(selected_list);
    std::vector<std::uint8_t> selected(pack.entry_count(), 0);
    for (std::uint32_t k : selected_list) selected[k] = 1;
    pack.file.expect_sequential_access();
    PackDecoder decoder(pack.name, pack.file, plan, selected, max_blob_size, skips, consume);
    decoder.run();
    ++stats.packs;
    stats.blobs += decoder.delivered();
    stats.bases_inflated += decoder.bases();
  }
  return left;
}

}  // namespace trawl
