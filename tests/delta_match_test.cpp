// Stage 1 over deltas (engine/delta_match.h) must find exactly what matching
// the whole blob finds: keyword occurrences and token runs across every kind
// of piece boundary (copy|insert, insert|copy, copy|copy of distant base
// ranges, the blob's edges), on long chains of deltas each matched from its
// base's inherited candidates.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "engine/aho_corasick.h"
#include "engine/delta_match.h"
#include "engine/scanner.h"
#include "engine/token_entropy.h"
#include "rules/rule_loader.h"
#include "source/git/byte_buffer.h"
#include "source/git/git_delta.h"
#include "support/pack_builder.h"

namespace trawl::test {
namespace {

const std::vector<std::string> kKeywords = {"password", "token", "secret", "ghp_", "akia", "-----begin", "pass", "key"};
constexpr double kThreshold = 3.0;

struct Applied {
  std::string bytes;
  std::vector<DeltaPiece> pieces;
};

Applied rebuild(const std::string& base, const DeltaWriter& delta) {
  ByteBuffer out;
  Applied applied;
  EXPECT_TRUE(apply_delta(base, delta.bytes(), out, applied.pieces));
  applied.bytes = std::string(out.view());
  return applied;
}

TEST(GitDelta, ListsThePiecesOfItsResultJoiningAdjacentCopiesAndInserts) {
  const std::string base = "0123456789abcdef";
  DeltaWriter delta(base.size(), 18);
  delta.copy(2, 3).copy(5, 2).insert("xy").insert("z").copy(0, 4).copy(10, 6);
  const Applied applied = rebuild(base, delta);
  EXPECT_EQ(applied.bytes, "23456xyz0123abcdef");
  const std::vector<DeltaPiece> expected = {{0, 5, 2, true}, {5, 3, 0, false}, {8, 4, 0, true}, {12, 6, 10, true}};
  EXPECT_EQ(applied.pieces, expected);
}

TEST(GitDelta, ListsNoPiecesForADeltaItRejects) {
  ByteBuffer out;
  std::vector<DeltaPiece> pieces = {{0, 1, 0, true}};
  EXPECT_FALSE(apply_delta("hello world", std::string("\x0b\x05\x91\x08\x05", 5), out, pieces));
  EXPECT_TRUE(pieces.size() <= 1);
  EXPECT_FALSE(apply_delta("hello world", std::string("\x0c\x05\x91\x06\x05", 5), out, pieces));
  EXPECT_TRUE(pieces.empty());
}

// A hostile delta of one-byte copies of scattered ranges lists no pieces
// (a list longer than the result would outgrow the memory budget), and is
// still applied.
TEST(GitDelta, ListsNoPiecesForADeltaCutFinerThanOnePiecePer32Bytes) {
  std::string base;
  for (int i = 0; i < 256; ++i) base += static_cast<char>('a' + i % 26);
  DeltaWriter fine(base.size(), 4096);
  std::string expected;
  for (std::uint32_t i = 0; i < 4096; ++i) {
    const std::uint32_t at = (i * 7) % 256;  // never adjacent to the last
    fine.copy(at, 1);
    expected += base[at];
  }
  ByteBuffer out;
  std::vector<DeltaPiece> pieces;
  ASSERT_TRUE(apply_delta(base, fine.bytes(), out, pieces));
  EXPECT_EQ(std::string(out.view()), expected);
  EXPECT_TRUE(pieces.empty());
  // At the limit the list is kept: 640 bytes in 640 / 32 + 16 = 36 pieces.
  std::string longer;
  for (int i = 0; i < 1024; ++i) longer += static_cast<char>('a' + i % 26);
  DeltaWriter coarse(longer.size(), 640);
  for (std::uint32_t i = 0; i < 35; ++i) coarse.copy(i * 7, 1);
  coarse.copy(300, 605);
  ASSERT_TRUE(apply_delta(longer, coarse.bytes(), out, pieces));
  EXPECT_EQ(pieces.size(), 36U);
}

class DeltaMatch : public ::testing::Test {
 protected:
  DeltaMatch() : automaton_(kKeywords), entropy_(kThreshold), matcher_(automaton_, &entropy_) {}

  // delta() from the base's candidates must equal whole() of the result.
  std::unique_ptr<StageOneFound> expect_same(const StageOneFound& base, const Applied& child) {
    auto found = matcher_.delta(base, child.pieces, child.bytes);
    const auto whole = matcher_.whole(child.bytes);
    EXPECT_EQ(found->keywords, whole->keywords);
    EXPECT_EQ(found->tokens, whole->tokens);
    return found;
  }

  KeywordAutomaton automaton_;
  EntropyTable entropy_;
  DeltaStageOne matcher_;
};

std::string random_token(std::mt19937& rng, std::size_t length) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out += kAlphabet[rng() % kAlphabet.size()];
  return out;
}

// Text with the keywords (in mixed case), token runs of every length around
// the limits, and plain words.
std::string random_text(std::mt19937& rng, std::size_t size) {
  static const std::vector<std::string> kWords = {"the",     "value", " = ",  "\n",         "\"",   "PassWord", "TOKEN",
                                                  "Secret:", "ghp_",  "AKIA", "-----BEGIN", "keys", "passkey"};
  std::string out;
  while (out.size() < size) {
    const auto pick = rng() % 10;
    if (pick < 6) {
      out += kWords[rng() % kWords.size()];
    } else if (pick < 9) {
      static constexpr std::size_t kLengths[] = {15, 16, 17, 40, 255, 256, 257, 300};
      out += random_token(rng, kLengths[rng() % std::size(kLengths)]);
    } else {
      out += " ";
    }
  }
  return out;
}

// A delta of `base` in random pieces: copies of random ranges (often cut
// inside keywords and token runs) and inserts of random text, or of a
// keyword's halves.
DeltaWriter random_delta(std::mt19937& rng, const std::string& base, std::string& expected) {
  struct Op {
    bool copy = false;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    std::string data;
  };
  std::vector<Op> ops;
  const int count = 1 + static_cast<int>(rng() % 12);
  expected.clear();
  for (int i = 0; i < count; ++i) {
    if (rng() % 3 != 0 && !base.empty()) {
      const auto offset = static_cast<std::uint32_t>(rng() % base.size());
      const auto length = static_cast<std::uint32_t>(1 + rng() % std::min<std::size_t>(base.size() - offset, 900));
      ops.push_back({true, offset, length, {}});
      expected += base.substr(offset, length);
    } else {
      std::string data;
      switch (rng() % 4) {
        case 0:
          data = "pass";  // a keyword whose other half may follow in a copy
          break;
        case 1:
          data = random_token(rng, 1 + rng() % 20);
          break;
        default:
          data = random_text(rng, 1 + rng() % 200);
      }
      expected += data;
      ops.push_back({false, 0, 0, std::move(data)});
    }
  }
  DeltaWriter delta(base.size(), expected.size());
  for (const Op& op : ops) {
    if (op.copy) {
      delta.copy(op.offset, op.length);
    } else {
      delta.insert(op.data);
    }
  }
  return delta;
}

// Builds `chains` chains of `depth` random deltas, each on the text before
// it (the first `min_size` plus up to `spread` bytes of random text), and
// calls step(base's candidates, child, depth) for each: it returns the
// child's candidates, which the next delta inherits. Stops at a failure.
template <typename Step>
void along_random_chains(std::mt19937& rng, const DeltaStageOne& matcher, int chains, int depth, std::size_t min_size,
                         std::size_t spread, Step&& step) {
  for (int chain = 0; chain < chains; ++chain) {
    std::string base = random_text(rng, min_size + rng() % spread);
    std::unique_ptr<StageOneFound> found = matcher.whole(base);
    for (int d = 0; d < depth; ++d) {
      std::string expected;
      const Applied child = rebuild(base, random_delta(rng, base, expected));
      EXPECT_EQ(child.bytes, expected);
      found = step(*found, child, d);
      if (::testing::Test::HasFailure()) return;
      base = child.bytes;
    }
  }
}

TEST_F(DeltaMatch, FindsWhatMatchingTheWholeBlobFindsAlongLongChainsOfRandomDeltas) {
  std::mt19937 rng(20261201);
  std::uint64_t keywords = 0;
  std::uint64_t tokens = 0;
  std::uint64_t inherited_from_inherited = 0;
  along_random_chains(rng, matcher_, 60, 25, 200, 4000,
                      [&](const StageOneFound& base, const Applied& child, int depth) {
                        auto found = expect_same(base, child);
                        keywords += found->keywords.size();
                        tokens += found->tokens.size();
                        if (depth > 0) inherited_from_inherited += found->keywords.size();
                        return found;
                      });
  if (HasFailure()) return;
  // The corpus plants both kinds, so the comparison compared something.
  EXPECT_GT(keywords, 1000U);
  EXPECT_GT(tokens, 1000U);
  EXPECT_GT(inherited_from_inherited, 1000U);
  const DeltaMatchCounts counts = matcher_.counts();
  EXPECT_EQ(counts.deltas + counts.objects, 60U + 2 * 60U * 25U);
}

TEST_F(DeltaMatch, EveryKindOfBoundary) {
  const std::string token = "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lz";  // 32 bytes, high entropy
  const std::string base = "alpha password beta " + token + " gamma secret\nend token ret";
  const auto base_found = matcher_.whole(base);
  ASSERT_EQ(base_found->tokens.size(), 1U);

  // A keyword cut by copy|insert and insert|copy: "pass" + copied "word".
  {
    DeltaWriter delta(base.size(), 4 + 10);
    delta.insert("pass").copy(10, 10);  // "word beta "
    expect_same(*base_found, rebuild(base, delta));
  }
  // copy|copy of distant ranges making a keyword: "sec" + "ret".
  {
    DeltaWriter delta(base.size(), 6);
    delta.copy(static_cast<std::uint32_t>(base.find("secret")), 3)
        .copy(static_cast<std::uint32_t>(base.rfind("ret")), 3);
    const Applied applied = rebuild(base, delta);
    ASSERT_EQ(applied.pieces.size(), 2U);
    const auto found = expect_same(*base_found, applied);
    ASSERT_EQ(found->keywords.size(), 1U);
    EXPECT_EQ(found->keywords[0].end, 6U);
  }
  // A token whose neighbour changes: copied without its leading space, then
  // extended by an insert (one longer run), or cut short.
  {
    const auto at = static_cast<std::uint32_t>(base.find(token));
    DeltaWriter longer(base.size(), 8 + token.size() + 1);
    longer.insert("AbCdEfGh").copy(at, static_cast<std::uint32_t>(token.size() + 1));
    const auto found = expect_same(*base_found, rebuild(base, longer));
    ASSERT_EQ(found->tokens.size(), 1U);
    EXPECT_EQ(found->tokens[0].length, token.size() + 8);
    DeltaWriter cut(base.size(), 10);
    cut.copy(at, 10);  // 10 bytes: no run
    EXPECT_TRUE(expect_same(*base_found, rebuild(base, cut))->tokens.empty());
    // Copied with both neighbours: inherited, shifted.
    DeltaWriter shifted(base.size(), 3 + token.size() + 2);
    shifted.insert("x:\n").copy(at - 1, static_cast<std::uint32_t>(token.size() + 2));
    const auto moved = expect_same(*base_found, rebuild(base, shifted));
    ASSERT_EQ(moved->tokens.size(), 1U);
    EXPECT_EQ(moved->tokens[0].begin, 4U);
  }
  // The blob's edges: a copy that ends the blob right after a keyword, and
  // a run that starts the blob.
  {
    const auto at = static_cast<std::uint32_t>(base.find(token));
    DeltaWriter edges(base.size(), token.size() + 9);
    edges.copy(at, static_cast<std::uint32_t>(token.size())).copy(static_cast<std::uint32_t>(base.size() - 9), 9);
    expect_same(*base_found, rebuild(base, edges));
  }
}

// With a token gate (as the CPU backend is given one) only the runs that
// start on a line holding a gate keyword are wanted: delta() gives exactly
// those of whole(), and whole() exactly the ungated runs on those lines.
TEST_F(DeltaMatch, WithATokenGateFindsTheRunsOfOpenLinesAlongChains) {
  TokenGate gate;
  gate.keywords.assign(automaton_.keyword_count(), TokenGate::kNotAGate);
  gate.keywords[0] = TokenGate::kGate;       // password
  gate.keywords[2] = TokenGate::kGate;       // secret
  gate.keywords[7] = TokenGate::kOnlyAGate;  // key
  const DeltaStageOne gated(automaton_, &entropy_, &gate);
  std::mt19937 rng(99);
  std::uint64_t runs = 0;
  std::uint64_t left_out = 0;
  along_random_chains(rng, gated, 40, 20, 500, 3000, [&](const StageOneFound& base, const Applied& child, int) {
    auto found = gated.delta(base, child.pieces, child.bytes);
    const auto whole = gated.whole(child.bytes);
    EXPECT_EQ(found->keywords, whole->keywords);
    EXPECT_EQ(found->tokens, whole->tokens);
    // The oracle: every run, kept when its line holds a gate keyword.
    std::vector<FoundToken> open;
    const auto every = matcher_.whole(child.bytes);
    for (const FoundToken& t : every->tokens) {
      const std::size_t newline_before = child.bytes.rfind('\n', t.begin);
      const std::size_t line_begin = newline_before == std::string::npos ? 0 : newline_before + 1;
      const std::size_t line_end = std::min(child.bytes.find('\n', t.begin), child.bytes.size());
      bool opened = false;
      for (const FoundKeyword& k : whole->keywords) {
        const std::uint32_t start = k.end - automaton_.keyword_length(k.keyword);
        opened =
            opened || (gate.keywords[k.keyword] != TokenGate::kNotAGate && start >= line_begin && start < line_end);
      }
      if (opened) {
        open.push_back(t);
      } else {
        ++left_out;
      }
    }
    EXPECT_EQ(found->tokens, open);
    runs += open.size();
    return found;
  });
  EXPECT_GT(runs, 500U);
  EXPECT_GT(left_out, 200U);
}

TEST_F(DeltaMatch, WithoutAnEntropyTableFindsKeywordsOnly) {
  const DeltaStageOne keywords_only(automaton_, nullptr);
  std::mt19937 rng(7);
  const std::string base = random_text(rng, 3000);
  const auto base_found = keywords_only.whole(base);
  EXPECT_TRUE(base_found->tokens.empty());
  std::string expected;
  const Applied child = rebuild(base, random_delta(rng, base, expected));
  const auto found = keywords_only.delta(*base_found, child.pieces, child.bytes);
  EXPECT_EQ(found->keywords, keywords_only.whole(child.bytes)->keywords);
  EXPECT_TRUE(found->tokens.empty());
}

TEST_F(DeltaMatch, ReadsOnlyTheWindowsOfASmallEditToALargeBlob) {
  std::mt19937 rng(11);
  const std::string base = random_text(rng, 200000);
  const auto base_found = matcher_.whole(base);
  DeltaWriter delta(base.size(), base.size() + 8);
  delta.copy(0, 100000).insert("password").copy(100000, static_cast<std::uint32_t>(base.size() - 100000));
  const Applied child = rebuild(base, delta);
  const DeltaMatchCounts before = matcher_.counts();
  const auto found = matcher_.delta(*base_found, child.pieces, child.bytes);
  const DeltaMatchCounts after = matcher_.counts();
  const auto whole = matcher_.whole(child.bytes);
  EXPECT_EQ(found->keywords, whole->keywords);
  EXPECT_EQ(found->tokens, whole->tokens);
  EXPECT_EQ(after.deltas - before.deltas, 1U);
  // The insert, and a window of (longest keyword - 1) bytes after each of
  // its two boundaries, plus the same before each range scanned.
  const std::uint64_t overlap = automaton_.overlap();
  EXPECT_EQ(after.window_bytes - before.window_bytes, 8 + 2 * overlap);
  EXPECT_LE(after.token_bytes - before.token_bytes, 4 * (kMaxTokenLength + 9));
}

// What a delta matcher hands to stage 2: every occurrence some rule's
// keyword shape allows, or that a rule with no shape holds, and no other;
// the object's own candidates keep every occurrence for its deltas.
TEST(DeltaMatchForStageTwo, HandsOnTheOccurrencesSomeRuleCanMatchAt) {
  const RuleSet rules = std::move(load_rules_text(R"(
[[rules]]
id = "pat"
regex = '''\b(pat[A-Za-z0-9]{14})\b'''
keywords = ["pat"]
[[rules]]
id = "pat-dotted"
regex = '''\b(pat\.[a-f0-9]{8})\b'''
keywords = ["pat"]
[[rules]]
id = "anywhere"
regex = '''(?i)(?:secret|hidden)[ =]+(\w{6,})'''
keywords = ["secret"]
)",
                                                  "cfg.toml")
                                      .rules);
  const Scanner scanner(rules);
  const DeltaStageOne matcher(scanner.automaton(), nullptr, nullptr, &scanner);
  const DeltaStageOne hands_all(scanner.automaton(), nullptr);
  const std::string text = "path patch patABCDEFGHIJ0123 pat.0123abcd pat.xyz secret; secret = x\n";
  const auto found = matcher.whole(text);
  auto starts_of = [&](const std::vector<FoundKeyword>& keywords) {
    std::vector<std::string> out;
    for (const FoundKeyword& k : keywords) {
      const std::uint32_t length = scanner.automaton().keyword_length(k.keyword);
      out.push_back(text.substr(k.end - length, length) + "@" + std::to_string(k.end - length));
    }
    return out;
  };
  EXPECT_EQ(starts_of(found->keywords),
            (std::vector<std::string>{"pat@0", "pat@5", "pat@11", "pat@29", "pat@42", "secret@50", "secret@58"}));
  StageOneFound handed;
  matcher.for_stage_two(text, *found, handed);
  // `pat` where a 14-character token or a dot and 8 hex digits follow;
  // `secret` everywhere, as its rule's regex has no shape around it.
  EXPECT_EQ(starts_of(handed.keywords), (std::vector<std::string>{"pat@11", "pat@29", "secret@50", "secret@58"}));
  EXPECT_EQ(found->keywords.size(), 7u);
  StageOneFound all;
  hands_all.for_stage_two(text, *found, all);
  EXPECT_EQ(all.keywords, found->keywords);
  EXPECT_EQ(matcher.counts().keywords_found, 7u);
  EXPECT_EQ(matcher.counts().keywords_handed, 4u);
}

}  // namespace
}  // namespace trawl::test
