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

void TreeCursor::next() {
  valid_ = false;
  if (rest_.empty()) return;
  const char* begin = rest_.data();
  const char* end = begin + rest_.size();
  const char* p = begin;
  std::uint32_t mode = 0;
  while (p < end && *p >= '0' && *p <= '7') mode = mode * 8 + static_cast<std::uint32_t>(*p++ - '0');
  const char* name_end = nullptr;
  if (p < end && *p == ' ') {
    ++p;
    name_end = static_cast<const char*>(std::memchr(p, '\0', static_cast<std::size_t>(end - p)));
  }
  if (name_end == nullptr || name_end == p || end - name_end < 21) {
    malformed_ = true;
    rest_ = {};
    return;
  }
  entry_.name = std::string_view(p, static_cast<std::size_t>(name_end - p));
  std::memcpy(entry_.id.bytes.data(), name_end + 1, entry_.id.bytes.size());
  switch (mode & 0170000) {
    case 0040000:
      entry_.kind = EntryKind::kTree;
      break;
    case 0100000:
    case 0120000:
      entry_.kind = EntryKind::kBlob;
      break;
    case 0160000:
      entry_.kind = EntryKind::kSubmodule;
      break;
    default:
      entry_.kind = EntryKind::kOther;
      break;
  }
  const auto length = static_cast<std::size_t>(name_end + 21 - begin);
  entry_.raw = rest_.substr(0, length);
  rest_.remove_prefix(length);
  valid_ = true;
}

TreeReader::TreeReader(git_odb* odb, SkipLog& skips, std::size_t cache_bytes)
    : odb_(odb), skips_(skips), generation_budget_(cache_bytes / 2) {}

TreeBytes TreeReader::get(const ObjectId& id) {
  if (auto it = current_.find(id); it != current_.end()) return it->second;
  TreeBytes tree;
  if (auto it = previous_.find(id); it != previous_.end()) {
    tree = it->second;
  } else {
    const git_oid oid = to_git_oid(id);
    git_odb_object* raw = nullptr;
    if (const int code = git_odb_read(&raw, odb_, &oid); code < 0) {
      skips_.add(skip_reason_for_git_error(code), id.hex(), "tree: " + last_git_error_message());
      return nullptr;
    }
    OdbObjectPtr object(raw);
    if (git_odb_object_type(raw) != GIT_OBJECT_TREE) {
      skips_.add(SkipReason::kCorruptObject, id.hex(), "tree: not a tree object");
      return nullptr;
    }
    const auto* data = static_cast<const char*>(git_odb_object_data(raw));
    auto cached = std::make_shared<CachedTree>();
    cached->bytes.assign(data, data + git_odb_object_size(raw));
    for (TreeCursor c(cached->view()); c.valid(); c.next()) {
      cached->entry_offsets.push_back(static_cast<std::uint32_t>(c.entry().raw.data() - cached->bytes.data()));
    }
    tree = std::move(cached);
  }
  // Two generations approximate LRU: a full generation becomes the previous
  // one, and what is used again is promoted back into the current one.
  const std::size_t cost = tree->bytes.size() + tree->entry_offsets.size() * sizeof(std::uint32_t);
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
