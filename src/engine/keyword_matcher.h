// Stage 1 of the engine behind one interface: find which keywords occur in
// which blobs of a batch. The CPU (TBB) and CUDA backends implement it and
// must return identical candidates.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "content/blob_batch.h"
#include "engine/aho_corasick.h"

namespace trawl {

// One occurrence of a keyword in a blob. Stage 2 runs a rule's regex only
// around its keywords' occurrences.
struct Candidate {
  std::uint32_t blob = 0;     // index into BlobBatch::entries
  std::uint32_t keyword = 0;  // index into the automaton's keywords
  std::uint32_t end = 0;      // offset in the blob just past the occurrence

  friend bool operator==(const Candidate&, const Candidate&) = default;
};

// Receives one blob's candidates (sorted by keyword, then end).
using BlobCandidates = std::function<void(std::uint32_t blob, std::span<const Candidate>)>;

class KeywordMatcher {
 public:
  virtual ~KeywordMatcher() = default;
  virtual std::string_view backend_name() const = 0;
  // Every keyword occurrence in every blob of `batch`, sorted by
  // (blob, keyword, end). May be called from several threads at once.
  virtual std::vector<Candidate> match(const BlobBatch& batch) = 0;
  // Calls `on_blob` once for every blob of `batch`, possibly from several
  // threads at once, with the same candidates match() finds in it. This
  // runs match() and hands out its runs; the CPU backend instead matches
  // each blob and hands it on at once, so stage 2 finds it still in cache.
  virtual void match_each(const BlobBatch& batch, const BlobCandidates& on_blob);
};

// The CPU backend: all cores through TBB, the same ac_step() the CUDA kernels
// run. Each blob is cut into eight slices scanned in one interleaved loop, so
// the eight independent table lookups per iteration overlap in the core.
std::unique_ptr<KeywordMatcher> make_cpu_keyword_matcher(const KeywordAutomaton& automaton);

// A backend could not finish a batch (a CUDA error: out of memory, a failed
// launch). Whatever it found in that batch is discarded.
class BackendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs `primary` until it throws BackendError, then warns on `log` once and
// matches that batch and every later one with `fallback`: no batch is lost
// and none is counted twice. backend_name() names the backend that matched
// the batches ("cuda", or "cuda, then cpu").
std::unique_ptr<KeywordMatcher> make_fallback_keyword_matcher(std::unique_ptr<KeywordMatcher> primary,
                                                              std::unique_ptr<KeywordMatcher> fallback,
                                                              std::ostream& log);

}  // namespace trawl
