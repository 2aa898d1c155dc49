// Reads the fields the history walk needs from a commit object's bytes,
// giving exactly what libgit2 (1.5) gives through git_commit_lookup and its
// accessors, so the walk can read commits out of packs itself and still
// produce the same history.
//
// libgit2's rules, followed here: the "tree" line comes first, then any
// "parent" lines (40 hex digits each, either case); then "author" (extra
// author lines are parsed and ignored) and "committer". A signature is
// "name <email> time tz": name and email are what lies around the last '<'
// and '>' of the line, trimmed of spaces, control bytes and . , : ; < > " \ '
// at both ends, and cut at a NUL byte; time is optional, tz ignored. Any
// other header lines (encoding, gpgsig and mergetag with their continuation
// lines) run to the first empty line; the message follows it. The summary is
// the message's first line once leading newlines are skipped, cut at a NUL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "content/object_id.h"

namespace trawl {

struct ParsedCommit {
  ObjectId tree;
  std::vector<ObjectId> parents;
  std::string author_name;
  std::string author_email;
  std::int64_t author_time = 0;  // 0 when the author line has no time
  std::int64_t commit_time = 0;  // the committer's
  std::string summary;
};

// nullopt exactly where libgit2 refuses the commit as malformed (no tree
// line, no author or committer, a signature without an e-mail or with a time
// that is not a number).
std::optional<ParsedCommit> parse_commit(std::string_view bytes);

// What git itself still reads from a commit libgit2 refuses, so that its
// tree and parents are scanned anyway: the "tree" line must come first and
// be well-formed, and the "parent" lines follow it as above; the first
// "author" and "committer" lines anywhere in the headers give what can be
// made out of them (a missing signature, or one without an e-mail, leaves
// name and e-mail empty; a time that is not a number or overflows reads as
// 0). nullopt only without a tree line. `problem`, when given, receives why
// parse_commit() refuses the commit (empty when it does not).
std::optional<ParsedCommit> parse_commit_leniently(std::string_view bytes, std::string* problem = nullptr);

}  // namespace trawl
