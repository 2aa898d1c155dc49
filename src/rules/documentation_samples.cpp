#include "rules/documentation_samples.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "engine/token_entropy.h"

namespace trawl {
namespace {

struct Sample {
  std::string_view value;
  std::string_view provider;
};

constexpr std::array<Sample, 12> kSamples = {{
    {"AKIAIOSFODNN7EXAMPLE", "AWS"},
    {"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS"},
    {"AKIAI44QH8DHBEXAMPLE", "AWS"},
    {"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", "AWS"},
    {"sk_test_4eC39HqLyjWDarjtT1zdp7dc", "Stripe"},
    {"pk_test_TYooMQauvdEDq54NiTphI7jx", "Stripe"},
    {"sk_test_BQokikJOvBiI2HlWgH4olfQ2", "Stripe"},
    {"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
     "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
     "jwt.io"},
    {"JBSWY3DPEHPK3PXP", "Google Authenticator key URI format"},
    {"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "RFC 6238 test vector"},
    {"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA", "RFC 6238 test vector"},
    {"key-3ax6xnjp29jd6fds4gc373sgvjxteol0", "Mailgun"},
}};

// The shortest sample: shorter candidates need no comparison.
constexpr std::size_t kShortest =
    std::min_element(kSamples.begin(), kSamples.end(), [](const Sample& a, const Sample& b) {
      return a.value.size() < b.value.size();
    })->value.size();

}  // namespace

std::optional<std::string_view> documentation_sample_of(std::string_view secret) {
  if (secret.size() < kShortest) return std::nullopt;
  for (const Sample& s : kSamples) {
    if (!secret.starts_with(s.value)) continue;
    // A sample followed by a token's byte is part of a longer value.
    if (secret.size() == s.value.size() ||
        token_symbol_of(static_cast<std::uint8_t>(secret[s.value.size()])) == kNotTokenSymbol) {
      return s.provider;
    }
  }
  return std::nullopt;
}

}  // namespace trawl
