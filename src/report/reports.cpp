#include "report/reports.h"

#include <nlohmann/json.hpp>

#include <ctime>
#include <map>
#include <stdexcept>

#include "report/junit_report.h"
#include "report/text_report.h"

namespace trawl {
namespace {

using nlohmann::ordered_json;

constexpr int kIndent = 2;
// Invalid UTF-8 in a blob must not abort the report: replace it.
constexpr auto kReplace = ordered_json::error_handler_t::replace;

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
      {"commit", f.commit_hex()},
      {"author", f.author},
      {"email", f.email},
      {"date", format_utc(f.date)},
      {"message", f.message},
      {"entropy", f.entropy},
      {"tags", f.tags},
      {"fingerprint", f.fingerprint},
  };
}

ordered_json secret_object(const SecretTimeline& t) {
  ordered_json introduced = ordered_json::array();
  for (const SecretIntroduction& i : t.introduced) {
    introduced.push_back({{"commit", i.commit ? i.commit->hex() : std::string()},
                          {"date", format_utc(i.date)},
                          {"author", i.author},
                          {"email", i.email},
                          {"path", i.path},
                          {"line", i.line}});
  }
  ordered_json removed = ordered_json::array();
  for (const SecretRemoval& r : t.removed) {
    removed.push_back({{"commit", r.commit.hex()}, {"date", format_utc(r.date)}, {"path", r.path}});
  }
  ordered_json present = ordered_json::array();
  for (const SecretAtRef& p : t.present_at) present.push_back({{"ref", p.ref}, {"path", p.path}, {"line", p.line}});
  return ordered_json{{"rule_id", t.rule_id},
                      {"secret", t.secret},
                      {"secret_sha256", t.secret_sha256},
                      {"introduced", introduced},
                      {"removed", removed},
                      {"reachable_from", t.reachable_from},
                      {"reachable_from_total", t.reachable_from_total},
                      {"present_at", present},
                      {"present_at_total", t.present_at_total}};
}

ordered_json scan_object(const ScanSummary& s) {
  const GitSummary git = s.git.value_or(GitSummary{});
  ordered_json skipped = ordered_json::object();
  for (const auto& [reason, count] : s.skipped) skipped[reason] = count;
  return ordered_json{
      {"refs", git.refs},
      {"commits", git.commits},
      {"blobs", s.blobs},
      {"blobs_scanned", s.blobs_scanned},
      {"bytes_scanned", s.bytes_scanned},
      {"blobs_from_packs", git.blobs_from_packs},
      {"blobs_from_libgit2", git.blobs_from_libgit2},
      {"skipped", skipped},
      {"allowlisted", s.suppressed.allowlist},
      {"suppressed",
       {{"allowlist", s.suppressed.allowlist},
        {"ignore_file", s.suppressed.ignore_file},
        {"baseline", s.suppressed.baseline},
        {"inline_allow", s.suppressed.inline_allow}}},
      {"shallow", git.shallow},
      {"backend", s.backend},
      {"rules", s.rules_origin},
      {"rule_count", s.rule_count},
      {"wall_seconds", s.wall_seconds},
      {"walk_seconds", git.walk_seconds},
      {"read_match_seconds", s.read_match_seconds},
      {"match_seconds", s.match_seconds},
      {"attribute_seconds", s.attribute_seconds},
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
      {"Commit", f.commit_hex()},
      {"Entropy", f.entropy},
      {"Author", f.author},
      {"Email", f.email},
      {"Date", format_utc(f.date)},
      {"Message", f.message},
      {"Tags", f.tags},
      {"Fingerprint", f.fingerprint},
  };
}

// A relative URI reference for a repository path: unreserved bytes and '/'
// as they are, everything else percent-encoded.
std::string path_uri(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string uri;
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) {
      uri.push_back(ch);
    } else {
      uri += {'%', kHex[c >> 4], kHex[c & 0xf]};
    }
  }
  return uri;
}

ordered_json sarif_result(const Finding& f, std::size_t rule_index) {
  std::string where = f.path;
  if (f.start_line > 0) where.append(":").append(std::to_string(f.start_line));
  if (f.commit) where.append(" at commit ").append(f.commit->hex(), 0, 12);
  ordered_json physical{{"artifactLocation", {{"uri", path_uri(f.path)}}}};
  // A path-only finding has no position; SARIF lines start at 1.
  if (f.start_line > 0) {
    physical["region"] = {{"startLine", f.start_line},
                          {"startColumn", f.start_column},
                          {"endLine", f.end_line},
                          {"endColumn", f.end_column + 1},  // SARIF's end column is exclusive
                          {"snippet", {{"text", f.secret}}}};
  }
  ordered_json properties{{"commit", f.commit_hex()},   {"author", f.author},   {"email", f.email},
                          {"date", format_utc(f.date)}, {"message", f.message}, {"tags", f.tags}};
  return ordered_json{{"ruleId", f.rule_id},
                      {"ruleIndex", rule_index},
                      {"level", "error"},
                      {"message", {{"text", f.rule_id + ": " + f.description + " in " + where}}},
                      {"locations", ordered_json::array({{{"physicalLocation", physical}}})},
                      {"partialFingerprints", {{"trawlFingerprint/v1", f.fingerprint}}},
                      {"properties", properties}};
}

void write_sarif(std::ostream& out, const std::vector<Finding>& findings) {
  std::map<std::string, std::size_t> rule_index;
  ordered_json rules = ordered_json::array();
  ordered_json results = ordered_json::array();
  for (const Finding& f : findings) {
    auto [it, added] = rule_index.emplace(f.rule_id, rules.size());
    if (added) {
      rules.push_back({{"id", f.rule_id},
                       {"name", f.rule_id},
                       {"shortDescription", {{"text", f.description.empty() ? f.rule_id : f.description}}},
                       {"defaultConfiguration", {{"level", "error"}}},
                       {"properties", {{"tags", f.tags}}}});
    }
    results.push_back(sarif_result(f, it->second));
  }
  const ordered_json driver{{"name", "trawl"}, {"semanticVersion", TRAWL_VERSION}, {"rules", rules}};
  const ordered_json doc{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                         {"version", "2.1.0"},
                         {"runs", ordered_json::array({{{"tool", {{"driver", driver}}}, {"results", results}}})}};
  out << doc.dump(kIndent, ' ', false, kReplace) << "\n";
}

// RFC 4180: quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

void write_csv(std::ostream& out, const std::vector<Finding>& findings) {
  out << "RuleID,Commit,File,SymlinkFile,Secret,Match,StartLine,EndLine,StartColumn,EndColumn,Author,Message,Date,"
         "Email,Fingerprint,Tags\r\n";
  for (const Finding& f : findings) {
    std::string tags;
    for (const std::string& tag : f.tags) tags += (tags.empty() ? "" : " ") + tag;
    const std::vector<std::string> row = {f.rule_id,
                                          f.commit_hex(),
                                          f.path,
                                          "",
                                          f.secret,
                                          f.match,
                                          std::to_string(f.start_line),
                                          std::to_string(f.end_line),
                                          std::to_string(f.start_column),
                                          std::to_string(f.end_column),
                                          f.author,
                                          f.message,
                                          format_utc(f.date),
                                          f.email,
                                          f.fingerprint,
                                          tags};
    for (std::size_t i = 0; i < row.size(); ++i) out << (i == 0 ? "" : ",") << csv_field(row[i]);
    out << "\r\n";
  }
}

}  // namespace

ReportFormat parse_report_format(std::string_view name) {
  if (name == "json") return ReportFormat::kJson;
  if (name == "jsonl") return ReportFormat::kJsonl;
  if (name == "sarif") return ReportFormat::kSarif;
  if (name == "csv") return ReportFormat::kCsv;
  if (name == "gitleaks") return ReportFormat::kGitleaks;
  if (name == "text") return ReportFormat::kText;
  if (name == "junit") return ReportFormat::kJunit;
  if (name == "template") {
    throw std::invalid_argument(
        "--report-format template: Go templates are not supported; use --report-format json or jsonl with a JSON "
        "tool (e.g. jq), or csv");
  }
  throw std::invalid_argument("unknown report format '" + std::string(name) +
                              "' (expected json, jsonl, sarif, csv, gitleaks, junit or text)");
}

std::string format_utc(std::int64_t seconds) {
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void write_jsonl_finding(std::ostream& out, const Finding& finding) {
  out << trawl_finding(finding).dump(-1, ' ', false, kReplace) << "\n" << std::flush;
}

namespace {

// Writes `items` as the elements of a JSON array nested `depth` levels deep
// in a document dumped with kIndent, one element at a time, exactly as
// dumping the whole document would lay them out (JSON strings hold no raw
// newline, so indenting every line of an element's own dump is safe).
template <typename Items, typename ToJson>
void write_array(std::ostream& out, const Items& items, int depth, const ToJson& to_json) {
  if (items.empty()) {
    out << "[]";
    return;
  }
  const std::string pad(static_cast<std::size_t>(kIndent * (depth + 1)), ' ');
  out << "[\n";
  bool first = true;
  for (const auto& item : items) {
    if (!first) out << ",\n";
    first = false;
    const std::string text = to_json(item).dump(kIndent, ' ', false, kReplace);
    out << pad;
    for (const char c : text) {
      out << c;
      if (c == '\n') out << pad;
    }
  }
  out << "\n" << std::string(static_cast<std::size_t>(kIndent * depth), ' ') << "]";
}

}  // namespace

void write_report(std::ostream& out, ReportFormat format, const ReportContent& content, bool colour) {
  switch (format) {
    case ReportFormat::kGitleaks:
      write_array(out, content.findings, 0, gitleaks_finding);
      out << "\n";
      return;
    case ReportFormat::kJsonl:
      for (const Finding& f : content.findings) write_jsonl_finding(out, f);
      return;
    case ReportFormat::kSarif:
      write_sarif(out, content.findings);
      return;
    case ReportFormat::kCsv:
      write_csv(out, content.findings);
      return;
    case ReportFormat::kText:
      write_text_findings(out, content.findings, colour);
      return;
    case ReportFormat::kJunit:
      write_junit(out, content.findings);
      return;
    case ReportFormat::kJson:
      break;
  }
  // Streamed finding by finding: a report of a million findings is never
  // held whole as a JSON tree.
  const std::string pad(kIndent, ' ');
  out << "{\n" << pad << "\"version\": " << kJsonReportVersion << ",\n" << pad << "\"tool\": \"trawl\",\n";
  out << pad << "\"findings\": ";
  write_array(out, content.findings, 1, trawl_finding);
  out << ",\n" << pad << "\"secrets\": ";
  write_array(out, content.secrets, 1, secret_object);
  out << ",\n" << pad << "\"scan\": ";
  const std::string scan = scan_object(content.summary).dump(kIndent, ' ', false, kReplace);
  for (const char c : scan) {
    out << c;
    if (c == '\n') out << pad;
  }
  out << "\n}\n";
}

}  // namespace trawl
