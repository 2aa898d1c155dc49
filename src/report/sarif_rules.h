// What a SARIF reportingDescriptor says about a rule beyond its id, so
// GitHub code scanning can show what was leaked and what to do: a full
// description, help (plain text and markdown: what the credential is and
// how to rotate it), a severity and a precision. Rules carry no help of
// their own, so the help is written per family of credential, chosen by the
// rule's tags (private keys, cloud keys, source hosting tokens, ...), with
// a general text for every other rule.
#pragma once

#include <string>

#include "verify/finding.h"

namespace trawl {

struct SarifRuleHelp {
  std::string full_description;
  std::string text;
  std::string markdown;
  std::string security_severity;  // GitHub's 0.0-10.0 scale, as a string
  std::string precision;          // the rule's confidence: "high", "medium" or "low"
};

// The help for the rule that made `finding` (its id, description and tags).
SarifRuleHelp sarif_rule_help(const Finding& finding);

}  // namespace trawl
