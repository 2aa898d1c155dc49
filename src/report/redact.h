// --redact[=PERCENT]: masks secrets before any writer sees them, as gitleaks
// does. 100 (the default) replaces the secret with "REDACTED"; a lower
// PERCENT hides that share of it, keeping the first (100 - PERCENT)% of its
// characters followed by "..." (a baseline made from a redacted report
// reads these as wildcards: verify/suppression.h). Every secret the report
// holds is masked wherever it appears in any text of any finding or
// timeline: a finding's line showing another finding's secret, a path, a
// commit message, an author, a ref name or a fingerprint that holds one.
//
// A redacted timeline carries no unsalted SHA-256 of its secret (a short
// password's digest is reversed by trying candidates): secret_hmac_sha256,
// an HMAC-SHA256 under a key that is never written to the report, takes its
// place. With the same key (TRAWL_REDACT_KEY), reports can be compared with
// each other and a known credential checked against them; with a random
// key, only secrets within one report.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "verify/finding.h"
#include "verify/timeline.h"

namespace trawl {

std::string mask_secret(const std::string& secret, unsigned percent);

// Masks every occurrence of any of a set of secrets in a text: at each
// position the longest secret that starts there, in time linear in the
// text (secrets are found through their first four bytes).
class SecretMasker {
 public:
  SecretMasker(unsigned percent, const std::vector<std::string>& secrets);

  std::string mask(std::string_view text) const;

 private:
  static constexpr std::size_t kPrefix = 4;
  unsigned percent_;
  std::vector<std::string> secrets_;  // unique, longest first
  std::unordered_map<std::string, std::vector<std::size_t>> by_prefix_;
  std::vector<std::size_t> short_;  // secrets shorter than kPrefix
};

// Masks every secret of `findings` and `timelines` in every text of both,
// and replaces each timeline's secret_sha256 by secret_hmac_sha256 under
// `key`. 0 percent does nothing.
void redact_report(std::vector<Finding>& findings, std::vector<SecretTimeline>& timelines, unsigned percent,
                   std::string_view key);

}  // namespace trawl
