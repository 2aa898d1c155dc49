// Offline validators (validators.h), the placeholder filter
// (placeholders.h), the `validate` key, and the scanner's one-finding-per-span
// rule.
#include <gtest/gtest.h>

#include "engine/scanner.h"
#include "rules/placeholders.h"
#include "rules/rule_loader.h"
#include "rules/validators.h"

namespace trawl {
namespace {

// GitHub's published sample layout: 30 random base62 characters, then their
// CRC32 in base62, padded to 6.
constexpr const char* kValidGithubToken = "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";

TEST(Validators, GithubChecksumAcceptsTheCrc32OfTheRandomPart) {
  EXPECT_TRUE(passes(SecretValidator::kGithubChecksum, kValidGithubToken));
  EXPECT_TRUE(passes(SecretValidator::kGithubChecksum, "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"));
}

TEST(Validators, GithubChecksumRejectsAChangedCharacterOrLength) {
  EXPECT_FALSE(passes(SecretValidator::kGithubChecksum, "ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq18"));
  EXPECT_FALSE(passes(SecretValidator::kGithubChecksum, "ghp_aQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq17"));
  EXPECT_FALSE(passes(SecretValidator::kGithubChecksum, "ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq1"));
  EXPECT_FALSE(passes(SecretValidator::kGithubChecksum, "ghpzQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq17"));
}

TEST(Validators, JwtNeedsAHeaderWithAlgAndAJsonPayload) {
  // {"alg":"HS256","typ":"JWT"} . {"sub":"42"} . signature
  EXPECT_TRUE(passes(SecretValidator::kJwt,
                     "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU"));
  // {"typ":"JWT"}: no alg.
  EXPECT_FALSE(passes(SecretValidator::kJwt, "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU"));
  // Header is not base64url of JSON.
  EXPECT_FALSE(passes(SecretValidator::kJwt, "eyJhbGciOiJIUzI1NiIsInR5cCI6.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl"));
  EXPECT_FALSE(passes(SecretValidator::kJwt, "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"));
}

TEST(Validators, PemBodyMustBeDerOfPlausibleLength) {
  const std::string der_body =
      "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu"
      "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEm";
  EXPECT_TRUE(passes(SecretValidator::kPem,
                     "-----BEGIN RSA PRIVATE KEY-----\n" + der_body + "\n-----END RSA PRIVATE KEY-----"));
  // Escaped newlines, as in a service-account JSON file.
  EXPECT_TRUE(
      passes(SecretValidator::kPem, "-----BEGIN PRIVATE KEY-----\\n" + der_body + "\\n-----END PRIVATE KEY-----\\n"));
  // Escaped carriage returns too (`\r\n` in a JavaScript string literal).
  EXPECT_TRUE(passes(SecretValidator::kPem,
                     "-----BEGIN RSA PRIVATE KEY-----\\r\\n" + der_body + "\\r\\n-----END RSA PRIVATE KEY-----"));
  EXPECT_FALSE(passes(SecretValidator::kPem,
                      "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34Gkx\n-----END RSA PRIVATE KEY-----"));
  EXPECT_FALSE(passes(SecretValidator::kPem,
                      "-----BEGIN RSA PRIVATE KEY-----\n" + std::string(100, 'Q') + "\n-----END RSA PRIVATE KEY-----"));
}

TEST(Validators, Base64PrivateKeyIsDerThatOpensAsAKeyOrAPemKeyBlock) {
  // SEC1 EC private key (P-256) and an RSA private key's PKCS#1 start, as base64 DER.
  EXPECT_TRUE(
      passes(SecretValidator::kBase64PrivateKey,
             "MHcCAQEEIP+TGkgL9QVM+C798X9FtXuUcLve22bAlX+4ghGv1mYioAoGCCqGSM49AwEHoUQDQgAEHTXAWzSzDfOlxrRUEPF5UCNwAaO1"
             "NKtpPvO1JIAynAgEZFCM0TZVnXB7BLMfsIjSb1xkMYSleUUlbPHl0YgJgA=="));
  EXPECT_TRUE(
      passes(SecretValidator::kBase64PrivateKey,
             "MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwEC"));
  // A whole PEM private key block, base64-encoded (a Kubernetes Secret's data).
  EXPECT_TRUE(passes(SecretValidator::kBase64PrivateKey,
                     "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlCT2dJQkFBSkJBS2ozNEdreEZoRDkwdmNOTFlMSW5GRVg2UHB5M"
                     "XRQZjlDbnpqNHA0V0dlS0xzMVB0OFF1CktVcFJLZkZMZlJZQzlBSUtqYkpUV2l0K0NxdmpXWXp2UXdFQ0F3RUFBUUpBSUpMaX"
                     "hCeTJxcEZvUzREU21vRW0KLS0tLS1FTkQgUlNBIFBSSVZBVEUgS0VZLS0tLS0K"));
  // A public key (SubjectPublicKeyInfo: a SEQUENCE, then another SEQUENCE).
  EXPECT_FALSE(
      passes(SecretValidator::kBase64PrivateKey,
             "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYrdBRBNjBUvVqwKfbQQU78bAzN7g3eG7pkzTuasGgSngJ6yOrusy3aeGne2pXG2huK"
             "G0pcUGguv+NPbhtXXuBA=="));
  // Too short to be a key, a certificate's PEM block, and text that is not base64.
  EXPECT_FALSE(passes(SecretValidator::kBase64PrivateKey, "MIIBOgIBAAJBAKj34GkxFhD90vcN"));
  EXPECT_FALSE(passes(SecretValidator::kBase64PrivateKey,
                      "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJPZ0lCQUFKQkFLajM0R2t4RmhEOTB2Y05MWUxJbkZFWDZQcHkxdFBm"
                      "OUNuemo0cDRXR2VLTHMxUHQ4UXUKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="));
  EXPECT_FALSE(passes(SecretValidator::kBase64PrivateKey, "MIIBOgIBAAJB not base64 at all"));
}

TEST(Validators, BasicAuthIsBase64OfUserColonPassword) {
  EXPECT_TRUE(passes(SecretValidator::kBasicAuth, "ZGVwbG95OlQ0cGZ2UXo3TG1uMlJ3"));  // deploy:T4pfvQz7Lmn2Rw
  EXPECT_FALSE(passes(SecretValidator::kBasicAuth, "ZGVwbG95LXRva2Vu"));             // deploy-token
  EXPECT_FALSE(passes(SecretValidator::kBasicAuth, "ZGVwbG95OmNoYW5nZW1l"));         // deploy:changeme
  EXPECT_FALSE(passes(SecretValidator::kBasicAuth, "YSBiOmNkZWZnaA=="));             // a b:cdefgh
  EXPECT_FALSE(passes(SecretValidator::kBasicAuth, "dGVzdA=="));                     // test
}

TEST(Validators, NkeySeedNeedsThePrefixAKnownTypeAndItsCrc16) {
  // Made-up user, account and operator seeds with valid checksums.
  EXPECT_TRUE(passes(SecretValidator::kNkeySeed, "SUAC7OKG42UUOEIJ6O3Z6EIKE33CFH5DIUSSNZ54CZBK5NBL6IT5KD6LSY"));
  EXPECT_TRUE(passes(SecretValidator::kNkeySeed, "SAAFNL7C7552PT4AMXOGM3OEOCRGWRKE72ZRIIENKY46N4MMNXJ4H7CCSQ"));
  EXPECT_TRUE(passes(SecretValidator::kNkeySeed, "SOABEW3TROYVDSLSFTJMMQXG5BSAHQFP5WTWQMR7NV6MOLE6USDARMWWRQ"));
  // One bit of the checksum changed; a changed key character; too short; not base32.
  EXPECT_FALSE(passes(SecretValidator::kNkeySeed, "SUAC7OKG42UUOEIJ6O3Z6EIKE33CFH5DIUSSNZ54CZBK5NBL6IT5KD6LS4"));
  EXPECT_FALSE(passes(SecretValidator::kNkeySeed, "SUAC7OKG42UUOEIJ6O3Z6EIKE33CFH5DIUSSNZ54CZBK5NBL6IT5KD7LSY"));
  EXPECT_FALSE(passes(SecretValidator::kNkeySeed, "SUAC7OKG42UUOEIJ6O3Z6EIKE33CFH5DIUSSNZ54CZBK5NBL6IT5KD6LS"));
  EXPECT_FALSE(passes(SecretValidator::kNkeySeed, "SUAC7OKG42UUOEIJ6O3Z6EIKE33CFH5DIUSSNZ54CZBK5NBL6IT5KD6LS1"));
  // A run of one letter: right length, no checksum.
  EXPECT_FALSE(passes(SecretValidator::kNkeySeed, std::string("SUA") + std::string(55, 'A')));
}

TEST(Placeholders, RecognisesPlaceholdersReferencesAndTypedRuns) {
  for (const char* value : {"changeme",
                            "<your-api-key>",
                            "<password>",
                            "<%= ENV['DB_PASSWORD'] %>",
                            "db-<env>-pass",
                            "</secret>",
                            "${API_KEY}",
                            "{{ secrets.NPM_TOKEN }}",
                            "os.environ['X']",
                            "process.env.STRIPE_KEY",
                            "xxxxxxxxxxxxxxxx",
                            "AKIAIOSFODNN7EXAMPLE",
                            "DJANGO_SECRET_KEY",
                            "settings.db.password",
                            "abcdefghij",
                            "1234567890ab",
                            "aaaaaaaaaaaaaaaaaaaa",
                            "abab",
                            "123123",
                            "xyzxyzx",
                            "aabbaabb",
                            "abcabcab",
                            "%s:%s",
                            "yourprivateapikey",
                            "notarealpassword",
                            "[FILTERED]",
                            "optional",
                            "Required",
                            "string",
                            "#{password}",
                            "{password}",
                            "{db.password}",
                            "$DB_PASSWORD",
                            "$env:NUGET_PAT",
                            "%NUGET_PAT%",
                            "@db.password@",
                            "__SMTP_PASSWORD__"}) {
    EXPECT_TRUE(looks_like_placeholder(value)) << value;
  }
  // Short words of three letters are values people choose, not runs.
  for (const char* value :
       {"kmV6F_&fKMtx9A0OiQPT", "hvb.AAAAAQbjNjsUH03_SmB1MOolwQiKaOmCvzn6wPu", "T4pfvQz7Lmn2Rw", "banana", "kafka",
        "e!@$%s^&*a)_m+s.", "optional-Kx7q2", "[FILTERED]x9", "{Kx7 q2}", "$ecret-Lake9", "Pa$$word1", "50%off!",
        "__init__", "password1!", "I_<3_Telethon", "Qj1n>%28=;P", "String9-Lake"}) {
    EXPECT_FALSE(looks_like_placeholder(value)) << value;
  }
}

TEST(ValidateKey, UnknownValidatorIsAConfigErrorNamingFileLineAndRule) {
  const char* toml = R"(
[[rules]]
id = "custom"
regex = '''tok_[a-z]{8}'''
validate = "luhn"
)";
  try {
    load_rules_text(toml, "cfg.toml");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cfg.toml:5: rule 'custom': unknown validator \"luhn\""), std::string::npos)
        << e.what();
  }
}

TEST(ValidateKey, AFailingCandidateIsDropped) {
  const RuleSet rules = std::move(load_rules_text(R"(
[[rules]]
id = "github-pat"
regex = '''\b(ghp_[A-Za-z0-9]{36})\b'''
keywords = ["ghp_"]
validate = ["github-checksum", "not-placeholder"]
)",
                                                  "cfg.toml")
                                      .rules);
  const Scanner scanner(rules);
  EXPECT_EQ(scanner.scan_text(std::string("t = ") + kValidGithubToken).size(), 1u);
  EXPECT_TRUE(scanner.scan_text("t = ghp_zQWBuTSOoRi4A9spHcVY5ncnsDkxkJ0mLq18").empty());
}

constexpr const char* kOverlappingRules = R"toml(
[[rules]]
id = "generic-token"
regex = '''token\s*=\s*"([A-Za-z0-9_]{20,})"'''
keywords = ["token"]
tags = ["generic"]
[[rules]]
id = "short-prefix"
regex = '''\b(acme_[A-Za-z0-9]{8})'''
keywords = ["acme_"]
[[rules]]
id = "long-prefix"
regex = '''\b(acme_[A-Za-z0-9]{20})\b'''
keywords = ["acme_"]
[[rules]]
id = "same-length-later"
regex = '''\b(acme_[A-Za-z0-9]{20})\b'''
keywords = ["acme_"]
)toml";

std::vector<std::string> rule_ids(const RuleSet& rules, const std::vector<Hit>& hits) {
  std::vector<std::string> out;
  out.reserve(hits.size());
  for (const Hit& h : hits) out.push_back(rules.rules[h.rule].id);
  return out;
}

TEST(OneHitPerSpan, SpecificRuleBeatsGenericThenLongerThenEarlier) {
  const RuleSet rules = std::move(load_rules_text(kOverlappingRules, "cfg.toml").rules);
  const Scanner scanner(rules);
  // All four match the same secret: the specific, longer, earlier rule stays.
  EXPECT_EQ(rule_ids(rules, scanner.scan_text(R"(token = "acme_0123456789abcdefghij")")),
            std::vector<std::string>{"long-prefix"});
}

TEST(OneHitPerSpan, GenericStaysWhenNoSpecificRuleMatches) {
  const RuleSet rules = std::move(load_rules_text(kOverlappingRules, "cfg.toml").rules);
  const Scanner scanner(rules);
  EXPECT_EQ(rule_ids(rules, scanner.scan_text(R"(token = "Zq3_wL9pXr2Tn8Vb5Km1Hd")")),
            std::vector<std::string>{"generic-token"});
}

TEST(OneHitPerSpan, SeparateSpansOnOneLineAreKeptApart) {
  const RuleSet rules = std::move(load_rules_text(kOverlappingRules, "cfg.toml").rules);
  const Scanner scanner(rules);
  const std::vector<Hit> hits = scanner.scan_text("a=acme_0123456789abcdefghij b=acme_ZYXWVUTSRQPONMLKJIHG");
  EXPECT_EQ(rule_ids(rules, hits), (std::vector<std::string>{"long-prefix", "long-prefix"}));
}

}  // namespace
}  // namespace trawl
