// The trawl binary as a user runs it: exit codes, error messages, report
// files and formats.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "support/cli_fixture.h"

namespace trawl::test {
namespace {

const std::string& kSecret = kCliSecret;

class Cli : public CliFixture {};

TEST_F(Cli, ExitsOneWithFindingsAndWritesAPrivateReportFile) {
  const auto report = dir_.path() / "out.json";
  const CommandResult r = trawl("scan " + repo() + " " + rules() + " --report-path " + shell_quote(report.string()));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  struct stat st {};
  ASSERT_EQ(stat(report.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto doc = nlohmann::json::parse(slurp(report));
  EXPECT_EQ(doc["version"], 1);
  ASSERT_EQ(doc["findings"].size(), 1u);
  const auto& f = doc["findings"][0];
  EXPECT_EQ(f["rule_id"], "test-token");
  EXPECT_EQ(f["secret"], kSecret);
  EXPECT_EQ(f["path"], "app.env");
  EXPECT_EQ(f["line"], 2);
  EXPECT_EQ(f["column"], 7);
  EXPECT_EQ(f["commit"], commit_);
  EXPECT_EQ(f["date"], "2023-11-14T22:14:20Z");
  EXPECT_EQ(f["fingerprint"], commit_ + ":app.env:test-token:2");
  EXPECT_EQ(doc["scan"]["commits"], 1);
  EXPECT_EQ(doc["scan"]["blobs_scanned"], 1);
  EXPECT_TRUE(r.err.starts_with("trawl: 1 finding; scanned 1 commits, 1 of 1 blobs, ")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(Cli, ExitsZeroWithoutFindingsAndHonoursExitCode) {
  repo_->write("app.env", "# nothing\n");
  const std::string clean = dir_.path() / "clean";
  GitRepo empty(clean);
  empty.write("a.txt", "hello\n");
  empty.commit("clean");
  EXPECT_EQ(trawl("scan " + shell_quote(clean) + " " + rules()).exit_code, 0);
  EXPECT_EQ(trawl("scan " + repo() + " " + rules() + " --exit-code 7").exit_code, 7);
}

// Scripts pass --no-progress to whichever command they run: every command
// that writes a report takes it, and it changes nothing else.
TEST_F(Cli, EveryCommandThatWritesAReportTakesNoProgress) {
  const std::string quiet = dir_.path() / "quiet.json";
  const std::string plain = dir_.path() / "plain.json";
  for (const std::string command : {"scan ", "detect --source ", "dir ", "protect --source "}) {
    const CommandResult with =
        trawl(command + repo() + " " + rules() + " --no-progress -f json -r " + shell_quote(quiet));
    const CommandResult without = trawl(command + repo() + " " + rules() + " -f json -r " + shell_quote(plain));
    EXPECT_EQ(with.exit_code, without.exit_code) << command << with.err;
    EXPECT_NE(with.exit_code, 2) << command << with.err;
    nlohmann::json a = nlohmann::json::parse(slurp(quiet));
    nlohmann::json b = nlohmann::json::parse(slurp(plain));
    EXPECT_EQ(a["findings"], b["findings"]) << command;
  }
  const std::string text = dir_.path() / "Dockerfile";
  std::ofstream(text) << "FROM debian:12\nRUN true\n";
  EXPECT_EQ(run_command("printf 'x\\n' | timeout 60 " + shell_quote(TRAWL_BINARY) + " stdin --no-progress", dir_.path())
                .exit_code,
            0);
  EXPECT_EQ(trawl("dockerfile " + shell_quote(text) + " --no-progress").exit_code, 0);
}

TEST_F(Cli, WritesTheGitleaksReportFormat) {
  const CommandResult r = trawl("scan " + repo() + " " + rules() + " --report-format gitleaks");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_TRUE(doc.is_array());
  ASSERT_EQ(doc.size(), 1u);
  const auto& f = doc[0];
  for (const char* key :
       {"RuleID", "Description", "StartLine", "EndLine", "StartColumn", "EndColumn", "Match", "Secret", "File",
        "SymlinkFile", "Commit", "Entropy", "Author", "Email", "Date", "Message", "Tags", "Fingerprint"}) {
    EXPECT_TRUE(f.contains(key)) << key;
  }
  EXPECT_EQ(f["RuleID"], "test-token");
  EXPECT_EQ(f["StartLine"], 2);
  EXPECT_EQ(f["File"], "app.env");
  EXPECT_EQ(f["Secret"], kSecret);
  EXPECT_EQ(f["Author"], "Ada Author");
  EXPECT_EQ(f["Message"], "add env");
}

TEST_F(Cli, RedactsSecretsEverywhereInTheReport) {
  const CommandResult r = trawl("scan " + repo() + " " + rules() + " --redact -f json");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out.find(kSecret), std::string::npos);
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["findings"][0]["secret"], "REDACTED");
  EXPECT_EQ(doc["findings"][0]["match"], "REDACTED");
  const CommandResult partial = trawl("scan " + repo() + " " + rules() + " --redact=75 -f json");
  EXPECT_EQ(nlohmann::json::parse(partial.out)["findings"][0]["secret"], "tok_c1...");
}

TEST_F(Cli, RejectsAPathThatIsNotARepository) {
  const auto plain = dir_.path() / "plain";
  std::filesystem::create_directories(plain);
  const CommandResult r = trawl("scan " + shell_quote(plain.string()) + " " + rules());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.starts_with("trawl: error: '" + plain.string() + "' is not a git repository")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(Cli, RejectsATomlErrorNamingFileAndLine) {
  const std::string bad = write_rules("bad.toml", "[[rules]]\nid = \"x\"\nregex = = 'y'\n");
  const CommandResult r = trawl("scan " + repo() + " -c " + shell_quote(bad));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.starts_with("trawl: error: " + bad + ":3: invalid TOML: ")) << r.err;
}

TEST_F(Cli, RejectsABadRegexNamingFileLineAndRule) {
  const std::string bad = write_rules("regex.toml", "[[rules]]\nid = \"bad-one\"\nregex = '''[z-a]'''\n");
  const CommandResult r = trawl("scan " + repo() + " -c " + shell_quote(bad));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "trawl: error: " + bad + ":3: rule 'bad-one': invalid regex /[z-a]/: invalid character class range: z-a\n");
}

TEST_F(Cli, RejectsAMissingConfigFileAndAnUnknownReportFormat) {
  const CommandResult missing = trawl("scan " + repo() + " -c nowhere.toml");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "trawl: error: nowhere.toml: cannot read the rules file: No such file or directory\n");
  const CommandResult format = trawl("scan " + repo() + " " + rules() + " --report-format yaml");
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_EQ(format.err,
            "trawl: error: unknown report format 'yaml' (expected json, jsonl, sarif, csv, gitleaks, junit or text)\n");
}

TEST_F(Cli, WarnsAboutUnknownKeysAndScansAnyway) {
  const std::string odd = write_rules("odd.toml", std::string(kTestTokenRule) + "severity = \"high\"\n");
  const CommandResult r = trawl("scan " + repo() + " -c " + shell_quote(odd));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("trawl: warning: " + odd + ":7: unknown key 'severity' in rule 'test-token' (ignored)\n"),
            std::string::npos)
      << r.err;
}

TEST_F(Cli, UsesTheRepositoryGitleaksConfigAndSaysSo) {
  repo_->write(".gitleaks.toml", std::string(kTestTokenRule));
  const CommandResult r = trawl("scan " + repo() + " -l debug");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("trawl: warning: the repository's .gitleaks.toml replaces the built-in rules (1 rules); "
                       "--no-repo-config uses the built-in rules\n"
                       "trawl: using rules from " +
                       (repo_->path() / ".gitleaks.toml").string() + " (1 rules)\n"),
            std::string::npos)
      << r.err;
}

TEST_F(Cli, ARepositoryConfigThatExtendsItselfExitsTwoNamingIt) {
  repo_->write(".gitleaks.toml", std::string(kTestTokenRule) + "[extend]\npath = \".gitleaks.toml\"\n");
  const std::string file = (repo_->path() / ".gitleaks.toml").string();
  const CommandResult r = trawl("scan " + repo());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "trawl: error: " + file + ":8: [extend] path makes a cycle: " + file + " -> " + file + "\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(Cli, AnExtendCycleNamesBothFiles) {
  const std::string a = write_rules("a.toml", std::string(kTestTokenRule) + "[extend]\npath = \"b.toml\"\n");
  const std::string b = write_rules("b.toml", "[extend]\npath = \"a.toml\"\n");
  const CommandResult r = trawl("scan " + repo() + " -c " + shell_quote(a));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "trawl: error: " + b + ":2: [extend] path makes a cycle: " + a + " -> " + b + " -> " + a + "\n");
}

TEST_F(Cli, AnExtendChainOfTwentyFilesIsAnError) {
  // f0.toml extends f1.toml, ..., f19.toml holds the rule.
  const auto name = [](int i) {
    std::string n = "f";
    n += std::to_string(i);
    n += ".toml";
    return n;
  };
  for (int i = 0; i < 20; ++i) {
    write_rules(name(i), i == 19 ? std::string(kTestTokenRule) : "[extend]\npath = \"" + name(i + 1) + "\"\n");
  }
  const CommandResult r = trawl("scan " + repo() + " -c f0.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "trawl: error: f7.toml:2: [extend] path: a chain of more than 8 rules files: f0.toml -> f1.toml -> "
            "f2.toml -> f3.toml -> f4.toml -> f5.toml -> f6.toml -> f7.toml -> f8.toml\n");
}

TEST_F(Cli, AnExtendPathToADeviceFailsAtOnce) {
  const std::string zero = write_rules("zero.toml", std::string(kTestTokenRule) + "[extend]\npath = \"/dev/zero\"\n");
  // Were /dev/zero read to its end, `timeout` would stop trawl (exit 124).
  const CommandResult r = run_command(
      "timeout 60 " + shell_quote(TRAWL_BINARY) + " scan " + repo() + " -c " + shell_quote(zero), dir_.path());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "trawl: error: /dev/zero: cannot read the rules file: it is a character device, not a regular file\n");
}

TEST_F(Cli, AConfigThatIsADirectoryOrEmptyExitsTwo) {
  const CommandResult directory = trawl("scan " + repo() + " -c " + shell_quote(dir_.path().string()));
  EXPECT_EQ(directory.exit_code, 2);
  EXPECT_EQ(directory.err, "trawl: error: " + dir_.path().string() +
                               ": cannot read the rules file: it is a directory, not a regular file\n");
  const std::string empty = write_rules("empty.toml", "");
  for (const std::string command : {"scan ", "dir "}) {
    const CommandResult r = trawl(command + repo() + " -c " + shell_quote(empty));
    EXPECT_EQ(r.exit_code, 2) << command;
    EXPECT_EQ(r.err, "trawl: error: " + empty +
                         ": no rules: it would scan for nothing (define [[rules]], or [extend] useDefault = true for "
                         "the built-in rules)\n")
        << command;
  }
}

// An AWS key the built-in rules find (besides the test token, a generic API key
// to them), and a repository config that hides both.
class CliRepoConfig : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    repo_->write("aws.env", "aws_access_key_id = AKIABDKS4STYOE6ZCGK7\n");
    repo_->commit("add aws");
  }
  static std::set<std::string> rule_ids(const std::string& report) {
    std::set<std::string> ids;
    const auto doc = nlohmann::json::parse(report);
    for (const auto& f : doc["findings"]) ids.insert(f["rule_id"].get<std::string>());
    return ids;
  }
  static constexpr const char* kHidingConfig = "[extend]\nuseDefault = true\n[allowlist]\npaths = ['''\\.env$''']\n";
};

TEST_F(CliRepoConfig, NoRepoConfigUsesTheBuiltInRulesInEveryCommand) {
  repo_->write(".gitleaks.toml", kHidingConfig);
  const std::string builtin = "trawl: using rules from built-in (";

  const CommandResult hidden = trawl("scan " + repo() + " -l debug");
  EXPECT_EQ(hidden.exit_code, 0) << hidden.err;
  EXPECT_NE(hidden.err.find("trawl: the repository's .gitleaks.toml extends the built-in rules ("), std::string::npos)
      << hidden.err;
  const CommandResult scan = trawl("scan " + repo() + " --no-repo-config -f json -l debug");
  EXPECT_EQ(scan.exit_code, 1) << scan.err;
  EXPECT_EQ(rule_ids(scan.out), (std::set<std::string>{"aws-access-key-id", "generic-api-key"}));
  EXPECT_NE(scan.err.find(builtin), std::string::npos) << scan.err;
  EXPECT_EQ(scan.err.find(".gitleaks.toml"), std::string::npos) << scan.err;

  EXPECT_EQ(trawl("dir " + repo()).exit_code, 0);
  const CommandResult dir = trawl("dir " + repo() + " --no-repo-config --report-format json -l debug");
  EXPECT_EQ(dir.exit_code, 1) << dir.err;
  EXPECT_EQ(rule_ids(dir.out), (std::set<std::string>{"aws-access-key-id", "generic-api-key"}));
  EXPECT_NE(dir.err.find(builtin), std::string::npos) << dir.err;

  repo_->write("aws.env", "aws_access_key_id = AKIAITYZVPC6FDWSBICP\n");
  repo_->git("add aws.env");
  EXPECT_EQ(trawl("protect --staged " + repo()).exit_code, 0);
  const CommandResult staged = trawl("protect --staged " + repo() + " --no-repo-config --report-format json -l debug");
  EXPECT_EQ(staged.exit_code, 1) << staged.err;
  EXPECT_EQ(rule_ids(staged.out), std::set<std::string>{"aws-access-key-id"});
  EXPECT_NE(staged.err.find(builtin), std::string::npos) << staged.err;
}

TEST_F(CliRepoConfig, TheConfigFlagNeverReadsTheRepositoryConfig) {
  repo_->write(".gitleaks.toml", "this is [ not toml");
  const CommandResult r = trawl("scan " + repo() + " " + rules() + " -f json -l debug");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(rule_ids(r.out), std::set<std::string>{"test-token"});
  EXPECT_EQ(r.err.find(".gitleaks.toml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("trawl: using rules from " + rules_.string() + " (1 rules)\n"), std::string::npos) << r.err;
}

TEST_F(CliRepoConfig, ASymlinkedRepositoryConfigIsNotFollowed) {
  const std::string outside = write_rules("outside.toml", kHidingConfig);
  std::filesystem::create_symlink(outside, repo_->path() / ".gitleaks.toml");
  const CommandResult r = trawl("scan " + repo() + " -f json -l debug");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(rule_ids(r.out), (std::set<std::string>{"aws-access-key-id", "generic-api-key"}));
  EXPECT_NE(r.err.find("trawl: warning: " + (repo_->path() / ".gitleaks.toml").string() +
                       " is a symlink; not followed (a repository's rules file must be a regular file in it)\n"
                       "trawl: using rules from built-in ("),
            std::string::npos)
      << r.err;
}

TEST_F(Cli, ListSkippedNamesEachSkippedObjectAndTheSummaryCountsThem) {
  repo_->write("data.bin", std::string("\0\0\0binary", 9));
  repo_->commit("binary");
  std::string blob = repo_->git("rev-parse HEAD:data.bin");
  blob.pop_back();
  const CommandResult r = trawl("scan " + repo() + " " + rules() + " --list-skipped");
  EXPECT_NE(r.err.find("trawl: skipped binary " + blob + "\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("; 1 skipped\n"), std::string::npos) << r.err;
  const CommandResult details = trawl("scan " + repo() + " " + rules() + " -l debug");
  EXPECT_EQ(details.err.find("trawl: skipped binary "), std::string::npos) << details.err;
  EXPECT_NE(details.err.find("trawl: skipped 1 objects: binary 1\n"), std::string::npos) << details.err;
}

TEST_F(Cli, VersionNamesTheBackends) {
  const CommandResult r = trawl("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(r.out.starts_with("trawl ")) << r.out;
  EXPECT_NE(r.out.find("  cpu: usable"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  cuda: "), std::string::npos) << r.out;
}

TEST_F(Cli, RulesCheckReportsFailingExamples) {
  const std::string file = write_rules("ex.toml", std::string(kTestTokenRule) +
                                                      "examples = ['TOKEN=tok_a1b2c3d4e5f6g7h8i9j0', 'x = 1']\n"
                                                      "negative_examples = ['tok_short']\n");
  const CommandResult r = trawl("rules check " + shell_quote(file));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out,
            "FAIL test-token (" + file + ":2): example 2 is not found\n1 rules, 3 examples checked, 1 failures\n");
}

TEST_F(Cli, ADirectoryScanSaysWhereEachSecretIsFoundWithoutACommitOrADate) {
  repo_->write("conf/app.env", "A=1\nTOKEN=tok_a1b2c3d4e5f6g7h8i9j0\n");
  const CommandResult r = trawl("dir " + repo() + " " + rules());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("\nFound:       conf/app.env:2\n"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Introduced:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("1970-01-01"), std::string::npos) << r.out;
}

TEST_F(Cli, RulesCheckFindsEachExampleAsALineAmongOthers) {
  // RE2's $ and ^ are the text's ends: a rule that anchors to them finds its
  // examples alone but not a line of a file.
  const std::string file = write_rules("anchored.toml", R"(
[[rules]]
id = "line-end-pin"
description = "A pin that ends its line"
regex = '''pin=([0-9]{6})$'''
keywords = ["pin="]
examples = ['pin=482913', 'door pin=739104']
negative_examples = ['pin=12']

[[rules]]
id = "line-feed-pin"
description = "A pin and the line feed after it"
regex = '''pin=([0-9]{6})\n'''
keywords = ["pin="]
examples = ["pin=482913\n", "door pin=739104\n"]
negative_examples = ['pin=482913']
)");
  const CommandResult r = trawl("rules check " + shell_quote(file));
  EXPECT_EQ(r.exit_code, 1);
  const std::string between =
      " is found alone but not between two line feeds (^ or $ where (?m:^) or (?m:$) was meant?)\n";
  EXPECT_EQ(r.out, "FAIL line-end-pin (" + file + ":2): example 1" + between + "FAIL line-end-pin (" + file +
                       ":2): example 2" + between + "FAIL line-feed-pin (" + file +
                       ":10): negative example 1 is quiet alone but found between two line feeds\n"
                       "2 rules, 6 examples checked, 3 failures\n");
}

}  // namespace
}  // namespace trawl::test
