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
constexpr std::array<std::string_view, 35> kPlaceholderFragments = {
    "example",  "placeholder", "changeme",    "change_me", "change-me", "your_",     "your-",   "yourkey", "yoursecret",
    "redacted", "dummy",       "sample",      "xxxx",      "goes_here", "goes-here", "insert_", "insert-", "replace_",
    "replace-", "replaceme",   "fixme",       "${",        "#{",        "{{",        "}}",      "%(",      "<",
    ">",        "os.environ",  "process.env", "getenv",    "env(",      "env[",      "****",    "...",
};

// An identifier chain (settings.db.password) or an UPPER_SNAKE name
// (DJANGO_SECRET_KEY): the name of a value, not the value.
bool looks_like_name(std::string_view v) {
  const bool upper_snake = std::all_of(v.begin(), v.end(),
                                       [](char c) {
                                         return std::isupper(static_cast<unsigned char>(c)) ||
                                                std::isdigit(static_cast<unsigned char>(c)) || c == '_';
                                       }) &&
                           v.find('_') != std::string_view::npos && std::isupper(static_cast<unsigned char>(v.front()));
  if (upper_snake) return true;
  bool dotted = v.find('.') != std::string_view::npos && v.front() != '.' && v.back() != '.';
  for (char c : v) {
    if (!(std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '.')) dotted = false;
  }
  return dotted;
}

// A run of one character that is long (8+) and a quarter of the value or
// more, six or more consecutive characters in order (abcdef, 123456), or at
// most three distinct characters. Shorter runs occur in real formats
// (Vault batch tokens start hvb.AAAAAQ).
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
  return (longest_same >= 8 && longest_same * 4 >= v.size()) || distinct <= 3;
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
  // Words that say a value is left out or described: a log filter's mark
  // (`[FILTERED]`), a template's `password: optional`.
  for (std::string_view word : {"[filtered]", "optional", "required"}) {
    if (lower == word) return "a placeholder";
  }
  // `{password}`: a format string's or an interpolated string's field.
  if (value.size() > 2 && value.front() == '{' && value.back() == '}' &&
      std::all_of(value.begin() + 1, value.end() - 1,
                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; })) {
    return "a reference or interpolation";
  }
  if (looks_like_name(value)) return "a name (UPPER_SNAKE or dotted), not a value";
  if (looks_typed_by_hand(value)) return "repeated or sequential characters";
  return std::nullopt;
}

}  // namespace trawl
