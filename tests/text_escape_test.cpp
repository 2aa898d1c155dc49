// Repository text as reports and the terminal show it: invalid UTF-8 and
// (where asked) control characters as \xHH, backslashes doubled only where
// they would read as an escape, and every byte string read back exactly.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "content/text_escape.h"

namespace trawl::test {
namespace {

TEST(TextEscape, WritesInvalidUtf8AsHexBytesAndLeavesValidTextAlone) {
  EXPECT_EQ(escape_text("caf\xe9.env", false), "caf\\xe9.env");
  EXPECT_EQ(escape_text("caf\xc3\xa9/\xe6\x97\xa5.env", false), "caf\xc3\xa9/\xe6\x97\xa5.env");
  // Overlong, surrogate and truncated sequences are bytes, not characters.
  EXPECT_EQ(escape_text("\xc0\xaf|\xed\xa0\x80|\xe6\x97", false), "\\xc0\\xaf|\\xed\\xa0\\x80|\\xe6\\x97");
  EXPECT_EQ(escape_text("a\nb\x1b[31m", false), "a\nb\x1b[31m");
}

TEST(TextEscape, WritesControlCharactersAsHexBytesWhenAsked) {
  EXPECT_EQ(escape_text("x\nFinding: forged\r\x1b[2J\x7f", true), "x\\x0aFinding: forged\\x0d\\x1b[2J\\x7f");
  // C1 controls (U+009B is a one-character CSI on some terminals).
  EXPECT_EQ(escape_text("a\xc2\x9b"
                        "31m\xc2\xa0",
                        true),
            "a\\xc2\\x9b31m\xc2\xa0");
  EXPECT_EQ(escape_text("tab\there", true), "tab\\x09here");
}

TEST(TextEscape, DoublesABackslashOnlyWhereItWouldReadAsAnEscape) {
  EXPECT_EQ(escape_text("C:\\Users\\ada\\key.pem", true), "C:\\Users\\ada\\key.pem");
  EXPECT_EQ(escape_text("lit\\xe9", true), "lit\\\\xe9");
  EXPECT_EQ(escape_text("two\\\\", true), "two\\\\\\");
  EXPECT_EQ(escape_text("end\\\n", true), "end\\\\\\x0a");
  EXPECT_EQ(escape_text("end\\\n", false), "end\\\n");
}

TEST(TextEscape, ReadsEveryByteStringBackExactly) {
  const std::string alphabet = std::string("\\xa4\n\x80\xc2\x85\xe9", 9);
  std::vector<std::string> texts = {""};
  for (int length = 0; length < 4; ++length) {
    std::vector<std::string> longer;
    for (const std::string& t : texts) {
      for (const char c : alphabet) longer.push_back(t + c);
    }
    for (const std::string& t : longer) {
      for (const bool controls : {false, true}) {
        ASSERT_EQ(unescape_text(escape_text(t, controls)), t) << escape_text(t, true) << " controls " << controls;
      }
    }
    texts = std::move(longer);
  }
}

}  // namespace
}  // namespace trawl::test
