// What a gitleaks user brings to trawl: --log-opts, log levels, where the
// output goes, the built-in rules' gitleaks ids in ignore files, baselines,
// disabledRules and --enable-rule, [[rules.required]] composite rules, and
// gitleaks' environment and flags on the command line.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/log_filter.h"
#include "cli/log_opts.h"
#include "cli/scan_flags.h"
#include "rules/rule_loader.h"
#include "support/git_fixture.h"
#include "support/test_rules.h"

namespace trawl::test {
namespace {

TEST(LogOpts, ReadsRangesDatesAuthorsRefKindsAndPaths) {
  HistoryScope scope;
  apply_log_opts("--branches --since=2024-01-01 --until '2024-02-01T10:30' --author=Ada main~2..main -- src ./docs/",
                 scope);
  EXPECT_EQ(scope.ref_prefix, "refs/heads/");
  EXPECT_EQ(scope.since, 1704067200);
  EXPECT_EQ(scope.until, 1706783400);
  EXPECT_EQ(scope.author, "Ada");
  EXPECT_EQ(scope.exclude, "main~2");
  EXPECT_EQ(scope.tip, "main");
  EXPECT_EQ(scope.paths, (std::vector<std::string>{"src", "docs"}));

  HistoryScope all;
  apply_log_opts("--all --full-history", all);
  EXPECT_TRUE(all.tip.empty());
  EXPECT_TRUE(all.ref_prefix.empty());
}

TEST(LogOpts, RefusesWhatItCannotHonourNamingTheOption) {
  HistoryScope scope;
  try {
    apply_log_opts("--all --grep=fix", scope);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--log-opts: '--grep=fix' is not supported (trawl reads the history without running git); supported: "
              "A..B, REV, --all, --branches, --tags, --since, --until, --author, --full-history, -- PATH");
  }
  EXPECT_THROW(apply_log_opts("--since='2 weeks ago'", scope), UsageError);
  EXPECT_THROW(apply_log_opts("a..b c..d", scope), UsageError);
  EXPECT_THROW(apply_log_opts("A...B", scope), UsageError);
}

TEST(LogLevels, DefaultShowsWarningsAndTheGpuLineDebugShowsEveryLine) {
  const std::string lines =
      "trawl: using rules from built-in (9 rules)\ntrawl: warning: odd key\ntrawl: backend cuda (NVIDIA H200)\n"
      "trawl: backend cpu (no usable CUDA device: none)\n";
  auto through = [&](LogLevel level) {
    std::ostringstream out;
    {
      FilteredLog log(out, level);
      log << lines;
    }
    return out.str();
  };
  EXPECT_EQ(through(LogLevel::kInfo), "trawl: warning: odd key\ntrawl: backend cuda (NVIDIA H200)\n");
  EXPECT_EQ(through(LogLevel::kWarn), "trawl: warning: odd key\n");
  EXPECT_EQ(through(LogLevel::kError), "");
  EXPECT_EQ(through(LogLevel::kDebug), lines);
  EXPECT_EQ(parse_log_level("trace"), LogLevel::kDebug);
  EXPECT_EQ(parse_log_level("fatal"), LogLevel::kError);
  EXPECT_THROW(parse_log_level("loud"), std::invalid_argument);
}

TEST(OutputPlans, MaskedTextOnStdoutByDefaultMachineFormatsOnlyWhenAsked) {
  OutputFlags flags;
  OutputPlan plan = plan_output(flags, nullptr, "xterm", false, false);
  EXPECT_TRUE(plan.report);
  EXPECT_EQ(plan.format, ReportFormat::kText);
  EXPECT_EQ(plan.redact, kTextRedactPercent);
  EXPECT_FALSE(plan.blocks);

  flags.report_path = "out.sarif";
  plan = plan_output(flags, nullptr, "xterm", false, false);
  EXPECT_EQ(plan.format, ReportFormat::kSarif);
  EXPECT_EQ(plan.redact, 0u);
  flags.report_path = "out.xml";
  EXPECT_EQ(plan_output(flags, nullptr, nullptr, false, false).format, ReportFormat::kJunit);
  flags.report_path = "report";
  EXPECT_EQ(plan_output(flags, nullptr, nullptr, false, false).format, ReportFormat::kJson);

  OutputFlags shown;
  shown.redact = 0;
  EXPECT_EQ(plan_output(shown, nullptr, nullptr, false, false).redact, 0u);
  OutputFlags json;
  json.report_format = "json";
  EXPECT_EQ(plan_output(json, nullptr, nullptr, false, false).format, ReportFormat::kJson);
  json.report_format = "template";
  EXPECT_THROW(plan_output(json, nullptr, nullptr, false, false), std::invalid_argument);
}

TEST(OutputPlans, ColourOnlyOnATerminalWithoutNoColorDumbTermOrTheFlag) {
  OutputFlags flags;
  EXPECT_TRUE(plan_output(flags, nullptr, "xterm", true, true).colour);
  EXPECT_TRUE(plan_output(flags, "", "xterm", true, true).colour);
  EXPECT_FALSE(plan_output(flags, nullptr, "xterm", false, true).colour);
  EXPECT_FALSE(plan_output(flags, "1", "xterm", true, true).colour);
  EXPECT_FALSE(plan_output(flags, nullptr, "dumb", true, true).colour);
  flags.no_color = true;
  EXPECT_FALSE(plan_output(flags, nullptr, "xterm", true, true).colour);
}

TEST(OutputPlans, VerboseBlocksStandInForTheDefaultTextAndGoToStderrBesideAReportOnStdout) {
  OutputFlags flags;
  flags.verbose = true;
  OutputPlan plan = plan_output(flags, nullptr, nullptr, false, false);
  EXPECT_FALSE(plan.report);
  EXPECT_TRUE(plan.blocks);
  EXPECT_FALSE(plan.blocks_to_stderr);
  EXPECT_EQ(plan.blocks_redact, kTextRedactPercent);
  flags.report_format = "json";
  plan = plan_output(flags, nullptr, nullptr, false, false);
  EXPECT_TRUE(plan.report);
  EXPECT_TRUE(plan.blocks_to_stderr);
  flags.report_path = "r.json";
  EXPECT_FALSE(plan_output(flags, nullptr, nullptr, false, false).blocks_to_stderr);
  EXPECT_EQ(log_level_of(flags), LogLevel::kDebug);
  flags.quiet = true;
  EXPECT_EQ(log_level_of(flags), LogLevel::kError);
  flags.log_level = "warn";
  EXPECT_EQ(log_level_of(flags), LogLevel::kWarn);
}

// gitleaks' default rule ids that the built-in rules answer to.
const std::vector<std::string> kGitleaksIds = {"aws-access-token",
                                               "github-pat",
                                               "github-oauth",
                                               "github-app-token",
                                               "gitlab-pat",
                                               "gitlab-ptt",
                                               "gitlab-rrt",
                                               "generic-api-key",
                                               "private-key",
                                               "slack-bot-token",
                                               "slack-user-token",
                                               "slack-webhook-url",
                                               "stripe-access-token",
                                               "jwt",
                                               "gcp-api-key",
                                               "npm-access-token",
                                               "pypi-upload-token",
                                               "sendgrid-api-token",
                                               "twilio-api-key",
                                               "openai-api-key",
                                               "heroku-api-key",
                                               "vault-service-token",
                                               "hashicorp-tf-api-token",
                                               "telegram-bot-api-token",
                                               "shopify-access-token",
                                               "age-secret-key",
                                               "digitalocean-pat",
                                               "mailgun-private-api-token"};

TEST(GitleaksRuleIds, EveryListedGitleaksIdNamesABuiltInRule) {
  const RuleLoad builtin = load_builtin_rules();
  for (const std::string& id : kGitleaksIds) {
    const bool known = std::any_of(builtin.rules.rules.begin(), builtin.rules.rules.end(),
                                   [&](const Rule& r) { return r.answers_to(id); });
    EXPECT_TRUE(known) << id;
  }
  const auto aws = std::find_if(builtin.rules.rules.begin(), builtin.rules.rules.end(),
                                [](const Rule& r) { return r.answers_to("aws-access-token"); });
  ASSERT_NE(aws, builtin.rules.rules.end());
  EXPECT_EQ(aws->id, "aws-access-key-id");
}

TEST(GitleaksRuleIds, DisabledRulesAndTargetRulesTakeGitleaksIds) {
  const RuleLoad load = load_rules_text(
      "[extend]\nuseDefault = true\ndisabledRules = ['aws-access-token', 'stripe-access-token']\n", "gitleaks.toml");
  for (const Rule& r : load.rules.rules) {
    EXPECT_NE(r.id, "aws-access-key-id");
    EXPECT_FALSE(r.id.starts_with("stripe-live-")) << r.id;
  }
  // A rule of the file named by a built-in rule's gitleaks id replaces it.
  const RuleLoad replaced = load_rules_text(
      "[extend]\nuseDefault = true\n[[rules]]\nid = 'aws-access-token'\nregex = '''AKIA[A-Z0-9]{16}'''\n", "g.toml");
  EXPECT_EQ(std::count_if(replaced.rules.rules.begin(), replaced.rules.rules.end(),
                          [](const Rule& r) { return r.answers_to("aws-access-token"); }),
            1);
}

constexpr const char* kCompositeRules = R"(
[[rules]]
id = "client-id"
regex = '''client_id=(cid_[a-z0-9]{8})'''
keywords = ["cid_"]
skipReport = true

[[rules]]
id = "client-secret"
regex = '''client_secret=(sec_[a-z0-9]{16})'''
keywords = ["sec_"]
  [[rules.required]]
  id = "client-id"
  withinLines = 2
)";

TEST(CompositeRules, AnUndefinedRequiredRuleIsAnErrorNamingIt) {
  try {
    load_rules_text("[[rules]]\nid = 'a'\nregex = 'x'\n  [[rules.required]]\n  id = 'b'\n", "c.toml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "c.toml:1: rule 'a': required rule 'b' is not defined");
  }
}

class GitleaksCli : public ::testing::Test {
 protected:
  void SetUp() override {
    repo_ = std::make_unique<GitRepo>(dir_.path() / "repo");
    repo_->write("aws.env", "aws_access_key_id = AKIABDKS4STYOE6ZCGK7\n");
    commit_ = repo_->commit("add aws");
  }
  CommandResult trawl(const std::string& args, const std::string& env = "") {
    return run_command(env + shell_quote(TRAWL_BINARY) + " " + args, repo_->path());
  }
  static std::set<std::string> rule_ids(const std::string& report) {
    std::set<std::string> ids;
    const auto doc = nlohmann::json::parse(report);
    for (const auto& f : doc["findings"]) ids.insert(f["rule_id"].get<std::string>());
    return ids;
  }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path.string();
  }

  TempDir dir_;
  std::unique_ptr<GitRepo> repo_;
  std::string commit_;
};

TEST_F(GitleaksCli, IgnoreEntriesBaselinesAndEnableRuleTakeGitleaksIds) {
  EXPECT_EQ(rule_ids(trawl("scan -f json").out), std::set<std::string>{"aws-access-key-id"});
  EXPECT_EQ(rule_ids(trawl("scan -f json --enable-rule aws-access-token").out),
            std::set<std::string>{"aws-access-key-id"});
  EXPECT_EQ(trawl("scan --enable-rule github-pat,private-key").exit_code, 0);
  const CommandResult unknown = trawl("scan --enable-rule no-such-rule");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err, "trawl: error: --enable-rule: no rule 'no-such-rule' in built-in\n");

  const std::string ignore = write("ignore", "aws.env:aws-access-token:1\n");
  const CommandResult ignored = trawl("scan -f json -i " + shell_quote(ignore));
  EXPECT_EQ(ignored.exit_code, 0) << ignored.err;
  EXPECT_EQ(nlohmann::json::parse(ignored.out)["scan"]["suppressed"]["ignore_file"], 1);
  const std::string with_commit = write("ignore2", commit_ + ":aws.env:aws-access-token:1\n");
  EXPECT_EQ(trawl("scan -i " + shell_quote(with_commit)).exit_code, 0);
  const CommandResult missing = trawl("scan -i " + shell_quote((dir_.path() / "none").string()));
  EXPECT_EQ(missing.exit_code, 2);

  // A report gitleaks wrote names the rule by its own id.
  const std::string baseline = write("gitleaks-report.json", "[{\"RuleID\": \"aws-access-token\", \"Fingerprint\": \"" +
                                                                 commit_ + ":aws.env:aws-access-token:1\"}]");
  const CommandResult based = trawl("git -f json --baseline-path " + shell_quote(baseline));
  EXPECT_EQ(based.exit_code, 0) << based.out;
  EXPECT_EQ(nlohmann::json::parse(based.out)["scan"]["suppressed"]["baseline"], 1);
}

TEST_F(GitleaksCli, CompositeRulesReportOnlyNearTheirRequiredRules) {
  const std::string rules = write("composite.toml", kCompositeRules);
  const auto files = dir_.path() / "files";
  std::filesystem::create_directories(files);
  std::ofstream(files / "near.env") << "client_id=cid_a1b2c3d4\nclient_secret=sec_a1b2c3d4e5f6g7h8\n";
  std::ofstream(files / "far.env") << "client_id=cid_a1b2c3d4\n\n\n\nclient_secret=sec_a1b2c3d4e5f6g7h8\n";
  std::ofstream(files / "alone.env") << "client_secret=sec_a1b2c3d4e5f6g7h8\n";
  const CommandResult r = trawl("dir " + shell_quote(files.string()) + " -f json -c " + shell_quote(rules));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["findings"].size(), 1u) << r.out;
  EXPECT_EQ(doc["findings"][0]["rule_id"], "client-secret");
  EXPECT_EQ(doc["findings"][0]["path"], "near.env");
  EXPECT_EQ(doc["findings"][0]["line"], 2);
}

TEST_F(GitleaksCli, GitleaksConfigEnvironmentVariablesChooseTheRules) {
  const std::string rules = write("env.toml", std::string(kTestTokenRule));
  repo_->write("t.env", "T=tok_e1n2v3c4o5n6f7i8g9x0\n");
  repo_->commit("token");
  EXPECT_EQ(rule_ids(trawl("scan -f json", "GITLEAKS_CONFIG=" + shell_quote(rules) + " ").out),
            std::set<std::string>{"test-token"});
  EXPECT_EQ(
      rule_ids(trawl("scan -f json", "GITLEAKS_CONFIG_TOML=" + shell_quote(std::string(kTestTokenRule)) + " ").out),
      std::set<std::string>{"test-token"});
  // --config wins over the environment.
  EXPECT_EQ(rule_ids(trawl("scan -f json -c " + shell_quote(rules), "GITLEAKS_CONFIG=/nonexistent ").out),
            std::set<std::string>{"test-token"});
}

TEST_F(GitleaksCli, IgnoreGitleaksAllowReportsMarkedLines) {
  GitRepo fresh(dir_.path() / "fresh");
  fresh.write("aws.env", "aws_access_key_id = AKIABDKS4STYOE6ZCGK7 # gitleaks:allow\n");
  fresh.commit("allowed");
  const std::string path = shell_quote(fresh.path().string());
  EXPECT_EQ(trawl("scan " + path).exit_code, 0);
  EXPECT_EQ(trawl("scan " + path + " --ignore-gitleaks-allow").exit_code, 1);
}

TEST_F(GitleaksCli, RefusesTemplatesAndUnsupportedLogOptsNamingTrawlsEquivalent) {
  const CommandResult format = trawl("git -f template");
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_EQ(format.err,
            "trawl: error: --report-format template: Go templates are not supported; use --report-format json or "
            "jsonl with a JSON tool (e.g. jq), or csv\n");
  const CommandResult report_template = trawl("git --report-template t.tmpl");
  EXPECT_EQ(report_template.exit_code, 2);
  EXPECT_TRUE(report_template.err.starts_with("trawl: error: --report-template: Go templates are not supported"));
  const CommandResult log_opts = trawl("git --log-opts='--first-parent'");
  EXPECT_EQ(log_opts.exit_code, 2);
  EXPECT_TRUE(log_opts.err.starts_with("trawl: error: --log-opts: '--first-parent' is not supported")) << log_opts.err;
}

TEST_F(GitleaksCli, LogOptsLimitTheHistoryByPathAuthorAndDate) {
  repo_->write("src/app.env", "aws_access_key_id = AKIAITYZVPC6FDWSBICP\n");
  repo_->commit("src");
  EXPECT_EQ(rule_ids(trawl("git -f json --log-opts='-- src'").out), std::set<std::string>{"aws-access-key-id"});
  const auto in_src = nlohmann::json::parse(trawl("git -f json --log-opts='-- src'").out)["findings"];
  for (const auto& f : in_src) EXPECT_EQ(f["path"], "src/app.env");
  EXPECT_EQ(trawl("git --log-opts='--author=Nobody'").exit_code, 0);
  EXPECT_EQ(trawl("git --log-opts='--since=2030-01-01'").exit_code, 0);
  EXPECT_EQ(trawl("git --log-opts='--until=2000-01-01'").exit_code, 0);
  EXPECT_EQ(trawl("git --log-opts='" + commit_ + "..HEAD -- aws.env'").exit_code, 0);
  EXPECT_EQ(trawl("git --log-opts='--branches --author=Ada'").exit_code, 1);
}

TEST_F(GitleaksCli, StderrSaysOneLineByDefaultNoneWhenQuietAndDetailsWhenVerbose) {
  const CommandResult plain = trawl("git");
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_EQ(std::count(plain.err.begin(), plain.err.end(), '\n'), 1) << plain.err;
  EXPECT_TRUE(plain.err.starts_with("trawl: 1 finding; scanned 1 commits, 1 of 1 blobs, ")) << plain.err;
  EXPECT_EQ(plain.err.find("CUDA"), std::string::npos) << plain.err;
  EXPECT_EQ(trawl("git --quiet").err, "");
  EXPECT_EQ(trawl("git -l error --no-banner").err, "");
  const CommandResult verbose = trawl("git -v");
  EXPECT_NE(verbose.err.find("trawl: using rules from built-in"), std::string::npos) << verbose.err;
}

TEST_F(GitleaksCli, MaxTargetMegabytesAndTimeoutAreHonoured) {
  repo_->write("big.env", std::string(1'500'000, 'x') + "\naws_access_key_id = AKIAITYZVPC6FDWSBICP\n");
  repo_->commit("big");
  const CommandResult limited = trawl("git -f json --max-target-megabytes 1");
  EXPECT_EQ(nlohmann::json::parse(limited.out)["scan"]["skipped"]["too_large"], 1) << limited.out;
  const CommandResult unlimited = trawl("git -f json --max-target-megabytes 2 --timeout 600");
  EXPECT_EQ(nlohmann::json::parse(unlimited.out)["findings"].size(), 2u) << unlimited.out;
}

// The command lines of gitleaks' README (and its common flags), with
// "gitleaks" replaced by trawl, run in a repository holding one AWS key. Each
// must be accepted and do what gitleaks does.
class GitleaksReadme : public GitleaksCli {
 protected:
  std::string slurp(const std::string& name) {
    std::ifstream in(dir_.path() / name);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::string out_path(const std::string& name) { return shell_quote((dir_.path() / name).string()); }
};

TEST_F(GitleaksReadme, VerboseScansPrintGitleaksFindingBlocks) {
  for (const std::string command : {"git -v", "git -v .", "detect --source . -v", "detect -v --no-banner", "dir -v .",
                                    "detect --no-git --source . -v", "git -v --redact=0"}) {
    const CommandResult r = trawl(command);
    EXPECT_EQ(r.exit_code, 1) << command << "\n" << r.err;
    EXPECT_NE(r.out.find("Finding:     aws_access_key_id = "), std::string::npos) << command << "\n" << r.out;
    EXPECT_NE(r.out.find("RuleID:      aws-access-key-id\n"), std::string::npos) << command;
    EXPECT_NE(r.out.find("File:        aws.env\nLine:        1\n"), std::string::npos) << command;
    if (command.starts_with("git") || command.starts_with("detect --source . -v") ||
        command == "detect -v --no-banner") {
      EXPECT_NE(r.out.find("Commit:      " + commit_ + "\n"), std::string::npos) << command;
    }
    const bool shown = command.ends_with("--redact=0");
    EXPECT_EQ(r.out.find("AKIABDKS4STYOE6ZCGK7") != std::string::npos, shown) << command;
  }
}

TEST_F(GitleaksReadme, ReportsGoWhereAndAsAsked) {
  struct Case {
    std::string args;
    std::string file;
    std::string starts;
  };
  const std::vector<Case> cases = {
      {"git --report-path " + out_path("r.json"), "r.json", "{\n  \"version\": 1"},
      {"git -f gitleaks -r " + out_path("g.json"), "g.json", "[\n  {\n    \"RuleID\""},
      {"detect --source . --report-format sarif --report-path " + out_path("r.sarif"), "r.sarif", "{\n  \"$schema\""},
      {"git --report-format csv --report-path " + out_path("r.csv"), "r.csv", "RuleID,Commit,File"},
      {"git --report-format junit --report-path " + out_path("r.xml"), "r.xml", "<?xml"},
      {"git --report-path " + out_path("r.xml"), "r.xml", "<?xml"},
  };
  for (const Case& c : cases) {
    const CommandResult r = trawl(c.args);
    EXPECT_EQ(r.exit_code, 1) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
    EXPECT_TRUE(slurp(c.file).starts_with(c.starts)) << c.args << "\n" << slurp(c.file);
  }
}

TEST_F(GitleaksReadme, RedactExitCodeAndBaselineBehaveAsInGitleaks) {
  const CommandResult redacted = trawl("git --redact -v");
  EXPECT_EQ(redacted.out.find("AKIABDKS4STYOE6ZCGK7"), std::string::npos);
  EXPECT_NE(redacted.out.find("Secret:      REDACTED\n"), std::string::npos) << redacted.out;
  EXPECT_EQ(trawl("git --exit-code 0").exit_code, 0);
  EXPECT_EQ(trawl("git --exit-code=7").exit_code, 7);

  ASSERT_EQ(trawl("git --report-format gitleaks --report-path " + out_path("gitleaks-report.json")).exit_code, 1);
  repo_->write("new.env", "aws_access_key_id = AKIAITYZVPC6FDWSBICP\n");
  repo_->commit("another");
  const CommandResult r =
      trawl("git --baseline-path " + out_path("gitleaks-report.json") + " --report-path " + out_path("findings.json"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto findings = nlohmann::json::parse(slurp("findings.json"))["findings"];
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0]["path"], "new.env");
}

TEST_F(GitleaksReadme, ProtectStagedDirectoriesFilesAndStdin) {
  repo_->write("staged.env", "aws_access_key_id = AKIAITYZVPC6FDWSBICP\n");
  repo_->git("add staged.env");
  const CommandResult staged = trawl("protect --staged -v");
  EXPECT_EQ(staged.exit_code, 1) << staged.err;
  EXPECT_NE(staged.out.find("File:        staged.env\n"), std::string::npos) << staged.out;
  EXPECT_EQ(trawl("protect --staged --source . --redact --exit-code 9").exit_code, 9);
  EXPECT_EQ(trawl("protect -v").exit_code, 0);

  EXPECT_EQ(trawl("dir aws.env").exit_code, 1);
  EXPECT_EQ(trawl("directory .").exit_code, 1);
  EXPECT_EQ(run_command("cat aws.env | " + shell_quote(TRAWL_BINARY) + " stdin", repo_->path()).exit_code, 1);
  EXPECT_EQ(trawl("git --log-opts='--all " + commit_ + "..HEAD'").exit_code, 0);
  EXPECT_EQ(trawl("git --config " + shell_quote(write("r.toml", std::string(kTestTokenRule)))).exit_code, 0);
  EXPECT_EQ(trawl("dir . --follow-symlinks --max-target-megabytes 10 --timeout 60 -l debug").exit_code, 1);
}

}  // namespace
}  // namespace trawl::test
