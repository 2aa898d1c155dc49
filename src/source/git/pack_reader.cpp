#include "source/git/pack_reader.h"

#include <libdeflate.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <unordered_set>

#include "source/content_source.h"
#include "source/git/byte_buffer.h"
#include "source/git/git_delta.h"
#include "source/git/object_store.h"
#include "source/git/pack_file.h"

namespace trawl {
namespace {

constexpr std::int32_t kUnvisited = -2;
constexpr std::int32_t kRoot = -1;
constexpr std::int32_t kCorrupt = -3;
// The chain reaches a base in another pack, or an entry whose bytes do not
// match its index's CRC-32, in a pack libgit2 may read: libgit2 reads it, as
// it does what the object store does not return.
constexpr std::int32_t kForLibgit2 = -4;
constexpr std::int32_t kVisiting = -5;
// Nested parallelism over a delta tree's children, this deep at most: wide
// trees (a file with thousands of versions) are split across cores without
// holding more than a few chains in memory at once.
constexpr int kParallelDepth = 3;

// Why a chain is unreadable, for the skip's detail.
enum class ChainFault : std::uint8_t { kNone, kBadHeader, kBadBase, kForeignBase, kCycle, kTooLong };

const char* fault_text(ChainFault fault) {
  switch (fault) {
    case ChainFault::kBadHeader:
      return "unreadable entry header in its delta chain";
    case ChainFault::kBadBase:
      return "OFS_DELTA base is not an entry of the pack";
    case ChainFault::kForeignBase:
      return "REF_DELTA base outside this damaged pack";
    case ChainFault::kCycle:
      return "delta base cycle";
    case ChainFault::kTooLong:
      return "delta chain longer than 10000 entries";
    case ChainFault::kNone:
      break;
  }
  return "unreadable delta chain";
}

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};
using Decompressor = std::unique_ptr<libdeflate_decompressor, DecompressorDeleter>;

// The most inflated bytes a delta producing at most `max_result` bytes can
// hold: instructions copying one byte each (up to six bytes per byte copied).
std::uint64_t max_delta_bytes(std::uint64_t max_result) { return max_result * 8 + 1024; }

// The base of delta entry `at` (header `h`) in `pack`; nullopt with `fault`
// set when it is not an entry, or with kNone for a REF_DELTA base that is
// not in this pack.
std::optional<std::uint32_t> base_of(const PackSet::Pack& pack, std::uint32_t at, const PackEntryHeader& h,
                                     ChainFault& fault) {
  fault = ChainFault::kNone;
  if (h.type == PackObjectType::kOfsDelta) {
    const auto& offsets = pack.entries.offsets;
    auto it = std::lower_bound(offsets.begin(), offsets.begin() + at, h.base_offset);
    if (it == offsets.begin() + at || *it != h.base_offset) {
      fault = ChainFault::kBadBase;
      return std::nullopt;
    }
    return static_cast<std::uint32_t>(it - offsets.begin());
  }
  return pack.entry_of(h.base_id);
}

// The delta forest over the entries of one pack that are needed.
class PackPlan {
 public:
  explicit PackPlan(const PackSet::Pack& pack)
      : pack_(pack),
        parent_(pack.entry_count(), kUnvisited),
        depth_(pack.entry_count(), 0),
        fault_(pack.entry_count(), ChainFault::kNone),
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
  ChainFault fault(std::uint32_t k) const { return fault_[k]; }

  // Follows `k`'s delta chain to its base, recording parents and headers,
  // without recursion and at most ObjectStore::kMaxChainLength entries deep.
  // Returns kRoot when the chain is sound, else kCorrupt (fault(k) says
  // why) or kForLibgit2. An entry whose bytes fail its index's CRC-32 is
  // still followed, so that a chain handed to libgit2 is known to end.
  std::int32_t resolve(std::uint32_t k) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> path;  // (entry, its base)
    std::int32_t outcome = kRoot;
    ChainFault fault = ChainFault::kNone;
    bool crc_failed = false;
    std::uint32_t at = k;
    while (true) {
      const std::int32_t known = parent_[at];
      if (known == kVisiting) {
        outcome = kCorrupt;  // a REF_DELTA cycle
        fault = ChainFault::kCycle;
        break;
      }
      if (known != kUnvisited) {
        outcome = known == kCorrupt || known == kForLibgit2 ? known : kRoot;
        fault = fault_[at];
        if (outcome == kRoot && path.size() + depth_[at] > ObjectStore::kMaxChainLength) {
          outcome = kCorrupt;
          fault = ChainFault::kTooLong;
        }
        break;
      }
      if (path.size() >= ObjectStore::kMaxChainLength) {
        outcome = kCorrupt;
        fault = ChainFault::kTooLong;
        break;
      }
      if (crc_ok_[at] == 0 && !pack_.crc_matches(at)) crc_failed = true;
      const auto header = parse_pack_entry_header(pack_.file.bytes().substr(0, entry_end(at)), pack_.entry_begin(at));
      if (!header) {
        parent_[at] = kCorrupt;
        fault_[at] = ChainFault::kBadHeader;
        outcome = kCorrupt;
        fault = ChainFault::kBadHeader;
        break;
      }
      header_slot_[at] = static_cast<std::uint32_t>(headers_.size());
      headers_.push_back(*header);
      if (header->type != PackObjectType::kOfsDelta && header->type != PackObjectType::kRefDelta) {
        parent_[at] = kRoot;
        break;
      }
      ChainFault base_fault = ChainFault::kNone;
      const auto base = base_of(pack_, at, *header, base_fault);
      if (!base) {
        // A REF_DELTA base elsewhere: libgit2 may find it, in a pack it may read.
        outcome = base_fault == ChainFault::kNone && pack_.libgit2_safe ? kForLibgit2 : kCorrupt;
        fault = base_fault == ChainFault::kNone ? ChainFault::kForeignBase : base_fault;
        parent_[at] = outcome;
        fault_[at] = fault;
        break;
      }
      parent_[at] = kVisiting;
      path.emplace_back(at, *base);
      at = *base;
    }
    // A sound chain with damaged bytes goes to libgit2 where it may read
    // the pack; elsewhere trawl inflates it (zlib's Adler-32 still checks).
    if (outcome == kRoot && crc_failed && pack_.libgit2_safe) outcome = kForLibgit2;
    // Link the walked path; a broken chain breaks everything built on it.
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      const auto& [node, base] = *it;
      parent_[node] = outcome == kRoot ? static_cast<std::int32_t>(base) : outcome;
      depth_[node] = depth_[base] + 1;
      if (outcome == kCorrupt) fault_[node] = fault;
    }
    if (outcome == kCorrupt) fault_[k] = fault;
    return outcome;
  }

  // Builds the forest of needed entries (selected ones and their bases);
  // each entry's children are ordered by the size of their subtrees, the
  // largest last, so that a depth-first rebuild that lets go of a base
  // before its last child holds at most log2(entries) bases at once.
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
    // Subtree sizes, children before parents: a base precedes its deltas
    // in the pack (OFS_DELTA), but a REF_DELTA base may follow, so visit in
    // an explicit post-order.
    std::vector<std::uint32_t> subtree(pack_.entry_count(), 1);
    std::vector<std::uint32_t> order;
    for (std::uint32_t root : roots_) {
      std::vector<std::uint32_t> todo{root};
      while (!todo.empty()) {
        const std::uint32_t at = todo.back();
        todo.pop_back();
        order.push_back(at);
        for (std::uint32_t child : children_of(at)) todo.push_back(child);
      }
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      for (std::uint32_t child : children_of(*it)) subtree[*it] += subtree[child];
    }
    for (std::uint32_t at : order) {
      auto* first = children_.data() + first_child_[at];
      std::sort(first, children_.data() + first_child_[at + 1],
                [&](std::uint32_t a, std::uint32_t b) { return subtree[a] < subtree[b]; });
    }
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
  std::vector<std::uint32_t> depth_;  // deltas between the entry and its chain's base
  std::vector<ChainFault> fault_;
  std::vector<std::uint32_t> header_slot_;  // entry -> index into headers_
  std::vector<std::uint8_t> crc_ok_;        // entry -> its CRC-32 was checked and matches
  std::vector<PackEntryHeader> headers_;
  std::vector<std::uint32_t> roots_;
  std::vector<std::uint32_t> first_child_;
  std::vector<std::uint32_t> children_;
};

using Clock = std::chrono::steady_clock;

// How a subtree that cannot be rebuilt is accounted for.
enum class Failure : std::uint8_t {
  kSkipCorrupt,  // skipped as corrupt
  kRetryable,    // handed to libgit2 where the pack allows it, else corrupt
  kTooLarge,     // skipped as too large
};

class PackDecoder {
 public:
  PackDecoder(const PackSet::Pack& pack, PackPlan& plan, const std::vector<std::uint8_t>& selected,
              const PackReadLimits& limits, SkipLog& skips, const PackedBlobConsumer& consume)
      : pack_(pack),
        plan_(plan),
        selected_(selected),
        limits_(limits),
        skips_(skips),
        consume_(consume),
        decompressors_([] { return Decompressor(libdeflate_alloc_decompressor()); }) {}

  void run() {
    const auto& roots = plan_.roots();
    tbb::parallel_for(
        std::size_t{0}, roots.size(), [&](std::size_t i) { rebuild_subtree(roots[i], nullptr, {}, 0); },
        tbb::simple_partitioner());
  }

  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t bases() const { return bases_; }
  std::vector<ObjectId> retries() {
    std::lock_guard lock(retry_mutex_);
    return std::move(retries_);
  }

 private:
  // An entry rebuilt and kept while its children are rebuilt on it.
  struct Frame {
    std::uint32_t entry = 0;
    BufferPool::Lease content;
    std::unique_ptr<StageOneFound> found;  // with a matcher: its candidates
    Clock::duration cost{};                // time spent rebuilding its chain down to it
    int depth = 0;
    std::size_t next_child = 0;
  };

  // Rebuilds entry `k` (on `base` when it is a delta, `base_cost` after its
  // chain's start) and everything built on it, depth first with an explicit
  // stack: a base is let go before its last (largest) child is rebuilt.
  void rebuild_subtree(std::uint32_t k, const Frame* base, Clock::duration base_cost, int depth) {
    std::vector<Frame> stack;
    if (auto frame = build(k, base, base_cost, depth)) stack.push_back(std::move(*frame));
    while (!stack.empty()) {
      const auto children = plan_.children_of(stack.back().entry);
      Frame& top = stack.back();
      if (top.depth < kParallelDepth && children.size() > 1 && top.next_child == 0) {
        Frame parent = std::move(top);
        stack.pop_back();
        tbb::parallel_for(std::size_t{0}, children.size(),
                          [&](std::size_t i) { rebuild_subtree(children[i], &parent, parent.cost, parent.depth + 1); });
        continue;
      }
      if (top.next_child == children.size()) {
        stack.pop_back();
        continue;
      }
      const std::uint32_t child = children[top.next_child++];
      std::optional<Frame> built;
      if (top.next_child == children.size()) {
        Frame parent = std::move(top);
        stack.pop_back();
        built = build(child, &parent, parent.cost, parent.depth + 1);
      } else {
        built = build(child, &top, top.cost, top.depth + 1);
      }
      if (built) stack.push_back(std::move(*built));
    }
  }

  // Rebuilds one entry; nullopt when it failed (and its subtree was
  // accounted for).
  std::optional<Frame> build(std::uint32_t k, const Frame* base, Clock::duration base_cost, int depth) {
    const auto started = Clock::now();
    const PackEntryHeader& h = plan_.header(k);
    Frame frame;
    frame.entry = k;
    frame.depth = depth;
    std::vector<DeltaPiece>& pieces = pieces_.local();
    BufferPool::Lease inflated = buffers_.take();
    if (base == nullptr) {
      // Not a blob chain: nothing selected can be in it unless the history is wrong.
      if (h.type != PackObjectType::kBlob) return fail_subtree(k, Failure::kRetryable, "not a blob");
      if (h.size > limits_.max_blob_size) {
        return fail_subtree(k, Failure::kTooLarge, std::to_string(h.size) + " bytes");
      }
      if (!inflate(k, h, *inflated)) return fail_subtree(k, Failure::kRetryable, "inflate error");
      frame.content = std::move(inflated);
    } else {
      if (h.size > max_delta_bytes(limits_.max_blob_size)) {
        return fail_subtree(k, Failure::kTooLarge, "delta of " + std::to_string(h.size) + " bytes");
      }
      if (!inflate(k, h, *inflated)) return fail_subtree(k, Failure::kRetryable, "inflate error");
      const auto delta = parse_delta_header(inflated->view());
      if (delta && delta->result_size > limits_.max_blob_size) {
        return fail_subtree(k, Failure::kTooLarge, std::to_string(delta->result_size) + " bytes");
      }
      frame.content = buffers_.take();
      const bool applied = limits_.matcher != nullptr
                               ? apply_delta(base->content->view(), inflated->view(), *frame.content, pieces)
                               : apply_delta(base->content->view(), inflated->view(), *frame.content);
      if (!applied) return fail_subtree(k, Failure::kRetryable, "bad delta");
    }
    frame.cost = base_cost + (Clock::now() - started);
    if (frame.cost > limits_.object_time_budget) {
      return fail_subtree(k, Failure::kSkipCorrupt,
                          "over the time budget of " +
                              std::to_string(std::chrono::duration<double>(limits_.object_time_budget).count()) +
                              " s per object");
    }
    // A binary object is not matched (it is never delivered); an object
    // built on one, or on one whose candidates were let go, is matched
    // whole (or by the prefilter, when delivered without them).
    if (limits_.matcher != nullptr && !looks_binary(frame.content->view())) {
      frame.found = base == nullptr || !base->found
                        ? limits_.matcher->whole(frame.content->view())
                        : limits_.matcher->delta(*base->found, pieces, frame.content->view());
      // Candidates that would hold more bytes than half the object (a
      // hostile blob made of keywords) are let go, as a binary object's are:
      // kept along a chain they could outgrow the memory budget.
      const std::size_t found_bytes =
          frame.found->keywords.size() * sizeof(FoundKeyword) + frame.found->tokens.size() * sizeof(FoundToken);
      if (found_bytes > frame.content->size() / 2) frame.found.reset();
    }
    if (selected_[k] != 0) {
      const StageOneFound* handed = frame.found.get();
      if (handed != nullptr) {
        StageOneFound& usable = usable_.local();
        limits_.matcher->for_stage_two(frame.content->view(), *handed, usable);
        handed = &usable;
      }
      consume_(plan_.id_at(k), frame.content->view(), handed);
      ++delivered_;
    } else {
      ++bases_;
    }
    return frame;
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
        libdeflate_zlib_decompress_ex(decompressors_.local().get(), pack_.file.bytes().data() + h.data_offset,
                                      static_cast<std::size_t>(compressed), out.data(), out.size(), &consumed, nullptr);
    return result == LIBDEFLATE_SUCCESS;
  }

  // Accounts for every selected entry at or below `k`.
  std::nullopt_t fail_subtree(std::uint32_t k, Failure failure, const std::string& why) {
    std::vector<std::uint32_t> todo{k};
    while (!todo.empty()) {
      const std::uint32_t at = todo.back();
      todo.pop_back();
      if (selected_[at] != 0) {
        const std::string id = plan_.id_at(at).hex();
        if (failure == Failure::kTooLarge) {
          skips_.add(SkipReason::kTooLarge, id, at == k ? why : "its delta base: " + why);
          ++delivered_;
        } else if (failure == Failure::kRetryable && pack_.libgit2_safe) {
          // The chain is sound (resolve() checked it): libgit2 may read it.
          std::lock_guard lock(retry_mutex_);
          retries_.push_back(plan_.id_at(at));
        } else {
          skips_.add(SkipReason::kCorruptObject, id,
                     pack_.name + " at offset " + std::to_string(plan_.offset(at)) + ": " + why);
          ++delivered_;
        }
      }
      for (std::uint32_t child : plan_.children_of(at)) todo.push_back(child);
    }
    return std::nullopt;
  }

  const PackSet::Pack& pack_;
  PackPlan& plan_;
  const std::vector<std::uint8_t>& selected_;  // by entry
  const PackReadLimits& limits_;
  SkipLog& skips_;
  const PackedBlobConsumer& consume_;
  tbb::enumerable_thread_specific<Decompressor> decompressors_;
  tbb::enumerable_thread_specific<std::vector<DeltaPiece>> pieces_;  // the last delta each thread applied
  tbb::enumerable_thread_specific<StageOneFound> usable_;            // what the last blob handed to stage 2
  BufferPool buffers_;
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> bases_{0};
  std::mutex retry_mutex_;
  std::vector<ObjectId> retries_;
};

}  // namespace

std::optional<std::string> check_for_libgit2(const PackSet::Pack& pack, std::uint32_t entry,
                                             std::uint64_t max_blob_size, SkipReason& reason) {
  std::unordered_set<std::uint32_t> seen;
  std::uint32_t at = entry;
  reason = SkipReason::kCorruptObject;
  for (std::size_t length = 0;; ++length) {
    if (length >= ObjectStore::kMaxChainLength) return fault_text(ChainFault::kTooLong);
    if (!seen.insert(at).second) return fault_text(ChainFault::kCycle);
    const auto h = parse_pack_entry_header(pack.file.bytes().substr(0, pack.entry_end(at)), pack.entry_begin(at));
    if (!h) return fault_text(ChainFault::kBadHeader);
    const bool delta = h->type == PackObjectType::kOfsDelta || h->type == PackObjectType::kRefDelta;
    if (h->size > (delta ? max_delta_bytes(max_blob_size) : max_blob_size)) {
      reason = SkipReason::kTooLarge;
      return at == entry ? std::to_string(h->size) + " bytes" : "its delta base: " + std::to_string(h->size) + " bytes";
    }
    if (!delta) return std::nullopt;
    ChainFault fault = ChainFault::kNone;
    const auto base = base_of(pack, at, *h, fault);
    if (!base) {
      // libgit2 wants a REF_DELTA base in the same pack too, and fails cleanly.
      if (fault == ChainFault::kNone) return std::nullopt;
      return fault_text(fault);
    }
    at = *base;
  }
}

std::vector<ObjectId> read_packed_blobs(const PackSet& packs, const std::vector<ObjectId>& wanted,
                                        const PackReadLimits& limits, SkipLog& skips, const PackedBlobConsumer& consume,
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
                  pack.name + " at offset " + std::to_string(plan.offset(k)) + ": " + fault_text(plan.fault(k)));
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
    PackDecoder decoder(pack, plan, selected, limits, skips, consume);
    decoder.run();
    ++stats.packs;
    stats.blobs += decoder.delivered();
    stats.bases_inflated += decoder.bases();
    for (const ObjectId& id : decoder.retries()) left.push_back(id);
  }
  return left;
}

}  // namespace trawl
