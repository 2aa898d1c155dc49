// Report files: created before the scan (an unusable path fails at once),
// streamed into a new 0600 temporary file, and renamed over the target only
// when complete; an abandoned report leaves nothing behind.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "report/output_file.h"
#include "support/git_fixture.h"

namespace trawl::test {
namespace {

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ReportOutput, AnUnusablePathFailsWhenTheOutputIsMadeNamingIt) {
  TempDir dir;
  const std::string path = (dir.path() / "missing" / "report.json").string();
  try {
    ReportOutput output(path);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(ReportOutput, StreamsIntoAPrivateTemporaryFileRenamedWhenComplete) {
  TempDir dir;
  const auto target = dir.path() / "report.json";
  std::ofstream(target) << "old report\n";
  {
    ReportOutput output(target.string());
    for (int i = 0; i < 100000; ++i) output.stream() << "line " << i << "\n";
    // Still the old report; the new one is in one temporary file beside it.
    std::stringstream old;
    old << std::ifstream(target).rdbuf();
    EXPECT_EQ(old.str(), "old report\n");
    const auto names = names_in(dir.path());
    ASSERT_EQ(names.size(), 2u);
    EXPECT_EQ(names[1].rfind("report.json.", 0), 0u);
    struct stat st {};
    ASSERT_EQ(::stat((dir.path() / names[1]).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    output.commit();
  }
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"report.json"});
  std::ifstream in(target);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, 100000);
  struct stat st {};
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(ReportOutput, AnAbandonedReportLeavesNothingBehind) {
  TempDir dir;
  {
    ReportOutput output((dir.path() / "report.json").string());
    output.stream() << "half a report";
  }
  EXPECT_TRUE(names_in(dir.path()).empty());
}

}  // namespace
}  // namespace trawl::test
