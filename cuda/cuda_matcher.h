// The CUDA backend of stage 1: the keyword matcher and the token-entropy
// scorer on one or more NVIDIA GPUs, returning exactly what the CPU backends
// return for the same batch. Host-only header.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/entropy_scan.h"
#include "engine/keyword_matcher.h"

namespace trawl::cuda {

struct CudaOptions {
  std::vector<int> devices = {0};  // chunks of a batch are spread over these
  // Bytes of blob data per chunk on a device; three chunks are in flight per
  // device. A batch is cut into chunks, a blob larger than one into pieces.
  std::uint32_t chunk_bytes = 16u << 20;
};

// Both throw BackendError when a device cannot be set up (no device, out of
// memory); match() and score() throw it on a CUDA error mid-batch.
std::unique_ptr<KeywordMatcher> make_cuda_keyword_matcher(const KeywordAutomaton& automaton,
                                                          const CudaOptions& options);
// `table` must outlive the scorer.
std::unique_ptr<TokenEntropyScorer> make_cuda_token_entropy_scorer(const EntropyTable& table,
                                                                   const CudaOptions& options);

}  // namespace trawl::cuda
