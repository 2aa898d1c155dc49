// `trawl rules why FILE:LINE`: which rules considered a line and what
// reported or dropped each candidate there, exactly as `trawl dir` decides.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "engine/scanner.h"
#include "rules/assigned_value.h"
#include "rules/placeholders.h"
#include "rules/rule_loader.h"
#include "support/git_fixture.h"

namespace trawl::test {
namespace {

// One rule per way a candidate can go; regexes bounded to one line, so a
// one-line file is explained by the rules whose keywords it holds alone.
constexpr std::string_view kWhyRules = R"(
[[rules]]
id = "test-token"
description = "Test token"
regex = '''\b(tok_[a-z0-9]{20})\b'''
keywords = ["tok_"]
[[rules.allowlists]]
description = "zeros"
regexes = ['''^tok_0000''']

[[rules]]
id = "test-password"
regex = '''password[ \t]*=[ \t]*["']?([^ \t\r\n"']+)'''
keywords = ["password"]
validate = ["not-placeholder", "assigned-value"]

[[rules]]
id = "test-entropy"
regex = '''secret[ \t]*=[ \t]*([^ \t\r\n]+)'''
keywords = ["secret"]
entropy = 3.5

[[rules]]
id = "test-github"
regex = '''\b(ghp_[A-Za-z0-9]{36})\b'''
keywords = ["ghp_"]
validate = "github-checksum"

[[rules]]
id = "test-scoped"
regex = '''scoped_([a-z0-9]{16})'''
keywords = ["scoped_"]
path = '''\.env$'''

[[rules]]
id = "test-stopword"
regex = '''\b(stk_[a-z0-9]{12})\b'''
keywords = ["stk_"]
[[rules.allowlists]]
description = "fixtures"
stopwords = ["fixture"]

[[rules]]
id = "test-generic"
regex = '''APIKEY=([^ \t\r\n]+)'''
keywords = ["apikey"]
tags = ["generic"]

[[rules]]
id = "test-stripe"
regex = '''\b(sk_test_[A-Za-z0-9]{24,99})\b'''
keywords = ["sk_test_"]

[[rules]]
id = "test-two-lines"
regex = '''begin\n([a-z0-9]{12})'''
keywords = ["begin"]

[[allowlists]]
description = "test paths"
paths = ['''(^|/)testdata/''']
)";

const std::string kToken = "tok_c1i2c3l4i5c6l7i8c9l0";

class RulesWhy : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "files");
    std::ofstream(dir_.path() / "rules.toml") << kWhyRules;
  }
  // Writes files/`name` and runs `trawl rules why files/name:LINE` with the
  // rules above.
  CommandResult why(const std::string& name, const std::string& text, std::uint32_t line,
                    const std::string& extra = "") {
    std::ofstream(dir_.path() / "files" / name) << text;
    return trawl("rules why " + shell_quote("files/" + name + ":" + std::to_string(line)) + " -c rules.toml " + extra);
  }
  CommandResult trawl(const std::string& args) {
    return run_command("timeout 120 " + shell_quote(TRAWL_BINARY) + " " + args, dir_.path());
  }

  TempDir dir_;
};

TEST_F(RulesWhy, ReportsAFindingWithItsSecretMasked) {
  const CommandResult r = why("app.env", "# app\nTOKEN=" + kToken + "\n", 2);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "app.env:2\n"
            "rule test-token: keyword \"tok_\" on this line\n"
            "candidate test-token at 2:7, secret REDACTED, entropy 3.86: reported\n");
  EXPECT_EQ(r.err.find(kToken), std::string::npos);
}

TEST_F(RulesWhy, ShowsTheSecretOnlyWhenAskedAndHonoursRedact) {
  const CommandResult shown = why("app.env", "TOKEN=" + kToken + "\n", 1, "--show-secret");
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(shown.out,
            "app.env:1\n"
            "rule test-token: keyword \"tok_\" on this line\n"
            "candidate test-token at 1:7, secret " +
                kToken + ", entropy 3.86: reported\n");
  const CommandResult partial = why("app.env", "TOKEN=" + kToken + "\n", 1, "--show-secret --redact=50");
  ASSERT_EQ(partial.exit_code, 0) << partial.err;
  EXPECT_NE(partial.out.find("secret tok_c1i2c3l4..., entropy"), std::string::npos) << partial.out;
  EXPECT_EQ(partial.out.find(kToken), std::string::npos);
}

TEST_F(RulesWhy, ReadsStandardInputNamedByPath) {
  std::ofstream(dir_.path() / "in.txt") << "X=scoped_abcdefgh12345678\n";
  const CommandResult plain = trawl("rules why -:1 -c rules.toml < in.txt");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out,
            "stdin:1\n"
            "rule test-scoped: keyword \"scoped_\" on this line\n"
            "candidate test-scoped at 1:10, secret REDACTED, entropy 4.00: dropped by path: the rule's path "
            "\\.env$ does not match stdin\n");
  const CommandResult named = trawl("rules why -:1 -c rules.toml --path deploy/prod.env < in.txt");
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(named.out,
            "deploy/prod.env:1\n"
            "rule test-scoped: keyword \"scoped_\" on this line\n"
            "candidate test-scoped at 1:10, secret REDACTED, entropy 4.00: reported\n");
}

TEST_F(RulesWhy, WritesJson) {
  const CommandResult r = why("app.env", "password = \"changeme\"\nTOKEN=" + kToken + "\n", 1, "-f json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_EQ(doc["path"], "app.env");
  EXPECT_EQ(doc["line"], 1);
  EXPECT_EQ(doc["rules_origin"], "rules.toml");
  // The token's keyword on line 2 has test-token search line 1 too.
  EXPECT_EQ(doc["rules"], nlohmann::json::parse(R"([{"rule_id":"test-password","reach":"keyword","keyword":"password"},
                                                    {"rule_id":"test-token","reach":"window"}])"));
  ASSERT_EQ(doc["candidates"].size(), 1u);
  const auto& c = doc["candidates"][0];
  EXPECT_EQ(c["rule_id"], "test-password");
  EXPECT_EQ(c["line"], 1);
  EXPECT_EQ(c["column"], 13);
  EXPECT_EQ(c["end_line"], 1);
  EXPECT_EQ(c["end_column"], 20);
  EXPECT_EQ(c["secret"], "REDACTED");
  EXPECT_EQ(c["outcome"], "dropped");
  EXPECT_EQ(c["dropped_by"], "placeholder");
  EXPECT_EQ(c["reason"], "not-placeholder: a placeholder");
  const CommandResult reported = trawl("rules why files/app.env:2 -c rules.toml -f json --show-secret");
  ASSERT_EQ(reported.exit_code, 0) << reported.err;
  const auto found = nlohmann::json::parse(reported.out).at("candidates").at(0);
  EXPECT_EQ(found["secret"], kToken);
  EXPECT_EQ(found["outcome"], "reported");
  EXPECT_FALSE(found.contains("dropped_by"));
}

TEST_F(RulesWhy, SaysWhyTheValueFilterDroppedAValue) {
  const CommandResult path = why("db.env", "password = \"/run/secrets/db_password\"\n", 1);
  ASSERT_EQ(path.exit_code, 0) << path.err;
  EXPECT_EQ(path.out,
            "db.env:1\n"
            "rule test-password: keyword \"password\" on this line\n"
            "rule test-entropy: keyword \"secret\" on this line, but the text around it cannot match the rule's "
            "regex\n"
            "candidate test-password at 1:13, secret REDACTED, entropy 3.69: dropped by value-filter: "
            "assigned-value: a file path\n");
  const CommandResult member = why("app.rb", "password = @config.password\n", 1);
  ASSERT_EQ(member.exit_code, 0) << member.err;
  EXPECT_EQ(member.out,
            "app.rb:1\n"
            "rule test-password: keyword \"password\" on this line\n"
            "candidate test-password at 1:12, secret REDACTED, entropy 3.75: dropped by value-filter: "
            "assigned-value: an identifier or member access\n");
}

TEST_F(RulesWhy, SaysAPlaceholderOrAReferenceDroppedIt) {
  const CommandResult placeholder = why("a.env", "password = \"changeme\"\n", 1);
  ASSERT_EQ(placeholder.exit_code, 0) << placeholder.err;
  EXPECT_EQ(placeholder.out,
            "a.env:1\n"
            "rule test-password: keyword \"password\" on this line\n"
            "candidate test-password at 1:13, secret REDACTED, entropy 2.75: dropped by placeholder: "
            "not-placeholder: a placeholder\n");
  const CommandResult reference = why("b.env", "password = \"${DB_PASSWORD}\"\n", 1);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  EXPECT_EQ(reference.out,
            "b.env:1\n"
            "rule test-password: keyword \"password\" on this line\n"
            "candidate test-password at 1:13, secret REDACTED, entropy 3.52: dropped by placeholder: "
            "not-placeholder: a reference or interpolation\n");
}

TEST_F(RulesWhy, SaysEntropyBelowTheRulesThresholdDroppedIt) {
  const CommandResult r = why("c.env", "secret = aaaabbbb\n", 1);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "c.env:1\n"
            "rule test-entropy: keyword \"secret\" on this line\n"
            "candidate test-entropy at 1:10, secret REDACTED, entropy 1.00: dropped by entropy: entropy 1.00 is "
            "below the rule's 3.50\n");
}

TEST_F(RulesWhy, SaysWhichValidatorDroppedIt) {
  const CommandResult r = why("gh.env", "GH=ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq18\n", 1);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "gh.env:1\n"
            "rule test-github: keyword \"ghp_\" on this line\n"
            "candidate test-github at 1:4, secret REDACTED, entropy 5.07: dropped by validator: github-checksum: "
            "the CRC32 checksum at the end does not match\n");
}

TEST_F(RulesWhy, SaysAProvidersDocumentationSampleDroppedItWhateverTheRule) {
  const CommandResult r = why("pay.env", "STRIPE_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dc\n", 1);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "pay.env:1\n"
            "rule test-stripe: keyword \"sk_test_\" on this line\n"
            "candidate test-stripe at 1:12, secret REDACTED, entropy 4.54: dropped by documentation-sample: the "
            "Stripe documentation prints it as a sample\n");
  // One character off the sample is a key like any other.
  const CommandResult other = why("pay2.env", "STRIPE_KEY=sk_test_4eC39HqLyjWDarjtT1zdp7dd\n", 1);
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_NE(other.out.find("candidate test-stripe at 1:12, secret REDACTED, entropy"), std::string::npos) << other.out;
  EXPECT_NE(other.out.find(": reported"), std::string::npos) << other.out;
}

TEST_F(RulesWhy, SaysWhichAllowlistDroppedIt) {
  const CommandResult rule_list = why("d.env", "TOKEN=tok_0000abcdefghijklmnop\n", 1);
  ASSERT_EQ(rule_list.exit_code, 0) << rule_list.err;
  EXPECT_EQ(rule_list.out,
            "d.env:1\n"
            "rule test-token: keyword \"tok_\" on this line\n"
            "candidate test-token at 1:7, secret REDACTED, entropy 4.08: dropped by allowlist: rule allowlist 1 "
            "(zeros)\n");
  const CommandResult global = why("e.env", "TOKEN=" + kToken + "\n", 1, "--path testdata/e.env");
  ASSERT_EQ(global.exit_code, 0) << global.err;
  EXPECT_EQ(global.out,
            "testdata/e.env:1\n"
            "rule test-token: keyword \"tok_\" on this line\n"
            "candidate test-token at 1:7, secret REDACTED, entropy 3.86: dropped by allowlist: global allowlist 1 "
            "(test paths)\n");
  const CommandResult stopword = why("f.env", "S=stk_fixture12abc\n", 1);
  ASSERT_EQ(stopword.exit_code, 0) << stopword.err;
  EXPECT_EQ(stopword.out,
            "f.env:1\n"
            "rule test-stopword: keyword \"stk_\" on this line\n"
            "candidate test-stopword at 1:3, secret REDACTED, entropy 3.88: dropped by stopword: stopword "
            "\"fixture\" of rule allowlist 1 (fixtures)\n");
}

TEST_F(RulesWhy, SaysAnIgnoreFileOrAnInlineCommentDroppedIt) {
  std::ofstream(dir_.path() / "files" / ".gitleaksignore") << "g.env:test-token:1\n";
  const CommandResult ignored = why("g.env", "TOKEN=" + kToken + "\n", 1);
  ASSERT_EQ(ignored.exit_code, 0) << ignored.err;
  EXPECT_EQ(ignored.out,
            "g.env:1\n"
            "rule test-token: keyword \"tok_\" on this line\n"
            "candidate test-token at 1:7, secret REDACTED, entropy 3.86: dropped by ignore-file: its fingerprint "
            "g.env:test-token:1 is listed in an ignore file\n");
  const CommandResult inline_allow = why("h.env", "TOKEN=" + kToken + " # trawl:allow\n", 1);
  ASSERT_EQ(inline_allow.exit_code, 0) << inline_allow.err;
  EXPECT_EQ(inline_allow.out,
            "h.env:1\n"
            "rule test-token: keyword \"tok_\" on this line\n"
            "candidate test-token at 1:7, secret REDACTED, entropy 3.86: dropped by inline-allow: the line carries "
            "a trawl:allow or gitleaks:allow comment\n");
  const CommandResult honoured = trawl("rules why files/h.env:1 -c rules.toml --ignore-gitleaks-allow");
  ASSERT_EQ(honoured.exit_code, 0) << honoured.err;
  EXPECT_NE(honoured.out.find(": reported\n"), std::string::npos) << honoured.out;
}

TEST_F(RulesWhy, SaysAnotherRulesHitOnTheSameSpanStands) {
  const CommandResult r = why("k.env", "APIKEY=" + kToken + "\n", 1);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "k.env:1\n"
            "rule test-generic: keyword \"apikey\" on this line\n"
            "rule test-token: keyword \"tok_\" on this line\n"
            "candidate test-token at 1:8, secret REDACTED, entropy 3.86: reported\n"
            "candidate test-generic at 1:8, secret REDACTED, entropy 3.86: dropped by overlap: the hit of rule "
            "test-token on the same span stands\n");
}

TEST_F(RulesWhy, SaysWhenNoRuleConsideredTheLine) {
  const CommandResult r = why("n.txt", "hello\nTOKEN=" + kToken + "\n", 1);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "n.txt:1\n"
            "rule test-token: searched this line around a keyword nearby\n"
            "no candidate secret on this line\n");
  const CommandResult none = why("m.txt", "hello\n", 1);
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "m.txt:1\nno rule considered this line\n");
}

// A candidate belongs to the line of its secret, not to the line where
// its match began.
TEST_F(RulesWhy, PutsACandidateOnTheLineOfItsSecret) {
  const CommandResult first = why("two.txt", "begin\nabcdefgh1234\n", 1);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out,
            "two.txt:1\n"
            "rule test-two-lines: keyword \"begin\" on this line\n"
            "no candidate secret on this line\n");
  const CommandResult second = trawl("rules why files/two.txt:2 -c rules.toml");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out,
            "two.txt:2\n"
            "rule test-two-lines: searched this line around a keyword nearby\n"
            "candidate test-two-lines at 2:1, secret REDACTED, entropy 3.58: reported\n");
}

TEST_F(RulesWhy, RejectsAMissingFileALineOutOfRangeAndABadArgument) {
  const CommandResult missing = trawl("rules why files/nope.env:1 -c rules.toml");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.out, "");
  EXPECT_EQ(missing.err, "trawl: error: files/nope.env: no such file\n");
  const CommandResult range = why("r.env", "a\nb\n", 3);
  EXPECT_EQ(range.exit_code, 2);
  EXPECT_NE(range.err.find("trawl: error: files/r.env:3: line out of range: the file has 2 lines\n"), std::string::npos)
      << range.err;
  const CommandResult zero = trawl("rules why files/r.env:0 -c rules.toml");
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_EQ(zero.err, "trawl: error: files/r.env:0: the line must be a number from 1\n");
  const CommandResult no_line = trawl("rules why files/r.env -c rules.toml");
  EXPECT_EQ(no_line.exit_code, 2);
  EXPECT_EQ(no_line.err,
            "trawl: error: files/r.env: expected FILE:LINE (a file, or - for standard input, and a line number)\n");
}

// Every line of a file with a finding and look-alikes of each kind: the
// candidates `rules why` reports are exactly `trawl dir`'s findings.
TEST_F(RulesWhy, ReportsExactlyWhatDirReports) {
  const std::string text = "TOKEN=" + kToken + "\npassword = \"changeme\"\npassword = \"Falcon2024x\"\n" +
                           "secret = aaaabbbb\nsecret = q8Zr2VxL0pTn4Kw7\nAPIKEY=" + kToken +
                           "\nTOKEN=tok_0000abcdefghijklmnop\nX=scoped_abcdefgh12345678\n";
  std::ofstream(dir_.path() / "files" / "all.env") << text;
  const CommandResult dir = trawl("dir files/all.env -c rules.toml -f json --redact=0");
  ASSERT_EQ(dir.exit_code, 1) << dir.err;
  std::set<std::tuple<std::string, int, int>> expected;
  const auto report = nlohmann::json::parse(dir.out);
  for (const auto& f : report["findings"]) {
    expected.emplace(f["rule_id"].get<std::string>(), f["line"].get<int>(), f["column"].get<int>());
  }
  std::set<std::tuple<std::string, int, int>> explained;
  for (int line = 1; line <= 8; ++line) {
    const CommandResult r = trawl("rules why files/all.env:" + std::to_string(line) + " -c rules.toml -f json");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto explanation = nlohmann::json::parse(r.out);
    for (const auto& c : explanation["candidates"]) {
      if (c["outcome"] == "reported") {
        explained.emplace(c["rule_id"].get<std::string>(), c["line"].get<int>(), c["column"].get<int>());
      }
    }
  }
  EXPECT_EQ(explained, expected);
  EXPECT_EQ(expected.size(), 5u);
}

TEST(ValueFilterReasons, NameWhatKindOfValueItIs) {
  EXPECT_EQ(never_a_secret_because("/run/secrets/db_password", {"PASSWORD=", ""}), "a file path");
  EXPECT_EQ(never_a_secret_because("@config.password", {"password: ", ""}), "an identifier or member access");
  EXPECT_EQ(never_a_secret_because("os.environ.get('T')", {"token = ", ""}), "an environment lookup");
  EXPECT_EQ(never_a_secret_because("#{password}", {"password = \"", "\""}), "a reference or interpolation");
  EXPECT_EQ(never_a_secret_because("ab&state=1", {"callback?token=", ""}),
            "too short: the value ends at the query string's next parameter");
  EXPECT_EQ(never_a_secret_because("kmV6F_fKMtx9A0OiQPT", {"POSTGRES_PASSWORD_FILE=", ""}),
            "the key names something about a credential, not the credential");
  EXPECT_EQ(never_a_secret_because("kmV6F_fKMtx9A0OiQPT", {"DB_PASSWORD=", ""}), std::nullopt);
  EXPECT_EQ(placeholder_because("<your-key>"), "a placeholder");
  EXPECT_EQ(placeholder_because("{{ secrets.TOKEN }}"), "a reference or interpolation");
  EXPECT_EQ(placeholder_because("DJANGO_SECRET_KEY"), "a name (UPPER_SNAKE or dotted), not a value");
  EXPECT_EQ(placeholder_because("aaaaaaaaaaaa"), "repeated or sequential characters");
  EXPECT_EQ(placeholder_because("kmV6F_fKMtx9A0OiQPT"), std::nullopt);
  // Three characters in four: a mark with a symbol, a word without.
  EXPECT_EQ(placeholder_because("N/A"), "repeated or sequential characters");
  EXPECT_EQ(placeholder_because("mupp"), std::nullopt);
  EXPECT_EQ(placeholder_because("boom"), std::nullopt);
}

// Tracing a line changes nothing stage 2 finds, on any line.
TEST(StageTwoTraceRecording, LeavesTheHitsAsTheyAre) {
  const RuleLoad load = load_builtin_rules();
  ScannerOptions options;
  options.choose_spans = false;
  const Scanner scanner(load.rules, options);
  const std::string text = "password = \"/run/secrets/db\"\nDB_PASSWORD=Falcon2024!\nTOKEN=" + kToken +
                           "\nGH=ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq18\napi_key = \"changeme\"\n";
  const std::vector<Hit> plain = scanner.scan_text(text);
  std::size_t begin = 0;
  for (std::size_t next = text.find('\n'); next != std::string::npos; next = text.find('\n', begin)) {
    StageTwoTrace trace;
    trace.line_begin = begin;
    trace.line_next = next + 1;
    const std::vector<Hit> traced = scanner.scan_text(text, nullptr, &trace);
    ASSERT_EQ(traced.size(), plain.size());
    for (std::size_t i = 0; i < plain.size(); ++i) {
      EXPECT_EQ(std::tie(traced[i].rule, traced[i].secret, traced[i].start_line, traced[i].start_column),
                std::tie(plain[i].rule, plain[i].secret, plain[i].start_line, plain[i].start_column));
    }
    EXPECT_FALSE(trace.considered.empty()) << text.substr(begin, next - begin);
    begin = next + 1;
  }
}

}  // namespace
}  // namespace trawl::test
