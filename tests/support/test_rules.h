// The rule most tests scan with: one token format the tests control, so
// their expectations do not move when the built-in rules change. Tests that
// need more (tags, allowlists) append TOML keys to it.
#pragma once

#include <string_view>

namespace trawl::test {

inline constexpr std::string_view kTestTokenRule = R"(
[[rules]]
id = "test-token"
description = "Test token"
regex = '''\b(tok_[a-z0-9]{20})\b'''
keywords = ["tok_"]
)";

}  // namespace trawl::test
