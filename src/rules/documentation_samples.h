// Values that providers print in their documentation as the example of a
// credential: AWS's access key pair, Stripe's test keys, the JWT every
// jwt.io visitor sees, the TOTP secret of Google Authenticator's key URI
// page and of RFC 6238's test vectors. Code and docs copy them everywhere;
// they are never anyone's secret, whatever rule matches them, so stage 2
// drops them for every rule (specific rules included, which otherwise trust
// their format).
#pragma once

#include <optional>
#include <string_view>

namespace trawl {

// Whose documentation prints `secret` as a sample ("AWS", "Stripe", ...);
// nullopt for any other value. Case-sensitive; the sample may be followed by
// what cannot continue a token (`JBSWY3DPEHPK3PXP&issuer=Acme`, a value a
// generic rule read to the end of a query string).
std::optional<std::string_view> documentation_sample_of(std::string_view secret);

}  // namespace trawl
