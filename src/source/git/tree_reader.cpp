#include "source/git/tree_reader.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <cstring>

#include "source/git/git_handles.h"
#include "source/git/loose_object.h"

namespace trawl {
namespace {

// The NUL that ends an entry's name at or after `p`, or null. Names are
// short, so one 32-byte probe usually finds it.
const char* find_nul(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  while (end - p >= 32) {
    const auto low = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), zero)));
    const auto high = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)), zero)));
    if (const unsigned mask = low | (high << 16); mask != 0) return p + __builtin_ctz(mask);
    p += 32;
  }
#endif
  return static_cast<const char*>(std::memchr(p, '\0', static_cast<std::size_t>(end - p)));
}

// The first byte at or after `p` that is not an octal digit. Modes are five
// or six digits ("40000", "100644"), found at once with a word compare.
const char* mode_end(const char* p, const char* end) {
  if constexpr (std::endian::native == std::endian::little) {
    if (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, sizeof word);
      // Zero bytes where `word` holds '0' to '7'.
      const std::uint64_t not_octal = (word & 0xf8f8f8f8f8f8f8f8ull) ^ 0x3030303030303030ull;
      if ((not_octal & 0xffffffffffffull) == 0 && p[6] == ' ') return p + 6;
      if ((not_octal & 0xffffffffffull) == 0 && p[5] == ' ') return p + 5;
    }
  }
  while (p < end && *p >= '0' && *p <= '7') ++p;
  return p;
}

// Whether the entry [p, nul) ... NUL, 20 bytes is well-formed: octal mode
// digits, a space, a name that is not empty, and a mode git knows. When it
// is, `name` is where its name starts and `tree` whether it is a tree.
bool well_formed(const char* p, const char* nul, const char* end, const char** name = nullptr, bool* tree = nullptr) {
  const char* q = mode_end(p, end);
  if (q == p || q >= nul || *q != ' ' || q + 1 == nul) return false;
  std::uint32_t mode = 0;
  for (const char* d = p; d < q; ++d) mode = mode * 8 + static_cast<std::uint32_t>(*d - '0');
  switch (mode & 0170000) {
    case 0040000:
    case 0100000:
    case 0120000:
    case 0160000:
      if (name != nullptr) *name = q + 1;
      if (tree != nullptr) *tree = (mode & 0170000) == 0040000;
      return true;
    default:
      return false;
  }
}

// Whether the entries of a tree come each before the next in git's order
// (compare_tree_entries), seen one at a time.
class OrderCheck {
 public:
  // `sorted` so far: false once an entry is out of order or malformed.
  bool sorted() const { return sorted_; }
  void malformed() { sorted_ = false; }
  void next(std::string_view name, bool tree) {
    TreeEntry entry;
    entry.name = name;
    entry.kind = tree ? EntryKind::kTree : EntryKind::kBlob;
    next(entry);
  }
  void next(const TreeEntry& entry) {
    if (entry.kind == EntryKind::kOther) sorted_ = false;
    if (sorted_ && previous_ && compare_tree_entries(*previous_, entry) >= 0) sorted_ = false;
    previous_ = entry;
  }

 private:
  std::optional<TreeEntry> previous_;
  bool sorted_ = true;
};

// The offset of the next entry after the one at `p`, or null when the bytes
// end inside it. An entry ends 20 bytes after its first NUL, well-formed or
// not; `malformed` turns true for one that is not (the checks TreeCursor
// makes, without decoding the entry). Each entry goes to `order`.
const char* next_entry(const char* p, const char* end, bool& malformed, OrderCheck& order) {
  const char* nul = find_nul(p, end);
  if (nul == nullptr || end - nul < 21) return nullptr;
  const char* name = nullptr;
  bool tree = false;
  if (!well_formed(p, nul, end, &name, &tree)) {
    malformed = true;
    order.malformed();
  } else {
    order.next(std::string_view(name, static_cast<std::size_t>(nul - name)), tree);
  }
  return nul + 21;
}

// Lists the entries of `tree` from offset `at` on into `tree.entry_offsets`;
// true when they run to its end. `synced(p)`, asked at each entry boundary p,
// may take over the rest and return true. Each entry parsed goes to `order`.
template <typename Synced>
bool list_entries(CachedTree& tree, std::size_t at, OrderCheck& order, Synced synced) {
  const std::string_view bytes = tree.view();
  const char* begin = bytes.data();
  const char* end = begin + bytes.size();
  for (const char* p = begin + at; p < end;) {
    if (synced(static_cast<std::size_t>(p - begin))) return true;
    bool malformed = false;
    const char* next = next_entry(p, end, malformed, order);
    if (next == nullptr) return false;
    tree.entry_offsets.push_back(static_cast<std::uint32_t>(p - begin));
    if (malformed) tree.malformed_offsets.push_back(static_cast<std::uint32_t>(p - begin));
    p = next;
  }
  return true;
}

// The entry that starts at `offset` of a listed tree.
TreeEntry entry_at(const CachedTree& tree, std::uint32_t offset) {
  return TreeCursor(tree.view().substr(offset)).entry();
}

// Whether the entries of `tree` from index `first` up to `last`
// (exclusive) come each before the next in git's order.
bool in_order(const CachedTree& tree, std::size_t first, std::size_t last) {
  OrderCheck order;
  for (std::size_t i = first; i < std::min(last, tree.entry_offsets.size()); ++i) {
    order.next(entry_at(tree, tree.entry_offsets[i]));
  }
  return order.sorted();
}

}  // namespace

std::optional<TreeEntry> find_entry(const CachedTree& tree, std::string_view name) {
  const std::vector<std::uint32_t>& offsets = tree.entry_offsets;
  for (const EntryKind kind : {EntryKind::kBlob, EntryKind::kTree}) {
    TreeEntry key;
    key.name = name;
    key.kind = kind;
    const auto at = std::partition_point(offsets.begin(), offsets.end(), [&](std::uint32_t offset) {
      return compare_tree_entries(entry_at(tree, offset), key) < 0;
    });
    if (at == offsets.end()) continue;
    const TreeEntry found = entry_at(tree, *at);
    if (found.name == name && (found.kind == EntryKind::kTree) == (kind == EntryKind::kTree)) return found;
  }
  return std::nullopt;
}

// Entries before the first byte that differs from `like` are the same as
// there, and once an entry starts at a place in the common tail where one
// starts in `like` too, the rest are like's, shifted: only the changed middle
// is parsed.
std::optional<std::pair<std::size_t, std::size_t>> list_tree_entries(CachedTree& tree, const CachedTree* like) {
  const std::string_view b = tree.view();
  if (like == nullptr || !like->complete) {
    // Entries of real trees take 30 bytes or more.
    tree.entry_offsets.reserve(b.size() / 30 + 1);
    OrderCheck order;
    tree.complete = list_entries(tree, 0, order, [](std::size_t) { return false; });
    tree.sorted = tree.complete && order.sorted();
    return std::nullopt;
  }
  const std::string_view a = like->view();
  const std::vector<std::uint32_t>& old = like->entry_offsets;
  const std::size_t shorter = std::min(a.size(), b.size());
  const std::size_t prefix = common_prefix(a.data(), b.data(), shorter);
  const std::size_t suffix = common_suffix(a.data() + a.size() - (shorter - prefix),
                                           b.data() + b.size() - (shorter - prefix), shorter - prefix);
  // Entries that end inside the common prefix are the same; the one holding
  // its end is parsed again.
  const auto first_parsed = std::upper_bound(old.begin(), old.end(), static_cast<std::uint32_t>(prefix));
  const auto kept = first_parsed == old.begin() ? old.begin() : first_parsed - 1;
  tree.entry_offsets.reserve(old.size() + 16);
  tree.entry_offsets.assign(old.begin(), kept);
  const std::size_t begin = kept == old.end() ? 0 : *kept;
  const std::vector<std::uint32_t>& old_malformed = like->malformed_offsets;
  tree.malformed_offsets.assign(old_malformed.begin(), std::lower_bound(old_malformed.begin(), old_malformed.end(),
                                                                        static_cast<std::uint32_t>(begin)));
  const std::size_t tail = b.size() - suffix;
  // The entries parsed here are [parsed_from, taken_from); the rest are
  // like's, in like's order. Where like is in order, only the order at and
  // around the parsed entries is new.
  const std::size_t parsed_from = tree.entry_offsets.size();
  std::size_t taken_from = std::string::npos;
  OrderCheck order;
  if (parsed_from > 0) order.next(entry_at(tree, tree.entry_offsets.back()));
  tree.complete = list_entries(tree, begin, order, [&](std::size_t p) {
    if (p < tail) return false;
    const std::size_t in_old = p - b.size() + a.size();
    const auto same = std::lower_bound(old.begin(), old.end(), static_cast<std::uint32_t>(in_old));
    if (same == old.end() || *same != in_old) return false;
    taken_from = tree.entry_offsets.size();
    for (auto it = same; it != old.end(); ++it) {
      tree.entry_offsets.push_back(static_cast<std::uint32_t>(*it - a.size() + b.size()));
    }
    for (auto it = std::lower_bound(old_malformed.begin(), old_malformed.end(), *same); it != old_malformed.end();
         ++it) {
      tree.malformed_offsets.push_back(static_cast<std::uint32_t>(*it - a.size() + b.size()));
    }
    return true;
  });
  if (taken_from < tree.entry_offsets.size()) order.next(entry_at(tree, tree.entry_offsets[taken_from]));
  // Where like is not in order, the new version may have put it right.
  tree.sorted = tree.complete && tree.malformed_offsets.empty() &&
                (like->sorted ? order.sorted() : in_order(tree, 0, tree.entry_offsets.size()));
  return std::pair{prefix, suffix};
}

std::size_t common_prefix(const char* a, const char* b, std::size_t n) {
  std::size_t at = 0;
  for (const std::size_t block : {std::size_t{4096}, std::size_t{256}}) {
    while (n - at >= block && std::memcmp(a + at, b + at, block) == 0) at += block;
  }
#if defined(__SSE2__)
  // The last few hundred bytes without a call per step.
  for (; n - at >= 16; at += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + at));
    const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + at));
    const auto differ = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, y))) ^ 0xffffu;
    if (differ != 0) return at + static_cast<std::size_t>(__builtin_ctz(differ));
  }
#endif
  while (at < n && a[at] == b[at]) ++at;
  return at;
}

std::size_t common_suffix(const char* a, const char* b, std::size_t n) {
  std::size_t matched = 0;
  for (const std::size_t block : {std::size_t{4096}, std::size_t{256}}) {
    while (n - matched >= block && std::memcmp(a + n - matched - block, b + n - matched - block, block) == 0) {
      matched += block;
    }
  }
#if defined(__SSE2__)
  for (; n - matched >= 16; matched += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + n - matched - 16));
    const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + n - matched - 16));
    const auto differ = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, y))) ^ 0xffffu;
    // The highest differing byte is the one nearest the end.
    if (differ != 0) return matched + static_cast<std::size_t>(__builtin_clz(differ) - 16);
  }
#endif
  while (matched < n && a[n - 1 - matched] == b[n - 1 - matched]) ++matched;
  return matched;
}

int compare_tree_entries(const TreeEntry& a, const TreeEntry& b) {
  const std::size_t common = std::min(a.name.size(), b.name.size());
  // A malformed tree can hold an entry with an empty name, whose data() may be
  // null: memcmp must not see it even for zero bytes.
  if (common != 0) {
    if (const int c = std::memcmp(a.name.data(), b.name.data(), common); c != 0) return c;
  }
  auto next = [common](const TreeEntry& e) -> unsigned char {
    if (e.name.size() > common) return static_cast<unsigned char>(e.name[common]);
    return e.kind == EntryKind::kTree ? '/' : '\0';
  };
  return static_cast<int>(next(a)) - static_cast<int>(next(b));
}

void TreeCursor::next() {
  valid_ = false;
  if (rest_.empty()) return;
  const char* begin = rest_.data();
  const char* end = begin + rest_.size();
  const char* nul = find_nul(begin, end);
  if (nul == nullptr || end - nul < 21) {
    malformed_ = true;
    truncated_ = true;
    rest_ = {};
    return;
  }
  std::memcpy(entry_.id.bytes.data(), nul + 1, entry_.id.bytes.size());
  const auto length = static_cast<std::size_t>(nul + 21 - begin);
  entry_.raw = rest_.substr(0, length);
  rest_.remove_prefix(length);
  valid_ = true;
  if (!well_formed(begin, nul, end)) {
    // Stepped over: what follows its first space (if any) names it for the
    // order of entries, and nothing is read from it.
    malformed_ = true;
    const auto* space = static_cast<const char*>(std::memchr(begin, ' ', static_cast<std::size_t>(nul - begin)));
    entry_.name =
        space == nullptr ? std::string_view() : std::string_view(space + 1, static_cast<std::size_t>(nul - space - 1));
    entry_.kind = EntryKind::kOther;
    return;
  }
  const char* p = begin;
  std::uint32_t mode = 0;
  while (*p != ' ') mode = mode * 8 + static_cast<std::uint32_t>(*p++ - '0');
  entry_.name = std::string_view(p + 1, static_cast<std::size_t>(nul - p - 1));
  switch (mode & 0170000) {
    case 0040000:
      entry_.kind = EntryKind::kTree;
      break;
    case 0160000:
      entry_.kind = EntryKind::kSubmodule;
      break;
    default:
      entry_.kind = EntryKind::kBlob;
      break;
  }
}

TreeReader::TreeReader(const ObjectStore& store, std::string git_dir, git_odb* odb, SkipLog& skips,
                       std::size_t cache_bytes)
    : store_(store), git_dir_(std::move(git_dir)), odb_(odb), skips_(skips), cache_(cache_bytes) {}

StoredObjectPtr TreeReader::read(const ObjectId& id) {
  return read_structured_object(store_, git_dir_, odb_, id, ObjectType::kTree, skips_);
}

void TreeReader::preload(const ObjectId& id, StoredObjectPtr object) {
  preloaded_ = std::move(object);
  get(id);
  preloaded_.reset();
}

TreeBytes TreeReader::get(const ObjectId& id, const ObjectId* like) {
  if (const TreeBytes* kept = cache_.find(id)) return *kept;
  StoredObjectPtr object = preloaded_ ? std::move(preloaded_) : read(id);
  if (!object) return nullptr;
  auto tree = std::make_shared<CachedTree>();
  tree->object = std::move(object);
  const TreeBytes* similar = like != nullptr ? cache_.find(*like) : nullptr;
  if (const auto shared = list_tree_entries(*tree, similar != nullptr ? similar->get() : nullptr)) {
    tree->shared = CachedTree::Shared{*like, shared->first, shared->second};
  }
  if (!tree->complete) {
    skips_.add_malformed(MalformedKind::kTree, id.hex(), "the last entry is cut short");
  } else if (!tree->malformed_offsets.empty()) {
    skips_.add_malformed(
        MalformedKind::kTree, id.hex(),
        std::to_string(tree->malformed_offsets.size()) + " malformed entries (an empty name, a bad mode) stepped over");
  }
  const std::size_t cost = tree->object->size + tree->entry_offsets.size() * sizeof(std::uint32_t);
  cache_.insert(id, tree, cost);
  return tree;
}

}  // namespace trawl
