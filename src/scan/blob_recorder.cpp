#include "scan/blob_recorder.h"

#include <utility>

namespace trawl {

BlobRecorder::BlobRecorder(Record record, std::size_t max_waiting)
    : record_(std::move(record)), max_waiting_(max_waiting == 0 ? 1 : max_waiting), thread_([this] { work(); }) {}

BlobRecorder::~BlobRecorder() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    waiting_.clear();
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BlobRecorder::add(std::vector<BlobRecord> batch) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return waiting_.size() < max_waiting_ || error_ || stopping_; });
  if (error_) std::rethrow_exception(error_);
  if (stopping_ || batch.empty()) return;
  waiting_.push_back(std::move(batch));
  changed_.notify_all();
}

void BlobRecorder::finish() {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return (waiting_.empty() && !busy_) || error_; });
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(error_);
}

void BlobRecorder::work() {
  for (;;) {
    std::vector<BlobRecord> batch;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return !waiting_.empty() || stopping_; });
      if (waiting_.empty()) return;  // stopping, nothing left
      batch = std::move(waiting_.front());
      waiting_.pop_front();
      busy_ = true;
    }
    changed_.notify_all();  // room for add()
    std::exception_ptr failed;
    try {
      for (const BlobRecord& r : batch) record_(r);
    } catch (...) {
      failed = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
      if (failed) {
        error_ = failed;
        waiting_.clear();
      }
    }
    changed_.notify_all();
    if (failed) return;
  }
}

}  // namespace trawl
