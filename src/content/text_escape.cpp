#include "content/text_escape.h"

#include <cstdint>

namespace trawl {
namespace {

// The length of the valid UTF-8 sequence at `at` (overlong forms,
// surrogates and code points past U+10FFFF are invalid), or 0.
std::size_t utf8_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint32_t code = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    code = lead & 0x1fU;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    code = lead & 0x0fU;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    code = lead & 0x07U;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xc0U) != 0x80) return 0;
    code = (code << 6U) | (byte(at + i) & 0x3fU);
  }
  const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  const bool surrogate = code >= 0xd800 && code <= 0xdfff;
  if (overlong || surrogate || code > 0x10ffff) return 0;
  return length;
}

bool is_control(std::string_view text, std::size_t at, std::size_t length) {
  const auto lead = static_cast<unsigned char>(text[at]);
  if (length == 1) return lead < 0x20 || lead == 0x7f;
  // U+0080 to U+009F: C2 80 to C2 9F.
  return length == 2 && lead == 0xc2 && static_cast<unsigned char>(text[at + 1]) <= 0x9f;
}

// How the unit at `at` is written: its length and whether it is escaped.
struct Unit {
  std::size_t length;
  bool escaped;
};

Unit unit_at(std::string_view text, std::size_t at, bool controls) {
  const std::size_t length = utf8_length(text, at);
  if (length == 0) return {1, true};
  return {length, controls && is_control(text, at, length)};
}

void append_hex(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += {'\\', 'x', kHex[byte >> 4U], kHex[byte & 0xfU]};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string escape_text(std::string_view text, bool controls) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    const Unit unit = unit_at(text, at, controls);
    if (unit.escaped) {
      for (std::size_t i = 0; i < unit.length; ++i) append_hex(out, static_cast<unsigned char>(text[at + i]));
    } else if (text[at] == '\\') {
      const std::size_t next = at + 1;
      const bool ambiguous =
          next < text.size() && (text[next] == 'x' || text[next] == '\\' || unit_at(text, next, controls).escaped);
      out += ambiguous ? "\\\\" : "\\";
    } else {
      out.append(text.substr(at, unit.length));
    }
    at += unit.length;
  }
  return out;
}

std::string unescape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size(); ++at) {
    if (text[at] == '\\' && at + 1 < text.size() && text[at + 1] == '\\') {
      out += '\\';
      ++at;
    } else if (text[at] == '\\' && at + 3 < text.size() && text[at + 1] == 'x' && hex_value(text[at + 2]) >= 0 &&
               hex_value(text[at + 3]) >= 0) {
      out += static_cast<char>(hex_value(text[at + 2]) * 16 + hex_value(text[at + 3]));
      at += 3;
    } else {
      out += text[at];
    }
  }
  return out;
}

}  // namespace trawl
