#include "source/blob_reader.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include <cstring>

#include "source/git_handles.h"
#include "source/repository_pool.h"

namespace trawl {
namespace {

constexpr std::size_t kBinaryProbeBytes = 8000;  // as git's buffer_is_binary()
constexpr std::string_view kLfsPointerPrefix = "version https://git-lfs.github.com/spec/v1\n";
constexpr std::size_t kLfsPointerMaxBytes = 1024;

std::string last_git_message() {
  const git_error* err = git_error_last();
  return err != nullptr && err->message != nullptr ? err->message : "unknown error";
}

SkipReason reason_for(int code) {
  return code == GIT_ENOTFOUND ? SkipReason::kMissingObject : SkipReason::kCorruptObject;
}

git_oid to_git(const ObjectId& id) {
  git_oid oid;
  std::memcpy(oid.id, id.bytes.data(), id.bytes.size());
  return oid;
}

// Each worker's object database handle.
class OdbPool {
 public:
  explicit OdbPool(RepositoryPool& repos) : repos_(repos) {}
  git_odb* local() {
    OdbPtr& odb = handles_.local();
    if (!odb) {
      git_odb* raw = nullptr;
      git_check(git_repository_odb(&raw, repos_.local()), "opening the object database");
      odb.reset(raw);
    }
    return odb.get();
  }

 private:
  RepositoryPool& repos_;
  tbb::enumerable_thread_specific<OdbPtr> handles_;
};

struct SizedBlob {
  ObjectId id;
  std::uint64_t size;
};

}  // namespace

bool looks_binary(std::string_view bytes) {
  return std::memchr(bytes.data(), 0, std::min(bytes.size(), kBinaryProbeBytes)) != nullptr;
}

bool is_lfs_pointer(std::string_view bytes) {
  return bytes.size() <= kLfsPointerMaxBytes && bytes.starts_with(kLfsPointerPrefix);
}

void read_blobs(const std::string& git_dir, const std::vector<ObjectId>& blobs, const BlobReadOptions& options,
                SkipLog& skips, const std::function<void(BlobBatch&)>& consume) {
  RepositoryPool repos(git_dir);
  OdbPool odbs(repos);
  const int threads = options.threads == 0 ? tbb::this_task_arena::max_concurrency()
                                           : static_cast<int>(options.threads);
  tbb::task_arena arena(threads);

  // Sizes first (no inflating), so oversized blobs are never read and
  // batches can be planned.
  std::vector<std::int64_t> sizes(blobs.size(), -1);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, blobs.size(), 256),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        git_odb* odb = odbs.local();
                        for (std::size_t i = range.begin(); i != range.end(); ++i) {
                          const git_oid oid = to_git(blobs[i]);
                          std::size_t len = 0;
                          git_object_t type = GIT_OBJECT_INVALID;
                          if (const int code = git_odb_read_header(&len, &type, odb, &oid); code < 0) {
                            skips.add(reason_for(code), blobs[i].hex(), "blob: " + last_git_message());
                          } else if (type != GIT_OBJECT_BLOB) {
                            skips.add(SkipReason::kCorruptObject, blobs[i].hex(), "expected a blob");
                          } else if (len > options.max_blob_size) {
                            skips.add(SkipReason::kTooLarge, blobs[i].hex(), std::to_string(len) + " bytes");
                          } else {
                            sizes[i] = static_cast<std::int64_t>(len);
                          }
                        }
                      });
  });

  std::vector<SizedBlob> pending;
  std::uint64_t pending_bytes = 0;
  // Reading batch i+1 overlaps consuming batch i: reading alone leaves cores
  // idle while libgit2 serialises pack access.
  tbb::task_group consuming;
  std::unique_ptr<BlobBatch> in_flight;
  auto flush = [&] {
    if (pending.empty()) return;
    std::vector<OdbObjectPtr> objects(pending.size());
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, pending.size(), 16),
                        [&](const tbb::blocked_range<std::size_t>& range) {
                          git_odb* odb = odbs.local();
                          for (std::size_t i = range.begin(); i != range.end(); ++i) {
                            const git_oid oid = to_git(pending[i].id);
                            git_odb_object* raw = nullptr;
                            if (const int code = git_odb_read(&raw, odb, &oid); code < 0) {
                              skips.add(reason_for(code), pending[i].id.hex(), "blob: " + last_git_message());
                              continue;
                            }
                            OdbObjectPtr object(raw);
                            const std::string_view bytes(static_cast<const char*>(git_odb_object_data(raw)),
                                                         git_odb_object_size(raw));
                            if (looks_binary(bytes)) {
                              skips.add(SkipReason::kBinary, pending[i].id.hex());
                            } else if (is_lfs_pointer(bytes)) {
                              skips.add(SkipReason::kLfsPointer, pending[i].id.hex());
                            } else {
                              objects[i] = std::move(object);
                            }
                          }
                        });
    });

    auto batch_ptr = std::make_unique<BlobBatch>();
    BlobBatch& batch = *batch_ptr;
    std::uint64_t offset = 0;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (!objects[i]) continue;
      const std::uint64_t length = git_odb_object_size(objects[i].get());
      batch.entries.push_back({pending[i].id, offset, length});
      offset += length;
    }
    batch.arena.resize(offset);
    std::vector<std::size_t> source_of;
    source_of.reserve(batch.entries.size());
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (objects[i]) source_of.push_back(i);
    }
    arena.execute([&] {
      tbb::parallel_for(std::size_t{0}, batch.entries.size(), [&](std::size_t e) {
        const BlobEntry& entry = batch.entries[e];
        std::memcpy(batch.arena.data() + entry.offset, git_odb_object_data(objects[source_of[e]].get()),
                    static_cast<std::size_t>(entry.length));
      });
    });
    objects.clear();
    pending.clear();
    pending_bytes = 0;
    // The previous batch's consumer must finish first (batches are consumed
    // in order, one at a time); this one's then runs while the next is read.
    arena.execute([&] { consuming.wait(); });
    in_flight = std::move(batch_ptr);
    arena.execute([&] { consuming.run([&] { consume(*in_flight); }); });
  };

  for (std::size_t i = 0; i < blobs.size(); ++i) {
    if (sizes[i] < 0) continue;
    const auto size = static_cast<std::uint64_t>(sizes[i]);
    if (!pending.empty() && pending_bytes + size > options.batch_bytes) flush();
    pending.push_back({blobs[i], size});
    pending_bytes += size;
  }
  flush();
  arena.execute([&] { consuming.wait(); });
}

}  // namespace trawl
