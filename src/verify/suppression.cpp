#include "verify/suppression.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "content/regular_file.h"
#include "content/sha256.h"

#include "content/text_escape.h"

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

// What a redacted report writes in place of a secret (report/redact.h).
constexpr std::string_view kMasks[] = {"REDACTED", "..."};

bool has_mask(std::string_view fingerprint) {
  return std::any_of(std::begin(kMasks), std::end(kMasks),
                     [&](std::string_view mask) { return fingerprint.find(mask) != std::string_view::npos; });
}

// The literal pieces of a redacted fingerprint, between its masks.
std::vector<std::string> pieces_between_masks(std::string_view fingerprint) {
  std::vector<std::string> pieces(1);
  for (std::size_t at = 0; at < fingerprint.size();) {
    const auto mask = std::find_if(std::begin(kMasks), std::end(kMasks),
                                   [&](std::string_view m) { return fingerprint.substr(at).starts_with(m); });
    if (mask == std::end(kMasks)) {
      pieces.back() += fingerprint[at++];
    } else {
      pieces.emplace_back();
      at += mask->size();
    }
  }
  return pieces;
}

// Whether `text` is the pieces with something (the masked secret) between
// each two.
bool matches_pieces(std::string_view text, const std::vector<std::string>& pieces) {
  if (!text.starts_with(pieces.front()) || !text.substr(pieces.front().size()).ends_with(pieces.back())) return false;
  std::size_t at = pieces.front().size();
  const std::size_t end = text.size() - pieces.back().size();
  for (std::size_t i = 1; i + 1 < pieces.size(); ++i) {
    const std::size_t found = text.substr(0, end).find(pieces[i], at + 1);
    if (found == std::string_view::npos) return false;
    at = found + pieces[i].size();
  }
  return at < end;
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

bool Suppressions::add_ignore_file(const std::string& path, const std::string& confined_to) {
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, error))) return false;
  if (!confined_to.empty() && !resolved_inside(path, confined_to)) {
    throw SuppressionFileError(path + ": the ignore file leads out of " + confined_to +
                               " (a symlink to a file outside it, or to nothing)");
  }
  RegularFile file;
  try {
    file = read_regular_file(path, kMaxIgnoreFileBytes, "ignore file");
  } catch (const RegularFileError& e) {
    throw SuppressionFileError(e.what());
  }
  std::istringstream in(file.text);
  std::string line;
  while (std::getline(in, line)) {
    const std::string entry = trimmed(line.substr(0, line.find('#')));
    if (entry.empty()) continue;
    // As a report writes it (content/text_escape.h), or as it is.
    ignored_.insert(unescape_text(entry));
    ignored_.insert(entry);
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
    const std::string entry = f[key].get<std::string>();
    baseline_.insert(unescape_text(entry));
    baseline_.insert(entry);
    if (has_mask(entry)) redacted_baseline_.push_back(pieces_between_masks(unescape_text(entry)));
  }
}

void Suppressions::add_gitleaks_ignore_path(const std::string& path) {
  std::error_code error;
  const std::string file =
      std::filesystem::is_directory(path, error) ? (std::filesystem::path(path) / ".gitleaksignore").string() : path;
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
  // A redacted report masks the secrets inside a path, so in a fingerprint.
  for (const std::vector<std::string>& pieces : redacted_baseline_) {
    if (matches_pieces(finding.fingerprint, pieces)) return SuppressionReason::kBaseline;
  }
  return std::nullopt;
}

std::string Suppressions::digest() const {
  // Each entry's length before it, so that no two lists give one text.
  std::string text = honour_inline_allow_ ? "inline allow\n" : "no inline allow\n";
  auto add_sorted = [&](const char* what, const std::unordered_set<std::string>& entries) {
    std::vector<std::string> sorted(entries.begin(), entries.end());
    std::sort(sorted.begin(), sorted.end());
    text += what + std::to_string(sorted.size()) + "\n";
    for (const std::string& e : sorted) text += std::to_string(e.size()) + ":" + e;
  };
  add_sorted("ignored ", ignored_);
  add_sorted("baseline ", baseline_);
  std::vector<std::string> redacted;
  for (const std::vector<std::string>& pieces : redacted_baseline_) {
    std::string joined = std::to_string(pieces.size()) + ":";
    for (const std::string& p : pieces) joined += std::to_string(p.size()) + ":" + p;
    redacted.push_back(std::move(joined));
  }
  std::sort(redacted.begin(), redacted.end());
  text += "redacted baseline " + std::to_string(redacted.size()) + "\n";
  for (const std::string& r : redacted) text += std::to_string(r.size()) + ":" + r;
  return sha256_hex(text);
}

bool has_inline_allow(std::string_view line) {
  return line.find("trawl:allow") != std::string_view::npos || line.find("gitleaks:allow") != std::string_view::npos;
}

}  // namespace trawl
