#include "rules/keyword_shape.h"

#include <algorithm>
#include <cctype>
#include <limits>

namespace trawl {
namespace {

// Runs longer than this are not measured to their end: the check accepts.
constexpr std::size_t kMaxRunBytes = 4096;
constexpr std::uint32_t kMaxRepeat = 100000;

std::bitset<256> range(unsigned low, unsigned high) {
  std::bitset<256> set;
  for (unsigned c = low; c <= high; ++c) set.set(c);
  return set;
}

std::bitset<256> high_bytes() { return range(0x80, 0xff); }

// One position of the pattern's required sequence, in bytes.
struct Item {
  bool barrier = false;  // something the reader does not follow
  std::bitset<256> bytes;
  std::uint32_t min = 1;
  std::uint32_t max = 1;
};

Item barrier() {
  Item item;
  item.barrier = true;
  return item;
}

std::uint32_t saturating_mul(std::uint32_t a, std::uint32_t b) {
  if (a == kUnboundedStep || b == kUnboundedStep) return a == 0 || b == 0 ? 0 : kUnboundedStep;
  const std::uint64_t product = static_cast<std::uint64_t>(a) * b;
  return product >= kUnboundedStep ? kUnboundedStep : static_cast<std::uint32_t>(product);
}

// Reads an RE2 pattern into the flat sequence of items every match must
// pass through, in order. Groups without alternation or repetition are
// flattened; anything else becomes a barrier. Zero-width assertions are
// left out: dropping a condition keeps the shape a necessary one.
class Reader {
 public:
  explicit Reader(std::string_view p) : p_(p) {
    for (std::size_t at = p.find("(?"); at != std::string_view::npos; at = p.find("(?", at + 2)) {
      for (std::size_t k = at + 2; k < p.size() && (std::isalpha(static_cast<unsigned char>(p[k])) || p[k] == '-');
           ++k) {
        // Case folding in UTF-8 mode reaches multi-byte characters (the
        // Kelvin sign folds to 'k'): no shape is read under it.
        if (p[k] == 'i') case_folding_ = true;
        if (p[k] == 's') dot_all_ = true;
      }
    }
  }

  // nullopt when the pattern cannot be read (or folds case).
  std::optional<std::vector<Item>> run() {
    if (case_folding_) return std::nullopt;
    std::vector<Item> items;
    const bool alternation = sequence(items);
    if (failed_ || i_ != p_.size() || alternation) return std::nullopt;
    return items;
  }

 private:
  bool at_end() const { return i_ >= p_.size(); }
  char peek() const { return p_[i_]; }

  // Reads up to the end of the current group; true when it met a '|'.
  bool sequence(std::vector<Item>& out) {
    bool alternation = false;
    while (!failed_ && !at_end() && peek() != ')') {
      if (peek() == '|') {
        alternation = true;
        ++i_;
        continue;
      }
      std::vector<Item> piece;
      atom(piece);
      quantify(piece);
      out.insert(out.end(), piece.begin(), piece.end());
    }
    return alternation;
  }

  // A quantifier applies to the piece just read: a single item is widened,
  // a longer piece (a group) becomes a barrier.
  void quantify(std::vector<Item>& piece) {
    if (at_end()) return;
    std::uint32_t low = 1;
    std::uint32_t high = 1;
    const char c = peek();
    if (c == '*' || c == '+' || c == '?') {
      ++i_;
      low = c == '+' ? 1 : 0;
      high = c == '?' ? 1 : kUnboundedStep;
    } else if (c == '{') {
      const std::size_t close = p_.find('}', i_);
      if (close == std::string_view::npos) return;
      const std::string_view body = p_.substr(i_ + 1, close - i_ - 1);
      const std::size_t comma = body.find(',');
      const auto number = [](std::string_view digits, std::uint32_t& value) {
        if (digits.empty() || digits.size() > 6) return false;
        value = 0;
        for (char d : digits) {
          if (!std::isdigit(static_cast<unsigned char>(d))) return false;
          value = value * 10 + static_cast<std::uint32_t>(d - '0');
        }
        return value <= kMaxRepeat;
      };
      if (comma == std::string_view::npos) {
        if (!number(body, low)) return;  // a literal '{'
        high = low;
      } else {
        if (!number(body.substr(0, comma), low)) return;
        const std::string_view max_text = body.substr(comma + 1);
        if (max_text.empty()) {
          high = kUnboundedStep;
        } else if (!number(max_text, high)) {
          return;
        }
      }
      i_ = close + 1;
    } else {
      return;
    }
    if (!at_end() && peek() == '?') ++i_;  // lazy: the same bytes can match
    if (piece.empty()) return;             // a repeated assertion
    if (piece.size() > 1 || piece[0].barrier) {
      piece.assign(1, barrier());
      return;
    }
    Item& item = piece[0];
    item.min = saturating_mul(item.min, low);
    item.max = saturating_mul(item.max, high);
  }

  // A character matching `set` of ASCII bytes, or (when `wide`) possibly
  // a multi-byte UTF-8 character.
  static Item character(const std::bitset<256>& set, bool wide) {
    Item item;
    item.bytes = set;
    if (wide) {
      item.bytes |= high_bytes();
      item.max = 4;
    }
    return item;
  }

  void atom(std::vector<Item>& out) {
    const char c = p_[i_++];
    switch (c) {
      case '(':
        group(out);
        return;
      case '[':
        out.push_back(char_class());
        return;
      case '\\':
        escape(out);
        return;
      case '.': {
        std::bitset<256> any;
        any.set();
        if (!dot_all_) any.reset('\n');
        out.push_back(character(any, true));
        return;
      }
      case '^':
      case '$':
        return;  // zero-width
      default:
        if (static_cast<unsigned char>(c) >= 0x80) {
          out.push_back(barrier());  // a multi-byte literal
          return;
        }
        out.push_back(character(range(static_cast<unsigned char>(c), static_cast<unsigned char>(c)), false));
        return;
    }
  }

  void group(std::vector<Item>& out) {
    if (!at_end() && peek() == '?') {
      ++i_;
      if (!at_end() && peek() == 'P') {  // (?P<name>...)
        const std::size_t close = p_.find('>', i_);
        if (close == std::string_view::npos) return fail();
        i_ = close + 1;
      } else {
        while (!at_end() && peek() != ':' && peek() != ')') ++i_;
        if (at_end()) return fail();
        if (peek() == ')') {  // flags only
          ++i_;
          return;
        }
        ++i_;  // ':'
      }
    }
    std::vector<Item> inner;
    const bool alternation = sequence(inner);
    if (at_end() || peek() != ')') return fail();
    ++i_;
    if (alternation) {
      out.push_back(barrier());
      return;
    }
    out.insert(out.end(), inner.begin(), inner.end());
  }

  // A Perl class after a backslash, or nullopt.
  static std::optional<std::bitset<256>> perl_class(char c) {
    std::bitset<256> set;
    switch (std::tolower(static_cast<unsigned char>(c))) {
      case 'd':
        set = range('0', '9');
        break;
      case 'w':
        set = range('0', '9') | range('A', 'Z') | range('a', 'z') | range('_', '_');
        break;
      case 's':
        set = range('\t', '\n') | range('\f', '\r') | range(' ', ' ');
        break;
      default:
        return std::nullopt;
    }
    if (std::isupper(static_cast<unsigned char>(c))) set.flip();
    return set;
  }

  void escape(std::vector<Item>& out) {
    if (at_end()) return fail();
    const char c = p_[i_++];
    if (const auto set = perl_class(c)) {
      out.push_back(character(*set, std::isupper(static_cast<unsigned char>(c)) != 0));
      return;
    }
    switch (c) {
      case 'b':
      case 'B':
      case 'A':
      case 'z':
        return;  // zero-width
      case 'C': {
        std::bitset<256> any;
        any.set();
        out.push_back(character(any, false));
        return;
      }
      case 'p':
      case 'P': {
        if (!at_end() && peek() == '{') {
          const std::size_t close = p_.find('}', i_);
          if (close == std::string_view::npos) return fail();
          i_ = close + 1;
        } else if (!at_end()) {
          ++i_;
        }
        std::bitset<256> any;
        any.set();
        out.push_back(character(any, true));
        return;
      }
      case 'Q': {
        const std::size_t close = p_.find("\\E", i_);
        const std::string_view literal = p_.substr(i_, close == std::string_view::npos ? p_.npos : close - i_);
        i_ = close == std::string_view::npos ? p_.size() : close + 2;
        for (char l : literal) {
          const auto byte = static_cast<unsigned char>(l);
          out.push_back(byte >= 0x80 ? barrier() : character(range(byte, byte), false));
        }
        return;
      }
      default: {
        const std::optional<unsigned> byte = escaped_byte(c);
        if (!byte || *byte >= 0x80) {
          out.push_back(barrier());
          return;
        }
        out.push_back(character(range(*byte, *byte), false));
        return;
      }
    }
  }

  // The byte a single-character escape stands for; nullopt for escapes
  // this reader does not follow.
  std::optional<unsigned> escaped_byte(char c) {
    switch (c) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      case 'v':
        return '\v';
      case 'a':
        return '\a';
      case 'x':
        return hex_value();
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        // Octal: RE2 reads up to two more octal digits into the escape.
        auto value = static_cast<unsigned>(c - '0');
        for (int k = 0; k < 2 && !at_end() && peek() >= '0' && peek() <= '7'; ++k) {
          value = value * 8 + static_cast<unsigned>(p_[i_++] - '0');
        }
        return value;
      }
      default:
        if (std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
        return static_cast<unsigned char>(c);
    }
  }

  std::optional<unsigned> hex_value() {
    unsigned value = 0;
    const auto digit = [](char h) -> std::optional<unsigned> {
      if (h >= '0' && h <= '9') return static_cast<unsigned>(h - '0');
      if (h >= 'a' && h <= 'f') return static_cast<unsigned>(h - 'a' + 10);
      if (h >= 'A' && h <= 'F') return static_cast<unsigned>(h - 'A' + 10);
      return std::nullopt;
    };
    if (!at_end() && peek() == '{') {
      const std::size_t close = p_.find('}', i_);
      if (close == std::string_view::npos || close - i_ > 9) return std::nullopt;
      for (std::size_t k = i_ + 1; k < close; ++k) {
        const auto d = digit(p_[k]);
        if (!d) return std::nullopt;
        value = value * 16 + *d;
      }
      i_ = close + 1;
      return value;
    }
    for (int k = 0; k < 2; ++k) {
      if (at_end()) return std::nullopt;
      const auto d = digit(p_[i_++]);
      if (!d) return std::nullopt;
      value = value * 16 + *d;
    }
    return value;
  }

  // One member of a bracket class into `set`; false when it is not a
  // single byte (a Perl class or something unknown), which then widens
  // `set` itself.
  std::optional<unsigned> class_member(std::bitset<256>& set, bool& wide) {
    const auto byte = static_cast<unsigned char>(p_[i_++]);
    if (byte != '\\') {
      if (byte >= 0x80) wide = true;
      return byte;
    }
    if (at_end()) {
      fail();
      return std::nullopt;
    }
    const char c = p_[i_++];
    if (const auto perl = perl_class(c)) {
      set |= *perl;
      if (std::isupper(static_cast<unsigned char>(c))) wide = true;
      return std::nullopt;
    }
    if (c == 'p' || c == 'P') {
      if (!at_end() && peek() == '{') {
        const std::size_t close = p_.find('}', i_);
        if (close == std::string_view::npos) {
          fail();
          return std::nullopt;
        }
        i_ = close + 1;
      } else if (!at_end()) {
        ++i_;
      }
      set.set();
      wide = true;
      return std::nullopt;
    }
    const std::optional<unsigned> value = escaped_byte(c);
    if (!value || *value >= 0x80) {
      set.set();
      wide = true;
      return std::nullopt;
    }
    return value;
  }

  Item char_class() {
    bool negated = false;
    if (!at_end() && peek() == '^') {
      negated = true;
      ++i_;
    }
    std::bitset<256> set;
    bool wide = false;
    bool first = true;
    while (!failed_ && !at_end() && (peek() != ']' || first)) {
      first = false;
      if (p_.compare(i_, 2, "[:") == 0) {
        const std::size_t close = p_.find(":]", i_ + 2);
        if (close == std::string_view::npos) {
          fail();
          break;
        }
        set.set();  // a POSIX class: widened to every byte
        wide = true;
        i_ = close + 2;
        continue;
      }
      const std::optional<unsigned> low = class_member(set, wide);
      if (!low) continue;
      unsigned high = *low;
      if (!at_end() && peek() == '-' && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
        ++i_;
        const std::optional<unsigned> end = class_member(set, wide);
        if (!end) {
          set.set();
          wide = true;
          continue;
        }
        high = *end;
      }
      if (high >= 0x80) {
        wide = true;
        high = 0x7f;
      }
      if (*low <= high) set |= range(*low, high);
    }
    if (failed_ || at_end()) {
      fail();
      return barrier();
    }
    ++i_;  // ']'
    if (negated) {
      // A member the reader does not follow made the set every byte: it
      // stays every byte, as its negation is not known either.
      if (!set.all()) set.flip();
      wide = true;  // every non-ASCII character is outside an ASCII class
    }
    return character(set, wide);
  }

  void fail() {
    failed_ = true;
    i_ = p_.size();
  }

  std::string_view p_;
  std::size_t i_ = 0;
  bool case_folding_ = false;
  bool dot_all_ = false;
  bool failed_ = false;
};

bool is_keyword_byte(const Item& item, char keyword_byte) {
  if (item.barrier || item.min != 1 || item.max != 1 || item.bytes.none()) return false;
  const auto lower = static_cast<unsigned char>(keyword_byte);
  const auto upper = static_cast<unsigned char>(std::toupper(lower));
  std::bitset<256> allowed;
  allowed.set(lower);
  allowed.set(upper);
  return (item.bytes & ~allowed).none();
}

// Counts bytes of `step` from `at` in `direction` (+1 or -1), up to its
// maximum and kMaxRunBytes.
std::size_t run_length(const ShapeStep& step, std::string_view bytes, std::size_t at, bool forward) {
  const std::size_t available = forward ? bytes.size() - at : at;
  const std::size_t limit = std::min<std::size_t>({available, step.max, kMaxRunBytes});
  std::size_t n = 0;
  while (n < limit && step.bytes[static_cast<unsigned char>(forward ? bytes[at + n] : bytes[at - 1 - n])]) ++n;
  return n;
}

// Whether a match's run of steps[s] ends where the same run in the text
// ends: the steps after it, up to the first that needs a byte, take none of
// its bytes (a step that may take nothing lets the one after it take the
// byte that ends the run).
bool run_ends_alone(const std::vector<ShapeStep>& steps, std::size_t s) {
  for (std::size_t t = s + 1; t < steps.size(); ++t) {
    if ((steps[t].bytes & steps[s].bytes).any()) return false;
    if (steps[t].min > 0) return true;
  }
  return false;
}

bool steps_allow(const std::vector<ShapeStep>& steps, std::string_view bytes, std::size_t at, bool forward) {
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const ShapeStep& step = steps[s];
    const std::size_t n = run_length(step, bytes, at, forward);
    if (n < step.min) return false;
    if (step.min == step.max) {
      at = forward ? at + step.min : at - step.min;
      continue;
    }
    // A variable run is followed from its end only when the steps after it
    // take none of its bytes (run_ends_alone): then the end is where the run
    // stops, whatever the regex's greed. Otherwise, or when the run was not
    // measured to its end, nothing more is checked.
    const bool measured = n < kMaxRunBytes;
    if (!measured || !run_ends_alone(steps, s)) return true;
    at = forward ? at + n : at - n;
  }
  return true;
}

std::vector<ShapeStep> steps_of(const std::vector<Item>& items, std::size_t from, std::size_t to, bool forward) {
  std::vector<ShapeStep> steps;
  if (forward) {
    for (std::size_t k = from; k < to && !items[k].barrier; ++k) {
      steps.push_back({items[k].bytes, items[k].min, items[k].max});
    }
  } else {
    for (std::size_t k = to; k-- > from && !items[k].barrier;) {
      steps.push_back({items[k].bytes, items[k].min, items[k].max});
    }
  }
  return steps;
}

}  // namespace

bool KeywordShape::allows(std::string_view bytes, std::size_t keyword_begin, std::size_t keyword_end) const {
  return steps_allow(after, bytes, keyword_end, true) && steps_allow(before, bytes, keyword_begin, false);
}

std::optional<KeywordShape> keyword_shape(std::string_view pattern, std::string_view keyword) {
  if (keyword.empty()) return std::nullopt;
  const std::optional<std::vector<Item>> items = Reader(pattern).run();
  if (!items || items->size() < keyword.size()) return std::nullopt;
  for (std::size_t at = 0; at + keyword.size() <= items->size(); ++at) {
    bool literal = true;
    for (std::size_t k = 0; k < keyword.size() && literal; ++k) literal = is_keyword_byte((*items)[at + k], keyword[k]);
    if (!literal) continue;
    KeywordShape shape;
    shape.before = steps_of(*items, 0, at, false);
    shape.after = steps_of(*items, at + keyword.size(), items->size(), true);
    return shape;
  }
  return std::nullopt;
}

}  // namespace trawl
