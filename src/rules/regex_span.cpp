#include "rules/regex_span.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace trawl {
namespace {

constexpr unsigned kUnbounded = std::numeric_limits<unsigned>::max();
constexpr unsigned kLimit = 1000;  // bounds above this are treated as unbounded

unsigned add(unsigned a, unsigned b) { return a >= kUnbounded - b ? kUnbounded : a + b; }
unsigned times(unsigned a, unsigned n) {
  if (a == 0 || n == 0) return 0;
  if (a == kUnbounded || n == kUnbounded || a > kLimit || n > kLimit) return kUnbounded;
  return a * n;
}

class Parser {
 public:
  explicit Parser(std::string_view p) : p_(p), dot_all_(p.find("(?") != std::string_view::npos && has_s_flag(p)) {}

  // nullopt on syntax this parser does not follow.
  std::optional<unsigned> run() {
    const unsigned n = alternation();
    if (failed_ || i_ != p_.size()) return std::nullopt;
    if (n > kLimit) return std::nullopt;  // kUnbounded included
    return n;
  }

 private:
  // Conservative: any flag group that sets 's' makes '.' match '\n' everywhere.
  static bool has_s_flag(std::string_view p) {
    for (std::size_t at = p.find("(?"); at != std::string_view::npos; at = p.find("(?", at + 2)) {
      for (std::size_t k = at + 2; k < p.size() && (std::isalpha(static_cast<unsigned char>(p[k])) || p[k] == '-');
           ++k) {
        if (p[k] == 's') return true;
      }
    }
    return false;
  }

  bool at_end() const { return i_ >= p_.size(); }
  char peek() const { return p_[i_]; }

  unsigned alternation() {
    unsigned best = sequence();
    while (!failed_ && !at_end() && peek() == '|') {
      ++i_;
      const unsigned other = sequence();
      best = other > best ? other : best;
    }
    return best;
  }

  unsigned sequence() {
    unsigned total = 0;
    while (!failed_ && !at_end() && peek() != '|' && peek() != ')') total = add(total, quantified(atom()));
    return total;
  }

  unsigned quantified(unsigned n) {
    if (at_end()) return n;
    const char c = peek();
    unsigned result = n;
    if (c == '*' || c == '+') {
      ++i_;
      result = n == 0 ? 0 : kUnbounded;
    } else if (c == '?') {
      ++i_;
    } else if (c == '{') {
      const std::size_t close = p_.find('}', i_);
      if (close == std::string_view::npos) return n;  // a literal '{'
      const std::string_view body = p_.substr(i_ + 1, close - i_ - 1);
      const std::size_t comma = body.find(',');
      const std::string_view min_text = body.substr(0, comma);
      if (min_text.empty() || !std::all_of(min_text.begin(), min_text.end(),
                                           [](char d) { return std::isdigit(static_cast<unsigned char>(d)) != 0; })) {
        return n;  // not a repetition: a literal '{'
      }
      const std::string_view max_text = comma == std::string_view::npos ? body : body.substr(comma + 1);
      if (max_text.empty()) {
        result = n == 0 ? 0 : kUnbounded;
      } else {
        unsigned max = 0;
        for (char d : max_text) {
          if (!std::isdigit(static_cast<unsigned char>(d))) return n;  // not a repetition: a literal '{'
          max = max > kLimit ? max : max * 10 + static_cast<unsigned>(d - '0');
        }
        result = times(n, max);
      }
      i_ = close + 1;
    } else {
      return n;
    }
    if (!at_end() && peek() == '?') ++i_;  // lazy
    return result;
  }

  unsigned atom() {
    const char c = p_[i_++];
    switch (c) {
      case '(':
        return group();
      case '[':
        return char_class();
      case '\\':
        return escape();
      case '.':
        return dot_all_ ? 1 : 0;
      case '\n':
        return 1;
      default:
        return 0;
    }
  }

  unsigned group() {
    if (!at_end() && peek() == '?') {
      ++i_;
      if (!at_end() && peek() == 'P') {  // (?P<name>...)
        const std::size_t close = p_.find('>', i_);
        if (close == std::string_view::npos) return fail();
        i_ = close + 1;
      } else {
        while (!at_end() && peek() != ':' && peek() != ')') ++i_;
        if (at_end()) return fail();
        if (peek() == ')') {  // flags only, e.g. (?i)
          ++i_;
          return 0;
        }
        ++i_;  // ':'
      }
    }
    const unsigned n = alternation();
    if (at_end() || peek() != ')') return fail();
    ++i_;
    return n;
  }

  // The escape after a backslash, outside a class: 1 if it can match '\n'.
  unsigned escape() {
    const Member m = class_escape();
    if (failed_) return kUnbounded;
    if (m.kind == Member::kQuote) return m.value;
    return m.kind == Member::kSet ? (m.set_has_newline ? 1 : 0) : (m.value == '\n' ? 1 : 0);
  }

  struct Member {
    enum Kind { kChar, kSet, kQuote } kind = kChar;
    unsigned value = 0;            // kChar: the byte; kQuote: newlines in the quoted text
    bool set_has_newline = false;  // kSet
    bool unknown = false;          // kSet: assumed to hold '\n', and so is its negation
  };

  unsigned hex_value() {
    unsigned value = 0;
    if (!at_end() && peek() == '{') {
      const std::size_t close = p_.find('}', i_);
      if (close == std::string_view::npos) {
        fail();
        return 0;
      }
      for (std::size_t k = i_ + 1; k < close; ++k) value = value * 16 + hex(p_[k]);
      i_ = close + 1;
    } else {
      for (int k = 0; k < 2 && !at_end(); ++k) value = value * 16 + hex(p_[i_++]);
    }
    return value;
  }

  // What follows a backslash.
  Member class_escape() {
    Member m;
    if (at_end()) {
      fail();
      return m;
    }
    const char c = p_[i_++];
    switch (c) {
      case 's':
      case 'D':
      case 'W':
      case 'C':
        m.kind = Member::kSet;
        m.set_has_newline = true;
        return m;
      case 'S':
      case 'd':
      case 'w':
      case 'b':
      case 'B':
      case 'A':
      case 'z':
        m.kind = Member::kSet;
        return m;
      case 'p':
      case 'P':
        if (!at_end() && peek() == '{') {
          const std::size_t close = p_.find('}', i_);
          if (close == std::string_view::npos) {
            fail();
            return m;
          }
          i_ = close + 1;
        } else if (!at_end()) {
          ++i_;
        }
        m.kind = Member::kSet;
        m.set_has_newline = true;
        m.unknown = true;
        return m;
      case 'x':
        m.value = hex_value();
        return m;
      case 'n':
        m.value = '\n';
        return m;
      case 't':
        m.value = '\t';
        return m;
      case 'r':
        m.value = '\r';
        return m;
      case 'f':
        m.value = '\f';
        return m;
      case 'v':
        m.value = '\v';
        return m;
      case 'a':
        m.value = '\a';
        return m;
      case 'Q': {
        const std::size_t close = p_.find("\\E", i_);
        const std::string_view literal = p_.substr(i_, close == std::string_view::npos ? p_.npos : close - i_);
        i_ = close == std::string_view::npos ? p_.size() : close + 2;
        m.kind = Member::kQuote;
        m.value = literal.find('\n') != std::string_view::npos ? 1 : 0;
        return m;
      }
      default:
        if (std::isalnum(static_cast<unsigned char>(c))) {
          // Octal escapes and anything unknown: assume the worst.
          m.kind = Member::kSet;
          m.set_has_newline = true;
          m.unknown = true;
          return m;
        }
        m.value = static_cast<unsigned char>(c);
        return m;
    }
  }

  static unsigned hex(char c) {
    if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
    return 0;
  }

  Member class_member() {
    if (peek() == '\\') {
      ++i_;
      return class_escape();
    }
    Member m;
    m.value = static_cast<unsigned char>(p_[i_++]);
    return m;
  }

  // A bracket class: 1 if it can match '\n'.
  unsigned char_class() {
    bool negated = false;
    if (!at_end() && peek() == '^') {
      negated = true;
      ++i_;
    }
    bool has_newline = false;  // the class lists '\n', or a range or set holding it
    bool unknown = false;      // a member may hold '\n' or not: so may the class, negated or not
    bool first = true;
    while (!failed_ && !at_end() && (peek() != ']' || first)) {
      first = false;
      if (p_.compare(i_, 2, "[:") == 0) {
        const std::size_t close = p_.find(":]", i_ + 2);
        if (close == std::string_view::npos) return fail();
        const std::string_view name = p_.substr(i_ + 2, close - i_ - 2);
        if (name == "space" || name == "cntrl" || name == "ascii") has_newline = true;
        if (name.starts_with("^")) unknown = true;
        i_ = close + 2;
        continue;
      }
      const Member low = class_member();
      if (low.kind != Member::kChar) {
        has_newline = has_newline || low.set_has_newline || low.value != 0;
        unknown = unknown || low.unknown;
        continue;
      }
      unsigned high = low.value;
      if (!at_end() && peek() == '-' && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
        ++i_;
        const Member end = class_member();
        if (end.kind != Member::kChar) return fail();
        high = end.value;
      }
      if (low.value <= '\n' && '\n' <= high) has_newline = true;
    }
    if (failed_ || at_end()) return fail();
    ++i_;  // ']'
    return unknown || negated != has_newline ? 1 : 0;
  }

  unsigned fail() {
    failed_ = true;
    i_ = p_.size();
    return kUnbounded;
  }

  std::string_view p_;
  std::size_t i_ = 0;
  bool dot_all_;
  bool failed_ = false;
};

}  // namespace

std::optional<unsigned> max_newlines_in_match(std::string_view pattern) { return Parser(pattern).run(); }

}  // namespace trawl
