#include "source/tree_reader.h"

#include <cstring>

#include "source/git_handles.h"

namespace trawl {

int compare_tree_entries(const TreeEntry& a, const TreeEntry& b) {
  const std::size_t common = std::min(a.name.size(), b.name.size());
  if (const int c = std::memcmp(a.name.data(), b.name.data(), common); c != 0) return c;
  auto next = [common](const TreeEntry& e) -> unsigned char {
    if (e.name.size() > common) return static_cast<unsigned char>(e.name[common]);
    return e.kind == EntryKind::kTree ? '/' : '\0';
  };
  return static_cast<int>(next(a)) - static_cast<int>(next(b));
}

bool parse_tree(std::vector<char> bytes, ParsedTree& out) {
  out.bytes = std::move(bytes);
  out.entries.clear();
  const char* p = out.bytes.data();
  const char* end = p + out.bytes.size();
  while (p < end) {
    std::uint32_t mode = 0;
    while (p < end && *p >= '0' && *p <= '7') mode = mode * 8 + static_cast<std::uint32_t>(*p++ - '0');
    if (p == end || *p != ' ') return false;
    ++p;
    const char* name_end = static_cast<const char*>(std::memchr(p, '\0', static_cast<std::size_t>(end - p)));
    if (name_end == nullptr || name_end == p || end - name_end < 21) return false;
    TreeEntry entry;
    entry.name = std::string_view(p, static_cast<std::size_t>(name_end - p));
    std::memcpy(entry.id.bytes.data(), name_end + 1, entry.id.bytes.size());
    switch (mode & 0170000) {
      case 0040000:
        entry.kind = EntryKind::kTree;
        break;
      case 0100000:
      case 0120000:
        entry.kind = EntryKind::kBlob;
        break;
      case 0160000:
        entry.kind = EntryKind::kSubmodule;
        break;
      default:
        entry.kind = EntryKind::kOther;
        break;
    }
    out.entries.push_back(entry);
    p = name_end + 21;
  }
  return true;
}

TreeReader::TreeReader(git_odb* odb, SkipLog& skips, std::size_t cache_bytes)
    : odb_(odb), skips_(skips), generation_budget_(cache_bytes / 2) {}

std::shared_ptr<const ParsedTree> TreeReader::get(const ObjectId& id) {
  if (auto it = current_.find(id); it != current_.end()) return it->second;
  std::shared_ptr<const ParsedTree> tree;
  if (auto it = previous_.find(id); it != previous_.end()) {
    tree = it->second;
  } else {
    git_oid oid;
    std::memcpy(oid.id, id.bytes.data(), id.bytes.size());
    git_odb_object* raw = nullptr;
    if (const int code = git_odb_read(&raw, odb_, &oid); code < 0) {
      const git_error* err = git_error_last();
      skips_.add(code == GIT_ENOTFOUND ? SkipReason::kMissingObject : SkipReason::kCorruptObject, id.hex(),
                 std::string("tree: ") + (err != nullptr && err->message != nullptr ? err->message : "unreadable"));
      return nullptr;
    }
    OdbObjectPtr object(raw);
    const auto* data = static_cast<const char*>(git_odb_object_data(raw));
    auto parsed = std::make_shared<ParsedTree>();
    if (git_odb_object_type(raw) != GIT_OBJECT_TREE ||
        !parse_tree(std::vector<char>(data, data + git_odb_object_size(raw)), *parsed)) {
      skips_.add(SkipReason::kCorruptObject, id.hex(), "tree: malformed");
      return nullptr;
    }
    tree = std::move(parsed);
  }
  // Two generations approximate LRU: a full generation becomes the previous
  // one, and what is used again is promoted back into the current one.
  const std::size_t cost = tree->bytes.size() + tree->entries.size() * sizeof(TreeEntry);
  if (current_bytes_ + cost > generation_budget_) {
    previous_ = std::move(current_);
    current_ = Map();
    current_bytes_ = 0;
  }
  current_.emplace(id, tree);
  current_bytes_ += cost;
  return tree;
}

}  // namespace trawl
