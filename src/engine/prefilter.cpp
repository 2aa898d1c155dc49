#include "engine/prefilter.h"

#include <tbb/parallel_for.h>

namespace trawl {

std::vector<BlobCandidates> per_blob(const BatchCandidates& candidates, std::size_t blob_count) {
  std::vector<BlobCandidates> shares(blob_count);
  const std::vector<Candidate>& keywords = candidates.keywords;
  for (std::size_t i = 0; i < keywords.size();) {
    std::size_t j = i;
    while (j < keywords.size() && keywords[j].blob == keywords[i].blob) ++j;
    shares[keywords[i].blob].keywords = std::span<const Candidate>(keywords.data() + i, j - i);
    i = j;
  }
  const std::vector<TokenCandidate>& tokens = candidates.tokens;
  for (std::size_t i = 0; i < tokens.size();) {
    std::size_t j = i;
    while (j < tokens.size() && tokens[j].blob == tokens[i].blob) ++j;
    shares[tokens[i].blob].tokens = std::span<const TokenCandidate>(tokens.data() + i, j - i);
    i = j;
  }
  return shares;
}

void Prefilter::run_each(const BlobBatch& batch, const OnBlobCandidates& on_blob) {
  const BatchCandidates candidates = run(batch);
  const std::vector<BlobCandidates> shares = per_blob(candidates, batch.entries.size());
  tbb::parallel_for(std::size_t{0}, shares.size(),
                    [&](std::size_t b) { on_blob(static_cast<std::uint32_t>(b), shares[b]); });
}

}  // namespace trawl
