// The part of a Compose file (docker-compose.yml, compose.yaml) the
// container checks read: each service's `environment` and `build.args`,
// in either form Compose allows (a map `NAME: value` or a list
// `- NAME=value`, block or flow style). A small reader for that YAML
// subset, not a YAML parser: block mappings and sequences by indentation,
// comments, quoted scalars, block scalars (skipped), several documents, a
// flow collection closed on its line (`environment: {A: b}`,
// `args: [A=b]`, not nested), anchors (`&name`), aliases (`*name`) and
// merge keys (`<<: *name`, `<<: [*a, *b]`). What an alias reaches is
// reported where it is written, once however many services use it: a
// variable's blob offsets are those of its anchored definition.
// Hostile input is bounded: the tree is linear in the text, nesting deeper
// than kMaxComposeDepth is not read, and following aliases and merge keys
// stops after kMaxComposeSteps steps more than four per node (an alias
// bomb costs no more than a file of its size).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace trawl {

inline constexpr std::size_t kMaxComposeDepth = 64;
inline constexpr std::size_t kMaxComposeSteps = 1U << 16;

struct ComposeVariable {
  enum class Section { kEnvironment, kBuildArgs };
  Section section = Section::kEnvironment;
  std::string service;
  std::string name;
  std::string value;  // unquoted; empty when the entry has none
  bool has_value = false;
  // Blob offsets of the value as written, inside its quotes.
  std::size_t value_begin = 0;
  std::size_t value_end = 0;
  std::size_t entry_begin = 0;  // blob offset of the entry's name
};

std::vector<ComposeVariable> compose_variables(std::string_view text);

}  // namespace trawl
