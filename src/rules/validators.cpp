#include "rules/validators.h"

#include <array>
#include <cstdint>
#include <vector>

#include "rules/placeholders.h"

namespace trawl {
namespace {

constexpr std::array<std::pair<std::string_view, SecretValidator>, 6> kValidators = {{
    {"github-checksum", SecretValidator::kGithubChecksum},
    {"jwt", SecretValidator::kJwt},
    {"pem", SecretValidator::kPem},
    {"basic-auth", SecretValidator::kBasicAuth},
    {"not-placeholder", SecretValidator::kNotPlaceholder},
    {"assigned-value", SecretValidator::kAssignedValue},
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

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

// Decodes standard or URL-safe base64, padded or not; nullopt when `text`
// holds anything else or has an impossible length.
std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int digit = base64_digit(c);
    if (digit < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(digit);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFFu));
    }
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool is_json_object(std::string_view text) {
  text = trim(text);
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
  const std::string_view after = trim(std::string_view(*header).substr(alg + 5));
  return !after.empty() && after.front() == ':';
}

// The body between a PEM block's BEGIN and END lines: base64 lines, perhaps
// after RFC 1421 headers (Proc-Type, DEK-Info) and perhaps written with
// escaped newlines inside a string literal.
bool pem_ok(std::string_view block) {
  const std::size_t begin_line_end = block.find("-----", block.find("BEGIN"));
  const std::size_t end_marker = block.rfind("-----END");
  if (begin_line_end == std::string_view::npos || end_marker == std::string_view::npos) return false;
  std::string_view body = block.substr(begin_line_end + 5, end_marker - begin_line_end - 5);
  std::string base64;
  bool encrypted = false;  // RFC 1421 "Proc-Type: 4,ENCRYPTED": 4,ENCRYPTED: the body is ciphertext, not DER
  while (!body.empty()) {
    std::size_t line_end = body.find('\n');
    std::size_t escaped = body.find("\\n");
    std::size_t cut = std::min(line_end, escaped);
    std::string_view line = trim(body.substr(0, cut));
    if (line.find(':') != std::string_view::npos) {
      encrypted = encrypted || line.find("ENCRYPTED") != std::string_view::npos;
    } else {
      for (char c : line) {
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

bool basic_auth_ok(std::string_view encoded) {
  const auto decoded = base64_decode(encoded);
  if (!decoded) return false;
  for (char c : *decoded) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  const std::size_t colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0) return false;
  return !looks_like_placeholder(std::string_view(*decoded).substr(colon + 1));
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
    case SecretValidator::kBasicAuth:
      return basic_auth_ok(secret);
    case SecretValidator::kNotPlaceholder:
      return !looks_like_placeholder(secret);
    case SecretValidator::kAssignedValue:
      return !never_a_secret(secret, context);
  }
  return false;
}

}  // namespace trawl
