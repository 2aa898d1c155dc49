#include "rules/validators.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "rules/placeholders.h"

namespace trawl {
namespace {

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Packs `bits_per_digit` bits per character of `text`, as `digit` values it
// (negative: not a digit), into bytes; nullopt on any character that is not.
// Leftover bits (padding) are dropped.
template <typename Digit>
std::optional<std::string> unpack_digits(std::string_view text, int bits_per_digit, Digit digit_of) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int digit = digit_of(c);
    if (digit < 0) return std::nullopt;
    buffer = (buffer << bits_per_digit) | static_cast<std::uint32_t>(digit);
    bits += bits_per_digit;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFFu));
    }
  }
  return out;
}

}  // namespace

std::string_view trim_space(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Decodes standard or URL-safe base64, padded or not; nullopt when `text`
// holds anything else or has an impossible length.
std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  return unpack_digits(text, 6, base64_digit);
}

namespace {

constexpr std::array<std::pair<std::string_view, SecretValidator>, 10> kValidators = {{
    {"github-checksum", SecretValidator::kGithubChecksum},
    {"jwt", SecretValidator::kJwt},
    {"pem", SecretValidator::kPem},
    {"base64-private-key", SecretValidator::kBase64PrivateKey},
    {"basic-auth", SecretValidator::kBasicAuth},
    {"nkey-seed", SecretValidator::kNkeySeed},
    {"not-placeholder", SecretValidator::kNotPlaceholder},
    {"assigned-value", SecretValidator::kAssignedValue},
    {"credential-key", SecretValidator::kCredentialKey},
    {"not-identifier-key", SecretValidator::kNotIdentifierKey},
}};

constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// CRC-32 as zlib computes it (reflected polynomial 0xEDB88320).
std::uint32_t crc32(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (char ch : data) {
    crc ^= static_cast<unsigned char>(ch);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

bool github_checksum_ok(std::string_view token) {
  const std::size_t underscore = token.rfind('_');
  if (underscore == std::string_view::npos) return false;
  const std::string_view body = token.substr(underscore + 1);
  if (body.size() != 36) return false;
  std::uint64_t checksum = 0;
  for (char c : body.substr(30)) {
    const std::size_t digit = kBase62.find(c);
    if (digit == std::string_view::npos) return false;
    checksum = checksum * 62 + digit;
  }
  return checksum == crc32(body.substr(0, 30));
}

bool is_json_object(std::string_view text) {
  text = trim_space(text);
  return text.size() >= 2 && text.front() == '{' && text.back() == '}';
}

bool jwt_ok(std::string_view token) {
  const std::size_t first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return false;
  const std::size_t second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos) return false;
  const auto header = base64_decode(token.substr(0, first_dot));
  const auto payload = base64_decode(token.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!header || !payload || !is_json_object(*header) || !is_json_object(*payload)) return false;
  const std::size_t alg = header->find("\"alg\"");
  if (alg == std::string::npos) return false;
  const std::string_view after = trim_space(std::string_view(*header).substr(alg + 5));
  return !after.empty() && after.front() == ':';
}

// The length of the join of two string literals at `at` (a quote): the
// closing quote, an operator (`+`, PHP's `.`, VB's `&`, or none for adjacent
// literals) before or after the line break, and the next literal's opening
// quote; 0 when there is none.
std::size_t literal_join_at(std::string_view text, std::size_t at) {
  const auto skip_blanks = [&](std::size_t i) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    return i;
  };
  const auto is_quote = [&](std::size_t i) { return i < text.size() && (text[i] == '"' || text[i] == '\''); };
  const auto is_operator = [&](std::size_t i) {
    return i < text.size() && (text[i] == '+' || text[i] == '.' || text[i] == '&');
  };
  if (!is_quote(at)) return 0;
  std::size_t i = skip_blanks(at + 1);
  bool joined = false;
  if (is_operator(i)) {
    joined = true;
    i = skip_blanks(i + 1);
  }
  if (i < text.size() && text[i] == '\r') ++i;
  if (i >= text.size() || text[i] != '\n') return 0;
  i = skip_blanks(i + 1);
  if (!joined && is_operator(i)) i = skip_blanks(i + 1);
  return is_quote(i) ? i + 1 - at : 0;
}

// The body between a PEM block's BEGIN and END lines: base64 lines, perhaps
// after RFC 1421 headers (Proc-Type, DEK-Info) and perhaps written with
// escaped newlines inside a string literal.
bool pem_ok(std::string_view block) {
  const std::size_t begin_line_end = block.find("-----", block.find("BEGIN"));
  const std::size_t end_marker = block.rfind("-----END");
  if (begin_line_end == std::string_view::npos || end_marker == std::string_view::npos) return false;
  // A key split across string literals joined in code (`"MIIE...\n" +`,
  // Python's adjacent literals) reads as the one literal they make.
  std::string joined;
  const std::string_view raw = block.substr(begin_line_end + 5, end_marker - begin_line_end - 5);
  joined.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    if (const std::size_t join = literal_join_at(raw, i); join > 0) {
      joined.push_back('\n');
      i += join;
    } else {
      if (raw[i] != '"' && raw[i] != '\'') joined.push_back(raw[i]);
      ++i;
    }
  }
  std::string_view body = joined;
  std::string base64;
  bool encrypted = false;  // RFC 1421 "Proc-Type: 4,ENCRYPTED": 4,ENCRYPTED: the body is ciphertext, not DER
  while (!body.empty()) {
    std::size_t line_end = body.find('\n');
    std::size_t escaped = body.find("\\n");
    std::size_t cut = std::min(line_end, escaped);
    std::string_view line = trim_space(body.substr(0, cut));
    if (line.find(':') != std::string_view::npos) {
      encrypted = encrypted || line.find("ENCRYPTED") != std::string_view::npos;
    } else {
      for (std::size_t k = 0; k < line.size(); ++k) {
        const char c = line[k];
        // An escaped carriage return or tab (`\r\n` in a string literal) is not base64.
        if (c == '\\' && k + 1 < line.size() && (line[k + 1] == 'r' || line[k + 1] == 't')) {
          ++k;
          continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\\') continue;
        base64.push_back(c);
      }
    }
    if (cut == std::string_view::npos) break;
    body.remove_prefix(cut + (cut == escaped ? 2 : 1));
  }
  const auto der = base64_decode(base64);
  if (!der || der->size() < 48) return false;
  return encrypted || static_cast<unsigned char>((*der)[0]) == 0x30 || der->starts_with("openssh-key-v1");
}

// DER that opens as a private key does: a SEQUENCE with a long-form or
// short-form length, then INTEGER version 0 (PKCS#1 RSA, PKCS#8) or 1 (SEC1
// EC), and at least 48 bytes in all.
bool der_private_key_ok(std::string_view der) {
  if (der.size() < 48 || static_cast<unsigned char>(der[0]) != 0x30) return false;
  const auto length = static_cast<unsigned char>(der[1]);
  std::size_t at = 2;
  if (length & 0x80U) {
    const std::size_t octets = length & 0x7FU;
    if (octets == 0 || octets > 2) return false;
    at += octets;
  }
  return der.size() > at + 3 && der[at] == 0x02 && der[at + 1] == 0x01 && (der[at + 2] == 0x00 || der[at + 2] == 0x01);
}

bool base64_private_key_ok(std::string_view encoded) {
  const auto decoded = base64_decode(encoded);
  if (!decoded) return false;
  if (decoded->starts_with("-----BEGIN")) {
    return decoded->find("PRIVATE KEY-----") != std::string::npos && pem_ok(*decoded);
  }
  return der_private_key_ok(*decoded);
}

bool basic_auth_ok(std::string_view encoded) {
  const auto decoded = base64_decode(encoded);
  if (!decoded) return false;
  for (char c : *decoded) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0) return false;
  // A user name has no spaces: "a b:c" is text that happens to decode.
  if (decoded->find(' ') < colon) return false;
  return !looks_like_placeholder(std::string_view(*decoded).substr(colon + 1));
}

// Decodes RFC 4648 base32 (A-Z, 2-7) without padding; nullopt on any other
// character.
std::optional<std::string> base32_decode(std::string_view text) {
  return unpack_digits(text, 5, [](char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= '2' && c <= '7') return c - '2' + 26;
    return -1;
  });
}

// CRC-16/XMODEM (polynomial 0x1021, initial value 0), as NATS NKEYs use.
std::uint16_t crc16_xmodem(std::string_view data) {
  std::uint32_t crc = 0;
  for (char ch : data) {
    crc ^= static_cast<std::uint32_t>(static_cast<unsigned char>(ch)) << 8;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 0x8000u) != 0 ? (crc << 1) ^ 0x1021u : crc << 1;
    crc &= 0xFFFFu;
  }
  return static_cast<std::uint16_t>(crc);
}

// A NATS NKEY seed: base32 of the seed prefix (18 << 3) and a key type packed
// into two bytes, the 32-byte key, and the CRC-16 of all that, little-endian.
bool nkey_seed_ok(std::string_view seed) {
  constexpr std::size_t kSeedChars = 58;
  constexpr std::size_t kSeedBytes = 36;
  constexpr unsigned kSeedPrefix = 18U << 3U;
  if (seed.size() != kSeedChars) return false;
  const auto raw = base32_decode(seed);
  if (!raw || raw->size() != kSeedBytes) return false;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>((*raw)[i])); };
  if ((byte(0) & 0xF8U) != kSeedPrefix || (byte(1) & 0x07U) != 0) return false;
  const unsigned type = ((byte(0) & 0x07U) << 5U) | (byte(1) >> 3U);
  // Operator, server, cluster, account, user, curve and private keys.
  constexpr std::array<unsigned, 7> kTypes = {14U << 3U, 13U << 3U, 2U << 3U, 0U, 20U << 3U, 23U << 3U, 15U << 3U};
  if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) return false;
  const unsigned stored = byte(kSeedBytes - 2) | (byte(kSeedBytes - 1) << 8U);
  return stored == crc16_xmodem(std::string_view(*raw).substr(0, kSeedBytes - 2));
}

}  // namespace

std::optional<SecretValidator> secret_validator_named(std::string_view name) {
  for (const auto& [known, validator] : kValidators) {
    if (known == name) return validator;
  }
  return std::nullopt;
}

std::string secret_validator_names() {
  std::string names;
  for (const auto& [known, validator] : kValidators) {
    if (!names.empty()) names += ", ";
    names += known;
  }
  return names;
}

bool passes(SecretValidator validator, std::string_view secret, const SecretContext& context) {
  switch (validator) {
    case SecretValidator::kGithubChecksum:
      return github_checksum_ok(secret);
    case SecretValidator::kJwt:
      return jwt_ok(secret);
    case SecretValidator::kPem:
      return pem_ok(secret);
    case SecretValidator::kBase64PrivateKey:
      return base64_private_key_ok(secret);
    case SecretValidator::kBasicAuth:
      return basic_auth_ok(secret);
    case SecretValidator::kNkeySeed:
      return nkey_seed_ok(secret);
    case SecretValidator::kNotPlaceholder:
      return !looks_like_placeholder(secret);
    case SecretValidator::kAssignedValue:
      return !never_a_secret(secret, context);
    case SecretValidator::kCredentialKey:
      return names_credential(context.before);
    case SecretValidator::kNotIdentifierKey:
      return !key_names_identifier(context.before);
  }
  return false;
}

std::string_view secret_validator_name(SecretValidator validator) {
  for (const auto& [known, v] : kValidators) {
    if (v == validator) return known;
  }
  return {};
}

std::string_view why_fails(SecretValidator validator, std::string_view secret, const SecretContext& context) {
  switch (validator) {
    case SecretValidator::kGithubChecksum:
      return "the CRC32 checksum at the end does not match";
    case SecretValidator::kJwt:
      return "not a JWT: header and payload are not base64url JSON with an \"alg\"";
    case SecretValidator::kPem:
      return "not a PEM private key: its body is not base64 of a DER or OpenSSH key";
    case SecretValidator::kBase64PrivateKey:
      return "not base64 of a private key: neither DER that opens as one nor a PEM private key block";
    case SecretValidator::kBasicAuth:
      return "not base64 of user:password, or the password is a placeholder";
    case SecretValidator::kNkeySeed:
      return "not a NATS NKEY seed: prefix, key type or CRC-16 do not match";
    case SecretValidator::kNotPlaceholder:
      return placeholder_because(secret).value_or("a placeholder");
    case SecretValidator::kAssignedValue:
      return never_a_secret_because(secret, context).value_or("never a secret");
    case SecretValidator::kCredentialKey:
      return "the key it is assigned to does not name a credential";
    case SecretValidator::kNotIdentifierKey:
      return "the key it is assigned to names an identifier (id, uuid, hash, ...)";
  }
  return {};
}

}  // namespace trawl
