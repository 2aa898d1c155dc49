// Report files: created before the scan (an unusable path fails at once),
// streamed into a new 0600 temporary file, and renamed over the target only
// when complete; an abandoned report leaves nothing behind.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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

std::string error_of(const std::string& path) {
  try {
    ReportOutput output(path);
  } catch (const ReportPathError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ReportOutput, RefusesAFifoADirectoryASocketAndADeviceAtThePath) {
  TempDir dir;
  const std::string fifo = (dir.path() / "planted.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0666), 0);
  // Opening a FIFO nobody reads would block: refusing it must not open it.
  EXPECT_EQ(error_of(fifo), "the report path '" + fifo +
                                "' is a FIFO; a report is only written to a new file (or to standard output with -)");
  const std::string directory = dir.path().string();
  EXPECT_EQ(error_of(directory),
            "the report path '" + directory +
                "' is a directory; a report is only written to a new file (or to standard output with -)");
  const std::string socket_path = (dir.path() / "s.sock").string();
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  ASSERT_LT(socket_path.size(), sizeof address.sun_path);
  socket_path.copy(address.sun_path, socket_path.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(error_of(socket_path),
            "the report path '" + socket_path +
                "' is a socket; a report is only written to a new file (or to standard output with -)");
  ::close(fd);
  EXPECT_EQ(error_of("/dev/null"),
            "the report path '/dev/null' is a character device; a report is only written to a new file (or to "
            "standard output with -)");
  // Nothing was created beside them.
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"planted.fifo", "s.sock"}));
}

TEST(ReportOutput, ASymlinkAtThePathIsReplacedNeverWrittenThrough) {
  TempDir dir;
  const auto fifo = dir.path() / "planted.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0666), 0);
  const auto link = dir.path() / "report.json";
  std::filesystem::create_symlink(fifo, link);
  {
    ReportOutput output(link.string());
    output.stream() << "the report\n";
    output.commit();
  }
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::symlink_status(link)));
  std::stringstream text;
  text << std::ifstream(link).rdbuf();
  EXPECT_EQ(text.str(), "the report\n");
}

}  // namespace
}  // namespace trawl::test
