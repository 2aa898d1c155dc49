// Listing a tree's entries from an earlier version of it must find exactly
// the entries a full walk finds, on well-formed trees and on damaged ones;
// a tree is taken as sorted, and searched by halving, only when a walk
// finds it in git's order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "source/git/object_store.h"
#include "source/git/pack_set.h"
#include "source/git/tree_diff.h"
#include "source/git/tree_reader.h"

namespace trawl::test {
namespace {

// A tree object holding `bytes`.
StoredObjectPtr stored(const std::string& bytes) {
  auto object = std::make_shared<StoredObject>();
  object->type = ObjectType::kTree;
  object->size = bytes.size();
  object->data = std::make_unique<char[]>(bytes.size());
  std::memcpy(object->data.get(), bytes.data(), bytes.size());
  return object;
}

CachedTree tree_of(const std::string& bytes) {
  CachedTree tree;
  tree.object = stored(bytes);
  return tree;
}

std::vector<std::uint32_t> cursor_offsets(std::string_view bytes) {
  std::vector<std::uint32_t> offsets;
  for (TreeCursor c(bytes); c.valid(); c.next()) {
    offsets.push_back(static_cast<std::uint32_t>(c.entry().raw.data() - bytes.data()));
  }
  return offsets;
}

std::string random_tree(std::mt19937& rng, int entries) {
  static const char* const kModes[] = {"100644", "100755", "40000", "120000", "160000", "644", ""};
  std::string bytes;
  for (int i = 0; i < entries; ++i) {
    bytes += kModes[rng() % 7];
    bytes += ' ';
    const std::size_t length = 1 + rng() % 40;
    for (std::size_t k = 0; k < length; ++k) bytes += static_cast<char>('a' + rng() % 26);
    bytes += '\0';
    for (int k = 0; k < 20; ++k) bytes += static_cast<char>(rng() % 256);  // ids hold NULs and spaces too
  }
  return bytes;
}

// A few edits: entries replaced, added or removed, or bytes damaged.
std::string edited(std::mt19937& rng, std::string bytes) {
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits; ++e) {
    const std::size_t at = bytes.empty() ? 0 : rng() % bytes.size();
    switch (rng() % 5) {
      case 0:
        bytes.insert(at, random_tree(rng, 1 + static_cast<int>(rng() % 3)));
        break;
      case 1:
        bytes.erase(at, rng() % 80);
        break;
      case 2:
        if (!bytes.empty()) bytes[at] = static_cast<char>(rng() % 256);
        break;
      case 3:
        bytes.insert(at, 1, rng() % 2 == 0 ? '\0' : ' ');
        break;
      default:
        bytes.replace(at, std::min<std::size_t>(bytes.size() - at, 30), random_tree(rng, 1));
        break;
    }
  }
  return bytes;
}

TEST(TreeListing, ListsTheEntriesATreeCursorSteps) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    const std::string bytes = round % 2 == 0 ? random_tree(rng, 30) : edited(rng, random_tree(rng, 30));
    CachedTree tree = tree_of(bytes);
    list_tree_entries(tree, nullptr);
    const std::vector<std::uint32_t> expected = cursor_offsets(bytes);
    ASSERT_EQ(tree.entry_offsets, expected) << "round " << round;
    // The malformed entries are those a cursor marks so, one at a time.
    std::vector<std::uint32_t> malformed;
    for (const std::uint32_t offset : tree.entry_offsets) {
      const TreeCursor one(std::string_view(bytes).substr(offset));
      if (one.malformed()) malformed.push_back(offset);
    }
    TreeCursor c(bytes);
    while (c.valid()) c.next();
    EXPECT_EQ(tree.malformed_offsets, malformed) << "round " << round;
    EXPECT_EQ(tree.complete, !c.truncated()) << "round " << round;
  }
}

TEST(TreeListing, ListsFromAnEarlierVersionWhatAFullListingFinds) {
  std::mt19937 rng(11);
  int taken_over = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::string before = round % 10 == 0 ? edited(rng, random_tree(rng, 40)) : random_tree(rng, 40);
    const std::string after = edited(rng, before);
    CachedTree earlier = tree_of(before);
    list_tree_entries(earlier, nullptr);
    CachedTree later = tree_of(after);
    list_tree_entries(later, &earlier);
    CachedTree full = tree_of(after);
    list_tree_entries(full, nullptr);
    ASSERT_EQ(later.entry_offsets, full.entry_offsets) << "round " << round;
    ASSERT_EQ(later.complete, full.complete) << "round " << round;
    ASSERT_EQ(later.malformed_offsets, full.malformed_offsets) << "round " << round;
    if (earlier.complete && full.complete) ++taken_over;
  }
  EXPECT_GT(taken_over, 1000);
}

TEST(TreeListing, ListsATreeLikeAnIdenticalOneOrAnEmptyOne) {
  std::mt19937 rng(3);
  const std::string bytes = random_tree(rng, 10);
  CachedTree same = tree_of(bytes);
  list_tree_entries(same, nullptr);
  CachedTree again = tree_of(bytes);
  list_tree_entries(again, &same);
  EXPECT_EQ(again.entry_offsets, same.entry_offsets);
  EXPECT_TRUE(again.complete);
  CachedTree empty = tree_of("");
  list_tree_entries(empty, nullptr);
  EXPECT_TRUE(empty.entry_offsets.empty());
  CachedTree grown = tree_of(bytes);
  list_tree_entries(grown, &empty);
  EXPECT_EQ(grown.entry_offsets, same.entry_offsets);
  CachedTree emptied = tree_of("");
  list_tree_entries(emptied, &same);
  EXPECT_TRUE(emptied.entry_offsets.empty());
  EXPECT_TRUE(emptied.complete);
}

TEST(TreeListing, FindsTheCommonPrefixAndSuffixOfTwoVersions) {
  std::mt19937 rng(19);
  for (int round = 0; round < 3000; ++round) {
    std::string a(rng() % 12000, 'x');
    for (char& c : a) c = static_cast<char>(rng() % 4);  // few values: long equal runs by chance too
    std::string b = a;
    const int changes = static_cast<int>(rng() % 3);
    for (int k = 0; k < changes && !b.empty(); ++k) b[rng() % b.size()] ^= static_cast<char>(1 + rng() % 255);
    const std::size_t n = std::min(a.size(), b.size());
    std::size_t prefix = 0;
    while (prefix < n && a[prefix] == b[prefix]) ++prefix;
    ASSERT_EQ(common_prefix(a.data(), b.data(), n), prefix) << "round " << round;
    std::size_t suffix = 0;
    while (suffix < n && a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) ++suffix;
    ASSERT_EQ(common_suffix(a.data() + a.size() - n, b.data() + b.size() - n, n), suffix) << "round " << round;
  }
}

// Names that sort around each other the way git's order makes tricky:
// "a-b" and "a.b" fall between a blob "a" and a tree "a" ("a/").
const std::vector<std::string>& tricky_names() {
  static const std::vector<std::string> names = {"a",  "a-b", "a.b", "a0", "ab",  "b",
                                                 "b-", "b.c", "bc",  "c",  "c.d", "cd"};
  return names;
}

struct Entry {
  std::string mode;
  std::string name;
};

std::string tree_bytes(const std::vector<Entry>& entries, std::mt19937& rng) {
  std::string bytes;
  for (const Entry& e : entries) {
    bytes += e.mode + ' ' + e.name + '\0';
    for (int k = 0; k < 20; ++k) bytes += static_cast<char>(rng() % 256);
  }
  return bytes;
}

// Entries of random names and kinds, in git's order with none twice.
std::vector<Entry> sorted_entries(std::mt19937& rng, int count) {
  static const char* const kModes[] = {"100644", "40000", "160000", "120000"};
  std::vector<Entry> entries;
  for (int i = 0; i < count; ++i) {
    std::string name = tricky_names()[rng() % tricky_names().size()];
    if (rng() % 3 == 0) name += static_cast<char>('a' + rng() % 3);
    entries.push_back({kModes[rng() % 4], name});
  }
  auto as_entry = [](const Entry& e) {
    TreeEntry t;
    t.name = e.name;
    t.kind = e.mode == "40000" ? EntryKind::kTree : EntryKind::kBlob;
    return t;
  };
  std::sort(entries.begin(), entries.end(),
            [&](const Entry& a, const Entry& b) { return compare_tree_entries(as_entry(a), as_entry(b)) < 0; });
  entries.erase(
      std::unique(entries.begin(), entries.end(),
                  [&](const Entry& a, const Entry& b) { return compare_tree_entries(as_entry(a), as_entry(b)) == 0; }),
      entries.end());
  return entries;
}

// What a walk from the start says: complete, nothing malformed, and each
// entry before the next in git's order.
bool walk_finds_sorted(std::string_view bytes) {
  std::optional<TreeEntry> previous;
  TreeCursor c(bytes);
  for (; c.valid(); c.next()) {
    if (previous && compare_tree_entries(*previous, c.entry()) >= 0) return false;
    previous = c.entry();
  }
  return !c.malformed();
}

// A tree of random entries: in order, shuffled a little, or damaged.
std::string some_tree(std::mt19937& rng) {
  std::vector<Entry> entries = sorted_entries(rng, 1 + static_cast<int>(rng() % 30));
  const auto kind = rng() % 6;
  if (kind == 0 && entries.size() > 1) std::swap(entries[rng() % entries.size()], entries[rng() % entries.size()]);
  if (kind == 1 && !entries.empty()) entries.push_back(entries[rng() % entries.size()]);  // an entry twice
  std::string bytes = tree_bytes(entries, rng);
  if (kind == 2) bytes = edited(rng, bytes);
  return bytes;
}

TEST(TreeListing, TakesATreeAsSortedExactlyWhenAWalkFindsItInGitsOrder) {
  std::mt19937 rng(23);
  int sorted = 0;
  int unsorted = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::string before = some_tree(rng);
    // The next version: another tree, or this one with an entry changed,
    // added or removed (shared bytes at both ends, as versions have).
    std::string after;
    if (rng() % 2 == 0) {
      after = some_tree(rng);
    } else {
      after = before;
      const std::size_t at = after.empty() ? 0 : rng() % after.size();
      if (rng() % 2 == 0) {
        after.insert(at, tree_bytes(sorted_entries(rng, 1), rng));
      } else {
        after.erase(at, rng() % 60);
      }
    }
    CachedTree earlier = tree_of(before);
    list_tree_entries(earlier, nullptr);
    ASSERT_EQ(earlier.sorted, walk_finds_sorted(before)) << "round " << round;
    CachedTree later = tree_of(after);
    list_tree_entries(later, &earlier);
    CachedTree full = tree_of(after);
    list_tree_entries(full, nullptr);
    ASSERT_EQ(full.sorted, walk_finds_sorted(after)) << "round " << round;
    ASSERT_EQ(later.sorted, full.sorted) << "round " << round;
    (full.sorted ? sorted : unsorted) += 1;
  }
  EXPECT_GT(sorted, 2000);
  EXPECT_GT(unsorted, 2000);
}

TEST(TreeListing, FindsAnEntryOfASortedTreeAsAWalkFromTheStartDoes) {
  std::mt19937 rng(29);
  for (int round = 0; round < 5000; ++round) {
    const std::string bytes = tree_bytes(sorted_entries(rng, 1 + static_cast<int>(rng() % 30)), rng);
    CachedTree tree = tree_of(bytes);
    list_tree_entries(tree, nullptr);
    ASSERT_TRUE(tree.sorted);
    std::set<std::string> names(tricky_names().begin(), tricky_names().end());
    for (TreeCursor c(bytes); c.valid(); c.next()) names.emplace(c.entry().name);
    names.insert({"", "a/", "zz"});
    for (const std::string& name : names) {
      std::optional<TreeEntry> first;
      for (TreeCursor c(bytes); c.valid() && !first; c.next()) {
        if (c.entry().name == name) first = c.entry();
      }
      const std::optional<TreeEntry> found = find_entry(tree, name);
      ASSERT_EQ(found.has_value(), first.has_value()) << "round " << round << " name " << name;
      if (found) {
        EXPECT_EQ(found->raw, first->raw) << "round " << round << " name " << name;
        EXPECT_EQ(found->kind, first->kind);
      }
    }
  }
}

ObjectId id_of(std::uint32_t n) {
  ObjectId id;
  for (std::size_t k = 0; k < 4; ++k) id.bytes[k] = static_cast<unsigned char>(n >> (8 * k));
  id.bytes[19] = 1;
  return id;
}

// A tree's bytes with its tree entries pointing at `subtree` and its other
// entries at ids no tree has.
std::string tree_with_ids(const std::vector<Entry>& entries, const ObjectId& subtree, std::uint32_t& next_id) {
  std::string bytes;
  for (const Entry& e : entries) {
    bytes += e.mode + ' ' + e.name + '\0';
    const ObjectId id = e.mode == "40000" ? subtree : id_of(next_id++);
    bytes.append(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
  }
  return bytes;
}

// What a parent's tree holds at each path, found the way git looks a path
// up: in each tree, the first entry of the next name decides.
std::vector<std::pair<std::uint32_t, ObjectId>> looked_up(const std::map<ObjectId, std::string>& trees,
                                                          const ObjectId& root, const std::vector<std::string>& paths) {
  std::vector<std::pair<std::uint32_t, ObjectId>> held;
  for (std::uint32_t i = 0; i < paths.size(); ++i) {
    ObjectId tree = root;
    std::string_view rest = paths[i];
    while (true) {
      const std::size_t slash = rest.find('/');
      const std::string_view name = rest.substr(0, slash);
      auto bytes = trees.find(tree);
      if (bytes == trees.end()) break;
      std::optional<TreeEntry> first;
      for (TreeCursor c(bytes->second); c.valid() && !first; c.next()) {
        if (c.entry().name == name) first = c.entry();
      }
      if (!first) break;
      if (slash == std::string_view::npos) {
        if (first->kind == EntryKind::kBlob) held.emplace_back(i, first->id);
        break;
      }
      if (first->kind != EntryKind::kTree) break;
      tree = first->id;
      rest.remove_prefix(slash + 1);
    }
  }
  return held;
}

// TreeDiffer::blobs_at looks names up by halving in sorted trees and walks
// the others: either way it finds what git's lookup finds, in trees whose
// names sort around each other as git's order makes tricky, in order or
// not, damaged or not.
TEST(TreeListing, BlobsAtFindsWhatLookingEachPathUpFromTheStartFinds) {
  const PackSet packs("no-such-repository");
  const ObjectStore store(packs);
  SkipLog skips;
  std::mt19937 rng(31);
  int sorted_roots = 0;
  for (int round = 0; round < 3000; ++round) {
    TreeReader reader(store, "no-such-repository/", nullptr, skips, std::size_t{1} << 20);
    TreeDiffer differ(reader);
    std::uint32_t next_id = 1000;
    // A subtree every tree entry of the root points at, and the root.
    std::map<ObjectId, std::string> trees;
    const ObjectId sub = id_of(1);
    const ObjectId root = id_of(2);
    const std::vector<Entry> sub_entries = sorted_entries(rng, 1 + static_cast<int>(rng() % 12));
    std::vector<Entry> leaf_entries;
    for (const Entry& e : sub_entries) {
      if (e.mode != "40000") leaf_entries.push_back(e);  // the subtree holds no trees
    }
    trees[sub] = tree_with_ids(leaf_entries, sub, next_id);
    std::vector<Entry> root_entries = sorted_entries(rng, 1 + static_cast<int>(rng() % 20));
    const auto kind = rng() % 4;
    if (kind == 0 && root_entries.size() > 1) {
      std::swap(root_entries[rng() % root_entries.size()], root_entries[rng() % root_entries.size()]);
    }
    if (kind == 1 && !root_entries.empty()) root_entries.push_back(root_entries[rng() % root_entries.size()]);
    trees[root] = tree_with_ids(root_entries, sub, next_id);
    if (kind == 2) trees[root] = edited(rng, trees[root]);
    for (const auto& [id, bytes] : trees) reader.preload(id, stored(bytes));
    sorted_roots += reader.get(root)->sorted ? 1 : 0;

    std::vector<std::string> paths;
    for (int k = 0; k < 12; ++k) {
      std::string path = tricky_names()[rng() % tricky_names().size()];
      if (rng() % 2 == 0) path += "/" + tricky_names()[rng() % tricky_names().size()];
      paths.push_back(path);
    }
    std::vector<std::string_view> views(paths.begin(), paths.end());
    const PathTrie trie(views);
    std::vector<HeldBlob> held;
    differ.start_budget(root);
    differ.blobs_at(root, trie, 1, held);
    std::vector<std::pair<std::uint32_t, ObjectId>> found;
    for (const HeldBlob& h : held) {
      EXPECT_EQ(h.parent, 1u);
      found.emplace_back(h.change, h.blob);
    }
    std::sort(found.begin(), found.end());
    ASSERT_EQ(found, looked_up(trees, root, paths)) << "round " << round;
  }
  EXPECT_GT(sorted_roots, 500);
}

}  // namespace
}  // namespace trawl::test
