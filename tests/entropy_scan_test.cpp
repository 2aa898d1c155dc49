// Token-like runs and their entropy: what counts as a run, its alphabet, the
// threshold, and the CPU prefilter's token candidates against a plain
// reference on random batches.
#include <gtest/gtest.h>

#include <array>
#include <random>

#include "engine/entropy.h"
#include "engine/prefilter.h"
#include "engine/token_entropy.h"
#include "support/planted_batch.h"

namespace trawl {
namespace {

// The CPU prefilter's token candidates, with no keywords to look for.
std::vector<TokenCandidate> cpu_tokens(const EntropyTable& table, const BlobBatch& batch) {
  const KeywordAutomaton no_keywords(std::vector<std::string>{});
  return make_cpu_prefilter({no_keywords, &table})->run(batch).tokens;
}

std::vector<TokenCandidate> scan_text(const EntropyTable& table, const std::string& text) {
  BlobBatch batch;
  test::append_blob(batch, text);
  return cpu_tokens(table, batch);
}

// The obvious algorithm: split at non-token bytes, keep runs of 16..256
// bytes, classify, compute the entropy in floating point.
std::vector<TokenCandidate> reference(const BlobBatch& batch, double threshold) {
  std::vector<TokenCandidate> out;
  for (std::uint32_t b = 0; b < batch.entries.size(); ++b) {
    const std::string_view text = batch.bytes(b);
    std::size_t p = 0;
    while (p < text.size()) {
      if (token_symbol(static_cast<std::uint8_t>(text[p])) == kNotTokenSymbol) {
        ++p;
        continue;
      }
      std::size_t q = p;
      while (q < text.size() && token_symbol(static_cast<std::uint8_t>(text[q])) != kNotTokenSymbol) ++q;
      const std::string_view run = text.substr(p, q - p);
      const bool hex = run.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
      const bool plus_slash = run.find_first_of("+/") != std::string_view::npos;
      const bool dash_underscore = run.find_first_of("-_") != std::string_view::npos;
      const double entropy = shannon_entropy(run);
      if (run.size() >= 16 && run.size() <= 256 && !(plus_slash && dash_underscore) && entropy > threshold) {
        const TokenAlphabet alphabet = hex               ? TokenAlphabet::kHex
                                       : dash_underscore ? TokenAlphabet::kBase64Url
                                                         : TokenAlphabet::kBase64;
        out.push_back({b, static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(run.size()), alphabet, 0});
      }
      p = q;
    }
  }
  return out;
}

TEST(TokenEntropy, TheHostTableHoldsTheAlphabetTheDeviceComputes) {
  // The CPU reads token_symbol() from a table and a GPU thread computes it:
  // both must give every byte the same symbol.
  int symbols = 0;
  for (int c = 0; c < 256; ++c) {
    const auto byte = static_cast<std::uint8_t>(c);
    EXPECT_EQ(token_symbol(byte), token_symbol_of(byte)) << "byte " << c;
    if (token_symbol(byte) != kNotTokenSymbol) ++symbols;
  }
  EXPECT_EQ(symbols, static_cast<int>(kTokenSymbols));
  EXPECT_EQ(token_symbol('A'), 0);
  EXPECT_EQ(token_symbol('z'), 51);
  EXPECT_EQ(token_symbol('='), 66);
  EXPECT_EQ(token_symbol('.'), kNotTokenSymbol);
}

TEST(TokenEntropy, FixedPointEntropyMatchesShannonEntropy) {
  const EntropyTable table(0.0);
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string run(16 + rng() % 241, 'a');
    const std::uint32_t symbols = 1 + static_cast<std::uint32_t>(rng() % 64);
    for (char& c : run) c = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[rng() % symbols];
    std::array<std::uint16_t, kTokenSymbols> counts{};
    for (char c : run) ++counts[token_symbol(static_cast<std::uint8_t>(c))];
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(run.data());
    const std::uint64_t fixed =
        run_entropy_fixed(table.view(), bytes, 0, static_cast<std::uint32_t>(run.size()), counts.data());
    EXPECT_NEAR(static_cast<double>(fixed) / 4294967296.0, shannon_entropy(run), 1e-6) << run;
    EXPECT_EQ(counts, (std::array<std::uint16_t, kTokenSymbols>{}));
  }
}

TEST(TokenEntropy, ReportsDelimitedRunsOfSixteenToTwoHundredFiftySixBytes) {
  const EntropyTable table(0.0);
  const std::string alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  auto run = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += alphabet[(i * 7) % alphabet.size()];
    return s;
  };
  const std::string text = run(15) + " " + run(16) + "\n" + run(256) + ":" + run(257) + "\"" + run(20);
  const std::vector<TokenCandidate> found = scan_text(table, text);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].begin, 16u);
  EXPECT_EQ(found[0].length, 16u);
  EXPECT_EQ(found[1].begin, 33u);
  EXPECT_EQ(found[1].length, 256u);
  EXPECT_EQ(found[2].begin, 16u + 17 + 257 + 258);
  EXPECT_EQ(found[2].length, 20u);
}

TEST(TokenEntropy, ClassifiesHexBase64AndBase64UrlAndSkipsMixedRuns) {
  const EntropyTable table(0.0);
  const std::vector<TokenCandidate> found = scan_text(
      table, "9f86d081884c7d659a2feaa0c55ad015 aB3+dE5/gH7kL9mN1pQ2 aB3-dE5_gH7kL9mN1pQ2 aB3+dE5_gH7kL9mN1pQ2");
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].alphabet, TokenAlphabet::kHex);
  EXPECT_EQ(found[1].alphabet, TokenAlphabet::kBase64);
  EXPECT_EQ(found[2].alphabet, TokenAlphabet::kBase64Url);
}

TEST(TokenEntropy, ReportsOnlyRunsStrictlyOverTheThreshold) {
  const std::string sixteen_symbols = "0123456789abcdef";  // exactly 4 bits per byte
  EXPECT_TRUE(scan_text(EntropyTable(4.0), sixteen_symbols).empty());
  ASSERT_EQ(scan_text(EntropyTable(3.99), sixteen_symbols).size(), 1u);
  EXPECT_DOUBLE_EQ(scan_text(EntropyTable(3.99), sixteen_symbols)[0].entropy(), 4.0);
  EXPECT_TRUE(scan_text(EntropyTable(0.0), std::string(40, 'a')).empty());
}

TEST(TokenEntropy, SlicesOfAnyLengthTogetherReportEachRunOnce) {
  const EntropyTable table(2.0);
  const BlobBatch batch = test::planted_batch(5, 64, 5000);
  const std::string_view text = batch.bytes(2);
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto length = static_cast<std::uint32_t>(text.size());
  std::array<std::uint16_t, kTokenSymbols> counts{};
  auto scan = [&](std::uint32_t slice) {
    std::vector<std::uint32_t> begins;
    for (std::uint32_t b = 0; b < length; b += slice) {
      scan_tokens_in_range(
          table.view(), bytes, 0, length, b, std::min(length, b + slice), counts.data(),
          [&](std::uint32_t at, std::uint32_t, TokenAlphabet, std::uint64_t) { begins.push_back(at); });
    }
    return begins;
  };
  const std::vector<std::uint32_t> whole = scan(length);
  ASSERT_GT(whole.size(), 5u);
  for (std::uint32_t slice : {1u, 7u, 16u, 64u, 257u, 1000u}) EXPECT_EQ(scan(slice), whole) << slice;
}

TEST(TokenEntropy, RunsOfEveryLengthAroundTheBoundsAreFoundAsTheReferenceFindsThem) {
  // The scan steps over bytes that cannot start a token-long run: runs of
  // each length near 16 and near 256, between separators of one to three
  // bytes, at every offset, must come out exactly as the plain algorithm's.
  std::mt19937 rng(7);
  const std::string symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string separators = " .\n(\"";
  std::string text;
  for (int round = 0; round < 6; ++round) {
    for (std::uint32_t length = 1; length <= 270; length += (length < 24 || length > 248) ? 1 : 37) {
      for (std::uint32_t i = 0; i < length; ++i) text += symbols[rng() % symbols.size()];
      const std::uint32_t gap = 1 + static_cast<std::uint32_t>(rng() % 3);
      for (std::uint32_t i = 0; i < gap; ++i) text += separators[rng() % separators.size()];
    }
  }
  BlobBatch batch;
  test::append_blob(batch, text);
  test::append_blob(batch, text.substr(5, 4000) + "ABCDEFGHIJKLMNOPqrstu");  // a run at the blob's end
  const EntropyTable table(3.0);
  const std::vector<TokenCandidate> expected = reference(batch, 3.0);
  ASSERT_GT(expected.size(), 100u);
  const std::vector<TokenCandidate> found = cpu_tokens(table, batch);
  ASSERT_EQ(found.size(), expected.size());
  for (std::size_t i = 0; i < found.size(); ++i) {
    EXPECT_EQ(std::tie(found[i].blob, found[i].begin, found[i].length, found[i].alphabet),
              std::tie(expected[i].blob, expected[i].begin, expected[i].length, expected[i].alphabet));
  }
  // Cut into slices of any length, the first blob gives the same runs.
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto length = static_cast<std::uint32_t>(text.size());
  std::array<std::uint16_t, kTokenSymbols> counts{};
  for (std::uint32_t slice : {1u, 15u, 16u, 17u, 255u, 256u, 257u}) {
    std::vector<std::uint32_t> begins;
    for (std::uint32_t b = 0; b < length; b += slice) {
      scan_tokens_in_range(
          table.view(), bytes, 0, length, b, std::min(length, b + slice), counts.data(),
          [&](std::uint32_t at, std::uint32_t, TokenAlphabet, std::uint64_t) { begins.push_back(at); });
    }
    std::vector<std::uint32_t> want;
    for (const TokenCandidate& t : expected) {
      if (t.blob == 0) want.push_back(t.begin);
    }
    EXPECT_EQ(begins, want) << "slices of " << slice;
  }
}

TEST(TokenEntropy, CpuPrefilterAgreesWithAPlainReferenceOnRandomBatches) {
  for (std::uint32_t seed = 1; seed <= 4; ++seed) {
    // Blobs of up to 200 KiB, with runs planted every 64 KiB.
    const BlobBatch batch = test::planted_batch(seed, 64 * 1024, 200 * 1024);
    std::vector<TokenCandidate> found = cpu_tokens(EntropyTable(3.0), batch);
    std::vector<TokenCandidate> expected = reference(batch, 3.0);
    ASSERT_GT(expected.size(), 20u);
    ASSERT_EQ(found.size(), expected.size());
    for (std::size_t i = 0; i < found.size(); ++i) {
      EXPECT_EQ(std::tie(found[i].blob, found[i].begin, found[i].length, found[i].alphabet),
                std::tie(expected[i].blob, expected[i].begin, expected[i].length, expected[i].alphabet));
      EXPECT_NEAR(found[i].entropy(),
                  shannon_entropy(batch.bytes(found[i].blob).substr(found[i].begin, found[i].length)), 1e-6);
    }
  }
}

}  // namespace
}  // namespace trawl
