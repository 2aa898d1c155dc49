#include "source/git/blob_reader.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "source/git/git_handles.h"
#include "source/git/pack_reader.h"
#include "source/git/repository_pool.h"

namespace trawl {
namespace {

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

// Reads `ids` through libgit2, oversized ones by their header alone.
void read_with_libgit2(const std::string& git_dir, const std::vector<ObjectId>& ids, std::uint64_t max_blob_size,
                       SkipLog& skips, const std::function<void(const ObjectId&, std::string_view)>& deliver) {
  RepositoryPool repos(git_dir);
  OdbPool odbs(repos);
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, ids.size(), 16), [&](const tbb::blocked_range<std::size_t>& range) {
        git_odb* odb = odbs.local();
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          const ObjectId& id = ids[i];
          const git_oid oid = to_git_oid(id);
          std::size_t len = 0;
          git_object_t type = GIT_OBJECT_INVALID;
          if (const int code = git_odb_read_header(&len, &type, odb, &oid); code < 0) {
            skips.add(skip_reason_for_git_error(code), id.hex(), "blob: " + last_git_error_message());
            continue;
          }
          if (type != GIT_OBJECT_BLOB) {
            skips.add(SkipReason::kCorruptObject, id.hex(), "expected a blob");
            continue;
          }
          if (len > max_blob_size) {
            skips.add(SkipReason::kTooLarge, id.hex(), std::to_string(len) + " bytes");
            continue;
          }
          git_odb_object* raw = nullptr;
          if (const int code = git_odb_read(&raw, odb, &oid); code < 0) {
            skips.add(skip_reason_for_git_error(code), id.hex(), "blob: " + last_git_error_message());
            continue;
          }
          OdbObjectPtr object(raw);
          deliver(id, std::string_view(static_cast<const char*>(git_odb_object_data(raw)), git_odb_object_size(raw)));
        }
      });
}

}  // namespace

BlobReadStats read_blobs(const std::string& git_dir, const PackSet& packs, const std::vector<ObjectId>& blobs,
                         const BlobReadOptions& options, SkipLog& skips, BatchFiller& out) {
  const int threads =
      options.threads == 0 ? tbb::this_task_arena::max_concurrency() : static_cast<int>(options.threads);
  auto deliver = [&](const ObjectId& id, std::string_view bytes) {
    if (looks_binary(bytes)) {
      skips.add(SkipReason::kBinary, id.hex());
    } else if (is_lfs_pointer(bytes)) {
      skips.add(SkipReason::kLfsPointer, id.hex());
    } else {
      out.add(id, bytes);
    }
  };

  BlobReadStats stats;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    std::vector<ObjectId> rest = blobs;
    if (options.source == BlobSource::kPacks) {
      PackReadStats pack_stats;
      rest = read_packed_blobs(packs, blobs, options.max_blob_size, skips, deliver, pack_stats);
      stats.from_packs = pack_stats.blobs;
    } else {
      // Pack order still helps libgit2's delta-base cache.
      rest = order_by_pack_position(packs, blobs);
    }
    stats.from_libgit2 = rest.size();
    read_with_libgit2(git_dir, rest, options.max_blob_size, skips, deliver);
    out.finish();
  });
  return stats;
}

}  // namespace trawl
