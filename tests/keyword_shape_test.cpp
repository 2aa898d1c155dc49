// Keyword shapes: what a rule's regex requires around its keyword, read off
// the pattern, and the check that drops keyword occurrences no match can
// hold. The check must never lose a finding.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "engine/scanner.h"
#include "rules/keyword_shape.h"
#include "rules/rule_loader.h"
#include "support/spots.h"

namespace trawl {
namespace {

std::bitset<256> bytes_of(std::string_view members) {
  std::bitset<256> set;
  for (char c : members) set.set(static_cast<unsigned char>(c));
  return set;
}

std::string alnum() { return "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"; }

bool allows(const KeywordShape& shape, std::string_view text, std::string_view keyword) {
  const std::size_t at = text.find(keyword);
  return shape.allows(text, at, at + keyword.size());
}

TEST(KeywordShape, ReadsTheFixedRunsAfterAPrefixKeyword) {
  const auto shape = keyword_shape(R"(\b(pat[A-Za-z0-9]{14}\.[a-f0-9]{64})(?:[^A-Za-z0-9_-]|$))", "pat");
  ASSERT_TRUE(shape);
  EXPECT_TRUE(shape->before.empty());
  ASSERT_EQ(shape->after.size(), 3u);
  EXPECT_EQ(shape->after[0].bytes, bytes_of(alnum()));
  EXPECT_EQ(shape->after[0].min, 14u);
  EXPECT_EQ(shape->after[0].max, 14u);
  EXPECT_EQ(shape->after[1].bytes, bytes_of("."));
  EXPECT_EQ(shape->after[2].bytes, bytes_of("0123456789abcdef"));
  EXPECT_EQ(shape->after[2].min, 64u);

  const std::string token = "patABCDEFGHIJ0123." + std::string(64, 'a');
  EXPECT_TRUE(allows(*shape, "key = " + token + "\n", "pat"));
  EXPECT_FALSE(allows(*shape, "the path to the patch\n", "pat"));
  EXPECT_FALSE(allows(*shape, "patABCDEFGHIJ0123." + std::string(63, 'a'), "pat"));  // ends too soon
  EXPECT_FALSE(allows(*shape, "patABCDEFGHIJ012-." + std::string(64, 'a'), "pat"));
}

TEST(KeywordShape, ReadsRunsBeforeASuffixKeyword) {
  const auto shape = keyword_shape(R"(\b([0-9a-f]{32}-us[0-9]{1,2})\b)", "-us");
  ASSERT_TRUE(shape);
  ASSERT_EQ(shape->before.size(), 1u);
  EXPECT_EQ(shape->before[0].min, 32u);
  ASSERT_EQ(shape->after.size(), 1u);
  EXPECT_EQ(shape->after[0].min, 1u);
  EXPECT_EQ(shape->after[0].max, 2u);
  EXPECT_TRUE(allows(*shape, std::string(32, 'f') + "-us12", "-us"));
  EXPECT_FALSE(allows(*shape, std::string(31, 'f') + "-us12", "-us"));
  EXPECT_FALSE(allows(*shape, "x-user", "-us"));
  EXPECT_FALSE(allows(*shape, std::string(32, 'f') + "-us", "-us"));
}

TEST(KeywordShape, FollowsAVariableRunOnlyIntoADisjointStep) {
  // [ \t]* then '=' (disjoint): the '=' is checked where the run ends.
  const auto shape = keyword_shape(R"((?:(?m:^)|[\s:])_auth[ \t]*=[ \t]*["']?([A-Za-z0-9+/]{8,}={0,2}))", "_auth");
  ASSERT_TRUE(shape);
  EXPECT_TRUE(shape->before.empty());  // an alternation ends the shape
  EXPECT_TRUE(allows(*shape, "_auth = 'abcdefgh'", "_auth"));
  EXPECT_TRUE(allows(*shape, "_auth\t\t=abcdefgh==", "_auth"));
  EXPECT_FALSE(allows(*shape, "_auth: abcdefgh", "_auth"));
  EXPECT_FALSE(allows(*shape, "_auth = 'abc'", "_auth"));
  EXPECT_FALSE(allows(*shape, "my_auth_token", "_auth"));

  // [A-Za-z0-9.-]+ then \. (not disjoint): nothing past the run is checked.
  const auto url = keyword_shape(R"(://[A-Za-z0-9.-]+\.[a-z]{2,}x)", "://");
  ASSERT_TRUE(url);
  EXPECT_TRUE(allows(*url, "http://host.example", "://"));
  EXPECT_TRUE(allows(*url, "http://host", "://"));
  EXPECT_FALSE(allows(*url, "http:// host", "://"));
}

TEST(KeywordShape, FollowsAVariableRunOnlyWhenNoStepThatMayTakeNothingHidesAnOverlap) {
  // [0-9]? is disjoint from [a-z]{0,3} but may take nothing; the [a-z] after
  // it can then take the byte the run would: "keyab" is "a", nothing, "b".
  const std::string pattern = R"(key[a-z]{0,3}[0-9]?[a-z])";
  ASSERT_TRUE(RE2::FullMatch("keyab", pattern));
  const auto shape = keyword_shape(pattern, "key");
  ASSERT_TRUE(shape);
  EXPECT_TRUE(allows(*shape, "keyab", "key"));
  EXPECT_TRUE(allows(*shape, "keya1b", "key"));

  // Past steps that may take nothing and share no byte with the run, the
  // first that needs one is still checked.
  const auto disjoint = keyword_shape(R"(key[a-z]*[0-9]?[ \t]?=)", "key");
  ASSERT_TRUE(disjoint);
  EXPECT_TRUE(allows(*disjoint, "keyab1 =", "key"));
  EXPECT_TRUE(allows(*disjoint, "keyab=", "key"));
  EXPECT_FALSE(allows(*disjoint, "keyab:", "key"));
}

TEST(KeywordShape, CountsMultiByteCharactersAsUpToFourBytes) {
  const auto shape = keyword_shape(R"(tok=([^\s]{6})$)", "tok=");
  ASSERT_TRUE(shape);
  ASSERT_EQ(shape->after.size(), 1u);
  EXPECT_EQ(shape->after[0].min, 6u);
  EXPECT_EQ(shape->after[0].max, 24u);
  EXPECT_TRUE(allows(*shape, "tok=\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "tok="));
  EXPECT_TRUE(allows(*shape, "tok=abcdef", "tok="));
  EXPECT_FALSE(allows(*shape, "tok=abc def", "tok="));
}

TEST(KeywordShape, NoShapeWhereTheKeywordIsNotARequiredLiteral) {
  EXPECT_FALSE(keyword_shape(R"((?i)pat[a-z]{14})", "pat"));         // case folding
  EXPECT_FALSE(keyword_shape(R"((?i:pat)[a-z]{14})", "pat"));        // case folding in a group
  EXPECT_FALSE(keyword_shape(R"(pat[a-z]{3}|other)", "pat"));        // top-level alternation
  EXPECT_FALSE(keyword_shape(R"((?:pat|tap)[a-z]{14})", "pat"));     // inside an alternation
  EXPECT_FALSE(keyword_shape(R"((?:pat[a-z])+)", "pat"));            // inside a repeated group
  EXPECT_FALSE(keyword_shape(R"(p?at[a-z]{14})", "pat"));            // optional letter
  EXPECT_FALSE(keyword_shape(R"(secret\s*=\s*(\w+))", "password"));  // absent
  EXPECT_FALSE(keyword_shape(R"((unclosed)", "unclosed"));
  // Upper-case literals still hold the (lower-case) keyword.
  const auto upper = keyword_shape(R"(\b(AKIA[A-Z2-7]{16})\b)", "akia");
  ASSERT_TRUE(upper);
  EXPECT_TRUE(allows(*upper, "AKIAABCDEFGHIJKLMNOP", "AKIA"));
  EXPECT_FALSE(allows(*upper, "AKIA_is_not_a_key", "AKIA"));
}

TEST(KeywordShape, BarriersEndTheShapeOnTheirSide) {
  // A repeated group after the keyword: nothing after it is required.
  const auto shape = keyword_shape(R"(x{3}key_(?:ab)+[0-9]{4})", "key_");
  ASSERT_TRUE(shape);
  ASSERT_EQ(shape->before.size(), 1u);
  EXPECT_TRUE(shape->after.empty());
  EXPECT_TRUE(allows(*shape, "xxxkey_zz", "key_"));
  EXPECT_FALSE(allows(*shape, "xxkey_ab1234", "key_"));
}

TEST(KeywordShape, ReadsABracketColonWithoutAClassNameAsLiterals) {
  // `[^[:]` is the class of every byte but '[' and ':', not the start of a
  // POSIX class name: reading one there swallowed the class's ']' and misread
  // what follows.
  const std::string pattern = R"([^[:]a]=b)";
  ASSERT_TRUE(RE2::FullMatch("xa]=b", pattern));
  const auto shape = keyword_shape(pattern, "=");
  EXPECT_TRUE(!shape || allows(*shape, "xa]=b", "="));
}

TEST(KeywordShape, NegatedClassesWithMembersItCannotReadAllowEveryByte) {
  // A Unicode or a POSIX class widens a bracket class to every byte;
  // negating the class must not leave it none.
  for (const std::string pattern : {R"(k[^\pL]=v)", R"(k[^[:alpha:]]=v)", R"(k[^\p{Greek}]=v)"}) {
    ASSERT_TRUE(RE2::FullMatch("k1=v", pattern)) << pattern;
    const auto shape = keyword_shape(pattern, "=");
    ASSERT_TRUE(shape) << pattern;
    EXPECT_TRUE(allows(*shape, "k1=v", "=")) << pattern;
  }
}

TEST(KeywordShape, ReadsOctalEscapesToTheirLastDigit) {
  // \41 is '!', one byte: its '1' is no literal of the pattern.
  ASSERT_TRUE(RE2::FullMatch("x!y", R"(x\41y)"));
  EXPECT_FALSE(keyword_shape(R"(x\41y)", "1"));
  const auto shape = keyword_shape(R"(\101key[\060-\071])", "key");  // 'A', then a digit
  ASSERT_TRUE(shape);
  EXPECT_TRUE(allows(*shape, "Akey7", "key"));
  EXPECT_FALSE(allows(*shape, "1key7", "key"));
  EXPECT_FALSE(allows(*shape, "Akeyx", "key"));
}

// Every built-in rule, with and without shapes, on the rules' own examples
// and on texts that splice examples, keywords and noise together: shapes
// must never change what is found.
TEST(KeywordShape, BuiltInRulesFindTheSameWithAndWithoutShapes) {
  const RuleLoad load = load_builtin_rules();
  const RuleSet& rules = load.rules;
  const Scanner shaped(rules);
  const Scanner unshaped(rules, ScannerOptions{.keyword_shapes = false});

  std::size_t shaped_rules = 0;
  std::vector<std::string> pieces;
  for (const Rule& rule : rules.rules) {
    if (!rule.regex) continue;
    bool has_shape = false;
    for (const std::string& k : rule.keywords) {
      const auto shape = keyword_shape(rule.regex->pattern(), k);
      has_shape = has_shape || (shape && !shape->empty());
      pieces.push_back(k);
    }
    shaped_rules += has_shape ? 1 : 0;
    for (const std::string& e : rule.examples) pieces.push_back(e);
    for (const std::string& e : rule.negative_examples) pieces.push_back(e);
  }
  // The rules with short prefix keywords this exists for are covered.
  EXPECT_GE(shaped_rules, 100u);

  for (const std::string& piece : pieces) {
    ASSERT_EQ(spots(rules, shaped.scan_text(piece)), spots(rules, unshaped.scan_text(piece))) << piece;
  }
  std::mt19937 rng(7);
  const std::string noise = alnum() + " \t\n=:\"'._-/+@";
  for (int round = 0; round < 400; ++round) {
    std::string text;
    const int count = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < count; ++i) {
      const std::string& piece = pieces[rng() % pieces.size()];
      // Cut pieces at random places too, so keywords meet every neighbour.
      const std::size_t from = rng() % 3 == 0 ? rng() % (piece.size() + 1) : 0;
      text += piece.substr(from);
      for (int n = static_cast<int>(rng() % 6); n > 0; --n) text += noise[rng() % noise.size()];
    }
    ASSERT_EQ(spots(rules, shaped.scan_text(text)), spots(rules, unshaped.scan_text(text))) << text;
  }
}

TEST(KeywordShape, LabelledCorpusFindsTheSameWithAndWithoutShapes) {
  const RuleLoad load = load_builtin_rules();
  const Scanner shaped(load.rules);
  const Scanner unshaped(load.rules, ScannerOptions{.keyword_shapes = false});
  std::size_t files = 0;
  std::size_t found = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(TRAWL_TEST_DATA_DIR) / "corpus")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const std::vector<Spot> expected = spots(load.rules, unshaped.scan_text(text.str()));
    EXPECT_EQ(spots(load.rules, shaped.scan_text(text.str())), expected) << entry.path().filename();
    ++files;
    found += expected.size();
  }
  EXPECT_GE(files, 30u);
  EXPECT_GE(found, 500u);
}

}  // namespace
}  // namespace trawl
