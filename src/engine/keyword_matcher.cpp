#include "engine/keyword_matcher.h"

#include <tbb/parallel_for.h>

namespace trawl {

void KeywordMatcher::match_each(const BlobBatch& batch, const OnBlobKeywords& on_blob) {
  const std::vector<Candidate> candidates = match(batch);
  std::vector<std::span<const Candidate>> runs(batch.entries.size());
  for (std::size_t i = 0; i < candidates.size();) {
    std::size_t j = i;
    while (j < candidates.size() && candidates[j].blob == candidates[i].blob) ++j;
    runs[candidates[i].blob] = std::span<const Candidate>(candidates.data() + i, j - i);
    i = j;
  }
  tbb::parallel_for(std::size_t{0}, runs.size(),
                    [&](std::size_t b) { on_blob(static_cast<std::uint32_t>(b), runs[b]); });
}

}  // namespace trawl
