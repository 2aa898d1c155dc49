// Stage 1 of the engine behind one interface: from one pass over one copy of
// a batch's bytes, the keyword occurrences (Aho-Corasick over every rule
// keyword) and, when asked for, the token-like runs whose entropy is over a
// threshold (token_entropy.h). Stage 2 (scanner.h) confirms around them.
//
// Backends: the CPU (every core through TBB) and CUDA (cuda/, one
// host-to-device copy per chunk feeding both kernels). They return identical
// candidates for the same batch (given no TokenGate, which only the CPU
// backend heeds); the per-thread steps they share are the __host__
// __device__ functions of chunk_scan.h, aho_corasick.h and token_entropy.h.
#pragma once

#include <algorithm>
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
#include "engine/token_entropy.h"

namespace trawl {

// One occurrence of a keyword in a blob. Stage 2 runs a rule's regex only
// around its keywords' occurrences.
struct Candidate {
  std::uint32_t blob = 0;     // index into BlobBatch::entries
  std::uint32_t keyword = 0;  // index into the automaton's keywords
  std::uint32_t end = 0;      // offset in the blob just past the occurrence

  friend bool operator==(const Candidate&, const Candidate&) = default;
};

// Where the CPU backend looks for token runs when stage 2 reads only some of
// them: a rule that reports a run only on a line naming a credential
// (credential-key) needs no run elsewhere. `keywords` marks the automaton's
// keywords that open their line to the token scan (the credential words;
// those of no rule are not handed on as keyword candidates); `whole_blob`
// says which blobs some other token rule wants whole (a rule scoped to
// credential files' paths). Token runs never cross a line, so a line's runs
// are the same whether the line or the blob is scanned.
struct TokenGate {
  static constexpr char kNotAGate = 0;
  static constexpr char kGate = 1;       // opens its line, and is a rule's keyword too
  static constexpr char kOnlyAGate = 2;  // opens its line, and is no rule's: not handed on
  std::vector<char> keywords;            // per keyword id
  std::function<bool(const BlobKey&)> whole_blob;
};

// Calls on_line(begin, end) for each line of `bytes` (without its line
// feed) that holds one of `starts`, sorted offsets of the gate's keywords,
// each line once and in order: the lines a TokenGate opens.
template <typename OnLine>
void for_each_open_line(std::string_view bytes, std::span<const std::uint32_t> starts, OnLine&& on_line) {
  std::size_t taken_to = 0;  // just past the last line taken
  for (const std::uint32_t start : starts) {
    if (start < taken_to) continue;
    const std::size_t newline_before = bytes.rfind('\n', start);
    const std::size_t line_begin = newline_before == std::string_view::npos ? 0 : newline_before + 1;
    const std::size_t line_end = std::min(bytes.find('\n', start), bytes.size());
    on_line(line_begin, line_end);
    taken_to = line_end + 1;
  }
}

// What stage 1 asks for: the keyword automaton always; the entropy table
// (the threshold a token run must pass) only when stage 2 consumes token
// candidates. All must outlive the prefilter.
struct PrefilterTables {
  const KeywordAutomaton& automaton;
  const EntropyTable* entropy = nullptr;  // null: no token candidates
  // Null: token runs everywhere. Otherwise the CPU backend finds the runs of
  // the gate's lines and blobs only, a subset of the CUDA backend's (which
  // scores every byte on the device anyway, and hands on every keyword); stage
  // 2 reports from neither set a run outside it, and reads no keyword of no
  // rule, so the findings are the same.
  const TokenGate* token_gate = nullptr;
};

// Every candidate of one batch.
struct BatchCandidates {
  std::vector<Candidate> keywords;     // sorted by (blob, keyword, end)
  std::vector<TokenCandidate> tokens;  // sorted by (blob, begin); empty unless asked for
};

// One blob's share of a batch's candidates, in the same orders.
struct BlobCandidates {
  std::span<const Candidate> keywords;
  std::span<const TokenCandidate> tokens;
};

using OnBlobCandidates = std::function<void(std::uint32_t blob, const BlobCandidates&)>;

class Prefilter {
 public:
  virtual ~Prefilter() = default;
  virtual std::string_view backend_name() const = 0;
  // True when run() and run_each() may be called from several threads at
  // once (the CPU backend); a device backend is fed one batch at a time.
  virtual bool concurrent() const = 0;
  // Every candidate in every blob of `batch`.
  virtual BatchCandidates run(const BlobBatch& batch) = 0;
  // Calls `on_blob` once for every blob of `batch`, possibly from several
  // threads at once, with the candidates run() finds in it. The default runs
  // run() and hands out each blob's share in parallel; the CPU backend
  // instead scans each blob and hands it on at once, so stage 2 finds its
  // bytes still in cache.
  virtual void run_each(const BlobBatch& batch, const OnBlobCandidates& on_blob);
};

// Splits a batch's candidates into per-blob shares (blob i's share is
// element i; `blob_count` is the batch's entry count).
std::vector<BlobCandidates> per_blob(const BatchCandidates& candidates, std::size_t blob_count);

// The CPU backend: all cores through TBB. Each blob is cut into eight
// slices scanned in one interleaved loop, so the eight independent table
// lookups per iteration overlap in the core.
std::unique_ptr<Prefilter> make_cpu_prefilter(const PrefilterTables& tables);

// A backend could not finish a batch (a CUDA error: out of memory, a failed
// launch). Whatever it found in that batch is discarded.
class BackendError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs `primary` until it throws BackendError, then warns on `log` once and
// runs that batch and every later one on `fallback`: no batch is lost and
// none is counted twice. backend_name() names the backend that ran the
// batches ("cuda", or "cuda, then cpu").
std::unique_ptr<Prefilter> make_fallback_prefilter(std::unique_ptr<Prefilter> primary,
                                                   std::unique_ptr<Prefilter> fallback, std::ostream& log);

// A backend that takes a while to start (a CUDA device: its context, module
// and buffers) starts on its own thread while the scan lists its content;
// the first run() waits for it. `start` runs once; what it throws (as
// BackendError: a std::exception is wrapped) is thrown by every run(), so a
// fallback prefilter around this one moves the scan to the CPU. The
// destructor waits for `start` to finish.
std::unique_ptr<Prefilter> make_starting_prefilter(std::string name, bool concurrent,
                                                   std::function<std::unique_ptr<Prefilter>()> start);

}  // namespace trawl
