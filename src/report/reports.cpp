#include "report/reports.h"

#include <nlohmann/json.hpp>

#include <ctime>
#include <stdexcept>

namespace trawl {
namespace {

using nlohmann::ordered_json;

ordered_json trawl_finding(const Finding& f) {
  return ordered_json{
      {"rule_id", f.rule_id},
      {"description", f.description},
      {"secret", f.secret},
      {"match", f.match},
      {"path", f.path},
      {"line", f.start_line},
      {"column", f.start_column},
      {"end_line", f.end_line},
      {"end_column", f.end_column},
      {"commit", f.commit},
      {"author", f.author},
      {"email", f.email},
      {"date", format_utc(f.date)},
      {"message", f.message},
      {"entropy", f.entropy},
      {"tags", f.tags},
      {"fingerprint", f.fingerprint},
  };
}

ordered_json scan_object(const ScanSummary& s) {
  ordered_json skipped = ordered_json::object();
  for (const auto& [reason, count] : s.skipped) skipped[reason] = count;
  return ordered_json{
      {"refs", s.refs},
      {"commits", s.commits},
      {"blobs", s.blobs},
      {"blobs_scanned", s.blobs_scanned},
      {"bytes_scanned", s.bytes_scanned},
      {"blobs_from_packs", s.blobs_from_packs},
      {"blobs_from_libgit2", s.blobs_from_libgit2},
      {"skipped", skipped},
      {"allowlisted", s.allowlisted},
      {"shallow", s.shallow},
      {"backend", s.backend},
      {"rules", s.rules_origin},
      {"rule_count", s.rule_count},
      {"wall_seconds", s.wall_seconds},
      {"walk_seconds", s.walk_seconds},
      {"read_match_seconds", s.read_match_seconds},
      {"match_seconds", s.match_seconds},
  };
}

ordered_json gitleaks_finding(const Finding& f) {
  return ordered_json{
      {"RuleID", f.rule_id},
      {"Description", f.description},
      {"StartLine", f.start_line},
      {"EndLine", f.end_line},
      {"StartColumn", f.start_column},
      {"EndColumn", f.end_column},
      {"Match", f.match},
      {"Secret", f.secret},
      {"File", f.path},
      {"SymlinkFile", ""},
      {"Commit", f.commit},
      {"Entropy", f.entropy},
      {"Author", f.author},
      {"Email", f.email},
      {"Date", format_utc(f.date)},
      {"Message", f.message},
      {"Tags", f.tags},
      {"Fingerprint", f.fingerprint},
  };
}

}  // namespace

ReportFormat parse_report_format(std::string_view name) {
  if (name == "json") return ReportFormat::kJson;
  if (name == "gitleaks") return ReportFormat::kGitleaks;
  throw std::invalid_argument("unknown report format '" + std::string(name) + "' (expected json or gitleaks)");
}

std::string format_utc(std::int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_report(std::ostream& out, ReportFormat format, const std::vector<Finding>& findings,
                  const ScanSummary& summary) {
  // Invalid UTF-8 in a blob must not abort the report: replace it.
  constexpr auto kIndent = 2;
  constexpr auto kReplace = ordered_json::error_handler_t::replace;
  if (format == ReportFormat::kGitleaks) {
    ordered_json array = ordered_json::array();
    for (const Finding& f : findings) array.push_back(gitleaks_finding(f));
    out << array.dump(kIndent, ' ', false, kReplace) << "\n";
    return;
  }
  ordered_json doc{{"version", kJsonReportVersion}, {"tool", "trawl"}, {"findings", ordered_json::array()}};
  for (const Finding& f : findings) doc["findings"].push_back(trawl_finding(f));
  doc["scan"] = scan_object(summary);
  out << doc.dump(kIndent, ' ', false, kReplace) << "\n";
}

}  // namespace trawl
