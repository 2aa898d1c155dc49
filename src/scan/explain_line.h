// `trawl rules why FILE:LINE`: runs stage 1 and stage 2 over one file as
// `trawl dir FILE` would (the same rules, ignore files and allowlists,
// chosen at the file's directory), with stage 2 recording what it did on the
// line (engine/stage_two_trace.h), then the verifier's steps
// (file_hit_verdicts), and says rule by rule and candidate by candidate
// what happened there (verify/line_explanation.h).
#pragma once

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

#include "scan/scans.h"
#include "verify/line_explanation.h"

namespace trawl {

struct ExplainOptions : CommonScanOptions {
  std::string file;       // a file on disk, or "-" for standard input
  std::string path_name;  // the path the file is scanned at; empty: as `trawl dir FILE` names it ("stdin" for -)
  std::uint32_t line = 0;
};

// Splits "FILE:LINE" at its last ':' into `options`' file and line. Throws
// UsageError naming the argument when there is no ':' or LINE is not a
// number from 1.
void parse_file_line(const std::string& argument, ExplainOptions& options);

// Throws UsageError naming the file when it is missing, not a regular file,
// or one `trawl dir` would skip (binary, too large, unreadable), and naming
// the line when the file has fewer lines; ConfigError for bad rules.
LineExplanation explain_line(const ExplainOptions& options, std::istream& stdin_stream, std::ostream& log);

}  // namespace trawl
