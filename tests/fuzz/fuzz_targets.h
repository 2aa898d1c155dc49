// The parsers that read untrusted bytes from a repository's object database
// and its rules file, each wrapped as a fuzz target, and what stage 2 reads
// off a rule's regex (keyword shapes, the line span of a match) checked
// against RE2 itself:
// libFuzzer drives them in a fuzzing build (TRAWL_FUZZ=ON), and the test
// suite replays the saved corpus through them on every build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace trawl::fuzz {

void pack_index(const std::uint8_t* data, std::size_t size);
void multi_pack_index(const std::uint8_t* data, std::size_t size);
void pack_entry_header(const std::uint8_t* data, std::size_t size);
void delta(const std::uint8_t* data, std::size_t size);
void commit(const std::uint8_t* data, std::size_t size);
void tree_listing(const std::uint8_t* data, std::size_t size);
// The first byte chooses: 0, the rest is a loose object file read under the
// id in its first 20 bytes (a copy read must hash to its id); else the rest
// is an object's contents, deflated here, which must read back whole.
void loose_object(const std::uint8_t* data, std::size_t size);
// Up to 8 trees separated by "\n--\n", the i-th under an id of i+1 in its
// first byte: entries that name those ids make cycles and shared subtrees.
// Tree 1's comparison with trees 2 and 3 as its parents must end, within
// its entry budget.
void tree_walk(const std::uint8_t* data, std::size_t size);
// A pattern, a NUL and a text: aborts when a keyword shape rejects the
// keyword occurrence of a match RE2 finds in the text, or when a match spans
// more lines than max_newlines_in_match allows.
void pattern_analysis(const std::uint8_t* data, std::size_t size);
// A rules file in gitleaks' TOML schema, loaded as a scanned repository's
// own (confined to a directory holding a few files it may `[extend] path`,
// one of which extends itself), then every allowlist it defines applied to
// one finding. A ConfigError is an expected outcome; anything else escaping,
// or a crash, is a bug.
void rules_config(const std::uint8_t* data, std::size_t size);

struct Target {
  std::string_view name;  // also the corpus folder's name
  void (*run)(const std::uint8_t*, std::size_t);
};
inline constexpr Target kTargets[] = {
    {"pack_index", pack_index},
    {"multi_pack_index", multi_pack_index},
    {"pack_entry_header", pack_entry_header},
    {"delta", delta},
    {"commit", commit},
    {"tree_listing", tree_listing},
    {"loose_object", loose_object},
    {"tree_walk", tree_walk},
    {"pattern_analysis", pattern_analysis},
    {"rules_config", rules_config},
};

}  // namespace trawl::fuzz
