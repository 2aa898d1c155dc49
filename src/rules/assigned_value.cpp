#include "rules/assigned_value.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace trawl {
namespace {

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_upper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool is_lower(char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool is_quote(char c) { return c == '"' || c == '\'' || c == '`'; }
bool is_identifier_start(char c) { return is_alpha(c) || c == '_'; }
bool is_identifier_char(char c) { return is_alnum(c) || c == '_'; }

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Lowercase words of a name or value: runs of letters or of digits, split
// at every other character and at case changes (apiKey, HTTPServer).
std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(lowercase(word));
    word.clear();
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (!is_alnum(c)) {
      flush();
      continue;
    }
    if (!word.empty()) {
      const char prev = word.back();
      const bool letter_digit = is_digit(prev) != is_digit(c);
      const bool lower_upper = is_lower(prev) && is_upper(c);
      const bool acronym_end = is_upper(prev) && is_upper(c) && i + 1 < s.size() && is_lower(s[i + 1]);
      if (letter_digit || lower_upper || acronym_end) flush();
    }
    word.push_back(c);
  }
  flush();
  return words;
}

// Words that name a credential.
constexpr std::array<std::string_view, 19> kCredentialWords = {
    "password", "passwords", "passwd", "pwd",    "pass", "passphrase", "pw",          "secret", "secrets",  "token",
    "tokens",   "key",       "keys",   "apikey", "auth", "credential", "credentials", "passw",  "passwort",
};

// "Password" in other languages: the value of `'Password' => 'Heslo'` in a
// translation file.
constexpr std::array<std::string_view, 18> kPasswordTranslations = {
    "kennwort", "senha", "lozinka", "heslo",  "geslo", "wachtwoord",  "cyfrinair", "parola",     "salasana",
    "jelszo",   "haslo", "passord", "parool", "sifre", "adgangskode", "losenord",  "contrasena", "wagwoord",
};

bool is_credential_word(std::string_view word) {
  return std::find(kCredentialWords.begin(), kCredentialWords.end(), word) != kCredentialWords.end() ||
         std::find(kPasswordTranslations.begin(), kPasswordTranslations.end(), word) != kPasswordTranslations.end();
}

// Passwords written to be seen as fake: the stock answers of tests and
// tutorials (`password: "admin"`, `"wrong"`, `test1`, a database's default
// `root`). `admin123` and `Falcon2024!` are kept: people do use them.
bool is_stock_test_password(std::string_view value) {
  const std::string lower = lowercase(value);
  for (std::string_view stock : {"admin", "abc123", "wrong", "secure", "foobar", "foo", "bar", "baz", "qux", "weak",
                                 "blah", "nope", "pwned", "badpass", "testpass", "testing", "test", "tester", "root"}) {
    if (lower == stock) return true;
  }
  // test1, test2, ...
  return lower.size() == 5 && lower.starts_with("test") && is_digit(lower.back());
}

// A call written as the value (`ENC(...)`, Jasypt's encrypted values, or
// `Joi.string().required()`).
bool is_call_expression(std::string_view v) {
  const std::size_t open = v.find('(');
  if (open == std::string_view::npos || open == 0 || v.back() != ')') return false;
  const std::string_view callee = v.substr(0, open);
  return is_identifier_start(callee.front()) &&
         std::all_of(callee.begin(), callee.end(), [](char c) { return is_identifier_char(c) || c == '.'; });
}

// Whether a name mentions a credential anywhere (PASSWORD_FILE, apiKey).
bool mentions_credential(std::string_view name) {
  const std::string lower = lowercase(name);
  return contains(lower, "pass") || contains(lower, "pwd") || contains(lower, "pw") || contains(lower, "secret") ||
         contains(lower, "token") || contains(lower, "key") || contains(lower, "auth") || contains(lower, "cred");
}

// Last words of keys that name something about a credential, not the
// credential: PASSWORD_FILE, secret_name, privateKeyPath, token_type.
constexpr std::array<std::string_view, 51> kNotSecretKeySuffixes = {
    "file",     "files",      "path",    "paths",  "dir",      "directory",   "folder",   "filename",   "url",
    "uri",      "endpoint",   "host",    "name",   "names",    "type",        "style",    "length",     "len",
    "size",     "count",      "format",  "scheme", "policy",   "validator",   "provider", "field",      "param",
    "params",   "parameters", "header",  "prefix", "suffix",   "label",       "enabled",  "required",   "mode",
    "hint",     "text",       "message", "advice", "pattern",  "description", "title",    "iterations", "version",
    "validity", "hash",       "hashed",  "digest", "checksum", "fingerprint",
};

// The last member of a key: `secret` of `config.secret`, `Enabled` of
// `txtPassword.Enabled`, `secret_key_base` of `App::Application.config.secret_key_base`.
std::string_view last_member(std::string_view key) {
  const std::size_t cut = key.find_last_of(".>:[");
  std::string_view member = cut == std::string_view::npos ? key : key.substr(cut + 1);
  while (!member.empty() && !is_alnum(member.back())) member.remove_suffix(1);
  return member;
}

// Words of keys that name a user interface's text about a credential, not
// the credential: "LABEL_PASSWORD", "TITLE_CHANGE_PASSWORD", "forgotPasswordMsg".
constexpr std::array<std::string_view, 22> kInterfaceWords = {
    "public", "label", "lbl",   "title",     "tooltip", "placeholder", "msg",   "message",
    "error",  "err",   "hint",  "prompt",    "caption", "forgot",      "reset", "change",
    "show",   "hide",  "enter", "mandatory", "invalid", "wrong",
};

bool key_says_not_secret(std::string_view key) {
  // A key that names no credential was not read where the rule found one
  // (an attribute list, an odd layout): judge by the value alone.
  if (!mentions_credential(key)) return false;
  const std::vector<std::string> words = words_of(key);
  for (const std::string& word : words) {
    if (std::find(kInterfaceWords.begin(), kInterfaceWords.end(), word) != kInterfaceWords.end()) return true;
  }
  const std::string_view member = last_member(key);
  if (!member.empty() && !mentions_credential(member)) return true;
  return !words.empty() && std::find(kNotSecretKeySuffixes.begin(), kNotSecretKeySuffixes.end(), words.back()) !=
                               kNotSecretKeySuffixes.end();
}

// An identifier chain of two or more parts (`config.password`,
// `resp->token`, `Foo::Bar`, `cfg?.pw`, `user.name()`). Inside quotes the
// parts may hold '-' but no digit (`string.quoted.label-matcher`), so a
// quoted random value with a dot in it (`v1.ce63...`) is not taken for a name.
bool is_member_chain(std::string_view v, bool quoted) {
  for (std::string_view tail : {"()", "?", "!"}) {
    if (v.ends_with(tail)) {
      v.remove_suffix(tail.size());
      break;
    }
  }
  std::size_t parts = 0;
  std::size_t i = 0;
  while (true) {
    if (i >= v.size() || !is_identifier_start(v[i])) return false;
    const std::size_t begin = i;
    while (i < v.size() && (is_identifier_char(v[i]) || (quoted && v[i] == '-'))) ++i;
    if (quoted) {
      const std::string_view part = v.substr(begin, i - begin);
      if (std::any_of(part.begin(), part.end(), is_digit)) return false;
    }
    ++parts;
    if (i == v.size()) return parts >= 2;
    const std::string_view rest = v.substr(i);
    if (rest.starts_with("->") || rest.starts_with("::") || rest.starts_with("?.")) {
      i += 2;
    } else if (v[i] == '.') {
      ++i;
    } else {
      return false;
    }
  }
}

bool is_template(std::string_view v) {
  for (std::string_view marker : {"#{", "${", "{{", "}}", "<%", "%>", "$(", "%("}) {
    if (contains(v, marker)) return true;
  }
  // %VAR% (Windows), @VAR@ (autoconf, Maven), $VAR.
  auto name = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_identifier_char) && is_identifier_start(s.front());
  };
  if (v.size() > 2 && ((v.front() == '%' && v.back() == '%') || (v.front() == '@' && v.back() == '@'))) {
    if (name(v.substr(1, v.size() - 2))) return true;
  }
  if (v.size() > 1 && v.front() == '$' && name(v.substr(1))) return true;
  // A value that starts with an UPPER_SNAKE variable (`$HTTPD_PROTO://...`,
  // `$HOME/x`), or a variable indexed or dereferenced (`$_[1]`,
  // `$args{pw}`, `$this->pw`): shell, Perl and PHP expand it.
  if (v.size() > 2 && v.front() == '$') {
    std::size_t end = 1;
    while (end < v.size() && is_identifier_char(v[end])) ++end;
    const std::string_view var = v.substr(1, end - 1);
    const std::string_view rest = v.substr(end);
    const bool upper = var.size() >= 2 && is_upper(var.front()) && std::all_of(var.begin(), var.end(), [](char c) {
                         return is_upper(c) || is_digit(c) || c == '_';
                       });
    if (upper && (rest.empty() || !is_identifier_char(rest.front()))) return true;
    if (!var.empty() && (rest.starts_with("[") || rest.starts_with("{") || rest.starts_with("->")) &&
        (rest.back() == ']' || rest.back() == '}' || rest.starts_with("->"))) {
      return true;
    }
  }
  return false;
}

bool is_number(std::string_view v) {
  if (!v.empty() && (v.front() == '-' || v.front() == '+')) v.remove_prefix(1);
  // A literal's type suffix: 1234567890123456789L, 42UL.
  while (v.size() > 1 && (v.back() == 'L' || v.back() == 'l' || v.back() == 'U' || v.back() == 'u')) v.remove_suffix(1);
  return !v.empty() && is_digit(v.front()) &&
         std::all_of(v.begin(), v.end(), [](char c) { return is_digit(c) || c == '.' || c == '_'; });
}

// A package version or range (`^1.0.0`, `~2.3`, `>=1.2`): package.json's
// "parse-passwd": "^1.0.0".
bool is_version_range(std::string_view v) {
  while (!v.empty() && (v.front() == '^' || v.front() == '~' || v.front() == '>' || v.front() == '<' ||
                        v.front() == '=' || v.front() == 'v')) {
    v.remove_prefix(1);
  }
  return is_number(v);
}

// A password hash in crypt(3) or PHC format (`$2b$12$...`, `$6$salt$...`,
// `$argon2id$v=19$...`, `{SSHA}...`): what a system stores instead of the
// password, not the password itself.
bool is_crypt_hash(std::string_view v) {
  for (std::string_view prefix : {"$1$", "$2a$", "$2b$", "$2y$", "$5$", "$6$", "$apr1$", "$argon2", "$pbkdf2",
                                  "$scrypt$", "{SSHA}", "{SHA}", "{SSHA256}", "{SSHA512}", "{CRYPT}"}) {
    if (v.starts_with(prefix)) return true;
  }
  return false;
}

bool is_path(std::string_view v) {
  const bool explicit_start = v.starts_with("./") || v.starts_with("../") || v.starts_with("~/");
  if (v.size() > 2 && is_alpha(v[0]) && v[1] == ':' && (v[2] == '\\' || v[2] == '/')) return true;
  std::string_view rest = v;
  while (!rest.empty() && (rest.front() == '.' || rest.front() == '~')) rest.remove_prefix(1);
  std::size_t segments = 0;
  std::string_view last;
  std::size_t i = 0;
  if (!rest.empty() && rest.front() == '/') i = 1;
  while (i < rest.size()) {
    const std::size_t begin = i;
    while (i < rest.size() &&
           (is_alnum(rest[i]) || rest[i] == '_' || rest[i] == '-' || rest[i] == '.' || rest[i] == '@'))
      ++i;
    if (i == begin) return false;
    last = rest.substr(begin, i - begin);
    ++segments;
    if (i < rest.size()) {
      if (rest[i] != '/') return false;
      ++i;
    }
  }
  const bool rooted = !v.empty() && (v.front() == '/' || explicit_start);
  if (segments < 2 || (!rooted && segments < 3)) return false;
  const std::size_t dot = last.rfind('.');
  const bool extension = dot != std::string_view::npos && dot > 0 && last.size() - dot - 1 >= 1 &&
                         last.size() - dot - 1 <= 4 &&
                         std::all_of(last.begin() + static_cast<std::ptrdiff_t>(dot) + 1, last.end(), is_lower);
  const bool has_upper = std::any_of(v.begin(), v.end(), is_upper);
  return explicit_start || extension || (rooted && !has_upper);
}

// A URL with neither user information nor a query (`otpauth://...?secret=`
// carries one there).
bool is_url_without_userinfo(std::string_view v) {
  const std::size_t scheme = v.find("://");
  if (scheme == std::string_view::npos || contains(v, "?")) return false;
  std::string_view authority = v.substr(scheme + 3);
  authority = authority.substr(0, authority.find('/'));
  return !contains(authority, "@");
}

// `NAME=...`: an identifier, '=' and a value that is not more '=' (base64
// padding ends a value with '=', it does not follow a name).
bool starts_with_assignment(std::string_view v) {
  if (v.empty() || !is_identifier_start(v.front())) return false;
  std::size_t i = 1;
  while (i < v.size() && is_identifier_char(v[i])) ++i;
  return i + 1 < v.size() && v[i] == '=' && v[i + 1] != '=';
}

// A credential word made into a password the way people do it: a digit in
// place of a letter inside a word (`passw0rd`, `MyPassw0rd`), or digits and
// one closing symbol after the letters (`Password12!`). Such a value is
// chosen, not a name; a bare number after the word only numbers it
// (`password1`, `secret2`).
bool spelled_as_password(std::string_view v) {
  constexpr std::string_view kDigitsForLetters = "01345";
  constexpr std::string_view kClosingSymbols = "!@#$%*?";
  for (std::size_t i = 1; i + 1 < v.size(); ++i) {
    if (kDigitsForLetters.find(v[i]) != std::string_view::npos && is_alpha(v[i - 1]) && is_alpha(v[i + 1])) {
      return true;
    }
  }
  std::size_t end = 0;
  while (end < v.size() && is_alpha(v[end])) ++end;
  const std::size_t letters = end;
  while (end < v.size() && is_digit(v[end])) ++end;
  return letters >= 3 && end > letters && end + 1 == v.size() && kClosingSymbols.find(v[end]) != std::string_view::npos;
}

// Words and short numbers only, one word naming a credential
// (`myAuthPassword`, `access-token-123`, `InputCheckPasswordSRP`), or the
// key's own words. Random text split at case changes gives mostly one- and
// two-letter pieces, so the words must average three letters or more.
bool describes_credential(std::string_view v, std::string_view key) {
  // A value that holds its own assignment or a URL (`...?secret=JBSW...`)
  // is not a description.
  if (contains(v, "=") || contains(v, "://")) return false;
  if (spelled_as_password(v)) return false;
  const std::vector<std::string> words = words_of(v);
  if (words.empty()) return true;
  if (!key.empty() && words == words_of(key)) return true;
  bool credential = false;
  std::size_t letters = 0;
  std::size_t letter_words = 0;
  for (const std::string& w : words) {
    if (is_digit(w.front())) {
      if (w.size() > 4) return false;
      continue;
    }
    if (w.size() > 16) return false;
    letters += w.size();
    ++letter_words;
    if (w.size() >= 3 && is_credential_word(w)) credential = true;
  }
  return credential && letters >= 3 * letter_words;
}

bool looks_up_environment(std::string_view text) {
  const std::string lower = lowercase(text);
  for (std::string_view lookup : {"os.environ", "getenv", "process.env", "env[", "env.fetch", "env(",
                                  "getenvironmentvariable", "environ.get", "environ["}) {
    if (contains(lower, lookup)) return true;
  }
  return false;
}

// A Ruby predicate or bang method (`environment_specified?`, `save!`), a
// Rails route (`active_storage/disk#update`), or a private name
// (`_aj_hash_with_indifferent_access`).
bool is_method_or_route(std::string_view v, bool quoted) {
  if (v.empty()) return false;
  auto snake = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_lower(c) || c == '_'; });
  };
  // Methods are snake_case; a human password ends in '!' too (`Falcon2024!`).
  if (!quoted && v.size() > 1 && (v.back() == '?' || v.back() == '!') && snake(v.substr(0, v.size() - 1))) {
    return true;
  }
  const std::size_t hash = v.find('#');
  if (hash != std::string_view::npos && hash > 0) {
    const std::string_view controller = v.substr(0, hash);
    const bool path_of_names =
        std::all_of(controller.begin(), controller.end(), [](char c) { return is_lower(c) || c == '_' || c == '/'; });
    if (path_of_names && snake(v.substr(hash + 1))) return true;
  }
  // A private name's words may end in digits (`_aj_ruby2_keywords`).
  auto private_words = [](std::string_view s) {
    bool letters_seen = false;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '_') {
        letters_seen = false;
      } else if (is_lower(c)) {
        if (i > 0 && is_digit(s[i - 1])) return false;  // a digit inside a word: random text
        letters_seen = true;
      } else if (!is_digit(c) || !letters_seen) {
        return false;
      }
    }
    return true;
  };
  return v.front() == '_' && private_words(v) && std::count(v.begin(), v.end(), '_') >= 3;
}

// Shorter than this, a value that ends at a query string's '&' is not a
// secret a generic rule would report on its own.
constexpr std::size_t kShortestQueryValue = 8;

// In a query string (`token=VALUE&state=...`) the value ends at the '&'
// that starts the next parameter.
std::string_view first_parameter(std::string_view value) {
  for (std::size_t amp = value.find('&'); amp != std::string_view::npos; amp = value.find('&', amp + 1)) {
    std::size_t i = amp + 1;
    while (i < value.size() && (is_identifier_char(value[i]) || value[i] == '-')) ++i;
    if (i > amp + 1 && i < value.size() && value[i] == '=') return value.substr(0, amp);
  }
  return value;
}

}  // namespace

std::string_view without_option_wrapper(std::string_view before) {
  std::size_t end = before.size();
  while (end > 0 && is_space(before[end - 1])) --end;
  if (end > 0 && is_quote(before[end - 1])) --end;
  while (end > 0 && is_space(before[end - 1])) --end;
  if (end == 0 || before[end - 1] != '(') return before;
  std::string_view head = before.substr(0, end - 1);
  while (!head.empty() && is_space(head.back())) head.remove_suffix(1);
  for (const std::string_view wrapper : {std::string_view("Some"), std::string_view("Option")}) {
    if (!head.ends_with(wrapper)) continue;
    const std::size_t at = head.size() - wrapper.size();
    if (at == 0 || (!is_identifier_char(head[at - 1]) && head[at - 1] != '.')) return head.substr(0, at);
  }
  return before;
}

std::size_t assigned_key_end(std::string_view before) {
  before = without_option_wrapper(before);
  std::size_t end = before.size();
  auto skip_space = [&] {
    while (end > 0 && is_space(before[end - 1])) --end;
  };
  skip_space();
  if (end > 0 && is_quote(before[end - 1])) --end;
  skip_space();
  if (end > 0 && before[end - 1] == '(')
    return end - 1;  // setPassword("..."), define('DB_PASSWORD', ...) reads its key at the ','
  if (end > 1 && before[end - 1] == '=' && before[end - 2] == '=') {
    while (end > 0 && before[end - 1] == '=') --end;  // a comparison: password == "..."
    return end;
  }
  if (end > 1 && before[end - 1] == '>' && before[end - 2] == '=') return end - 2;
  if (end > 0 && (before[end - 1] == '=' || before[end - 1] == ':' || before[end - 1] == ',')) {
    --end;
    if (end > 0 && (before[end - 1] == ':' || before[end - 1] == '?' || before[end - 1] == '+')) --end;
    return end;
  }
  return std::string_view::npos;
}

std::string_view assigned_key(std::string_view before) {
  std::size_t end = assigned_key_end(before);
  if (end == std::string_view::npos) return {};
  auto skip_space = [&] {
    while (end > 0 && is_space(before[end - 1])) --end;
  };
  skip_space();
  if (end > 0 && (is_quote(before[end - 1]) || before[end - 1] == ']')) --end;
  std::size_t begin = end;
  while (begin > 0) {
    const char c = before[begin - 1];
    if (!(is_alnum(c) || c == '_' || c == '.' || c == '-' || c == '$' || c == '@' || c == '>' || c == '?' || c == ':' ||
          c == '[')) {
      break;
    }
    --begin;
  }
  while (begin < end && !is_alnum(before[begin]) && before[begin] != '_' && before[begin] != '@' &&
         before[begin] != '$') {
    ++begin;
  }
  return before.substr(begin, end - begin);
}

namespace {

bool words_name_identifier(const std::vector<std::string>& words) {
  for (const std::string& word : words) {
    for (std::string_view not_secret :
         {"id",          "ids",     "uuid",        "guid",  "hash",    "hashed",  "checksum", "digest",
          "sha",         "md5",     "fingerprint", "cache", "primary", "foreign", "sort",     "partition",
          "idempotency", "request", "correlation", "trace", "etag",    "commit",  "public",   "integrity",
          "salt",        "csrf",    "xsrf",        "nonce", "index",   "lookup",  "hint"}) {
      if (word == not_secret) return true;
    }
  }
  return false;
}

}  // namespace

bool key_names_identifier(std::string_view before) {
  const std::string_view key = assigned_key(before);
  return !key.empty() && words_name_identifier(words_of(last_member(key)));
}

bool names_credential(std::string_view before) {
  const std::string_view key = assigned_key(before);
  if (key.empty()) return false;
  std::vector<std::string> words = words_of(last_member(key));
  if (words.empty() || words_name_identifier(words)) return false;
  // `secret_key_base`, `token_value`, `password_b64`: a word for how the
  // credential is written.
  for (std::string_view encoding : {"base", "value", "val", "str", "string", "b64", "base64", "hex", "raw", "plain",
                                    "plaintext", "encoded", "enc", "bytes", "data"}) {
    if (words.size() > 1 && words.back() == encoding) {
      words.pop_back();
      break;
    }
  }
  const std::string& last = words.back();
  // `key` alone is a map's key; after another word (`api_key`,
  // `TUMBLR_KEY`, `aesKey`) it names one, the identifiers above aside.
  if (last == "key" || last == "keys") return words.size() >= 2;
  return last == "password" || last == "passwords" || last == "passwd" || last == "pwd" || last == "pass" ||
         last == "passphrase" || last == "pw" || last == "passw" || last == "passwort" || last == "secret" ||
         last == "secrets" || last == "token" || last == "tokens" || last == "apikey" || last == "auth" ||
         last == "credential" || last == "credentials" || last == "pswd" || last == "psw" || last == "passcode";
}

namespace {

// A key that switches something about passwords rather than holding one:
// a build knob (`NO_ETC_PASSWD`), an option (`skip_user_password`,
// `exclude_password`), a sudoers tag (`NOPASSWD`).
bool key_is_a_switch(std::string_view key) {
  const std::vector<std::string> words = words_of(last_member(key));
  if (words.empty()) return false;
  if (words.size() == 1) return words.front() == "nopasswd" || words.front() == "nopassword";
  for (std::string_view flag : {"no", "skip", "exclude", "without", "disable", "enable"}) {
    if (words.front() == flag) return true;
  }
  return false;
}

// A function that hashes, encodes or checks what it is given, named by its
// last member: a word of it is such a verb with at most a short ending
// (`hasher.encode`, `check_password`, `verify`, `assertEqual`).
bool hashes_or_checks(std::string_view callee) {
  for (const std::string& word : words_of(callee)) {
    for (std::string_view verb : {"encode", "decode", "hash", "verify", "check", "compare", "harden", "validate",
                                  "assert", "expect", "match", "digest", "derive", "encrypt", "decrypt"}) {
      // The verb and an ending at most: hashes, checked, verifying.
      if (word.starts_with(verb) && word.size() <= verb.size() + 3) return true;
    }
  }
  return false;
}

// A column type of a generator's `name:type` attribute.
bool is_column_type(std::string_view value) {
  for (std::string_view type :
       {"digest", "string", "text", "integer", "boolean", "references", "belongs_to", "token", "binary", "decimal",
        "float", "datetime", "timestamp", "date", "time", "json", "uuid"}) {
    if (value == type) return true;
  }
  return false;
}

}  // namespace

std::optional<std::string_view> never_a_secret_because(std::string_view whole_value, const SecretContext& context) {
  const std::string_view value = first_parameter(whole_value);
  if (trim(value).empty()) return "empty value";
  // The rule's match ran on into the next parameters: the value itself is short.
  if (value.size() < whole_value.size() && value.size() < kShortestQueryValue) {
    return "too short: the value ends at the query string's next parameter";
  }
  const std::string_view key = assigned_key(context.before);
  if (!key.empty()) {
    if (key_says_not_secret(key)) return "the key names something about a credential, not the credential";
    if (key_is_a_switch(key)) return "the key is a switch about a password (NO_ETC_PASSWD, skip_password, NOPASSWD)";
    const auto key_begin = static_cast<std::size_t>(key.data() - context.before.data());
    std::string_view lead_text = context.before.substr(0, key_begin);
    std::size_t gap = 0;  // quotes and blanks between a '?' and the key: none in a query string's `?token=`
    while (!lead_text.empty() && (is_quote(lead_text.back()) || lead_text.back() == ' ' || lead_text.back() == '\t')) {
      lead_text.remove_suffix(1);
      ++gap;
    }
    // `ok ? "pass" : "fail"`: a conditional's two branches.
    if (gap > 0 && lead_text.ends_with("?")) return "the branches of a conditional, not a key and its value";
    // `generate scaffold password:digest`: an attribute and its column type.
    if (context.before.ends_with(":") && context.before.size() == key_begin + key.size() + 1 && is_column_type(value)) {
      return "an attribute's type (name:type), not a value";
    }
    // "# Example password: ...", "e.g. token = ...": the word before the key.
    const std::string lead = lowercase(trim(context.before.substr(0, key_begin)));
    if (lead.ends_with("example") || lead.ends_with("e.g.")) return "introduced as an example";
    // `hasher.encode("password", "salt")`, `verify("password", "encoded")`:
    // the key is the first argument of a call that hashes or checks a
    // password; what follows is the call's next argument, not its value.
    if (lead_text.ends_with("(") && hashes_or_checks(last_member(trim(lead_text.substr(0, lead_text.size() - 1))))) {
      return "the next argument of a call that hashes or checks a password";
    }
  }
  // A call's only argument is a password when the call sets one
  // (`setPassword("...")`), not when it checks or hashes one (`t.pass("Closed")`).
  const std::string_view unwrapped = without_option_wrapper(context.before);
  if (trim(unwrapped).ends_with("(") || (trim(unwrapped).ends_with("(\"") || trim(unwrapped).ends_with("('"))) {
    const std::string member = lowercase(last_member(key));
    if (!member.starts_with("set") && !member.starts_with("with")) return "the argument of a call that sets nothing";
  }
  // `typeof x.password === 'string'` compares a type name.
  if (contains(context.before, "typeof")) return "a type name compared with typeof";
  // A literal beside an environment lookup is its fallback
  // (`os.environ.get('DB_PASSWORD', 'welcome1')`) or what it sets
  // (`process.env.PGPASSWORD = '...'`): the password is in the code either
  // way. Only a lookup standing as the value (below) is no secret.
  const bool quoted = !context.before.empty() && is_quote(context.before.back());
  // `MYSQL_PASSWORD= FILTER=integration npm test`: the key's value is empty;
  // what follows the blank is the next variable's assignment.
  if (!quoted && (context.before.ends_with(' ') || context.before.ends_with('\t')) &&
      trim(context.before).ends_with("=") && starts_with_assignment(value)) {
    return "an empty value: the next variable's assignment follows it";
  }
  std::string lower = lowercase(value);
  // `|conn, skip_password: false|`: a block's last parameter ends at its '|'.
  if (lower.ends_with("|")) lower.pop_back();
  for (std::string_view literal : {"true", "false", "null", "nil", "none", "undefined", "yes", "no"}) {
    if (lower == literal) return "a boolean or null literal";
  }
  if (is_number(value)) return "a number";
  if (is_template(value)) return "a reference or interpolation";
  if (looks_up_environment(value)) return "an environment lookup";
  if (is_version_range(value)) return "a package version";
  if (is_crypt_hash(value)) return "a password hash";
  if (is_call_expression(value)) return "a function call";
  if (is_stock_test_password(value)) return "a stock test password";
  // Text in another script is a translated message, not a credential; a
  // password with a digit among such letters (`0Y8rMnww§59`) is typed, not
  // translated.
  if (std::any_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }) &&
      std::none_of(value.begin(), value.end(), is_digit))
    return "text outside ASCII";
  if (!quoted && !trim(context.after).empty() && trim(context.after).front() == '(') return "a function call";
  std::string_view chain = value;
  while (!chain.empty() && (chain.front() == '*' || chain.front() == '&' || chain.front() == '!' ||
                            chain.front() == '@' || chain.front() == '$')) {
    chain.remove_prefix(1);
  }
  if (is_member_chain(chain, quoted)) return "an identifier or member access";
  if (is_method_or_route(chain, quoted)) return "a method name or route";
  if (is_path(value)) return "a file path";
  if (is_url_without_userinfo(value)) return "a URL without user information";
  if (describes_credential(value, key)) return "words that name a credential, or the key itself";
  return std::nullopt;
}

bool never_a_secret(std::string_view value, const SecretContext& context) {
  return never_a_secret_because(value, context).has_value();
}

}  // namespace trawl
