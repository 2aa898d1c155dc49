#include "report/explain_report.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "content/text_escape.h"
#include "report/redact.h"
#include "report/text_report.h"

namespace trawl {
namespace {

// Masks every candidate's secret wherever it appears (a path, a reason).
class Masking {
 public:
  Masking(const LineExplanation& explanation, unsigned percent)
      : percent_(percent), masker_(percent, secrets_of(explanation)) {}

  std::string secret(const std::string& secret) const { return percent_ == 0 ? secret : mask_secret(secret, percent_); }
  std::string text(const std::string& text) const { return percent_ == 0 ? text : masker_.mask(text); }

 private:
  static std::vector<std::string> secrets_of(const LineExplanation& explanation) {
    std::vector<std::string> secrets;
    for (const LineExplanation::Candidate& c : explanation.candidates) secrets.push_back(c.secret);
    return secrets;
  }
  unsigned percent_;
  SecretMasker masker_;
};

std::string reach_words(const LineExplanation::ConsideredRule& rule) {
  std::string keyword = "keyword \"" + escape_control_bytes(rule.keyword) + "\" on this line";
  if (rule.reach == "keyword") return keyword;
  if (rule.reach == "keyword-shape") return keyword + ", but the text around it cannot match the rule's regex";
  if (rule.reach == "window") return "searched this line around a keyword nearby";
  if (rule.reach == "whole-file") return "searched the whole file";
  if (rule.reach == "check") return "its container check read the file";
  return rule.reach;
}

std::string two_decimals(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

}  // namespace

void write_explanation_text(std::ostream& out, const LineExplanation& explanation, unsigned redact_percent) {
  const Masking masking(explanation, redact_percent);
  out << escape_control_bytes(masking.text(explanation.path)) << ":" << explanation.line << "\n";
  if (explanation.rules.empty()) out << "no rule considered this line\n";
  for (const LineExplanation::ConsideredRule& rule : explanation.rules) {
    out << "rule " << escape_control_bytes(rule.rule_id) << ": " << reach_words(rule) << "\n";
  }
  if (!explanation.rules.empty() && explanation.candidates.empty()) out << "no candidate secret on this line\n";
  for (const LineExplanation::Candidate& c : explanation.candidates) {
    out << "candidate " << escape_control_bytes(c.rule_id) << " at " << c.line << ":" << c.column << ", secret "
        << shown_secret(masking.secret(c.secret)) << ", entropy " << two_decimals(c.entropy) << ": ";
    if (c.reported && c.confidence < kDefaultMinConfidence) {
      const std::string level(confidence_name(c.confidence));
      out << "reported at confidence " << level << " (shown with --min-confidence " << level << ")\n";
    } else if (c.reported) {
      out << "reported\n";
    } else {
      out << "dropped by " << c.dropped_by << ": " << escape_control_bytes(masking.text(c.reason)) << "\n";
    }
  }
}

void write_explanation_json(std::ostream& out, const LineExplanation& explanation, unsigned redact_percent) {
  const Masking masking(explanation, redact_percent);
  nlohmann::ordered_json doc;
  doc["path"] = escape_text(masking.text(explanation.path), false);
  doc["line"] = explanation.line;
  doc["rules_origin"] = escape_text(explanation.rules_origin, false);
  doc["rules"] = nlohmann::ordered_json::array();
  for (const LineExplanation::ConsideredRule& rule : explanation.rules) {
    nlohmann::ordered_json r;
    r["rule_id"] = escape_text(rule.rule_id, false);
    r["reach"] = rule.reach;
    if (!rule.keyword.empty()) r["keyword"] = escape_text(rule.keyword, false);
    doc["rules"].push_back(std::move(r));
  }
  doc["candidates"] = nlohmann::ordered_json::array();
  for (const LineExplanation::Candidate& c : explanation.candidates) {
    nlohmann::ordered_json j;
    j["rule_id"] = escape_text(c.rule_id, false);
    j["line"] = c.line;
    j["column"] = c.column;
    j["end_line"] = c.end_line;
    j["end_column"] = c.end_column;
    j["secret"] = escape_text(masking.secret(c.secret), false);
    j["entropy"] = c.entropy;
    j["outcome"] = c.reported ? "reported" : "dropped";
    j["confidence"] = confidence_name(c.confidence);
    if (!c.reported) {
      j["dropped_by"] = c.dropped_by;
      j["reason"] = escape_text(masking.text(c.reason), false);
    }
    doc["candidates"].push_back(std::move(j));
  }
  out << doc.dump(2) << "\n";
}

}  // namespace trawl
