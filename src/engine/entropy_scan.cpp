#include "engine/entropy_scan.h"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <thrust/sort.h>
#include <thrust/system/tbb/execution_policy.h>

#include <array>
#include <cmath>
#include <tuple>

namespace trawl {

EntropyTable::EntropyTable(double threshold_bits) : count_log_count_(kMaxTokenLength + 1) {
  const double scale = static_cast<double>(1ull << kEntropyFractionBits);
  for (std::uint32_t c = 2; c <= kMaxTokenLength; ++c) {
    const double v = static_cast<double>(c) * std::log2(static_cast<double>(c));
    count_log_count_[c] = static_cast<std::uint64_t>(std::llround(v * scale));
  }
  threshold_fixed_ = threshold_bits <= 0 ? 0 : static_cast<std::uint64_t>(std::llround(threshold_bits * scale));
}

namespace {

// Slices of a blob scanned in parallel: long enough that the context read
// past a slice's end (a run of up to kMaxTokenLength bytes) costs little.
constexpr std::uint64_t kSliceBytes = std::uint64_t{64} * 1024;

class CpuTokenEntropyScorer final : public TokenEntropyScorer {
 public:
  explicit CpuTokenEntropyScorer(const EntropyTable& table) : table_(table) {}

  std::string_view backend_name() const override { return "cpu"; }

  std::vector<TokenCandidate> score(const BlobBatch& batch) override {
    const EntropyTableView view = table_.view();
    // (blob, slice) pairs, so one large blob spreads over all cores too.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> work;
    for (std::size_t b = 0; b < batch.entries.size(); ++b) {
      const std::uint64_t length = batch.entries[b].length;
      for (std::uint64_t s = 0; s < length; s += kSliceBytes) {
        work.emplace_back(static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(s));
      }
    }
    tbb::enumerable_thread_specific<std::vector<TokenCandidate>> locals;
    tbb::parallel_for(std::size_t{0}, work.size(), [&](std::size_t w) {
      // Plain copies, not a structured binding: lambdas below capture them.
      const auto blob = work[w].first;
      const auto begin = work[w].second;
      const BlobEntry& entry = batch.entries[blob];
      const auto length = static_cast<std::uint32_t>(entry.length);
      const auto end = static_cast<std::uint32_t>(std::min<std::uint64_t>(length, std::uint64_t{begin} + kSliceBytes));
      const auto* bytes = reinterpret_cast<const std::uint8_t*>(batch.arena.data() + entry.offset);
      std::array<std::uint16_t, kTokenSymbols> counts{};
      std::vector<TokenCandidate>& found = locals.local();
      scan_tokens_in_range(view, bytes, 0, length, begin, end, counts.data(),
                           [&](std::uint32_t at, std::uint32_t run, TokenAlphabet alphabet, std::uint64_t entropy) {
                             found.push_back({blob, at, run, alphabet, entropy});
                           });
    });
    std::vector<TokenCandidate> all;
    for (const std::vector<TokenCandidate>& local : locals) all.insert(all.end(), local.begin(), local.end());
    thrust::sort(thrust::tbb::par, all.begin(), all.end(), [](const TokenCandidate& a, const TokenCandidate& b) {
      return std::tie(a.blob, a.begin) < std::tie(b.blob, b.begin);
    });
    return all;
  }

 private:
  const EntropyTable& table_;
};

}  // namespace

std::unique_ptr<TokenEntropyScorer> make_cpu_token_entropy_scorer(const EntropyTable& table) {
  return std::make_unique<CpuTokenEntropyScorer>(table);
}

}  // namespace trawl
