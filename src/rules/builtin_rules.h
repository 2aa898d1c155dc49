// The rule files under patterns/, compiled into the binary at build time.
#pragma once

#include <span>
#include <string_view>

namespace trawl {

struct EmbeddedRuleFile {
  std::string_view name;  // file name, e.g. "aws.toml"
  std::string_view text;
};

// Every embedded rule file, sorted by name. Defined in generated code.
std::span<const EmbeddedRuleFile> builtin_rule_files();

}  // namespace trawl
