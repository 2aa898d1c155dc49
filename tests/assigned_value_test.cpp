// The "never a secret" filter for values of credential assignments
// (assigned_value.h) and the generic rule that uses it.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "engine/scanner.h"
#include "rules/assigned_value.h"
#include "rules/rule_loader.h"
#include "rules/validators.h"

namespace trawl {
namespace {

// Splits `line` at the first occurrence of `value` into its context.
bool never(std::string_view line, std::string_view value) {
  const std::size_t at = line.find(value);
  EXPECT_NE(at, std::string_view::npos) << line;
  return never_a_secret(value, {line.substr(0, at), line.substr(at + value.size())});
}

TEST(AssignedKey, ReadsTheNameBeforeTheAssignmentOperator) {
  EXPECT_EQ(assigned_key("DB_PASSWORD="), "DB_PASSWORD");
  EXPECT_EQ(assigned_key("  \"client_secret\": \""), "client_secret");
  EXPECT_EQ(assigned_key("    'password' => '"), "password");
  EXPECT_EQ(assigned_key("token := \""), "token");
  EXPECT_EQ(assigned_key("ENV SERVICE_TOKEN="), "SERVICE_TOKEN");
  EXPECT_EQ(assigned_key("Culture=neutral, PublicKeyToken="), "PublicKeyToken");
  EXPECT_EQ(assigned_key("Hadean::Application.config.secret_key_base = '"),
            "Hadean::Application.config.secret_key_base");
  EXPECT_EQ(assigned_key("  - mysqladmin --password="), "password");
  EXPECT_EQ(assigned_key("<password>"), "");
  EXPECT_EQ(assigned_key(""), "");
}

TEST(NeverASecret, IdentifiersAndMemberAccesses) {
  EXPECT_TRUE(never("password: @config.password_reset_token", "@config.password_reset_token"));
  EXPECT_TRUE(never("  secretAccessKey := *output.Credentials.SecretAccessKey", "*output.Credentials.SecretAccessKey"));
  EXPECT_TRUE(never("type PrivateKey = ed25519.PrivateKey", "ed25519.PrivateKey"));
  EXPECT_TRUE(never("password: mqttConfig?.passwordValue,", "mqttConfig?.passwordValue"));
  EXPECT_TRUE(never("      secret_key_base: environment_specified? ", "environment_specified?"));
  EXPECT_TRUE(never("ACCESS_KEY = '_aj_hash_with_indifferent_access'", "_aj_hash_with_indifferent_access"));
  EXPECT_TRUE(never("get \"/d/:token\" => \"active_storage/disk#update\"", "active_storage/disk#update"));
  EXPECT_TRUE(never("\"secret=bd4f21f&username=fxn\"", "bd4f21f&username=fxn"));
  EXPECT_TRUE(never("token : \"punctuation.operator.label-matcher\",", "punctuation.operator.label-matcher"));
  // A quoted value with a dot and random parts is a value.
  EXPECT_FALSE(never("{\"token\": \"v1.ce6342b7d1a04f9e8c5\"}", "v1.ce6342b7d1a04f9e8c5"));
  EXPECT_FALSE(never("api_key = \"Zq3xR8vLm2.Tn5Kp9Wc4Hs7\"", "Zq3xR8vLm2.Tn5Kp9Wc4Hs7"));
}

// Shapes reported on public histories (tests/data/public_false_positives)
// and what stays a secret beside each.
TEST(NeverASecret, ShapesFromPublicHistories) {
  // Variables that shell, Perl and PHP expand.
  EXPECT_TRUE(never("URL_USER_PASS=$HTTPD_PROTO://user%40host:pass%40host@$HTTPD_DEST",
                    "$HTTPD_PROTO://user%40host:pass%40host@$HTTPD_DEST"));
  EXPECT_TRUE(never("lgpassword => \"$_[1]\"", "$_[1]"));
  EXPECT_TRUE(never("password => \"$args{pw}\"", "$args{pw}"));
  EXPECT_TRUE(never("'password' => \"$this->pw\"", "$this->pw"));
  EXPECT_FALSE(never("password = \"$Tr0ub4dor&3\"", "$Tr0ub4dor&3"));
  EXPECT_FALSE(never("DB_PASSWORD=$K9x!mLq2", "$K9x!mLq2"));
  // A private name's words may end in digits; a digit inside a word is random text.
  EXPECT_TRUE(never("KWARGS_KEY = \"_aj_ruby2_keywords\"", "_aj_ruby2_keywords"));
  EXPECT_FALSE(never("SIGNING_KEY = \"_k9x_q2m7_z8w1\"", "_k9x_q2m7_z8w1"));
  // Switches about passwords.
  EXPECT_TRUE(never("\tNO_ETC_PASSWD=YesPlease", "YesPlease"));
  EXPECT_TRUE(never("www-data ALL=(ALL) NOPASSWD:SETENV:/usr/lib/git-core/*", "SETENV:/usr/lib/git-core/*"));
  EXPECT_TRUE(never("lambda do |connection, skip_user_password: false|", "false|"));
  EXPECT_FALSE(never("use_password = \"Falcon2024!\"", "Falcon2024!"));
  EXPECT_FALSE(never("db_pass: s3cr3tW0rd|", "s3cr3tW0rd|"));
  // A conditional's branches.
  EXPECT_TRUE(never("li.className = assertion.result ? \"pass\" : \"fail\";", "fail"));
  EXPECT_FALSE(never("{\"user\": \"bob\", \"pass\": \"Gr4nite!\"}", "Gr4nite!"));
  EXPECT_FALSE(never("GET /?token=f2093a41524d021fbfc62b31be8ea4dd&x=1", "f2093a41524d021fbfc62b31be8ea4dd"));
  // An attribute's column type.
  EXPECT_TRUE(never("*   Add support for generate scaffold password:digest", "digest"));
  EXPECT_FALSE(never("password:Falcon2024!", "Falcon2024!"));
  EXPECT_FALSE(never("password: digestive7", "digestive7"));
}

TEST(NeverASecret, TheKeyNamesSomethingElse) {
  EXPECT_TRUE(never("Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089\">", "b77a5c561934e089"));
  EXPECT_TRUE(never("token.style = yaml_FOLDED_SCALAR_STYLE", "yaml_FOLDED_SCALAR_STYLE"));
  EXPECT_TRUE(never("txtLUPassword.Enabled = !radioLUS4U.Checked;", "!radioLUS4U.Checked"));
  EXPECT_TRUE(
      never("- AUTHELIA_JWT_SECRET_FILE=/tmp/authelia/StandaloneSuite/jwt", "/tmp/authelia/StandaloneSuite/jwt"));
  EXPECT_TRUE(never("final String passwordName = \"vault-entry-for-db\";", "vault-entry-for-db"));
  // Vault's AppRole SecretID is a credential.
  EXPECT_FALSE(never("\"SecretID\": \"fpjqlh3k9v2mx7wq4zr8\",", "fpjqlh3k9v2mx7wq4zr8"));
  EXPECT_TRUE(never("EnvPrivateKeyPath: \"fixtures/keys/server.key\",", "fixtures/keys/server.key"));
  // secret_key_base holds Rails' secret: its last word is not a description.
  EXPECT_FALSE(never("config.secret_key_base = 'f3Kq9Lz2Xv7Rt4Wm8Np1Bc6D'", "f3Kq9Lz2Xv7Rt4Wm8Np1Bc6D"));
}

TEST(NeverASecret, TemplatesAndEnvironmentLookups) {
  EXPECT_TRUE(never("url: postgres://app:#{password}@db/app", "#{password}"));
  EXPECT_TRUE(never("--user=%MYSQL_USER% --password=%MYSQL_PASSWORD% create", "%MYSQL_PASSWORD%"));
  EXPECT_TRUE(never("db.password=@DB_PASSWORD_VALUE@", "@DB_PASSWORD_VALUE@"));
  EXPECT_TRUE(never("password: $DATABASE_PASS_VALUE", "$DATABASE_PASS_VALUE"));
  EXPECT_TRUE(never("const token = process.env.SLACK_BOT_TOKEN;", "process.env.SLACK_BOT_TOKEN"));
  EXPECT_TRUE(never("api_key = os.getenv(\"API_KEY\")", "os.getenv(\"API_KEY\")"));
}

// A literal beside an environment lookup is a hard-coded fallback or what the
// code sets: the credential is in the code.
TEST(NeverASecret, EnvironmentFallbacksAndSettersAreValues) {
  EXPECT_FALSE(never("password = os.environ.get('ADMIN_PASSWORD', 'Wh1stle-Pig')", "Wh1stle-Pig"));
  EXPECT_FALSE(never("token = os.getenv(\"GH_TOKEN\", \"q8Rz2LmXv4Tn\")", "q8Rz2LmXv4Tn"));
  EXPECT_FALSE(never("process.env['PGPASSWORD'] = 'Qu4rry-Fox'", "Qu4rry-Fox"));
}

TEST(NeverASecret, CallsPathsUrlsBooleansAndNumbers) {
  EXPECT_TRUE(never("token = generateAccessToken (user)", "generateAccessToken"));
  EXPECT_TRUE(never("POSTGRES_PASSWORD_FILE: /run/secrets/db_password", "/run/secrets/db_password"));
  EXPECT_TRUE(never("DATABASE_PASSWORD=/run/secrets/db-password", "/run/secrets/db-password"));
  EXPECT_TRUE(never("\"privateKey\": \"fixtures/certs/localhost/key.pem\",", "fixtures/certs/localhost/key.pem"));
  EXPECT_TRUE(never("ssh_key = ./deploy/id_ed25519", "./deploy/id_ed25519"));
  EXPECT_TRUE(never("secret = C:\\keys\\prod.pfx", "C:\\keys\\prod.pfx"));
  EXPECT_TRUE(never("token_endpoint = https://auth.example.org/token", "https://auth.example.org/token"));
  EXPECT_TRUE(never("verify_token: false", "false"));
  EXPECT_TRUE(never("token_ttl = 1234567890123456", "1234567890123456"));
  // A URL's query can carry the secret.
  EXPECT_FALSE(
      never("uri: otpauth://totp/acme:jo?secret=JBSWY3DPEHPK3PXP", "otpauth://totp/acme:jo?secret=JBSWY3DPEHPK3PXP"));
  // A base64 value with slashes is not a path.
  EXPECT_FALSE(never("secret = /Qz8vXk3Lp/Rm7Tn2Wq/Hs5Bc", "/Qz8vXk3Lp/Rm7Tn2Wq/Hs5Bc"));
  // user information in a URL is a credential.
  EXPECT_FALSE(never("secret = https://app:Vq7Lm2Xz9Rt4@db.internal/x", "https://app:Vq7Lm2Xz9Rt4@db.internal/x"));
}

TEST(NeverASecret, ValuesThatDescribeACredential) {
  EXPECT_TRUE(never("\"id_token=my_id_token&state=protected_state\"", "my_id_token&state=protected_state"));
  // In a query string only the parameter's own value counts.
  EXPECT_FALSE(
      never("body = \"oauth_token=hh5s93j4hdidpola&oauth_token_secret=x\"", "hh5s93j4hdidpola&oauth_token_secret=x"));
  EXPECT_TRUE(never("auth-password=myAuthPassword&domain-name=bar.com", "myAuthPassword"));
  EXPECT_TRUE(never("AccessToken{Token: \"access-token-123\"}", "access-token-123"));
  EXPECT_TRUE(never("password:InputCheckPasswordSRP = auth.Authorization;", "InputCheckPasswordSRP"));
  EXPECT_TRUE(never("apiKey: 'base64EncodedKey'", "base64EncodedKey"));
  EXPECT_TRUE(never("# Example password: xudmec-4ambyj-tavric-mumpub", "xudmec-4ambyj-tavric-mumpub"));
  EXPECT_FALSE(never("otpauth://totp/auth.example.com:jo?period=30&secret=JBSWY3DPEHPK3PXQ", "JBSWY3DPEHPK3PXQ"));
  // Human passwords and random values stay.
  EXPECT_FALSE(never("DB_PASSWORD=Falcon2024!Summit", "Falcon2024!Summit"));
  EXPECT_FALSE(never("DB_PASSWORD=kmV6F_&fKMtx9A0OiQPT", "kmV6F_&fKMtx9A0OiQPT"));
  EXPECT_FALSE(never("    password: \"1hVk/BZi3TV84CW2_J\"", "1hVk/BZi3TV84CW2_J"));
  EXPECT_FALSE(never("API_KEY = 'c241a627a0d6a9315013cff8dfc553a0387e7ab254e05be7'",
                     "c241a627a0d6a9315013cff8dfc553a0387e7ab254e05be7"));
}

// An empty value with the next variable's assignment after it: that
// assignment is not the key's value.
TEST(NeverASecret, TheNextAssignmentAfterAnEmptyValue) {
  EXPECT_TRUE(never("$ MYSQL_PASSWORD= FILTER=integration npm test", "FILTER=integration"));
  EXPECT_EQ(never_a_secret_because("FILTER=integration", {"MYSQL_PASSWORD= ", " npm test"}),
            "an empty value: the next variable's assignment follows it");
  // Base64 padding is no assignment, and a value straight after '=' is the key's.
  EXPECT_FALSE(never("API_KEY= kmV6FfKMtx9A0OiQPT==", "kmV6FfKMtx9A0OiQPT=="));
  EXPECT_FALSE(never("DB_PASSWORD=kmV6F_=fKMtx9A0OiQPT", "kmV6F_=fKMtx9A0OiQPT"));
}

// A credential word turned into a password the way people do it is chosen,
// not a name: a digit for a letter, or digits and a closing symbol after it.
TEST(NeverASecret, CredentialWordsSpelledAsPasswordsStay) {
  EXPECT_FALSE(never("OS_PASSWORD=passw0rd", "passw0rd"));
  EXPECT_FALSE(never("ORACLE_Password: Passw0rd", "Passw0rd"));
  EXPECT_FALSE(never("admin_pass: MyPassw0rd", "MyPassw0rd"));
  EXPECT_FALSE(never("MYSQL_PASSWORD: Password12!", "Password12!"));
  // A digit after the word numbers it; the key itself and plain words stay out.
  EXPECT_TRUE(never("password = 'password1'", "password1"));
  EXPECT_TRUE(never("db.bar.password=\"secret2\"", "secret2"));
  EXPECT_TRUE(never("dockerhub_password: 'dockerhub_password'", "dockerhub_password"));
  EXPECT_TRUE(never("password: 'secret!'", "secret!"));
}

TEST(NeverASecret, IsTheAssignedValueValidator) {
  EXPECT_EQ(secret_validator_named("assigned-value"), SecretValidator::kAssignedValue);
  EXPECT_FALSE(passes(SecretValidator::kAssignedValue, "/run/secrets/db_password", {"PASSWORD_FILE=", ""}));
  EXPECT_TRUE(passes(SecretValidator::kAssignedValue, "kmV6F_&fKMtx9A0OiQPT", {"DB_PASSWORD=", ""}));
}

TEST(AssignedKey, ReadsComparisonsAndSetterCalls) {
  EXPECT_EQ(assigned_key("assert config.sudo.password == \""), "config.sudo.password");
  EXPECT_EQ(assigned_key("if (auth.password === '"), "auth.password");
  EXPECT_EQ(assigned_key("client.setPassword(\""), "client.setPassword");
  EXPECT_EQ(assigned_key("define('DB_PASSWORD', '"), "DB_PASSWORD");
}

TEST(AssignedKey, ReadsThroughAnOptionWrappingTheValue) {
  EXPECT_EQ(without_option_wrapper("password = Some(\""), "password = ");
  EXPECT_EQ(without_option_wrapper("  password = Option( '"), "  password = ");
  EXPECT_EQ(without_option_wrapper("password = HandleSome(\""), "password = HandleSome(\"");
  EXPECT_EQ(without_option_wrapper("password = \""), "password = \"");
  EXPECT_EQ(assigned_key("    password = Some(\""), "password");
  EXPECT_EQ(assigned_key("DbSettings(user = \"app\", password = Option(\""), "password");
  // The value in an option is assigned, not a call's argument.
  EXPECT_FALSE(never("    password = Some(\"Orch1d-Valley\")", "Orch1d-Valley"));
  EXPECT_TRUE(never("    password = HashOf(\"Orch1d-Valley\")", "Orch1d-Valley"));
}

TEST(NeverASecret, InterfaceTextTranslationsAndStockTestPasswords) {
  EXPECT_TRUE(never("\"LABEL_PASSWORD\": \"Passwort\",", "Passwort"));
  EXPECT_TRUE(never("\"TITLE_CHANGE_PASSWORD\": \"Wachtwoord\",", "Wachtwoord"));
  EXPECT_TRUE(never("'Password' => 'Lozinka',", "Lozinka"));
  EXPECT_TRUE(never("'password' => 'Passw\xc3\xb6rter',", "Passw\xc3\xb6rter"));
  EXPECT_TRUE(never("login(user: \"bob\", password: \"wrong\")", "wrong"));
  EXPECT_TRUE(never("password: admin", "admin"));
  EXPECT_TRUE(never("\"password\": \"test2\"", "test2"));
  // People do use these.
  EXPECT_FALSE(never("password: \"admin123\"", "admin123"));
  EXPECT_FALSE(never("DB_PASSWORD=Falcon2024!", "Falcon2024!"));
  EXPECT_FALSE(never("POSTGRES_PASSWORD: gorm4711", "gorm4711"));
  // A digit among letters of another script: typed, not translated.
  EXPECT_FALSE(never("password: 'Vq8r\xc2\xa7Lm59-!Fg1'", "Vq8r\xc2\xa7Lm59-!Fg1"));
}

TEST(NeverASecret, HashesVersionsCallsAndTypeChecks) {
  EXPECT_TRUE(never("password: \"$2b$12$FXG59RojBPrC/iR3DqtpCZ7Y7XhIjZiI8B6ahGYtm0A0VD/ZW5wzf\"",
                    "$2b$12$FXG59RojBPrC/iR3DqtpCZ7Y7XhIjZiI8B6ahGYtm0A0VD/ZW5wzf"));
  EXPECT_TRUE(never("password: \"$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$aGFzaGhhc2g\"",
                    "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$aGFzaGhhc2g"));
  EXPECT_TRUE(never("\"parse-passwd\": \"^1.0.0\",", "^1.0.0"));
  EXPECT_TRUE(never("spring.datasource.password=ENC(G6N718UuyPE5bHyWKyuLQSm0)", "ENC(G6N718UuyPE5bHyWKyuLQSm0)"));
  EXPECT_TRUE(never("if (typeof this.password === 'function') {", "function"));
  EXPECT_TRUE(never(".then(() => t.pass('Closed'))", "Closed"));
  EXPECT_FALSE(never("client.setPassword(\"Gl4cier-Lake\");", "Gl4cier-Lake"));
  EXPECT_FALSE(never("assert config.sudo.password == \"hun7er2x\"", "hun7er2x"));
  // The key as the first argument of a call that hashes or checks it: the
  // next argument is a salt or an encoded form, not the key's value.
  EXPECT_TRUE(never("    digest = self.hasher.encode(\"password\", \"pepper\")", "pepper"));
  EXPECT_TRUE(never("    ok = checkPassword('password', 'stored')", "stored"));
  EXPECT_TRUE(never("    self.assertEqual(\"password\", \"Kestrel#77\")", "Kestrel#77"));
  EXPECT_FALSE(never("define('DB_PASSWORD', 'Kestrel#77');", "Kestrel#77"));
  EXPECT_FALSE(never("conf.assign(\"password\", \"Kestrel#77\")", "Kestrel#77"));
  EXPECT_FALSE(never("props.put(\"password\", \"Kestrel#77\");", "Kestrel#77"));
}

TEST(PasswordRules, FindHumanPasswordsInCodeAndConfigButNotNames) {
  const RuleLoad load = load_builtin_rules();
  const RuleSet& rules = load.rules;
  const Scanner scanner(rules);
  // Hits as a scan of a file at `path` reports them (a rule's path filter applies).
  auto found = [&](std::string_view text, const std::string& path = "app.py") {
    std::vector<std::string> out;
    for (const Hit& hit : scanner.scan_text(text)) {
      const Rule& rule = rules.rules[hit.rule];
      if (!rule.path || RE2::PartialMatch(path, *rule.path)) out.push_back(rule.id + " " + hit.secret);
    }
    return out;
  };
  using Found = std::vector<std::string>;
  EXPECT_EQ(found("conn = connect(user=\"app\", password=\"tr0ub4dor\")\n"), Found{"password-assignment tr0ub4dor"});
  EXPECT_EQ(found("define('DB_PASSWORD', 'w1ldR0se');\n"), Found{"password-assignment w1ldR0se"});
  EXPECT_EQ(found("MYSQL_ROOT_PASSWORD=Sl33py-Owl\n", ".env"), Found{"password-assignment-config Sl33py-Owl"});
  EXPECT_EQ(found("servers: [\"nats://ops:Wh1stl3-Pig@nats-1.acme.io:4222\"]\n"), Found{"url-credentials Wh1stl3-Pig"});
  // In code a bare word is a name; compass and bypass name no password.
  EXPECT_EQ(found("password = user_input\ncompass = \"north-west\"\nbypass = \"enabled1\"\n"), Found{});
  EXPECT_EQ(found("keywords = ['or', 'pass', 'print', 'raise']\n"), Found{});
  EXPECT_EQ(found("url = fmt.Sprintf(\"nats://%s:%s@%s:%d\", user, pass, host, port)\n"), Found{});
}

TEST(PasswordRules, BareValuesCountOnlyInConfigEnvAndScriptFiles) {
  const RuleLoad load = load_builtin_rules();
  const Rule* config = nullptr;
  for (const Rule& rule : load.rules.rules) {
    if (rule.id == "password-assignment-config") config = &rule;
  }
  ASSERT_NE(config, nullptr);
  ASSERT_NE(config->path, nullptr);
  for (std::string_view path : {".env", "deploy/.env.production", "config/database.yml", "app.properties",
                                "scripts/setup.sh", "Dockerfile", "settings.ini", "docs/install.md"}) {
    EXPECT_TRUE(RE2::PartialMatch(path, *config->path)) << path;
  }
  for (std::string_view path : {"src/app.py", "lib/auth.js", "main.go", "Config.java", "db.rb"}) {
    EXPECT_FALSE(RE2::PartialMatch(path, *config->path)) << path;
  }
}

TEST(NeverASecret, GenericApiKeyStaysQuietOnCodeThatNamesCredentials) {
  const RuleLoad load = load_builtin_rules();
  const RuleSet& rules = load.rules;
  const Scanner scanner(rules);
  for (std::string_view line : {
           "  password: @config.password_reset_token",
           "      POSTGRES_PASSWORD_FILE: /run/secrets/db_password",
           "<metadata type=\"System.Boolean, mscorlib, Version=4.0.0.0, PublicKeyToken=b77a5c561934e089\">",
           "  secretAccessKey := *output.Credentials.SecretAccessKey",
           "txtLUPassword.Enabled = !radioLUS4U.Checked;",
       }) {
    for (const Hit& hit : scanner.scan_text(line)) {
      EXPECT_NE(rules.rules[hit.rule].id, "generic-api-key") << line;
    }
  }
  const std::vector<Hit> hits = scanner.scan_text("DB_PASSWORD=kmV6F_&fKMtx9A0OiQPT\n");
  ASSERT_EQ(hits.size(), 1U);
  EXPECT_EQ(rules.rules[hits[0].rule].id, "generic-api-key");
  EXPECT_EQ(hits[0].secret, "kmV6F_&fKMtx9A0OiQPT");
}

}  // namespace
}  // namespace trawl
