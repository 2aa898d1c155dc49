// Writes a LineExplanation (`trawl rules why`): text for a person, or json.
// Secrets are masked as --redact says (100: "REDACTED", the default), in
// every text written, so an explanation shows a secret only when asked to.
// Text escapes control bytes, as every text report does.
#pragma once

#include <ostream>

#include "verify/line_explanation.h"

namespace trawl {

// The text form, one line per rule considered and per candidate:
//   app.env:2
//   rule test-token: keyword "tok_" on this line
//   candidate test-token at 2:7, secret REDACTED, entropy 4.09: reported
//   candidate generic-password at 2:10, secret REDACTED, entropy 2.50: dropped by value-filter: assigned-value: a file
//   path
void write_explanation_text(std::ostream& out, const LineExplanation& explanation, unsigned redact_percent);

// One json object: path, line, rules_origin, rules [{rule_id, reach,
// keyword?}], candidates [{rule_id, line, column, end_line, end_column,
// secret, entropy, outcome ("reported" or "dropped"), dropped_by?, reason?}].
void write_explanation_json(std::ostream& out, const LineExplanation& explanation, unsigned redact_percent);

}  // namespace trawl
