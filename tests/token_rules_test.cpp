// Rules whose candidates are stage 1's token runs (`tokens = true`), the
// credential-key validators and Kubernetes Secret manifests.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

#include "engine/prefilter.h"
#include "engine/scanner.h"
#include "rules/assigned_value.h"
#include "rules/kubernetes_secret.h"
#include "rules/rule_loader.h"
#include "rules/span_choice.h"
#include "rules/validators.h"

namespace trawl {
namespace {

constexpr const char* kTokenRules = R"(
[[rules]]
id = "token-assignment"
regex = '''[A-Za-z0-9_]["']?[ \t]*[=:][ \t]*["']?([A-Za-z0-9+/=_-]{16,256})(?:[^A-Za-z0-9+/=_-]|$)'''
tokens = true
entropy = 3.3
validate = "credential-key"
)";

BlobBatch batch_of(const std::vector<std::string>& texts) {
  BlobBatch batch;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    BlobEntry entry;
    entry.key = BlobKey::sha256_of(std::to_string(i));
    entry.offset = batch.arena.size();
    entry.length = texts[i].size();
    batch.entries.push_back(entry);
    batch.arena.insert(batch.arena.end(), texts[i].begin(), texts[i].end());
  }
  return batch;
}

std::vector<std::string> secrets_of(const std::vector<Hit>& hits) {
  std::vector<std::string> out;
  out.reserve(hits.size());
  for (const Hit& h : hits) out.push_back(h.secret);
  return out;
}

TEST(TokenRules, NamesCredentialReadsTheKeysLastMember) {
  EXPECT_TRUE(names_credential("api_key = \""));
  EXPECT_TRUE(names_credential("  client_secret: "));
  EXPECT_TRUE(names_credential("DB_PASSWORD="));
  EXPECT_TRUE(names_credential("config.auth = '"));
  EXPECT_TRUE(names_credential("'ENCRYPTION_KEY' => '"));
  EXPECT_TRUE(names_credential("secret_key_base: "));
  EXPECT_TRUE(names_credential("apiKey: \""));
  EXPECT_TRUE(names_credential("mail_pw = \""));
  EXPECT_FALSE(names_credential("client_id: "));
  EXPECT_FALSE(names_credential("uuid = \""));
  EXPECT_FALSE(names_credential("request_id: "));
  EXPECT_FALSE(names_credential("guid="));
  EXPECT_FALSE(names_credential("token_id = \""));
  EXPECT_FALSE(names_credential("cache_key = \""));
  EXPECT_FALSE(names_credential("key: "));
  EXPECT_FALSE(names_credential("password_hash = \""));
  EXPECT_FALSE(names_credential("public_key: "));
  EXPECT_FALSE(names_credential("name = \""));
  EXPECT_FALSE(names_credential("print(\"hello\") "));
  EXPECT_TRUE(key_names_identifier("request_id="));
  EXPECT_FALSE(key_names_identifier("STRIPE_LIVE="));
  EXPECT_EQ(secret_validator_named("credential-key"), SecretValidator::kCredentialKey);
  EXPECT_EQ(secret_validator_named("not-identifier-key"), SecretValidator::kNotIdentifierKey);
}

TEST(TokenRules, LoaderChecksTheTokensKey) {
  auto fails = [](const std::string& toml) {
    try {
      load_rules_text(toml, "cfg.toml");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(fails("[[rules]]\nid = \"a\"\nregex = 'x(y+)'\ntokens = true\n").find("needs an 'entropy'"),
            std::string::npos);
  EXPECT_NE(fails("[[rules]]\nid = \"a\"\nregex = 'x(y+)'\ntokens = true\nentropy = 3.0\nkeywords = [\"x\"]\n")
                .find("has no 'keywords'"),
            std::string::npos);
  EXPECT_NE(fails("[[rules]]\nid = \"a\"\nregex = 'x(y+)'\ntokens = \"yes\"\nentropy = 3.0\n").find("true or false"),
            std::string::npos);
  const RuleSet rules = std::move(load_rules_text(kTokenRules, "cfg.toml").rules);
  ASSERT_EQ(rules.rules.size(), 1u);
  EXPECT_TRUE(rules.rules[0].tokens);
  const Scanner scanner(rules);
  ASSERT_NE(scanner.entropy_table(), nullptr);
  // No keyword of its own; the credential words that gate stage 1's token
  // scan (a credential-key rule reads no run on a line without one).
  EXPECT_EQ(scanner.automaton().keyword_count(), 8u);
  ASSERT_NE(scanner.token_gate(), nullptr);
  EXPECT_EQ(scanner.token_gate()->keywords, std::vector<char>(8, TokenGate::kOnlyAGate));
}

// Lines of token runs with and without a credential word, in every case and
// at the blob's edges.
std::vector<std::string> gate_texts() {
  return {
      "Hq7Zt2LmX9vB4pKc8Wn3Rd = 1\nauth = \"uQ8dfw2PzKs9LxRb3Tn7\"\nsum := \"d41d8cd98f00b204e9800998ecf8427e\"",
      "x = \"pV4nL8qT2zR7mX9bK3cW\"\r\nMAIL_PW=Zk3vB8qLm2Rt9Wx4Yp\r\n\r\nsha: 9c41e07b2d58a3f6e1c94b70d2aa\n",
      "API_KEY: r7GhT2pLq9XvN4mKd8sW5zBc  # and Hq7Zt2LmX9vB4pKc8Wn3Rd\nCredentials= 'q8Zt2LmX9vB4pKc8Wn3RdX'",
      "no credential here: Hq7Zt2LmX9vB4pKc8Wn3Rd\n",
      "psw=Hq7Zt2LmX9vB4pKc8Wn3Rd",
      "",
  };
}

bool names_a_credential_word(std::string line) {
  for (char& c : line) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"pw", "psw", "pass", "key", "secret", "token", "auth", "cred"}) {
    if (line.find(word) != std::string::npos) return true;
  }
  return false;
}

TEST(TokenRules, TheGateScansTokensOnlyOnLinesNamingACredentialAndTheHitsAreTheSame) {
  const RuleSet rules = std::move(load_rules_text(kTokenRules, "cfg.toml").rules);
  const Scanner scanner(rules);
  ASSERT_NE(scanner.token_gate(), nullptr);
  const std::vector<std::string> texts = gate_texts();
  const BlobBatch batch = batch_of(texts);
  const auto everywhere = make_cpu_prefilter({scanner.automaton(), scanner.entropy_table()});
  const auto gated = make_cpu_prefilter({scanner.automaton(), scanner.entropy_table(), scanner.token_gate()});
  const BatchCandidates all = everywhere->run(batch);
  const BatchCandidates some = gated->run(batch);
  // The credential words are no rule's keywords: found, and not handed on.
  EXPECT_FALSE(all.keywords.empty());
  EXPECT_TRUE(some.keywords.empty());
  // The gated runs are exactly the runs on lines with a credential word.
  std::vector<TokenCandidate> expected;
  for (const TokenCandidate& t : all.tokens) {
    const std::string_view bytes = batch.bytes(t.blob);
    const std::size_t newline = bytes.rfind('\n', t.begin);
    const std::size_t begin = newline == std::string_view::npos ? 0 : newline + 1;
    const std::size_t end = std::min(bytes.find('\n', t.begin), bytes.size());
    if (names_a_credential_word(std::string(bytes.substr(begin, end - begin)))) expected.push_back(t);
  }
  EXPECT_LT(expected.size(), all.tokens.size());
  EXPECT_GE(expected.size(), 5u);
  EXPECT_EQ(some.tokens, expected);
  // And stage 2 reports the same from either.
  const std::vector<BlobHits> from_all = scanner.scan(batch, *everywhere);
  const std::vector<BlobHits> from_some = scanner.scan(batch, *gated);
  ASSERT_EQ(from_some.size(), from_all.size());
  ASSERT_EQ(from_all.size(), 4u);
  for (std::size_t b = 0; b < from_all.size(); ++b) {
    EXPECT_EQ(from_some[b].blob, from_all[b].blob);
    EXPECT_EQ(secrets_of(from_some[b].hits), secrets_of(from_all[b].hits)) << "blob " << b;
  }
}

TEST(TokenRules, ABlobAnotherTokenRuleWantsWholeIsScannedWhole) {
  const RuleSet rules = std::move(load_rules_text(kTokenRules, "cfg.toml").rules);
  const Scanner scanner(rules);
  const std::vector<std::string> texts = gate_texts();
  const BlobBatch batch = batch_of(texts);
  TokenGate gate = *scanner.token_gate();
  const BlobKey whole = batch.entries[3].key;
  gate.whole_blob = [&](const BlobKey& blob) { return blob == whole; };
  const BatchCandidates all = make_cpu_prefilter({scanner.automaton(), scanner.entropy_table()})->run(batch);
  const BatchCandidates some = make_cpu_prefilter({scanner.automaton(), scanner.entropy_table(), &gate})->run(batch);
  auto of_blob = [](const std::vector<TokenCandidate>& tokens, std::uint32_t blob) {
    std::vector<TokenCandidate> out;
    for (const TokenCandidate& t : tokens) {
      if (t.blob == blob) out.push_back(t);
    }
    return out;
  };
  // Blob 3's one line names no credential: without the whole-blob wish it
  // would give no run.
  ASSERT_EQ(of_blob(all.tokens, 3).size(), 1u);
  EXPECT_EQ(of_blob(some.tokens, 3), of_blob(all.tokens, 3));
}

TEST(TokenRules, StageTwoRunsAroundTokenCandidates) {
  const RuleSet rules = std::move(load_rules_text(kTokenRules, "cfg.toml").rules);
  const Scanner scanner(rules);
  const std::vector<std::string> texts = {
      "x = 1\nauth = \"uQ8dfw2PzKs9LxRb3Tn7\"\n",
      "client_id: 4f1c2b7e-93d8-4a6f-b2e5-0c9d8a7f6e31\nclient_secret: 4f1c2b7e-93d8-4a6f-b2e5-0c9d8a7f6e31\n",
      "auth = \"aaaaaaaaaaaaaaaaaaaa\"\n",  // a run, but under the threshold
      "no tokens here\n",
  };
  const BlobBatch batch = batch_of(texts);
  const auto with_tokens = make_cpu_prefilter({scanner.automaton(), scanner.entropy_table()});
  const std::vector<BlobHits> found = scanner.scan(batch, *with_tokens);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].blob, batch.entries[0].key);
  EXPECT_EQ(secrets_of(found[0].hits), std::vector<std::string>{"uQ8dfw2PzKs9LxRb3Tn7"});
  EXPECT_EQ(found[0].hits[0].start_line, 2u);
  EXPECT_EQ(found[0].hits[0].start_column, 9u);
  EXPECT_EQ(found[1].blob, batch.entries[1].key);
  EXPECT_EQ(secrets_of(found[1].hits), std::vector<std::string>{"4f1c2b7e-93d8-4a6f-b2e5-0c9d8a7f6e31"});
  EXPECT_EQ(found[1].hits[0].start_line, 2u);
  // Stage 2 over a whole batch's candidates (a device backend's path) finds the same.
  const std::vector<BlobHits> confirmed = scanner.confirm(batch, with_tokens->run(batch));
  ASSERT_EQ(confirmed.size(), found.size());
  for (std::size_t i = 0; i < found.size(); ++i) EXPECT_EQ(secrets_of(confirmed[i].hits), secrets_of(found[i].hits));
  // Without token candidates the rule has nothing to run around.
  const auto keywords_only = make_cpu_prefilter({scanner.automaton()});
  EXPECT_TRUE(scanner.scan(batch, *keywords_only).empty());
  // scan_text scores the text's runs itself.
  EXPECT_EQ(secrets_of(scanner.scan_text(texts[0])), std::vector<std::string>{"uQ8dfw2PzKs9LxRb3Tn7"});
}

TEST(TokenRules, BuiltInAssignmentRuleTakesUuidsOnlyAsCredentials) {
  // The rules a scan at the default --min-confidence runs.
  RuleLoad load = load_builtin_rules();
  const RuleLoad every_load = load_builtin_rules();
  const RuleSet& every_rule = every_load.rules;
  std::erase_if(load.rules.rules, [](const Rule& rule) { return rule.confidence == Confidence::kLow; });
  const Scanner scanner(load.rules);
  auto rule_ids = [&](const std::string& text) {
    std::vector<std::string> ids;
    for (const Hit& h : scanner.scan_text(text)) ids.push_back(load.rules.rules[h.rule].id);
    return ids;
  };
  const std::vector<std::string> assignment = {"generic-high-entropy-assignment"};
  EXPECT_EQ(rule_ids("license_key = \"a1e4c7b0-52f9-4d3e-8b6a-f07c19d2e5b4\"\n"), assignment);
  EXPECT_EQ(rule_ids("  subscription_key: 4f1c2b7e-93d8-4a6f-b2e5-0c9d8a7f6e31\n"), assignment);
  EXPECT_EQ(rule_ids("  \"pw\": \"9b2d7e4a-1c3f-4e8b-a6d5-2f7c0e9b8a14\",\n"), assignment);
  // Keys the keyword rule knows keep it: a UUID as an API key is found either way.
  EXPECT_EQ(rule_ids("api_key = \"a1e4c7b0-52f9-4d3e-8b6a-f07c19d2e5b4\"\n"),
            std::vector<std::string>{"generic-api-key"});
  EXPECT_TRUE(rule_ids("  client_id: 4f1c2b7e-93d8-4a6f-b2e5-0c9d8a7f6e31\n").empty());
  EXPECT_TRUE(rule_ids("uuid = \"a1e4c7b0-52f9-4d3e-8b6a-f07c19d2e5b4\"\n").empty());
  EXPECT_TRUE(rule_ids("  \"guid\": \"9b2d7e4a-1c3f-4e8b-a6d5-2f7c0e9b8a14\",\n").empty());
  EXPECT_TRUE(rule_ids("request_id = '9b2d7e4a-1c3f-4e8b-a6d5-2f7c0e9b8a14'\n").empty());
  EXPECT_TRUE(rule_ids("token = os.environ.get(\"SERVICE_TOKEN_VALUE_NAME\")\n").empty());
  // At --min-confidence low an identifier's UUID is the low-confidence
  // `uuid` rule's; a credential's stays the assignment rule's.
  const Scanner low(every_rule);
  auto low_ids = [&](const std::string& text) {
    std::vector<std::string> ids;
    for (const Hit& h : one_hit_per_span(every_rule, low.scan_text(text))) ids.push_back(every_rule.rules[h.rule].id);
    return ids;
  };
  EXPECT_EQ(low_ids("  client_id: 4f1c2b7e-93d8-4a6f-b2e5-0c9d8a7f6e31\n"), std::vector<std::string>{"uuid"});
  EXPECT_EQ(low_ids("license_key = \"a1e4c7b0-52f9-4d3e-8b6a-f07c19d2e5b4\"\n"), assignment);
}

TEST(TokenRules, KubernetesSecretValuesAreDecoded) {
  const std::string manifest =
      "apiVersion: v1\n"
      "kind: Secret\n"
      "metadata:\n"
      "  name: db\n"
      "data:\n"
      "  password: VHIwdXQtUml2ZXItOTE=\n"  // Tr0ut-River-91
      "  user: \"ZGVwbG95\"\n"              // deploy, under a key naming no secret
      "  deploy-key: \"ZGVwbG95\"\n"        // deploy
      "  empty: \"\"\n"
      "  placeholder: Y2hhbmdlbWU=\n"  // changeme
      "  templated: {{ .Values.x | b64enc }}\n"
      "  binary: AAECAwQFBgc=\n"
      "  db-port: NTQzMg==\n"
      "stringData:\n"
      "  token: kV8nQ2zL5rT9wXb3\n"
      "---\n"
      "kind: ConfigMap\n"
      "data:\n"
      "  password: VHIwdXQtUml2ZXItOTE=\n";
  const std::vector<KubernetesSecretValue> values = kubernetes_secret_values(manifest);
  // `user` names no secret; the rest are dropped by what their values are.
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0].secret, "Tr0ut-River-91");
  EXPECT_EQ(manifest.substr(values[0].value_begin, values[0].value_end - values[0].value_begin),
            "VHIwdXQtUml2ZXItOTE=");
  EXPECT_EQ(values[1].secret, "deploy");
  EXPECT_EQ(manifest.substr(values[1].value_begin, values[1].value_end - values[1].value_begin), "ZGVwbG95");
  EXPECT_EQ(values[2].secret, "kV8nQ2zL5rT9wXb3");
  EXPECT_TRUE(kubernetes_secret_values("kind: ConfigMap\ndata:\n  a: VHIwdXQtUml2ZXItOTE=\n").empty());

  const RuleLoad load = load_builtin_rules();
  const Scanner scanner(load.rules);
  std::vector<std::pair<std::uint32_t, std::string>> reported;
  for (const Hit& h : scanner.scan_text(manifest)) {
    if (load.rules.rules[h.rule].id == "kubernetes-secret-value") reported.emplace_back(h.start_line, h.secret);
  }
  EXPECT_EQ(reported, (std::vector<std::pair<std::uint32_t, std::string>>{
                          {6, "Tr0ut-River-91"}, {8, "deploy"}, {15, "kV8nQ2zL5rT9wXb3"}}));
}

TEST(TokenRules, KubernetesSecretReadingIsBounded) {
  std::string many = "kind: Secret\ndata:\n";
  for (std::size_t i = 0; i < kMaxSecretValues + 10; ++i)
    many += "  k" + std::to_string(i) + ": VHIwdXQtUml2ZXItOTE=\n";
  EXPECT_EQ(kubernetes_secret_values(many).size(), kMaxSecretValues);
  const std::string long_value = "kind: Secret\ndata:\n  k: " + std::string(kMaxSecretEncodedBytes + 4, 'Q') + "\n";
  EXPECT_TRUE(kubernetes_secret_values(long_value).empty());
  std::string big = "kind: Secret\ndata:\n  k: VHIwdXQtUml2ZXItOTE=\n";
  big += "  pad: \"" + std::string(kMaxSecretDocumentBytes, 'a') + "\"\n";
  EXPECT_TRUE(kubernetes_secret_values(big).empty());
}

}  // namespace
}  // namespace trawl
