# Script mode: writes OUTPUT, a C++ source holding each file of INPUTS as a
# byte array, so rule files with any content embed safely.
set(body "")
set(entries "")
set(index 0)
foreach(input IN LISTS INPUTS)
  get_filename_component(name "${input}" NAME)
  file(READ "${input}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(APPEND body "constexpr char kFile${index}[] = {${bytes}'\\0'};\n")
  string(APPEND entries "      {\"${name}\", std::string_view(kFile${index}, ${size})},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from patterns/*.toml by cmake/EmbedPatterns.cmake. Do not edit.
#include \"rules/builtin_rules.h\"

namespace trawl {
namespace {
${body}}  // namespace

std::span<const EmbeddedRuleFile> builtin_rule_files() {
  static const EmbeddedRuleFile files[] = {
${entries}      {\"\", std::string_view()}};
  return {files, ${index}};
}

}  // namespace trawl
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
