// Cutting a batch for a bounded device buffer: blobs packed whole in order,
// large blobs split into pieces that carry the scan's context.
#include <gtest/gtest.h>

#include <tuple>

#include "engine/chunk_plan.h"
#include "support/planted_batch.h"

namespace trawl {
namespace {

auto fields(const ChunkSegment& s) {
  return std::make_tuple(s.blob, s.blob_offset, s.data_begin, s.data_end, s.report_begin, s.report_end);
}
using Fields = decltype(fields(ChunkSegment{}));

TEST(ChunkPlan, PacksBlobsWholeAndSplitsALargeBlobIntoPiecesWithContext) {
  BlobBatch batch;
  for (std::size_t length : {0u, 40u, 50u, 30u, 250u, 1u}) test::append_blob(batch, std::string(length, 'x'));
  const std::vector<Chunk> chunks = plan_chunks(batch, {100, 10, 3, 5});
  ASSERT_EQ(chunks.size(), 6u);
  EXPECT_EQ(fields(chunks[0].segments.at(0)), Fields(1, 0, 0, 40, 0, 40));
  EXPECT_EQ(fields(chunks[0].segments.at(1)), Fields(2, 0, 40, 90, 40, 90));
  EXPECT_EQ(chunks[0].bytes, 90u);
  EXPECT_EQ(fields(chunks[1].segments.at(0)), Fields(3, 0, 0, 30, 0, 30));
  // 92 reported bytes per piece: 100 less 3 before and 5 after.
  EXPECT_EQ(fields(chunks[2].segments.at(0)), Fields(4, 0, 0, 97, 0, 92));
  EXPECT_EQ(fields(chunks[3].segments.at(0)), Fields(4, 89, 0, 100, 3, 95));
  EXPECT_EQ(fields(chunks[4].segments.at(0)), Fields(4, 181, 0, 69, 3, 69));
  EXPECT_EQ(fields(chunks[5].segments.at(0)), Fields(5, 0, 0, 1, 0, 1));
  EXPECT_FALSE(chunks[0].holds_piece);
  EXPECT_TRUE(chunks[2].holds_piece && chunks[3].holds_piece && chunks[4].holds_piece);

  std::vector<char> copied(chunks[3].bytes);
  copy_chunk_bytes(batch, chunks[3], copied.data());
  EXPECT_EQ(std::string(copied.begin(), copied.end()), std::string(100, 'x'));
}

// The copy into a GPU's pinned buffer runs on every core in 1 MiB pieces,
// cut anywhere in a segment: it gives the one-thread copy's bytes.
TEST(ChunkPlan, TheParallelCopyGivesTheSameBytesAsTheOneThreadCopy) {
  BlobBatch batch;
  std::uint32_t seed = 7;
  auto next = [&] { return seed = seed * 1103515245u + 12345u; };
  // Small and large blobs, some larger than a chunk.
  for (int i = 0; i < 300; ++i) {
    std::string text(next() % 3 == 0 ? 1 + next() % (5u << 20) : next() % 20000, '\0');
    for (char& c : text) c = static_cast<char>('a' + next() % 26);
    test::append_blob(batch, text);
  }
  const std::vector<Chunk> chunks = plan_chunks(batch, {(6u << 20) + 12345, 4096, 64, 300});
  ASSERT_GT(chunks.size(), 10u);
  for (const Chunk& chunk : chunks) {
    std::vector<char> one(chunk.bytes, '?');
    std::vector<char> many(chunk.bytes, '!');
    copy_chunk_bytes(batch, chunk, one.data());
    copy_chunk_bytes_parallel(batch, chunk, many.data());
    ASSERT_TRUE(one == many) << "chunk of " << chunk.bytes << " bytes";
  }
}

TEST(ChunkPlan, StartsANewChunkWhenTheSegmentTableIsFull) {
  BlobBatch batch;
  for (int i = 0; i < 5; ++i) test::append_blob(batch, "ab");
  const std::vector<Chunk> chunks = plan_chunks(batch, {100, 2, 0, 0});
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[2].segments.size(), 1u);
}

TEST(ChunkPlan, RejectsABufferWithNoRoomBesideTheContext) {
  BlobBatch batch;
  EXPECT_THROW(plan_chunks(batch, {8, 4, 3, 5}), std::invalid_argument);
}

}  // namespace
}  // namespace trawl
