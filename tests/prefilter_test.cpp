// The Prefilter interface: per-blob shares of a batch's candidates, the
// default run_each(), the CPU backend's blob-by-blob hand-off and token
// candidates, and the fallback wrapper's run_each().
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <sstream>
#include <tuple>

#include "engine/prefilter.h"
#include "support/planted_batch.h"

namespace trawl {
namespace {

// Everything run_each() handed out, by blob, and how often each blob came.
struct Collected {
  std::vector<std::vector<Candidate>> keywords;
  std::vector<std::vector<TokenCandidate>> tokens;
  std::vector<int> calls;
};

Collected collect(Prefilter& prefilter, const BlobBatch& batch) {
  Collected out;
  out.keywords.resize(batch.entries.size());
  out.tokens.resize(batch.entries.size());
  out.calls.resize(batch.entries.size());
  std::mutex mutex;
  prefilter.run_each(batch, [&](std::uint32_t blob, const BlobCandidates& candidates) {
    std::lock_guard lock(mutex);
    out.keywords[blob].assign(candidates.keywords.begin(), candidates.keywords.end());
    out.tokens[blob].assign(candidates.tokens.begin(), candidates.tokens.end());
    ++out.calls[blob];
  });
  return out;
}

// The same lists, from one batch-wide BatchCandidates.
Collected split(const BatchCandidates& all, std::size_t blob_count) {
  Collected out;
  out.keywords.resize(blob_count);
  out.tokens.resize(blob_count);
  out.calls.assign(blob_count, 1);
  for (const Candidate& c : all.keywords) out.keywords[c.blob].push_back(c);
  for (const TokenCandidate& t : all.tokens) out.tokens[t.blob].push_back(t);
  return out;
}

void expect_same(const Collected& found, const Collected& expected) {
  EXPECT_EQ(found.calls, expected.calls);
  EXPECT_EQ(found.keywords, expected.keywords);
  EXPECT_EQ(found.tokens, expected.tokens);
}

// A backend that only implements run(), from the CPU backend; it fails on
// its `fail_at`-th batch (0: never).
class WholeBatchPrefilter final : public Prefilter {
 public:
  explicit WholeBatchPrefilter(const PrefilterTables& tables, int fail_at = 0)
      : cpu_(make_cpu_prefilter(tables)), fail_at_(fail_at) {}
  std::string_view backend_name() const override { return "gpu"; }
  bool concurrent() const override { return false; }
  BatchCandidates run(const BlobBatch& batch) override {
    if (++calls_ == fail_at_) throw BackendError("launch failed");
    return cpu_->run(batch);
  }

 private:
  std::unique_ptr<Prefilter> cpu_;
  int fail_at_;
  int calls_ = 0;
};

TEST(Prefilter, PerBlobSplitsEachListIntoOneShareABlob) {
  BatchCandidates all;
  all.keywords = {{0, 1, 5}, {0, 2, 3}, {3, 0, 9}};
  all.tokens = {{1, 4, 20, TokenAlphabet::kHex, 7},
                {3, 0, 16, TokenAlphabet::kBase64, 9},
                {3, 30, 18, TokenAlphabet::kBase64Url, 8}};
  const std::vector<BlobCandidates> shares = per_blob(all, 5);
  ASSERT_EQ(shares.size(), 5u);
  const std::array<std::size_t, 5> keywords = {2, 0, 0, 1, 0};
  const std::array<std::size_t, 5> tokens = {0, 1, 0, 2, 0};
  for (std::size_t b = 0; b < 5; ++b) {
    EXPECT_EQ(shares[b].keywords.size(), keywords[b]) << b;
    EXPECT_EQ(shares[b].tokens.size(), tokens[b]) << b;
  }
  EXPECT_EQ(shares[0].keywords.data(), all.keywords.data());
  EXPECT_EQ(shares[3].keywords.data(), all.keywords.data() + 2);
  EXPECT_EQ(shares[3].tokens.data(), all.tokens.data() + 1);
}

TEST(Prefilter, DefaultRunEachHandsEveryBlobItsShareOfRunOnce) {
  const KeywordAutomaton automaton(test::planted_keywords());
  const EntropyTable table(3.0);
  const PrefilterTables tables{automaton, &table};
  WholeBatchPrefilter whole(tables);
  const BlobBatch batch = test::planted_batch(4, 64, 9000);
  const BatchCandidates all = make_cpu_prefilter(tables)->run(batch);
  ASSERT_GT(all.keywords.size(), 100u);
  ASSERT_GT(all.tokens.size(), 10u);
  expect_same(collect(whole, batch), split(all, batch.entries.size()));
}

TEST(Prefilter, CpuRunEachHandsOnWhatRunFinds) {
  const KeywordAutomaton automaton(test::planted_keywords());
  const EntropyTable table(3.0);
  for (const PrefilterTables& tables : {PrefilterTables{automaton}, PrefilterTables{automaton, &table}}) {
    auto cpu = make_cpu_prefilter(tables);
    EXPECT_TRUE(cpu->concurrent());
    EXPECT_EQ(cpu->backend_name(), "cpu");
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      const BlobBatch batch = test::planted_batch(seed, 64 * 1024, 200 * 1024);
      const BatchCandidates all = cpu->run(batch);
      EXPECT_EQ(all.tokens.empty(), tables.entropy == nullptr);
      expect_same(collect(*cpu, batch), split(all, batch.entries.size()));
    }
  }
}

TEST(Prefilter, AskingForTokensLeavesTheKeywordsAsTheyWere) {
  const KeywordAutomaton automaton(test::planted_keywords());
  const EntropyTable table(3.0);
  const BlobBatch batch = test::planted_batch(6, 64, 9000);
  EXPECT_EQ(make_cpu_prefilter({automaton, &table})->run(batch).keywords,
            make_cpu_prefilter({automaton})->run(batch).keywords);
}

// The token candidates as the CPU scorer found them before the prefilter:
// each blob cut into 64 KiB slices scanned independently, then sorted.
std::vector<TokenCandidate> tokens_by_slices(const EntropyTable& table, const BlobBatch& batch) {
  constexpr std::uint32_t kSlice = 64 * 1024;
  std::vector<TokenCandidate> all;
  std::array<std::uint16_t, kTokenSymbols> counts{};
  for (std::uint32_t b = 0; b < batch.entries.size(); ++b) {
    const auto length = static_cast<std::uint32_t>(batch.entries[b].length);
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(batch.arena.data() + batch.entries[b].offset);
    for (std::uint32_t s = 0; s < length; s += kSlice) {
      scan_tokens_in_range(table.view(), bytes, 0, length, s, std::min(length, s + kSlice), counts.data(),
                           [&](std::uint32_t at, std::uint32_t run, TokenAlphabet alphabet, std::uint64_t entropy) {
                             all.push_back({b, at, run, alphabet, entropy});
                           });
    }
  }
  std::sort(all.begin(), all.end(), [](const TokenCandidate& a, const TokenCandidate& b) {
    return std::tie(a.blob, a.begin) < std::tie(b.blob, b.begin);
  });
  return all;
}

TEST(Prefilter, CpuTokensAreThoseOfSlicedScansSortedByBlobAndBegin) {
  const KeywordAutomaton automaton({"akia"});
  for (const double threshold : {0.0, 3.0, 4.5}) {
    const EntropyTable table(threshold);
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      const BlobBatch batch = test::planted_batch(seed, 64 * 1024, 200 * 1024);
      const std::vector<TokenCandidate> expected = tokens_by_slices(table, batch);
      ASSERT_GT(expected.size(), 10u);
      EXPECT_EQ(make_cpu_prefilter({automaton, &table})->run(batch).tokens, expected)
          << "threshold " << threshold << ", seed " << seed;
    }
  }
}

TEST(Prefilter, FallbackHandsEveryBlobOutOnceAcrossAFailure) {
  const KeywordAutomaton automaton(test::planted_keywords());
  const EntropyTable table(3.0);
  const PrefilterTables tables{automaton, &table};
  std::ostringstream log;
  auto prefilter =
      make_fallback_prefilter(std::make_unique<WholeBatchPrefilter>(tables, 2), make_cpu_prefilter(tables), log);
  EXPECT_FALSE(prefilter->concurrent());
  auto cpu = make_cpu_prefilter(tables);
  for (std::uint32_t seed = 1; seed <= 3; ++seed) {
    const BlobBatch batch = test::planted_batch(seed, 64, 3000);
    expect_same(collect(*prefilter, batch), split(cpu->run(batch), batch.entries.size()));
  }
  EXPECT_EQ(log.str(),
            "trawl: warning: the gpu backend failed (launch failed); matching this batch and the rest on the cpu "
            "backend\n");
  EXPECT_EQ(prefilter->backend_name(), "gpu, then cpu");
}

}  // namespace
}  // namespace trawl
