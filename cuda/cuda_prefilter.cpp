#include "cuda_prefilter.h"

#include <cstddef>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>

#include "chunk_kernels.h"
#include "chunk_ring.h"
#include "cuda_check.h"
#include "engine/chunk_plan.h"
#include "kernels.h"

namespace trawl::cuda {
namespace {

static_assert(sizeof(KeywordRecord) == sizeof(Candidate) && offsetof(Candidate, blob) == 0 &&
                  offsetof(Candidate, keyword) == 4 && offsetof(Candidate, end) == 8,
              "KeywordRecord must have Candidate's layout");
static_assert(std::is_trivially_copyable_v<Candidate> && std::is_trivially_copyable_v<TokenCandidate>,
              "records are copied back from the device byte for byte");

// The ring's kernels, in this order; the entropy kernel only when token
// candidates are asked for.
constexpr std::size_t kKeywordKernel = 0;
constexpr std::size_t kEntropyKernel = 1;

template <typename Record>
std::vector<Record> copy_records(const void* records, std::uint32_t count) {
  std::vector<Record> out(count);
  std::memcpy(static_cast<void*>(out.data()), records, std::size_t{count} * sizeof(Record));
  return out;
}

class CudaPrefilter final : public Prefilter {
 public:
  CudaPrefilter(const PrefilterTables& tables, const CudaOptions& options)
      : automaton_(tables.automaton), entropy_(tables.entropy) {
    if (options.devices.empty()) throw BackendError("no CUDA device chosen");
    limits_ = prefilter_chunk_limits(tables, options.chunk_bytes);
    // Keyword occurrences can be dense; a chunk with more falls back to the host.
    const std::uint32_t keyword_capacity = options.chunk_bytes / 8 + 1;
    // A run and its delimiter take at least kMinTokenLength + 1 bytes, so a
    // chunk can never hold more token records than this.
    const std::uint32_t token_capacity = options.chunk_bytes / kMinTokenLength + 1;
    // A device that fails here takes its kernels and ring with it, and so do
    // the devices set up before it (their handles free themselves).
    for (int id : options.devices) {
      const DeviceProperties props = device_properties(id);
      Device& d = devices_.emplace_back();
      d.id = id;
      d.keywords = std::make_unique<KeywordChunkKernel>(automaton_, props);
      std::vector<RingKernel> kernels = {{d.keywords.get(), keyword_capacity}};
      if (entropy_ != nullptr) {
        d.tokens = std::make_unique<EntropyChunkKernel>(*entropy_, props);
        kernels.push_back({d.tokens.get(), token_capacity});
      }
      d.ring = std::make_unique<ChunkRing>(limits_, std::move(kernels));
    }
  }

  std::string_view backend_name() const override { return "cuda"; }
  bool concurrent() const override { return false; }

  BatchCandidates run(const BlobBatch& batch) override {
    // One ring of device buffers and streams per device: concurrent callers take turns.
    std::lock_guard lock(mutex_);
    const std::vector<Chunk> chunks = plan_chunks(batch, limits_);
    std::vector<std::vector<Candidate>> keywords(chunks.size());
    std::vector<std::vector<TokenCandidate>> tokens(chunks.size());
    const ChunkRing::OnRecords on_records = [&](std::size_t c, std::size_t kernel, const void* records,
                                                std::uint32_t count) {
      if (kernel == kKeywordKernel) {
        keywords[c] = copy_records<Candidate>(records, count);
      } else if (kernel == kEntropyKernel) {
        tokens[c] = copy_records<TokenCandidate>(records, count);
      }
    };
    // Too many records for the device's buffer: the same step on the host,
    // over the whole chunk.
    const ChunkRing::OnOverflow on_overflow = [&](std::size_t c, std::size_t kernel) {
      const std::vector<std::uint8_t> bytes = host_chunk_bytes(batch, chunks[c]);
      if (kernel == kKeywordKernel) {
        keywords[c] = scan_chunk_keywords(automaton_, chunks[c], bytes.data());
      } else if (kernel == kEntropyKernel) {
        tokens[c] = scan_chunk_tokens(*entropy_, chunks[c], bytes.data());
      }
    };
    run_on_devices(batch, chunks, on_records, on_overflow);
    return merge_chunk_candidates(chunks, keywords, tokens);
  }

 private:
  struct Device {
    int id = 0;
    // Declared before the ring, which runs them: released after it.
    std::unique_ptr<KeywordChunkKernel> keywords;
    std::unique_ptr<EntropyChunkKernel> tokens;  // null unless token candidates are asked for
    std::unique_ptr<ChunkRing> ring;
  };

  // Chunk c goes to device c % devices, and each device's ring runs on its
  // own thread. Results come back per chunk, so their order does not depend
  // on the device count.
  void run_on_devices(const BlobBatch& batch, const std::vector<Chunk>& chunks, const ChunkRing::OnRecords& on_records,
                      const ChunkRing::OnOverflow& on_overflow) {
    auto run_device = [&](std::size_t d) {
      std::vector<std::size_t> order;
      for (std::size_t c = d; c < chunks.size(); c += devices_.size()) order.push_back(c);
      check(cudaSetDevice(devices_[d].id), "set device");
      devices_[d].ring->run(batch, chunks, order, on_records, on_overflow);
    };
    if (devices_.size() == 1) {
      run_device(0);
      return;
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
  }

  static std::vector<std::uint8_t> host_chunk_bytes(const BlobBatch& batch, const Chunk& chunk) {
    std::vector<std::uint8_t> bytes(chunk.bytes);
    copy_chunk_bytes(batch, chunk, reinterpret_cast<char*>(bytes.data()));
    return bytes;
  }

  const KeywordAutomaton& automaton_;
  const EntropyTable* entropy_;
  ChunkLimits limits_;
  std::vector<Device> devices_;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Prefilter> make_cuda_prefilter(const PrefilterTables& tables, const CudaOptions& options) {
  return std::make_unique<CudaPrefilter>(tables, options);
}

}  // namespace trawl::cuda
