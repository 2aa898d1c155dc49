// SHA-256 (FIPS 180-4), for the `secret_sha256` of a secret's timeline: it
// lets a responder match a redacted report against a known credential
// without the report carrying the credential.
#pragma once

#include <string>
#include <string_view>

namespace trawl {

// The digest of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace trawl
