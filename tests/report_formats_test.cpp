// Every report format as the trawl binary writes it, parsed back and checked
// field by field on a repository the test builds; SARIF validated against the
// 2.1.0 schema; redaction checked in every format.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "report/reports.h"
#include "support/git_fixture.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

const std::string kSecret = "tok_f1o2r3m4a5t6s7x8y9z0";
const std::string kOther = "tok_o1t2h3e4r5s6e7c8r9t0";
const std::string kRules = std::string(kTestTokenRule) + R"(tags = ["test", "token"]
)";
const std::vector<std::string> kFormats = {"json", "jsonl", "sarif", "csv", "gitleaks", "junit", "text"};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// RFC 4180 rows: quoted fields may hold commas, quotes and line breaks.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        rows.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        rows.back().back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      ++i;
      rows.emplace_back(1);
    } else {
      rows.back().back() += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

class ReportFormats : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "rules.toml") << kRules;
    repo_ = std::make_unique<GitRepo>(dir_.path() / "repo");
    repo_->write("app.env", "# app\nTOKEN=" + kSecret + "\n");
    first_ = repo_->commit("add env");
    repo_->write("conf/my file.ini", "a, \"quoted\"\nkey = " + kOther + "\n");
    second_ = repo_->commit("add ini, with a comma");
  }

  CommandResult trawl(const std::string& args) {
    return run_command(shell_quote(TRAWL_BINARY) + " scan " + shell_quote(repo_->path().string()) + " -c " +
                           shell_quote((dir_.path() / "rules.toml").string()) + " " + args,
                       dir_.path());
  }
  CommandResult report(const std::string& format, const std::string& more = "") {
    CommandResult r = trawl("--report-format " + format + " " + more);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    return r;
  }

  TempDir dir_;
  std::unique_ptr<GitRepo> repo_;
  std::string first_, second_;
};

TEST_F(ReportFormats, JsonHoldsFindingsAndASecretsTimeline) {
  const auto doc = nlohmann::json::parse(report("json").out);
  EXPECT_EQ(doc["version"], 1);
  ASSERT_EQ(doc["findings"].size(), 2u);
  const auto& f = doc["findings"][1];
  EXPECT_EQ(f["rule_id"], "test-token");
  EXPECT_EQ(f["secret"], kOther);
  EXPECT_EQ(f["path"], "conf/my file.ini");
  EXPECT_EQ(f["line"], 2);
  EXPECT_EQ(f["column"], 7);
  EXPECT_EQ(f["end_column"], 30);
  EXPECT_EQ(f["commit"], second_);
  EXPECT_EQ(f["message"], "add ini, with a comma");
  EXPECT_EQ(f["tags"], (nlohmann::json{"test", "token"}));
  ASSERT_EQ(doc["secrets"].size(), 2u);
  const auto& s = doc["secrets"][0];
  EXPECT_EQ(s["rule_id"], "test-token");
  EXPECT_EQ(s["secret"], kSecret);
  EXPECT_EQ(s["secret_sha256"].get<std::string>().size(), 64u);
  ASSERT_EQ(s["introduced"].size(), 1u);
  EXPECT_EQ(s["introduced"][0], (nlohmann::json{{"commit", first_},
                                                {"date", "2023-11-14T22:14:20Z"},
                                                {"author", "Ada Author"},
                                                {"email", "ada@example.com"},
                                                {"path", "app.env"},
                                                {"line", 2}}));
  EXPECT_EQ(s["removed"], nlohmann::json::array());
  EXPECT_EQ(s["reachable_from"], (nlohmann::json{"refs/heads/main"}));
  EXPECT_EQ(s["present_at"], (nlohmann::json{{{"ref", "refs/heads/main"}, {"path", "app.env"}, {"line", 2}}}));
  EXPECT_EQ(doc["scan"]["suppressed"],
            (nlohmann::json{{"allowlist", 0}, {"ignore_file", 0}, {"baseline", 0}, {"inline_allow", 0}}));
}

TEST_F(ReportFormats, JsonlWritesOneFindingObjectPerLineThenOneRecordPerSecret) {
  const std::string out = report("jsonl").out;
  std::istringstream lines(out);
  std::vector<nlohmann::json> parsed;
  for (std::string line; std::getline(lines, line);) parsed.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(parsed.size(), 4u);
  EXPECT_EQ(parsed[0]["secret"], kSecret);
  EXPECT_EQ(parsed[0]["commit"], first_);
  EXPECT_EQ(parsed[0]["line"], 2);
  EXPECT_EQ(parsed[0]["fingerprint"], first_ + ":app.env:test-token:2");
  EXPECT_EQ(parsed[1]["path"], "conf/my file.ini");
  EXPECT_EQ(parsed[1]["commit"], second_);
  EXPECT_EQ(parsed[2]["type"], "secret");
  EXPECT_EQ(parsed[2]["secret"], kSecret);
  EXPECT_EQ(parsed[2]["introduced"][0]["path"], "app.env");
  EXPECT_EQ(parsed[2]["present_at"], (nlohmann::json{{{"ref", "refs/heads/main"}, {"path", "app.env"}, {"line", 2}}}));
  EXPECT_EQ(parsed[3]["type"], "secret");
  EXPECT_EQ(parsed[3]["secret"], kOther);
}

TEST_F(ReportFormats, CsvHasAHeaderAndOneQuotedRowPerFinding) {
  const auto rows = parse_csv(report("csv").out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"RuleID", "Commit", "File", "SymlinkFile", "Secret", "Match",
                                               "StartLine", "EndLine", "StartColumn", "EndColumn", "Author", "Message",
                                               "Date", "Email", "Fingerprint", "Tags", "Confidence"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{"test-token", second_, "conf/my file.ini", "", kOther, kOther, "2", "2",
                                               "7", "30", "Ada Author", "add ini, with a comma", "2023-11-14T22:15:20Z",
                                               "ada@example.com", second_ + ":conf/my file.ini:test-token:2",
                                               "test token", "high"}));
}

TEST_F(ReportFormats, TextShowsRuleFileLineCommitAndAMaskedSecretWithoutColourOffATerminal) {
  const std::string out = report("text").out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find(kSecret), std::string::npos) << out;
  EXPECT_TRUE(out.starts_with("test-token  app.env:2  (high)\n  secret  tok_...\n  commit  " + first_.substr(0, 12) +
                              "  2023-11-14T22:14:20Z  Ada Author <ada@example.com>\n"))
      << out;
  EXPECT_NE(report("text", "--redact=0").out.find("  secret  " + kSecret + "\n"), std::string::npos);
}

TEST_F(ReportFormats, TextCutsALongSecretToItsFirstLineAndEscapesControlBytes) {
  Finding f;
  f.rule_id = "private-key";
  f.path = "id\x1b[31m_rsa";
  f.start_line = 1;
  f.secret = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
  f.line = f.secret;
  std::ostringstream out;
  const ScanSummary summary;
  write_report(out, ReportFormat::kText, {{f}, {}, summary}, false);
  EXPECT_EQ(
      out.str(),
      "private-key  id\\x1b[31m_rsa:1  (high)\n  secret  -----BEGIN RSA PRIVATE KEY----- [cut: 3 lines, 78 bytes]\n");
}

TEST_F(ReportFormats, TextColoursTheSecretWhenColourIsOn) {
  Finding f;
  f.rule_id = "test-token";
  f.secret = kSecret;
  f.line = "TOKEN=" + kSecret + " # x";
  std::ostringstream out;
  const ScanSummary summary;
  write_report(out, ReportFormat::kText, {{f}, {}, summary}, true);
  EXPECT_NE(out.str().find("\x1b[1;31m" + kSecret + "\x1b[0m\n"), std::string::npos) << out.str();
}

TEST_F(ReportFormats, JunitHasAFailedTestCasePerFinding) {
  const std::string out = report("junit").out;
  EXPECT_TRUE(
      out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
                      "  <testsuite name=\"trawl\" tests=\"2\" failures=\"2\">\n"))
      << out;
  EXPECT_NE(out.find("name=\"test-token has detected a secret in file app.env, line 2, at commit " + first_ + "\">"),
            std::string::npos)
      << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\x1b'), 0);
}

TEST_F(ReportFormats, SarifIsValidAndCarriesRulesLocationsFingerprintsAndCommits) {
  const auto doc = nlohmann::json::parse(report("sarif").out);
  EXPECT_EQ(doc["version"], "2.1.0");
  const auto& run = doc["runs"][0];
  ASSERT_EQ(run["tool"]["driver"]["rules"].size(), 1u);
  EXPECT_EQ(run["tool"]["driver"]["rules"][0]["id"], "test-token");
  EXPECT_EQ(run["tool"]["driver"]["rules"][0]["shortDescription"]["text"], "Test token");
  ASSERT_EQ(run["results"].size(), 2u);
  const auto& r = run["results"][1];
  EXPECT_EQ(r["ruleId"], "test-token");
  EXPECT_EQ(r["ruleIndex"], 0);
  EXPECT_EQ(r["level"], "error");
  EXPECT_EQ(r["message"]["text"].get<std::string>().find(kOther), std::string::npos);
  const auto& location = r["locations"][0]["physicalLocation"];
  EXPECT_EQ(location["artifactLocation"]["uri"], "conf/my%20file.ini");
  EXPECT_EQ(location["region"]["startLine"], 2);
  EXPECT_EQ(location["region"]["startColumn"], 7);
  EXPECT_EQ(location["region"]["endLine"], 2);
  EXPECT_EQ(location["region"]["endColumn"], 31);
  EXPECT_EQ(r["partialFingerprints"]["trawlFingerprint/v1"], second_ + ":conf/my file.ini:test-token:2");
  EXPECT_EQ(r["properties"]["commit"], second_);
  EXPECT_EQ(r["properties"]["author"], "Ada Author");
  EXPECT_EQ(r["properties"]["date"], "2023-11-14T22:15:20Z");

  // The schema lives in the shared directory: $TRAWL_SHARED_DIR, else the
  // one beside the source tree. CI must check it; elsewhere it may be absent.
  const char* shared_env = std::getenv("TRAWL_SHARED_DIR");
  const std::filesystem::path shared = shared_env != nullptr && *shared_env != '\0' ? shared_env : TRAWL_SHARED_DIR;
  const std::filesystem::path schema = shared / "data" / "sarif-schema-2.1.0.json";
  if (!std::filesystem::exists(schema)) {
    const char* ci = std::getenv("CI");
    if (ci != nullptr && std::string_view(ci) == "true") {
      FAIL() << "CI=true but the SARIF schema " << schema
             << " is absent: put the shared directory beside the clone or set TRAWL_SHARED_DIR";
    }
    GTEST_SKIP() << "schema check skipped: " << schema
                 << " is absent (the shared directory is not checked out; TRAWL_SHARED_DIR names another)";
  }
  const auto sarif = dir_.path() / "out.sarif";
  std::ofstream(sarif) << doc.dump();
  const CommandResult check = run_command(
      "python3 -c 'import json, sys, jsonschema; "
      "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))); print(\"valid\")' " +
          shell_quote(sarif.string()) + " " + shell_quote(schema.string()),
      dir_.path());
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out, "valid\n");
}

TEST_F(ReportFormats, EveryFormatGoesToAPrivateReportFile) {
  for (const std::string& format : kFormats) {
    const auto path = dir_.path() / ("report." + format);
    // --redact=0: text masks secrets unless told not to.
    const CommandResult r = report(format, "--redact=0 --report-path " + shell_quote(path.string()));
    EXPECT_EQ(r.out, "") << format;
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0) << format;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << format;
    EXPECT_NE(slurp(path).find(kSecret), std::string::npos) << format;
  }
}

TEST_F(ReportFormats, RedactsTheSecretInEveryFormatAndTheSummary) {
  for (const std::string& format : kFormats) {
    const CommandResult r = report(format, "--redact");
    EXPECT_EQ(r.out.find(kSecret), std::string::npos) << format << ":\n" << r.out;
    EXPECT_EQ(r.out.find(kOther), std::string::npos) << format;
    EXPECT_NE(r.out.find("REDACTED"), std::string::npos) << format;
    EXPECT_EQ(r.err.find(kSecret), std::string::npos) << format;
    const CommandResult partial = report(format, "--redact=75");
    EXPECT_EQ(partial.out.find(kSecret), std::string::npos) << format;
    EXPECT_NE(partial.out.find("tok_f1..."), std::string::npos) << format;
  }
}

TEST_F(ReportFormats, DrawsNoProgressLineWhenStderrIsNotATerminal) {
  const CommandResult r = report("json");
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("walking refs"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace trawl::test
