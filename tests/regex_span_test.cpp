// The bound on line breaks a regex match can span, read off the pattern.
#include <gtest/gtest.h>
#include <re2/re2.h>

#include <string>

#include "rules/regex_span.h"

namespace trawl {
namespace {

TEST(RegexSpan, SingleLinePatternsSpanNoLineBreak) {
  EXPECT_EQ(max_newlines_in_match(R"(\b(AKIA[A-Z2-7]{16})\b)"), 0u);
  EXPECT_EQ(max_newlines_in_match(R"((?i)token[ \t]*[:=][ \t]*["']?([a-z0-9_\-]{20,}))"), 0u);
  EXPECT_EQ(max_newlines_in_match(R"([^\S\r\n]+x[^"\n]{0,40})"), 0u);
  EXPECT_EQ(max_newlines_in_match(R"(a\.b\Sc\d\w[\x00-\x09\x0b-\x7f])"), 0u);
}

TEST(RegexSpan, BoundedNewlineCapableAtomsAddUp) {
  EXPECT_EQ(max_newlines_in_match(R"(key\s?=\s{0,2}(\w+))"), 3u);
  EXPECT_EQ(max_newlines_in_match(R"((?:a|\n\n)x[^"]{2,5})"), 7u);
  EXPECT_EQ(max_newlines_in_match(R"((?:\s|x){3})"), 3u);
  EXPECT_EQ(max_newlines_in_match(R"([\x00-\x7f]b)"), 1u);
  EXPECT_EQ(max_newlines_in_match(R"(\W\D[[:space:]])"), 3u);
}

TEST(RegexSpan, UnboundedOrUnknownMeansNoBound) {
  EXPECT_EQ(max_newlines_in_match(R"(-----BEGIN[\s\S]*?-----END)"), std::nullopt);
  EXPECT_EQ(max_newlines_in_match(R"(key\s*=)"), std::nullopt);
  EXPECT_EQ(max_newlines_in_match(R"([^"]+)"), std::nullopt);
  EXPECT_EQ(max_newlines_in_match(R"((?s)a.*b)"), std::nullopt);
  EXPECT_EQ(max_newlines_in_match(R"(a\s{5,})"), std::nullopt);
  EXPECT_EQ(max_newlines_in_match(R"((unclosed)"), std::nullopt);
}

TEST(RegexSpan, ReadsABracketColonWithoutAClassNameAsLiterals) {
  // `[^[:]` is the class of every byte but '[' and ':' (so it holds '\n'),
  // not the start of a POSIX class name.
  const std::string pattern = "[^[:]\n]";
  ASSERT_TRUE(RE2::FullMatch("\n\n]", pattern));
  const std::optional<unsigned> bound = max_newlines_in_match(pattern);
  EXPECT_TRUE(!bound || *bound >= 2u) << bound.value_or(0);
}

TEST(RegexSpan, NegatedClassesWithMembersItCannotReadMayHoldALineBreak) {
  // An octal escape, a Unicode class or a negated POSIX class is assumed to
  // hold '\n'; negating the class must not turn that into "cannot".
  for (const std::string pattern : {R"([^\101]+)", R"([^\pL]+)", R"([^[:^space:]]+)"}) {
    ASSERT_TRUE(RE2::FullMatch("\n\n", pattern)) << pattern;
    EXPECT_EQ(max_newlines_in_match(pattern), std::nullopt) << pattern;
  }
  EXPECT_EQ(max_newlines_in_match(R"([^\101])"), 1u);
}

TEST(RegexSpan, ReadsBracesWithoutALeadingCountAsLiteralText) {
  // RE2 reads {b<LF>,2} as literal text, its line break included.
  const std::string pattern = "a{b\n,2}";
  ASSERT_TRUE(RE2::FullMatch("a{b\n,2}", pattern));
  EXPECT_EQ(max_newlines_in_match(pattern), 1u);
}

TEST(RegexSpan, PosixClassesHoldingALineBreakCountOne) {
  EXPECT_EQ(max_newlines_in_match("[[:ascii:]]"), 1u);
  EXPECT_EQ(max_newlines_in_match("[[:space:]][[:cntrl:]]"), 2u);
  EXPECT_EQ(max_newlines_in_match("[[:alpha:]][[:blank:]][^[:ascii:]]"), 0u);
}

TEST(RegexSpan, DotWithoutDotAllAndLiteralBracesSpanNothing) {
  EXPECT_EQ(max_newlines_in_match(R"(a.*b{x})"), 0u);
  EXPECT_EQ(max_newlines_in_match(R"((?P<name>x)(?i:y)\Qa.b\E)"), 0u);
}

}  // namespace
}  // namespace trawl
