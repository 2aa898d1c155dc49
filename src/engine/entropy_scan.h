// Stage 1's entropy half behind one interface: the token-like runs of every
// blob in a batch whose Shannon entropy is over a threshold (token_entropy.h
// says what a run is). Generic-secret rules, which have no keyword to look
// for, search around these candidates. The CPU (TBB) and CUDA backends
// implement it and return identical candidates.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "content/blob_batch.h"
#include "engine/token_entropy.h"

namespace trawl {

class TokenEntropyScorer {
 public:
  virtual ~TokenEntropyScorer() = default;
  virtual std::string_view backend_name() const = 0;
  // Every run over the threshold in every blob of `batch`, sorted by
  // (blob, begin).
  virtual std::vector<TokenCandidate> score(const BlobBatch& batch) = 0;
};

// The CPU backend: blobs cut into slices scanned in parallel through TBB with
// the same scan_tokens_in_range() step as the CUDA kernel. `table` must
// outlive the scorer.
std::unique_ptr<TokenEntropyScorer> make_cpu_token_entropy_scorer(const EntropyTable& table);

}  // namespace trawl
