#include "rules/placeholders.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>

namespace trawl {
namespace {

// Lowercase fragments that only placeholders, templates and references
// contain.
constexpr std::array<std::string_view, 34> kPlaceholderFragments = {
    "example",     "placeholder", "changeme", "change_me", "change-me", "your_",    "your-",
    "yourkey",     "yoursecret",  "notareal", "redacted",  "dummy",     "sample",   "xxxx",
    "goes_here",   "goes-here",   "insert_",  "insert-",   "replace_",  "replace-", "replaceme",
    "fixme",       "${",          "#{",       "{{",        "}}",        "%(",       "os.environ",
    "process.env", "getenv",      "env(",     "env[",      "****",      "...",
};

// `<password>`, `<your token here>`, `db-<env>`: a name between angle
// brackets; `<%= ENV['X'] %>`, `</value>`: a template tag or markup around
// the value. A password may hold a lone `<` or `>` (`I_<3_Telethon`, `Qj1n>%28`).
bool has_angle_placeholder(std::string_view v) {
  if (v.front() == '<' || v.back() == '>') return true;
  for (std::size_t open = v.find('<'); open != std::string_view::npos; open = v.find('<', open + 1)) {
    std::size_t end = open + 1;
    while (end < v.size() && (std::isalnum(static_cast<unsigned char>(v[end])) != 0 || v[end] == ' ' || v[end] == '_' ||
                              v[end] == '-' || v[end] == '.')) {
      ++end;
    }
    if (end > open + 1 && end < v.size() && v[end] == '>') return true;
  }
  return false;
}

// A format string and punctuation only (`%s:%s`, `%s@%s`): filled in later.
bool only_format_verbs(std::string_view v) {
  bool verb = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 1 < v.size() && (v[i + 1] == 's' || v[i + 1] == 'v' || v[i + 1] == 'd')) {
      verb = true;
      ++i;
    } else if (std::isalnum(static_cast<unsigned char>(v[i]))) {
      return false;
    }
  }
  return verb;
}

// `yourapikey`, `yourprivatecloudflareapikey`: "your" and words, run together.
bool names_the_readers_own(std::string_view lower) {
  return lower.size() > 4 && lower.starts_with("your") &&
         std::all_of(lower.begin(), lower.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

// Upper-case letters, digits and underscores, from a letter: DB_PASSWORD, TOKEN.
bool is_upper_case_name(std::string_view v) {
  return !v.empty() && std::isupper(static_cast<unsigned char>(v.front())) &&
         std::all_of(v.begin(), v.end(), [](char c) {
           return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
                  c == '_';
         });
}

// An identifier chain (settings.db.password) or an UPPER_SNAKE name
// (DJANGO_SECRET_KEY): the name of a value, not the value.
bool looks_like_name(std::string_view v) {
  if (is_upper_case_name(v) && v.find('_') != std::string_view::npos) return true;
  bool dotted = v.find('.') != std::string_view::npos && v.front() != '.' && v.back() != '.';
  for (char c : v) {
    if (!(std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.')) dotted = false;
  }
  return dotted;
}

// A short unit typed over and over (abab, 123123, xyzxyz): the value is its
// first one to three characters repeated.
bool repeats_a_short_unit(std::string_view v) {
  for (std::size_t unit = 1; unit <= 3 && unit * 2 <= v.size(); ++unit) {
    bool periodic = true;
    for (std::size_t i = unit; i < v.size() && periodic; ++i) periodic = v[i] == v[i - unit];
    if (periodic) return true;
  }
  return false;
}

// A run of one character that is long (8+) and a quarter of the value or
// more, six or more consecutive characters in order (abcdef, 123456), a
// short unit repeated, at most two distinct characters, or three in a value
// of three (N/A), of four with a symbol, or of eight or more. Shorter runs
// occur in real formats (Vault batch tokens start hvb.AAAAAQ); a word of
// four to seven characters can have three letters (boom, banana, kafka).
bool looks_typed_by_hand(std::string_view v) {
  std::size_t same = 1;
  std::size_t longest_same = 1;
  std::size_t ascending = 1;
  std::array<bool, 256> seen{};
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (!seen[c]) {
      seen[c] = true;
      ++distinct;
    }
    if (i == 0) continue;
    const auto prev = static_cast<unsigned char>(v[i - 1]);
    same = c == prev ? same + 1 : 1;
    longest_same = std::max(longest_same, same);
    ascending = c == prev + 1 ? ascending + 1 : 1;
    if (ascending >= 6) return true;
  }
  const bool has_symbol =
      std::any_of(v.begin(), v.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0; });
  return (longest_same >= 8 && longest_same * 4 >= v.size()) || distinct <= 2 ||
         (distinct == 3 && (v.size() <= 3 || (v.size() == 4 && has_symbol) || v.size() >= 8)) ||
         repeats_a_short_unit(v);
}

bool is_identifier(std::string_view v) {
  return !v.empty() && (std::isalpha(static_cast<unsigned char>(v.front())) || v.front() == '_') &&
         std::all_of(v.begin(), v.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// The whole value names a variable that a tool expands: `$DB_PASSWORD`,
// `$env:NUGET_PAT` (shells), `%NUGET_PAT%` (Windows, NuGet), `@db.password@`
// (Maven and autoconf filtering), `__SMTP_PASSWORD__` (release pipelines'
// token replacement). A credential file that holds one reads the secret
// from elsewhere.
bool names_a_variable(std::string_view v) {
  if (v.size() > 2 && v.front() == '$') {
    std::string_view name = v.substr(1);
    if (name.size() > 4 && (name.starts_with("env:") || name.starts_with("ENV:"))) name.remove_prefix(4);
    return is_identifier(name);
  }
  if (v.size() > 2 && ((v.front() == '%' && v.back() == '%') || (v.front() == '@' && v.back() == '@'))) {
    const std::string_view name = v.substr(1, v.size() - 2);
    return is_identifier(name) || (name.find('.') != std::string_view::npos && looks_like_name(name));
  }
  return v.size() > 4 && v.starts_with("__") && v.ends_with("__") && is_upper_case_name(v.substr(2, v.size() - 4));
}

}  // namespace

bool looks_like_placeholder(std::string_view value) { return placeholder_because(value).has_value(); }

std::optional<std::string_view> placeholder_because(std::string_view value) {
  if (value.empty()) return "empty value";
  std::string lower(value);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view fragment : kPlaceholderFragments) {
    if (lower.find(fragment) == std::string::npos) continue;
    const bool reference = fragment.find_first_of("${}%()[]") != std::string_view::npos || fragment == "os.environ" ||
                           fragment == "process.env" || fragment == "getenv";
    return reference ? "a reference or interpolation" : "a placeholder";
  }
  if (has_angle_placeholder(value)) return "a placeholder";
  // Words that say a value is left out or described: a log filter's mark
  // (`[FILTERED]`), a template's `password: optional`, the type an OpenAPI
  // example or schema gives in place of a value (`"passphrase": "string"`).
  for (std::string_view word : {"[filtered]", "optional", "required", "string"}) {
    if (lower == word) return "a placeholder";
  }
  // `{password}`: a format string's or an interpolated string's field.
  if (value.size() > 2 && value.front() == '{' && value.back() == '}' &&
      std::all_of(value.begin() + 1, value.end() - 1,
                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; })) {
    return "a reference or interpolation";
  }
  if (only_format_verbs(value) || names_a_variable(value)) return "a reference or interpolation";
  if (names_the_readers_own(lower)) return "a placeholder";
  if (looks_like_name(value)) return "a name (UPPER_SNAKE or dotted), not a value";
  if (looks_typed_by_hand(value)) return "repeated or sequential characters";
  return std::nullopt;
}

}  // namespace trawl
