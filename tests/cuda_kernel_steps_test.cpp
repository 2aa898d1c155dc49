// The CUDA kernels' per-thread steps, run on the host over every thread of
// every block of a launch, the way the kernels cut chunks and stage tiles,
// against the CPU prefilter on random batches: the kernels' logic, and the
// CUDA prefilter's (one copy of each chunk for both kernels, the chunks'
// records merged), is checked on machines with no GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include "engine/chunk_plan.h"
#include "engine/chunk_scan.h"
#include "engine/prefilter.h"
#include "support/planted_batch.h"

namespace trawl {
namespace {

// Calls step(tile, thread) for every thread of every block, each block
// taking tiles block, block + blocks, ... as the kernels' grid-stride loop does.
template <typename Step>
void for_each_thread(const LaunchGeometry& g, std::uint32_t chunk_bytes, Step&& step) {
  const std::uint64_t tiles = g.tile_count(chunk_bytes);
  for (std::uint32_t block = 0; block < g.blocks; ++block) {
    for (std::uint64_t tile = block; tile < tiles; tile += g.blocks) {
      for (std::uint32_t thread = 0; thread < g.threads_per_block; ++thread) step(tile, thread);
    }
  }
}

std::vector<std::uint8_t> chunk_bytes_of(const BlobBatch& batch, const Chunk& chunk) {
  std::vector<std::uint8_t> bytes(chunk.bytes + 16u, 0);  // the device buffer's padding
  copy_chunk_bytes(batch, chunk, reinterpret_cast<char*>(bytes.data()));
  return bytes;
}

// What the keyword kernel computes for one chunk (`bytes`, padded as on the
// device): each tile staged in padded rows from 16-byte vectors, each
// thread's step over the staged tile. Appends in the threads' order.
void keyword_kernel_on_chunk(const KeywordAutomaton& automaton, const Chunk& chunk,
                             const std::vector<std::uint8_t>& bytes, const LaunchGeometry& g,
                             std::vector<Candidate>& found) {
  const AcTableView table = automaton.view();
  const std::uint32_t overlap = automaton.overlap();
  const std::uint32_t lead_rows = (overlap + kStagedRowBytes - 1) / kStagedRowBytes;
  const auto segment_count = static_cast<std::uint32_t>(chunk.segments.size());
  std::vector<std::uint8_t> staged;
  std::uint64_t staged_tile = ~0ull;
  std::uint32_t origin = 0;
  for_each_thread(g, chunk.bytes, [&](std::uint64_t tile, std::uint32_t thread) {
    if (tile != staged_tile) {
      const std::uint64_t tile_begin = tile * g.tile_bytes();
      origin = static_cast<std::uint32_t>(staged_origin(tile_begin, lead_rows));
      const std::uint64_t tile_end = std::min<std::uint64_t>(tile_begin + g.tile_bytes(), chunk.bytes);
      const auto vectors = static_cast<std::uint32_t>((tile_end - origin + 15) / 16);
      staged.assign(staged_index(vectors * 16) + 16, 0xee);
      for (std::uint32_t v = 0; v < vectors; ++v)
        std::memcpy(&staged[staged_index(v * 16)], &bytes[origin + v * 16], 16);
      staged_tile = tile;
    }
    const ThreadSlice slice = thread_slice(g, tile, thread, chunk.bytes);
    scan_keywords_in_slice(table, overlap, chunk.segments.data(), segment_count, StagedBytes{staged.data(), origin},
                           slice.begin, slice.end, [&](std::uint32_t blob, std::uint32_t keyword, std::uint32_t end) {
                             found.push_back({blob, keyword, end});
                           });
  });
}

// What the entropy kernel computes for one chunk, each thread with its own
// counters, which every step leaves zeroed.
void entropy_kernel_on_chunk(const EntropyTable& table, const Chunk& chunk, const std::vector<std::uint8_t>& bytes,
                             const LaunchGeometry& g, std::vector<TokenCandidate>& found) {
  std::vector<std::uint16_t> counts(std::size_t{g.threads_per_block} * kTokenSymbols, 0);
  for_each_thread(g, chunk.bytes, [&](std::uint64_t tile, std::uint32_t thread) {
    const ThreadSlice slice = thread_slice(g, tile, thread, chunk.bytes);
    scan_tokens_in_slice(table.view(), chunk.segments.data(), static_cast<std::uint32_t>(chunk.segments.size()),
                         bytes.data(), slice.begin, slice.end, &counts[std::size_t{thread} * kTokenSymbols],
                         [&](const TokenCandidate& c) { found.push_back(c); });
  });
  EXPECT_TRUE(std::all_of(counts.begin(), counts.end(), [](std::uint16_t c) { return c == 0; }));
}

bool by_blob_keyword_end(const Candidate& a, const Candidate& b) {
  return std::tie(a.blob, a.keyword, a.end) < std::tie(b.blob, b.keyword, b.end);
}

bool by_blob_begin(const TokenCandidate& a, const TokenCandidate& b) {
  return std::tie(a.blob, a.begin) < std::tie(b.blob, b.begin);
}

// The keyword kernel alone, on chunks planned for it alone.
std::vector<Candidate> emulate_keyword_kernel(const KeywordAutomaton& automaton, const BlobBatch& batch,
                                              const LaunchGeometry& g, std::uint32_t chunk_capacity,
                                              bool* split_a_blob) {
  std::vector<Candidate> found;
  for (const Chunk& chunk : plan_chunks(batch, {chunk_capacity, chunk_capacity / 64 + 1, automaton.overlap(), 0})) {
    *split_a_blob |= chunk.holds_piece;
    keyword_kernel_on_chunk(automaton, chunk, chunk_bytes_of(batch, chunk), g, found);
  }
  std::sort(found.begin(), found.end(), by_blob_keyword_end);
  return found;
}

// The entropy kernel alone, on chunks planned for it alone.
std::vector<TokenCandidate> emulate_entropy_kernel(const EntropyTable& table, const BlobBatch& batch,
                                                   const LaunchGeometry& g, std::uint32_t chunk_capacity) {
  std::vector<TokenCandidate> found;
  for (const Chunk& chunk : plan_chunks(batch, {chunk_capacity, chunk_capacity / 64 + 1, 1, kMaxTokenLength + 1})) {
    entropy_kernel_on_chunk(table, chunk, chunk_bytes_of(batch, chunk), g, found);
  }
  std::sort(found.begin(), found.end(), by_blob_begin);
  return found;
}

// What the CUDA prefilter computes: chunks planned for both kernels
// (prefilter_chunk_limits), each copied once and scanned by the keyword
// kernel and, when tokens are asked for, the entropy kernel; each kernel's
// records sorted per chunk, as the device sorts them, and merged.
BatchCandidates emulate_prefilter(const PrefilterTables& tables, const BlobBatch& batch, const LaunchGeometry& g,
                                  std::uint32_t chunk_capacity, bool* split_a_blob) {
  const std::vector<Chunk> chunks = plan_chunks(batch, prefilter_chunk_limits(tables, chunk_capacity));
  std::vector<std::vector<Candidate>> keywords(chunks.size());
  std::vector<std::vector<TokenCandidate>> tokens(chunks.size());
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    *split_a_blob |= chunks[c].holds_piece;
    const std::vector<std::uint8_t> bytes = chunk_bytes_of(batch, chunks[c]);
    keyword_kernel_on_chunk(tables.automaton, chunks[c], bytes, g, keywords[c]);
    std::sort(keywords[c].begin(), keywords[c].end(), by_blob_keyword_end);
    if (tables.entropy != nullptr) {
      entropy_kernel_on_chunk(*tables.entropy, chunks[c], bytes, g, tokens[c]);
      std::sort(tokens[c].begin(), tokens[c].end(), by_blob_begin);
    }
  }
  return merge_chunk_candidates(chunks, keywords, tokens);
}

// What the CUDA prefilter computes when every chunk overflows its record
// buffers: the host steps over each whole chunk.
BatchCandidates host_steps_over_chunks(const PrefilterTables& tables, const BlobBatch& batch,
                                       std::uint32_t chunk_capacity) {
  const std::vector<Chunk> chunks = plan_chunks(batch, prefilter_chunk_limits(tables, chunk_capacity));
  std::vector<std::vector<Candidate>> keywords(chunks.size());
  std::vector<std::vector<TokenCandidate>> tokens(chunks.size());
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    std::vector<std::uint8_t> bytes(chunks[c].bytes);
    copy_chunk_bytes(batch, chunks[c], reinterpret_cast<char*>(bytes.data()));
    keywords[c] = scan_chunk_keywords(tables.automaton, chunks[c], bytes.data());
    if (tables.entropy != nullptr) tokens[c] = scan_chunk_tokens(*tables.entropy, chunks[c], bytes.data());
  }
  return merge_chunk_candidates(chunks, keywords, tokens);
}

// The CPU prefilter's token candidates, with no keywords to look for.
std::vector<TokenCandidate> cpu_tokens(const EntropyTable& table, const BlobBatch& batch) {
  const KeywordAutomaton no_keywords(std::vector<std::string>{});
  return make_cpu_prefilter({no_keywords, &table})->run(batch).tokens;
}

struct Launch {
  LaunchGeometry geometry;
  std::uint32_t chunk_capacity;
};

// A full-size block, a small one, and odd block counts; chunks small enough
// that batches are cut and the large blobs are split, and one that holds a
// whole batch.
const Launch kLaunches[] = {{{4, 256, 64}, 4096}, {{3, 32, 64}, 1500}, {{1, 8, 64}, 777}, {{7, 64, 64}, 1u << 20}};

TEST(CudaKernelSteps, KeywordStepsOverEveryThreadFindWhatTheCpuBackendFinds) {
  for (const std::vector<std::string>& keywords :
       {test::planted_keywords(), std::vector<std::string>{"akia", "ghp_", "k"}}) {
    const KeywordAutomaton automaton(keywords);
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      for (const Launch& launch : kLaunches) {
        const BlobBatch batch = test::planted_batch(seed, 64, 9000);
        const std::vector<Candidate> expected = make_cpu_prefilter({automaton})->run(batch).keywords;
        ASSERT_GT(expected.size(), 100u);
        bool split = false;
        EXPECT_EQ(emulate_keyword_kernel(automaton, batch, launch.geometry, launch.chunk_capacity, &split), expected)
            << "seed " << seed << ", chunk " << launch.chunk_capacity;
        EXPECT_EQ(split, launch.chunk_capacity < 9000u);
      }
    }
  }
}

TEST(CudaKernelSteps, KeywordAcrossAThreadATileAndAChunkIsReportedOnce) {
  const KeywordAutomaton automaton({"akia"});
  BlobBatch batch;
  std::string text(300, '.');
  for (std::size_t at : {62u, 126u, 254u}) text.replace(at, 4, "AkIa");  // straddles 64, 128 and 256
  test::append_blob(batch, text);
  bool split = false;
  const std::vector<Candidate> expected = {{0, 0, 66}, {0, 0, 130}, {0, 0, 258}};
  EXPECT_EQ(emulate_keyword_kernel(automaton, batch, {2, 2, 64}, 100, &split), expected);
  EXPECT_TRUE(split);
  EXPECT_EQ(make_cpu_prefilter({automaton})->run(batch).keywords, expected);
}

TEST(CudaKernelSteps, EntropyStepsOverEveryThreadFindWhatTheCpuScorerFinds) {
  for (const double threshold : {0.0, 3.0, 4.5}) {
    const EntropyTable table(threshold);
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      const BlobBatch batch = test::planted_batch(seed, 64, 9000);
      const std::vector<TokenCandidate> expected = cpu_tokens(table, batch);
      ASSERT_GT(expected.size(), 10u);
      for (const Launch& launch : kLaunches) {
        EXPECT_EQ(emulate_entropy_kernel(table, batch, launch.geometry, launch.chunk_capacity), expected)
            << "threshold " << threshold << ", seed " << seed << ", chunk " << launch.chunk_capacity;
      }
    }
  }
}

TEST(CudaKernelSteps, TokenRunAcrossAChunkCutIsScoredOnceWhole) {
  const EntropyTable table(3.0);
  BlobBatch batch;
  const std::string token = "Zx9Qw2Er7Ty5Ui3OpAs1Df8Gh6Jk4Lz0";                      // 32 distinct symbols: 5 bits
  test::append_blob(batch, std::string(730, ' ') + token + std::string(1238, ' '));  // pieces cut at 742
  const std::vector<TokenCandidate> found = emulate_entropy_kernel(table, batch, {2, 4, 64}, 1000);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].begin, 730u);
  EXPECT_EQ(found[0].length, 32u);
  EXPECT_EQ(found[0].alphabet, TokenAlphabet::kBase64);
  EXPECT_NEAR(found[0].entropy(), 5.0, 1e-9);
  EXPECT_EQ(found, cpu_tokens(table, batch));
}

// Keyword sets whose overlap is more than a staged row (99), a few bytes
// (3), and none at all, where the token scan's one byte sets the lead.
std::vector<std::vector<std::string>> keyword_sets() {
  return {test::planted_keywords(), {"akia", "ghp_", "k"}, {"k", "="}};
}

TEST(CudaKernelSteps, ChunkLimitsAreTheUnionOfBothKernelsNeeds) {
  const KeywordAutomaton planted(test::planted_keywords());
  const KeywordAutomaton single({"k"});
  const EntropyTable table(3.0);
  const ChunkLimits both = prefilter_chunk_limits({planted, &table}, 4096);
  EXPECT_EQ(both.capacity, 4096u);
  EXPECT_EQ(both.max_segments, 4096u / 64 + 1);
  EXPECT_EQ(both.lead, 99u);
  EXPECT_EQ(both.trail, kMaxTokenLength + 1);
  const ChunkLimits keywords_only = prefilter_chunk_limits({planted}, 4096);
  EXPECT_EQ(keywords_only.lead, 99u);
  EXPECT_EQ(keywords_only.trail, 0u);
  const ChunkLimits short_keywords = prefilter_chunk_limits({single, &table}, 4096);
  EXPECT_EQ(short_keywords.lead, 1u);
  EXPECT_EQ(short_keywords.trail, kMaxTokenLength + 1);
}

TEST(CudaKernelSteps, BothStepsOverOneCopyOfEachChunkFindWhatTheCpuPrefilterFinds) {
  const EntropyTable table(3.0);
  for (const std::vector<std::string>& keywords : keyword_sets()) {
    const KeywordAutomaton automaton(keywords);
    const PrefilterTables tables{automaton, &table};
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      const BlobBatch batch = test::planted_batch(seed, 64, 9000);
      const BatchCandidates expected = make_cpu_prefilter(tables)->run(batch);
      ASSERT_GT(expected.keywords.size(), 100u);
      ASSERT_GT(expected.tokens.size(), 10u);
      for (const Launch& launch : kLaunches) {
        bool split = false;
        const BatchCandidates found = emulate_prefilter(tables, batch, launch.geometry, launch.chunk_capacity, &split);
        EXPECT_EQ(found.keywords, expected.keywords)
            << keywords.size() << " keywords, seed " << seed << ", chunk " << launch.chunk_capacity;
        EXPECT_EQ(found.tokens, expected.tokens)
            << keywords.size() << " keywords, seed " << seed << ", chunk " << launch.chunk_capacity;
        EXPECT_EQ(split, launch.chunk_capacity < 9000u);
      }
    }
  }
}

TEST(CudaKernelSteps, KeywordsAloneOverChunksWithoutTokenContextFindWhatTheCpuPrefilterFinds) {
  for (const std::vector<std::string>& keywords : keyword_sets()) {
    const KeywordAutomaton automaton(keywords);
    const PrefilterTables tables{automaton};
    const BlobBatch batch = test::planted_batch(2, 64, 9000);
    const BatchCandidates expected = make_cpu_prefilter(tables)->run(batch);
    EXPECT_TRUE(expected.tokens.empty());
    for (const Launch& launch : kLaunches) {
      bool split = false;
      const BatchCandidates found = emulate_prefilter(tables, batch, launch.geometry, launch.chunk_capacity, &split);
      EXPECT_EQ(found.keywords, expected.keywords) << keywords.size() << " keywords, chunk " << launch.chunk_capacity;
      EXPECT_TRUE(found.tokens.empty());
    }
  }
}

TEST(CudaKernelSteps, HostStepsOverWholeChunksFindWhatTheCpuPrefilterFinds) {
  const EntropyTable table(3.0);
  for (const std::vector<std::string>& keywords : keyword_sets()) {
    const KeywordAutomaton automaton(keywords);
    const PrefilterTables tables{automaton, &table};
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      const BlobBatch batch = test::planted_batch(seed, 64, 9000);
      const BatchCandidates expected = make_cpu_prefilter(tables)->run(batch);
      for (const std::uint32_t capacity : {777u, 1500u, 4096u, 1u << 20}) {
        const BatchCandidates found = host_steps_over_chunks(tables, batch, capacity);
        EXPECT_EQ(found.keywords, expected.keywords) << "seed " << seed << ", chunk " << capacity;
        EXPECT_EQ(found.tokens, expected.tokens) << "seed " << seed << ", chunk " << capacity;
      }
    }
  }
}

TEST(CudaKernelSteps, KeywordAndTokenAcrossPieceCutsAreReportedOnceFromOneCopy) {
  const KeywordAutomaton automaton({"akia"});
  const EntropyTable table(3.0);
  const PrefilterTables tables{automaton, &table};
  // Chunks of 400 bytes: 3 bytes of lead and 257 of trail leave pieces
  // reporting 140 bytes each, cut at 140, 280, 420, ...
  ASSERT_EQ(prefilter_chunk_limits(tables, 400).lead, 3u);
  const std::string token = "Zx9Qw2Er7Ty5Ui3OpAs1Df8Gh6Jk4Lz0";  // 32 distinct symbols: 5 bits
  std::string text(1000, ' ');
  text.replace(138, 4, "AkIa");            // straddles the cut at 140
  text.replace(270, token.size(), token);  // straddles the cut at 280
  text.replace(419, 4, "akia");            // straddles 420
  text.replace(559, token.size(), token);  // starts one byte before the cut at 560
  BlobBatch batch;
  test::append_blob(batch, "akia " + token);  // a whole blob in a chunk of its own before the pieces
  test::append_blob(batch, text);
  const std::vector<Candidate> keywords = {{0, 0, 4}, {1, 0, 142}, {1, 0, 423}};
  bool split = false;
  const BatchCandidates found = emulate_prefilter(tables, batch, {2, 4, 64}, 400, &split);
  EXPECT_TRUE(split);
  EXPECT_EQ(found.keywords, keywords);
  ASSERT_EQ(found.tokens.size(), 3u);
  EXPECT_EQ(std::tie(found.tokens[0].blob, found.tokens[0].begin, found.tokens[0].length),
            std::make_tuple(0u, 5u, 32u));
  EXPECT_EQ(std::tie(found.tokens[1].blob, found.tokens[1].begin, found.tokens[1].length),
            std::make_tuple(1u, 270u, 32u));
  EXPECT_EQ(std::tie(found.tokens[2].blob, found.tokens[2].begin, found.tokens[2].length),
            std::make_tuple(1u, 559u, 32u));
  EXPECT_NEAR(found.tokens[1].entropy(), 5.0, 1e-9);
  const BatchCandidates expected = make_cpu_prefilter(tables)->run(batch);
  EXPECT_EQ(found.keywords, expected.keywords);
  EXPECT_EQ(found.tokens, expected.tokens);
  const BatchCandidates on_host = host_steps_over_chunks(tables, batch, 400);
  EXPECT_EQ(on_host.keywords, expected.keywords);
  EXPECT_EQ(on_host.tokens, expected.tokens);
}

}  // namespace
}  // namespace trawl
