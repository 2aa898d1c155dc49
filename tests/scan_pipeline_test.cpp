// The scan pipeline under many threads: every blob a source reads is matched
// exactly once, in an intact batch, however the readers and the matchers'
// nested parallelism interleave, and a history scan's report does not
// depend on the thread count.
#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>

#include "engine/prefilter.h"
#include "engine/scanner.h"
#include "report/finding_sink.h"
#include "report/reports.h"
#include "rules/rule_loader.h"
#include "scan/blob_pipeline.h"
#include "scan/scans.h"
#include "support/git_fixture.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

constexpr int kThreads = 16;

// A source whose blobs are read by a parallel loop on many threads: blob i
// holds its own number and, every seventh blob, a token.
class ParallelSource final : public ContentSource {
 public:
  explicit ParallelSource(std::size_t blobs) : blobs_(blobs) {}
  const std::string& root() const override { return root_; }
  void list(SkipLog& /*skips*/) override {}
  const Provenance& provenance() const override { return provenance_; }
  std::uint64_t blob_count() const override { return blobs_; }
  void read(BatchOutput& out, SkipLog& /*skips*/) override {
    BatchFiller filler(out);
    tbb::parallel_for(std::size_t{0}, blobs_,
                      [&](std::size_t i) { filler.add(BlobKey::sha256_of(std::to_string(i)), contents(i)); });
    filler.finish();
  }
  static std::string contents(std::size_t i) {
    std::string text = "blob " + std::to_string(i) + "\n" + std::string(900, 'x') + "\n";
    if (i % 7 == 0) text += "key = tok_" + std::string(20 - std::to_string(i).size(), 'a') + std::to_string(i) + "\n";
    return text;
  }

 private:
  std::size_t blobs_;
  std::string root_ = ".";
  Provenance provenance_;
};

TEST(ScanPipeline, MatchesEveryBlobOnceInIntactBatchesOnSixteenThreads) {
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism, kThreads);
  const RuleLoad rules = load_rules_text(kTestTokenRule, "test");
  const Scanner scanner(rules.rules);
  const std::unique_ptr<Prefilter> prefilter = make_cpu_prefilter({scanner.automaton()});
  constexpr std::size_t kBlobs = 2400;
  ParallelSource source(kBlobs);
  SkipLog skips;
  PipelineOptions options;
  options.threads = kThreads;
  options.batch_bytes = 64 << 10;  // about 70 blobs a batch: dozens of batches

  std::map<std::string, int> seen;  // blob contents -> times matched
  std::size_t hits = 0;
  std::atomic<int> in_done{0};
  const PipelineStats stats =
      run_blob_pipeline(source, skips, scanner, *prefilter, options, [&](const BlobBatch& batch, auto& found) {
        EXPECT_EQ(++in_done, 1) << "done() ran twice at once";
        for (std::size_t b = 0; b < batch.entries.size(); ++b) {
          const std::string text(batch.bytes(b));
          // The key still names the bytes it was added with.
          EXPECT_EQ(batch.entries[b].key, BlobKey::sha256_of(text.substr(5, text.find('\n') - 5)));
          ++seen[text];
        }
        for (const BlobHits& blob : found) hits += blob.hits.size();
        --in_done;
      });
  EXPECT_EQ(stats.blobs, kBlobs);
  EXPECT_GT(stats.batches, 20u);
  ASSERT_EQ(seen.size(), kBlobs);
  for (std::size_t i = 0; i < kBlobs; ++i) EXPECT_EQ(seen[ParallelSource::contents(i)], 1) << "blob " << i;
  EXPECT_EQ(hits, (kBlobs + 6) / 7);
}

// A source that fails midway stops the pipeline and its error comes out.
class FailingSource final : public ContentSource {
 public:
  const std::string& root() const override { return root_; }
  void list(SkipLog& /*skips*/) override {}
  const Provenance& provenance() const override { return provenance_; }
  std::uint64_t blob_count() const override { return 0; }
  void read(BatchOutput& out, SkipLog& /*skips*/) override {
    BatchFiller filler(out);
    for (int i = 0; i < 200; ++i) filler.add(BlobKey::sha256_of(std::to_string(i)), std::string(4096, 'y'));
    throw std::runtime_error("source broke");
  }

 private:
  std::string root_ = ".";
  Provenance provenance_;
};

TEST(ScanPipeline, ASourceErrorStopsTheScanAndIsRethrown) {
  const RuleLoad rules = load_rules_text(kTestTokenRule, "test");
  const Scanner scanner(rules.rules);
  const std::unique_ptr<Prefilter> prefilter = make_cpu_prefilter({scanner.automaton()});
  FailingSource source;
  SkipLog skips;
  PipelineOptions options;
  options.threads = 4;
  options.batch_bytes = 64 << 10;
  EXPECT_THROW(run_blob_pipeline(source, skips, scanner, *prefilter, options, [](const BlobBatch&, auto&) {}),
               std::runtime_error);
}

// A failing consumer stops a source that is blocked handing batches over.
TEST(ScanPipeline, AConsumerErrorReleasesABlockedSource) {
  const RuleLoad rules = load_rules_text(kTestTokenRule, "test");
  const Scanner scanner(rules.rules);
  const std::unique_ptr<Prefilter> prefilter = make_cpu_prefilter({scanner.automaton()});
  ParallelSource source(5000);
  SkipLog skips;
  PipelineOptions options;
  options.threads = 2;
  options.batch_bytes = 64 << 10;
  EXPECT_THROW(run_blob_pipeline(source, skips, scanner, *prefilter, options,
                                 [](const BlobBatch&, auto&) { throw std::runtime_error("sink broke"); }),
               std::runtime_error);
}

std::string json_report(const ScanResult& result) {
  std::ostringstream out;
  ScanSummary summary;  // timings and thread-dependent counters left out
  write_report(out, ReportFormat::kJson, {result.findings, result.secrets, summary});
  return out.str();
}

TEST(ScanPipeline, HistoryReportIsTheSameOnOneAndSixteenThreads) {
  TempDir dir;
  GitRepo repo(dir.path() / "repo");
  // Enough blobs for many 64 KiB batches: 60 commits of 40 files each.
  for (int c = 0; c < 60; ++c) {
    for (int f = 0; f < 40; ++f) {
      std::string text = "commit " + std::to_string(c) + " file " + std::to_string(f) + "\n" +
                         std::string(1500, static_cast<char>('a' + (c + f) % 26)) + "\n";
      if ((c * 40 + f) % 37 == 0) {
        const std::string n = std::to_string(c * 40 + f);
        text += "token = tok_" + std::string(20 - n.size(), 'q') + n + "\n";
      }
      repo.write("dir" + std::to_string(f % 5) + "/file" + std::to_string(f) + ".txt", text);
    }
    repo.commit("commit " + std::to_string(c));
  }
  std::ofstream(repo.path() / ".trawl.toml") << kTestTokenRule;

  auto scan = [&](unsigned threads) {
    tbb::global_control control(tbb::global_control::max_allowed_parallelism, threads);
    GitScanOptions options;
    options.repo_path = repo.path().string();
    options.threads = threads;
    options.batch_bytes = 64 << 10;
    options.memory_budget = 4 << 20;
    options.backend.name = "cpu";
    std::ostringstream log;
    return scan_git_history(options, log);
  };
  const ScanResult one = scan(1);
  const ScanResult many = scan(kThreads);
  ASSERT_FALSE(one.findings.empty());
  EXPECT_EQ(one.findings.size(), 65u);
  EXPECT_EQ(json_report(one), json_report(many));
  EXPECT_EQ(one.summary.blobs_scanned, many.summary.blobs_scanned);
  EXPECT_EQ(one.summary.bytes_scanned, many.summary.bytes_scanned);
}

}  // namespace
}  // namespace trawl::test
