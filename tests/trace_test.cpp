// A secret's story on a history the test builds: renamed and copied files
// that are moves, not introductions; removals with their authors, oldest
// first; the timeline in every report format; and `trawl trace`, whose
// findings and timeline are the full scan's for the value traced.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "content/sha256.h"
#include "scan/scans.h"
#include "support/git_fixture.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

const std::string kSecret = "tok_m1o2v3e4d5s6e7c8r9t0";  // added, renamed, copied, edited into a copy, removed
const std::string kOther = "tok_o1t2h3e4r5v6a7l8u9e0";   // another secret, which a trace leaves out
constexpr const char* kRedactKey = "trace-test-key";

class Moves : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "rules.toml") << kTestTokenRule;
    repo_ = std::make_unique<GitRepo>(dir_.path() / "repo");
    GitRepo& r = *repo_;
    const std::string env = "# app\nTOKEN=" + kSecret + "\n";
    r.write("a.env", env);
    r.write("other.txt", "x = " + kOther + "\n");
    c1_ = r.commit("add a.env");
    r.git("mv a.env b.env");
    c2_ = r.commit("rename a.env to b.env");
    r.write("c.env", env);
    c3_ = r.commit("copy b.env to c.env");
    r.write("d.env", env + "MORE=1\n");
    c4_ = r.commit("copy with a change");
    r.remove("b.env");
    c5_ = r.commit("drop b.env");
    r.git("rm -q c.env");
    r.git("commit -q -m drop-c --author='Bo Remover <bo@example.com>'");
    c6_ = r.head();
  }

  ScanResult scan() {
    GitScanOptions options;
    options.repo_path = repo_->path().string();
    options.config_path = rules_path();
    std::ostringstream log;
    return scan_git_history(options, log);
  }

  std::string rules_path() const { return (dir_.path() / "rules.toml").string(); }

  CommandResult trawl(const std::string& command, const std::string& args, const std::string& stdin_text = "") {
    // A fixed key for redacted reports' keyed digests, so the tests know them.
    std::string line = "TRAWL_REDACT_KEY=" + std::string(kRedactKey) + " " + shell_quote(TRAWL_BINARY) + " " + command +
                       " -c " + shell_quote(rules_path()) + " " + args;
    if (!stdin_text.empty()) line = "printf %s " + shell_quote(stdin_text) + " | " + line;
    return run_command(line, dir_.path());
  }

  std::string repo() const { return shell_quote(repo_->path().string()); }

  TempDir dir_;
  std::unique_ptr<GitRepo> repo_;
  std::string c1_, c2_, c3_, c4_, c5_, c6_;
};

const SecretTimeline& timeline_of(const ScanResult& result, const std::string& secret) {
  auto it = std::find_if(result.secrets.begin(), result.secrets.end(),
                         [&](const SecretTimeline& t) { return t.secret == secret; });
  if (it == result.secrets.end()) throw std::runtime_error("no timeline for a secret");
  return *it;
}

TEST_F(Moves, ARenamedOrCopiedFileIsAMoveAndAChangedCopyAnIntroduction) {
  const ScanResult result = scan();
  std::vector<std::tuple<std::string, std::string, std::uint32_t, std::string>> found;
  for (const Finding& f : result.findings) found.emplace_back(f.commit_hex(), f.path, f.start_line, f.secret);
  EXPECT_EQ(found,
            (decltype(found){{c1_, "a.env", 2, kSecret}, {c1_, "other.txt", 1, kOther}, {c4_, "d.env", 2, kSecret}}));

  const SecretTimeline& t = timeline_of(result, kSecret);
  ASSERT_EQ(t.introduced.size(), 2u);
  EXPECT_EQ(t.introduced[0].path, "a.env");
  EXPECT_EQ(t.introduced[1].path, "d.env");
  ASSERT_EQ(t.moved.size(), 2u);
  EXPECT_EQ(t.moved[0].commit.hex(), c2_);
  EXPECT_EQ(t.moved[0].from_path, "a.env");
  EXPECT_EQ(t.moved[0].to_path, "b.env");
  EXPECT_TRUE(t.moved[0].renamed);
  EXPECT_EQ(t.moved[0].author, "Ada Author");
  EXPECT_EQ(t.moved[0].date, 1700000120);
  EXPECT_EQ(t.moved[1].commit.hex(), c3_);
  EXPECT_EQ(t.moved[1].from_path, "b.env");
  EXPECT_EQ(t.moved[1].to_path, "c.env");
  EXPECT_FALSE(t.moved[1].renamed);
  EXPECT_EQ(t.moved[1].date, 1700000180);
  // The rename left a.env: that is the move, not a removal.
  ASSERT_EQ(t.removed.size(), 2u);
  EXPECT_EQ(t.removed[0].commit.hex(), c5_);
  EXPECT_EQ(t.removed[0].path, "b.env");
  EXPECT_EQ(t.removed[0].author, "Ada Author");
  EXPECT_EQ(t.removed[0].email, "ada@example.com");
  EXPECT_EQ(t.removed[0].date, 1700000300);
  EXPECT_EQ(t.removed[1].commit.hex(), c6_);
  EXPECT_EQ(t.removed[1].path, "c.env");
  EXPECT_EQ(t.removed[1].author, "Bo Remover");
  EXPECT_EQ(t.removed[1].email, "bo@example.com");
  EXPECT_EQ(t.removed[1].date, 1700000300);
  ASSERT_EQ(t.present_at.size(), 1u);
  EXPECT_EQ(t.present_at[0].ref, "refs/heads/main");
  EXPECT_EQ(t.present_at[0].path, "d.env");
}

TEST_F(Moves, StreamedJsonlFindsTheSameIntroductionsAndEndsWithTheSecretsRecords) {
  const CommandResult r = trawl("scan " + repo(), "--report-format jsonl");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  std::istringstream lines(r.out);
  std::vector<nlohmann::json> records;
  for (std::string line; std::getline(lines, line);) records.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(records.size(), 5u);
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(records[i].contains("type"));
    paths.push_back(records[i]["path"]);
  }
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"a.env", "d.env", "other.txt"}));
  EXPECT_EQ(records[3]["type"], "secret");
  EXPECT_EQ(records[3]["secret"], kSecret);
  EXPECT_EQ(records[3]["moved"][1], (nlohmann::json{{"commit", c3_},
                                                    {"date", "2023-11-14T22:16:20Z"},
                                                    {"author", "Ada Author"},
                                                    {"email", "ada@example.com"},
                                                    {"from", "b.env"},
                                                    {"to", "c.env"},
                                                    {"kind", "copy"}}));
  EXPECT_EQ(records[3]["removed"][1], (nlohmann::json{{"commit", c6_},
                                                      {"date", "2023-11-14T22:18:20Z"},
                                                      {"author", "Bo Remover"},
                                                      {"email", "bo@example.com"},
                                                      {"path", "c.env"}}));
  EXPECT_EQ(records[4]["type"], "secret");
  EXPECT_EQ(records[4]["secret"], kOther);
}

TEST_F(Moves, SarifCarriesTheTimelineAsRelatedLocationsAndPropertiesWithoutTheSecret) {
  const CommandResult r = trawl("scan " + repo(), "--report-format sarif");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  const auto& result = doc["runs"][0]["results"][0];
  EXPECT_EQ(result["relatedLocations"].dump().find(kSecret), std::string::npos);
  EXPECT_EQ(result["properties"].dump().find(kSecret), std::string::npos);
  ASSERT_EQ(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "a.env");
  std::vector<std::string> related;
  for (const auto& l : result["relatedLocations"]) {
    related.push_back(l["physicalLocation"]["artifactLocation"]["uri"].get<std::string>() + " | " +
                      l["message"]["text"].get<std::string>());
  }
  const std::string ada = " by Ada Author <ada@example.com> on ";
  EXPECT_EQ(related, (std::vector<std::string>{
                         "d.env | also introduced in commit " + c4_ + ada + "2023-11-14T22:17:20Z",
                         "b.env | renamed from a.env in commit " + c2_ + ada + "2023-11-14T22:15:20Z",
                         "c.env | copied from b.env in commit " + c3_ + ada + "2023-11-14T22:16:20Z",
                         "b.env | removed in commit " + c5_ + ada + "2023-11-14T22:18:20Z",
                         "c.env | removed in commit " + c6_ + " by Bo Remover <bo@example.com> on 2023-11-14T22:18:20Z",
                         "d.env | still present at the tip of refs/heads/main",
                     }));
  EXPECT_EQ(result["properties"]["secret_sha256"], sha256_hex(kSecret));
  EXPECT_EQ(result["properties"]["timeline"]["reachable_from"], (nlohmann::json{"refs/heads/main"}));
}

TEST_F(Moves, TextReportEndsWithEachSecretsTimeline) {
  const CommandResult r = trawl("scan " + repo(), "--report-format text --redact");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const std::string story = "Secret:      REDACTED (test-token, hmac-sha256 " + hmac_sha256_hex(kRedactKey, kOther) +
                            ")\n"
                            "Introduced:  2023-11-14T22:14:20Z  Ada Author <ada@example.com>  " +
                            c1_ +
                            "  other.txt:1\n"
                            "Reachable:   refs/heads/main\n"
                            "Still at:    refs/heads/main  other.txt:1\n\n";
  ASSERT_GE(r.out.size(), story.size());
  EXPECT_EQ(r.out.substr(r.out.size() - story.size()), story);
}

std::string expected_trace_text(const std::string& c1, const std::string& c2, const std::string& c3,
                                const std::string& c4, const std::string& c5, const std::string& c6) {
  const std::string ada = "Ada Author <ada@example.com>  ";
  return "Secret:      REDACTED (test-token, hmac-sha256 " + hmac_sha256_hex(kRedactKey, kSecret) + ")\n" +
         "Introduced:  2023-11-14T22:14:20Z  " + ada + c1 + "  a.env:2\n" + "Introduced:  2023-11-14T22:17:20Z  " +
         ada + c4 + "  d.env:2\n" + "Renamed:     2023-11-14T22:15:20Z  " + ada + c2 + "  a.env -> b.env\n" +
         "Copied:      2023-11-14T22:16:20Z  " + ada + c3 + "  b.env -> c.env\n" +
         "Removed:     2023-11-14T22:18:20Z  " + ada + c5 + "  b.env\n" +
         "Removed:     2023-11-14T22:18:20Z  Bo Remover <bo@example.com>  " + c6 + "  c.env\n" +
         "Reachable:   refs/heads/main\n" + "Still at:    refs/heads/main  d.env:2\n\n";
}

TEST_F(Moves, TraceReadsTheValueFromStandardInputAndTellsItsStoryWithoutEchoingIt) {
  const CommandResult r = trawl("trace", "- -p " + repo() + " --no-progress", kSecret + "\n");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, expected_trace_text(c1_, c2_, c3_, c4_, c5_, c6_));
  EXPECT_EQ(r.err.find(kSecret), std::string::npos);
  EXPECT_EQ(r.err.find("warning"), std::string::npos);
}

TEST_F(Moves, TraceByDigestOrByArgumentTellsTheSameStoryAndWarnsAboutShellHistory) {
  const CommandResult by_digest = trawl("trace", "--sha256 " + sha256_hex(kSecret) + " -p " + repo());
  ASSERT_EQ(by_digest.exit_code, 1) << by_digest.err;
  EXPECT_EQ(by_digest.out, expected_trace_text(c1_, c2_, c3_, c4_, c5_, c6_));
  const CommandResult by_argument = trawl("trace", shell_quote(kSecret) + " -p " + repo());
  ASSERT_EQ(by_argument.exit_code, 1) << by_argument.err;
  EXPECT_EQ(by_argument.out, by_digest.out);
  EXPECT_NE(by_argument.err.find("trawl: warning: a secret given as an argument stays in the shell's history"),
            std::string::npos);
  EXPECT_EQ(by_argument.err.find(kSecret), std::string::npos);
}

TEST_F(Moves, TraceJsonEqualsWhatTheFullScanSaysAboutTheValue) {
  const CommandResult full = trawl("scan " + repo(), "--report-format json");
  ASSERT_EQ(full.exit_code, 1) << full.err;
  const auto scan_doc = nlohmann::json::parse(full.out);
  const CommandResult traced = trawl("trace", "- -p " + repo() + " --report-format json --redact=0", kSecret);
  ASSERT_EQ(traced.exit_code, 1) << traced.err;
  const auto trace_doc = nlohmann::json::parse(traced.out);
  nlohmann::json expected_findings = nlohmann::json::array();
  for (const auto& f : scan_doc["findings"]) {
    if (f["secret"] == kSecret) expected_findings.push_back(f);
  }
  EXPECT_EQ(trace_doc["findings"], expected_findings);
  ASSERT_EQ(trace_doc["secrets"].size(), 1u);
  EXPECT_EQ(trace_doc["secrets"][0], scan_doc["secrets"][0]);
  EXPECT_EQ(trace_doc["secrets"][0]["secret"], kSecret);
}

TEST_F(Moves, TraceFollowsAFindingOfARedactedReportByItsDigest) {
  const std::string report = (dir_.path() / "r.json").string();
  const CommandResult full = trawl("scan " + repo(), "--redact --report-path " + shell_quote(report));
  ASSERT_EQ(full.exit_code, 1) << full.err;
  // Findings are in report order: a.env, other.txt, d.env.
  const CommandResult traced = trawl("trace", "--from-report " + shell_quote(report) + " --finding 3 -p " + repo());
  ASSERT_EQ(traced.exit_code, 1) << traced.err;
  EXPECT_EQ(traced.out, expected_trace_text(c1_, c2_, c3_, c4_, c5_, c6_));
  const CommandResult out_of_range =
      trawl("trace", "--from-report " + shell_quote(report) + " --finding 4 -p " + repo());
  EXPECT_EQ(out_of_range.exit_code, 2);
  EXPECT_NE(out_of_range.err.find("--finding 4: '" + report + "' holds 3 findings (counted from 1)"), std::string::npos)
      << out_of_range.err;
}

TEST_F(Moves, TraceOfAnUnknownValueFindsNothingAndSaysSo) {
  const CommandResult r = trawl("trace", "- -p " + repo(), "tok_n1o2t3h4e5r6e7a8t9a0");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("trawl: the secret was not found in the history scanned"), std::string::npos);
}

TEST_F(Moves, TraceRefusesAmbiguousOrMalformedTargets) {
  EXPECT_EQ(trawl("trace", "-p " + repo()).exit_code, 2);
  const CommandResult two = trawl("trace", "- --sha256 " + sha256_hex(kSecret) + " -p " + repo(), kSecret);
  EXPECT_EQ(two.exit_code, 2);
  const CommandResult bad = trawl("trace", "--sha256 abc -p " + repo());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--sha256: expected 64 hex digits"), std::string::npos);
}

}  // namespace
}  // namespace trawl::test
