#include "source/git/commit_parser.h"

#include <algorithm>
#include <cstring>

namespace trawl {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool starts_with(std::string_view bytes, std::size_t at, std::string_view prefix) {
  return bytes.size() - at >= prefix.size() && bytes.compare(at, prefix.size(), prefix) == 0;
}

// "<header><40 hex digits>\n" at `at`; advances past it.
bool parse_id_line(std::string_view bytes, std::size_t& at, std::string_view header, ObjectId& id) {
  constexpr std::size_t kHexDigits = 40;
  if (bytes.size() - at < header.size() + kHexDigits + 1 || !starts_with(bytes, at, header) ||
      bytes[at + header.size() + kHexDigits] != '\n') {
    return false;
  }
  const char* hex = bytes.data() + at + header.size();
  for (std::size_t i = 0; i < id.bytes.size(); ++i) {
    const int high = hex_value(hex[2 * i]);
    const int low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    id.bytes[i] = static_cast<std::uint8_t>((high << 4) | low);
  }
  at += header.size() + kHexDigits + 1;
  return true;
}

bool is_crud(unsigned char c) {
  return c <= 32 || c == '.' || c == ',' || c == ':' || c == ';' || c == '<' || c == '>' || c == '"' || c == '\\' ||
         c == '\'';
}

// Trimmed of crud at both ends, then cut at a NUL as a C string would be.
std::string trimmed(std::string_view s) {
  while (!s.empty() && is_crud(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && is_crud(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s.substr(0, s.find('\0')));
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '\v'; }

// A base-10 integer at the start of `s` (after spaces and a sign); false
// when there is no digit or it overflows.
bool parse_time(std::string_view s, std::int64_t& value) {
  std::size_t at = 0;
  while (at < s.size() && is_space(s[at])) ++at;
  if (at == s.size()) return false;
  const bool negative = s[at] == '-';
  if (s[at] == '-' || s[at] == '+') ++at;
  std::int64_t n = 0;
  bool overflow = false;
  std::size_t digits = 0;
  for (; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, ++digits) {
    const std::int64_t digit = s[at] - '0';
    if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, negative ? -digit : digit, &n)) {
      overflow = true;
    }
  }
  if (digits == 0 || overflow) return false;
  value = n;
  return true;
}

struct Signature {
  std::string name;
  std::string email;
  std::int64_t time = 0;
};

// The signature line "<header>name <email> time tz\n" at `at`; advances past it.
bool parse_signature(std::string_view bytes, std::size_t& at, std::string_view header, Signature* out) {
  const std::size_t line_end = bytes.find('\n', at);
  if (line_end == std::string_view::npos) return false;
  if (line_end - at <= header.size() || !starts_with(bytes, at, header)) return false;
  const std::string_view line = bytes.substr(at + header.size(), line_end - at - header.size());
  const std::size_t email_start = line.rfind('<');
  const std::size_t email_end = line.rfind('>');
  if (email_start == std::string_view::npos || email_end == std::string_view::npos || email_end <= email_start) {
    return false;
  }
  std::int64_t time = 0;
  if (email_end + 2 < line.size() && !parse_time(line.substr(email_end + 2), time)) return false;
  if (out != nullptr) {
    out->name = trimmed(line.substr(0, email_start));
    out->email = trimmed(line.substr(email_start + 1, email_end - email_start - 1));
    out->time = time;
  }
  at = line_end + 1;
  return true;
}

// The message after the headers, which run from `at` to the first empty
// line: its first line once leading newlines are skipped, cut at a NUL.
std::string summary_after(std::string_view bytes, std::size_t at) {
  while (at < bytes.size() && !(at > 0 && bytes[at - 1] == '\n' && bytes[at] == '\n')) {
    const std::size_t eol = bytes.find('\n', at);
    at = eol == std::string_view::npos ? bytes.size() : eol + 1;
  }
  std::string_view message = at + 1 <= bytes.size() ? bytes.substr(at + 1) : std::string_view();
  message = message.substr(0, message.find('\0'));
  while (!message.empty() && message.front() == '\n') message.remove_prefix(1);
  return std::string(message.substr(0, message.find('\n')));
}

// What can be made out of a signature line's value: name and e-mail as
// parse_signature reads them when there are '<' and '>', the time when it
// is a number that fits.
Signature lenient_signature(std::string_view line) {
  Signature out;
  const std::size_t email_start = line.rfind('<');
  const std::size_t email_end = line.rfind('>');
  if (email_start == std::string_view::npos || email_end == std::string_view::npos || email_end <= email_start) {
    return out;
  }
  out.name = trimmed(line.substr(0, email_start));
  out.email = trimmed(line.substr(email_start + 1, email_end - email_start - 1));
  if (email_end + 2 < line.size() && !parse_time(line.substr(email_end + 2), out.time)) out.time = 0;
  return out;
}

}  // namespace

std::optional<ParsedCommit> parse_commit_leniently(std::string_view bytes, std::string* problem) {
  if (problem != nullptr) problem->clear();
  if (auto strict = parse_commit(bytes)) return strict;
  ParsedCommit commit;
  std::size_t at = 0;
  if (!parse_id_line(bytes, at, "tree ", commit.tree)) return std::nullopt;
  for (ObjectId parent; parse_id_line(bytes, at, "parent ", parent);) commit.parents.push_back(parent);
  const std::size_t headers = at;
  bool author_seen = false;
  bool committer_seen = false;
  // Header lines up to the first empty line; the first author and committer count.
  while (at < bytes.size() && bytes[at] != '\n') {
    const std::size_t eol = std::min(bytes.find('\n', at), bytes.size());
    const std::string_view line = bytes.substr(at, eol - at);
    if (!author_seen && line.starts_with("author ")) {
      author_seen = true;
      Signature author = lenient_signature(line.substr(7));
      commit.author_name = std::move(author.name);
      commit.author_email = std::move(author.email);
      commit.author_time = author.time;
    } else if (!committer_seen && line.starts_with("committer ")) {
      committer_seen = true;
      commit.commit_time = lenient_signature(line.substr(10)).time;
    }
    at = eol + 1;
  }
  commit.summary = summary_after(bytes, headers);
  if (problem != nullptr) {
    *problem = !author_seen      ? "no author line"
               : !committer_seen ? "no committer line"
                                 : "a malformed header (a signature without an e-mail, a time that is not a number)";
  }
  return commit;
}

std::optional<ParsedCommit> parse_commit(std::string_view bytes) {
  ParsedCommit commit;
  std::size_t at = 0;
  if (!parse_id_line(bytes, at, "tree ", commit.tree)) return std::nullopt;
  for (ObjectId parent; parse_id_line(bytes, at, "parent ", parent);) commit.parents.push_back(parent);

  Signature author;
  if (!parse_signature(bytes, at, "author ", &author)) return std::nullopt;
  while (starts_with(bytes, at, "author ")) {
    if (!parse_signature(bytes, at, "author ", nullptr)) return std::nullopt;
  }
  Signature committer;
  if (!parse_signature(bytes, at, "committer ", &committer)) return std::nullopt;

  commit.author_name = std::move(author.name);
  commit.author_email = std::move(author.email);
  commit.author_time = author.time;
  commit.commit_time = committer.time;
  commit.summary = summary_after(bytes, at);
  return commit;
}

}  // namespace trawl
