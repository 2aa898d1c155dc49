// The rule descriptors of a SARIF report, as GitHub code scanning shows
// them: the tool's version and home, each rule's descriptions, help in text
// and markdown (what the credential is, how to rotate it), help link,
// security severity and precision, and never the secret outside the
// snippet.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "report/reports.h"

namespace trawl::test {
namespace {

Finding finding(const std::string& rule, const std::string& description, std::vector<std::string> tags,
                const std::string& secret, Confidence confidence = Confidence::kHigh) {
  Finding f;
  f.confidence = confidence;
  f.rule_id = rule;
  f.description = description;
  f.tags = std::move(tags);
  f.secret = secret;
  f.match = "KEY=" + secret;
  f.line = f.match;
  f.path = "config/app.env";
  f.start_line = 3;
  f.start_column = 5;
  f.end_line = 3;
  f.end_column = 4 + static_cast<std::uint32_t>(secret.size());
  f.fingerprint = "config/app.env:" + rule + ":3";
  return f;
}

const std::string kAwsSecret = "AKIAQYLPMN5HHHFPZAM2";
const std::string kGenericSecret = "s3cr3t-Pa55w0rd-f1o2r3";
const std::string kOtherSecret = "xyz_a1b2c3d4e5f6g7h8i9j0";

nlohmann::json sarif_of(const std::vector<Finding>& findings) {
  std::ostringstream out;
  const ScanSummary summary;
  write_report(out, ReportFormat::kSarif, {findings, {}, summary});
  return nlohmann::json::parse(out.str());
}

class SarifRules : public ::testing::Test {
 protected:
  void SetUp() override {
    doc_ = sarif_of({finding("aws-access-key-id", "AWS access key ID", {"aws", "cloud"}, kAwsSecret),
                     finding("generic-password", "Password assigned in configuration", {"generic"}, kGenericSecret,
                             Confidence::kMedium),
                     finding("acme-token", "Acme API token", {"acme"}, kOtherSecret),
                     finding("aws-access-key-id", "AWS access key ID", {"aws", "cloud"}, kAwsSecret)});
  }
  const nlohmann::json& driver() const { return doc_["runs"][0]["tool"]["driver"]; }
  const nlohmann::json& rule(std::size_t i) const { return driver()["rules"][i]; }

  nlohmann::json doc_;
};

TEST_F(SarifRules, TheDriverNamesItsVersionAndHome) {
  EXPECT_EQ(driver()["name"], "trawl");
  EXPECT_EQ(driver()["version"], TRAWL_EXPECTED_VERSION);
  EXPECT_EQ(driver()["semanticVersion"], TRAWL_EXPECTED_VERSION);
  EXPECT_EQ(driver()["informationUri"], TRAWL_EXPECTED_HOMEPAGE);
}

TEST_F(SarifRules, EachRuleThatFiredIsDescribedOnce) {
  ASSERT_EQ(driver()["rules"].size(), 3u);
  EXPECT_EQ(rule(0)["id"], "aws-access-key-id");
  EXPECT_EQ(rule(1)["id"], "generic-password");
  EXPECT_EQ(rule(2)["id"], "acme-token");
  EXPECT_EQ(doc_["runs"][0]["results"][3]["ruleIndex"], 0);
  EXPECT_EQ(rule(0)["shortDescription"]["text"], "AWS access key ID");
  EXPECT_EQ(rule(0)["fullDescription"]["text"],
            "AWS access key ID (rule aws-access-key-id): a cloud provider credential: it acts on the account's "
            "resources with the permissions of its identity.");
  EXPECT_EQ(rule(0)["helpUri"], std::string(TRAWL_EXPECTED_HOMEPAGE) + "#rules");
}

TEST_F(SarifRules, HelpSaysWhatTheCredentialIsAndHowToRotateItInTextAndMarkdown) {
  const std::string text = rule(0)["help"]["text"];
  EXPECT_TRUE(text.starts_with("AWS access key ID is a cloud provider credential")) << text;
  EXPECT_NE(text.find("\nTo rotate it:\n1. Create a new key or secret"), std::string::npos) << text;
  EXPECT_NE(text.find("\n3. Check the provider's audit logs (CloudTrail"), std::string::npos) << text;
  const std::string markdown = rule(0)["help"]["markdown"];
  EXPECT_TRUE(markdown.starts_with("**AWS access key ID** is a cloud provider credential")) << markdown;
  EXPECT_NE(markdown.find("\n\n**To rotate it:**\n\n1. Create a new key"), std::string::npos) << markdown;

  const std::string generic = rule(1)["help"]["text"];
  EXPECT_NE(generic.find("1. Find the system that accepts it and change it there"), std::string::npos) << generic;
  // A rule of no known family gets the general steps.
  const std::string other = rule(2)["help"]["text"];
  EXPECT_TRUE(other.starts_with("Acme API token is a credential. Deleting it in a later commit")) << other;
  EXPECT_NE(other.find("1. Revoke or rotate the credential at the provider that issued it"), std::string::npos)
      << other;
}

TEST_F(SarifRules, SeverityAndPrecisionFollowTheRuleFamily) {
  EXPECT_EQ(rule(0)["properties"]["security-severity"], "9.0");
  EXPECT_EQ(rule(0)["properties"]["precision"], "high");
  EXPECT_EQ(rule(0)["properties"]["tags"], nlohmann::json({"security", "secret", "aws", "cloud"}));
  EXPECT_EQ(rule(1)["properties"]["security-severity"], "7.0");
  EXPECT_EQ(rule(1)["properties"]["precision"], "medium");
  EXPECT_EQ(rule(2)["properties"]["security-severity"], "8.0");
  EXPECT_EQ(rule(2)["properties"]["precision"], "high");
}

TEST_F(SarifRules, TheSecretIsOnlyInTheSnippet) {
  for (const auto& result : doc_["runs"][0]["results"]) {
    const std::string message = result["message"]["text"];
    const std::string secret = result["locations"][0]["physicalLocation"]["region"]["snippet"]["text"];
    EXPECT_EQ(message.find(secret), std::string::npos) << message;
  }
  std::string outside = doc_.dump();
  for (const std::string& secret : {kAwsSecret, kGenericSecret, kOtherSecret}) {
    std::size_t count = 0;
    for (auto at = outside.find(secret); at != std::string::npos; at = outside.find(secret, at + 1)) ++count;
    EXPECT_EQ(count, secret == kAwsSecret ? 2u : 1u) << secret;  // the snippets, one per result
  }
}

}  // namespace
}  // namespace trawl::test
