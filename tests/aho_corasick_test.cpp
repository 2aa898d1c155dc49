// The keyword automaton against a naive search: same keywords found at the
// same places, case-insensitively, across slices, on random inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <set>
#include <tuple>

#include "engine/aho_corasick.h"
#include "engine/prefilter.h"

namespace trawl {
namespace {

using Occurrence = std::pair<std::uint64_t, std::uint32_t>;  // (end offset, keyword)

std::set<Occurrence> naive(const std::vector<std::string>& keywords, const std::string& text) {
  std::set<Occurrence> out;
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (std::uint32_t k = 0; k < keywords.size(); ++k) {
    for (std::size_t pos = lower.find(keywords[k]); pos != std::string::npos; pos = lower.find(keywords[k], pos + 1)) {
      out.emplace(pos + keywords[k].size(), k);
    }
  }
  return out;
}

// What a matcher must return for `blobs`: the naive search's occurrences,
// sorted by (blob, keyword, end).
std::vector<Candidate> naive_candidates(const std::vector<std::string>& keywords,
                                        const std::vector<std::string>& blobs) {
  std::vector<Candidate> expected;
  for (std::uint32_t b = 0; b < blobs.size(); ++b) {
    for (const auto& [end, keyword] : naive(keywords, blobs[b])) {
      expected.push_back({b, keyword, static_cast<std::uint32_t>(end)});
    }
  }
  std::sort(expected.begin(), expected.end(), [](const Candidate& x, const Candidate& y) {
    return std::tie(x.blob, x.keyword, x.end) < std::tie(y.blob, y.keyword, y.end);
  });
  return expected;
}

std::set<Occurrence> automaton_scan(const KeywordAutomaton& automaton, const std::string& text, std::size_t slice) {
  std::set<Occurrence> out;
  const AcTableView view = automaton.view();
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  AcState state = 0;
  for (std::size_t begin = 0; begin < text.size(); begin += slice) {
    const std::size_t end = std::min(text.size(), begin + slice);
    state = ac_scan(view, bytes, begin, end, state, [&](std::uint64_t at, AcState s) {
      for (std::uint32_t k : automaton.outputs(s)) out.emplace(at, k);
    });
  }
  return out;
}

TEST(KeywordAutomaton, FindsOverlappingKeywordsInAnyCase) {
  const std::vector<std::string> keywords = {"he", "she", "his", "hers", "akia"};
  const KeywordAutomaton automaton(keywords);
  const std::string text = "uSHErs said AKIA and HiS";
  EXPECT_EQ(automaton_scan(automaton, text, text.size()), naive(keywords, text));
  EXPECT_EQ(automaton_scan(automaton, text, text.size()).size(), 5u);  // she, he, hers, akia, his
}

TEST(KeywordAutomaton, NumbersOutputStatesLastAndFoldsUnusedBytesIntoOneClass) {
  const KeywordAutomaton automaton({"ab", "b"});
  const AcTableView view = automaton.view();
  EXPECT_EQ(view.class_count, 3u);  // other, a/A, b/B
  EXPECT_EQ(view.byte_class[static_cast<unsigned char>('a')], view.byte_class[static_cast<unsigned char>('A')]);
  EXPECT_EQ(view.byte_class[static_cast<unsigned char>('z')], 0);
  EXPECT_EQ(view.state_count, 4u);         // root, a, ab, b
  EXPECT_EQ(view.first_output_state, 2u);  // root and "a" first, then "ab" and "b"
  EXPECT_FALSE(ac_is_output(view, 0));
}

TEST(KeywordAutomaton, AgreesWithNaiveSearchOnRandomTextAcrossSlices) {
  std::mt19937 rng(12345);
  const std::string alphabet = "abcAB_-xyz0";
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string> keywords;
    const int count = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < count; ++k) {
      std::string w;
      const int len = 1 + static_cast<int>(rng() % 5);
      for (int i = 0; i < len; ++i) w += static_cast<char>(std::tolower(alphabet[rng() % alphabet.size()]));
      keywords.push_back(w);
    }
    std::sort(keywords.begin(), keywords.end());
    keywords.erase(std::unique(keywords.begin(), keywords.end()), keywords.end());
    std::string text;
    const int length = static_cast<int>(rng() % 300);
    for (int i = 0; i < length; ++i) text += alphabet[rng() % alphabet.size()];
    const KeywordAutomaton automaton(keywords);
    const auto expected = naive(keywords, text);
    for (std::size_t slice : {std::size_t{1}, std::size_t{3}, std::size_t{64}, text.size() + 1}) {
      EXPECT_EQ(automaton_scan(automaton, text, slice), expected) << "round " << round << " slice " << slice;
    }
  }
}

BlobBatch batch_of(const std::vector<std::string>& blobs) {
  BlobBatch batch;
  for (const std::string& b : blobs) {
    batch.entries.push_back({ObjectId{}, batch.arena.size(), b.size()});
    batch.arena.insert(batch.arena.end(), b.begin(), b.end());
  }
  return batch;
}

TEST(CpuPrefilter, ReportsEveryOccurrenceSortedByBlobKeywordAndEnd) {
  const KeywordAutomaton automaton({"tok_", "akia"});
  const auto matcher = make_cpu_prefilter({automaton});
  const std::vector<Candidate> expected = {{0, 0, 6}, {0, 0, 13}, {3, 0, 9}, {3, 1, 4}};
  EXPECT_EQ(matcher->run(batch_of({"x tok_ y TOK_", "", "a", "AKIA tok_"})).keywords, expected);
}

TEST(CpuPrefilter, FindsKeywordsAcrossInterleavedSliceBoundariesExactlyOnce) {
  const std::vector<std::string> keywords = {"secret", "tok_", "a"};
  const KeywordAutomaton automaton(keywords);
  const auto matcher = make_cpu_prefilter({automaton});
  std::mt19937 rng(7);
  std::vector<std::string> blobs;
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{1023}, std::size_t{1024}, std::size_t{1025},
                           std::size_t{4099}, std::size_t{100000}}) {
    std::string blob;
    for (std::size_t i = 0; i < size; ++i) blob += "xyz SECRET tok_"[rng() % 15];
    // Plant keywords across every possible slice boundary.
    for (std::size_t slice = 1; slice <= 8 && size > 16; ++slice) {
      const std::size_t at = size * slice / 8;
      for (std::size_t back = 1; back <= 6 && at >= back && at - back + 6 <= size; back += 2) {
        blob.replace(at - back, 6, "secret");
      }
    }
    blobs.push_back(blob);
  }
  const std::vector<Candidate> expected = naive_candidates(keywords, blobs);
  EXPECT_EQ(matcher->run(batch_of(blobs)).keywords, expected);
}

TEST(CpuPrefilter, ReportsAnOccurrenceAtEveryByteOfLongRuns) {
  // Every byte ends a keyword: the matcher's per-chunk buffer of found
  // states fills completely, in the one-stream and the interleaved loop.
  const std::vector<std::string> keywords = {"a", "aa"};
  const KeywordAutomaton automaton(keywords);
  const auto matcher = make_cpu_prefilter({automaton});
  const std::vector<std::string> blobs = {std::string(1000, 'a'), std::string(70001, 'A'), "ba" + std::string(5, 'a')};
  const std::vector<Candidate> expected = naive_candidates(keywords, blobs);
  ASSERT_EQ(expected.size(), 1000u + 999u + 70001u + 70000u + 6u + 5u);
  EXPECT_EQ(matcher->run(batch_of(blobs)).keywords, expected);
}

TEST(KeywordAutomaton, OverlapIsTheLongestKeywordLessOneByte) {
  EXPECT_EQ(KeywordAutomaton({"abc", "secret", "c"}).overlap(), 5u);
  EXPECT_EQ(KeywordAutomaton({"k"}).overlap(), 0u);
  EXPECT_EQ(KeywordAutomaton(std::vector<std::string>{}).overlap(), 0u);
}

TEST(KeywordAutomaton, SliceScansTogetherReportEveryOccurrenceOnce) {
  const std::vector<std::string> keywords = {"abc", "bcd", "c"};
  const KeywordAutomaton automaton(keywords);
  const std::string text = "abcdabcdxxabcbcd";
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  for (std::uint64_t slice = 1; slice <= text.size(); ++slice) {
    std::set<Occurrence> found;
    std::size_t reported = 0;
    for (std::uint64_t begin = 0; begin < text.size(); begin += slice) {
      ac_scan_slice(automaton.view(), bytes, begin, std::min<std::uint64_t>(text.size(), begin + slice),
                    automaton.overlap(), [&](std::uint64_t end, AcState s) {
                      for (std::uint32_t k : automaton.outputs(s)) {
                        found.emplace(end, k);
                        ++reported;
                      }
                    });
    }
    EXPECT_EQ(found, naive(keywords, text)) << "slice " << slice;
    EXPECT_EQ(reported, found.size()) << "slice " << slice;
  }
}

}  // namespace
}  // namespace trawl
