#include "scan/stored_result.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace trawl {
namespace {

using nlohmann::json;

// Bumped when the form changes: a row in another form is not reused.
// Form 2: each finding carries its confidence.
constexpr int kStoredResultForm = 2;

// Thrown while reading a value that is not what serialise_result() writes.
struct BadForm {};

std::uint8_t hex_digit(char c) {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  throw BadForm{};
}

ObjectId object_id(const json& j) {
  const auto& hex = j.get_ref<const std::string&>();
  if (hex.size() != 40) throw BadForm{};
  ObjectId id;
  for (std::size_t i = 0; i < id.bytes.size(); ++i) {
    id.bytes[i] = static_cast<std::uint8_t>(hex_digit(hex[2 * i]) << 4 | hex_digit(hex[2 * i + 1]));
  }
  return id;
}

json optional_id(const std::optional<ObjectId>& id) { return id ? json(id->hex()) : json(nullptr); }
std::optional<ObjectId> optional_id(const json& j) {
  if (j.is_null()) return std::nullopt;
  return object_id(j);
}

json image_json(const std::optional<ImageLocation>& image) {
  if (!image) return nullptr;
  return json{{"reference", image->reference},
              {"manifest_digest", image->manifest_digest},
              {"platform", image->platform},
              {"layer", image->layer ? json(*image->layer) : json(nullptr)},
              {"layer_digest", image->layer_digest},
              {"created_by", image->created_by ? json(*image->created_by) : json(nullptr)},
              {"in_final_filesystem", image->in_final_filesystem}};
}
std::optional<ImageLocation> image_of(const json& j) {
  if (j.is_null()) return std::nullopt;
  ImageLocation image;
  image.reference = j.at("reference").get<std::string>();
  image.manifest_digest = j.at("manifest_digest").get<std::string>();
  image.platform = j.at("platform").get<std::string>();
  if (!j.at("layer").is_null()) image.layer = j.at("layer").get<std::uint32_t>();
  image.layer_digest = j.at("layer_digest").get<std::string>();
  if (!j.at("created_by").is_null()) image.created_by = j.at("created_by").get<std::string>();
  image.in_final_filesystem = j.at("in_final_filesystem").get<bool>();
  return image;
}

json finding_json(const Finding& f) {
  return json{{"rule_id", f.rule_id},
              {"description", f.description},
              {"secret", f.secret},
              {"match", f.match},
              {"line", f.line},
              {"path", f.path},
              {"start_line", f.start_line},
              {"start_column", f.start_column},
              {"end_line", f.end_line},
              {"end_column", f.end_column},
              {"commit", optional_id(f.commit)},
              {"author", f.author},
              {"email", f.email},
              {"date", f.date},
              {"message", f.message},
              {"entropy", f.entropy},
              {"confidence", confidence_name(f.confidence)},
              {"tags", f.tags},
              {"fingerprint", f.fingerprint},
              {"image", image_json(f.image)}};
}
Finding finding_of(const json& j) {
  Finding f;
  f.rule_id = j.at("rule_id").get<std::string>();
  f.description = j.at("description").get<std::string>();
  f.secret = j.at("secret").get<std::string>();
  f.match = j.at("match").get<std::string>();
  f.line = j.at("line").get<std::string>();
  f.path = j.at("path").get<std::string>();
  f.start_line = j.at("start_line").get<std::uint32_t>();
  f.start_column = j.at("start_column").get<std::uint32_t>();
  f.end_line = j.at("end_line").get<std::uint32_t>();
  f.end_column = j.at("end_column").get<std::uint32_t>();
  f.commit = optional_id(j.at("commit"));
  f.author = j.at("author").get<std::string>();
  f.email = j.at("email").get<std::string>();
  f.date = j.at("date").get<std::int64_t>();
  f.message = j.at("message").get<std::string>();
  f.entropy = j.at("entropy").get<double>();
  const std::optional<Confidence> confidence = confidence_named(j.at("confidence").get<std::string>());
  if (!confidence) throw BadForm{};
  f.confidence = *confidence;
  f.tags = j.at("tags").get<std::vector<std::string>>();
  f.fingerprint = j.at("fingerprint").get<std::string>();
  f.image = image_of(j.at("image"));
  return f;
}

json timeline_json(const SecretTimeline& t) {
  json introduced = json::array();
  for (const SecretIntroduction& i : t.introduced) {
    introduced.push_back({{"commit", optional_id(i.commit)},
                          {"date", i.date},
                          {"author", i.author},
                          {"email", i.email},
                          {"path", i.path},
                          {"line", i.line},
                          {"image", image_json(i.image)}});
  }
  json moved = json::array();
  for (const SecretMove& m : t.moved) {
    moved.push_back({{"commit", m.commit.hex()},
                     {"date", m.date},
                     {"author", m.author},
                     {"email", m.email},
                     {"from_path", m.from_path},
                     {"to_path", m.to_path},
                     {"renamed", m.renamed}});
  }
  json removed = json::array();
  for (const SecretRemoval& r : t.removed) {
    removed.push_back({{"commit", r.commit.hex()},
                       {"date", r.date},
                       {"author", r.author},
                       {"email", r.email},
                       {"path", r.path},
                       {"image", image_json(r.image)}});
  }
  json present = json::array();
  for (const SecretAtRef& p : t.present_at) present.push_back({{"ref", p.ref}, {"path", p.path}, {"line", p.line}});
  return json{{"rule_id", t.rule_id},
              {"secret", t.secret},
              {"secret_sha256", t.secret_sha256},
              {"secret_hmac_sha256", t.secret_hmac_sha256},
              {"introduced", std::move(introduced)},
              {"moved", std::move(moved)},
              {"removed", std::move(removed)},
              {"reachable_from", t.reachable_from},
              {"present_at", std::move(present)},
              {"reachable_from_total", t.reachable_from_total},
              {"present_at_total", t.present_at_total}};
}
SecretTimeline timeline_of(const json& j) {
  SecretTimeline t;
  t.rule_id = j.at("rule_id").get<std::string>();
  t.secret = j.at("secret").get<std::string>();
  t.secret_sha256 = j.at("secret_sha256").get<std::string>();
  t.secret_hmac_sha256 = j.at("secret_hmac_sha256").get<std::string>();
  for (const json& i : j.at("introduced")) {
    t.introduced.push_back({optional_id(i.at("commit")), i.at("date").get<std::int64_t>(),
                            i.at("author").get<std::string>(), i.at("email").get<std::string>(),
                            i.at("path").get<std::string>(), i.at("line").get<std::uint32_t>(),
                            image_of(i.at("image"))});
  }
  for (const json& m : j.at("moved")) {
    t.moved.push_back({object_id(m.at("commit")), m.at("date").get<std::int64_t>(), m.at("author").get<std::string>(),
                       m.at("email").get<std::string>(), m.at("from_path").get<std::string>(),
                       m.at("to_path").get<std::string>(), m.at("renamed").get<bool>()});
  }
  for (const json& r : j.at("removed")) {
    t.removed.push_back({object_id(r.at("commit")), r.at("date").get<std::int64_t>(), r.at("author").get<std::string>(),
                         r.at("email").get<std::string>(), r.at("path").get<std::string>(), image_of(r.at("image"))});
  }
  t.reachable_from = j.at("reachable_from").get<std::vector<std::string>>();
  for (const json& p : j.at("present_at")) {
    t.present_at.push_back(
        {p.at("ref").get<std::string>(), p.at("path").get<std::string>(), p.at("line").get<std::uint32_t>()});
  }
  t.reachable_from_total = j.at("reachable_from_total").get<std::uint64_t>();
  t.present_at_total = j.at("present_at_total").get<std::uint64_t>();
  return t;
}

// The summary's counts of the content: what a scan of the same content
// with the same rules and options counts again.
json summary_json(const ScanSummary& s) {
  json git = nullptr;
  if (s.git) git = {{"refs", s.git->refs}, {"commits", s.git->commits}, {"shallow", s.git->shallow}};
  return json{{"git", std::move(git)},
              {"blobs", s.blobs},
              {"skipped", s.skipped},
              {"unreadable", s.unreadable},
              {"unreadable_reasons", s.unreadable_reasons},
              {"malformed", s.malformed},
              {"findings", s.findings},
              {"suppressed",
               {s.suppressed.allowlist, s.suppressed.ignore_file, s.suppressed.baseline, s.suppressed.inline_allow}}};
}
ScanSummary summary_of(const json& j) {
  ScanSummary s;
  if (!j.at("git").is_null()) {
    GitSummary git;
    git.refs = j.at("git").at("refs").get<std::uint64_t>();
    git.commits = j.at("git").at("commits").get<std::uint64_t>();
    git.shallow = j.at("git").at("shallow").get<bool>();
    s.git = git;
  }
  s.blobs = j.at("blobs").get<std::uint64_t>();
  s.skipped = j.at("skipped").get<std::vector<std::pair<std::string, std::uint64_t>>>();
  s.unreadable = j.at("unreadable").get<std::uint64_t>();
  s.unreadable_reasons = j.at("unreadable_reasons").get<std::string>();
  s.malformed = j.at("malformed").get<std::vector<std::pair<std::string, std::uint64_t>>>();
  s.findings = j.at("findings").get<std::uint64_t>();
  const auto suppressed = j.at("suppressed").get<std::vector<std::uint64_t>>();
  if (suppressed.size() != 4) throw BadForm{};
  s.suppressed = {suppressed[0], suppressed[1], suppressed[2], suppressed[3]};
  return s;
}

}  // namespace

std::string serialise_result(const ScanResult& result) {
  json findings = json::array();
  for (const Finding& f : result.findings) findings.push_back(finding_json(f));
  json secrets = json::array();
  for (const SecretTimeline& t : result.secrets) secrets.push_back(timeline_json(t));
  json skipped = json::array();
  for (const SkippedObject& s : result.skipped) skipped.push_back({static_cast<int>(s.reason), s.id, s.detail});
  json malformed = json::array();
  for (const MalformedObject& m : result.malformed) malformed.push_back({static_cast<int>(m.kind), m.id, m.detail});
  const json out{{"form", kStoredResultForm},     {"findings", std::move(findings)},
                 {"secrets", std::move(secrets)}, {"summary", summary_json(result.summary)},
                 {"skipped", std::move(skipped)}, {"malformed", std::move(malformed)}};
  // CBOR keeps secrets and paths as the bytes they are (JSON text would
  // need them to be UTF-8).
  const std::vector<std::uint8_t> bytes = json::to_cbor(out);
  return {bytes.begin(), bytes.end()};
}

std::optional<ScanResult> parse_result(const std::string& text) {
  try {
    const json j = json::from_cbor(text);
    if (j.at("form").get<int>() != kStoredResultForm) return std::nullopt;
    ScanResult result;
    for (const json& f : j.at("findings")) result.findings.push_back(finding_of(f));
    for (const json& t : j.at("secrets")) result.secrets.push_back(timeline_of(t));
    result.summary = summary_of(j.at("summary"));
    for (const json& s : j.at("skipped")) {
      const int reason = s.at(0).get<int>();
      if (reason < 0 || reason >= static_cast<int>(kSkipReasonCount)) return std::nullopt;
      result.skipped.push_back(
          {static_cast<SkipReason>(reason), s.at(1).get<std::string>(), s.at(2).get<std::string>()});
    }
    for (const json& m : j.at("malformed")) {
      const int kind = m.at(0).get<int>();
      if (kind < 0 || kind >= static_cast<int>(kMalformedKindCount)) return std::nullopt;
      result.malformed.push_back(
          {static_cast<MalformedKind>(kind), m.at(1).get<std::string>(), m.at(2).get<std::string>()});
    }
    return result;
  } catch (const json::exception&) {
    return std::nullopt;
  } catch (const BadForm&) {
    return std::nullopt;
  }
}

}  // namespace trawl
