// Offline checks a candidate secret must pass before it becomes a hit: the
// structure a credential format carries in itself (a checksum, a decodable
// header, a plausible encoding), so lookalikes are dropped without asking
// the provider. A rule names its checks with trawl's `validate` key (a
// string or an array of strings); gitleaks ignores that key.
//
//   github-checksum  GitHub's token format (ghp_, gho_, ghu_, ghs_, ghr_, and
//                    npm_, which adopted it): after the prefix, 30 base62
//                    characters and then the CRC32 of those 30 characters,
//                    base62-encoded (0-9A-Za-z) and left-padded with '0' to 6.
//   jwt              three base64url segments; the header decodes to a JSON
//                    object with an "alg" member, the payload to a JSON object.
//   pem              a PEM private key block whose body (headers such as
//                    DEK-Info aside, escaped "\n" allowed) is base64 of at least
//                    48 bytes that start as DER (a SEQUENCE) or as an OpenSSH key.
//   base64-private-key  base64 of a private key without PEM armour: DER that
//                    opens as PKCS#1, PKCS#8 or SEC1 does (a SEQUENCE, then
//                    version 0 or 1), or a whole PEM private key block that
//                    passes `pem` (a Kubernetes Secret's data, an env value).
//   basic-auth       base64 of printable "user:password" (HTTP Basic, .npmrc
//                    _auth, .docker/config.json auths) whose user has no spaces
//                    and whose password is not a placeholder.
//   nkey-seed        a NATS NKEY seed: 58 base32 characters decoding to the seed
//                    prefix, a known key type, a 32-byte key and a matching CRC-16.
//   not-placeholder  not a placeholder or a reference (placeholders.h); for
//                    generic rules, whose values are not constrained by a format.
//   assigned-value   the value of a credential assignment that can be a secret:
//                    not an identifier, call, template, path, ... judged with
//                    the text beside it on its line (assigned_value.h).
//   credential-key   the value is assigned to a key that names a credential
//                    (`api_key`, `client_secret`, `DB_PASSWORD`), not an
//                    identifier or digest (`client_id`, `uuid`, `cache_key`):
//                    names_credential() of assigned_value.h.
//   not-identifier-key  the key the value is assigned to, if any, names no
//                    identifier or digest (`request_id`, `sha256`, `etag`).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rules/assigned_value.h"

namespace trawl {

enum class SecretValidator {
  kGithubChecksum,
  kJwt,
  kPem,
  kBase64PrivateKey,
  kBasicAuth,
  kNkeySeed,
  kNotPlaceholder,
  kAssignedValue,
  kCredentialKey,
  kNotIdentifierKey
};

// The validator with this name, or nullopt for an unknown name.
std::optional<SecretValidator> secret_validator_named(std::string_view name);

// The known names, comma-separated, for error messages.
std::string secret_validator_names();

// True when `secret`, found where `context` shows, passes the check. Only
// assigned-value, credential-key and not-identifier-key read the context.
bool passes(SecretValidator validator, std::string_view secret, const SecretContext& context = {});

// Decodes standard or URL-safe base64, padded or not; nullopt when `text`
// holds anything else or has an impossible length.
std::optional<std::string> base64_decode(std::string_view text);

// `s` without the spaces, tabs and line ends around it.
std::string_view trim_space(std::string_view s);

// The validator's name, as the `validate` key spells it.
std::string_view secret_validator_name(SecretValidator validator);

// Why `secret` fails the check, in a few words: for not-placeholder and
// assigned-value which kind of value it is ("a file path"), for the format
// checks what the format lacks. Call it only for a secret that fails.
std::string_view why_fails(SecretValidator validator, std::string_view secret, const SecretContext& context = {});

}  // namespace trawl
