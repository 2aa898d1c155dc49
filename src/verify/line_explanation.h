// What trawl did with one line of one file, rule by rule and candidate by
// candidate, for `trawl rules why FILE:LINE`: the rules that ran over the
// line and, for each candidate secret there, whether it was reported or
// what dropped it. Built by scan/explain_line.h, written by
// report/explain_report.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rules/confidence.h"

namespace trawl {

struct LineExplanation {
  // A rule that ran over the line, and how it came to.
  struct ConsideredRule {
    std::string rule_id;
    // "keyword": one of its keywords is on the line; "keyword-shape": one
    // is, but the text around it cannot match the rule's regex; "window":
    // its regex searched lines around a keyword elsewhere; "whole-file":
    // its regex searched the whole file; "check": its container check read
    // the file.
    std::string reach;
    std::string keyword;  // "keyword", "keyword-shape"
  };
  struct Candidate {
    std::string rule_id;
    std::uint32_t line = 0;  // 1-based position of the secret's first and last bytes
    std::uint32_t column = 0;
    std::uint32_t end_line = 0;
    std::uint32_t end_column = 0;
    std::string secret;  // as found: writers mask it unless asked not to
    double entropy = 0.0;
    bool reported = false;
    // The rule's confidence: a reported candidate below the default
    // --min-confidence is shown only with --min-confidence low.
    Confidence confidence = Confidence::kHigh;
    // What dropped it, when not reported: empty-secret, entropy, validator,
    // placeholder, value-filter, documentation-sample, repeated, path,
    // overlap, skip-report, required, duplicate, allowlist, stopword,
    // ignore-file, baseline, inline-allow.
    std::string dropped_by;
    std::string reason;  // in words: which check, list or rule, and what it found
  };

  std::string path;  // as the scan names the file
  std::uint32_t line = 0;
  std::string rules_origin;
  std::vector<ConsideredRule> rules;
  std::vector<Candidate> candidates;
};

}  // namespace trawl
