// A source of content to scan: git history, staged changes, a directory,
// standard input (and next, container images). A source lists what it holds
// and where each blob appears (its Provenance), then reads the blobs' bytes
// into BlobBatches that it hands to the scan pipeline through a BatchOutput.
// A new source lives in its own folder and needs no change elsewhere but
// the command line that creates it.
//
// Batches are filled one per reading thread (BatchFiller) and handed on
// whole; the thread that filled one never runs the stages that consume it,
// so a consumer's nested parallelism can never re-enter a reader's batch,
// and the pipeline's token limit bounds the batches alive at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "content/blob_batch.h"
#include "content/blob_key.h"
#include "content/provenance.h"
#include "content/skip_log.h"

namespace trawl {

// Where a source puts its batches: the scan pipeline.
class BatchOutput {
 public:
  virtual ~BatchOutput() = default;
  // Bytes of content a batch should hold before it is handed on.
  virtual std::uint64_t batch_bytes() const = 0;
  // An empty batch, its arena reserved for batch_bytes() (reused from a
  // batch the pipeline has finished with, when there is one).
  virtual BlobBatch take() = 0;
  // Hands a filled batch on. Blocks while the pipeline already holds as
  // many batches as its token limit allows. Thread-safe.
  virtual void put(BlobBatch batch) = 0;
};

// Fills one batch per calling thread and hands each on when it holds
// BatchOutput::batch_bytes(). Thread-safe.
class BatchFiller {
 public:
  explicit BatchFiller(BatchOutput& out) : out_(out) {}
  // `found`: stage 1's candidates of `bytes`, when the source found them.
  void add(const BlobKey& key, std::string_view bytes, const StageOneFound* found = nullptr);
  // Hands on every partly filled batch; call once, when no add() runs.
  void finish();
  std::uint64_t blobs() const;

 private:
  struct Filling {
    BlobBatch batch;
    bool taken = false;
    std::uint64_t blobs = 0;
  };
  BatchOutput& out_;
  tbb::enumerable_thread_specific<Filling> filling_;
};

// Blobs and bytes of content.
struct ReadShare {
  std::uint64_t blobs = 0;
  std::uint64_t bytes = 0;
};

// What a source's listing starts from, read without listing (for a git
// history: the refs in scope with their tips).
struct ListingState {
  std::vector<RefInfo> refs;
  // A digest of everything list() and read() depend on: equal digests,
  // equal listings and equal content, as long as every object could be read.
  std::string digest;
  // A digest of which objects the source holds (a git history: its packs'
  // names, its loose objects, its alternates): with `digest`, what a scan
  // that could not read some objects depends on (a fetch into a partial
  // clone adds objects without moving a ref).
  std::string objects;
};

class ContentSource {
 public:
  virtual ~ContentSource() = default;

  // The directory whose rules and ignore files apply (a work tree, a bare
  // repository's git directory, the scanned directory).
  virtual const std::string& root() const = 0;
  // Lists the content: after this, provenance() and blob_count() are known.
  // Anything that cannot be listed is recorded in `skips`.
  virtual void list(SkipLog& skips) = 0;
  virtual const Provenance& provenance() const = 0;
  // Unique blobs read() will try to read.
  virtual std::uint64_t blob_count() const = 0;
  // Reads every listed blob into batches on `out`, from as many threads as
  // the source likes; what cannot be read (or is binary, too large, an LFS
  // pointer) is recorded in `skips` and never reaches a batch. Called once,
  // after list().
  virtual void read(BatchOutput& out, SkipLog& skips) = 0;

  // The unique blobs read() will read, once list() ran, for a source that
  // knows them before reading them (a git history); nullopt otherwise.
  virtual std::optional<std::vector<BlobKey>> listed_blobs() const { return std::nullopt; }
  // Makes read() read only `blobs`, a subset of listed_blobs(): those an
  // incremental datastore does not know yet. Only for sources that list.
  virtual void read_only(const std::vector<BlobKey>& /*blobs*/) {}

  // Where each ref's tip (provenance().refs, in order) holds any of
  // `wanted`, sorted by path; empty for sources without refs.
  virtual std::vector<std::vector<BlobLocation>> tip_locations(
      const std::unordered_set<BlobKey, BlobKeyHash>& /*wanted*/, SkipLog& /*skips*/) {
    return {};
  }
  // Where the trees of `commits` (indices into provenance().commits) hold
  // any of `wanted`, each list sorted by path; empty for sources without
  // commits.
  virtual std::vector<std::vector<BlobLocation>> commit_locations(
      const std::vector<std::uint32_t>& /*commits*/, const std::unordered_set<BlobKey, BlobKeyHash>& /*wanted*/,
      SkipLog& /*skips*/) {
    return {};
  }
  // Whether provenance() is complete after list(); a source that keys its
  // blobs by their content's digest completes it only in read().
  virtual bool provenance_before_read() const { return true; }
  // What read() delivered only to compare against (staged changes: HEAD's
  // versions), which the summary does not count as scanned.
  virtual ReadShare comparison_only() const { return {}; }
  // Counts of things skipped that are not objects in the SkipLog (a
  // directory's symlinks), as (reason, count), listed after its reasons.
  virtual std::vector<std::pair<std::string, std::uint64_t>> other_skips() const { return {}; }
  // The state list() would start from, read without listing, for a source
  // that can tell it cheaply (a git history: its refs in scope, the commit
  // a scope excludes, the shallow boundary, and the options of its walk and
  // its reads); nullopt otherwise. Called before list(), if at all.
  virtual std::optional<ListingState> listing_state() { return std::nullopt; }
  // A git history's counters; nullopt for other sources.
  virtual std::optional<GitSummary> git_summary() const { return std::nullopt; }
  // Offers a matcher for stage 1 (stage_one_found.h) to a source that
  // rebuilds blobs from deltas: such a source may hand blobs on with their
  // candidates found, matching only what each delta adds. Called before
  // read(), if at all; `matcher` outlives read().
  virtual void match_while_reading(const DeltaMatcher* /*matcher*/) {}
};

// True when git would treat `bytes` as binary (a NUL in the first
// kBinaryProbeBytes): only that head of a file decides.
inline constexpr std::size_t kBinaryProbeBytes = 8000;  // as git's buffer_is_binary()
bool looks_binary(std::string_view bytes);
// True for a git-LFS pointer file.
bool is_lfs_pointer(std::string_view bytes);

}  // namespace trawl
