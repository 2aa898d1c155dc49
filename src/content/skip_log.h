// Counts what a scan could not or would not read, by reason, so the summary
// and the report can say what was skipped. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace trawl {

enum class SkipReason : std::uint8_t {
  kBinary,         // a NUL byte in the first 8000 bytes, as git decides
  kTooLarge,       // over --max-blob-size
  kLfsPointer,     // a git-LFS pointer file; the content lives elsewhere
  kSubmodule,      // a gitlink tree entry; its commit is in another repository
  kMissingObject,  // absent from the object database (partial or promisor clone)
  kCorruptObject,  // present but unreadable
  kUnreadableRef,  // a ref that does not resolve to a commit
  // A file or directory on disk that could not be opened or read: its
  // permissions, a path longer than PATH_MAX, no file descriptor left.
  kUnreadablePath,
  // A blob with more distinct hits than stage 2 keeps for one blob
  // (kMaxHitsPerBlob): the first ones are reported, the rest are not.
  kHitsTruncated,
};
inline constexpr std::size_t kSkipReasonCount = 9;

// The name used in the summary and reports, e.g. "binary", "missing_object".
std::string_view skip_reason_name(SkipReason reason);

// True when the object was meant to be scanned but could not be read (it is
// missing, corrupt or unresolvable), so findings in it are unknown; false
// for what the scan's policy leaves out (binary, too large, LFS pointers,
// submodules). --fail-on-skip fails a run on the former.
bool is_unreadable(SkipReason reason);

struct SkippedObject {
  SkipReason reason;
  std::string id;      // object id (hex) or ref name
  std::string detail;  // libgit2's message or the size, for --verbose
};

// Objects read in spite of damage: not skipped (what could be read was
// scanned) but counted, so a report says the history was not what git
// writes.
enum class MalformedKind : std::uint8_t {
  kCommit,  // headers git's strict parsers refuse (no author, a date that overflows)
  kTree,    // entries that are malformed (empty name, bad mode) or cut short
};
inline constexpr std::size_t kMalformedKindCount = 2;

// "commit", "tree".
std::string_view malformed_kind_name(MalformedKind kind);

struct MalformedObject {
  MalformedKind kind;
  std::string id;      // object id (hex)
  std::string detail;  // what is wrong, for --verbose
};

// Each (reason, id) is counted once, however often it is met; so is each
// (kind, id) of malformed objects.
class SkipLog {
 public:
  void add(SkipReason reason, std::string id, std::string detail = {});
  void add_malformed(MalformedKind kind, std::string id, std::string detail = {});

  std::uint64_t count(SkipReason reason) const;
  std::uint64_t total() const;
  // Every skipped object, sorted by reason then id.
  std::vector<SkippedObject> entries() const;

  std::uint64_t malformed_count(MalformedKind kind) const;
  // Every malformed object, sorted by kind then id.
  std::vector<MalformedObject> malformed_entries() const;

 private:
  // A set of indices into a vector of entries, hashed and compared by the
  // entries' (reason or kind, id): each id is kept once, in the vector (a
  // scan can skip hundreds of thousands of binary files).
  template <typename Entry>
  struct ByIndex {
    const std::vector<Entry>* entries;
    std::size_t operator()(std::size_t i) const;
    bool operator()(std::size_t a, std::size_t b) const;
  };
  template <typename Entry>
  using IndexSet = std::unordered_set<std::size_t, ByIndex<Entry>, ByIndex<Entry>>;

  mutable std::mutex mutex_;
  std::array<std::uint64_t, kSkipReasonCount> counts_{};
  std::vector<SkippedObject> entries_;
  IndexSet<SkippedObject> seen_{16, ByIndex<SkippedObject>{&entries_}, ByIndex<SkippedObject>{&entries_}};
  std::array<std::uint64_t, kMalformedKindCount> malformed_counts_{};
  std::vector<MalformedObject> malformed_;
  IndexSet<MalformedObject> seen_malformed_{16, ByIndex<MalformedObject>{&malformed_},
                                            ByIndex<MalformedObject>{&malformed_}};
};

}  // namespace trawl
