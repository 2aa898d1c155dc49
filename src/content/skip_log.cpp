#include "content/skip_log.h"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace trawl {

std::string_view skip_reason_name(SkipReason reason) {
  switch (reason) {
    case SkipReason::kBinary:
      return "binary";
    case SkipReason::kTooLarge:
      return "too_large";
    case SkipReason::kLfsPointer:
      return "lfs_pointer";
    case SkipReason::kSubmodule:
      return "submodule";
    case SkipReason::kMissingObject:
      return "missing_object";
    case SkipReason::kCorruptObject:
      return "corrupt_object";
    case SkipReason::kUnreadableRef:
      return "unreadable_ref";
    case SkipReason::kUnreadablePath:
      return "unreadable_path";
    case SkipReason::kHitsTruncated:
      return "hits_truncated";
  }
  return "unknown";
}

bool is_unreadable(SkipReason reason) {
  switch (reason) {
    case SkipReason::kBinary:
    case SkipReason::kTooLarge:
    case SkipReason::kLfsPointer:
    case SkipReason::kSubmodule:
      return false;
    case SkipReason::kMissingObject:
    case SkipReason::kCorruptObject:
    case SkipReason::kUnreadableRef:
    case SkipReason::kUnreadablePath:
    case SkipReason::kHitsTruncated:
      return true;
  }
  return true;
}

std::string_view malformed_kind_name(MalformedKind kind) {
  switch (kind) {
    case MalformedKind::kCommit:
      return "commit";
    case MalformedKind::kTree:
      return "tree";
  }
  return "unknown";
}

namespace {

std::size_t kind_of(const SkippedObject& e) { return static_cast<std::size_t>(e.reason); }
std::size_t kind_of(const MalformedObject& e) { return static_cast<std::size_t>(e.kind); }

}  // namespace

template <typename Entry>
std::size_t SkipLog::ByIndex<Entry>::operator()(std::size_t i) const {
  const Entry& e = (*entries)[i];
  return std::hash<std::string_view>{}(e.id) * 31 + kind_of(e);
}

template <typename Entry>
bool SkipLog::ByIndex<Entry>::operator()(std::size_t a, std::size_t b) const {
  const Entry& x = (*entries)[a];
  const Entry& y = (*entries)[b];
  return kind_of(x) == kind_of(y) && x.id == y.id;
}

void SkipLog::add(SkipReason reason, std::string id, std::string detail) {
  std::lock_guard lock(mutex_);
  entries_.push_back({reason, std::move(id), std::move(detail)});
  if (!seen_.insert(entries_.size() - 1).second) {
    entries_.pop_back();  // met before: counted once
    return;
  }
  ++counts_[static_cast<std::size_t>(reason)];
}

std::uint64_t SkipLog::count(SkipReason reason) const {
  std::lock_guard lock(mutex_);
  return counts_[static_cast<std::size_t>(reason)];
}

std::uint64_t SkipLog::total() const {
  std::lock_guard lock(mutex_);
  return std::accumulate(counts_.begin(), counts_.end(), std::uint64_t{0});
}

std::vector<SkippedObject> SkipLog::entries() const {
  std::vector<SkippedObject> copy;
  {
    std::lock_guard lock(mutex_);
    copy = entries_;
  }
  std::sort(copy.begin(), copy.end(), [](const SkippedObject& a, const SkippedObject& b) {
    return std::tie(a.reason, a.id) < std::tie(b.reason, b.id);
  });
  return copy;
}

void SkipLog::add_malformed(MalformedKind kind, std::string id, std::string detail) {
  std::lock_guard lock(mutex_);
  malformed_.push_back({kind, std::move(id), std::move(detail)});
  if (!seen_malformed_.insert(malformed_.size() - 1).second) {
    malformed_.pop_back();  // met before: counted once
    return;
  }
  ++malformed_counts_[static_cast<std::size_t>(kind)];
}

std::uint64_t SkipLog::malformed_count(MalformedKind kind) const {
  std::lock_guard lock(mutex_);
  return malformed_counts_[static_cast<std::size_t>(kind)];
}

std::vector<MalformedObject> SkipLog::malformed_entries() const {
  std::vector<MalformedObject> copy;
  {
    std::lock_guard lock(mutex_);
    copy = malformed_;
  }
  std::sort(copy.begin(), copy.end(), [](const MalformedObject& a, const MalformedObject& b) {
    return std::tie(a.kind, a.id) < std::tie(b.kind, b.id);
  });
  return copy;
}

}  // namespace trawl
