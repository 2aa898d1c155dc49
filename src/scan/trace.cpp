#include "scan/trace.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>

#include <cstdlib>

#include "content/sha256.h"

namespace trawl {
namespace {

bool looks_redacted(const std::string& secret) {
  return secret.empty() || secret == "REDACTED" || secret.ends_with("...");
}

}  // namespace

TraceTarget target_from_stdin(std::istream& in) {
  std::string line;
  if (!std::getline(in, line) && line.empty()) throw UsageError("trace -: no secret on standard input");
  if (line.ends_with('\r')) line.pop_back();
  if (line.empty()) throw UsageError("trace -: the first line of standard input is empty");
  return {line, sha256_hex(line), {}, {}};
}

TraceTarget target_from_sha256(const std::string& hex) {
  if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(c) != 0; })) {
    throw UsageError("--sha256: expected 64 hex digits");
  }
  std::string lower = hex;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  return {"", lower, {}, {}};
}

TraceTarget target_from_report(const std::string& path, std::size_t number) {
  std::ifstream in(path);
  if (!in) throw UsageError("--from-report '" + path + "': cannot be read");
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError("--from-report '" + path + "': not a json report: " + e.what());
  }
  const bool gitleaks = doc.is_array();
  if (!gitleaks && !(doc.is_object() && doc.contains("findings") && doc["findings"].is_array())) {
    throw UsageError("--from-report '" + path + "': neither a trawl json report nor a gitleaks report");
  }
  const nlohmann::json& findings = gitleaks ? doc : doc["findings"];
  if (number == 0 || number > findings.size()) {
    throw UsageError("--finding " + std::to_string(number) + ": '" + path + "' holds " +
                     std::to_string(findings.size()) + " findings (counted from 1)");
  }
  const nlohmann::json& f = findings[number - 1];
  const char* secret_key = gitleaks ? "Secret" : "secret";
  if (!f.is_object() || !f.contains(secret_key) || !f[secret_key].is_string()) {
    throw UsageError("--finding " + std::to_string(number) + " of '" + path + "' has no secret");
  }
  const std::string secret = f[secret_key].get<std::string>();
  if (!looks_redacted(secret)) return {secret, sha256_hex(secret), {}, {}};
  // A redacted trawl report still names the secret by its digest, in the
  // timeline that lists this finding's place.
  if (!gitleaks && doc.contains("secrets") && doc["secrets"].is_array()) {
    for (const nlohmann::json& s : doc["secrets"]) {
      if (!s.is_object() || s.value("rule_id", "") != f.value("rule_id", "") || !s.contains("introduced")) continue;
      for (const nlohmann::json& i : s["introduced"]) {
        if (i.value("commit", "") == f.value("commit", "") && i.value("path", "") == f.value("path", "") &&
            i.value("line", 0) == f.value("line", 0)) {
          if (s.contains("secret_sha256") && s["secret_sha256"].is_string()) {
            return target_from_sha256(s["secret_sha256"].get<std::string>());
          }
          if (s.contains("secret_hmac_sha256") && s["secret_hmac_sha256"].is_string()) {
            const char* key = std::getenv("TRAWL_REDACT_KEY");
            if (key == nullptr || *key == '\0') {
              throw UsageError("--finding " + std::to_string(number) + " of '" + path +
                               "' is redacted with a keyed digest: set TRAWL_REDACT_KEY to the key the report was "
                               "made with, or trace it with --sha256");
            }
            TraceTarget target;
            target.hmac_sha256 = s["secret_hmac_sha256"].get<std::string>();
            target.hmac_key = key;
            return target;
          }
        }
      }
    }
  }
  throw UsageError("--finding " + std::to_string(number) + " of '" + path +
                   "' is redacted and the report names no digest for it: trace it with --sha256");
}

ScanResult trace_secret(GitScanOptions options, const TraceTarget& target, std::ostream& log,
                        const std::vector<FindingSink*>& sinks) {
  // The secret asked about is traced whatever its rule's confidence.
  options.min_confidence = Confidence::kLow;
  options.keep_secret = [target](const std::string& secret) {
    if (!target.secret.empty()) return secret == target.secret;
    if (!target.hmac_sha256.empty()) return hmac_sha256_hex(target.hmac_key, secret) == target.hmac_sha256;
    return sha256_hex(secret) == target.sha256;
  };
  return scan_git_history(options, log, sinks);
}

}  // namespace trawl
