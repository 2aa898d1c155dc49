#include "source/git/blob_reader.h"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "source/git/git_handles.h"
#include "source/git/pack_reader.h"
#include "source/git/pack_set.h"
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

// What libgit2 not finding an object means when trawl rejected some pack:
// the object may well be in it.
std::string rejected_packs_note(const PackSet& packs) {
  std::string note;
  for (const PackSet::Problem& problem : packs.problems()) {
    note += (note.empty() ? "" : "; ") + problem.pack + ": " + problem.what;
  }
  return note;
}

// Reads `ids` through libgit2, oversized ones by their header alone. An id
// in a pack of `packs` has its delta chain checked by trawl first
// (check_for_libgit2), so libgit2 never meets a cycle or an oversized
// object there; packs trawl found damaged are not in libgit2's view.
void read_with_libgit2(const std::string& git_dir, const PackSet& packs, const std::vector<ObjectId>& ids,
                       std::uint64_t max_blob_size, SkipLog& skips,
                       const std::function<void(const ObjectId&, std::string_view)>& deliver) {
  RepositoryPool repos(git_dir, &packs);
  OdbPool odbs(repos);
  const std::string rejected = rejected_packs_note(packs);
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, ids.size(), 16), [&](const tbb::blocked_range<std::size_t>& range) {
        git_odb* odb = odbs.local();
        for (std::size_t i = range.begin(); i != range.end(); ++i) {
          const ObjectId& id = ids[i];
          if (const auto at = packs.locate(id)) {
            SkipReason reason = SkipReason::kCorruptObject;
            if (auto why = check_for_libgit2(packs[at->pack], at->entry, max_blob_size, reason)) {
              skips.add(reason, id.hex(), reason == SkipReason::kTooLarge ? *why : packs[at->pack].name + ": " + *why);
              continue;
            }
          }
          const git_oid oid = to_git_oid(id);
          std::size_t len = 0;
          git_object_t type = GIT_OBJECT_INVALID;
          if (const int code = git_odb_read_header(&len, &type, odb, &oid); code < 0) {
            if (code == GIT_ENOTFOUND && !rejected.empty()) {
              skips.add(SkipReason::kCorruptObject, id.hex(), "not in a readable pack or loose; " + rejected);
            } else {
              skips.add(skip_reason_for_git_error(code), id.hex(), "blob: " + last_git_error_message());
            }
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
  auto deliver_found = [&](const ObjectId& id, std::string_view bytes, const StageOneFound* found) {
    if (looks_binary(bytes)) {
      skips.add(SkipReason::kBinary, id.hex());
    } else if (is_lfs_pointer(bytes)) {
      skips.add(SkipReason::kLfsPointer, id.hex());
    } else {
      out.add(id, bytes, found);
    }
  };
  auto deliver = [&](const ObjectId& id, std::string_view bytes) { deliver_found(id, bytes, nullptr); };

  PackReadLimits limits;
  limits.max_blob_size = options.max_blob_size;
  limits.object_time_budget = options.object_time_budget;
  limits.matcher = options.matcher;
  BlobReadStats stats;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    std::vector<ObjectId> rest = blobs;
    if (options.source == BlobSource::kPacks) {
      PackReadStats pack_stats;
      rest = read_packed_blobs(packs, blobs, limits, skips, deliver_found, pack_stats);
      stats.from_packs = pack_stats.blobs;
    } else {
      // Objects in packs libgit2 may not read are still read, by trawl.
      std::vector<ObjectId> unsafe;
      rest.clear();
      for (const ObjectId& id : blobs) {
        const auto at = packs.locate(id);
        (at && !packs[at->pack].libgit2_safe ? unsafe : rest).push_back(id);
      }
      if (!unsafe.empty()) {
        PackReadStats pack_stats;
        for (const ObjectId& id : read_packed_blobs(packs, unsafe, limits, skips, deliver_found, pack_stats)) {
          skips.add(SkipReason::kCorruptObject, id.hex(), "in a damaged pack, and unreadable there");
        }
        stats.from_packs = pack_stats.blobs;
      }
      // Pack order still helps libgit2's delta-base cache.
      rest = order_by_pack_position(packs, rest);
    }
    stats.from_libgit2 = rest.size();
    read_with_libgit2(git_dir, packs, rest, options.max_blob_size, skips, deliver);
    out.finish();
  });
  return stats;
}

}  // namespace trawl
