#include "scan/blob_pipeline.h"

#include <sys/mman.h>

#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace trawl {
namespace {

using Clock = std::chrono::steady_clock;

// An arena is written from its first byte to its last on first use: with
// 4 KiB pages that is a page fault per 4 KiB, which on a short run (an
// image of a few hundred MB) cost as much as decompressing it. Huge pages,
// where the kernel gives them on request, fault once per 2 MiB. Advice
// only: nothing changes when it is refused.
void ask_for_huge_pages(const char* data, std::size_t size) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHuge = std::uintptr_t{1} << 21;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);  // NOLINT(*-reinterpret-cast): page arithmetic
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t last = (begin + size) & ~(kHuge - 1);
  if (last > first) {
    ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);  // NOLINT(*-reinterpret-cast, *-int-to-ptr)
  }
#else
  (void)data;
  (void)size;
#endif
}

// The hand-over between the source's threads and the pipeline: a queue of
// full batches, a count of batches out (queued or in the pipeline) that
// put() keeps under the token limit, and the spare arenas of finished ones.
class Handover final : public BatchOutput {
 public:
  Handover(std::uint64_t batch_bytes, std::size_t tokens) : batch_bytes_(batch_bytes), tokens_(tokens) {}

  std::uint64_t batch_bytes() const override { return batch_bytes_; }

  BlobBatch take() override {
    {
      std::lock_guard lock(mutex_);
      if (!spare_.empty()) {
        BlobBatch batch = std::move(spare_.back());
        spare_.pop_back();
        return batch;
      }
    }
    // A batch's arena is reserved once and reused for every batch after it:
    // growing a fresh vector per batch cost a copy and a page fault for
    // every page of every batch.
    BlobBatch batch;
    batch.arena.reserve(batch_bytes_);
    ask_for_huge_pages(batch.arena.data(), batch.arena.capacity());
    return batch;
  }

  void put(BlobBatch batch) override {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return out_ < tokens_ || stopped_; });
    if (stopped_) return;  // the pipeline failed: nobody will match it
    ++out_;
    queue_.push_back(std::move(batch));
    ready_.notify_one();
  }

  // The next full batch, or nullopt once the source is done and the queue
  // is empty (or the scan stopped).
  std::optional<BlobBatch> next() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return !queue_.empty() || source_done_ || stopped_; });
    if (stopped_ || queue_.empty()) return std::nullopt;
    BlobBatch batch = std::move(queue_.front());
    queue_.pop_front();
    return batch;
  }

  // A batch the pipeline is done with: its arena goes back to the spares.
  void finished(BlobBatch batch) {
    batch.clear();
    std::lock_guard lock(mutex_);
    spare_.push_back(std::move(batch));
    --out_;
    room_.notify_one();
  }

  void source_done() {
    std::lock_guard lock(mutex_);
    source_done_ = true;
    ready_.notify_all();
  }

  // Wakes and releases everyone: put() drops, next() ends.
  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    queue_.clear();
    room_.notify_all();
    ready_.notify_all();
  }

 private:
  const std::uint64_t batch_bytes_;
  const std::size_t tokens_;
  std::mutex mutex_;
  std::condition_variable room_;
  std::condition_variable ready_;
  std::deque<BlobBatch> queue_;
  std::vector<BlobBatch> spare_;
  std::size_t out_ = 0;
  bool source_done_ = false;
  bool stopped_ = false;
};

struct InFlight {
  BlobBatch batch;
  BatchCandidates candidates;  // between the stages, when they are apart
  std::vector<BlobHits> hits;
};
using InFlightPtr = std::unique_ptr<InFlight>;

}  // namespace

PipelineStats run_blob_pipeline(ContentSource& source, SkipLog& skips, const Scanner& scanner, Prefilter& prefilter,
                                const PipelineOptions& options, const BatchDone& done,
                                const MatchingStarts& matching_starts) {
  const int threads =
      options.threads == 0 ? tbb::this_task_arena::max_concurrency() : static_cast<int>(options.threads);
  // Per reading thread one batch filling; as many handed over as there are
  // threads to match them (and at least two, so a device's stage 1 and the
  // CPU's stage 2 overlap).
  const std::size_t tokens = std::max<std::size_t>(2, static_cast<std::size_t>(threads));
  const std::uint64_t in_flight = static_cast<std::uint64_t>(threads) + tokens;
  const std::uint64_t batch_bytes =
      std::max<std::uint64_t>(std::uint64_t{1} << 16, std::min(options.batch_bytes, options.memory_budget / in_flight));
  Handover handover(batch_bytes, tokens);

  std::exception_ptr source_error;
  std::thread reader([&] {
    try {
      source.read(handover, skips);
    } catch (...) {
      source_error = std::current_exception();
    }
    handover.source_done();
  });

  PipelineStats stats;
  std::atomic<std::int64_t> match_nanoseconds{0};
  std::once_flag started;
  auto timed = [&](auto&& work) {
    std::call_once(started, [&] {
      if (matching_starts) matching_starts();
    });
    const auto begin = Clock::now();
    work();
    match_nanoseconds += std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - begin).count();
  };

  auto input = tbb::make_filter<void, InFlightPtr>(tbb::filter_mode::serial_in_order,
                                                   [&](tbb::flow_control& control) -> InFlightPtr {
                                                     std::optional<BlobBatch> batch = handover.next();
                                                     if (!batch) {
                                                       control.stop();
                                                       return nullptr;
                                                     }
                                                     auto item = std::make_unique<InFlight>();
                                                     item->batch = std::move(*batch);
                                                     return item;
                                                   });
  auto output = tbb::make_filter<InFlightPtr, void>(tbb::filter_mode::serial_out_of_order, [&](InFlightPtr item) {
    ++stats.batches;
    stats.blobs += item->batch.entries.size();
    stats.bytes += item->batch.total_bytes();
    done(item->batch, item->hits);
    handover.finished(std::move(item->batch));
  });

  tbb::task_arena arena(threads);
  try {
    arena.execute([&] {
      if (prefilter.concurrent()) {
        // Both stages blob by blob on every core: a blob is confirmed right
        // after stage 1 matched it, while its bytes are in cache.
        auto both = tbb::make_filter<InFlightPtr, InFlightPtr>(tbb::filter_mode::parallel, [&](InFlightPtr item) {
          timed([&] { item->hits = scanner.scan(item->batch, prefilter); });
          return item;
        });
        tbb::parallel_pipeline(tokens, input & both & output);
      } else {
        auto stage1 =
            tbb::make_filter<InFlightPtr, InFlightPtr>(tbb::filter_mode::serial_out_of_order, [&](InFlightPtr item) {
              timed([&] { item->candidates = prefilter.run(item->batch); });
              return item;
            });
        auto stage2 = tbb::make_filter<InFlightPtr, InFlightPtr>(tbb::filter_mode::parallel, [&](InFlightPtr item) {
          timed([&] {
            item->hits = scanner.confirm(item->batch, item->candidates);
            item->candidates = {};
          });
          return item;
        });
        tbb::parallel_pipeline(tokens, input & stage1 & stage2 & output);
      }
    });
  } catch (...) {
    handover.stop();
    reader.join();
    throw;
  }
  reader.join();
  if (source_error) std::rethrow_exception(source_error);
  stats.match_seconds = static_cast<double>(match_nanoseconds.load()) / 1e9;
  return stats;
}

}  // namespace trawl
