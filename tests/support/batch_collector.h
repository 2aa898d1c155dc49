// A BatchOutput that keeps every batch a source hands over, for tests that
// read a source without the scan pipeline.
#pragma once

#include <mutex>
#include <vector>

#include "source/content_source.h"

namespace trawl::test {

class BatchCollector final : public BatchOutput {
 public:
  explicit BatchCollector(std::uint64_t batch_bytes = 1 << 16) : batch_bytes_(batch_bytes) {}
  std::uint64_t batch_bytes() const override { return batch_bytes_; }
  BlobBatch take() override { return {}; }
  void put(BlobBatch batch) override {
    std::lock_guard lock(mutex_);
    batches.push_back(std::move(batch));
  }
  std::vector<BlobBatch> batches;

 private:
  std::uint64_t batch_bytes_;
  std::mutex mutex_;
};

}  // namespace trawl::test
