#include "scan/explain_line.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <tuple>
#include <vector>

#include "content/skip_log.h"
#include "content/text_escape.h"
#include "engine/scanner.h"
#include "engine/stage_two_trace.h"
#include "rules/allowlist_match.h"
#include "rules/documentation_samples.h"
#include "source/files/directory_files.h"
#include "verify/attribution.h"

namespace trawl {
namespace {

std::string_view reach_name(StageTwoTrace::Reach reach) {
  switch (reach) {
    case StageTwoTrace::Reach::kKeyword:
      return "keyword";
    case StageTwoTrace::Reach::kKeywordShape:
      return "keyword-shape";
    case StageTwoTrace::Reach::kWindow:
      return "window";
    case StageTwoTrace::Reach::kWholeBlob:
      return "whole-file";
    case StageTwoTrace::Reach::kCheck:
      return "check";
  }
  return {};
}

std::string two_decimals(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

// "rule allowlist 2 (test fixtures)" or "global allowlist 1".
std::string allowlist_name(const RuleSet& rules, const Rule& rule, const Allowlist& list) {
  std::string name;
  const auto in = [&](const std::vector<Allowlist>& lists) {
    return &list >= lists.data() && &list < lists.data() + lists.size();
  };
  if (in(rule.allowlists)) {
    name = "rule allowlist " + std::to_string(&list - rule.allowlists.data() + 1);
  } else if (in(rules.allowlists)) {
    name = "global allowlist " + std::to_string(&list - rules.allowlists.data() + 1);
  }
  if (!list.description.empty()) name += " (" + list.description + ")";
  return name;
}

// What the verifier decided, in LineExplanation's words.
void describe(const RuleSet& rules, const HitVerdict& v, const std::string& path, LineExplanation::Candidate& c) {
  using Outcome = HitVerdict::Outcome;
  const Rule& rule = rules.rules[v.hit.rule];
  c.reported = v.outcome == Outcome::kReported;
  switch (v.outcome) {
    case Outcome::kReported:
      break;
    case Outcome::kPathScope:
      c.dropped_by = "path";
      c.reason = "the rule's path " + rule.path->pattern() + " does not match " + path;
      break;
    case Outcome::kOverlap:
      c.dropped_by = "overlap";
      c.reason = "the hit of rule " + rules.rules[v.other_rule].id + " on the same span stands";
      break;
    case Outcome::kSkipReport:
      c.dropped_by = "skip-report";
      c.reason = "the rule only serves rules that require it (skipReport)";
      break;
    case Outcome::kRequired: {
      std::string ids;
      for (const RequiredRule& r : rule.required) ids += (ids.empty() ? "" : ", ") + r.id;
      c.dropped_by = "required";
      c.reason = "the rules it requires (" + ids + ") do not all match near it";
      break;
    }
    case Outcome::kDuplicate:
      c.dropped_by = "duplicate";
      c.reason = "rule " + rules.rules[v.other_rule].id + " reports the same secret on this line";
      break;
    case Outcome::kAllowlist: {
      const std::string list = v.allowlist != nullptr ? allowlist_name(rules, rule, *v.allowlist) : "an allowlist";
      const auto stopword = v.allowlist != nullptr ? stopword_in(*v.allowlist, v.hit.secret) : std::nullopt;
      if (stopword) {
        c.dropped_by = "stopword";
        c.reason = "stopword \"" + std::string(*stopword) + "\" of " + list;
      } else {
        c.dropped_by = "allowlist";
        c.reason = list;
      }
      break;
    }
    case Outcome::kIgnoreFile:
      c.dropped_by = "ignore-file";
      c.reason = "its fingerprint " + v.fingerprint + " is listed in an ignore file";
      break;
    case Outcome::kBaseline:
      c.dropped_by = "baseline";
      c.reason = "the baseline report holds its fingerprint " + v.fingerprint;
      break;
    case Outcome::kInlineAllow:
      c.dropped_by = "inline-allow";
      c.reason = "the line carries a trawl:allow or gitleaks:allow comment";
      break;
  }
}

// What stage 2 decided, in LineExplanation's words.
void describe(const Rule& rule, const StageTwoTrace::Candidate& t, LineExplanation::Candidate& c) {
  switch (t.drop) {
    case StageTwoTrace::Drop::kNone:
      break;
    case StageTwoTrace::Drop::kEmptySecret:
      c.dropped_by = "empty-secret";
      c.reason = "the rule's secret group matched nothing";
      break;
    case StageTwoTrace::Drop::kEntropy:
      c.dropped_by = "entropy";
      c.reason = "entropy " + two_decimals(t.entropy) + " is below the rule's " + two_decimals(rule.entropy);
      break;
    case StageTwoTrace::Drop::kValidator: {
      const SecretValidator v = *t.validator;
      c.dropped_by = v == SecretValidator::kNotPlaceholder  ? "placeholder"
                     : v == SecretValidator::kAssignedValue ? "value-filter"
                                                            : "validator";
      c.reason = std::string(secret_validator_name(v)) + ": " + std::string(t.why);
      break;
    }
    case StageTwoTrace::Drop::kDocumentationSample:
      c.dropped_by = "documentation-sample";
      c.reason = "the " + std::string(documentation_sample_of(t.secret).value_or("provider")) +
                 " documentation prints it as a sample";
      break;
    case StageTwoTrace::Drop::kRepeated:
      c.dropped_by = "repeated";
      c.reason = "the rule matched the same secret earlier on this line";
      break;
  }
}

// 1-based (line, column) of each offset of `text`, through its line starts.
struct Positions {
  std::vector<std::size_t> starts{0};
  explicit Positions(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') starts.push_back(i + 1);
    }
  }
  std::pair<std::uint32_t, std::uint32_t> at(std::size_t offset) const {
    const auto line = static_cast<std::size_t>(std::upper_bound(starts.begin(), starts.end(), offset) - starts.begin());
    return {static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(offset - starts[line - 1] + 1)};
  }
  // Lines as an editor counts them: a last line without '\n' counts.
  std::size_t line_count(std::size_t text_size) const {
    return starts.back() < text_size ? starts.size() : starts.size() - 1;
  }
};

std::string read_input(const ExplainOptions& options, const std::string& root, std::istream& stdin_stream) {
  SkipLog skips;
  std::string contents;
  bool read = false;
  if (options.file == "-") {
    read = read_scannable_stream(stdin_stream, "stdin", options.max_blob_size, skips, contents);
  } else {
    read = read_scannable_file(root, std::filesystem::path(options.file).filename().string(), options.max_blob_size,
                               skips, contents);
  }
  if (read) return contents;
  const std::vector<SkippedObject> skipped = skips.entries();
  std::string why = skipped.empty() ? "cannot be read" : std::string(skip_reason_name(skipped.front().reason));
  if (!skipped.empty() && !skipped.front().detail.empty()) why += " (" + skipped.front().detail + ")";
  const std::string name = options.file == "-" ? "standard input" : escape_text(options.file, true);
  throw UsageError(name + ": trawl dir does not scan it: " + why);
}

}  // namespace

void parse_file_line(const std::string& argument, ExplainOptions& options) {
  const std::size_t colon = argument.rfind(':');
  const std::string shown = escape_text(argument, true);
  if (colon == std::string::npos || colon == 0) {
    throw UsageError(shown + ": expected FILE:LINE (a file, or - for standard input, and a line number)");
  }
  const std::string_view number = std::string_view(argument).substr(colon + 1);
  std::uint32_t line = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), line);
  if (number.empty() || error != std::errc() || end != number.data() + number.size() || line == 0) {
    throw UsageError(shown + ": the line must be a number from 1");
  }
  options.file = argument.substr(0, colon);
  options.line = line;
}

LineExplanation explain_line(const ExplainOptions& options, std::istream& stdin_stream, std::ostream& log) {
  // Where `trawl dir FILE` looks for rules and ignore files, and the path it
  // names the file by.
  std::string root = ".";
  std::string path = "stdin";
  if (options.file != "-") {
    std::error_code error;
    const auto status = std::filesystem::status(options.file, error);
    if (!std::filesystem::exists(status)) throw UsageError(escape_text(options.file, true) + ": no such file");
    if (!std::filesystem::is_regular_file(status)) {
      throw UsageError(escape_text(options.file, true) + ": not a regular file");
    }
    const std::filesystem::path file(options.file);
    if (file.has_parent_path()) root = file.parent_path().string();
    path = file.filename().string();
  }
  if (!options.path_name.empty()) path = options.path_name;
  // Every rule, whatever its confidence: the line's low-confidence values
  // are explained too.
  CommonScanOptions every_level = options;
  every_level.min_confidence = Confidence::kLow;
  const RuleLoad load = rules_for_root(every_level, root, log);
  const RuleSet& rules = load.rules;
  const Suppressions suppressions = suppressions_for_root(options, root, log);
  const std::string text = read_input(options, root, stdin_stream);

  const Positions positions(text);
  const std::size_t lines = positions.line_count(text.size());
  if (options.line > lines) {
    const std::string name = options.file == "-" ? "standard input" : escape_text(options.file, true);
    throw UsageError(name + ":" + std::to_string(options.line) + ": line out of range: the file has " +
                     std::to_string(lines) + (lines == 1 ? " line" : " lines"));
  }
  StageTwoTrace trace;
  trace.line_begin = positions.starts[options.line - 1];
  trace.line_next = options.line < positions.starts.size() ? positions.starts[options.line] : text.size();

  ScannerOptions scanner_options;
  scanner_options.choose_spans = false;  // the verifier's choice is explained below
  const Scanner scanner(rules, scanner_options);
  const std::vector<Hit> hits = scanner.scan_text(text, nullptr, &trace);
  const std::vector<HitVerdict> verdicts = file_hit_verdicts(rules, suppressions, hits, path);

  LineExplanation out;
  out.path = path;
  out.line = options.line;
  out.rules_origin = rules.origin;
  // Each rule's entries together, rules in the order stage 2 met them; a
  // keyword whose surroundings cannot match says nothing more about a rule
  // that another keyword on the line brought.
  std::vector<std::uint32_t> order;
  for (const StageTwoTrace::Considered& c : trace.considered) {
    if (std::find(order.begin(), order.end(), c.rule) == order.end()) order.push_back(c.rule);
  }
  for (std::uint32_t r : order) {
    const bool by_keyword = std::any_of(trace.considered.begin(), trace.considered.end(), [&](const auto& c) {
      return c.rule == r && c.reach == StageTwoTrace::Reach::kKeyword;
    });
    for (const StageTwoTrace::Considered& c : trace.considered) {
      if (c.rule != r || (by_keyword && c.reach == StageTwoTrace::Reach::kKeywordShape)) continue;
      out.rules.push_back({rules.rules[c.rule].id, std::string(reach_name(c.reach)), c.keyword});
    }
  }
  for (const StageTwoTrace::Candidate& t : trace.candidates) {
    LineExplanation::Candidate& c = out.candidates.emplace_back();
    const Rule& rule = rules.rules[t.rule];
    c.rule_id = rule.id;
    c.confidence = rule.confidence;
    std::tie(c.line, c.column) = positions.at(t.secret_begin);
    const std::size_t last = t.secret.empty() ? t.secret_begin : t.secret_begin + t.secret.size() - 1;
    std::tie(c.end_line, c.end_column) = positions.at(last);
    c.secret = t.secret;
    c.entropy = t.entropy;
    if (t.drop != StageTwoTrace::Drop::kNone) {
      describe(rule, t, c);
      continue;
    }
    const auto verdict = std::find_if(verdicts.begin(), verdicts.end(), [&](const HitVerdict& v) {
      return v.hit.rule == t.rule && v.hit.start_line == c.line && v.hit.start_column == c.column;
    });
    if (verdict != verdicts.end()) describe(rules, *verdict, path, c);
  }
  return out;
}

}  // namespace trawl
