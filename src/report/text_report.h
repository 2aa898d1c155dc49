// The reports written for a person to read on a terminal or in a CI log:
// - the default "text" format: per finding the rule, file:line, commit,
//   author, date and the secret (masked as --redact asks), a long or
//   multi-line secret (a PEM block) cut to its first line;
// - gitleaks' verbose finding blocks (`-v`), as gitleaks users expect them.
// Control bytes in repository data (paths, messages, secrets) are written
// escaped (\xNN), so a scanned repository cannot drive the terminal. Colour
// only when the caller says so (a terminal, NO_COLOR unset, TERM not dumb).
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "verify/finding.h"

namespace trawl {

// The longest secret the text format shows, in bytes, before cutting it.
inline constexpr std::size_t kTextSecretWidth = 80;

void write_text_findings(std::ostream& out, const std::vector<Finding>& findings, bool colour);

// gitleaks' `-v` block for one finding, followed by a blank line.
void write_gitleaks_block(std::ostream& out, const Finding& finding, bool colour);

// `text` as content/text_escape.h writes it with control characters
// escaped: every control byte (tab included) and invalid UTF-8 as \xNN.
std::string escape_control_bytes(std::string_view text);

// The secret as the text format shows it: escaped, cut at the first line
// break or after kTextSecretWidth bytes, with what was cut said.
std::string shown_secret(const std::string& secret);

}  // namespace trawl
