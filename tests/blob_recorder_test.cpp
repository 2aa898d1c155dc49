// The datastore's recorder thread: every record in order, errors handed
// back to the scan, and no hang when a scan stops early.
#include "scan/blob_recorder.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace trawl {
namespace {

BlobKey key_of(std::uint32_t n) { return BlobKey::sha256_of(std::to_string(n)); }

std::vector<BlobRecord> batch_of(std::uint32_t first, std::uint32_t count) {
  std::vector<BlobRecord> batch(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    batch[i].key = key_of(first + i);
    if ((first + i) % 3 == 0) batch[i].hits.emplace_back().secret = std::to_string(first + i);
  }
  return batch;
}

TEST(BlobRecorder, RecordsEveryBlobOfEveryBatchInTheOrderAdded) {
  std::vector<BlobKey> recorded;
  std::size_t with_hits = 0;
  BlobRecorder recorder(
      [&](const BlobRecord& r) {
        recorded.push_back(r.key);
        if (!r.hits.empty()) ++with_hits;
      },
      1);
  for (std::uint32_t b = 0; b < 50; ++b) recorder.add(batch_of(b * 10, 10));
  recorder.add({});
  recorder.finish();
  ASSERT_EQ(recorded.size(), 500u);
  for (std::uint32_t i = 0; i < 500; ++i) EXPECT_EQ(recorded[i], key_of(i)) << i;
  EXPECT_EQ(with_hits, 167u);
}

TEST(BlobRecorder, AFailureStopsRecordingAndIsThrownToTheScan) {
  std::size_t recorded = 0;
  BlobRecorder recorder([&](const BlobRecord&) {
    if (++recorded == 25) throw std::runtime_error("database or disk is full");
  });
  bool thrown = false;
  try {
    for (std::uint32_t b = 0; b < 100; ++b) recorder.add(batch_of(b * 10, 10));
    recorder.finish();
  } catch (const std::runtime_error& e) {
    thrown = true;
    EXPECT_STREQ(e.what(), "database or disk is full");
  }
  EXPECT_TRUE(thrown);
  EXPECT_EQ(recorded, 25u);
}

TEST(BlobRecorder, ARecorderLeftUnfinishedStopsWithoutRecordingTheRest) {
  std::size_t recorded = 0;
  {
    BlobRecorder recorder([&](const BlobRecord&) { ++recorded; }, 4);
    for (std::uint32_t b = 0; b < 20; ++b) recorder.add(batch_of(b * 10, 10));
  }
  EXPECT_LE(recorded, 200u);
  EXPECT_EQ(recorded % 10, 0u);  // whole batches only
}

}  // namespace
}  // namespace trawl
