#include "report/redact.h"

namespace trawl {
namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

}  // namespace

std::string mask_secret(const std::string& secret, unsigned percent) {
  if (percent >= 100) return "REDACTED";
  const std::size_t keep = secret.size() * (100 - percent) / 100;
  return secret.substr(0, keep) + "...";
}

void redact_finding(Finding& finding, unsigned percent) {
  if (percent == 0) return;
  const std::string masked = mask_secret(finding.secret, percent);
  replace_all(finding.match, finding.secret, masked);
  replace_all(finding.line, finding.secret, masked);
  finding.secret = masked;
}

void redact_findings(std::vector<Finding>& findings, unsigned percent) {
  for (Finding& f : findings) redact_finding(f, percent);
}

void redact_timelines(std::vector<SecretTimeline>& timelines, unsigned percent) {
  if (percent == 0) return;
  for (SecretTimeline& t : timelines) t.secret = mask_secret(t.secret, percent);
}

}  // namespace trawl
