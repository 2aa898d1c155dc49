#include "engine/prefilter.h"

#include <tbb/parallel_for.h>

#include "engine/entropy_scan.h"
#include "engine/keyword_matcher.h"

namespace trawl {

std::vector<BlobCandidates> per_blob(const BatchCandidates& candidates, std::size_t blob_count) {
  std::vector<BlobCandidates> out(blob_count);
  for (std::size_t i = 0; i < candidates.keywords.size();) {
    std::size_t j = i;
    while (j < candidates.keywords.size() && candidates.keywords[j].blob == candidates.keywords[i].blob) ++j;
    out[candidates.keywords[i].blob].keywords = {candidates.keywords.data() + i, j - i};
    i = j;
  }
  for (std::size_t i = 0; i < candidates.tokens.size();) {
    std::size_t j = i;
    while (j < candidates.tokens.size() && candidates.tokens[j].blob == candidates.tokens[i].blob) ++j;
    out[candidates.tokens[i].blob].tokens = {candidates.tokens.data() + i, j - i};
    i = j;
  }
  return out;
}

void Prefilter::run_each(const BlobBatch& batch, const OnBlobCandidates& on_blob) {
  const BatchCandidates candidates = run(batch);
  const std::vector<BlobCandidates> shares = per_blob(candidates, batch.entries.size());
  tbb::parallel_for(std::size_t{0}, shares.size(),
                    [&](std::size_t b) { on_blob(static_cast<std::uint32_t>(b), shares[b]); });
}

namespace {

class CpuPrefilter final : public Prefilter {
 public:
  CpuPrefilter(const PrefilterTables& tables, std::unique_ptr<KeywordMatcher> keywords)
      : keywords_(std::move(keywords)),
        tokens_(tables.entropy != nullptr ? make_cpu_token_entropy_scorer(*tables.entropy) : nullptr) {}

  std::string_view backend_name() const override { return keywords_->backend_name(); }
  bool concurrent() const override { return keywords_->backend_name() == "cpu"; }

  BatchCandidates run(const BlobBatch& batch) override {
    BatchCandidates out;
    out.keywords = keywords_->match(batch);
    if (tokens_) out.tokens = tokens_->score(batch);
    return out;
  }

  void run_each(const BlobBatch& batch, const OnBlobCandidates& on_blob) override {
    if (tokens_) {
      Prefilter::run_each(batch, on_blob);
      return;
    }
    keywords_->match_each(batch, [&](std::uint32_t blob, std::span<const Candidate> found) {
      on_blob(blob, BlobCandidates{found, {}});
    });
  }

 private:
  std::unique_ptr<KeywordMatcher> keywords_;
  std::unique_ptr<TokenEntropyScorer> tokens_;
};

}  // namespace

std::unique_ptr<Prefilter> make_cpu_prefilter(const PrefilterTables& tables) {
  return std::make_unique<CpuPrefilter>(tables, make_cpu_keyword_matcher(tables.automaton));
}

std::unique_ptr<Prefilter> make_matcher_prefilter(const PrefilterTables& tables,
                                                  std::unique_ptr<KeywordMatcher> matcher) {
  return std::make_unique<CpuPrefilter>(tables, std::move(matcher));
}

}  // namespace trawl
