// --redact: every secret of a report masked in every text of every finding
// and timeline; timelines carry a keyed digest, never an unsalted SHA-256.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "content/sha256.h"
#include "report/redact.h"

namespace trawl::test {
namespace {

TEST(Redact, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(random_bytes(32).size(), 32u);
  EXPECT_NE(random_bytes(32), random_bytes(32));
}

TEST(Redact, MasksTheLongestSecretAtEachPlace) {
  const SecretMasker masker(100, {"abc", "abcdef12", "ab", "zz"});
  EXPECT_EQ(masker.mask("x abcdef12 abc ab a zzz"), "x REDACTED REDACTED REDACTED a REDACTEDz");
  const SecretMasker partial(50, {"abcdef12"});
  EXPECT_EQ(partial.mask("k=abcdef12;"), "k=abcd...;");
  EXPECT_EQ(SecretMasker(100, {}).mask("nothing"), "nothing");
}

TEST(Redact, MasksEverySecretOfTheReportEverywhere) {
  const std::string first = "tok_aaaaaaaaaaaaaaaaaaaa";
  const std::string second = "tok_bbbbbbbbbbbbbbbbbbbb";
  Finding one;
  one.secret = first;
  one.match = first;
  one.line = "A=" + first + " B=" + second;
  one.path = "keys/" + second + ".env";
  one.author = "Ada " + first;
  one.email = second + "@example.com";
  one.message = "add " + first;
  one.fingerprint = "c:" + one.path + ":test-token:1";
  Finding two = one;
  two.secret = second;
  SecretTimeline timeline;
  timeline.secret = first;
  timeline.secret_sha256 = sha256_hex(first);
  timeline.introduced.push_back({std::nullopt, 0, "Ada", "ada@example.com", "p/" + second, 1, std::nullopt});
  timeline.removed.push_back({ObjectId{}, 0, "", "", second, std::nullopt});
  timeline.reachable_from = {"refs/heads/" + first};
  timeline.present_at.push_back({"refs/tags/" + second, first, 1});
  std::vector<Finding> findings = {one, two};
  std::vector<SecretTimeline> timelines = {timeline};

  redact_report(findings, timelines, 100, "key");

  const Finding& f = findings[0];
  EXPECT_EQ(f.secret, "REDACTED");
  EXPECT_EQ(f.match, "REDACTED");
  EXPECT_EQ(f.line, "A=REDACTED B=REDACTED");
  EXPECT_EQ(f.path, "keys/REDACTED.env");
  EXPECT_EQ(f.author, "Ada REDACTED");
  EXPECT_EQ(f.email, "REDACTED@example.com");
  EXPECT_EQ(f.message, "add REDACTED");
  EXPECT_EQ(f.fingerprint, "c:keys/REDACTED.env:test-token:1");
  EXPECT_EQ(findings[1].secret, "REDACTED");
  const SecretTimeline& t = timelines[0];
  EXPECT_EQ(t.secret, "REDACTED");
  EXPECT_EQ(t.secret_sha256, "");
  EXPECT_EQ(t.secret_hmac_sha256, hmac_sha256_hex("key", first));
  EXPECT_EQ(t.introduced[0].path, "p/REDACTED");
  EXPECT_EQ(t.removed[0].path, "REDACTED");
  EXPECT_EQ(t.reachable_from[0], "refs/heads/REDACTED");
  EXPECT_EQ(t.present_at[0].ref, "refs/tags/REDACTED");
  EXPECT_EQ(t.present_at[0].path, "REDACTED");
}

TEST(Redact, ZeroPercentChangesNothing) {
  Finding f;
  f.secret = "tok_aaaaaaaaaaaaaaaaaaaa";
  f.path = f.secret;
  SecretTimeline t;
  t.secret = f.secret;
  t.secret_sha256 = sha256_hex(f.secret);
  std::vector<Finding> findings = {f};
  std::vector<SecretTimeline> timelines = {t};
  redact_report(findings, timelines, 0, "key");
  EXPECT_EQ(findings[0].path, f.secret);
  EXPECT_EQ(timelines[0].secret_sha256, sha256_hex(f.secret));
  EXPECT_EQ(timelines[0].secret_hmac_sha256, "");
}

}  // namespace
}  // namespace trawl::test
