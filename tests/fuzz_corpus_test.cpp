// Replays the saved fuzzing corpus (tests/fuzz/corpus/<target>/) through
// each fuzz target, so inputs that once found a crash, and the coverage the
// fuzzer reached, are re-checked on every build without libFuzzer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz/fuzz_targets.h"

namespace trawl::fuzz {
namespace {

TEST(FuzzCorpus, EveryTargetSurvivesItsCorpus) {
  const std::filesystem::path corpus = std::filesystem::path(TRAWL_TEST_SOURCE_DIR) / "fuzz" / "corpus";
  for (const Target& target : kTargets) {
    const std::filesystem::path dir = corpus / std::string(target.name);
    ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir;
    std::size_t inputs = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      std::ifstream in(entry.path(), std::ios::binary);
      const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      target.run(bytes.data(), bytes.size());
      ++inputs;
    }
    EXPECT_GE(inputs, 10u) << target.name << ": the corpus should hold the fuzzer's reach, not a token seed";
  }
}

}  // namespace
}  // namespace trawl::fuzz
