// Listing a tree's entries from an earlier version of it must find exactly
// the entries a full walk finds, on well-formed trees and on damaged ones.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "source/git/tree_reader.h"

namespace trawl::test {
namespace {

CachedTree tree_of(const std::string& bytes) {
  auto object = std::make_shared<StoredObject>();
  object->type = ObjectType::kTree;
  object->size = bytes.size();
  object->data = std::make_unique<char[]>(bytes.size());
  std::memcpy(object->data.get(), bytes.data(), bytes.size());
  CachedTree tree;
  tree.object = std::move(object);
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

}  // namespace
}  // namespace trawl::test
