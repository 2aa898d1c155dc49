// Choosing the backend (--backend, --version) and moving the rest of a scan
// to the CPU when the GPU backend fails mid-scan.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "engine/backends.h"
#include "engine/prefilter.h"
#include "support/git_fixture.h"
#include "support/planted_batch.h"

namespace trawl {
namespace {

// Runs like the CPU backend but fails on its `fail_at`-th batch.
class FailingPrefilter final : public Prefilter {
 public:
  FailingPrefilter(const PrefilterTables& tables, int fail_at) : cpu_(make_cpu_prefilter(tables)), fail_at_(fail_at) {}
  std::string_view backend_name() const override { return "gpu"; }
  bool concurrent() const override { return false; }
  BatchCandidates run(const BlobBatch& batch) override {
    if (++calls_ == fail_at_) throw BackendError("out of memory");
    return cpu_->run(batch);
  }

 private:
  std::unique_ptr<Prefilter> cpu_;
  int fail_at_;
  int calls_ = 0;
};

TEST(BackendChoice, AFailingBackendHandsThatBatchAndTheRestToTheCpuOnce) {
  const KeywordAutomaton automaton(test::planted_keywords());
  std::ostringstream log;
  auto matcher = make_fallback_prefilter(std::make_unique<FailingPrefilter>(PrefilterTables{automaton}, 2),
                                         make_cpu_prefilter({automaton}), log);
  EXPECT_EQ(matcher->backend_name(), "gpu");
  auto cpu = make_cpu_prefilter({automaton});
  for (std::uint32_t seed = 1; seed <= 4; ++seed) {
    const BlobBatch batch = test::planted_batch(seed, 64, 3000);
    EXPECT_EQ(matcher->run(batch).keywords, cpu->run(batch).keywords) << "batch " << seed;
  }
  EXPECT_EQ(log.str(),
            "trawl: warning: the gpu backend failed (out of memory); matching this batch and the rest on the cpu "
            "backend\n");
  EXPECT_EQ(matcher->backend_name(), "gpu, then cpu");
}

TEST(BackendChoice, ABackendStartingOnItsOwnThreadIsWaitedForByTheFirstBatch) {
  const KeywordAutomaton automaton(test::planted_keywords());
  std::ostringstream log;
  int starts = 0;
  auto matcher = make_fallback_prefilter(make_starting_prefilter("gpu", false,
                                                                 [&] {
                                                                   ++starts;
                                                                   return make_cpu_prefilter({automaton});
                                                                 }),
                                         make_cpu_prefilter({automaton}), log);
  EXPECT_EQ(matcher->backend_name(), "gpu");
  EXPECT_FALSE(matcher->concurrent());
  auto cpu = make_cpu_prefilter({automaton});
  for (std::uint32_t seed = 1; seed <= 3; ++seed) {
    const BlobBatch batch = test::planted_batch(seed, 64, 3000);
    EXPECT_EQ(matcher->run(batch).keywords, cpu->run(batch).keywords) << "batch " << seed;
  }
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(log.str(), "");
  EXPECT_EQ(matcher->backend_name(), "gpu");
}

TEST(BackendChoice, ABackendThatCannotStartHandsEveryBatchToTheCpuWithOneWarning) {
  const KeywordAutomaton automaton(test::planted_keywords());
  auto cpu = make_cpu_prefilter({automaton});
  // A BackendError as it is; any other exception becomes one.
  const std::pair<std::function<std::unique_ptr<Prefilter>()>, std::string> failures[] = {
      {[]() -> std::unique_ptr<Prefilter> { throw BackendError("out of device memory"); }, "out of device memory"},
      {[]() -> std::unique_ptr<Prefilter> { throw std::runtime_error("no kernel image"); }, "no kernel image"},
  };
  for (const auto& [start, why] : failures) {
    std::ostringstream log;
    auto matcher =
        make_fallback_prefilter(make_starting_prefilter("gpu", false, start), make_cpu_prefilter({automaton}), log);
    for (std::uint32_t seed = 1; seed <= 3; ++seed) {
      const BlobBatch batch = test::planted_batch(seed, 64, 3000);
      EXPECT_EQ(matcher->run(batch).keywords, cpu->run(batch).keywords) << "batch " << seed;
    }
    EXPECT_EQ(log.str(), "trawl: warning: the gpu backend failed (" + why +
                             "); matching this batch and the rest on the cpu backend\n");
    EXPECT_EQ(matcher->backend_name(), "gpu, then cpu");
  }
}

TEST(BackendChoice, ABackendNeverRunIsWaitedForWhenTheScanEnds) {
  const KeywordAutomaton automaton(test::planted_keywords());
  std::atomic<bool> finished = false;
  {
    auto matcher = make_starting_prefilter("gpu", false, [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      finished = true;
      return make_cpu_prefilter({automaton});
    });
  }
  EXPECT_TRUE(finished);
}

TEST(BackendChoice, RejectsAnUnknownBackend) {
  const KeywordAutomaton automaton({"akia"});
  std::ostringstream log;
  EXPECT_THROW(make_prefilter({"opencl", {}}, {automaton}, log), BackendUnavailable);
}

bool cuda_usable(std::string* detail) {
  for (const BackendStatus& s : backend_statuses()) {
    if (s.name == "cuda") {
      *detail = s.detail;
      return s.usable;
    }
  }
  return false;
}

class BackendCli : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = std::make_unique<test::GitRepo>(dir_.path() / "repo");
    repo_->write("app.env", "TOKEN=none\n");
    repo_->commit("add env");
  }
  test::CommandResult trawl(const std::string& args) {
    return test::run_command(test::shell_quote(TRAWL_BINARY) + " " + args, dir_.path());
  }
  std::string repo() const { return test::shell_quote(repo_->path().string()); }

  test::TempDir dir_;
  std::unique_ptr<test::GitRepo> repo_;
};

TEST_F(BackendCli, AutoSaysOnStderrWhichBackendItTook) {
  std::string detail;
  const bool usable = cuda_usable(&detail);
  const test::CommandResult r = trawl("scan " + repo() + " --backend auto -l debug");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string expected =
      usable ? "trawl: backend cuda (" + detail + ")\n" : "trawl: backend cpu (no usable CUDA device: ";
  EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
}

TEST_F(BackendCli, CudaWithNoUsableDeviceExitsTwoWithTheReason) {
  std::string detail;
  if (cuda_usable(&detail)) GTEST_SKIP() << "a CUDA device is usable here: " << detail;
  const test::CommandResult r = trawl("scan " + repo() + " --backend cuda");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("trawl: error: --backend cuda: no usable CUDA device: " + detail), std::string::npos) << r.err;
}

TEST_F(BackendCli, CpuIsAlwaysAvailableAndAnUnknownBackendIsAUsageError) {
  const test::CommandResult cpu = trawl("scan " + repo() + " --backend cpu -f json -l debug");
  EXPECT_EQ(cpu.exit_code, 0) << cpu.err;
  EXPECT_NE(cpu.err.find("trawl: backend cpu\n"), std::string::npos) << cpu.err;
  EXPECT_EQ(nlohmann::json::parse(cpu.out)["scan"]["backend"], "cpu");
  EXPECT_EQ(trawl("scan " + repo() + " --backend opencl").exit_code, 2);
}

TEST_F(BackendCli, VersionSaysWhetherCudaIsCompiledInAndUsable) {
  std::string detail;
  const bool usable = cuda_usable(&detail);
  const test::CommandResult r = trawl("--version");
  EXPECT_EQ(r.exit_code, 0);
  const std::string state = !TRAWL_HAVE_CUDA ? "not compiled in" : usable ? "usable" : "compiled in, not usable";
  EXPECT_NE(r.out.find("  cuda: " + state + " (" + detail + ")\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace trawl
