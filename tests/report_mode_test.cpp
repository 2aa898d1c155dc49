// Report file permissions: 0600 unless --report-mode asks for another mode,
// which may let a group read the report but never lets every user write it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <stdexcept>

#include "report/output_file.h"
#include "support/git_fixture.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

mode_t mode_of(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

std::string error_of(const std::string& text) {
  try {
    parse_report_mode(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

TEST(ReportMode, ParsesOctalPermissionBits) {
  EXPECT_EQ(parse_report_mode("0600"), 0600u);
  EXPECT_EQ(parse_report_mode("0640"), 0640u);
  EXPECT_EQ(parse_report_mode("644"), 0644u);
  EXPECT_EQ(parse_report_mode("0660"), 0660u);
}

TEST(ReportMode, RefusesModesThatAreNotReportPermissions) {
  EXPECT_EQ(error_of("0666"), "--report-mode '0666': a report must not be writable by every user");
  EXPECT_EQ(error_of("0602"), "--report-mode '0602': a report must not be writable by every user");
  EXPECT_EQ(error_of("1640"),
            "--report-mode '1640': setuid, setgid and sticky bits are not report permissions (at most 0777)");
  EXPECT_EQ(error_of("0400"), "--report-mode '0400': the owner must be able to read and write the report");
  for (const char* text : {"", "0648", "rw-r-----", "00640", "-640", "0x1a0"}) {
    EXPECT_EQ(error_of(text),
              "--report-mode '" + std::string(text) + "': expected octal permission bits such as 0600 or 0640");
  }
}

TEST(ReportMode, AReportGetsTheModeAskedForWhateverTheUmask) {
  TempDir dir;
  const mode_t old = ::umask(077);
  {
    ReportOutput output((dir.path() / "shared.json").string(), 0640);
    output.stream() << "{}\n";
    output.commit();
  }
  {
    ReportOutput output((dir.path() / "private.json").string());
    output.stream() << "{}\n";
    output.commit();
  }
  ::umask(old);
  EXPECT_EQ(mode_of(dir.path() / "shared.json"), 0640u);
  EXPECT_EQ(mode_of(dir.path() / "private.json"), 0600u);
}

class ReportModeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "rules.toml") << kTestTokenRule;
    GitRepo repo(dir_.path() / "repo");
    repo.write("app.env", "TOKEN=tok_m1o2d3e4m5o6d7e8m9o0\n");
    repo.commit("add env");
  }
  CommandResult trawl(const std::string& args) {
    return run_command(shell_quote(TRAWL_BINARY) + " " + args + " -c rules.toml", dir_.path());
  }
  TempDir dir_;
};

TEST_F(ReportModeCli, EveryScanningCommandWritesTheReportWithTheModeAskedFor) {
  const CommandResult scan = trawl("scan repo --report-path scan.json --report-mode 0640");
  EXPECT_EQ(scan.exit_code, 1) << scan.err;
  EXPECT_EQ(mode_of(dir_.path() / "scan.json"), 0640u);
  const CommandResult dir = trawl("dir repo --report-path dir.sarif -f sarif --report-mode 644");
  EXPECT_EQ(dir.exit_code, 1) << dir.err;
  EXPECT_EQ(mode_of(dir_.path() / "dir.sarif"), 0644u);
  const CommandResult plain = trawl("scan repo --report-path plain.json");
  EXPECT_EQ(plain.exit_code, 1) << plain.err;
  EXPECT_EQ(mode_of(dir_.path() / "plain.json"), 0600u);
}

TEST_F(ReportModeCli, AWorldWritableModeIsAUsageErrorAndWritesNothing) {
  const CommandResult r = trawl("scan repo --report-path r.json --report-mode 0666");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "trawl: error: --report-mode '0666': a report must not be writable by every user\n");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "r.json"));
  const CommandResult protect = trawl("protect --staged repo --report-mode 01777");
  EXPECT_EQ(protect.exit_code, 2);
  EXPECT_NE(protect.err.find("--report-mode '01777'"), std::string::npos) << protect.err;
}

}  // namespace
}  // namespace trawl::test
