// The keyword automaton against a naive search: same keywords found at the
// same places, case-insensitively, across slices, on random inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <set>
#include <tuple>

#include "engine/aho_corasick.h"
#include "engine/keyword_matcher.h"

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

std::set<Occurrence> automaton_scan(const KeywordAutomaton& automaton, const std::string& text,
                                    std::size_t slice) {
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
  EXPECT_EQ(view.byte_class['a'], view.byte_class['A']);
  EXPECT_EQ(view.byte_class['z'], 0);
  EXPECT_EQ(view.state_count, 4u);  // root, a, ab, b
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

TEST(CpuKeywordMatcher, ReportsEachKeywordOncePerBlobAtItsFirstOccurrence) {
  const KeywordAutomaton automaton({"tok_", "akia"});
  BlobBatch batch;
  const std::vector<std::string> blobs = {"x tok_ y TOK_", "", "a", "AKIA tok_"};
  for (const std::string& b : blobs) {
    batch.entries.push_back({ObjectId{}, batch.arena.size(), b.size()});
    batch.arena.insert(batch.arena.end(), b.begin(), b.end());
  }
  const auto matcher = make_cpu_keyword_matcher(automaton);
  const std::vector<Candidate> expected = {{0, 0, 6}, {3, 0, 9}, {3, 1, 4}};
  EXPECT_EQ(matcher->match(batch), expected);
}

}  // namespace
}  // namespace trawl
