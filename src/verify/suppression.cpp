#include "verify/suppression.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace trawl {
namespace {

// The fingerprint without its leading commit, "path:rule:line", naming the
// rule `rule_id`.
std::string without_commit(const Finding& finding, const std::string& rule_id) {
  return finding.path + ":" + rule_id + ":" + std::to_string(finding.start_line);
}

std::string trimmed(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return {};
  const auto end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

void SuppressionCounts::add(SuppressionReason reason) {
  switch (reason) {
    case SuppressionReason::kAllowlist:
      ++allowlist;
      break;
    case SuppressionReason::kIgnoreFile:
      ++ignore_file;
      break;
    case SuppressionReason::kBaseline:
      ++baseline;
      break;
    case SuppressionReason::kInlineAllow:
      ++inline_allow;
      break;
  }
}

bool Suppressions::add_ignore_file(const std::string& path) {
  if (!std::filesystem::exists(path)) return false;
  std::ifstream in(path);
  if (!in) throw SuppressionFileError(path + ": cannot read the ignore file");
  std::string line;
  while (std::getline(in, line)) {
    const std::string entry = trimmed(line.substr(0, line.find('#')));
    if (!entry.empty()) ignored_.insert(entry);
  }
  return true;
}

void Suppressions::add_baseline(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw SuppressionFileError(path + ": cannot read the baseline report");
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json doc = nlohmann::json::parse(text.str(), nullptr, false);
  // trawl's json keeps findings under "findings"; gitleaks writes an array.
  const bool trawl_report = doc.is_object() && doc.contains("findings") && doc["findings"].is_array();
  if (!trawl_report && !doc.is_array()) {
    throw SuppressionFileError(path + ": not a trawl json or gitleaks report");
  }
  const nlohmann::json& findings = trawl_report ? doc["findings"] : doc;
  const char* key = trawl_report ? "fingerprint" : "Fingerprint";
  for (const nlohmann::json& f : findings) {
    if (!f.is_object() || !f.contains(key) || !f[key].is_string()) {
      throw SuppressionFileError(path + ": a finding without a \"" + key + "\"");
    }
    baseline_.insert(f[key].get<std::string>());
  }
}

void Suppressions::add_gitleaks_ignore_path(const std::string& path) {
  const std::string file =
      std::filesystem::is_directory(path) ? (std::filesystem::path(path) / ".gitleaksignore").string() : path;
  if (!add_ignore_file(file)) throw SuppressionFileError(file + ": no such ignore file (--gitleaks-ignore-path)");
}

std::optional<SuppressionReason> Suppressions::reason_for(const Finding& finding,
                                                          const std::vector<std::string>& rule_aliases) const {
  if (honour_inline_allow_ && has_inline_allow(finding.line)) return SuppressionReason::kInlineAllow;
  const std::string commit = finding.commit_hex();
  auto listed = [&](const std::unordered_set<std::string>& set, bool without_commit_too) {
    if (set.contains(finding.fingerprint)) return true;
    if (without_commit_too && set.contains(without_commit(finding, finding.rule_id))) return true;
    for (const std::string& alias : rule_aliases) {
      const std::string short_form = without_commit(finding, alias);
      std::string full = commit;
      if (!full.empty()) full.append(":").append(short_form);
      if (set.contains(commit.empty() ? short_form : full)) return true;
      if (without_commit_too && set.contains(short_form)) return true;
    }
    return false;
  };
  if (listed(ignored_, true)) return SuppressionReason::kIgnoreFile;
  if (listed(baseline_, false)) return SuppressionReason::kBaseline;
  return std::nullopt;
}

bool has_inline_allow(std::string_view line) {
  return line.find("trawl:allow") != std::string_view::npos || line.find("gitleaks:allow") != std::string_view::npos;
}

}  // namespace trawl
