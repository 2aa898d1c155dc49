#include "cuda_matcher.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_set>

#include "chunk_kernels.h"
#include "chunk_ring.h"
#include "cuda_check.h"
#include "kernels.h"

namespace trawl::cuda {
namespace {

static_assert(sizeof(KeywordRecord) == sizeof(Candidate) && offsetof(Candidate, blob) == 0 &&
                  offsetof(Candidate, keyword) == 4 && offsetof(Candidate, end) == 8,
              "KeywordRecord must have Candidate's layout");

// One kernel over every chunk of a batch, on every device: chunk c goes to
// device c % devices, and each device's ring runs on its own thread. Results
// come back per chunk, so their order does not depend on the device count.
template <typename Record, typename Kernel>
class ChunkedScan {
 public:
  template <typename Tables>
  ChunkedScan(const Tables& tables, const CudaOptions& options, std::uint32_t lead, std::uint32_t trail,
              std::uint32_t record_capacity) {
    if (options.devices.empty()) throw BackendError("no CUDA device chosen");
    limits_ = {options.chunk_bytes, options.chunk_bytes / 64 + 1, lead, trail};
    for (int device : options.devices) {
      const DeviceProperties props = device_properties(device);
      Device d;
      d.id = device;
      d.kernel = std::make_unique<Kernel>(tables, props);
      d.ring = std::make_unique<ChunkRing>(limits_, record_capacity, *d.kernel);
      devices_.push_back(std::move(d));
    }
  }

  // Records per chunk; scan_on_host(chunk) supplies those of a chunk whose
  // records overflowed the device's buffer.
  template <typename HostScan>
  std::vector<std::vector<Record>> run(const BlobBatch& batch, const std::vector<Chunk>& chunks,
                                       const HostScan& scan_on_host) {
    std::vector<std::vector<Record>> per_chunk(chunks.size());
    auto run_device = [&](std::size_t d) {
      std::vector<std::size_t> order;
      for (std::size_t c = d; c < chunks.size(); c += devices_.size()) order.push_back(c);
      check(cudaSetDevice(devices_[d].id), "set device");
      devices_[d].ring->run(
          batch, chunks, order,
          [&](std::size_t c, const void* records, std::uint32_t count) {
            per_chunk[c].resize(count);
            std::memcpy(static_cast<void*>(per_chunk[c].data()), records, count * sizeof(Record));
          },
          [&](std::size_t c) { per_chunk[c] = scan_on_host(chunks[c]); });
    };
    if (devices_.size() == 1) {
      run_device(0);
      return per_chunk;
    }
    std::vector<std::exception_ptr> errors(devices_.size());
    std::vector<std::thread> threads;
    for (std::size_t d = 0; d < devices_.size(); ++d) {
      threads.emplace_back([&, d] {
        try {
          run_device(d);
        } catch (...) {
          errors[d] = std::current_exception();
        }
      });
    }
    for (std::thread& t : threads) t.join();
    for (const std::exception_ptr& e : errors) {
      if (e) std::rethrow_exception(e);
    }
    return per_chunk;
  }

  const ChunkLimits& limits() const { return limits_; }

 private:
  struct Device {
    int id = 0;
    std::unique_ptr<Kernel> kernel;
    std::unique_ptr<ChunkRing> ring;
  };
  ChunkLimits limits_;
  std::vector<Device> devices_;
};

std::vector<std::uint8_t> host_chunk_bytes(const BlobBatch& batch, const Chunk& chunk) {
  std::vector<std::uint8_t> bytes(chunk.bytes);
  copy_chunk_bytes(batch, chunk, reinterpret_cast<char*>(bytes.data()));
  return bytes;
}

class CudaKeywordMatcher final : public KeywordMatcher {
 public:
  CudaKeywordMatcher(const KeywordAutomaton& automaton, const CudaOptions& options)
      : automaton_(automaton),
        overlap_(automaton.overlap()),
        // Keyword occurrences can be dense; a chunk with more falls back to the host.
        scan_(automaton, options, overlap_, 0, options.chunk_bytes / 8 + 1) {}

  std::string_view backend_name() const override { return "cuda"; }

  std::vector<Candidate> match(const BlobBatch& batch) override {
    // One ring of device buffers and streams: concurrent callers take turns.
    std::lock_guard lock(mutex_);
    const std::vector<Chunk> chunks = plan_chunks(batch, scan_.limits());
    const AcTableView table = automaton_.view();
    std::vector<std::vector<Candidate>> per_chunk = scan_.run(batch, chunks, [&](const Chunk& chunk) {
      // Too many occurrences for the device's record buffer: the same step on the host.
      const std::vector<std::uint8_t> bytes = host_chunk_bytes(batch, chunk);
      std::vector<Candidate> found;
      scan_keywords_in_slice(table, overlap_, chunk.segments.data(), static_cast<std::uint32_t>(chunk.segments.size()),
                             bytes.data(), 0, chunk.bytes,
                             [&](std::uint32_t blob, std::uint32_t keyword, std::uint32_t end) {
                               found.push_back({blob, keyword, end});
                             });
      std::sort(found.begin(), found.end(), by_blob_keyword_end);
      return found;
    });
    std::vector<Candidate> all;
    std::unordered_set<std::uint32_t> split_blobs;
    for (std::size_t c = 0; c < chunks.size(); ++c) {
      if (chunks[c].holds_piece) split_blobs.insert(chunks[c].segments.front().blob);
      all.insert(all.end(), per_chunk[c].begin(), per_chunk[c].end());
    }
    // Each chunk comes sorted; a blob cut into pieces has one sorted run per
    // piece, which together need one more sort.
    for (auto it = all.begin(); it != all.end();) {
      const auto same_blob = std::find_if(it, all.end(), [&](const Candidate& x) { return x.blob != it->blob; });
      if (split_blobs.count(it->blob) != 0) std::sort(it, same_blob, by_blob_keyword_end);
      it = same_blob;
    }
    return all;
  }

 private:
  static bool by_blob_keyword_end(const Candidate& a, const Candidate& b) {
    if (a.blob != b.blob) return a.blob < b.blob;
    return a.keyword != b.keyword ? a.keyword < b.keyword : a.end < b.end;
  }

  const KeywordAutomaton& automaton_;
  std::uint32_t overlap_;
  ChunkedScan<Candidate, KeywordChunkKernel> scan_;
  std::mutex mutex_;
};

class CudaTokenEntropyScorer final : public TokenEntropyScorer {
 public:
  // A run and its delimiter take at least kMinTokenLength + 1 bytes, so a
  // chunk can never hold more records than this.
  CudaTokenEntropyScorer(const EntropyTable& table, const CudaOptions& options)
      : table_(table), scan_(table, options, 1, kMaxTokenLength + 1, options.chunk_bytes / kMinTokenLength + 1) {}

  std::string_view backend_name() const override { return "cuda"; }

  std::vector<TokenCandidate> score(const BlobBatch& batch) override {
    std::lock_guard lock(mutex_);
    const std::vector<Chunk> chunks = plan_chunks(batch, scan_.limits());
    const EntropyTableView table = table_.view();
    std::vector<std::vector<TokenCandidate>> per_chunk = scan_.run(batch, chunks, [&](const Chunk& chunk) {
      const std::vector<std::uint8_t> bytes = host_chunk_bytes(batch, chunk);
      std::vector<TokenCandidate> found;
      std::uint16_t counts[kTokenSymbols] = {};
      scan_tokens_in_slice(table, chunk.segments.data(), static_cast<std::uint32_t>(chunk.segments.size()),
                           bytes.data(), 0, chunk.bytes, counts, [&](const TokenCandidate& c) { found.push_back(c); });
      return found;
    });
    // Pieces of a blob are scanned in order, in consecutive chunks: the
    // concatenation is already in (blob, begin) order.
    std::vector<TokenCandidate> all;
    for (const std::vector<TokenCandidate>& found : per_chunk) all.insert(all.end(), found.begin(), found.end());
    return all;
  }

 private:
  const EntropyTable& table_;
  ChunkedScan<TokenCandidate, EntropyChunkKernel> scan_;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<KeywordMatcher> make_cuda_keyword_matcher(const KeywordAutomaton& automaton,
                                                          const CudaOptions& options) {
  return std::make_unique<CudaKeywordMatcher>(automaton, options);
}

std::unique_ptr<TokenEntropyScorer> make_cuda_token_entropy_scorer(const EntropyTable& table,
                                                                   const CudaOptions& options) {
  return std::make_unique<CudaTokenEntropyScorer>(table, options);
}

}  // namespace trawl::cuda
