#include "fuzz/fuzz_targets.h"

#include <git2.h>
#include <re2/re2.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include "rules/allowlist_match.h"
#include "rules/keyword_shape.h"
#include "rules/regex_span.h"
#include "rules/rule_loader.h"
#include "source/git/commit_parser.h"
#include "source/git/git_delta.h"
#include "source/git/git_handles.h"
#include "source/git/loose_object.h"
#include "source/git/multi_pack_index.h"
#include "source/git/pack_file.h"
#include "source/git/pack_index.h"
#include "source/git/tree_diff.h"
#include "source/git/tree_reader.h"

namespace trawl::fuzz {
namespace {

CachedTree tree_of(const std::uint8_t* data, std::size_t size) {
  auto object = std::make_shared<StoredObject>();
  object->type = ObjectType::kTree;
  object->size = size;
  object->data = std::make_unique<char[]>(size);
  if (size > 0) std::memcpy(object->data.get(), data, size);
  CachedTree tree;
  tree.object = std::move(object);
  return tree;
}

ObjectId id_from(const std::uint8_t* data, std::size_t size) {
  ObjectId id;
  for (std::size_t i = 0; i < id.bytes.size() && i < size; ++i) id.bytes[i] = data[i];
  return id;
}

// Bounds that keep one input fast: every start of the text is matched from,
// and every short substring of the pattern and of a match is a keyword.
constexpr std::size_t kMaxPattern = 256;
constexpr std::size_t kMaxText = 256;
constexpr std::size_t kMaxKeyword = 8;

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Every short substring of `text`, lowercased as rule keywords are.
void add_keywords(std::string_view text, std::set<std::string>& keywords) {
  for (std::size_t at = 0; at < text.size(); ++at) {
    for (std::size_t n = 1; n <= kMaxKeyword && at + n <= text.size(); ++n) {
      keywords.insert(lowercase(text.substr(at, n)));
    }
  }
}

struct Match {
  std::size_t begin;
  std::size_t end;
  friend bool operator==(const Match&, const Match&) = default;
  friend bool operator<(const Match& a, const Match& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); }
};

// The match RE2 reports at each start of the text, with leftmost-first and
// with leftmost-longest semantics: whichever a search window starts at, the
// scanner finds one of these.
std::vector<Match> matches_of(const std::string& pattern, std::string_view text) {
  RE2::Options options;  // as the rule loader compiles a rule's regex
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  std::vector<Match> matches;
  for (const bool longest : {false, true}) {
    options.set_longest_match(longest);
    const RE2 re(pattern, options);
    if (!re.ok()) return {};
    const re2::StringPiece whole(text.data(), text.size());
    for (std::size_t start = 0; start <= text.size(); ++start) {
      re2::StringPiece m;
      if (re.Match(whole, start, text.size(), RE2::ANCHOR_START, &m, 1)) matches.push_back({start, start + m.size()});
    }
  }
  std::sort(matches.begin(), matches.end());
  matches.erase(std::unique(matches.begin(), matches.end()), matches.end());
  return matches;
}

bool equals_folded(std::string_view text, std::string_view keyword) {
  return std::equal(text.begin(), text.end(), keyword.begin(), keyword.end(), [](char t, char k) {
    return std::tolower(static_cast<unsigned char>(t)) == static_cast<unsigned char>(k);
  });
}

}  // namespace

void pack_index(const std::uint8_t* data, std::size_t size) {
  const auto index = PackIndex::parse(std::vector<unsigned char>(data, data + size));
  if (!index) return;
  for (std::uint32_t i = 0; i < index->object_count() && i < 4096; ++i) {
    const ObjectId id = index->id_at(i);
    (void)index->position_of(id);
    (void)index->offset_at(i);
  }
  (void)index->offset_of(id_from(data, size));
  (void)index->pack_order("");
}

void multi_pack_index(const std::uint8_t* data, std::size_t size) {
  const auto midx = MultiPackIndex::parse(std::vector<unsigned char>(data, data + size));
  if (!midx) return;
  (void)midx->pack_of(id_from(data, size));
  (void)midx->pack_of(ObjectId{});
}

void pack_entry_header(const std::uint8_t* data, std::size_t size) {
  const std::string_view pack(reinterpret_cast<const char*>(data), size);
  for (std::uint64_t offset = 0; offset < size && offset < 64; ++offset) (void)parse_pack_entry_header(pack, offset);
}

void delta(const std::uint8_t* data, std::size_t size) {
  // The first byte splits the input into a base and a delta.
  if (size == 0) return;
  const std::size_t base_size = std::min<std::size_t>(data[0], size - 1);
  const std::string_view base(reinterpret_cast<const char*>(data + 1), base_size);
  const std::string_view instructions(reinterpret_cast<const char*>(data + 1 + base_size), size - 1 - base_size);
  std::vector<char> out;
  (void)parse_delta_header(instructions);
  (void)apply_delta(base, instructions, out);
}

void commit(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto strict = parse_commit(bytes);
  std::string problem;
  const auto lenient = parse_commit_leniently(bytes, &problem);
  // Whatever the strict parser reads, the lenient one reads the same, and
  // calls it well-formed.
  if (strict &&
      (!lenient || !problem.empty() || lenient->tree != strict->tree || lenient->parents != strict->parents)) {
    std::abort();
  }
  if (!strict && lenient && problem.empty()) std::abort();
}

void tree_listing(const std::uint8_t* data, std::size_t size) {
  // The first two bytes split the rest into an earlier and a later tree; the
  // later one listed from the earlier must list as it does alone.
  if (size < 2) return;
  const std::size_t split = std::min<std::size_t>((std::size_t{data[0]} << 8 | data[1]), size - 2);
  CachedTree earlier = tree_of(data + 2, split);
  list_tree_entries(earlier, nullptr);
  CachedTree later = tree_of(data + 2 + split, size - 2 - split);
  list_tree_entries(later, &earlier);
  CachedTree alone = tree_of(data + 2 + split, size - 2 - split);
  list_tree_entries(alone, nullptr);
  if (later.entry_offsets != alone.entry_offsets || later.complete != alone.complete ||
      later.malformed_offsets != alone.malformed_offsets) {
    std::abort();
  }
}

void loose_object(const std::uint8_t* data, std::size_t size) {
  constexpr std::uint64_t kMaxSize = 1 << 20;
  if (size < 1) return;
  git_library_init();
  if (data[0] == 0) {
    if (size < 21) return;
    const ObjectId id = id_from(data + 1, 20);
    const LooseObject read =
        parse_loose_object(std::string_view(reinterpret_cast<const char*>(data + 21), size - 21), id, kMaxSize);
    if (read.status == LooseObject::Status::kFound &&
        (!read.object || !object_hashes_to(read.object->view(), read.object->type, id))) {
      std::abort();
    }
    return;
  }
  static constexpr const char* kTypes[] = {"commit", "tree", "blob", "tag"};
  static constexpr git_object_t kGitTypes[] = {GIT_OBJECT_COMMIT, GIT_OBJECT_TREE, GIT_OBJECT_BLOB, GIT_OBJECT_TAG};
  const std::size_t type = data[0] % 4;
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string raw = std::string(kTypes[type]) + " " + std::to_string(body.size()) + std::string(1, '\0') + body;
  uLongf compressed_size = compressBound(raw.size());
  std::string compressed(compressed_size, '\0');
  if (compress(reinterpret_cast<Bytef*>(compressed.data()), &compressed_size,
               reinterpret_cast<const Bytef*>(raw.data()), raw.size()) != Z_OK) {
    std::abort();
  }
  compressed.resize(compressed_size);
  git_oid oid;
  if (git_odb_hash(&oid, body.data(), body.size(), kGitTypes[type]) < 0) std::abort();
  const LooseObject read = parse_loose_object(compressed, to_object_id(oid), kMaxSize);
  if (read.status != LooseObject::Status::kFound || read.object->view() != body) std::abort();
  // One byte too many or too few, or another id: refused.
  if (parse_loose_object(compressed + "x", to_object_id(oid), kMaxSize).status != LooseObject::Status::kCorrupt) {
    std::abort();
  }
  if (parse_loose_object(compressed, ObjectId{}, kMaxSize).status != LooseObject::Status::kCorrupt) std::abort();
}

void tree_walk(const std::uint8_t* data, std::size_t size) {
  static const PackSet packs("/nonexistent/");
  static const ObjectStore store(packs);
  SkipLog skips;
  TreeReader reader(store, "", nullptr, skips, std::size_t{64} << 20);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<ObjectId> ids;
  for (std::size_t at = 0; ids.size() < 8 && at <= input.size();) {
    const std::size_t end = std::min(input.find("\n--\n", at), input.size());
    auto object = std::make_shared<StoredObject>();
    object->type = ObjectType::kTree;
    object->size = end - at;
    object->data = std::make_unique<char[]>(object->size + 1);
    if (object->size > 0) std::memcpy(object->data.get(), input.data() + at, object->size);
    ObjectId id;
    id.bytes[0] = static_cast<std::uint8_t>(ids.size() + 1);
    reader.preload(id, std::move(object));
    ids.push_back(id);
    at = end + 4;
  }
  TreeDiffer differ(reader, 1 << 16);
  const std::vector<ObjectId> parents(ids.begin() + 1,
                                      ids.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(ids.size(), 3)));
  (void)diff_commit(differ, ids[0], parents);
  (void)diff_commit(differ, ids[0], {});
}

void pattern_analysis(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  if (nul > kMaxPattern || size - nul - 1 > kMaxText) return;  // no NUL (npos), or too long
  const std::string pattern(input.substr(0, nul));
  const std::string_view text = input.substr(nul + 1);
  const std::vector<Match> matches = matches_of(pattern, text);
  if (matches.empty()) return;

  // The line span: no match holds more line breaks than the bound.
  if (const std::optional<unsigned> span = max_newlines_in_match(pattern)) {
    for (const Match& m : matches) {
      const auto newlines = std::count(text.begin() + static_cast<std::ptrdiff_t>(m.begin),
                                       text.begin() + static_cast<std::ptrdiff_t>(m.end), '\n');
      if (newlines > static_cast<std::ptrdiff_t>(*span)) {
        std::fprintf(stderr, "the match at [%zu, %zu) holds %td line breaks; the bound is %u\n", m.begin, m.end,
                     newlines, *span);
        std::abort();
      }
    }
  }

  // Keyword shapes: a keyword with a shape is a literal every match holds,
  // and the shape allows at least one of its occurrences in each match (the
  // one the shape was read from). Keywords with a shape are among the first
  // match's substrings; the pattern's own substrings test that no other
  // keyword gets one.
  std::set<std::string> keywords;
  add_keywords(pattern, keywords);
  add_keywords(text.substr(matches[0].begin, matches[0].end - matches[0].begin), keywords);
  for (const std::string& keyword : keywords) {
    const std::optional<KeywordShape> shape = keyword_shape(pattern, keyword);
    if (!shape) continue;
    for (const Match& m : matches) {
      bool allowed = false;
      for (std::size_t at = m.begin; at + keyword.size() <= m.end && !allowed; ++at) {
        allowed =
            equals_folded(text.substr(at, keyword.size()), keyword) && shape->allows(text, at, at + keyword.size());
      }
      if (!allowed) {
        std::fprintf(stderr, "the shape of keyword \"%s\" rejects the match at [%zu, %zu)\n", keyword.c_str(), m.begin,
                     m.end);
        std::abort();
      }
    }
  }
}

namespace {

// The directory a fuzzed rules file may extend files from, made once.
class ExtendableFiles {
 public:
  ExtendableFiles() {
    std::string pattern = (std::filesystem::temp_directory_path() / "trawl-fuzz-rules-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    dir_ = pattern;
    write("base.toml", "[[rules]]\nid = \"base\"\nregex = 'tok_[a-z0-9]{8}'\nkeywords = [\"tok_\"]\n");
    write("allow.toml", "[allowlist]\npaths = ['vendor/']\nstopwords = [\"example\"]\n");
    write("self.toml", "[extend]\npath = \"self.toml\"\n");
    write("defaults.toml", "[extend]\nuseDefault = true\ndisabledRules = [\"generic-api-key\"]\n");
    write("sub/next.toml", "[extend]\npath = \"../base.toml\"\n");
  }
  ~ExtendableFiles() {
    std::error_code error;
    std::filesystem::remove_all(dir_, error);
  }
  ExtendableFiles(const ExtendableFiles&) = delete;
  ExtendableFiles& operator=(const ExtendableFiles&) = delete;
  std::string dir() const { return dir_.string(); }

 private:
  void write(const std::string& name, const std::string& text) const {
    std::filesystem::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

}  // namespace

void rules_config(const std::uint8_t* data, std::size_t size) {
  static const ExtendableFiles files;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  RuleLoad load;
  try {
    load = load_rules_text(text, "fuzz.toml", files.dir(), files.dir());
  } catch (const ConfigError&) {
    return;
  }
  if (load.rules.rules.empty()) std::abort();  // a load with no rules is a ConfigError
  const FindingContext finding{"0123456789abcdef0123456789abcdef01234567", "vendor/a.env", "tok_12345678",
                               "key = tok_12345678", "key = tok_12345678 # example"};
  for (const Rule& rule : load.rules.rules) allowlisted(load.rules, rule, finding);
}

}  // namespace trawl::fuzz
