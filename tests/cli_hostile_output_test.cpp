// The trawl binary facing a repository that tries to turn the output
// against its reader or to pass for a clean scan: report paths, escaping,
// redaction, usage checks, unreadable objects and rules that hide findings.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "content/sha256.h"
#include "support/cli_fixture.h"

namespace trawl::test {
namespace {

const std::string& kSecret = kCliSecret;

class CliHostile : public CliFixture {};

TEST_F(CliHostile, RefusesAReportFifoBeforeTheScanWithoutHanging) {
  const std::string fifo = (dir_.path() / "report.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0666), 0);
  // Were the FIFO opened for writing, trawl would wait for a reader until
  // `timeout` stopped it (exit 124).
  const CommandResult r = trawl("scan " + repo() + " " + rules() + " -r " + shell_quote(fifo));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "trawl: error: the report path '" + fifo +
                       "' is a FIFO; a report is only written to a new file (or to standard output with -)\n");
  EXPECT_EQ(r.out, "");
  const CommandResult directory = trawl("dir " + repo() + " " + rules() + " -r " + repo());
  EXPECT_EQ(directory.exit_code, 2);
  EXPECT_EQ(directory.err, "trawl: error: the report path '" + repo_->path().string() +
                               "' is a directory; a report is only written to a new file (or to standard output "
                               "with -)\n");
  const CommandResult missing = trawl("dir " + repo() + " " + rules() + " -r nowhere/report.json");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err,
            "trawl: error: cannot create a report next to 'nowhere/report.json': No such file or directory\n");
  const CommandResult to_stdout = trawl("scan " + repo() + " " + rules() + " -r - -f json");
  EXPECT_EQ(to_stdout.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(to_stdout.out)["findings"].size(), 1u);
}

TEST_F(CliHostile, OutOfRangeValuesAreUsageErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {"scan " + repo() + " --exit-code 256", "--exit-code: Value 256 not in range 0 to 255"},
      {"scan " + repo() + " --exit-code -1", "--exit-code: Value -1 not in range 0 to 255"},
      {"dir " + repo() + " --redact=101", "--redact: Value 101 not in range 0 to 100"},
      {"scan " + repo() + " -j 100000", "--threads: Value 100000 not in range 0 to 1024"},
      {"dir " + repo() + " -j 4096", "--threads: Value 4096 not in range 0 to 1024"},
  };
  for (const auto& [args, message] : cases) {
    const CommandResult r = trawl(args + " " + rules());
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_TRUE(holds(r.err, message)) << args << ": " << r.err;
    EXPECT_EQ(r.out, "") << args;
  }
  for (const char* date : {"2024-02-31", "2023-02-29", "2024-04-31", "2024-01-01T24:00", "2024-01-01T10:60:00"}) {
    const CommandResult r = trawl("scan " + repo() + " " + rules() + " --since " + date);
    EXPECT_EQ(r.exit_code, 2) << date;
    EXPECT_EQ(r.err, "trawl: error: --since '" + std::string(date) + "': no such date or time\n");
  }
  EXPECT_EQ(trawl("scan " + repo() + " " + rules() + " --since 2024-02-29").exit_code, 0);
  EXPECT_EQ(trawl("scan " + repo() + " " + rules() + " -j 1024 --exit-code 255").exit_code, 255);
}

TEST_F(CliHostile, FailOnSkipExitsFourWhenObjectsCouldNotBeRead) {
  repo_->write("notes.txt", "nothing secret\n");
  repo_->write("data.bin", std::string("\0\0binary", 8));
  repo_->commit("notes");
  std::string blob = repo_->git("rev-parse HEAD:notes.txt");
  blob.pop_back();
  // A binary blob is left out by policy: no warning, no failure.
  const CommandResult policy = trawl("scan " + repo() + " " + rules() + " --exit-code 0 --fail-on-skip");
  EXPECT_EQ(policy.exit_code, 0) << policy.err;
  EXPECT_FALSE(holds(policy.err, "WARNING")) << policy.err;

  std::filesystem::remove(repo_->loose_object_path(blob));
  const std::string warning =
      "trawl: WARNING: 1 object could not be read (missing_object 1): secrets in them are not reported; --list-skipped "
      "lists them, --fail-on-skip fails the run\n";
  const CommandResult plain = trawl("scan " + repo() + " " + rules() + " -f json");
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_TRUE(plain.err.ends_with(warning)) << plain.err;
  EXPECT_EQ(nlohmann::json::parse(plain.out)["scan"]["unreadable"], 1);
  // Findings keep their exit code; without findings to report, exit 4.
  EXPECT_EQ(trawl("scan " + repo() + " " + rules() + " --fail-on-skip").exit_code, 1);
  const CommandResult failed = trawl("scan " + repo() + " " + rules() + " --exit-code 0 --fail-on-skip");
  EXPECT_EQ(failed.exit_code, 4);
  EXPECT_TRUE(failed.err.ends_with(warning)) << failed.err;
}

TEST_F(CliHostile, AnEmptyRepositoryConfigIsAnErrorNotACleanScan) {
  repo_->write(".gitleaks.toml", "");
  const std::string file = (repo_->path() / ".gitleaks.toml").string();
  const std::string error = "trawl: error: " + file +
                            ": no rules: it would scan for nothing (define [[rules]], or [extend] useDefault = "
                            "true for the built-in rules)\n";
  for (const std::string command : {"scan ", "dir ", "protect --staged "}) {
    const CommandResult r = trawl(command + repo());
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_TRUE(r.err.ends_with(error)) << command << r.err;
  }
}

TEST_F(CliHostile, ARepositoryAllowlistThatHidesEverythingIsAWarning) {
  const std::string from = "trawl: WARNING: an allowlist in the repository's .gitleaks.toml (or a file it extends) ";
  repo_->write(".gitleaks.toml", std::string(kTestTokenRule) + "[allowlist]\npaths = ['''.*''']\n");
  const CommandResult global = trawl("scan " + repo() + " -f json");
  EXPECT_EQ(global.exit_code, 0) << global.err;
  EXPECT_TRUE(holds(global.err, from + "suppresses every finding; --no-repo-config ignores it\n")) << global.err;
  EXPECT_EQ(nlohmann::json::parse(global.out)["scan"]["warnings"],
            nlohmann::json::array({"an allowlist in the repository's .gitleaks.toml (or a file it extends) "
                                   "suppresses every finding; --no-repo-config ignores it"}));

  repo_->write(".gitleaks.toml", std::string(kTestTokenRule) + "[rules.allowlist]\nregexes = ['''x*''']\n");
  const CommandResult rule = trawl("dir " + repo());
  EXPECT_EQ(rule.exit_code, 0) << rule.err;
  EXPECT_TRUE(holds(rule.err, from + "suppresses every finding of rule 'test-token'; --no-repo-config ignores it\n"))
      << rule.err;

  repo_->write(".gitleaks.toml", std::string(kTestTokenRule) + "[allowlist]\npaths = ['''\\.md$''']\n");
  const CommandResult narrow = trawl("scan " + repo() + " -f json");
  EXPECT_EQ(narrow.exit_code, 1) << narrow.err;
  EXPECT_FALSE(holds(narrow.err, "WARNING")) << narrow.err;
  EXPECT_TRUE(nlohmann::json::parse(narrow.out)["scan"]["warnings"].empty());
  // The operator's own --config is the operator's choice.
  std::ofstream(rules_) << kTestTokenRule << "[allowlist]\npaths = ['''.*''']\n";
  EXPECT_FALSE(holds(trawl("scan " + repo() + " " + rules()).err, "WARNING"));
}

TEST_F(CliHostile, ControlBytesInPathsAndMessagesCannotForgeOutput) {
  const std::string second = "tok_s1e2c3o4n5d6s7e8c9d0";
  repo_->write("a\nFinding:     forged\n.env", "K=" + second + "\n");
  repo_->commit("add \x1b[2J keys");
  const CommandResult text = trawl("scan " + repo() + " " + rules() + " -v");
  ASSERT_EQ(text.exit_code, 1) << text.err;
  std::istringstream lines(text.out);
  int blocks = 0;
  for (std::string line; std::getline(lines, line);) blocks += line.starts_with("Finding:") ? 1 : 0;
  EXPECT_EQ(blocks, 2) << text.out;
  EXPECT_TRUE(holds(text.out, "File:        a\\x0aFinding:     forged\\x0a.env\n")) << text.out;

  const CommandResult csv = trawl("scan " + repo() + " " + rules() + " -f csv");
  ASSERT_EQ(csv.exit_code, 1) << csv.err;
  EXPECT_FALSE(holds(csv.out, "\x1b"));
  EXPECT_TRUE(holds(csv.out, ",a\\x0aFinding:     forged\\x0a.env,")) << csv.out;
  EXPECT_TRUE(holds(csv.out, ",add \\x1b[2J keys,")) << csv.out;
  std::size_t rows = 0;
  for (std::size_t at = csv.out.find('\n'); at != std::string::npos; at = csv.out.find('\n', at + 1)) ++rows;
  EXPECT_EQ(rows, 3u);  // the header and two findings: no line break inside a field

  // json keeps the bytes, escaped as JSON escapes them.
  const auto doc = nlohmann::json::parse(trawl("scan " + repo() + " " + rules() + " -f json").out);
  EXPECT_EQ(doc["findings"][1]["path"], "a\nFinding:     forged\n.env");
  EXPECT_EQ(doc["findings"][1]["message"], "add \x1b[2J keys");
}

TEST_F(CliHostile, MessagesQuotingARepositoryRulesFileAreEscaped) {
  repo_->write(".gitleaks.toml", std::string(kTestTokenRule) + "\"note\\u001b]0;owned\\u0007\" = 1\n");
  const CommandResult warned = trawl("scan " + repo());
  EXPECT_EQ(warned.exit_code, 1) << warned.err;
  EXPECT_FALSE(holds(warned.err, "\x1b")) << warned.err;
  EXPECT_TRUE(holds(warned.err, "unknown key 'note\\x1b]0;owned\\x07' in rule 'test-token' (ignored)\n")) << warned.err;
  repo_->write(".gitleaks.toml", "[[rules]]\nid = \"evil\\u001b[2J\"\nregex = '''[z-a]'''\n");
  const CommandResult failed = trawl("scan " + repo());
  EXPECT_EQ(failed.exit_code, 2);
  EXPECT_FALSE(holds(failed.err, "\x1b")) << failed.err;
  EXPECT_TRUE(holds(failed.err, "rule 'evil\\x1b[2J': invalid regex /[z-a]/")) << failed.err;
}

TEST_F(CliHostile, NonUtf8PathsReadTheSameInEveryFormatAndBaselinesMatchThem) {
  repo_->write("caf\xe9.env", "K=tok_n1o2n3u4t5f6e7i8g9x0\n");
  const std::string second = repo_->commit("latin-1 name");
  const std::string fingerprint = second + ":caf\\xe9.env:test-token:1";
  const auto json_report = dir_.path() / "report.json";
  ASSERT_EQ(trawl("scan " + repo() + " " + rules() + " -r " + shell_quote(json_report.string())).exit_code, 1);
  const auto doc = nlohmann::json::parse(slurp(json_report));
  EXPECT_EQ(doc["findings"][1]["path"], "caf\\xe9.env");
  EXPECT_EQ(doc["findings"][1]["fingerprint"], fingerprint);
  EXPECT_EQ(doc["secrets"][1]["introduced"][0]["path"], "caf\\xe9.env");
  const auto gitleaks_report = dir_.path() / "gitleaks.json";
  ASSERT_EQ(
      trawl("scan " + repo() + " " + rules() + " -f gitleaks -r " + shell_quote(gitleaks_report.string())).exit_code,
      1);
  EXPECT_EQ(nlohmann::json::parse(slurp(gitleaks_report))[1]["Fingerprint"], fingerprint);
  EXPECT_TRUE(holds(trawl("scan " + repo() + " " + rules() + " -v").out, "File:        caf\\xe9.env\n"));
  EXPECT_TRUE(holds(trawl("scan " + repo() + " " + rules() + " -f csv").out, ",caf\\xe9.env,"));
  EXPECT_TRUE(holds(trawl("scan " + repo() + " " + rules() + " -f sarif").out, "\"uri\": \"caf%E9.env\""));

  for (const auto& baseline : {json_report, gitleaks_report}) {
    const CommandResult r =
        trawl("scan " + repo() + " " + rules() + " -b " + shell_quote(baseline.string()) + " -f json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["scan"]["suppressed"]["baseline"], 2) << baseline;
  }
  // An ignore file holding the fingerprint as the text report shows it.
  std::ofstream(repo_->path() / ".trawlignore") << fingerprint << "\n";
  const CommandResult ignored = trawl("scan " + repo() + " " + rules() + " -f json");
  EXPECT_EQ(nlohmann::json::parse(ignored.out)["scan"]["suppressed"]["ignore_file"], 1) << ignored.err;
}

TEST_F(CliHostile, RedactHidesEverySecretInEveryFormatAndTheVerboseList) {
  const std::string in_path = "tok_p1a2t3h4s5e6c7r8e9t0";
  const std::string beside = "tok_b1e2s3i4d5e6t7h8e9s0";
  repo_->write("keys/" + in_path + ".env", "A=" + beside + " B=" + in_path + "\n");
  repo_->write("bin/" + beside + ".dat", std::string("\0\0binary", 8));
  repo_->commit("rotate " + in_path);
  const std::vector<std::string> secrets = {kSecret, in_path, beside};
  for (const char* format : {"json", "jsonl", "sarif", "csv", "gitleaks", "text"}) {
    const CommandResult r = trawl("scan " + repo() + " " + rules() + " --redact -f " + format);
    ASSERT_EQ(r.exit_code, 1) << format << r.err;
    for (const std::string& s : secrets) {
      EXPECT_FALSE(holds(r.out, s)) << format << " shows " << s << ":\n" << r.out;
      EXPECT_FALSE(holds(r.out, sha256_hex(s))) << format;
    }
  }
  const CommandResult text = trawl("scan " + repo() + " " + rules() + " --redact -v");
  EXPECT_TRUE(holds(text.out, "Finding:     A=REDACTED B=REDACTED\n")) << text.out;
  EXPECT_TRUE(holds(text.out, "File:        keys/REDACTED.env\n")) << text.out;

  const CommandResult dir = trawl("dir " + repo() + " " + rules() + " --redact --list-skipped");
  EXPECT_EQ(dir.exit_code, 1) << dir.err;
  EXPECT_TRUE(holds(dir.err, "trawl: skipped binary ")) << dir.err;
  for (const std::string& s : secrets) EXPECT_FALSE(holds(dir.err, s)) << dir.err;

  // The timelines' digests are keyed: by TRAWL_REDACT_KEY, else at random.
  const auto keyed = nlohmann::json::parse(
      trawl("scan " + repo() + " " + rules() + " --redact -f json", "TRAWL_REDACT_KEY=k3y ").out)["secrets"];
  ASSERT_EQ(keyed.size(), 3u);
  EXPECT_FALSE(keyed[0].contains("secret_sha256"));
  EXPECT_EQ(keyed[0]["secret_hmac_sha256"], hmac_sha256_hex("k3y", kSecret));
  const auto random =
      nlohmann::json::parse(trawl("scan " + repo() + " " + rules() + " --redact -f json").out)["secrets"];
  EXPECT_NE(random[0]["secret_hmac_sha256"], keyed[0]["secret_hmac_sha256"]);
  EXPECT_EQ(random[0]["secret_hmac_sha256"].get<std::string>().size(), 64u);

  // A redacted report masks the secret in a fingerprint's path, and is still
  // a baseline for the findings it came from.
  const auto baseline = dir_.path() / "redacted.json";
  ASSERT_EQ(trawl("scan " + repo() + " " + rules() + " --redact -r " + shell_quote(baseline.string())).exit_code, 1);
  EXPECT_FALSE(holds(slurp(baseline), in_path));
  const CommandResult again =
      trawl("scan " + repo() + " " + rules() + " -b " + shell_quote(baseline.string()) + " -f json");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["scan"]["suppressed"]["baseline"], 3);
}

}  // namespace
}  // namespace trawl::test
