// Each finding's confidence: the rule's `confidence` key and the default of
// its kind, --min-confidence on every scanning command (default medium),
// the confidence in every report format and the summary's counts, and the
// datastore keeping it (SQLite here, PostgreSQL where a server can start).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "rules/rule_digest.h"
#include "rules/rule_loader.h"
#include "rules/span_choice.h"
#include "support/git_fixture.h"
#include "support/postgres_server.h"

namespace trawl::test {
namespace {

// One rule per level, each finding its own token.
constexpr const char* kRules = R"(
[[rules]]
id = "high-token"
description = "High token"
regex = '''\b(hig_[a-z0-9]{20})\b'''
keywords = ["hig_"]

[[rules]]
id = "medium-token"
description = "Medium token"
regex = '''\b(med_[a-z0-9]{20})\b'''
keywords = ["med_"]
confidence = "medium"

[[rules]]
id = "low-token"
description = "Low token"
regex = '''\b(low_[a-z0-9]{20})\b'''
keywords = ["low_"]
confidence = "low"
)";

const std::string kHigh = "hig_" + std::string(20, 'h');
const std::string kMedium = "med_" + std::string(20, 'm');
const std::string kLow = "low_" + std::string(20, 'l');

const Rule& rule_named(const RuleSet& rules, const std::string& id) {
  for (const Rule& r : rules.rules) {
    if (r.id == id) return r;
  }
  throw std::runtime_error("no rule " + id);
}

std::string config_error(const std::string& text) {
  try {
    load_rules_text(text, "rules.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(RuleConfidence, TheRuleFileSetsItAndEachKindHasADefault) {
  const RuleLoad load = load_rules_text(std::string(kRules) + R"toml(
[[rules]]
id = "generic-api-key"
regex = '''key = "([a-z]{8})"'''

[[rules]]
id = "some-password"
regex = '''pw = "([a-z]{8})"'''
validate = ["not-placeholder", "assigned-value"]

[[rules]]
id = "tagged-generic"
regex = '''x = "([a-z]{8})"'''
tags = ["generic"]

[[rules]]
id = "ssh-key-file"
path = '''(?:^|/)id_rsa$'''

[[rules]]
id = "a-jwt"
regex = '''(ey[A-Za-z0-9_.-]{20,})'''
validate = "jwt"
tags = ["generic"]
)toml",
                                        "rules.toml");
  EXPECT_EQ(rule_named(load.rules, "high-token").confidence, Confidence::kHigh);
  EXPECT_EQ(rule_named(load.rules, "medium-token").confidence, Confidence::kMedium);
  EXPECT_EQ(rule_named(load.rules, "low-token").confidence, Confidence::kLow);
  EXPECT_EQ(rule_named(load.rules, "generic-api-key").confidence, Confidence::kMedium);
  EXPECT_EQ(rule_named(load.rules, "some-password").confidence, Confidence::kMedium);
  EXPECT_EQ(rule_named(load.rules, "tagged-generic").confidence, Confidence::kMedium);
  EXPECT_EQ(rule_named(load.rules, "ssh-key-file").confidence, Confidence::kHigh);
  EXPECT_EQ(rule_named(load.rules, "a-jwt").confidence, Confidence::kHigh);
  EXPECT_TRUE(load.warnings.empty());
}

TEST(RuleConfidence, AnUnknownOrMistypedValueIsAnErrorNamingTheFileAndRule) {
  EXPECT_EQ(config_error("[[rules]]\nid = \"x\"\nregex = 'a'\nconfidence = \"certain\"\n"),
            "rules.toml:4: rule 'x': 'confidence' must be \"low\", \"medium\" or \"high\", not \"certain\"");
  EXPECT_EQ(config_error("[[rules]]\nid = \"x\"\nregex = 'a'\nconfidence = \"High\"\n"),
            "rules.toml:4: rule 'x': 'confidence' must be \"low\", \"medium\" or \"high\", not \"High\"");
  EXPECT_EQ(config_error("[[rules]]\nid = \"x\"\nregex = 'a'\nconfidence = 2\n"),
            "rules.toml:4: rule 'x': 'confidence' must be a string");
}

TEST(RuleConfidence, BuiltInRulesSayHowSureTheyAre) {
  const RuleLoad load = load_builtin_rules();
  EXPECT_EQ(rule_named(load.rules, "github-pat").confidence, Confidence::kHigh);
  EXPECT_EQ(rule_named(load.rules, "private-key").confidence, Confidence::kHigh);
  EXPECT_EQ(rule_named(load.rules, "netrc-password").confidence, Confidence::kHigh);
  EXPECT_EQ(rule_named(load.rules, "dockerfile-copy-secret-file").confidence, Confidence::kHigh);
  EXPECT_EQ(rule_named(load.rules, "password-assignment").confidence, Confidence::kMedium);
  EXPECT_EQ(rule_named(load.rules, "url-credentials").confidence, Confidence::kMedium);
  EXPECT_EQ(rule_named(load.rules, "postgres-connection-uri").confidence, Confidence::kMedium);
  EXPECT_EQ(rule_named(load.rules, "heroku-api-key").confidence, Confidence::kMedium);
  EXPECT_EQ(rule_named(load.rules, "dockerfile-env-secret").confidence, Confidence::kMedium);
}

TEST(RuleConfidence, OnlyAConfidenceOtherThanTheDefaultChangesTheRuleDigest) {
  const std::string base = "[[rules]]\nid = \"x\"\nregex = 'tok_[a-z]{9}'\n";
  const auto digest = [](const std::string& text) {
    return rule_digest(load_rules_text(text, "rules.toml").rules.rules.at(0));
  };
  EXPECT_EQ(digest(base), digest(base + "confidence = \"high\"\n"));
  EXPECT_NE(digest(base), digest(base + "confidence = \"low\"\n"));
}

// A low-confidence rule's hit never hides a surer rule's on the same span,
// though it is specific (not tagged generic) and the other is generic; the
// surer rules keep their usual order among themselves.
TEST(RuleConfidence, ALowConfidenceHitGivesWayOnItsSpan) {
  const RuleLoad load = load_rules_text(R"toml(
[[rules]]
id = "any-id"
regex = '''([0-9a-f]{8}-[0-9a-f]{4})'''
confidence = "low"

[[rules]]
id = "generic-key"
regex = '''key=([0-9a-f]{8}-[0-9a-f]{4})'''
tags = ["generic"]

[[rules]]
id = "vendor-key"
regex = '''vendor_key=([0-9a-f]{8}-[0-9a-f]{4})'''
)toml",
                                        "rules.toml");
  const RuleSet& rules = load.rules;
  auto hit = [](std::uint32_t rule, std::uint32_t column) {
    Hit h;
    h.rule = rule;
    h.secret = "4f1c2b7e-93d8";
    h.start_line = h.end_line = 1;
    h.start_column = column;
    h.end_column = column + 12;
    return h;
  };
  auto kept = [&](std::vector<Hit> hits) {
    std::vector<std::string> ids;
    for (const Hit& h : one_hit_per_span(rules, std::move(hits))) ids.push_back(rules.rules[h.rule].id);
    return ids;
  };
  EXPECT_EQ(kept({hit(0, 5), hit(1, 5)}), std::vector<std::string>{"generic-key"});
  EXPECT_EQ(kept({hit(1, 5), hit(0, 5)}), std::vector<std::string>{"generic-key"});
  EXPECT_EQ(kept({hit(0, 12), hit(1, 12), hit(2, 12)}), std::vector<std::string>{"vendor-key"});
  // Alone on its span, the low-confidence hit stands.
  EXPECT_EQ(kept({hit(0, 1), hit(1, 30)}), (std::vector<std::string>{"any-id", "generic-key"}));
}

class MinConfidence : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "rules.toml") << kRules;
    repo_ = std::make_unique<GitRepo>(dir_.path() / "repo");
    repo_->write("app.env", "A=" + kHigh + "\nB=" + kMedium + "\nC=" + kLow + "\n");
    repo_->commit("add env");
  }
  std::string rules() const { return "-c " + shell_quote((dir_.path() / "rules.toml").string()); }
  std::string repo() const { return shell_quote(repo_->path().string()); }
  CommandResult trawl(const std::string& args, const std::string& input = "") {
    const std::string feed = input.empty() ? "" : "printf '%s' " + shell_quote(input) + " | ";
    return run_command(feed + shell_quote(TRAWL_BINARY) + " " + args, dir_.path());
  }
  std::vector<std::string> rule_ids(const std::string& json_report) {
    std::vector<std::string> ids;
    const auto doc = nlohmann::json::parse(json_report);
    for (const auto& f : doc["findings"]) ids.push_back(f["rule_id"]);
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<GitRepo> repo_;
};

TEST_F(MinConfidence, ByDefaultLowConfidenceRulesAreNotRun) {
  const CommandResult r = trawl("scan " + repo() + " " + rules() + " -f json");
  ASSERT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(rule_ids(r.out), (std::vector<std::string>{"high-token", "medium-token"}));
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["findings"][0]["confidence"], "high");
  EXPECT_EQ(doc["findings"][1]["confidence"], "medium");
  EXPECT_EQ(doc["scan"]["findings_by_confidence"], (nlohmann::json{{"high", 1}, {"medium", 1}, {"low", 0}}));
  EXPECT_EQ(doc["scan"]["min_confidence"], "medium");
  // The low-confidence rule did not run: nothing of its is counted.
  EXPECT_EQ(doc["scan"]["below_min_confidence"], 0);
  EXPECT_EQ(doc["scan"]["rules_below_min_confidence"], 1);
  EXPECT_EQ(doc["scan"]["rule_count"], 2);
  ASSERT_EQ(doc["secrets"].size(), 2u);
  EXPECT_EQ(doc["secrets"][1]["rule_id"], "medium-token");
  EXPECT_TRUE(r.err.starts_with("trawl: 2 findings; scanned 1 commits, 1 of 1 blobs, ")) << r.err;
  EXPECT_NE(r.err.find("; by confidence: 1 high, 1 medium, 0 low\n"), std::string::npos) << r.err;
}

TEST_F(MinConfidence, TheFlagChoosesTheLevelOnEveryScanningCommand) {
  EXPECT_EQ(rule_ids(trawl("scan " + repo() + " " + rules() + " -f json --min-confidence low").out),
            (std::vector<std::string>{"high-token", "medium-token", "low-token"}));
  EXPECT_EQ(rule_ids(trawl("git " + repo() + " " + rules() + " -f json --min-confidence high").out),
            (std::vector<std::string>{"high-token"}));
  EXPECT_EQ(rule_ids(trawl("detect -s " + repo() + " " + rules() + " -f json --min-confidence high").out),
            (std::vector<std::string>{"high-token"}));
  EXPECT_EQ(rule_ids(trawl("dir " + repo() + " " + rules() + " -f json --min-confidence low").out),
            (std::vector<std::string>{"high-token", "medium-token", "low-token"}));
  EXPECT_EQ(rule_ids(trawl("stdin " + rules() + " -f json --min-confidence high", "X=" + kHigh + "\nY=" + kMedium).out),
            (std::vector<std::string>{"high-token"}));
  // Nothing at or above the level: exit 0, and the rules below it were not
  // run.
  const CommandResult none = trawl("stdin " + rules() + " -f json --min-confidence high", "Y=" + kMedium + "\n");
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(nlohmann::json::parse(none.out)["findings"].size(), 0u);
  EXPECT_EQ(nlohmann::json::parse(none.out)["scan"]["rules_below_min_confidence"], 2);
  const CommandResult logged = trawl("stdin " + rules() + " -l debug --min-confidence high", "Y=" + kMedium + "\n");
  EXPECT_NE(logged.err.find(" (1 rules; 2 below --min-confidence high not run)\n"), std::string::npos) << logged.err;
  // A rule enabled by name but below the level: a warning says it was not run.
  const CommandResult named = trawl("stdin " + rules() + " --enable-rule low-token -f json", "C=" + kLow + "\n");
  EXPECT_EQ(named.exit_code, 0) << named.err;
  EXPECT_NE(named.err.find("trawl: warning: --enable-rule low-token: its confidence is low, below --min-confidence "
                           "medium: not run (--min-confidence low runs it)\n"),
            std::string::npos)
      << named.err;
  EXPECT_EQ(
      rule_ids(
          trawl("stdin " + rules() + " --enable-rule low-token -f json --min-confidence low", "C=" + kLow + "\n").out),
      std::vector<std::string>{"low-token"});
  // `rules why` explains every rule's values, whatever their confidence.
  std::ofstream(dir_.path() / "low.env") << "C=" << kLow << "\n";
  const CommandResult why = trawl("rules why low.env:1 " + rules() + " --show-secret");
  EXPECT_NE(why.out.find("candidate low-token at 1:3, secret " + kLow +
                         ", entropy 0.74: reported at confidence low "
                         "(shown with --min-confidence low)\n"),
            std::string::npos)
      << why.out;
  for (const char* command :
       {"scan", "git", "detect", "protect", "dir", "stdin", "image", "dockerfile", "sweep", "report"}) {
    const CommandResult help = trawl(std::string(command) + " --help");
    EXPECT_NE(help.out.find("--min-confidence"), std::string::npos) << command;
  }
  const CommandResult bad = trawl("scan " + repo() + " " + rules() + " --min-confidence certain");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--min-confidence"), std::string::npos) << bad.err;
}

TEST_F(MinConfidence, EveryReportFormatCarriesIt) {
  const std::string args = "scan " + repo() + " " + rules() + " --min-confidence low --redact=0 -f ";
  const auto sarif = nlohmann::json::parse(trawl(args + "sarif").out);
  const auto& results = sarif["runs"][0]["results"];
  ASSERT_EQ(results.size(), 3u);
  const std::vector<std::pair<std::string, int>> level_rank = {{"error", 90}, {"warning", 60}, {"note", 30}};
  const std::vector<std::string> names = {"high", "medium", "low"};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(results[i]["level"], level_rank[i].first) << i;
    EXPECT_EQ(results[i]["rank"], level_rank[i].second) << i;
    EXPECT_EQ(results[i]["properties"]["confidence"], names[i]) << i;
    const auto& rule = sarif["runs"][0]["tool"]["driver"]["rules"][i];
    EXPECT_EQ(rule["defaultConfiguration"]["level"], level_rank[i].first) << i;
    EXPECT_EQ(rule["properties"]["precision"], names[i]) << i;
  }

  const auto gitleaks = nlohmann::json::parse(trawl(args + "gitleaks").out);
  ASSERT_EQ(gitleaks.size(), 3u);
  EXPECT_EQ(gitleaks[2]["RuleID"], "low-token");
  EXPECT_EQ(gitleaks[2]["Confidence"], "low");

  const std::string jsonl = trawl(args + "jsonl").out;
  EXPECT_EQ(nlohmann::json::parse(jsonl.substr(0, jsonl.find('\n')))["confidence"], "high");

  const std::string csv = trawl(args + "csv").out;
  EXPECT_TRUE(
      csv.starts_with("RuleID,Commit,File,SymlinkFile,Secret,Match,StartLine,EndLine,StartColumn,EndColumn,"
                      "Author,Message,Date,Email,Fingerprint,Tags,Confidence\r\n"))
      << csv;
  EXPECT_NE(csv.find(":app.env:low-token:3,,low\r\n"), std::string::npos) << csv;

  EXPECT_NE(trawl(args + "junit").out.find("RuleID: medium-token\nConfidence: medium\nFile: app.env\n"),
            std::string::npos);
  EXPECT_NE(trawl(args + "text").out.find("low-token  app.env:3  (low)\n  secret  " + kLow + "\n"), std::string::npos);
  const std::string blocks = trawl("scan " + repo() + " " + rules() + " --min-confidence low -v").out;
  EXPECT_NE(blocks.find("\nConfidence:  low\nFile:        app.env\nLine:        3\n"), std::string::npos) << blocks;
}

TEST_F(MinConfidence, TheDatastoreKeepsEveryFindingWithItsConfidence) {
  const std::string store = shell_quote((dir_.path() / "store.db").string());
  // At --min-confidence high the store still gets the medium rule's finding;
  // the low rule does not run.
  const CommandResult scan =
      trawl("scan " + repo() + " " + rules() + " --datastore " + store + " -f json --min-confidence high");
  ASSERT_EQ(scan.exit_code, 1) << scan.err;
  EXPECT_EQ(rule_ids(scan.out), (std::vector<std::string>{"high-token"}));
  EXPECT_EQ(nlohmann::json::parse(scan.out)["scan"]["below_min_confidence"], 1);
  EXPECT_EQ(nlohmann::json::parse(scan.out)["scan"]["rules_below_min_confidence"], 1);

  const CommandResult kept = trawl("report --datastore " + store + " -f json --min-confidence low");
  ASSERT_EQ(kept.exit_code, 1) << kept.err;
  EXPECT_EQ(rule_ids(kept.out), (std::vector<std::string>{"high-token", "medium-token"}));

  // The same rules at the default level: the stored result is given again.
  const CommandResult again = trawl("scan " + repo() + " " + rules() + " --datastore " + store + " -f json");
  EXPECT_EQ(rule_ids(again.out), (std::vector<std::string>{"high-token", "medium-token"}));
  EXPECT_EQ(nlohmann::json::parse(again.out)["scan"]["history_walked"], false);

  // At low the low rule runs too, on the stored blob, and the store keeps
  // all three findings with their confidence.
  const CommandResult low =
      trawl("scan " + repo() + " " + rules() + " --datastore " + store + " -f json --min-confidence low");
  EXPECT_EQ(rule_ids(low.out), (std::vector<std::string>{"high-token", "medium-token", "low-token"}));
  const CommandResult all = trawl("report --datastore " + store + " -f json --min-confidence low");
  ASSERT_EQ(all.exit_code, 1) << all.err;
  const auto doc = nlohmann::json::parse(all.out);
  ASSERT_EQ(doc["findings"].size(), 3u);
  std::vector<std::string> confidences;
  for (const auto& f : doc["findings"]) confidences.push_back(f["confidence"]);
  std::sort(confidences.begin(), confidences.end());
  EXPECT_EQ(confidences, (std::vector<std::string>{"high", "low", "medium"}));

  const CommandResult shown = trawl("report --datastore " + store + " -f json");
  EXPECT_EQ(nlohmann::json::parse(shown.out)["findings"].size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(shown.out)["scan"]["below_min_confidence"], 1);
  EXPECT_NE(shown.err.find("trawl: by confidence: 1 high, 1 medium, 0 low; 1 below --min-confidence medium, not "
                           "reported\n"),
            std::string::npos)
      << shown.err;
}

TEST_F(MinConfidence, APostgresStoreKeepsTheConfidenceToo) {
  TRAWL_REQUIRE_POSTGRES();
  PostgresServer server;
  const std::string url = shell_quote(server.create_database());
  ASSERT_EQ(trawl("scan " + repo() + " " + rules() + " --datastore " + url + " -f json --min-confidence low").exit_code,
            1);
  const CommandResult all = trawl("report --datastore " + url + " -f gitleaks --min-confidence low");
  const auto doc = nlohmann::json::parse(all.out);
  ASSERT_EQ(doc.size(), 3u);
  std::vector<std::string> confidences;
  for (const auto& f : doc) confidences.push_back(f["Confidence"]);
  std::sort(confidences.begin(), confidences.end());
  EXPECT_EQ(confidences, (std::vector<std::string>{"high", "low", "medium"}));
}

}  // namespace
}  // namespace trawl::test
