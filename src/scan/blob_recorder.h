// Recording read blobs into a datastore on a thread of its own, so that the
// scan pipeline's in-order stage hands each batch's records over and goes
// on instead of waiting for the store's writes.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "content/blob_key.h"
#include "engine/hit.h"
#include "store/datastore.h"

namespace trawl {

// What a datastore records about one blob that was read.
struct BlobRecord {
  BlobKey key;
  BlobScanStatus status = BlobScanStatus::kScanned;
  std::vector<Hit> hits;
};

class BlobRecorder {
 public:
  using Record = std::function<void(const BlobRecord&)>;

  // `record` runs on the recorder's thread, for one record at a time, in
  // the order they were added. At most `max_waiting` batches wait for it:
  // add() blocks beyond that, so memory stays bounded when the store is
  // slower than reading.
  explicit BlobRecorder(Record record, std::size_t max_waiting = 8);
  // Stops after the batch being recorded; what still waits is dropped.
  ~BlobRecorder();
  BlobRecorder(const BlobRecorder&) = delete;
  BlobRecorder& operator=(const BlobRecorder&) = delete;

  // Queues one batch's records. Throws what `record` threw on an earlier
  // batch (nothing more is recorded after a failure).
  void add(std::vector<BlobRecord> batch);
  // Waits until every queued record is recorded and stops the thread;
  // throws what `record` threw. Called once; add() must not follow.
  void finish();

 private:
  void work();

  Record record_;
  std::size_t max_waiting_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::vector<BlobRecord>> waiting_;
  bool stopping_ = false;
  bool busy_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace trawl
