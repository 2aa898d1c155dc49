// The bounded pipeline every scan runs, whatever its source:
//
//   source.read() ──batches──▶ stage 1 ──▶ stage 2 ──▶ done(batch, hits)
//   (its own threads)          prefilter    confirm      one at a time
//
// The source reads on threads of its own and hands full batches over
// (BatchOutput::put). The pipeline (tbb::parallel_pipeline) runs stage 1
// and stage 2 blob by blob in parallel on the CPU, or stage 1 serially on a
// device (one batch at a time per prefilter, the device spreading it over
// its GPUs) then stage 2 in parallel; `done` sees each matched batch on one
// thread at a time. At most `tokens` batches (one per thread, two at least)
// are handed over and not yet done: put() waits for one to finish. With one batch filling per reading
// thread, the bytes held are bounded by (threads + tokens) * batch_bytes,
// which the batch size is chosen to fit into the memory budget. Finished
// batches' arenas are reused for the next ones.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "content/blob_batch.h"
#include "content/skip_log.h"
#include "engine/hit.h"
#include "engine/prefilter.h"
#include "engine/scanner.h"
#include "source/content_source.h"

namespace trawl {

struct PipelineOptions {
  unsigned threads = 0;  // 0: all cores
  std::uint64_t batch_bytes = 32ull << 20;
  std::uint64_t memory_budget = 2ull << 30;  // bounds the batches alive at once
};

struct PipelineStats {
  std::uint64_t batches = 0;
  std::uint64_t blobs = 0;
  std::uint64_t bytes = 0;
  double match_seconds = 0.0;  // stage 1 and 2, summed over the threads that ran them
};

// Called with each batch and its hits (blobs with any, in blob order) once
// both stages are done with it; never twice at once.
using BatchDone = std::function<void(const BlobBatch& batch, std::vector<BlobHits>& hits)>;

// Called once, before the first batch is matched.
using MatchingStarts = std::function<void()>;

// Reads `source` (after its list()) through `scanner` and `prefilter` and
// hands every matched batch to `done`. An exception from the source, a
// stage or `done` stops both sides and is rethrown here.
PipelineStats run_blob_pipeline(ContentSource& source, SkipLog& skips, const Scanner& scanner, Prefilter& prefilter,
                                const PipelineOptions& options, const BatchDone& done,
                                const MatchingStarts& matching_starts = {});

}  // namespace trawl
