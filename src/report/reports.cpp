#include "report/reports.h"

#include <nlohmann/json.hpp>

#include <ctime>
#include <map>
#include <optional>
#include <stdexcept>
#include <tuple>

#include "content/text_escape.h"
#include "report/junit_report.h"
#include "report/sarif_rules.h"
#include "report/text_report.h"

namespace trawl {
namespace {

using nlohmann::ordered_json;

constexpr int kIndent = 2;
constexpr int kSarifRankHigh = 90;
constexpr int kSarifRankMedium = 60;
constexpr int kSarifRankLow = 30;
// escape_text leaves no invalid UTF-8; should any remain, it must not abort
// the report.
constexpr auto kReplace = ordered_json::error_handler_t::replace;

// Every text field as escape_text writes it: JSON formats need only invalid
// UTF-8 escaped (JSON escapes control characters itself); csv and text
// escape control characters too.
Finding escaped(const Finding& f, bool controls) {
  const auto e = [controls](const std::string& text) { return escape_text(text, controls); };
  Finding out = f;
  for (std::string* field : {&out.rule_id, &out.description, &out.secret, &out.match, &out.line, &out.path, &out.author,
                             &out.email, &out.message, &out.fingerprint}) {
    *field = e(*field);
  }
  for (std::string& tag : out.tags) tag = e(tag);
  if (out.image) {
    ImageLocation& i = *out.image;
    for (std::string* field : {&i.reference, &i.manifest_digest, &i.platform, &i.layer_digest}) *field = e(*field);
    if (i.created_by) i.created_by = e(*i.created_by);
  }
  return out;
}

SecretTimeline escaped(const SecretTimeline& t, bool controls = false) {
  const auto e = [controls](const std::string& text) { return escape_text(text, controls); };
  SecretTimeline out = t;
  out.rule_id = e(out.rule_id);
  out.secret = e(out.secret);
  const auto e_image = [&e](std::optional<ImageLocation>& image) {
    if (!image) return;
    image->reference = e(image->reference);
    if (image->created_by) image->created_by = e(*image->created_by);
  };
  for (SecretIntroduction& i : out.introduced) {
    i.author = e(i.author);
    i.email = e(i.email);
    i.path = e(i.path);
    e_image(i.image);
  }
  for (SecretRemoval& r : out.removed) {
    r.path = e(r.path);
    r.author = e(r.author);
    r.email = e(r.email);
    e_image(r.image);
  }
  for (SecretMove& m : out.moved) {
    m.from_path = e(m.from_path);
    m.to_path = e(m.to_path);
    m.author = e(m.author);
    m.email = e(m.email);
  }
  for (std::string& ref : out.reachable_from) ref = e(ref);
  for (SecretAtRef& p : out.present_at) {
    p.ref = e(p.ref);
    p.path = e(p.path);
  }
  return out;
}

// A place in a container image.
ordered_json image_object(const ImageLocation& i) {
  ordered_json out{
      {"reference", i.reference},
      {"manifest_digest", i.manifest_digest.empty() ? ordered_json(nullptr) : ordered_json(i.manifest_digest)},
      {"platform", i.platform.empty() ? ordered_json(nullptr) : ordered_json(i.platform)},
      {"layer", i.layer ? ordered_json(*i.layer) : ordered_json(nullptr)},
      {"layer_digest", i.layer_digest.empty() ? ordered_json(nullptr) : ordered_json(i.layer_digest)},
      {"created_by", i.created_by ? ordered_json(*i.created_by) : ordered_json(nullptr)},
      {"in_final_filesystem", i.in_final_filesystem}};
  return out;
}

ordered_json trawl_finding(const Finding& raw) {
  const Finding f = escaped(raw, false);
  ordered_json out{
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
      {"confidence", confidence_name(f.confidence)},
      {"tags", f.tags},
      {"fingerprint", f.fingerprint},
  };
  if (f.image) out["image"] = image_object(*f.image);
  return out;
}

std::string commit_text(const std::optional<ObjectId>& commit) { return commit ? commit->hex() : std::string(); }

ordered_json moved_object(const SecretMove& m) {
  return ordered_json{{"commit", m.commit.hex()},
                      {"date", format_utc(m.date)},
                      {"author", m.author},
                      {"email", m.email},
                      {"from", m.from_path},
                      {"to", m.to_path},
                      {"kind", m.renamed ? "rename" : "copy"}};
}

// Adds a timeline's fields, all but the secret's value, to `out`.
void add_timeline(ordered_json& out, const SecretTimeline& t) {
  ordered_json introduced = ordered_json::array();
  for (const SecretIntroduction& i : t.introduced) {
    if (i.image) {
      introduced.push_back({{"path", i.path}, {"line", i.line}, {"image", image_object(*i.image)}});
      continue;
    }
    introduced.push_back({{"commit", commit_text(i.commit)},
                          {"date", format_utc(i.date)},
                          {"author", i.author},
                          {"email", i.email},
                          {"path", i.path},
                          {"line", i.line}});
  }
  ordered_json moved = ordered_json::array();
  for (const SecretMove& m : t.moved) moved.push_back(moved_object(m));
  ordered_json removed = ordered_json::array();
  for (const SecretRemoval& r : t.removed) {
    if (r.image) {
      removed.push_back({{"path", r.path}, {"image", image_object(*r.image)}});
      continue;
    }
    removed.push_back({{"commit", r.commit.hex()},
                       {"date", format_utc(r.date)},
                       {"author", r.author},
                       {"email", r.email},
                       {"path", r.path}});
  }
  ordered_json present = ordered_json::array();
  for (const SecretAtRef& p : t.present_at) present.push_back({{"ref", p.ref}, {"path", p.path}, {"line", p.line}});
  out["introduced"] = std::move(introduced);
  out["moved"] = std::move(moved);
  out["removed"] = std::move(removed);
  out["reachable_from"] = t.reachable_from;
  out["reachable_from_total"] = t.reachable_from_total;
  out["present_at"] = std::move(present);
  out["present_at_total"] = t.present_at_total;
}

// A timeline without the secret's value: what a format that must not carry
// the secret (SARIF properties) holds.
ordered_json timeline_object(const SecretTimeline& raw) {
  const SecretTimeline t = escaped(raw);
  ordered_json out = ordered_json::object();
  add_timeline(out, t);
  return out;
}

// The rule, the secret and its digest; a redacted report carries the keyed
// digest instead.
void add_secret(ordered_json& out, const SecretTimeline& t) {
  out["rule_id"] = t.rule_id;
  out["secret"] = t.secret;
  if (t.secret_hmac_sha256.empty()) {
    out["secret_sha256"] = t.secret_sha256;
  } else {
    out["secret_hmac_sha256"] = t.secret_hmac_sha256;
  }
}

ordered_json secret_object(const SecretTimeline& raw) {
  const SecretTimeline t = escaped(raw);
  ordered_json out = ordered_json::object();
  add_secret(out, t);
  add_timeline(out, t);
  return out;
}

// The jsonl record of a secret's timeline, told apart from findings by "type".
ordered_json secret_record(const SecretTimeline& raw) {
  const SecretTimeline t = escaped(raw);
  ordered_json out{{"type", "secret"}};
  add_secret(out, t);
  add_timeline(out, t);
  return out;
}

std::vector<std::string> escaped_all(const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  out.reserve(texts.size());
  for (const std::string& text : texts) out.push_back(escape_text(text, false));
  return out;
}

ordered_json scan_object(const ScanSummary& s) {
  const GitSummary git = s.git.value_or(GitSummary{});
  ordered_json skipped = ordered_json::object();
  for (const auto& [reason, count] : s.skipped) skipped[reason] = count;
  ordered_json malformed = ordered_json::object();
  for (const auto& [kind, count] : s.malformed) malformed[kind] = count;
  ordered_json scan{
      {"refs", git.refs},
      {"commits", git.commits},
      {"blobs", s.blobs},
      {"blobs_scanned", s.blobs_scanned},
      {"bytes_scanned", s.bytes_scanned},
      {"blobs_from_packs", git.blobs_from_packs},
      {"blobs_from_libgit2", git.blobs_from_libgit2},
      {"skipped", skipped},
      {"unreadable", s.unreadable},
      {"malformed", malformed},
      {"allowlisted", s.suppressed.allowlist},
      {"suppressed",
       {{"allowlist", s.suppressed.allowlist},
        {"ignore_file", s.suppressed.ignore_file},
        {"baseline", s.suppressed.baseline},
        {"inline_allow", s.suppressed.inline_allow}}},
      {"findings_by_confidence",
       {{"high", s.findings_by_confidence[static_cast<std::size_t>(Confidence::kHigh)]},
        {"medium", s.findings_by_confidence[static_cast<std::size_t>(Confidence::kMedium)]},
        {"low", s.findings_by_confidence[static_cast<std::size_t>(Confidence::kLow)]}}},
      {"min_confidence", confidence_name(s.min_confidence)},
      {"below_min_confidence", s.below_min_confidence},
      {"rules_below_min_confidence", s.rules_below_min_confidence},
      {"shallow", git.shallow},
      {"backend", s.backend},
      {"rules", escape_text(s.rules_origin, false)},
      {"rule_count", s.rule_count},
      {"warnings", escaped_all(s.warnings)},
      {"wall_seconds", s.wall_seconds},
      {"walk_seconds", git.walk_seconds},
      {"read_match_seconds", s.read_match_seconds},
      {"match_seconds", s.match_seconds},
      {"attribute_seconds", s.attribute_seconds},
  };
  if (s.datastore) {
    scan["blobs_read"] = s.blobs_read;
    scan["blobs_known"] = s.blobs_known;
    scan["blobs_rescanned"] = s.blobs_rescanned;
    scan["rules_run_on_known_blobs"] = s.rules_run_on_known_blobs;
    if (s.git) scan["history_walked"] = !s.reused_result;
    if (s.repositories_unchanged) scan["repositories_unchanged"] = *s.repositories_unchanged;
  }
  return scan;
}

ordered_json gitleaks_finding(const Finding& raw) {
  const Finding f = escaped(raw, false);
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
      // trawl's addition: gitleaks' readers ignore fields they do not know.
      {"Confidence", confidence_name(f.confidence)},
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

// The timeline each finding belongs to: the one that lists the finding's
// place among its introductions. Matched by place, not by value, because
// redacted values of different secrets can be equal.
std::vector<const SecretTimeline*> timelines_of(const std::vector<Finding>& findings,
                                                const std::vector<SecretTimeline>& secrets) {
  std::map<std::tuple<std::string, std::string, std::string, std::uint32_t>, const SecretTimeline*> by_place;
  for (const SecretTimeline& t : secrets) {
    for (const SecretIntroduction& i : t.introduced)
      by_place.emplace(std::tuple(t.rule_id, commit_text(i.commit), i.path, i.line), &t);
  }
  std::vector<const SecretTimeline*> out;
  out.reserve(findings.size());
  for (const Finding& f : findings) {
    auto it = by_place.find({f.rule_id, f.commit_hex(), f.path, f.start_line});
    out.push_back(it == by_place.end() ? nullptr : it->second);
  }
  return out;
}

ordered_json related_location(std::size_t id, const std::string& path, std::uint32_t line, const std::string& text) {
  ordered_json physical{{"artifactLocation", {{"uri", path_uri(path)}}}};
  if (line > 0) physical["region"] = {{"startLine", line}};
  return ordered_json{{"id", id}, {"physicalLocation", physical}, {"message", {{"text", text}}}};
}

// The secret's other places as SARIF related locations: its other
// introductions, its moves, its removals and where refs' tips still hold it.
ordered_json related_locations(const Finding& f, const SecretTimeline& t) {
  ordered_json out = ordered_json::array();
  auto by = [](const std::string& author, const std::string& email, std::int64_t date) {
    return " by " + author + " <" + email + "> on " + format_utc(date);
  };
  for (const SecretIntroduction& i : t.introduced) {
    if (i.path == f.path && i.line == f.start_line && commit_text(i.commit) == f.commit_hex()) continue;
    out.push_back(
        related_location(out.size(), i.path, i.line,
                         "also introduced in commit " + commit_text(i.commit) + by(i.author, i.email, i.date)));
  }
  for (const SecretMove& m : t.moved) {
    out.push_back(related_location(out.size(), m.to_path, 0,
                                   std::string(m.renamed ? "renamed" : "copied") + " from " + m.from_path +
                                       " in commit " + m.commit.hex() + by(m.author, m.email, m.date)));
  }
  for (const SecretRemoval& r : t.removed) {
    out.push_back(
        related_location(out.size(), r.path, 0, "removed in commit " + r.commit.hex() + by(r.author, r.email, r.date)));
  }
  for (const SecretAtRef& p : t.present_at) {
    out.push_back(related_location(out.size(), p.path, p.line, "still present at the tip of " + p.ref));
  }
  return out;
}

// SARIF's level and rank (0 to 100, how sure the result is) for a
// confidence.
const char* sarif_level(Confidence confidence) {
  switch (confidence) {
    case Confidence::kHigh:
      return "error";
    case Confidence::kMedium:
      return "warning";
    case Confidence::kLow:
      return "note";
  }
  return "error";
}

int sarif_rank(Confidence confidence) {
  switch (confidence) {
    case Confidence::kHigh:
      return kSarifRankHigh;
    case Confidence::kMedium:
      return kSarifRankMedium;
    case Confidence::kLow:
      return kSarifRankLow;
  }
  return kSarifRankHigh;
}

ordered_json sarif_result(const Finding& raw, std::size_t rule_index, const SecretTimeline* timeline) {
  const Finding f = escaped(raw, false);
  std::string where = f.path;
  if (f.start_line > 0) where.append(":").append(std::to_string(f.start_line));
  if (f.commit) where.append(" at commit ").append(f.commit->hex(), 0, 12);
  ordered_json physical{{"artifactLocation", {{"uri", path_uri(raw.path)}}}};
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
  if (f.image) {
    properties["image"] = image_object(*f.image);
    where.append(" in image ").append(f.image->reference);
    where.append(f.image->layer ? ", layer " + std::to_string(*f.image->layer) : std::string(", config"));
  }
  properties["confidence"] = confidence_name(f.confidence);
  ordered_json result{{"ruleId", f.rule_id},
                      {"ruleIndex", rule_index},
                      {"level", sarif_level(f.confidence)},
                      {"rank", sarif_rank(f.confidence)},
                      {"message", {{"text", f.rule_id + ": " + f.description + " in " + where}}},
                      {"locations", ordered_json::array({{{"physicalLocation", physical}}})}};
  if (timeline != nullptr) {
    ordered_json related = related_locations(f, escaped(*timeline));
    if (!related.empty()) result["relatedLocations"] = std::move(related);
    if (timeline->secret_hmac_sha256.empty()) {
      properties["secret_sha256"] = timeline->secret_sha256;
    } else {
      properties["secret_hmac_sha256"] = timeline->secret_hmac_sha256;
    }
    properties["timeline"] = timeline_object(*timeline);
  }
  result["partialFingerprints"] = {{"trawlFingerprint/v1", f.fingerprint}};
  result["properties"] = std::move(properties);
  return result;
}

// A rule as GitHub code scanning shows it: what it found, how to rotate
// it, how severe and how precise. "security" in the tags makes GitHub read
// security-severity.
ordered_json sarif_rule(const Finding& f) {
  const SarifRuleHelp help = sarif_rule_help(f);
  std::vector<std::string> tags = {"security", "secret"};
  tags.insert(tags.end(), f.tags.begin(), f.tags.end());
  return ordered_json{
      {"id", f.rule_id},
      {"name", f.rule_id},
      {"shortDescription", {{"text", f.description.empty() ? f.rule_id : f.description}}},
      {"fullDescription", {{"text", help.full_description}}},
      {"help", {{"text", help.text}, {"markdown", help.markdown}}},
      {"helpUri", TRAWL_HOMEPAGE "#rules"},
      {"defaultConfiguration", {{"level", sarif_level(f.confidence)}}},
      {"properties", {{"tags", tags}, {"security-severity", help.security_severity}, {"precision", help.precision}}}};
}

void write_sarif(std::ostream& out, const std::vector<Finding>& findings, const std::vector<SecretTimeline>& secrets) {
  const std::vector<const SecretTimeline*> timelines = timelines_of(findings, secrets);
  std::map<std::string, std::size_t> rule_index;
  ordered_json rules = ordered_json::array();
  ordered_json results = ordered_json::array();
  for (std::size_t n = 0; n < findings.size(); ++n) {
    const Finding& f = findings[n];
    auto [it, added] = rule_index.emplace(f.rule_id, rules.size());
    if (added) rules.push_back(sarif_rule(escaped(f, false)));
    results.push_back(sarif_result(f, it->second, timelines[n]));
  }
  const ordered_json driver{{"name", "trawl"},
                            {"version", TRAWL_VERSION},
                            {"semanticVersion", TRAWL_VERSION},
                            {"informationUri", TRAWL_HOMEPAGE},
                            {"rules", rules}};
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

// gitleaks' columns and the confidence; a report with image findings
// appends the image's.
void write_csv(std::ostream& out, const std::vector<Finding>& findings) {
  const bool images =
      std::any_of(findings.begin(), findings.end(), [](const Finding& f) { return f.image.has_value(); });
  out << "RuleID,Commit,File,SymlinkFile,Secret,Match,StartLine,EndLine,StartColumn,EndColumn,Author,Message,Date,"
         "Email,Fingerprint,Tags,Confidence"
      << (images ? ",ImageReference,ManifestDigest,Platform,Layer,LayerDigest,CreatedBy,InFinalFilesystem" : "")
      << "\r\n";
  for (const Finding& raw : findings) {
    const Finding f = escaped(raw, true);
    std::string tags;
    for (const std::string& tag : f.tags) tags += (tags.empty() ? "" : " ") + tag;
    std::vector<std::string> row = {f.rule_id,
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
                                    tags,
                                    std::string(confidence_name(f.confidence))};
    if (images) {
      const ImageLocation i = f.image.value_or(ImageLocation{});
      const bool any = f.image.has_value();
      row.insert(row.end(),
                 {i.reference, i.manifest_digest, i.platform, i.layer ? std::to_string(*i.layer) : "", i.layer_digest,
                  i.created_by.value_or(""), any ? (i.in_final_filesystem ? "true" : "false") : ""});
    }
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

void write_jsonl_secrets(std::ostream& out, const std::vector<SecretTimeline>& secrets) {
  for (const SecretTimeline& t : secrets) out << secret_record(t).dump(-1, ' ', false, kReplace) << "\n";
  out << std::flush;
}

void write_timelines_text(std::ostream& out, const std::vector<SecretTimeline>& secrets) {
  auto who = [&](const std::string& author, const std::string& email, std::int64_t date) {
    return format_utc(date) + "  " + author + " <" + email + ">";
  };
  for (const SecretTimeline& raw : secrets) {
    const SecretTimeline t = escaped(raw, true);
    // A redacted report names the secret by its keyed digest only.
    const std::string digest =
        t.secret_hmac_sha256.empty() ? "sha256 " + t.secret_sha256 : "hmac-sha256 " + t.secret_hmac_sha256;
    out << "Secret:      " << t.secret << " (" << t.rule_id << ", " << digest << ")\n";
    // In an image: its reference and the layer (or the config).
    auto step = [](const ImageLocation& image) {
      return image.reference + "  " + (image.layer ? "layer " + std::to_string(*image.layer) : std::string("config"));
    };
    for (const SecretIntroduction& i : t.introduced) {
      if (i.image) {
        out << "Introduced:  " << step(*i.image) << "  " << i.path << ":" << i.line << "\n";
        continue;
      }
      // A directory's file or the index has no commit, author or date.
      if (!i.commit) {
        out << "Found:       " << i.path << ":" << i.line << "\n";
        continue;
      }
      out << "Introduced:  " << who(i.author, i.email, i.date) << "  " << i.commit->hex() << "  " << i.path << ":"
          << i.line << "\n";
    }
    for (const SecretMove& m : t.moved) {
      out << (m.renamed ? "Renamed:     " : "Copied:      ") << who(m.author, m.email, m.date) << "  " << m.commit.hex()
          << "  " << m.from_path << " -> " << m.to_path << "\n";
    }
    for (const SecretRemoval& r : t.removed) {
      if (r.image) {
        out << "Removed:     " << step(*r.image) << "  " << r.path << "\n";
        continue;
      }
      out << "Removed:     " << who(r.author, r.email, r.date) << "  " << r.commit.hex() << "  " << r.path << "\n";
    }
    for (const std::string& ref : t.reachable_from) out << "Reachable:   " << ref << "\n";
    if (t.reachable_from_total > t.reachable_from.size()) {
      out << "Reachable:   ... and " << t.reachable_from_total - t.reachable_from.size() << " more refs\n";
    }
    for (const SecretAtRef& p : t.present_at)
      out << "Still at:    " << p.ref << "  " << p.path << ":" << p.line << "\n";
    if (t.present_at_total > t.present_at.size()) {
      out << "Still at:    ... and " << t.present_at_total - t.present_at.size() << " more places\n";
    }
    if (t.introduced.front().commit && t.present_at_total == 0) out << "Still at:    no ref's tip\n";
    if (t.introduced.front().image && t.present_at_total == 0) out << "Still at:    no image's final filesystem\n";
    out << "\n";
  }
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
      write_jsonl_secrets(out, content.secrets);
      return;
    case ReportFormat::kSarif:
      write_sarif(out, content.findings, content.secrets);
      return;
    case ReportFormat::kCsv:
      write_csv(out, content.findings);
      return;
    case ReportFormat::kText:
      write_text_findings(out, content.findings, colour);
      write_timelines_text(out, content.secrets);
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
