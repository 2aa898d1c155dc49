// Whether the value a generic rule found after a credential-like key
// (`password = VALUE`) can be a secret at all. Code names credentials far
// more often than it holds them: `password: @config.password`,
// `token = getToken (req)`, `POSTGRES_PASSWORD_FILE: /run/secrets/db`,
// `PublicKeyToken=b77a5c561934e089`. Such values are dropped by what they
// are, judged from the value and the text beside it on its line, never by
// entropy: a high-entropy identifier is still an identifier.
//
// Never a secret:
//   - the key says so: it names something public (`PublicKeyToken`) or a
//     user interface's text about a credential (`LABEL_PASSWORD`,
//     `TITLE_CHANGE_PASSWORD`), its last member names no credential (`token.style`, `txtPassword.Enabled`),
//     or its last word names a file, path, URL, name, type, length, ...
//     (`PASSWORD_FILE`, `secret_name`, `privateKeyPath`);
//   - identifiers and member accesses (`@config.password`, `self.token`,
//     `*resp.Credentials.SessionToken`, `ed25519.PrivateKey`), function
//     calls (`getToken (x)`), environment lookups (`os.environ`, `getenv`,
//     `process.env`, `ENV[...]`, `System.getenv` before the value);
//   - interpolations and templates (`#{...}`, `${...}`, `{{ ... }}`,
//     `<%= ... %>`, `$(...)`, `%VAR%`, `@VAR@`, `%(name)s`);
//   - file paths (`/run/secrets/db_password`, `./fixtures/private.key`),
//     URLs without user information, booleans, numbers, package versions
//     (`^1.0.0`), empty values; password hashes (`$2b$...`, `$argon2id$...`),
//     which are stored instead of the password; calls written as the value
//     (`ENC(...)`, `Joi.string().required()`);
//   - the stock passwords of tests and tutorials (`admin`, `wrong`, `test1`,
//     `foobar`), and the word "password" in other languages (`Heslo`);
//   - the only argument of a call that does not set it (`t.pass("...")`,
//     against `setPassword("...")`); a value compared with `typeof`;
//   - text with characters outside ASCII (a translated message);
//   - values that describe rather than hold a credential: made of words and
//     short numbers only, one of them a credential word (`myAuthPassword`,
//     `access-token-123`, `InputCheckPasswordSRP`), or equal to the key;
//   - values on a line that introduces them as an example (`# Example
//     password: ...`).
// Placeholders (`changeme`, `xxxx`, `<your-key>`) are placeholders.h's
// concern; rules name both checks (`assigned-value`, `not-placeholder`).
#pragma once

#include <optional>
#include <string_view>

namespace trawl {

// A candidate secret's surroundings on its line.
struct SecretContext {
  std::string_view before;  // the line up to the secret
  std::string_view after;   // the line after the secret
};

// The key `value` is assigned to, read backwards from the end of `before`
// over a closing quote, an assignment operator (`=`, `:`, `:=`, `=>`, `,`),
// a comparison (`==`, `===`) or a call's `(` (`setPassword("...")`) and an
// opening quote: `DB_PASSWORD`, `config.password`, `PublicKeyToken`.
// Empty when there is none.
std::string_view assigned_key(std::string_view before);

// Where assigned_key() starts reading the key back from: the end of `before`
// less an option wrapper, spaces, a quote and the assignment operator; npos
// when `before` ends in no assignment, so no key can be read.
std::size_t assigned_key_end(std::string_view before);

// `before` without an option wrapper the value stands in (`Some(`,
// `Option(`, as in `password = Some("...")`): the value is assigned where
// the wrapper is. `before` itself when there is none.
std::string_view without_option_wrapper(std::string_view before);

// True when the key a value is assigned to (assigned_key() of `before`)
// names a credential by its last member's words: its last word is one of
// password, passwd, pwd, pass, passphrase, pw, secret, token, apikey, auth,
// credential(s) (or a spelling of them), or it is `key` after another word
// (`api_key`, `clientSecretKey`, `ENCRYPTION_KEY`, `TUMBLR_KEY`),
// possibly followed by a word for its encoding (`secret_key_base`,
// `token_value`). Never when a word names an identifier or a digest
// (`client_id`, `uuid`, `request_token_id`, `cache_key`, `password_hash`,
// `public_key`). For rules whose candidates are not keywords, so the key
// is the only evidence (`generic-high-entropy-assignment`).
bool names_credential(std::string_view before);

// True when the key a value is assigned to has a word that names an
// identifier or a digest (the exclusions of names_credential()).
bool key_names_identifier(std::string_view before);

// True when `value`, found where `context` shows, is never a secret (above).
bool never_a_secret(std::string_view value, const SecretContext& context);

// Why `value` is never a secret, in a few words ("a file path"); nullopt
// when it may be one. never_a_secret() is this, has_value().
std::optional<std::string_view> never_a_secret_because(std::string_view value, const SecretContext& context);

}  // namespace trawl
