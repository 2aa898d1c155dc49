// The CUDA backend on a real GPU: its prefilter against the CPU prefilter,
// candidate for candidate, and whole scans with --backend cuda and
// --backend cpu, report for report. Where no GPU is usable every test here
// skips and says why.
#include <gtest/gtest.h>

#include <string>

#include "engine/backends.h"
#include "engine/prefilter.h"
#include "engine/scanner.h"
#include "rules/rule_loader.h"
#include "support/git_fixture.h"
#include "support/planted_batch.h"

#if TRAWL_HAVE_CUDA
#include "cuda_prefilter.h"
#endif

namespace trawl {
namespace {

// Skips the calling test unless a CUDA device is usable here.
#define SKIP_WITHOUT_CUDA()                                                         \
  do {                                                                              \
    std::string reason;                                                             \
    if (!cuda_usable(&reason)) GTEST_SKIP() << "no usable CUDA device: " << reason; \
  } while (0)

bool cuda_usable(std::string* reason) {
  for (const BackendStatus& s : backend_statuses()) {
    if (s.name == "cuda") {
      *reason = s.detail;
      return s.usable;
    }
  }
  *reason = "no cuda backend";
  return false;
}

#if TRAWL_HAVE_CUDA
// Small chunks cut every batch and split the large blobs; a large chunk holds
// a whole batch.
const std::uint32_t kChunkSizes[] = {4096, 1500, 1u << 20};

TEST(CudaBackend, KeywordKernelFindsExactlyWhatTheCpuBackendFinds) {
  SKIP_WITHOUT_CUDA();
  const KeywordAutomaton automaton(test::planted_keywords());
  for (std::uint32_t chunk : kChunkSizes) {
    auto gpu = cuda::make_cuda_prefilter({automaton}, {{0}, chunk});
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      const BlobBatch batch = test::planted_batch(seed, 64, 9000);
      const std::vector<Candidate> expected = make_cpu_prefilter({automaton})->run(batch).keywords;
      ASSERT_GT(expected.size(), 100u);
      EXPECT_EQ(gpu->run(batch).keywords, expected) << "chunk " << chunk << ", seed " << seed;
    }
  }
}

TEST(CudaBackend, KeywordKernelWithTheBuiltInRulesMatchesTheCpuBackend) {
  SKIP_WITHOUT_CUDA();
  const RuleLoad rules = load_builtin_rules();
  const Scanner scanner(rules.rules);
  auto gpu = cuda::make_cuda_prefilter({scanner.automaton()}, {});
  const BlobBatch batch = test::planted_batch(11, 4096, 3u << 20);
  EXPECT_EQ(gpu->run(batch).keywords, make_cpu_prefilter({scanner.automaton()})->run(batch).keywords);
}

TEST(CudaBackend, EntropyKernelFindsExactlyWhatTheCpuScorerFinds) {
  SKIP_WITHOUT_CUDA();
  const EntropyTable table(3.0);
  const KeywordAutomaton no_keywords(std::vector<std::string>{});
  for (std::uint32_t chunk : kChunkSizes) {
    auto gpu = cuda::make_cuda_prefilter({no_keywords, &table}, {{0}, chunk});
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      const BlobBatch batch = test::planted_batch(seed, 64, 9000);
      const std::vector<TokenCandidate> expected = make_cpu_prefilter({no_keywords, &table})->run(batch).tokens;
      ASSERT_GT(expected.size(), 10u);
      EXPECT_EQ(gpu->run(batch).tokens, expected) << "chunk " << chunk << ", seed " << seed;
    }
  }
}

// Both kernels over one copy of each chunk, whose pieces carry the context
// of both (the longest keyword before, a longest token run after).
TEST(CudaBackend, PrefilterFindsTheCpuKeywordsAndTokensFromOneCopy) {
  SKIP_WITHOUT_CUDA();
  const KeywordAutomaton automaton(test::planted_keywords());
  const EntropyTable table(3.0);
  const PrefilterTables tables{automaton, &table};
  auto cpu = make_cpu_prefilter(tables);
  for (std::uint32_t chunk : kChunkSizes) {
    auto gpu = cuda::make_cuda_prefilter(tables, {{0}, chunk});
    EXPECT_FALSE(gpu->concurrent());
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      const BlobBatch batch = test::planted_batch(seed, 64, 9000);
      const BatchCandidates expected = cpu->run(batch);
      ASSERT_GT(expected.keywords.size(), 100u);
      ASSERT_GT(expected.tokens.size(), 10u);
      const BatchCandidates found = gpu->run(batch);
      EXPECT_EQ(found.keywords, expected.keywords) << "chunk " << chunk << ", seed " << seed;
      EXPECT_EQ(found.tokens, expected.tokens) << "chunk " << chunk << ", seed " << seed;
    }
  }
}

// Every byte ends two keywords: the keyword records of a chunk overflow the
// device's buffer (an eighth of the chunk's bytes), and the host step scans
// that chunk instead; the token records still come from the device.
TEST(CudaBackend, AChunkWhoseKeywordRecordsOverflowIsScannedOnTheHost) {
  SKIP_WITHOUT_CUDA();
  const KeywordAutomaton automaton({"a", "aa"});
  const EntropyTable table(3.0);
  const PrefilterTables tables{automaton, &table};
  BlobBatch batch = test::planted_batch(3, 64, 9000);
  test::append_blob(batch, std::string(20000, 'a'));
  test::append_blob(batch, " Zx9Qw2Er7Ty5Ui3OpAs1Df8Gh6Jk4Lz0 " + std::string(3000, 'A'));
  auto gpu = cuda::make_cuda_prefilter(tables, {{0}, 4096});
  const BatchCandidates expected = make_cpu_prefilter(tables)->run(batch);
  const BatchCandidates found = gpu->run(batch);
  EXPECT_EQ(found.keywords, expected.keywords);
  EXPECT_EQ(found.tokens, expected.tokens);
}
#endif

TEST(CudaBackend, ScanWithCudaWritesTheSameReportAsScanWithCpu) {
  SKIP_WITHOUT_CUDA();
  test::TempDir dir;
  test::GitRepo repo(dir.path() / "repo");
  // Secrets of several built-in rules spread over many files and commits, in
  // files large enough to span several device chunks.
  const std::string secrets[] = {"AKIAQYLPMN5HFIQR7XYZ", "ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
                                 "xoxb-123456789012-1234567890123-abcdefghijABCDEFGHIJklmn"};
  for (int commit = 0; commit < 6; ++commit) {
    for (int file = 0; file < 5; ++file) {
      std::string text;
      for (int line = 0; line < 4000; ++line) text += "line " + std::to_string(line * (commit + 1)) + " of filler\n";
      text.insert(text.size() / (file + 2), "key = \"" + secrets[(commit + file) % 3] + "\"\n");
      repo.write("dir" + std::to_string(file) + "/f" + std::to_string(commit) + ".txt", text);
    }
    repo.commit("commit " + std::to_string(commit));
  }
  auto scan = [&](const std::string& backend) {
    return test::run_command(test::shell_quote(TRAWL_BINARY) + " scan " + test::shell_quote(repo.path().string()) +
                                 " -f gitleaks --batch-size 1MiB --backend " + backend,
                             dir.path());
  };
  const test::CommandResult cuda = scan("cuda");
  const test::CommandResult cpu = scan("cpu");
  EXPECT_EQ(cpu.exit_code, 1) << cpu.err;
  EXPECT_EQ(cuda.exit_code, cpu.exit_code) << cuda.err;
  EXPECT_NE(cuda.err.find("trawl: backend cuda ("), std::string::npos) << cuda.err;
  EXPECT_EQ(cuda.out, cpu.out);
}

}  // namespace
}  // namespace trawl
