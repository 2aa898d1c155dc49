// How repository text (paths, authors, messages, ref names, lines of blobs)
// is written where a reader or a parser could be misled by its bytes.
//
// A byte that is not part of valid UTF-8 is written `\xHH`, so a report
// stays valid UTF-8 (and JSON) and every byte can be read back; with
// `controls`, so are the bytes of control characters (C0, DEL and the C1
// range U+0080 to U+009F), so an ANSI escape or a newline in a path can
// neither drive a terminal nor forge a line of output. A backslash is
// doubled only where it would otherwise read as the start of an escape (it
// is followed by `x`, a backslash or an escaped byte), so ordinary text,
// Windows-like paths included, is written as it is.
//
// Reading back: `\\` is a backslash, `\xHH` the byte HH, anything else as
// written. Every format uses this one escaping, so a fingerprint reads the
// same in each and a baseline made from a report matches the findings it
// came from.
#pragma once

#include <string>
#include <string_view>

namespace trawl {

std::string escape_text(std::string_view text, bool controls);

// The inverse of escape_text (for either value of `controls`).
std::string unescape_text(std::string_view text);

}  // namespace trawl
