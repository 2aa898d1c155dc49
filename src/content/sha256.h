// SHA-256 (FIPS 180-4, through OpenSSL's libcrypto): the key of a file's or
// an image layer's content, the `secret_sha256` of a secret's timeline and,
// keyed, the `secret_hmac_sha256` of a redacted report's timeline, which
// lets a responder who holds the key match a redacted report against a
// known credential without the report carrying the credential.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace trawl {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
// The digest of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);
// Bytes as lowercase hex.
std::string to_hex(const std::uint8_t* bytes, std::size_t size);

// HMAC-SHA256 (RFC 2104) of `data` under `key`, as 64 lowercase hex digits:
// a redacted report's keyed digest of a secret, which without the key cannot
// be used to guess the secret (as an unsalted SHA-256 of a password can).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

// `size` bytes from the system's cryptographic random source (OpenSSL's
// RAND_bytes); throws std::runtime_error if it fails.
std::string random_bytes(std::size_t size);

// SHA-256 of data given in pieces (an image layer as it streams by).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::string_view data);
  // The digest of everything given, as 64 lowercase hex digits; call once.
  std::string hex_digest();

 private:
  void* context_;  // EVP_MD_CTX
};

}  // namespace trawl
